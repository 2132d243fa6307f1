//! Shared-IP zones on a test LAN: each `net` gives the zone exactly its address on a
//! macvlan over the NIC, plumbed by the global zone; a web server in the zone answers the
//! client namespace (another host), the global zone and a second zone on that address, and
//! nowhere else; the zone cannot add addresses or routes; halt, kill -9 of zoneadmd and a
//! failed boot leave no shim, route or record behind.

mod net_lan;

use net_lan::{http_get, leftovers, serve, Lan, Nic};
use zones_tests::{require_root, unique_zone, Scratch};

fn net_zone(s: &Scratch, prefix: &str, nic: &Nic, addr: &str, extra: &[&str]) -> String {
    let z = unique_zone(prefix);
    let mut lines = vec![
        "add net".to_string(),
        format!("set address={addr}/24"),
        format!("set physical={}", nic.name),
    ];
    lines.extend(extra.iter().map(|l| l.to_string()));
    lines.push("end".to_string());
    s.configure_lines(&z, &lines);
    s.zoneadm(Some(&z), &["install"]).ok();
    z
}

fn port() -> u16 {
    20000 + (std::process::id() % 20000) as u16
}

#[test]
fn shared_zone_serves_on_its_own_address_to_the_client_the_host_and_another_zone() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(true);
    let s = Scratch::new();
    let (a_addr, b_addr) = (nic.addr(2), nic.addr(3));
    let a = net_zone(&s, "netweb", &nic, &a_addr, &[]);
    let b = net_zone(&s, "netwebb", &nic, &b_addr, &[]);
    s.zoneadm(Some(&a), &["boot"]).ok();
    s.zoneadm(Some(&b), &["boot"]).ok();
    let plan = s.zoneadm(Some(&a), &["plan"]).ok().stdout;
    assert!(
        plan.contains(&format!(
            "{n}: macvlan over {n} (shared-IP), address {a_addr}/24",
            n = nic.name
        )),
        "{plan}"
    );
    let port = port();
    serve(&s, &a, port, "hello-from-a");
    // The client namespace (another host), the global zone and the second zone.
    assert_eq!(
        lan.client_get(&a_addr, port).unwrap().trim(),
        "hello-from-a"
    );
    assert_eq!(http_get(&a_addr, port).unwrap().trim(), "hello-from-a");
    let from_b = s
        .zlogin(
            &[
                &b,
                &format!("busybox wget -q -O - http://{a_addr}:{port}/index.html"),
            ],
            None,
        )
        .ok()
        .stdout;
    assert_eq!(from_b.trim(), "hello-from-a");
    // Not on the host's address nor on the other zone's.
    for other in [nic.host_addr(), b_addr.clone()] {
        let e = lan.client_get(&other, port).unwrap_err();
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::ConnectionRefused,
            "{other}: {e}"
        );
    }
    // The zone sees its own address and loopback only.
    let addrs = s.zlogin(&[&a, "hostname -I"], None).ok().stdout;
    assert_eq!(
        addrs.split_whitespace().collect::<Vec<_>>(),
        [a_addr.as_str()],
        "{addrs}"
    );
    let links = s.zlogin(&[&a, "ls /sys/class/net"], None).ok().stdout;
    let mut links: Vec<&str> = links.split_whitespace().collect();
    links.sort();
    assert_eq!(links, ["lo", nic.name.as_str()]);
    // ... and cannot change them.
    for cmd in [
        format!("ip addr add {}/24 dev {}", nic.addr(50), nic.name),
        format!("ip addr del {a_addr}/24 dev {}", nic.name),
        format!("ip route add 10.250.0.0/24 via {}", nic.host_addr()),
        format!("ip link set {} down", nic.name),
    ] {
        let r = s.zlogin(&[&a, &cmd], None);
        assert_ne!(r.code, 0, "{cmd} worked in a shared-IP zone");
        assert!(
            r.stderr.contains("Operation not permitted"),
            "{cmd}: {}",
            r.stderr
        );
    }
    assert_eq!(
        lan.client_get(&a_addr, port).unwrap().trim(),
        "hello-from-a"
    );
    let list = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    let line = list.lines().find(|l| l.contains(&a)).unwrap();
    assert_eq!(line.split_whitespace().last(), Some("shared"), "{list}");
    // Halted, the zones leave nothing: no shim, no route, no record.
    s.zoneadm(Some(&a), &["halt"]).ok();
    assert!(lan.client_get(&a_addr, port).is_err());
    assert_eq!(
        http_get(&b_addr, port).unwrap_err().kind(),
        std::io::ErrorKind::ConnectionRefused,
        "zone b must still be reachable (and refuse: nothing listens there)"
    );
    s.zoneadm(Some(&b), &["halt"]).ok();
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
    assert!(!s.root().join(format!("var/run/zones/{a}.net")).exists());
}

#[test]
fn kill_9_of_zoneadmd_then_halt_leaves_nothing() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(true);
    let s = Scratch::new();
    let addr = nic.addr(2);
    let z = net_zone(&s, "netkill", &nic, &addr, &[]);
    s.zoneadm(Some(&z), &["boot"]).ok();
    let port = port() + 1;
    serve(&s, &z, port, "still-here");
    let sup = s.record(&z).pid("supervisor").expect("supervisor pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // The zone runs on without its supervisor, on its network.
    assert_eq!(lan.client_get(&addr, port).unwrap().trim(), "still-here");
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
    assert!(lan.client_get(&addr, port).is_err());
    // And it boots again on the same address.
    s.zoneadm(Some(&z), &["boot"]).ok();
    serve(&s, &z, port, "back-again");
    assert_eq!(lan.client_get(&addr, port).unwrap().trim(), "back-again");
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
}

#[test]
fn a_failed_network_step_or_boot_rolls_everything_back() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(true);
    let s = Scratch::new();
    // A default router off the zone's subnet: links and addresses are made, the route is not.
    let z = net_zone(
        &s,
        "netfail",
        &nic,
        &nic.addr(2),
        &["set defrouter=10.251.0.1"],
    );
    let r = s.zoneadm(Some(&z), &["boot"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("defrouter 10.251.0.1"), "{}", r.stderr);
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
    assert_eq!(s.listed(&z).1, "installed");
    assert!(!s.root().join(format!("var/run/zones/{z}.net")).exists());
    // A boot whose init cannot start, after the network was made.
    let y = net_zone(&s, "netfailb", &nic, &nic.addr(3), &[]);
    let r = s.zoneadm(Some(&y), &["boot", "--", "-i", "/no/such/init"]);
    assert_ne!(r.code, 0);
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
    assert_eq!(s.listed(&y).1, "installed");
    // Both boot fine once fixed.
    s.zoneadm(Some(&y), &["boot"]).ok();
    assert_eq!(
        lan.in_client(|| http_get(&nic.addr(3), 1))
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::ConnectionRefused
    );
    s.zoneadm(Some(&y), &["halt"]).ok();
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
}

#[test]
fn verify_and_boot_refuse_a_missing_nic_and_addresses_in_use() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(true);
    let s = Scratch::new();
    let z = unique_zone("netnonic");
    s.configure_lines(
        &z,
        &[
            "add net".to_string(),
            format!("set address={}/24", nic.addr(2)),
            "set physical=ztnosuch0".to_string(),
            "end".to_string(),
        ],
    );
    let r = s.zoneadm(Some(&z), &["verify"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(&format!(
            "could not verify net address={}/24 physical=ztnosuch0\n\tnetwork interface ztnosuch0 is not plumbed in the global zone",
            nic.addr(2)
        )),
        "{}",
        r.stderr
    );
    assert_ne!(s.zoneadm(Some(&z), &["install"]).code, 0);
    // The global zone's own address.
    let h = unique_zone("nethost");
    s.configure_lines(
        &h,
        &[
            "add net".to_string(),
            format!("set address={}/24", nic.host_addr()),
            format!("set physical={}", nic.name),
            "end".to_string(),
        ],
    );
    let r = s.zoneadm(Some(&h), &["verify"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(&format!(
            "address {} is in use by the global zone",
            nic.host_addr()
        )),
        "{}",
        r.stderr
    );
    // Another running zone's address.
    let a = net_zone(&s, "netfirst", &nic, &nic.addr(4), &[]);
    let b = net_zone(&s, "netsecond", &nic, &nic.addr(4), &[]);
    s.zoneadm(Some(&a), &["boot"]).ok();
    let r = s.zoneadm(Some(&b), &["boot"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains(&format!("address {} is in use by zone '{a}'", nic.addr(4))),
        "{}",
        r.stderr
    );
    s.zoneadm(Some(&a), &["halt"]).ok();
    s.zoneadm(Some(&b), &["boot"]).ok();
    s.zoneadm(Some(&b), &["halt"]).ok();
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
}
