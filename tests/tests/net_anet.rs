//! Solaris 11's `anet` on a test LAN: a virtual link over `lower-link` named `linkname` in
//! an exclusive-IP zone, removed at halt. Without `allowed-address` it is a macvlan the zone
//! administers; with it, the global zone configures those addresses and the host end of the
//! link drops anything the zone sends from another source (it cannot spoof).

mod net_lan;

use net_lan::{host_has_link, leftovers, serve, Lan, Nic};
use zones_tests::{require_root, unique_zone, Scratch};

fn anet_zone(s: &Scratch, prefix: &str, nic: &Nic, extra: &[String]) -> String {
    let z = unique_zone(prefix);
    let mut lines = vec![
        "set ip-type=exclusive".to_string(),
        "add anet".to_string(),
        "set linkname=net0".to_string(),
        format!("set lower-link={}", nic.name),
    ];
    lines.extend(extra.iter().cloned());
    lines.push("end".to_string());
    s.configure_lines(&z, &lines);
    s.zoneadm(Some(&z), &["install"]).ok();
    z
}

fn port() -> u16 {
    20000 + (std::process::id() % 20000) as u16 + 11
}

/// ICMP echo requests the client namespace has received (`Icmp: InEchos`): what reached it,
/// whether or not its reply could come back.
fn client_echos(lan: &Lan) -> u64 {
    let out = lan.client_cmd(&["cat", "/proc/net/snmp"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut icmp = text.lines().filter(|l| l.starts_with("Icmp:"));
    let (names, values) = (icmp.next().unwrap_or(""), icmp.next().unwrap_or(""));
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(n, _)| *n == "InEchos")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or_else(|| panic!("no InEchos in\n{text}"))
}

fn forwarding(nic: &str) -> String {
    std::fs::read_to_string(format!("/proc/sys/net/ipv4/conf/{nic}/forwarding"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn an_anet_is_the_zones_own_link_over_the_nic() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(true);
    let s = Scratch::new();
    let z = anet_zone(&s, "netanet", &nic, &[]);
    s.zoneadm(Some(&z), &["boot"]).ok();
    let links = s.zlogin(&[&z, "ls /sys/class/net"], None).ok().stdout;
    let mut links: Vec<&str> = links.split_whitespace().collect();
    links.sort();
    assert_eq!(links, ["lo", "net0"]);
    // The NIC stays in the global zone; the zone configures its link itself.
    assert!(host_has_link(&nic.name));
    s.zlogin(
        &[&z, &format!("ip addr add {}/24 dev net0", nic.addr(2))],
        None,
    )
    .ok();
    let port = port();
    serve(&s, &z, port, "anet-web");
    assert_eq!(
        lan.client_get(&nic.addr(2), port).unwrap().trim(),
        "anet-web"
    );
    let list = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    let line = list.lines().find(|l| l.contains(&z)).unwrap();
    assert_eq!(line.split_whitespace().last(), Some("excl"), "{list}");
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert!(lan.client_get(&nic.addr(2), port).is_err());
    assert!(host_has_link(&nic.name));
}

#[test]
fn an_anet_with_allowed_address_cannot_spoof_another_source() {
    require_root();
    let mut lan = Lan::new();
    let nic = lan.nic(true);
    let s = Scratch::new();
    let before = forwarding(&nic.name);
    let z = anet_zone(
        &s,
        "netspoof",
        &nic,
        &[format!("set allowed-address={}/24", nic.addr(2))],
    );
    s.zoneadm(Some(&z), &["boot"]).ok();
    let plan = s.zoneadm(Some(&z), &["plan"]).ok().stdout;
    assert!(
        plan.contains(&format!(
            "net0: veth routed over {}, address {a}/24, allowed-address {a}/24",
            nic.name,
            a = nic.addr(2)
        )),
        "{plan}"
    );
    // The global zone configured the allowed address.
    let addrs = s.zlogin(&[&z, "hostname -I"], None).ok().stdout;
    assert_eq!(
        addrs.split_whitespace().collect::<Vec<_>>(),
        [nic.addr(2).as_str()]
    );
    let port = port() + 1;
    serve(&s, &z, port, "allowed");
    assert_eq!(
        lan.client_get(&nic.addr(2), port).unwrap().trim(),
        "allowed"
    );
    let ping = |src: &str| {
        s.zlogin(
            &[
                &z,
                &format!("busybox ping -c 1 -W 3 -I {src} {}", nic.client_addr()),
            ],
            None,
        )
    };
    let echos = client_echos(&lan);
    let ok = ping(&nic.addr(2));
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert_eq!(
        client_echos(&lan),
        echos + 1,
        "the allowed source's echo did not arrive"
    );
    // The zone may add an address (it administers its link), but nothing leaves from it:
    // the client never sees the request (not merely the zone its reply).
    s.zlogin(
        &[&z, &format!("ip addr add {}/24 dev net0", nic.addr(66))],
        None,
    )
    .ok();
    let spoofed = ping(&nic.addr(66));
    assert_ne!(
        spoofed.code, 0,
        "a spoofed source got through: {}",
        spoofed.stdout
    );
    // Nor from an address off the LAN.
    s.zlogin(&[&z, "ip addr add 10.254.254.254/32 dev net0"], None)
        .ok();
    let off = ping("10.254.254.254");
    assert_ne!(off.code, 0, "an off-LAN source got through: {}", off.stdout);
    // And the zone cannot lift the filter: it lives on the host side.
    let _ = s.zlogin(
        &[&z, "sh -c 'echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter; echo 0 > /proc/sys/net/ipv4/conf/net0/rp_filter'"],
        None,
    );
    let spoofed = ping(&nic.addr(66));
    assert_ne!(spoofed.code, 0, "{}", spoofed.stdout);
    assert_eq!(
        client_echos(&lan),
        echos + 1,
        "a spoofed echo reached the client"
    );
    s.zoneadm(Some(&z), &["halt"]).ok();
    // Nothing left: no host end, no route, no proxy entry, forwarding as it was.
    assert_eq!(leftovers(&nic.name), Vec::<String>::new());
    let routes = std::process::Command::new("ip")
        .args(["-4", "route", "show", "proto", "90"])
        .output()
        .unwrap();
    let routes = String::from_utf8_lossy(&routes.stdout).into_owned();
    assert!(!routes.contains(&nic.addr(2)), "{routes}");
    let proxies = std::process::Command::new("ip")
        .args(["neigh", "show", "proxy", "dev", &nic.name])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&proxies.stdout).trim(), "");
    assert_eq!(forwarding(&nic.name), before);
    assert!(!s.root().join(format!("var/run/zones/{z}.net")).exists());
}

#[test]
fn verify_refuses_an_anet_whose_lower_link_does_not_exist() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("netanetx");
    s.configure(
        &z,
        &[
            "set ip-type=exclusive",
            "add anet",
            "set linkname=net0",
            "set lower-link=ztnosuch2",
            "end",
        ],
    );
    let r = s.zoneadm(Some(&z), &["verify"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(
            "could not verify anet linkname=net0 lower-link=ztnosuch2\n\tnetwork interface ztnosuch2 is not plumbed in the global zone"
        ),
        "{}",
        r.stderr
    );
}
