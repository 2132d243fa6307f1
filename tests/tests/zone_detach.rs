//! `zoneadm detach` and `attach`, and `zonecfg create -a`: a zone of either brand detached
//! under one alternate root (standing for one host) is moved to another, configured there from
//! the manifest it carries, attached and booted; detached and attached again in place; and
//! every refusal and dry run (`-n`) leaves everything as it was.

mod migrate;

use migrate::*;
use zones_tests::{require_root, unique_zone, Scratch};

const MANIFEST: &str = "SUNWdetached.xml";

fn index(s: &Scratch) -> String {
    std::fs::read_to_string(s.root().join("etc/zones/index")).unwrap_or_default()
}

#[test]
fn a_detached_zone_attaches_and_boots_under_another_root() {
    require_root();
    let a = Scratch::new();
    let b = Scratch::new();
    for brand in BRANDS {
        let z = unique_zone("dt");
        installed(&a, &z, brand);
        a.zonecfg(&z, &["set autoboot=true; add attr; set name=comment; set type=string; set value=\"moved\"; end; commit"], None)
            .ok();
        let zp = format!("/zones/{z}");
        // -n: the manifest on standard output, nothing changed.
        let before = (index(&a), snapshot(&host(&a, &zp)));
        let dry = a.zoneadm(Some(&z), &["detach", "-n"]).ok().stdout;
        assert!(dry.starts_with("<?xml"), "{dry}");
        assert!(dry.contains(&format!("brand=\"{brand}\"")), "{dry}");
        assert_eq!((index(&a), snapshot(&host(&a, &zp))), before);
        assert_eq!(state(&a, &z), "installed");
        // detach: the manifest in the zonepath, the zone configured again, the files kept.
        a.zoneadm(Some(&z), &["detach"]).ok();
        assert_eq!(state(&a, &z), "configured");
        let manifest = std::fs::read_to_string(host(&a, &zp).join(MANIFEST)).unwrap();
        assert_eq!(manifest, dry);
        assert!(host(&a, &zp).join("root/etc").is_dir());
        // A detached zone is attached, not installed or booted.
        let r = a.zoneadm(Some(&z), &["boot"]);
        assert_eq!(r.code, 1);
        // The zonepath goes to the other host.
        std::fs::create_dir_all(host(&b, "/zones")).unwrap();
        std::fs::rename(host(&a, &zp), host(&b, &zp)).unwrap();
        a.zonecfg(&z, &["delete", "-F"], None).ok();
        // There: configured from the manifest, checked, attached, booted.
        b.zonecfg(&z, &[&format!("create -a {zp}; commit")], None)
            .ok();
        let info = b.zonecfg(&z, &["info"], None).ok().stdout;
        assert!(info.contains(&format!("zonepath: {zp}")), "{info}");
        assert!(info.contains(&format!("brand: {brand}")), "{info}");
        assert!(info.contains("autoboot: true"), "{info}");
        assert!(info.contains("value: moved"), "{info}");
        let before = (index(&b), snapshot(&host(&b, &zp)));
        b.zoneadm(Some(&z), &["attach", "-n", &zp]).ok();
        assert_eq!(
            (index(&b), snapshot(&host(&b, &zp))),
            before,
            "attach -n changed something"
        );
        b.zoneadm(Some(&z), &["attach"]).ok();
        assert_eq!(state(&b, &z), "installed");
        assert!(!host(&b, &zp).join(MANIFEST).exists());
        let owner = std::fs::read_to_string(host(&b, &zp).join(".zone-owner")).unwrap();
        assert!(owner.starts_with(&format!("{z}:")), "{owner}");
        boots_and_logs_in(&b, &z);
        // Detached and attached again where it is.
        b.zoneadm(Some(&z), &["detach"]).ok();
        b.zoneadm(Some(&z), &["attach"]).ok();
        boots_and_logs_in(&b, &z);
        // And it uninstalls as its own.
        b.zoneadm(Some(&z), &["uninstall", "-F"]).ok();
        assert!(!host(&b, &zp).exists());
    }
}

#[test]
fn attach_checks_what_it_attaches() {
    require_root();
    let s = Scratch::new();
    let sparse = unique_zone("ats");
    let whole = unique_zone("atw");
    installed(&s, &sparse, "sparse");
    installed(&s, &whole, "whole");
    s.zoneadm(Some(&sparse), &["detach"]).ok();
    s.zoneadm(Some(&whole), &["detach"]).ok();
    let szp = host(&s, &format!("/zones/{sparse}"));
    let wzp = host(&s, &format!("/zones/{whole}"));
    let before = (index(&s), snapshot(&szp), snapshot(&wzp));
    let unchanged = |s: &Scratch| {
        assert_eq!((index(s), snapshot(&szp), snapshot(&wzp)), before.clone());
    };
    // -n validates a detached zonepath, a manifest file, or a manifest on standard input.
    s.zoneadm(
        Some(&sparse),
        &["attach", "-n", &format!("/zones/{sparse}")],
    )
    .ok();
    s.zoneadm(
        Some("anyname"),
        &["attach", "-n", &format!("/zones/{whole}/{MANIFEST}")],
    )
    .ok();
    let manifest = std::fs::read_to_string(wzp.join(MANIFEST)).unwrap();
    let r = s.run(
        "zoneadm",
        &["-z", &whole, "attach", "-n", "-"],
        Some(&manifest),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = s.run(
        "zoneadm",
        &["-z", &whole, "attach", "-n", "-"],
        Some("not xml"),
    );
    refused(
        r,
        &format!("zoneadm: zone '{whole}': Input is not a valid XML file\n"),
    );
    std::fs::write(s.root().join("notxml"), "hello").unwrap();
    refused(
        s.zoneadm(Some(&whole), &["attach", "-n", "/notxml"]),
        &format!(
            "zoneadm: zone '{whole}': {} is not an XML file\n",
            s.root().join("notxml").display()
        ),
    );
    let r = s.zoneadm(Some(&whole), &["attach", "-n", "/nowhere"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("could not open manifest path"),
        "{}",
        r.stderr
    );
    refused(
        s.zoneadm(Some(&whole), &["attach", "-F", "-n", "/x"]),
        &format!("zoneadm: zone '{whole}': -F and -n flags are mutually exclusive\n"),
    );
    unchanged(&s);
    // Wrong brand: the sparse zone's tree under a whole-root configuration.
    let other = unique_zone("atx");
    let script = format!("create -b; set brand=whole; set zonepath=/zones/{sparse}; commit");
    s.zonecfg(&other, &[&script], None).ok();
    let r = s.zoneadm(Some(&other), &["attach"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("is of brand sparse, not whole"),
        "{}",
        r.stderr
    );
    s.zonecfg(&other, &["delete", "-F"], None).ok();
    unchanged(&s);
    // A whole-root tree without an init to boot.
    std::fs::rename(wzp.join("root/sbin/init"), wzp.join("init.away")).unwrap();
    let r = s.zoneadm(Some(&whole), &["attach"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("it has no /sbin/init to boot."),
        "{}",
        r.stderr
    );
    let r = s.zoneadm(Some(&whole), &["attach", "-n", &format!("/zones/{whole}")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("it has no /sbin/init to boot."),
        "{}",
        r.stderr
    );
    assert_eq!(state(&s, &whole), "configured");
    std::fs::rename(wzp.join("init.away"), wzp.join("root/sbin/init")).unwrap();
    unchanged(&s);
    // A tree without a manifest is no detached zone, unless -F says to take it anyway.
    std::fs::rename(szp.join(MANIFEST), s.root().join("m.xml")).unwrap();
    let r = s.zoneadm(Some(&sparse), &["attach"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("holds no detached zone (SUNWdetached.xml is missing)"),
        "{}",
        r.stderr
    );
    assert_eq!(state(&s, &sparse), "configured");
    s.zoneadm(Some(&sparse), &["attach", "-F"]).ok();
    assert_eq!(state(&s, &sparse), "installed");
    boots_and_logs_in(&s, &sparse);
    refused(
        s.zoneadm(Some(&sparse), &["attach"]),
        &format!("zoneadm: zone '{sparse}': is already installed.\n"),
    );
    // A zonepath that is not there.
    let gone = unique_zone("atg");
    configure(&s, &gone, "sparse");
    let r = s.zoneadm(Some(&gone), &["attach"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("could not verify zonepath"),
        "{}",
        r.stderr
    );
    assert_eq!(state(&s, &gone), "configured");
    // zonecfg create -a of a path without a manifest.
    let r = s.zonecfg(&unique_zone("atc"), &["create -a /zones/nothing"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "invalid path to detached zone\n")
    );
    // Misuse.
    for words in [&["attach", "x"][..], &["attach", "-n"], &["attach", "-u"]] {
        let r = s.zoneadm(Some(&whole), words);
        assert_eq!(r.code, 2, "{words:?}");
        assert!(
            r.stderr.starts_with("usage:\tattach [-F] [-n <path>]"),
            "{}",
            r.stderr
        );
    }
    // The whole-root zone attaches once it is whole again.
    s.zoneadm(Some(&whole), &["attach"]).ok();
    boots_and_logs_in(&s, &whole);
}

#[test]
fn detach_refusals() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("dr");
    let c = unique_zone("drc");
    installed(&s, &z, "sparse");
    configure(&s, &c, "sparse");
    refused(
        s.zoneadm(Some(&c), &["detach"]),
        &format!("zoneadm: zone '{c}': must be installed before detach.\n"),
    );
    refused(
        s.zoneadm(Some("nosuch"), &["detach"]),
        "zoneadm: nosuch: No such zone configured\n",
    );
    s.zoneadm(Some(&z), &["boot"]).ok();
    refused(
        s.zoneadm(Some(&z), &["detach"]),
        &format!("zoneadm: zone '{z}': detach operation is invalid for running zones.\n"),
    );
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert!(!host(&s, &format!("/zones/{z}/{MANIFEST}")).exists());
    for words in [&["detach", "x"][..], &["detach", "-F"]] {
        let r = s.zoneadm(Some(&z), words);
        assert_eq!(r.code, 2, "{words:?}");
        assert!(r.stderr.starts_with("usage:\tdetach [-n]"), "{}", r.stderr);
    }
    assert_eq!(state(&s, &z), "installed");
}
