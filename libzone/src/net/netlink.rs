//! A small synchronous rtnetlink client over `netlink-sys` and `netlink-packet-route` (the way
//! podman's netavark talks to the kernel): one request, then its answers until the ack or the
//! end of a dump. A client talks to the network namespace it was opened in; `open_in` opens
//! one in another namespace (the zone's) from a short-lived thread, so the caller's own
//! namespace never changes.

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE,
    NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoMacVlan, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
    MacVlanMode,
};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use std::net::IpAddr;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use super::IpNet;

/// What the kernel said no to (or why we could not ask).
#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    #[error("netlink: {0}")]
    Io(#[from] std::io::Error),
    #[error("netlink: bad answer: {0}")]
    Decode(String),
}

impl NetlinkError {
    /// The errno the kernel answered with, if it did.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetlinkError::Io(e) => e.raw_os_error(),
            NetlinkError::Decode(_) => None,
        }
    }
}

type Result<T> = std::result::Result<T, NetlinkError>;

/// The protocol our routes carry, so that they are told from anyone else's (`ip route` shows
/// it as `proto 90`).
pub const ZONES_PROTO: u8 = 90;

/// One rtnetlink connection.
pub struct Netlink {
    sock: Socket,
    seq: u32,
}

/// A link as a dump shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEntry {
    pub index: u32,
    pub name: String,
    pub kind: Option<String>,
    pub mac: Option<[u8; 6]>,
    pub up: bool,
}

/// A route as a dump shows it (main table, unicast).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub dest: Option<IpNet>,
    pub gateway: Option<IpAddr>,
    pub oif: Option<u32>,
    pub protocol: u8,
}

fn family(ip: &IpAddr) -> AddressFamily {
    match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

impl Netlink {
    /// A connection to the calling thread's network namespace.
    pub fn open() -> Result<Netlink> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        let _ = sock.set_ext_ack(true);
        Ok(Netlink { sock, seq: 1 })
    }

    /// A connection to the network namespace `netns` (a `/proc/<pid>/ns/net` descriptor),
    /// opened from a thread that enters it; the socket stays bound to that namespace.
    pub fn open_in(netns: BorrowedFd<'_>) -> Result<Netlink> {
        Netlink::open_in_then(netns, || Ok(()))
    }

    /// [`Netlink::open_in`], running `first` in the namespace before the socket is opened
    /// (e.g. a sysctl of that namespace: `/proc/sys/net` follows the reader's namespace), so
    /// one thread does both.
    pub fn open_in_then(
        netns: BorrowedFd<'_>,
        first: impl FnOnce() -> std::io::Result<()> + Send,
    ) -> Result<Netlink> {
        let fd = netns.as_raw_fd();
        std::thread::scope(|s| {
            s.spawn(move || {
                // SAFETY: setns on this thread only; fd is a namespace descriptor we borrow.
                if unsafe { libc::setns(fd, libc::CLONE_NEWNET) } < 0 {
                    return Err(NetlinkError::Io(std::io::Error::last_os_error()));
                }
                first()?;
                Netlink::open()
            })
            .join()
            .map_err(|_| NetlinkError::Decode("namespace thread panicked".into()))?
        })
    }

    fn request(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Vec<RouteNetlinkMessage>> {
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags | if dump { 0 } else { NLM_F_ACK };
        self.seq = self.seq.wrapping_add(1);
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        packet.finalize();
        let mut buf = vec![0u8; packet.buffer_len()];
        packet.serialize(&mut buf);
        self.sock.send(&buf, 0)?;
        let mut out = Vec::new();
        let mut rx = vec![0u8; 1 << 16];
        loop {
            let n = {
                let mut slice = &mut rx[..];
                self.sock.recv(&mut slice, 0)?
            };
            let mut off = 0;
            while off < n {
                let len = NetlinkBuffer::new_checked(&rx[off..n])
                    .map_err(|e| NetlinkError::Decode(e.to_string()))?
                    .length() as usize;
                if len == 0 {
                    return Err(NetlinkError::Decode("empty message".into()));
                }
                let end = (off + len).min(n);
                let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&rx[off..end])
                    .map_err(|e| NetlinkError::Decode(e.to_string()))?;
                off += (len + 3) & !3;
                if m.header.sequence_number != self.seq {
                    continue;
                }
                match m.payload {
                    NetlinkPayload::Done(_) => return Ok(out),
                    NetlinkPayload::Error(e) => match e.code {
                        None => return Ok(out),
                        Some(_) => return Err(NetlinkError::Io(e.to_io())),
                    },
                    NetlinkPayload::InnerMessage(inner) => out.push(inner),
                    _ => {}
                }
            }
        }
    }

    fn ack(&mut self, msg: RouteNetlinkMessage, flags: u16) -> Result<()> {
        self.request(msg, flags).map(|_| ())
    }

    // ---- links ----

    /// Every link of the namespace.
    pub fn links(&mut self) -> Result<Vec<LinkEntry>> {
        let answers = self.request(
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            NLM_F_DUMP,
        )?;
        Ok(answers
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(link_entry(&l)),
                _ => None,
            })
            .collect())
    }

    /// The link called `name`, if there is one.
    pub fn link(&mut self, name: &str) -> Result<Option<LinkEntry>> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        match self.request(RouteNetlinkMessage::GetLink(msg), 0) {
            Ok(answers) => Ok(answers.into_iter().find_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(link_entry(&l)),
                _ => None,
            })),
            Err(e) if e.errno() == Some(libc::ENODEV) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A macvlan (bridge mode) over `lower` (a link of this namespace), made directly in the
    /// namespace `netns` (or here) as `name`.
    pub fn add_macvlan(
        &mut self,
        lower: u32,
        name: &str,
        netns: Option<RawFd>,
        mac: Option<[u8; 6]>,
        mtu: Option<u32>,
    ) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::Link(lower));
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        if let Some(fd) = netns {
            msg.attributes.push(LinkAttribute::NetNsFd(fd));
        }
        if let Some(mac) = mac {
            msg.attributes.push(LinkAttribute::Address(mac.to_vec()));
        }
        if let Some(mtu) = mtu {
            msg.attributes.push(LinkAttribute::Mtu(mtu));
        }
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::MacVlan),
            LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(
                MacVlanMode::Bridge,
            )])),
        ]));
        self.ack(RouteNetlinkMessage::NewLink(msg), NLM_F_CREATE | NLM_F_EXCL)
    }

    /// A veth pair: `name` here, `peer` made directly in the namespace `peer_netns`.
    pub fn add_veth(
        &mut self,
        name: &str,
        peer: &str,
        peer_netns: Option<RawFd>,
        peer_mac: Option<[u8; 6]>,
        mtu: Option<u32>,
    ) -> Result<()> {
        let mut p = LinkMessage::default();
        p.attributes.push(LinkAttribute::IfName(peer.to_string()));
        if let Some(fd) = peer_netns {
            p.attributes.push(LinkAttribute::NetNsFd(fd));
        }
        if let Some(mac) = peer_mac {
            p.attributes.push(LinkAttribute::Address(mac.to_vec()));
        }
        if let Some(mtu) = mtu {
            p.attributes.push(LinkAttribute::Mtu(mtu));
        }
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        if let Some(mtu) = mtu {
            msg.attributes.push(LinkAttribute::Mtu(mtu));
        }
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(p))),
        ]));
        self.ack(RouteNetlinkMessage::NewLink(msg), NLM_F_CREATE | NLM_F_EXCL)
    }

    /// Bring link `index` up.
    pub fn set_up(&mut self, index: u32) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.header.flags = LinkFlags::Up;
        msg.header.change_mask = LinkFlags::Up;
        self.ack(RouteNetlinkMessage::SetLink(msg), 0)
    }

    /// Move link `index` into the namespace `netns`, called `name` there.
    pub fn move_link(&mut self, index: u32, netns: RawFd, name: &str) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.attributes.push(LinkAttribute::NetNsFd(netns));
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        self.ack(RouteNetlinkMessage::SetLink(msg), 0)
    }

    /// Delete link `index`.
    pub fn del_link(&mut self, index: u32) -> Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        self.ack(RouteNetlinkMessage::DelLink(msg), 0)
    }

    // ---- addresses ----

    /// Put `net` on link `index` (without duplicate address detection: the zone's services
    /// bind to it at once).
    pub fn add_address(&mut self, index: u32, net: &IpNet) -> Result<()> {
        let mut msg = AddressMessage::default();
        msg.header.family = family(&net.addr);
        msg.header.prefix_len = net.prefix;
        msg.header.index = index;
        msg.attributes.push(AddressAttribute::Local(net.addr));
        msg.attributes.push(AddressAttribute::Address(net.addr));
        if net.addr.is_ipv6() {
            msg.attributes
                .push(AddressAttribute::Flags(AddressFlags::Nodad));
        }
        self.ack(
            RouteNetlinkMessage::NewAddress(msg),
            NLM_F_CREATE | NLM_F_EXCL,
        )
    }

    /// Every address of the namespace: (link index, address/prefix).
    pub fn addresses(&mut self) -> Result<Vec<(u32, IpNet)>> {
        let answers = self.request(
            RouteNetlinkMessage::GetAddress(AddressMessage::default()),
            NLM_F_DUMP,
        )?;
        let mut out = Vec::new();
        for m in answers {
            if let RouteNetlinkMessage::NewAddress(a) = m {
                let addr = a
                    .attributes
                    .iter()
                    .find_map(|x| match x {
                        AddressAttribute::Local(ip) => Some(*ip),
                        _ => None,
                    })
                    .or_else(|| {
                        a.attributes.iter().find_map(|x| match x {
                            AddressAttribute::Address(ip) => Some(*ip),
                            _ => None,
                        })
                    });
                if let Some(addr) = addr {
                    out.push((
                        a.header.index,
                        IpNet {
                            addr,
                            prefix: a.header.prefix_len,
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    // ---- routes ----

    fn route_message(dest: Option<&IpNet>, family_of: &IpAddr) -> RouteMessage {
        let mut msg = RouteMessage::default();
        msg.header.address_family = family(family_of);
        msg.header.table = 254;
        msg.header.protocol = RouteProtocol::from(ZONES_PROTO);
        msg.header.kind = RouteType::Unicast;
        if let Some(d) = dest {
            msg.header.destination_prefix_length = d.prefix;
            msg.attributes
                .push(RouteAttribute::Destination(RouteAddress::from(d.network())));
        }
        msg
    }

    /// A route to `dest` (`None`: the default route) through link `oif`, via `gateway` or
    /// on the link, with the preferred source `src`.
    pub fn add_route(
        &mut self,
        dest: Option<&IpNet>,
        gateway: Option<IpAddr>,
        oif: u32,
        src: Option<IpAddr>,
        metric: Option<u32>,
    ) -> Result<()> {
        let fam = dest
            .map(|d| d.addr)
            .or(gateway)
            .ok_or_else(|| NetlinkError::Decode("a route needs a destination or gateway".into()))?;
        let mut msg = Self::route_message(dest, &fam);
        msg.header.scope = if gateway.is_some() {
            RouteScope::Universe
        } else {
            RouteScope::Link
        };
        if let Some(gw) = gateway {
            msg.attributes
                .push(RouteAttribute::Gateway(RouteAddress::from(gw)));
        }
        msg.attributes.push(RouteAttribute::Oif(oif));
        if let Some(src) = src {
            msg.attributes
                .push(RouteAttribute::PrefSource(RouteAddress::from(src)));
        }
        if let Some(m) = metric {
            msg.attributes.push(RouteAttribute::Priority(m));
        }
        self.ack(
            RouteNetlinkMessage::NewRoute(msg),
            NLM_F_CREATE | NLM_F_EXCL,
        )
    }

    /// Remove the route to `dest` through `oif`.
    pub fn del_route(&mut self, dest: &IpNet, oif: u32) -> Result<()> {
        let mut msg = Self::route_message(Some(dest), &dest.addr);
        msg.header.scope = RouteScope::NoWhere;
        msg.attributes.push(RouteAttribute::Oif(oif));
        self.ack(RouteNetlinkMessage::DelRoute(msg), 0)
    }

    /// The main table's unicast routes, both families.
    pub fn routes(&mut self) -> Result<Vec<RouteEntry>> {
        let mut out = Vec::new();
        for fam in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut msg = RouteMessage::default();
            msg.header.address_family = fam;
            for m in self.request(RouteNetlinkMessage::GetRoute(msg), NLM_F_DUMP)? {
                let RouteNetlinkMessage::NewRoute(r) = m else {
                    continue;
                };
                let table = r
                    .attributes
                    .iter()
                    .find_map(|a| match a {
                        RouteAttribute::Table(t) => Some(*t),
                        _ => None,
                    })
                    .unwrap_or(r.header.table as u32);
                if table != 254 || r.header.kind != RouteType::Unicast {
                    continue;
                }
                let ip = |a: &RouteAddress| match a {
                    RouteAddress::Inet(v) => Some(IpAddr::V4(*v)),
                    RouteAddress::Inet6(v) => Some(IpAddr::V6(*v)),
                    _ => None,
                };
                let mut e = RouteEntry {
                    dest: None,
                    gateway: None,
                    oif: None,
                    protocol: u8::from(r.header.protocol),
                };
                for a in &r.attributes {
                    match a {
                        RouteAttribute::Destination(d) => {
                            e.dest = ip(d).map(|addr| IpNet {
                                addr,
                                prefix: r.header.destination_prefix_length,
                            })
                        }
                        RouteAttribute::Gateway(g) => e.gateway = ip(g),
                        RouteAttribute::Oif(o) => e.oif = Some(*o),
                        _ => {}
                    }
                }
                out.push(e);
            }
        }
        Ok(out)
    }

    // ---- neighbours ----

    /// A proxy entry: this host answers ARP for `ip` on link `index`.
    pub fn add_proxy_neighbour(&mut self, index: u32, ip: IpAddr) -> Result<()> {
        let mut msg = NeighbourMessage::default();
        msg.header.family = family(&ip);
        msg.header.ifindex = index;
        msg.header.state = NeighbourState::Permanent;
        msg.header.flags = NeighbourFlags::Proxy;
        msg.attributes
            .push(NeighbourAttribute::Destination(match ip {
                IpAddr::V4(v) => NeighbourAddress::Inet(v),
                IpAddr::V6(v) => NeighbourAddress::Inet6(v),
            }));
        self.ack(
            RouteNetlinkMessage::NewNeighbour(msg),
            NLM_F_CREATE | netlink_packet_core::NLM_F_REPLACE,
        )
    }

    /// Remove the proxy entry of `ip` on link `index`.
    pub fn del_proxy_neighbour(&mut self, index: u32, ip: IpAddr) -> Result<()> {
        let mut msg = NeighbourMessage::default();
        msg.header.family = family(&ip);
        msg.header.ifindex = index;
        msg.header.flags = NeighbourFlags::Proxy;
        msg.attributes
            .push(NeighbourAttribute::Destination(match ip {
                IpAddr::V4(v) => NeighbourAddress::Inet(v),
                IpAddr::V6(v) => NeighbourAddress::Inet6(v),
            }));
        self.ack(RouteNetlinkMessage::DelNeighbour(msg), 0)
    }

    /// Remove the neighbour entry of `ip` on link `index`.
    pub fn del_neighbour(&mut self, index: u32, ip: IpAddr) -> Result<()> {
        let mut msg = NeighbourMessage::default();
        msg.header.family = family(&ip);
        msg.header.ifindex = index;
        msg.attributes
            .push(NeighbourAttribute::Destination(match ip {
                IpAddr::V4(v) => NeighbourAddress::Inet(v),
                IpAddr::V6(v) => NeighbourAddress::Inet6(v),
            }));
        self.ack(RouteNetlinkMessage::DelNeighbour(msg), 0)
    }

    /// A permanent neighbour entry: `ip` is at `mac` on link `index`.
    pub fn add_neighbour(&mut self, index: u32, ip: IpAddr, mac: [u8; 6]) -> Result<()> {
        let mut msg = NeighbourMessage::default();
        msg.header.family = family(&ip);
        msg.header.ifindex = index;
        msg.header.state = NeighbourState::Permanent;
        msg.header.flags = NeighbourFlags::empty();
        msg.attributes
            .push(NeighbourAttribute::Destination(match ip {
                IpAddr::V4(v) => NeighbourAddress::Inet(v),
                IpAddr::V6(v) => NeighbourAddress::Inet6(v),
            }));
        msg.attributes
            .push(NeighbourAttribute::LinkLayerAddress(mac.to_vec()));
        self.ack(
            RouteNetlinkMessage::NewNeighbour(msg),
            NLM_F_CREATE | netlink_packet_core::NLM_F_REPLACE,
        )
    }
}

fn link_entry(l: &LinkMessage) -> LinkEntry {
    let mut e = LinkEntry {
        index: l.header.index,
        name: String::new(),
        kind: None,
        mac: None,
        up: l.header.flags.contains(LinkFlags::Up),
    };
    for a in &l.attributes {
        match a {
            LinkAttribute::IfName(n) => e.name = n.clone(),
            LinkAttribute::Address(m) if m.len() == 6 => {
                let mut mac = [0u8; 6];
                mac.copy_from_slice(m);
                e.mac = Some(mac);
            }
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    if let LinkInfo::Kind(k) = i {
                        e.kind = Some(k.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    e
}
