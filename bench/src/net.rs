//! Network figures: the cost of a zone's network set-up per interface (`net::apply` of one
//! shared-IP interface, against the bare floor of one veth made into a namespace with an
//! address), and TCP throughput between a shared-IP zone and a client namespace on its LAN
//! against a veth pair between two plain namespaces, measured in the same run, paired.
//!
//! Everything is made in-process through libzone's rtnetlink client (no `ip` commands):
//! namespaces are held by parked threads, links live only inside them or as one veth NIC
//! whose peer is in the client namespace, and all addresses are inside these links.

use crate::error::{BenchError, Result};
use crate::pair::{paired, Samples};
use crate::zones::ZoneRoot;
use libzone::net::netlink::Netlink;
use libzone::net::{IpNet, LinkKind, LinkPlan, MacPlan, NetPlan};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

/// Goal: network set-up per boot per interface.
pub const TARGET_SETUP_MS: f64 = 2.0;
/// Goal: zone ↔ client throughput ≥ 0.9 × veth ↔ veth, i.e. transfer time A/B ≤ 1/0.9 ≈ 1.11.
pub const TARGET_THROUGHPUT_TIME_RATIO: f64 = 1.11;

fn nl_err(what: &str) -> impl FnOnce(libzone::net::netlink::NetlinkError) -> BenchError + '_ {
    move |e| BenchError::Setup(format!("{what}: {e}"))
}

/// A network namespace of its own, held by a parked thread (its tid stands for the
/// "process" `net::apply` takes) and by a descriptor.
pub struct HeldNs {
    pub tid: i32,
    pub fd: OwnedFd,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HeldNs {
    pub fn new() -> Result<HeldNs> {
        let (tx, rx) = std::sync::mpsc::channel::<std::result::Result<i32, nix::errno::Errno>>();
        let (stop, parked) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let r = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
                .map(|_| nix::unistd::gettid().as_raw());
            let ok = r.is_ok();
            let _ = tx.send(r);
            if ok {
                let _ = parked.recv();
            }
        });
        let tid = rx
            .recv()
            .map_err(|_| BenchError::Setup("namespace thread died".into()))?
            .map_err(BenchError::sys("unshare(CLONE_NEWNET)"))?;
        let path = format!("/proc/{tid}/ns/net");
        let fd: OwnedFd = std::fs::File::open(&path)
            .map_err(BenchError::io(&path))?
            .into();
        Ok(HeldNs {
            tid,
            fd,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn nl(&self) -> Result<Netlink> {
        Netlink::open_in(self.fd.as_fd()).map_err(nl_err("rtnetlink in a namespace"))
    }
}

impl Drop for HeldNs {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn up(nl: &mut Netlink, name: &str, addr: Option<IpNet>) -> Result<()> {
    let l = nl
        .link(name)
        .map_err(nl_err(name))?
        .ok_or_else(|| BenchError::Setup(format!("{name}: no such link")))?;
    if let Some(a) = addr {
        nl.add_address(l.index, &a).map_err(nl_err(name))?;
    }
    nl.set_up(l.index).map_err(nl_err(name))
}

fn v4(s: &str, prefix: u8) -> IpNet {
    IpNet {
        addr: s.parse().unwrap_or(IpAddr::from([127, 0, 0, 1])),
        prefix,
    }
}

/// The LAN: a host NIC (a veth end in the host) whose peer is in a client namespace, and a
/// pair of plain namespaces joined by a veth for the baseline.
pub struct Lan {
    pub nic: String,
    pub client: HeldNs,
    pub left: HeldNs,
    pub right: HeldNs,
}

pub const CLIENT: &str = "10.201.0.9";
pub const HOST: &str = "10.201.0.1";
pub const ZONE: &str = "10.201.0.2";
const LEFT: &str = "10.202.0.1";
const RIGHT: &str = "10.202.0.2";

impl Lan {
    pub fn new() -> Result<Lan> {
        let nic = format!("zbn{}", std::process::id() % 1_000_000);
        let client = HeldNs::new()?;
        let (left, right) = (HeldNs::new()?, HeldNs::new()?);
        let mut host = Netlink::open().map_err(nl_err("rtnetlink"))?;
        host.add_veth(&nic, "eth0", Some(client.fd.as_raw_fd()), None, None)
            .map_err(nl_err("the bench NIC"))?;
        let lan = Lan {
            nic,
            client,
            left,
            right,
        };
        up(&mut host, &lan.nic, Some(v4(HOST, 24)))?;
        let mut c = lan.client.nl()?;
        up(&mut c, "lo", None)?;
        up(&mut c, "eth0", Some(v4(CLIENT, 24)))?;
        let mut l = lan.left.nl()?;
        l.add_veth("eth0", "eth0", Some(lan.right.fd.as_raw_fd()), None, None)
            .map_err(nl_err("the baseline veth pair"))?;
        up(&mut l, "eth0", Some(v4(LEFT, 24)))?;
        let mut r = lan.right.nl()?;
        up(&mut r, "eth0", Some(v4(RIGHT, 24)))?;
        Ok(lan)
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        if let Ok(mut host) = Netlink::open() {
            if let Ok(Some(l)) = host.link(&self.nic) {
                let _ = host.del_link(l.index);
            }
        }
    }
}

/// One shared-IP interface on the bench NIC.
pub fn one_interface(nic: &str, addr: &str) -> NetPlan {
    NetPlan {
        exclusive: false,
        links: vec![LinkPlan {
            name: "net0".into(),
            kind: LinkKind::Shared {
                physical: nic.to_string(),
            },
            addresses: vec![v4(addr, 24)],
            allowed: Vec::new(),
            mac: MacPlan::Auto,
            mtu: None,
        }],
        routes: Vec::new(),
    }
}

/// Row: `net::apply` of one interface into a fresh namespace vs one veth made into a fresh
/// namespace, addressed and up (what no design can go below). Namespaces are made and the
/// network released outside the timed part.
pub fn setup_row(lan: &Lan, altroot: &Path, warmup: usize, runs: usize) -> Result<Samples> {
    let plan = one_interface(&lan.nic, "10.201.0.77");
    let mut host = Netlink::open().map_err(nl_err("rtnetlink"))?;
    let mut a = || -> Result<Duration> {
        let ns = HeldNs::new()?;
        let t0 = Instant::now();
        let net = libzone::net::apply::apply(altroot, "benchnet", &plan, ns.tid)
            .map_err(|e| BenchError::Setup(format!("net::apply: {e}")))?;
        let took = t0.elapsed();
        net.release()
            .map_err(|e| BenchError::Setup(format!("net release: {e}")))?;
        Ok(took)
    };
    let floor_name = format!("zbf{}", std::process::id() % 1_000_000);
    let mut b = || -> Result<Duration> {
        let ns = HeldNs::new()?;
        let t0 = Instant::now();
        host.add_veth(&floor_name, "net0", Some(ns.fd.as_raw_fd()), None, None)
            .map_err(nl_err("veth"))?;
        let mut inz = ns.nl()?;
        up(&mut inz, "net0", Some(v4("10.203.0.2", 24)))?;
        let took = t0.elapsed();
        if let Ok(Some(l)) = host.link(&floor_name) {
            let _ = host.del_link(l.index);
        }
        Ok(took)
    };
    paired(warmup, runs, &mut a, Some(&mut b))
}

/// Send `bytes` over TCP from a socket in `from` to a listener in `to` at `addr`; the time
/// from connect until the receiver has read the last byte.
pub fn transfer(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    addr: IpAddr,
    bytes: u64,
) -> Result<Duration> {
    let (from, to) = (from.as_raw_fd(), to.as_raw_fd());
    let enter = |fd: i32| -> Result<()> {
        // SAFETY: setns on this thread only, with a namespace descriptor the caller holds.
        if unsafe { libc::setns(fd, libc::CLONE_NEWNET) } < 0 {
            return Err(BenchError::sys("setns")(nix::errno::Errno::last()));
        }
        Ok(())
    };
    std::thread::scope(|s| -> Result<Duration> {
        let (port_tx, port_rx) = std::sync::mpsc::channel::<u16>();
        let receiver = s.spawn(move || -> Result<(u64, Instant)> {
            enter(to)?;
            let l = TcpListener::bind(SocketAddr::new(addr, 0))
                .map_err(BenchError::io(format!("listen on {addr}")))?;
            let port = l.local_addr().map_err(BenchError::io("listener"))?.port();
            let _ = port_tx.send(port);
            let (mut c, _) = l.accept().map_err(BenchError::io("accept"))?;
            let mut buf = vec![0u8; 256 * 1024];
            let mut got = 0u64;
            loop {
                match c.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => got += n as u64,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(BenchError::io("receive")(e)),
                }
            }
            Ok((got, Instant::now()))
        });
        let port = port_rx
            .recv()
            .map_err(|_| BenchError::Setup("the receiver did not start".into()))?;
        let sender = s.spawn(move || -> Result<Instant> {
            enter(from)?;
            let t0 = Instant::now();
            let mut c = TcpStream::connect(SocketAddr::new(addr, port))
                .map_err(BenchError::io(format!("connect to {addr}:{port}")))?;
            let buf = vec![0x5au8; 256 * 1024];
            let mut left = bytes;
            while left > 0 {
                let n = left.min(buf.len() as u64) as usize;
                c.write_all(&buf[..n]).map_err(BenchError::io("send"))?;
                left -= n as u64;
            }
            c.shutdown(std::net::Shutdown::Write)
                .map_err(BenchError::io("shutdown"))?;
            Ok(t0)
        });
        let t0 = sender
            .join()
            .map_err(|_| BenchError::Setup("sender panicked".into()))??;
        let (got, end) = receiver
            .join()
            .map_err(|_| BenchError::Setup("receiver panicked".into()))??;
        let took = end.duration_since(t0);
        if got != bytes {
            return Err(BenchError::Setup(format!(
                "received {got} of {bytes} bytes"
            )));
        }
        Ok(took)
    })
}

/// The zone's network namespace (through its init).
pub fn zone_netns(zr: &ZoneRoot, zone: &str) -> Result<OwnedFd> {
    let init = zr.procs(zone)?.init;
    let path = format!("/proc/{init}/ns/net");
    Ok(std::fs::File::open(&path)
        .map_err(BenchError::io(&path))?
        .into())
}

/// Rows: zone → client and client → zone against left → right (plain namespaces).
pub fn throughput_rows(
    lan: &Lan,
    zone_ns: BorrowedFd<'_>,
    bytes: u64,
    warmup: usize,
    runs: usize,
) -> Result<(Samples, Samples)> {
    let zone: IpAddr = ZONE.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let client: IpAddr = CLIENT.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let right: IpAddr = RIGHT.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let left: IpAddr = LEFT.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let (c, l, r) = (
        lan.client.fd.as_fd(),
        lan.left.fd.as_fd(),
        lan.right.fd.as_fd(),
    );
    let out = paired(
        warmup,
        runs,
        &mut || transfer(zone_ns, c, client, bytes),
        Some(&mut || transfer(l, r, right, bytes)),
    )?;
    let inn = paired(
        warmup,
        runs,
        &mut || transfer(c, zone_ns, zone, bytes),
        Some(&mut || transfer(r, l, left, bytes)),
    )?;
    Ok((out, inn))
}

/// Throughput in MiB/s of a transfer of `bytes` that took `ms`.
pub fn mib_per_s(bytes: u64, ms: f64) -> f64 {
    if ms <= 0.0 {
        return 0.0;
    }
    bytes as f64 / (1024.0 * 1024.0) / (ms / 1e3)
}
