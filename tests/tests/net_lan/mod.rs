//! A test "LAN" built from a network namespace and veth pairs: the host end of each pair
//! stands for a NIC of the global zone (`physical`), its peer in the client namespace for
//! another host on that network. Only addresses inside these links are used. Everything is
//! removed on drop, also when the test fails.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

static N: AtomicUsize = AtomicUsize::new(0);

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The LAN: a client namespace and the host NICs made so far.
pub struct Lan {
    pub netns: String,
    pub nics: Vec<String>,
    /// A subnet number no other test of this run uses: addresses are `10.<subnet>.0.x`.
    pub subnet: u8,
}

/// One host NIC of the LAN: `10.<net>.0.1` on the host end, `10.<net>.0.9` on the client.
pub struct Nic {
    pub name: String,
    pub net: u8,
}

impl Nic {
    pub fn host_addr(&self) -> String {
        format!("10.{}.0.1", self.net)
    }
    pub fn client_addr(&self) -> String {
        format!("10.{}.0.9", self.net)
    }
    /// Address `.n` of this NIC's subnet.
    pub fn addr(&self, n: u8) -> String {
        format!("10.{}.0.{n}", self.net)
    }
}

impl Lan {
    pub fn new() -> Lan {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let netns = format!("zonestest{pid}n{n}");
        ip(&["netns", "add", &netns]);
        ip(&["-n", &netns, "link", "set", "lo", "up"]);
        Lan {
            netns,
            nics: Vec::new(),
            subnet: (100 + (pid as usize * 7 + n * 16) % 120) as u8,
        }
    }

    /// A new host NIC on the LAN (`physical`); `up` with the host's address, or bare.
    pub fn nic(&mut self, with_host_address: bool) -> Nic {
        let i = self.nics.len();
        let name = format!(
            "zt{}n{}",
            std::process::id() % 100_000,
            self.subnet as usize * 8 + i
        );
        let peer = format!("ztc{i}");
        let net = self.subnet + i as u8;
        ip(&[
            "link",
            "add",
            &name,
            "type",
            "veth",
            "peer",
            "name",
            &peer,
            "netns",
            &self.netns,
        ]);
        self.nics.push(name.clone());
        let nic = Nic { name, net };
        ip(&[
            "-n",
            &self.netns,
            "addr",
            "add",
            &format!("{}/24", nic.client_addr()),
            "dev",
            &peer,
        ]);
        ip(&["-n", &self.netns, "link", "set", &peer, "up"]);
        if with_host_address {
            ip(&[
                "addr",
                "add",
                &format!("{}/24", nic.host_addr()),
                "dev",
                &nic.name,
            ]);
        }
        ip(&["link", "set", &nic.name, "up"]);
        nic
    }

    /// Run `f` in the client namespace (a thread that enters it).
    pub fn in_client<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = format!("/run/netns/{}", self.netns);
        std::thread::scope(|s| {
            s.spawn(|| {
                let ns = std::fs::File::open(&path).expect("client netns");
                nix::sched::setns(ns.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
                f()
            })
            .join()
            .expect("client thread")
        })
    }

    /// `GET /` from the client namespace.
    pub fn client_get(&self, addr: &str, port: u16) -> Result<String, std::io::Error> {
        self.in_client(|| http_get(addr, port))
    }

    /// A command in the client namespace.
    pub fn client_cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("ip")
            .args(["netns", "exec", &self.netns])
            .args(args)
            .output()
            .expect("ip netns exec")
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for n in &self.nics {
            let _ = Command::new("ip").args(["link", "del", n]).output();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .output();
    }
}

/// `GET /` over HTTP/1.0; the body on success.
pub fn http_get(addr: &str, port: u16) -> Result<String, std::io::Error> {
    let sa: SocketAddr = format!("{addr}:{port}").parse().expect("address");
    let mut s = TcpStream::connect_timeout(&sa, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

/// The zones' objects on the host for `nic` (its shim, routes through the shim): what must
/// be gone after every zone on it halted.
pub fn leftovers(nic: &str) -> Vec<String> {
    let Ok(index) = std::fs::read_to_string(format!("/sys/class/net/{nic}/ifindex")) else {
        return vec![format!("{nic} is gone")];
    };
    let shim = format!("zsh{}", index.trim());
    let mut out = Vec::new();
    if host_has_link(&shim) {
        out.push(format!("link {shim}"));
    }
    for fam in ["-4", "-6"] {
        let routes = Command::new("ip")
            .args([fam, "route", "show", "proto", "90"])
            .output()
            .expect("ip route");
        for l in String::from_utf8_lossy(&routes.stdout).lines() {
            if l.contains(&format!("dev {shim} ")) || l.ends_with(&format!("dev {shim}")) {
                out.push(l.to_string());
            }
        }
    }
    out
}

/// Whether the host has the link `name` (in its own namespace).
pub fn host_has_link(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

/// Start busybox httpd in `zone` on `port`, serving `marker`.
pub fn serve(s: &zones_tests::Scratch, zone: &str, port: u16, marker: &str) {
    s.zlogin(
        &[
            zone,
            &format!(
                "mkdir -p /tmp/www && echo {marker} > /tmp/www/index.html && busybox httpd -p {port} -h /tmp/www"
            ),
        ],
        None,
    )
    .ok();
}
