//! Solaris 11's `anet` resource and `autoshutdown` property through the zonecfg binary:
//! the language, `info`, `export` re-imported into another zone, the zone's XML as
//! Solaris 11 writes it, and the refusals of `set` and `commit`.

use zones_tests::{require_root, unique_zone, Scratch};

#[test]
fn anet_through_zonecfg_info_export_and_xml() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("an");
    s.configure(
        &z,
        &[
            "set ip-type=exclusive",
            "set autoshutdown=halt",
            "add anet",
            "set lower-link=eth0",
            "set allowed-address=10.5.0.2/24",
            "set defrouter=10.5.0.1",
            "set mtu=1400",
            "end",
            "add anet",
            "set mac-address=2:8:20:a:b:c",
            "end",
        ],
    );
    let r = s.zonecfg(&z, &["info anet"], None);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    assert_eq!(
        r.stdout,
        "anet:\n\tlinkname: net0\n\tlower-link: eth0\n\tallowed-address: 10.5.0.2/24\n\tconfigure-allowed-address: true\n\tdefrouter: 10.5.0.1\n\tmac-address: auto\n\tmtu: 1400\n\
         anet:\n\tlinkname: net1\n\tlower-link: auto\n\tallowed-address not specified\n\tconfigure-allowed-address: true\n\tdefrouter not specified\n\tmac-address: 02:08:20:0a:0b:0c\n\tmtu not specified\n"
    );
    let xml = std::fs::read_to_string(s.zone_file(&z)).unwrap();
    assert!(xml.contains(" autoshutdown=\"halt\""), "{xml}");
    assert!(
        xml.contains("<anet linkname=\"net0\" lower-link=\"eth0\" allowed-address=\"10.5.0.2/24\" configure-allowed-address=\"true\" defrouter=\"10.5.0.1\" mac-address=\"auto\" mtu=\"1400\"/>"),
        "{xml}"
    );

    // export re-creates the same configuration in another zone.
    let exported = s.zonecfg(&z, &["export"], None).ok().stdout;
    let y = unique_zone("an");
    let script = exported.replace(&format!("/zones/{z}"), &format!("/zones/{y}"));
    let r = s.zonecfg(&y, &["-f", "-"], Some(&script));
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{script}");
    let again = s.zonecfg(&y, &["export"], None).ok().stdout;
    assert_eq!(again, script);
    let r = s.zonecfg(&y, &["info autoshutdown"], None);
    assert_eq!(r.stdout, "autoshutdown: halt\n");
}

#[test]
fn anet_refusals() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("an");
    s.configure(&z, &[]);
    // A shared-IP zone cannot commit an anet.
    let r = s.zonecfg(&z, &["add anet; end; commit"], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("anet net0: anet cannot be specified for a shared IP type"),
        "{}",
        r.stderr
    );
    let xml = std::fs::read_to_string(s.zone_file(&z)).unwrap();
    assert!(!xml.contains("<anet"), "{xml}");
    let r = s.zonecfg(&z, &["set ip-type=exclusive; add anet; set mtu=20"], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("mtu property is out of range"),
        "{}",
        r.stderr
    );
    let r = s.zonecfg(&z, &["set autoshutdown=suspend"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "zonecfg: autoshutdown=suspend: not supported\n")
    );
    // A host name the global zone does not resolve is refused at set; localhost resolves.
    let r = s.zonecfg(
        &z,
        &["add net; set address=localhost/8; set physical=lo; end; commit"],
        None,
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let r = s.zonecfg(&z, &["add net; set address=nosuchhost.invalid"], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("nosuchhost.invalid: unknown host name"),
        "{}",
        r.stderr
    );
}
