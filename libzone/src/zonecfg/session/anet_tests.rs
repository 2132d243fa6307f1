//! Session tests of Solaris 11's `anet` resource and `autoshutdown` property, and of the
//! host-name check of `set address=`.

use super::testutil::*;
use super::*;
use crate::config::model::*;
use crate::config::verify::HostResolver;

fn repo_excl(name: &str) -> MemRepo {
    let cfg = ZoneConfig {
        name: name.into(),
        zonepath: format!("/zones/{name}"),
        ip_type: IpType::Exclusive,
        ..Default::default()
    };
    MemRepo::new().with_zone(cfg, ZoneState::Configured)
}

fn args(repo: &MemRepo, z: &str, input: &str) -> Run {
    run(repo, z, Mode::Args, input)
}

const DEFAULT_NET0: &str = "anet:\n\tlinkname: net0\n\tlower-link: auto\n\tallowed-address not specified\n\tconfigure-allowed-address: true\n\tdefrouter not specified\n\tmac-address: auto\n\tmtu not specified\n";

#[test]
fn add_anet_takes_the_defaults_and_names_links_in_turn() {
    let repo = repo_excl("z");
    let r = args(
        &repo,
        "z",
        "add anet; end; add anet; end; commit; info anet",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(r.code, 0);
    assert!(r.ui.out.starts_with(DEFAULT_NET0), "{}", r.ui.out);
    assert!(
        r.ui.out.contains("anet:\n\tlinkname: net1\n"),
        "{}",
        r.ui.out
    );
    let cfg = repo.get("z").unwrap();
    assert_eq!(
        cfg.anets,
        vec![Anet::default_named("net0"), Anet::default_named("net1")]
    );
    // A freed name is taken again.
    let r = args(
        &repo,
        "z",
        "remove anet linkname=net0; add anet; end; commit",
    );
    assert_eq!(r.ui.err, "");
    let names: Vec<String> = repo
        .get("z")
        .unwrap()
        .anets
        .into_iter()
        .map(|a| a.linkname)
        .collect();
    assert_eq!(names, ["net1", "net0"]);
}

#[test]
fn anet_properties_are_checked_at_set() {
    let repo = repo_excl("z");
    for (line, err) in [
        ("set linkname=0bad", "0bad: invalid link name"),
        ("set linkname=net-0", "net-0: invalid link name"),
        ("set linkname=a234567890123456", "invalid link name"),
        ("set lower-link=eth0:1", "eth0:1: invalid lower-link"),
        (
            "set allowed-address=10.0.0.2",
            "10.0.0.2: allowed-address requires a /prefix-length suffix.",
        ),
        (
            "set allowed-address=10.0.0.2/40",
            "10.0.0.2/40: IPv4 address prefix lengths must be 0 - 32.",
        ),
        (
            "set allowed-address=web/24",
            "web/24: not an IPv4 or IPv6 address.",
        ),
        (
            "set configure-allowed-address=yes",
            "configure-allowed-address value must be 'true' or 'false'.",
        ),
        ("set defrouter=gw", "gw: not an IPv4 or IPv6 address."),
        ("set mac-address=01:00:5e:00:00:01", "invalid mac-address"),
        (
            "set mac-address=factory",
            "mac-address factory: not supported",
        ),
        (
            "set mtu=67",
            "mtu property is out of range: it must be 68 - 65535.",
        ),
        ("set mtu=65536", "mtu property is out of range"),
        ("set address=10.0.0.2/24", "address: No such property type"),
    ] {
        let r = args(&repo, "z", &format!("add anet; {line}; cancel"));
        assert!(r.ui.err.contains(err), "{line}: {}", r.ui.err);
        assert_eq!(r.code, 1, "{line}");
    }
    let r = args(
        &repo,
        "z",
        "add anet; set linkname=web0; set lower-link=eth1; set allowed-address=10.0.0.2/24,fd00::2/64; \
         set configure-allowed-address=false; set defrouter=10.0.0.1/24; set mac-address=2:8:20:a:b:c; \
         set mtu=9000; info; end; commit",
    );
    assert_eq!(
        r.ui.err,
        "Warning: prefix length in 10.0.0.1/24 is not required and will be ignored. The default host-prefix length will be used\n"
    );
    assert_eq!(
        r.ui.out,
        "anet:\n\tlinkname: web0\n\tlower-link: eth1\n\tallowed-address: 10.0.0.2/24,fd00::2/64\n\tconfigure-allowed-address: false\n\tdefrouter: 10.0.0.1\n\tmac-address: 02:08:20:0a:0b:0c\n\tmtu: 9000\n"
    );
    let a = &repo.get("z").unwrap().anets[0];
    assert_eq!(a.mtu, Some(9000));
    assert_eq!(
        a.mac_address,
        MacAddress::Fixed([2, 8, 0x20, 0xa, 0xb, 0xc])
    );
    assert_eq!(a.lower_link, LowerLink::Link("eth1".into()));
}

#[test]
fn select_modify_clear_and_remove() {
    let repo = repo_excl("z");
    args(
        &repo,
        "z",
        "add anet; end; add anet; set mtu=1400; end; commit",
    );
    let r = args(&repo, "z", "add anet; set linkname=net1; end");
    assert_eq!(
        r.ui.err,
        "An anet resource with the linkname 'net1' already exists.\nResource incomplete.\n"
    );
    let r = args(
        &repo,
        "z",
        "select anet linkname=net0; set linkname=net1; end",
    );
    assert!(r
        .ui
        .err
        .starts_with("An anet resource with the linkname 'net1' already exists.\n"));
    let r = args(
        &repo,
        "z",
        "select anet mtu=1400; set mac-address=random; clear mtu; end; commit; info anet linkname=net1",
    );
    assert_eq!(r.ui.err, "");
    assert!(
        r.ui.out
            .contains("\tmac-address: random\n\tmtu not specified\n"),
        "{}",
        r.ui.out
    );
    let r = args(&repo, "z", "select anet linkname=net1; clear linkname");
    assert!(r
        .ui
        .err
        .starts_with("linkname: Clearing this property is not allowed\n"));
    let r = args(&repo, "z", "select anet linkname=net9");
    assert_eq!(r.ui.err, "select anet: No such resource with that id\n");
    let r = args(&repo, "z", "select anet");
    assert_eq!(r.code, 1);
    let r = args(&repo, "z", "remove anet linkname=net1; commit");
    assert_eq!(r.ui.err, "");
    assert_eq!(
        repo.get("z").unwrap().anets,
        vec![Anet::default_named("net0")]
    );
    let r = args(&repo, "z", "remove anet; commit");
    assert_eq!(r.ui.err, "");
    assert!(repo.get("z").unwrap().anets.is_empty());
}

#[test]
fn export_re_creates_anets() {
    let repo = repo_excl("z");
    args(
        &repo,
        "z",
        "add anet; set allowed-address=10.0.0.2/24; set defrouter=10.0.0.1; set mtu=1500; end; commit",
    );
    let r = args(&repo, "z", "export");
    assert!(
        r.ui.out.contains("add anet\nset linkname=net0\nset lower-link=auto\nset allowed-address=10.0.0.2/24\nset configure-allowed-address=true\nset defrouter=10.0.0.1\nset mac-address=auto\nset mtu=1500\nend\n"),
        "{}",
        r.ui.out
    );
    let copy = MemRepo::new();
    let r2 = run(&copy, "y", Mode::File("f".into()), &r.ui.out);
    assert_eq!(r2.ui.err, "");
    let (a, b) = (repo.get("z").unwrap(), copy.get("y").unwrap());
    assert_eq!(a.anets, b.anets);
}

#[test]
fn anets_need_an_exclusive_ip_type() {
    let repo = MemRepo::new().with_zone(
        ZoneConfig {
            name: "s".into(),
            zonepath: "/zones/s".into(),
            ..Default::default()
        },
        ZoneState::Configured,
    );
    let r = args(&repo, "s", "add anet; end; commit");
    assert!(
        r.ui.err.starts_with(
            "anet net0: anet cannot be specified for a shared IP type (set ip-type=exclusive)\n"
        ),
        "{}",
        r.ui.err
    );
    assert_eq!(r.code, 1);
    assert!(repo.get("s").unwrap().anets.is_empty());
    let r = args(&repo, "s", "set ip-type=exclusive; add anet; end; commit");
    assert_eq!(r.ui.err, "");
    assert_eq!(repo.get("s").unwrap().anets.len(), 1);
    // Not a resource of the global zone.
    let g = MemRepo::new();
    let r = args(&g, "global", "add anet");
    assert_eq!(r.ui.err, "Cannot add a anet resource to the global zone.\n");
}

#[test]
fn autoshutdown_property() {
    let repo = repo_excl("z");
    let r = args(&repo, "z", "info autoshutdown");
    assert_eq!(r.ui.out, "autoshutdown: shutdown\n");
    // Not shown by a plain info while it is the default.
    let r = args(&repo, "z", "info");
    assert!(!r.ui.out.contains("autoshutdown"), "{}", r.ui.out);
    let r = args(&repo, "z", "set autoshutdown=halt; commit; info");
    assert_eq!(r.ui.err, "");
    assert!(
        r.ui.out
            .contains("autoboot: false\nautoshutdown: halt\nbootargs: \n"),
        "{}",
        r.ui.out
    );
    assert_eq!(repo.get("z").unwrap().autoshutdown, AutoShutdown::Halt);
    let r = args(&repo, "z", "export");
    assert!(
        r.ui.out
            .contains("set autoboot=false\nset autoshutdown=halt\n"),
        "{}",
        r.ui.out
    );
    let r = args(&repo, "z", "set autoshutdown=suspend");
    assert_eq!(r.ui.err, "zonecfg: autoshutdown=suspend: not supported\n");
    assert_eq!(r.code, 1);
    let r = args(&repo, "z", "set autoshutdown=never");
    assert_eq!(
        r.ui.err,
        "autoshutdown value must be 'shutdown', 'halt' or 'suspend'.\n"
    );
    assert_eq!(repo.get("z").unwrap().autoshutdown, AutoShutdown::Halt);
    let r = args(&repo, "z", "clear autoshutdown; commit");
    assert_eq!(r.ui.err, "");
    assert_eq!(repo.get("z").unwrap().autoshutdown, AutoShutdown::Shutdown);
    let g = MemRepo::new();
    let r = args(&g, "global", "set autoshutdown=halt");
    assert_eq!(
        r.ui.err,
        "autoshutdown is not a valid property for the global zone.\n"
    );
}

#[test]
fn net_address_host_names_must_resolve() {
    let repo = MemRepo::new().with_zone(
        ZoneConfig {
            name: "z".into(),
            zonepath: "/zones/z".into(),
            ..Default::default()
        },
        ZoneState::Configured,
    );
    let opts = || Options {
        resolver: HostResolver::Names(vec!["web1".into()]),
        ..Options::new(Mode::Args)
    };
    let r = run_with(
        &repo,
        "z",
        opts(),
        RecUi::default(),
        "add net; set address=web2/24",
    );
    assert!(
        r.ui.err
            .starts_with("web2: unknown host name: the global zone cannot resolve it"),
        "{}",
        r.ui.err
    );
    assert_eq!(r.code, 1);
    let r = run_with(
        &repo,
        "z",
        opts(),
        RecUi::default(),
        "add net; set address=web1/24; set physical=eth0; end; add net; set address=10.1.0.2/24; set physical=eth0; end; commit",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(repo.get("z").unwrap().nets[0].address, "web1/24");
    // A syntax error is still reported as one, with the address syntax.
    let r = run_with(
        &repo,
        "z",
        opts(),
        RecUi::default(),
        "add net; set address=-x",
    );
    assert!(r
        .ui
        .err
        .starts_with("-x: bogus host name or network address syntax\n"));
}
