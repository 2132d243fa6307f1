//! Exclusive-IP zones on a test LAN: `net physical=NIC` moves the NIC into the zone for its
//! life (the zone administers it: `CAP_NET_ADMIN` in its own namespace only) and gives it
//! back at halt, after a kill -9 of zoneadmd and after a failed boot.

mod net_lan;

use net_lan::{host_has_link, Lan, Nic};
use zones_tests::{require_root, unique_zone, Scratch};

fn excl_zone(s: &Scratch, prefix: &str, nic: &Nic, allowed: Option<&str>) -> String {
    let z = unique_zone(prefix);
    let mut lines = vec![
        "set ip-type=exclusive".to_string(),
        "add net".to_string(),
        format!("set physical={}", nic.name),
    ];
    if let Some(a) = allowed {
        lines.push(format!("set allowed-address={a}/24"));
        lines.push(format!("set defrouter={}", nic.client_addr()));
    }
    lines.push("end".to_string());
    s.configure_lines(&z, &lines);
    s.zoneadm(Some(&z), &["install"]).ok();
    z
}

fn port() -> u16 {
    20000 + (std::process::id() % 20000) as u16 + 7
}

#[test]
fn exclusive_zone_configures_its_nic_and_reaches_the_client() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(false);
    let s = Scratch::new();
    let z = excl_zone(&s, "netexcl", &nic, Some(&nic.addr(2)));
    s.zoneadm(Some(&z), &["boot"]).ok();
    assert!(
        !host_has_link(&nic.name),
        "the NIC is still in the global zone"
    );
    let plan = s.zoneadm(Some(&z), &["plan"]).ok().stdout;
    assert!(
        plan.contains(&format!(
            "{n}: {n} moved into the zone, address {}/24",
            nic.addr(2),
            n = nic.name
        )),
        "{plan}"
    );
    // The global zone configured allowed-address and the default route.
    let addrs = s.zlogin(&[&z, "hostname -I"], None).ok().stdout;
    assert_eq!(
        addrs.split_whitespace().collect::<Vec<_>>(),
        [nic.addr(2).as_str()]
    );
    let routes = s.zlogin(&[&z, "ip route show default"], None).ok().stdout;
    assert!(
        routes.contains(&format!("default via {}", nic.client_addr())),
        "{routes}"
    );
    // The zone administers its own NIC: a second address, and the client answers it.
    s.zlogin(
        &[
            &z,
            &format!("ip addr add {}/24 dev {}", nic.addr(3), nic.name),
        ],
        None,
    )
    .ok();
    let ping = s.zlogin(
        &[
            &z,
            &format!(
                "busybox ping -c 1 -W 5 -I {} {}",
                nic.addr(3),
                nic.client_addr()
            ),
        ],
        None,
    );
    assert_eq!(ping.code, 0, "{}{}", ping.stdout, ping.stderr);
    let port = port();
    s.zlogin(
        &[
            &z,
            &format!("mkdir -p /tmp/www && echo excl > /tmp/www/index.html && busybox httpd -p {port} -h /tmp/www"),
        ],
        None,
    )
    .ok();
    assert_eq!(lan.client_get(&nic.addr(2), port).unwrap().trim(), "excl");
    let list = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    let line = list.lines().find(|l| l.contains(&z)).unwrap();
    assert_eq!(line.split_whitespace().last(), Some("excl"), "{list}");
    // A second zone cannot have the NIC while the first holds it.
    let y = unique_zone("netexcl2");
    s.configure_lines(
        &y,
        &[
            "set ip-type=exclusive".to_string(),
            "add net".to_string(),
            format!("set physical={}", nic.name),
            "end".to_string(),
        ],
    );
    let r = s.zoneadm(Some(&y), &["verify"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(&format!(
            "could not verify net physical={n}\n\tnetwork interface {n} is in use by zone '{z}'",
            n = nic.name
        )),
        "{}",
        r.stderr
    );
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert!(
        host_has_link(&nic.name),
        "the NIC did not come back at halt"
    );
    assert!(!s.root().join(format!("var/run/zones/{z}.net")).exists());
}

#[test]
fn the_nic_comes_back_after_kill_9_of_zoneadmd_and_after_a_failed_boot() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(false);
    let s = Scratch::new();
    let z = excl_zone(&s, "netexk", &nic, Some(&nic.addr(2)));
    s.zoneadm(Some(&z), &["boot"]).ok();
    assert!(!host_has_link(&nic.name));
    let sup = s.record(&z).pid("supervisor").expect("supervisor pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let ping = s.zlogin(
        &[&z, &format!("busybox ping -c 1 -W 5 {}", nic.client_addr())],
        None,
    );
    assert_eq!(ping.code, 0, "{}{}", ping.stdout, ping.stderr);
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert!(
        host_has_link(&nic.name),
        "the NIC did not come back after kill -9 and halt"
    );
    // A boot that fails after the NIC moved.
    let r = s.zoneadm(Some(&z), &["boot", "--", "-i", "/no/such/init"]);
    assert_ne!(r.code, 0);
    assert!(
        host_has_link(&nic.name),
        "the NIC did not come back after a failed boot"
    );
    assert_eq!(s.listed(&z).1, "installed");
    // And the zone boots with it again.
    s.zoneadm(Some(&z), &["boot"]).ok();
    assert!(!host_has_link(&nic.name));
    s.zoneadm(Some(&z), &["reboot"]).ok();
    let ping = s.zlogin(
        &[&z, &format!("busybox ping -c 1 -W 5 {}", nic.client_addr())],
        None,
    );
    assert_eq!(ping.code, 0, "after reboot: {}{}", ping.stdout, ping.stderr);
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert!(host_has_link(&nic.name));
}

#[test]
fn verify_refuses_a_nic_the_global_zone_does_not_have() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("netexmiss");
    s.configure(
        &z,
        &[
            "set ip-type=exclusive",
            "add net",
            "set physical=ztnosuch1",
            "end",
        ],
    );
    let r = s.zoneadm(Some(&z), &["verify"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(
            "could not verify net physical=ztnosuch1\n\tnetwork interface ztnosuch1 is not plumbed in the global zone"
        ),
        "{}",
        r.stderr
    );
}
