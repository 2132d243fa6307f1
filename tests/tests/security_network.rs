//! Every zone has its own network namespace, shared-IP zones included (loopback only until
//! the global zone plumbs their addresses): the host's loopback services, the host's and
//! other zones' abstract unix sockets are out of reach, and what a zone binds is its own,
//! so it can hold :80 without taking the host's :80 or joining a host service's
//! SO_REUSEPORT group. Each attack next to the legitimate use inside the zone, and a
//! control on the host.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zones_tests::{
    attack_in_zone, attack_on_host, install_attacker, outcome, require_root, unique_zone, Scratch,
    ATTACKER,
};

const ECONNREFUSED: i32 = libc::ECONNREFUSED;

fn zone(s: &Scratch, prefix: &str) -> String {
    let z = unique_zone(prefix);
    s.configure_default(&z);
    s.zoneadm(Some(&z), &["install"]).ok();
    install_attacker(s, &z);
    s.zoneadm(Some(&z), &["boot"]).ok();
    z
}

/// `zone-attack` started in a zone through zlogin and left running (it holds a socket),
/// once it said `ok listening`; stopped (SIGTERM to zlogin goes to it) on drop.
struct Holder(Child);

impl Holder {
    fn start(s: &Scratch, zone: &str, args: &[&str]) -> Holder {
        let mut child = s
            .command("zlogin")
            .arg(zone)
            .arg(ATTACKER)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("zlogin");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let h = Holder(child);
        assert_eq!(
            outcome(&first),
            Some(Ok("listening".to_string())),
            "zone-attack {args:?} in {zone}: {first}"
        );
        h
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.0.wait();
    }
}

fn ns(pid: &str) -> std::path::PathBuf {
    std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap()
}

#[test]
fn every_zone_has_its_own_network_namespace_and_still_lists_as_shared() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("netplan");
    s.configure_default(&z);
    let x = unique_zone("netplanx");
    s.configure(&x, &["set ip-type=exclusive"]);
    for zone in [&z, &x] {
        let plan: Value =
            serde_json::from_str(&s.zoneadm(Some(zone), &["plan"]).ok().stdout).unwrap();
        let types: Vec<&str> = plan["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["type"].as_str())
            .collect();
        assert!(types.contains(&"network"), "{zone}: {types:?}");
    }
    s.zoneadm(Some(&z), &["install"]).ok();
    s.zoneadm(Some(&z), &["boot"]).ok();
    let init = s.record(&z).init_pid().unwrap().to_string();
    assert_ne!(
        ns(&init),
        ns("self"),
        "the zone is in the host's network namespace"
    );
    // Loopback only, and up.
    let links = s.zlogin(&[&z, "ls /sys/class/net"], None).ok().stdout;
    assert_eq!(
        links.split_whitespace().collect::<Vec<_>>(),
        ["lo"],
        "{links}"
    );
    let flags = s
        .zlogin(&[&z, "cat /sys/class/net/lo/flags"], None)
        .ok()
        .stdout;
    let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).unwrap();
    assert_ne!(flags & libc::IFF_UP as u32, 0, "lo is down");
    let list = s.zoneadm(None, &["list", "-v"]).ok().stdout;
    let line = list.lines().find(|l| l.contains(&z)).unwrap();
    assert_eq!(line.split_whitespace().last(), Some("shared"), "{list}");
}

#[test]
fn host_loopback_services_are_unreachable_and_the_zones_own_loopback_works() {
    require_root();
    let service = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = service.local_addr().unwrap().to_string();
    assert_eq!(attack_on_host(&["connect-tcp", &addr]), Ok(String::new()));
    let s = Scratch::new();
    let z = zone(&s, "netlo");
    assert_eq!(
        attack_in_zone(&s, &z, &["connect-tcp", &addr]),
        Err(ECONNREFUSED)
    );
    // The zone's own service on its loopback answers it (on the very port the host's
    // service holds: the zone's loopback is its own).
    let port = service.local_addr().unwrap().port().to_string();
    assert_eq!(
        attack_in_zone(&s, &z, &["bind-tcp", &port, "0"]),
        Ok("listening".to_string())
    );
}

#[test]
fn abstract_sockets_of_the_host_and_of_other_zones_are_unreachable() {
    require_root();
    use std::os::linux::net::SocketAddrExt;
    let host_name = unique_zone("zonetest-abstract-host");
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(host_name.as_bytes()).unwrap();
    let _host = std::os::unix::net::UnixListener::bind_addr(&addr).unwrap();
    assert_eq!(
        attack_on_host(&["connect-abstract", &host_name]),
        Ok(String::new())
    );
    let s = Scratch::new();
    let a = zone(&s, "netabsa");
    let b = zone(&s, "netabsb");
    assert_eq!(
        attack_in_zone(&s, &a, &["connect-abstract", &host_name]),
        Err(ECONNREFUSED)
    );
    // Zone b's socket answers inside b (the holder checks that before it reports)...
    let b_name = unique_zone("zonetest-abstract-b");
    let _held = Holder::start(&s, &b, &["listen-abstract", &b_name, "60"]);
    // ... and neither zone a nor the host reaches it.
    assert_eq!(
        attack_in_zone(&s, &a, &["connect-abstract", &b_name]),
        Err(ECONNREFUSED)
    );
    assert_eq!(
        attack_on_host(&["connect-abstract", &b_name]),
        Err(ECONNREFUSED)
    );
}

/// A host listener on 0.0.0.0:`port` with SO_REUSEPORT (port 0: any).
fn reuseport_listener(port: u16) -> TcpListener {
    // SAFETY: a new socket of our own, set up with integer options and a sockaddr_in.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let fd = OwnedFd::from_raw_fd(fd);
        let one: libc::c_int = 1;
        let fdn = std::os::fd::AsRawFd::as_raw_fd(&fd);
        libc::setsockopt(
            fdn,
            libc::SOL_SOCKET,
            libc::SO_REUSEPORT,
            &one as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
        let sa = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: port.to_be(),
            sin_addr: libc::in_addr { s_addr: 0 },
            sin_zero: [0; 8],
        };
        let r = libc::bind(
            fdn,
            &sa as *const libc::sockaddr_in as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        assert_eq!(r, 0, "bind: {}", std::io::Error::last_os_error());
        assert_eq!(libc::listen(fdn, 64), 0);
        TcpListener::from(fd)
    }
}

/// Connections to 127.0.0.1:`port` from the host, each checked to reach `host`.
fn host_keeps(host: &TcpListener, port: u16, n: usize) {
    host.set_nonblocking(true).unwrap();
    for i in 0..n {
        let _c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            match host.accept() {
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(
                        Instant::now() < end,
                        "connection {i} to :{port} went elsewhere"
                    );
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
    }
}

#[test]
fn a_zone_holds_port_80_and_reuseport_groups_of_its_own_not_the_hosts() {
    require_root();
    let http = TcpListener::bind("0.0.0.0:80")
        .expect("the test holds the host's :80 (is something else listening there?)");
    let s = Scratch::new();
    let z = zone(&s, "netport");
    // The zone binds :80 and its own connection reaches it, while the host holds its own.
    let held = Holder::start(&s, &z, &["bind-tcp", "80", "60"]);
    host_keeps(&http, 80, 5);
    drop(held);
    // A host service's SO_REUSEPORT group: the zone's socket on the same port joins none.
    let group = reuseport_listener(0);
    let port = group.local_addr().unwrap().port();
    let held = Holder::start(&s, &z, &["bind-tcp", &port.to_string(), "reuseport", "60"]);
    host_keeps(&group, port, 20);
    drop(held);
    // Control: on the host, a second SO_REUSEPORT socket on that port does join the group.
    let _rival = reuseport_listener(port);
}

#[test]
fn zlogin_runs_in_the_zones_network_namespace() {
    require_root();
    let s = Scratch::new();
    let z = zone(&s, "netzl");
    let init = s.record(&z).init_pid().unwrap();
    let mut zl = s
        .command("zlogin")
        .args([&z, "sleep", "30"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    let sleeper = loop {
        let found = Command::new("pgrep")
            .args(["-P", &zl.id().to_string(), "sleep"])
            .output()
            .unwrap();
        if let Some(p) = String::from_utf8_lossy(&found.stdout)
            .split_whitespace()
            .next()
        {
            break p.to_string();
        }
        assert!(Instant::now() < end, "no sleep under zlogin");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(ns(&sleeper), ns(&init.to_string()));
    assert_ne!(ns(&sleeper), ns("self"));
    let _ = zl.kill();
    let _ = zl.wait();
}
