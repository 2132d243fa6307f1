//! Apply a zone's [`NetPlan`] from the global zone, and take it down again. Every object made
//! on the host side is written to the zone's network record (`var/run/zones/<zone>.net`)
//! *before* it is made, so a halt without the zone's supervisor (killed, or dead half-way
//! through a boot) removes exactly what is there. What lives inside the zone's namespace
//! (its macvlans, the zone end of a veth) goes with the namespace; a NIC moved into it is
//! moved back first, while the namespace still exists (the supervisor holds it open).

use super::netlink::{Netlink, NetlinkError, ZONES_PROTO};
use super::plan::{LinkKind, LinkPlan, MacPlan, NetPlan};
use super::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Why a zone's network could not be set up or taken down. Messages leave the zone out:
/// zoneadm prints them as `zoneadm: zone '<zone>': <message>`.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The zone's process ended before its network could be made (it reports why).
    #[error("the zone's process exited before its network was made")]
    ZoneGone,
    #[error("net physical={link}: network interface {link} is not plumbed in the global zone")]
    NoLink { link: String },
    #[error("{what}: {source}")]
    Kernel {
        what: String,
        #[source]
        source: NetlinkError,
    },
    #[error("{}: {source}", path.display())]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A host route (and its permanent neighbour entry) through a shim to a zone address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostRoute {
    pub link: String,
    pub dest: IpNet,
}

/// A NIC moved into the zone: its host name and its index inside the zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub name: String,
    pub zone_index: u32,
}

/// What a zone's network made on the host side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetRecord {
    /// The zone's addresses (what `verify` checks a new zone against).
    pub addresses: Vec<IpNet>,
    pub host_routes: Vec<HostRoute>,
    /// Shims this zone may have made (removed with the last zone that routes through them).
    pub shims: Vec<String>,
    pub moved: Vec<Moved>,
    /// Host ends of veth pairs.
    pub host_links: Vec<String>,
    /// Proxy ARP entries on a host NIC for a routed anet's addresses.
    #[serde(default)]
    pub proxies: Vec<HostRoute>,
    /// Host NICs whose IPv4 forwarding a routed anet turned on: (NIC, value before).
    #[serde(default)]
    pub forwarding: Vec<(String, String)>,
}

fn record_path(altroot: &Path, zone: &str) -> PathBuf {
    crate::store::record::RunDir::new(altroot)
        .dir()
        .join(format!("{zone}.net"))
}

fn lock_path(altroot: &Path) -> PathBuf {
    crate::store::record::RunDir::new(altroot)
        .dir()
        .join("net.lock")
}

/// The network record of `zone`, if it has one.
pub fn read_record(altroot: &Path, zone: &str) -> Option<NetRecord> {
    let text = std::fs::read_to_string(record_path(altroot, zone)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Network records of every zone under `altroot` that has one (running or being made).
pub fn records(altroot: &Path) -> Vec<(String, NetRecord)> {
    let run = crate::store::record::RunDir::new(altroot);
    let Ok(rd) = std::fs::read_dir(run.dir()) else {
        return Vec::new();
    };
    let mut out: Vec<(String, NetRecord)> = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let zone = name.strip_suffix(".net")?;
            if zone.starts_with('.') {
                return None;
            }
            Some((zone.to_string(), read_record(altroot, zone)?))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn write_record(altroot: &Path, zone: &str, rec: &NetRecord) -> Result<(), NetError> {
    let path = record_path(altroot, zone);
    let err = |source| NetError::Record {
        path: path.clone(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let body = serde_json::to_vec_pretty(rec).map_err(|e| err(std::io::Error::other(e)))?;
    // A reader sees the old record or the new one; temp names never end in `.net`.
    crate::fsio::atomic::write_volatile(&path, &body, &format!(".{zone}.net."), 0o644)
        .map_err(|e| err(e.source))
}

/// Shims and host routes are shared by the zones of a root: one at a time changes them.
fn lock(altroot: &Path) -> Result<crate::fsio::lock::FileLock, NetError> {
    let path = lock_path(altroot);
    let err = |source| NetError::Record {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    crate::fsio::lock::lock_file_blocking(&path, crate::fsio::lock::Kind::Exclusive).map_err(err)
}

fn kernel(what: impl Into<String>) -> impl FnOnce(NetlinkError) -> NetError {
    let what = what.into();
    move |source| NetError::Kernel { what, source }
}

/// The network namespace of process `pid`.
/// The addresses the host has on link `index`.
fn addresses_on(host: &mut Netlink, index: u32) -> Result<Vec<IpNet>, NetError> {
    Ok(host
        .addresses()
        .map_err(kernel("addresses"))?
        .into_iter()
        .filter(|(i, _)| *i == index)
        .map(|(_, n)| n)
        .collect())
}

fn netns_of(pid: i32) -> std::io::Result<OwnedFd> {
    Ok(std::fs::File::open(format!("/proc/{pid}/ns/net"))?.into())
}

/// Write a per-link sysctl; a missing file (IPv6 off, an old kernel) is not an error.
fn link_sysctl(path: &str, value: &str) -> Result<(), NetError> {
    match std::fs::write(path, value) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(NetError::Record {
            path: PathBuf::from(path),
            source,
        }),
    }
}

/// The shim of a host NIC: where the host reaches the shared-IP zones on it.
pub fn shim_name(ifindex: u32) -> String {
    format!("zsh{ifindex}")
}

/// A random locally administered unicast MAC address.
fn random_mac() -> [u8; 6] {
    let mut mac = [0u8; 6];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut mac))
        .is_err()
    {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            ^ std::process::id() as u128;
        mac.copy_from_slice(&t.to_le_bytes()[..6]);
    }
    mac[0] = (mac[0] & 0xfe) | 0x02;
    mac
}

fn mac_of(plan: &MacPlan) -> Option<[u8; 6]> {
    match plan {
        MacPlan::Auto => None,
        MacPlan::Random => Some(random_mac()),
        MacPlan::Fixed(m) => Some(*m),
    }
}

/// A zone's network as its supervisor holds it: the zone's namespace (kept open, so that a
/// moved NIC can be given back even after the zone's processes are gone) and what was made.
/// Dropped without [`Network::release`], it releases what it can.
pub struct Network {
    altroot: PathBuf,
    zone: String,
    netns: Option<OwnedFd>,
    record: NetRecord,
    released: bool,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("zone", &self.zone)
            .field("record", &self.record)
            .finish()
    }
}

/// Make the network of `plan` for the zone whose first process is `pid` (in its own,
/// still empty, network namespace). On failure everything made so far is taken down.
pub fn apply(altroot: &Path, zone: &str, plan: &NetPlan, pid: i32) -> Result<Network, NetError> {
    let mut net = Network {
        altroot: altroot.to_path_buf(),
        zone: zone.to_string(),
        netns: None,
        record: NetRecord::default(),
        released: false,
    };
    // A zone without links has nothing of ours in its namespace.
    if plan.links.is_empty() {
        return Ok(net);
    }
    // The zone's process may already be gone (its own set-up failed): that error is its.
    net.netns = Some(netns_of(pid).map_err(|_| NetError::ZoneGone)?);
    // From here, an error drops `net`, which releases what is recorded.
    net.make(plan)?;
    Ok(net)
}

impl Network {
    /// The network of a running zone whose supervisor died, from its record.
    pub fn adopt(altroot: &Path, zone: &str, pid: i32) -> Option<Network> {
        let record = read_record(altroot, zone)?;
        Some(Network {
            altroot: altroot.to_path_buf(),
            zone: zone.to_string(),
            netns: netns_of(pid).ok(),
            record,
            released: false,
        })
    }

    /// What was made on the host side.
    pub fn record(&self) -> &NetRecord {
        &self.record
    }

    fn save(&self) -> Result<(), NetError> {
        write_record(&self.altroot, &self.zone, &self.record)
    }

    fn netns_fd(&self) -> Result<BorrowedFd<'_>, NetError> {
        self.netns
            .as_ref()
            .map(|f| f.as_fd())
            .ok_or_else(|| NetError::Record {
                path: PathBuf::from("/proc/<zone init>/ns/net"),
                source: std::io::Error::from_raw_os_error(libc::ESRCH),
            })
    }

    fn make(&mut self, plan: &NetPlan) -> Result<(), NetError> {
        self.record.addresses = plan
            .links
            .iter()
            .flat_map(|l| l.addresses.iter().copied())
            .collect();
        self.save()?;
        let mut host = Netlink::open().map_err(kernel("rtnetlink"))?;
        // Every link made in the zone sends a gratuitous ARP when it comes up: neighbours
        // that knew its address at another MAC (an earlier boot's) learn the new one at once.
        let mut inz = Netlink::open_in_then(self.netns_fd()?, || {
            match std::fs::write("/proc/sys/net/ipv4/conf/default/arp_notify", "1") {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
        .map_err(kernel("rtnetlink in the zone's network namespace"))?;
        for link in &plan.links {
            self.make_link(&mut host, &mut inz, link)?;
        }
        for r in &plan.routes {
            let l = inz
                .link(&r.link)
                .map_err(kernel(format!("link {}", r.link)))?
                .ok_or_else(|| NetError::NoLink {
                    link: r.link.clone(),
                })?;
            inz.add_route(r.dest.as_ref(), Some(r.via), l.index, None, Some(r.metric))
                .map_err(kernel(format!(
                    "defrouter {}: could not add the route",
                    r.via
                )))?;
        }
        Ok(())
    }

    fn make_link(
        &mut self,
        host: &mut Netlink,
        inz: &mut Netlink,
        link: &LinkPlan,
    ) -> Result<(), NetError> {
        let lower_name = link.kind.host_link().to_string();
        let lower = host
            .link(&lower_name)
            .map_err(kernel(format!("link {lower_name}")))?
            .ok_or_else(|| NetError::NoLink {
                link: lower_name.clone(),
            })?;
        let fd = self.netns_fd()?.as_raw_fd();
        let what = |s: &str| format!("{} ({}): {s}", link.name, lower_name);
        match &link.kind {
            LinkKind::Shared { .. } => {
                let _turn = lock(&self.altroot)?;
                let shim = self.ensure_shim(host, lower.index)?;
                host.add_macvlan(lower.index, &link.name, Some(fd), None, link.mtu)
                    .map_err(kernel(what("could not create the zone's link")))?;
                let zl = self.configure(inz, link)?;
                let host_addrs = addresses_on(host, lower.index)?;
                let zone_mac = zl.mac;
                for a in &link.addresses {
                    let dest = IpNet::host(a.addr);
                    let src = host_addrs
                        .iter()
                        .find(|h| h.contains(&a.addr) && !h.addr.is_unspecified())
                        .map(|h| h.addr);
                    self.record.host_routes.push(HostRoute {
                        link: shim.name.clone(),
                        dest,
                    });
                    self.save()?;
                    host.add_route(Some(&dest), None, shim.index, src, None)
                        .map_err(kernel(format!(
                            "address {}: could not add the host route",
                            a.addr
                        )))?;
                    if let Some(mac) = zone_mac {
                        host.add_neighbour(shim.index, a.addr, mac)
                            .map_err(kernel(format!("address {}: neighbour", a.addr)))?;
                    }
                }
                // The zone finds the host at the shim (the NIC itself never hears it).
                if let Some(mac) = shim.mac {
                    for h in &host_addrs {
                        if link
                            .addresses
                            .iter()
                            .any(|a| a.addr.is_ipv4() == h.addr.is_ipv4())
                        {
                            inz.add_neighbour(zl.index, h.addr, mac)
                                .map_err(kernel(format!("host address {}: neighbour", h.addr)))?;
                        }
                    }
                }
            }
            LinkKind::Physical { physical } => {
                self.record.moved.push(Moved {
                    name: physical.clone(),
                    zone_index: lower.index,
                });
                self.save()?;
                host.move_link(lower.index, fd, physical)
                    .map_err(kernel(what("could not move the interface into the zone")))?;
                let zl = inz
                    .link(physical)
                    .map_err(kernel(what("link")))?
                    .ok_or_else(|| NetError::NoLink {
                        link: physical.clone(),
                    })?;
                if let Some(m) = self.record.moved.last_mut() {
                    m.zone_index = zl.index;
                }
                self.save()?;
                if !link.addresses.is_empty() {
                    self.configure(inz, link)?;
                }
            }
            LinkKind::Anet { .. } => {
                host.add_macvlan(
                    lower.index,
                    &link.name,
                    Some(fd),
                    mac_of(&link.mac),
                    link.mtu,
                )
                .map_err(kernel(what("could not create the anet")))?;
                self.configure(inz, link)?;
            }
            LinkKind::AnetRouted { .. } => {
                self.make_routed(host, inz, link, &lower)?;
            }
        }
        Ok(())
    }

    /// The shim of the NIC with index `lower`, made if no zone has made it yet.
    fn ensure_shim(
        &mut self,
        host: &mut Netlink,
        lower: u32,
    ) -> Result<super::netlink::LinkEntry, NetError> {
        let name = shim_name(lower);
        let shim = match host.link(&name).map_err(kernel(format!("link {name}")))? {
            Some(l) => l,
            None => {
                if !self.record.shims.contains(&name) {
                    self.record.shims.push(name.clone());
                }
                self.save()?;
                host.add_macvlan(lower, &name, None, None, None)
                    .map_err(kernel(format!("{name}: could not create the shim")))?;
                // No addresses of its own, no answers for the host's: it only carries the
                // host's routes to its zones.
                link_sysctl(
                    &format!("/proc/sys/net/ipv6/conf/{name}/addr_gen_mode"),
                    "1",
                )?;
                link_sysctl(&format!("/proc/sys/net/ipv4/conf/{name}/arp_ignore"), "8")?;
                host.link(&name)
                    .map_err(kernel(format!("link {name}")))?
                    .ok_or_else(|| NetError::NoLink { link: name.clone() })?
            }
        };
        if !shim.up {
            host.set_up(shim.index)
                .map_err(kernel(format!("{name}: could not bring the shim up")))?;
        }
        if !self.record.shims.contains(&name) {
            self.record.shims.push(name);
            self.save()?;
        }
        Ok(shim)
    }

    /// The zone's side of `link`: its addresses, up.
    fn configure(
        &mut self,
        inz: &mut Netlink,
        link: &LinkPlan,
    ) -> Result<super::netlink::LinkEntry, NetError> {
        let zl = inz
            .link(&link.name)
            .map_err(kernel(format!("link {}", link.name)))?
            .ok_or_else(|| NetError::NoLink {
                link: link.name.clone(),
            })?;
        for a in &link.addresses {
            inz.add_address(zl.index, a)
                .map_err(kernel(format!("{}: could not add address {a}", link.name)))?;
        }
        inz.set_up(zl.index).map_err(kernel(format!(
            "{}: could not bring the link up",
            link.name
        )))?;
        Ok(zl)
    }

    /// An `anet` with `allowed-address`: a veth pair, the zone end in the zone, the host end
    /// routing the allowed addresses; the NIC answers ARP for them (proxy entries) and the
    /// host end's strict reverse-path filter drops any packet from another source.
    fn make_routed(
        &mut self,
        host: &mut Netlink,
        inz: &mut Netlink,
        link: &LinkPlan,
        lower: &super::netlink::LinkEntry,
    ) -> Result<(), NetError> {
        let hname = routed_host_name(&self.altroot, &self.zone, &link.name);
        let fd = self.netns_fd()?.as_raw_fd();
        self.record.host_links.push(hname.clone());
        self.save()?;
        host.add_veth(&hname, &link.name, Some(fd), mac_of(&link.mac), link.mtu)
            .map_err(kernel(format!("{}: could not create the anet", link.name)))?;
        for (key, value) in [("rp_filter", "1"), ("proxy_arp", "1"), ("forwarding", "1")] {
            link_sysctl(&format!("/proc/sys/net/ipv4/conf/{hname}/{key}"), value)?;
        }
        let hl = host
            .link(&hname)
            .map_err(kernel(format!("link {hname}")))?
            .ok_or_else(|| NetError::NoLink {
                link: hname.clone(),
            })?;
        host.set_up(hl.index)
            .map_err(kernel(format!("{hname}: could not bring it up")))?;
        let zl = self.configure(inz, link)?;
        let host_addrs = addresses_on(host, lower.index)?;
        let _turn = lock(&self.altroot)?;
        for a in link.allowed.iter().chain(&link.addresses) {
            let dest = IpNet::host(a.addr);
            if self.record.host_routes.iter().any(|r| r.dest == dest) {
                continue;
            }
            let src = host_addrs
                .iter()
                .find(|h| h.contains(&a.addr))
                .map(|h| h.addr);
            self.record.host_routes.push(HostRoute {
                link: hname.clone(),
                dest,
            });
            self.save()?;
            host.add_route(Some(&dest), None, hl.index, src, None)
                .map_err(kernel(format!(
                    "address {}: could not add the host route",
                    a.addr
                )))?;
            if let Some(mac) = zl.mac {
                host.add_neighbour(hl.index, a.addr, mac)
                    .map_err(kernel(format!("address {}: neighbour", a.addr)))?;
            }
        }
        // The LAN finds the zone's addresses at the NIC, which forwards to the host end
        // (the host end's proxy ARP answers the zone for everything it reaches).
        let fwd = format!("/proc/sys/net/ipv4/conf/{}/forwarding", lower.name);
        if !self.record.forwarding.iter().any(|(l, _)| *l == lower.name) {
            // A zone that turned it on before us knows what it was.
            let before = records(&self.altroot)
                .into_iter()
                .filter(|(z, _)| *z != self.zone)
                .find_map(|(_, r)| {
                    r.forwarding
                        .into_iter()
                        .find(|(l, _)| *l == lower.name)
                        .map(|(_, b)| b)
                })
                .or_else(|| {
                    std::fs::read_to_string(&fwd)
                        .ok()
                        .map(|v| v.trim().to_string())
                })
                .unwrap_or_else(|| "0".to_string());
            if before != "1" {
                self.record.forwarding.push((lower.name.clone(), before));
                self.save()?;
                link_sysctl(&fwd, "1")?;
            }
        }
        for a in link.allowed.iter().chain(&link.addresses) {
            if a.addr.is_ipv6() || self.record.proxies.iter().any(|p| p.dest.addr == a.addr) {
                continue;
            }
            self.record.proxies.push(HostRoute {
                link: lower.name.clone(),
                dest: IpNet::host(a.addr),
            });
            self.save()?;
            host.add_proxy_neighbour(lower.index, a.addr)
                .map_err(kernel(format!(
                    "address {}: proxy ARP on {}",
                    a.addr, lower.name
                )))?;
        }
        Ok(())
    }

    /// Take the zone's network down: moved NICs back to the host, host routes, neighbour
    /// entries and unused shims removed, the record deleted. Call before the zone's
    /// processes are killed.
    pub fn release(mut self) -> Result<(), NetError> {
        self.released = true;
        let ns = self.netns.take();
        release_record(
            &self.altroot,
            &self.zone,
            &self.record,
            ns.as_ref().map(|f| f.as_fd()),
        )
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        if !self.released {
            let ns = self.netns.take();
            let _ = release_record(
                &self.altroot,
                &self.zone,
                &self.record,
                ns.as_ref().map(|f| f.as_fd()),
            );
        }
    }
}

/// The host name of a routed anet's host end: unique per root, zone and link.
pub fn routed_host_name(altroot: &Path, zone: &str, link: &str) -> String {
    // FNV-1a: stable across builds and runs.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in altroot
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .chain([0u8].iter())
        .chain(zone.as_bytes())
        .chain([0u8].iter())
        .chain(link.as_bytes())
    {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("za{:010x}", h & 0xff_ffff_ffff)
}

/// Release a zone's network without its supervisor (`zoneadm halt` of a zone whose
/// zoneadmd died, or the clean-up after a failed boot), from its record. `init` is the
/// zone's live pid 1, if any: its namespace still holds the moved NICs.
pub fn release_orphan(altroot: &Path, zone: &str, init: Option<i32>) -> Result<(), NetError> {
    let Some(rec) = read_record(altroot, zone) else {
        return Ok(());
    };
    let ns = init.and_then(|p| netns_of(p).ok());
    release_record(altroot, zone, &rec, ns.as_ref().map(|f| f.as_fd()))
}

fn release_record(
    altroot: &Path,
    zone: &str,
    rec: &NetRecord,
    netns: Option<BorrowedFd<'_>>,
) -> Result<(), NetError> {
    let mut first: Option<NetError> = None;
    let mut keep = |r: Result<(), NetError>| {
        if let Err(e) = r {
            first.get_or_insert(e);
        }
    };
    if let Some(ns) = netns {
        if !rec.moved.is_empty() {
            keep(return_nics(ns, &rec.moved));
        }
    }
    keep(release_host_side(altroot, zone, rec));
    match std::fs::remove_file(record_path(altroot, zone)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => keep(Err(NetError::Record {
            path: record_path(altroot, zone),
            source,
        })),
    }
    first.map_or(Ok(()), Err)
}

/// Move every NIC of `moved` from the zone's namespace back to ours, under its own name.
fn return_nics(netns: BorrowedFd<'_>, moved: &[Moved]) -> Result<(), NetError> {
    let here =
        std::fs::File::open("/proc/thread-self/ns/net").map_err(|source| NetError::Record {
            path: PathBuf::from("/proc/thread-self/ns/net"),
            source,
        })?;
    let mut inz = Netlink::open_in(netns).map_err(kernel("rtnetlink in the zone"))?;
    let mut first = None;
    for m in moved {
        match inz.move_link(m.zone_index, here.as_raw_fd(), &m.name) {
            Ok(()) => {}
            // Not (or no longer) in the zone.
            Err(e) if e.errno() == Some(libc::ENODEV) => {}
            Err(e) => {
                first.get_or_insert(NetError::Kernel {
                    what: format!(
                        "{}: could not return the interface to the global zone",
                        m.name
                    ),
                    source: e,
                });
            }
        }
    }
    first.map_or(Ok(()), Err)
}

fn release_host_side(altroot: &Path, zone: &str, rec: &NetRecord) -> Result<(), NetError> {
    if rec.host_routes.is_empty()
        && rec.shims.is_empty()
        && rec.host_links.is_empty()
        && rec.proxies.is_empty()
        && rec.forwarding.is_empty()
    {
        return Ok(());
    }
    let _turn = lock(altroot)?;
    let mut host = Netlink::open().map_err(kernel("rtnetlink"))?;
    let links = host.links().map_err(kernel("links"))?;
    let index = |name: &str| links.iter().find(|l| l.name == name).map(|l| l.index);
    for r in &rec.host_routes {
        let Some(i) = index(&r.link) else { continue };
        // Already gone (with its link, or never made) is fine.
        let _ = host.del_neighbour(i, r.dest.addr);
        let _ = host.del_route(&r.dest, i);
    }
    for p in &rec.proxies {
        if let Some(i) = index(&p.link) {
            let _ = host.del_proxy_neighbour(i, p.dest.addr);
        }
    }
    // Forwarding goes back to what it was once no other zone of this root needs it.
    let others = records(altroot);
    for (nic, before) in &rec.forwarding {
        let needed = others
            .iter()
            .any(|(z, r)| z != zone && r.forwarding.iter().any(|(l, _)| l == nic));
        if !needed {
            let _ = link_sysctl(&format!("/proc/sys/net/ipv4/conf/{nic}/forwarding"), before);
        }
    }
    let mut first = None;
    for name in &rec.host_links {
        if let Some(i) = index(name) {
            if let Err(e) = host.del_link(i) {
                if e.errno() != Some(libc::ENODEV) {
                    first.get_or_insert(NetError::Kernel {
                        what: format!("{name}: could not remove the link"),
                        source: e,
                    });
                }
            }
        }
    }
    let routes = host.routes().map_err(kernel("routes"))?;
    for name in &rec.shims {
        let Some(i) = index(name) else { continue };
        let used = routes
            .iter()
            .any(|r| r.oif == Some(i) && r.protocol == ZONES_PROTO);
        if !used {
            if let Err(e) = host.del_link(i) {
                if e.errno() != Some(libc::ENODEV) {
                    first.get_or_insert(NetError::Kernel {
                        what: format!("{name}: could not remove the shim"),
                        source: e,
                    });
                }
            }
        }
    }
    first.map_or(Ok(()), Err)
}

/// Whether `ip` is one of the addresses `zone` (not `except`) runs with, per the records.
pub fn address_in_use(altroot: &Path, ip: &IpAddr, except: &str) -> Option<String> {
    records(altroot)
        .into_iter()
        .find(|(z, r)| z != except && r.addresses.iter().any(|a| a.addr == *ip))
        .map(|(z, _)| z)
}

/// The zone (not `except`) that holds the NIC `name`, per the records.
pub fn nic_in_use(altroot: &Path, name: &str, except: &str) -> Option<String> {
    records(altroot)
        .into_iter()
        .find(|(z, r)| z != except && r.moved.iter().any(|m| m.name == name))
        .map(|(z, _)| z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routed_host_names_fit_and_differ() {
        let a = routed_host_name(Path::new("/"), "web", "net0");
        let b = routed_host_name(Path::new("/"), "web", "net1");
        let c = routed_host_name(Path::new("/alt"), "web", "net0");
        assert!(super::super::valid_ifname(&a));
        assert_eq!(a.len(), 12);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, routed_host_name(Path::new("/"), "web", "net0"));
    }

    #[test]
    fn random_macs_are_local_unicast() {
        for _ in 0..16 {
            let m = random_mac();
            assert_eq!(m[0] & 0x01, 0);
            assert_eq!(m[0] & 0x02, 0x02);
        }
    }

    #[test]
    fn records_round_trip_and_answer_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let rec = NetRecord {
            addresses: vec![IpNet {
                addr: "10.77.0.2".parse().unwrap(),
                prefix: 24,
            }],
            moved: vec![Moved {
                name: "eth1".into(),
                zone_index: 7,
            }],
            ..Default::default()
        };
        write_record(dir.path(), "web", &rec).unwrap();
        assert_eq!(read_record(dir.path(), "web"), Some(rec));
        let ip: IpAddr = "10.77.0.2".parse().unwrap();
        assert_eq!(address_in_use(dir.path(), &ip, "other"), Some("web".into()));
        assert_eq!(address_in_use(dir.path(), &ip, "web"), None);
        assert_eq!(nic_in_use(dir.path(), "eth1", "x"), Some("web".into()));
        assert_eq!(nic_in_use(dir.path(), "eth2", "x"), None);
        // Nothing recorded on the host side: release only removes the record.
        release_orphan(dir.path(), "web", None).unwrap();
        assert_eq!(read_record(dir.path(), "web"), None);
    }
}
