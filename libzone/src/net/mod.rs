//! Zone networking. Every zone has a network namespace of its own; what the global zone puts
//! in it is data in the plan ([`NetPlan`]: links, addresses, routes), applied at ready by the
//! zone's supervisor through rtnetlink and taken down at halt.
//!
//! - Shared-IP (`net address=... physical=NIC`): a macvlan (bridge mode) over the NIC, made
//!   by the global zone directly inside the zone's namespace, with the configured addresses.
//!   The zone has no `CAP_NET_ADMIN`, so it cannot change them. The host reaches its zones
//!   through one address-less "shim" macvlan per NIC (`zsh<ifindex>`) and a host route per
//!   zone address, since a macvlan's parent never sees its children's frames.
//! - Exclusive-IP (`net physical=NIC`): the NIC itself moves into the zone's namespace and
//!   returns at halt. `anet` makes a virtual link over `lower-link` instead: a macvlan, or,
//!   with `allowed-address`, a routed veth whose host end drops every packet from another
//!   source (strict reverse-path filter), where the zone cannot undo it.
//!
//! See DESIGN.md (networking) for why these mechanisms.

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
