//! Zone networking. Every zone has a network namespace of its own; what the global zone puts
//! in it is data in the plan ([`NetPlan`]: links, addresses, routes, shown by `zoneadm plan`
//! as `org.zones.net.*` annotations), applied by the zone's supervisor through rtnetlink
//! ([`netlink`], over `netlink-packet-route` + `netlink-sys`, synchronous, as podman's
//! netavark does) once the zone's first process exists and before it runs anything, and
//! taken down at halt.
//!
//! # Shared-IP (`net address=... physical=NIC`)
//!
//! A macvlan in bridge mode over the NIC, made by the global zone directly inside the zone's
//! namespace and named as the NIC, carrying the configured addresses (every `net` on one NIC
//! shares the link, as logical interfaces do on Solaris), with `defrouter` as the zone's
//! default route. The zone has no `CAP_NET_ADMIN` and cannot change any of it.
//!
//! Why macvlan: the kernel here has no ipvlan (and Debian's may lack it too); a macvlan
//! gives the zone its own MAC on the LAN, so clients and other zones on the NIC reach it
//! directly, at the NIC's speed (no forwarding through the host: the throughput bench shows
//! zone <-> client at veth <-> veth speed), it only ever receives frames for its MAC (and
//! broadcasts), and IPv6 works unchanged. A routed veth with proxy ARP would work on any
//! NIC but needs IPv4 forwarding on the NIC (the host becomes a router for that LAN) and
//! global IPv6 forwarding, and costs a second hop.
//!
//! The known trap: a macvlan's parent never sees its children's frames, so the global zone
//! could not reach its zones. Each NIC with shared-IP zones gets one address-less "shim"
//! macvlan in the host (`zsh<ifindex>`, made by the first zone, removed with the last) and a
//! host route per zone address through it (protocol 90, source the host's address on that
//! subnet), with permanent neighbour entries both ways (the zone finds the host's addresses
//! at the shim's MAC), so no ARP is ever asked of the shim; it answers none (`arp_ignore=8`,
//! no IPv6 link-local), so the LAN never learns it for the host's addresses. The zone's
//! link sends a gratuitous ARP when it comes up (`arp_notify`), so neighbours that knew the
//! address at an earlier boot's MAC follow at once. Limits: a NIC that filters unicast MACs
//! it did not program (some Wi-Fi) cannot carry macvlans.
//!
//! # Exclusive-IP
//!
//! `net physical=NIC` moves the NIC into the zone's namespace (the zone has
//! `CAP_NET_ADMIN`/`NET_RAW` there only); `allowed-address` is configured by the global zone
//! and `defrouter` becomes the default route. At halt the NIC is moved back before the
//! zone's processes are killed, while the supervisor still holds the namespace open (a NIC
//! left in a dying namespace returns to the host only if it is a physical device; a veth
//! would be destroyed).
//!
//! `anet` makes a virtual link over `lower-link` (`auto`: the NIC of the host's default
//! route) named `linkname` in the zone: a macvlan (with `mac-address` and `mtu`), or, when
//! `allowed-address` is set, a veth pair routed by the host: the host end has a host route
//! and a permanent neighbour entry per allowed address, proxy ARP (it answers the zone for
//! the LAN), and a strict reverse-path filter, so a packet from any other source is dropped
//! on the host side, where the zone cannot undo it; the NIC answers ARP for the allowed
//! addresses (proxy entries) and forwards while such a zone runs (its previous forwarding
//! setting comes back with the last one).
//!
//! # Clean-up without zoneadmd
//!
//! Every host-side object (shim, host route, proxy entry, veth host end, moved NIC, changed
//! forwarding) is written to `var/run/zones/<zone>.net` *before* it is made. A failed step
//! releases what the record lists; `zoneadm halt` of a zone whose zoneadmd died (or was
//! killed half-way through a boot) releases it from the record, returning moved NICs from
//! the live zone's namespace first. What lives only inside the zone's namespace (its
//! macvlans, the zone end of a veth) goes with the namespace.

pub mod apply;
pub mod host;
pub mod netlink;
pub mod plan;

pub use apply::{release_orphan, NetError, Network};
pub use host::SystemHost;
pub use plan::{LinkKind, LinkPlan, MacPlan, NetHost, NetPlan, RoutePlan};

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// An address with its prefix length (`10.77.0.2/24`, `2001:db8::2/64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IpNet {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl IpNet {
    /// The longest prefix of the address' family (a host route).
    pub fn host(addr: IpAddr) -> IpNet {
        IpNet {
            addr,
            prefix: max_prefix(&addr),
        }
    }

    /// `addr/prefix` or `addr` (no prefix: `None`). Not a host name.
    pub fn parse(s: &str) -> Option<(IpAddr, Option<u8>)> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let prefix = match p {
            None => None,
            Some(p) => {
                let n: u8 = p.parse().ok()?;
                if n > max_prefix(&addr) {
                    return None;
                }
                Some(n)
            }
        };
        Some((addr, prefix))
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(v) => {
                let bits = u32::from(v);
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix as u32)
                };
                IpAddr::V4((bits & mask).into())
            }
            IpAddr::V6(v) => {
                let bits = u128::from(v);
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix as u32)
                };
                IpAddr::V6((bits & mask).into())
            }
        }
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: &IpAddr) -> bool {
        if self.addr.is_ipv4() != ip.is_ipv4() {
            return false;
        }
        IpNet {
            addr: *ip,
            prefix: self.prefix,
        }
        .network()
            == self.network()
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn max_prefix(addr: &IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// Interface names the kernel takes: 1 to 15 bytes, no `/`, `:` or white space.
pub fn valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace())
}

/// A MAC address written `0:1b:21:a:b:c` or `00:1b:21:0a:0b:0c`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (m, p) in mac.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *m = u8::from_str_radix(p, 16).ok()?;
    }
    Some(mac)
}

/// `00:1b:21:0a:0b:0c`.
pub fn format_mac(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_and_without_prefix() {
        assert_eq!(
            IpNet::parse("10.77.0.2/24"),
            Some(("10.77.0.2".parse().unwrap(), Some(24)))
        );
        assert_eq!(
            IpNet::parse("2001:db8::2"),
            Some(("2001:db8::2".parse().unwrap(), None))
        );
        assert_eq!(IpNet::parse("10.77.0.2/33"), None);
        assert_eq!(IpNet::parse("10.77.0/24"), None);
        assert_eq!(IpNet::parse("webhost"), None);
    }

    #[test]
    fn networks_and_membership() {
        let n = IpNet {
            addr: "10.77.0.2".parse().unwrap(),
            prefix: 24,
        };
        assert_eq!(n.network(), "10.77.0.0".parse::<IpAddr>().unwrap());
        assert!(n.contains(&"10.77.0.200".parse().unwrap()));
        assert!(!n.contains(&"10.77.1.2".parse().unwrap()));
        assert!(!n.contains(&"::1".parse().unwrap()));
        let v6 = IpNet {
            addr: "2001:db8::2".parse().unwrap(),
            prefix: 64,
        };
        assert!(v6.contains(&"2001:db8::ffff".parse().unwrap()));
        assert_eq!(n.to_string(), "10.77.0.2/24");
    }

    #[test]
    fn interface_names() {
        assert!(valid_ifname("eth0"));
        assert!(valid_ifname("net0"));
        assert!(!valid_ifname(""));
        assert!(!valid_ifname("a-very-long-name0"));
        assert!(!valid_ifname("eth0:1"));
        assert!(!valid_ifname("a/b"));
    }

    #[test]
    fn mac_addresses() {
        assert_eq!(
            parse_mac("0:1b:21:a:b:c"),
            Some([0, 0x1b, 0x21, 0x0a, 0x0b, 0x0c])
        );
        assert_eq!(parse_mac("0:1b:21:a:b"), None);
        assert_eq!(parse_mac("0:1b:21:a:b:zz"), None);
        assert_eq!(
            format_mac(&[0, 0x1b, 0x21, 10, 11, 12]),
            "00:1b:21:0a:0b:0c"
        );
    }
}
