//! The network part of a plan: which links a zone gets, which addresses the global zone puts
//! on them and which routes. Compiled from the configuration (`net`, `anet`, `ip-type`);
//! what it needs from the host (name resolution, the default route's link, the prefix of
//! the host's own subnet) comes through [`NetHost`], so it is unit-tested without a host.

use super::{parse_mac, valid_ifname, IpNet};
use crate::config::{IpType, ZoneConfig};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What compiling a zone's network needs to know about the host.
pub trait NetHost {
    /// The address a host name resolves to in the global zone.
    fn resolve(&self, name: &str) -> Option<IpAddr>;
    /// The link of the host's default route (`lower-link=auto`).
    fn default_link(&self) -> Option<String>;
    /// The prefix length of the host's subnet on `link` that holds `ip`, if any.
    fn prefix_on(&self, link: &str, ip: &IpAddr) -> Option<u8>;
}

/// How a zone's link is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum LinkKind {
    /// Shared-IP: a macvlan (bridge mode) over the host NIC `physical`; the zone cannot
    /// change it.
    Shared { physical: String },
    /// Exclusive-IP `net`: the host NIC itself, moved into the zone and back at halt.
    Physical { physical: String },
    /// `anet`: a macvlan over `lower`, administered by the zone.
    Anet { lower: String },
    /// `anet` with `allowed-address`: a veth pair routed by the host over `lower`, whose
    /// host end drops packets from any other source.
    AnetRouted { lower: String },
}

/// The MAC address of a virtual link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MacPlan {
    /// The kernel's choice (a random locally administered address).
    Auto,
    /// A random locally administered address, chosen at each boot.
    Random,
    Fixed([u8; 6]),
}

/// One link of the zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPlan {
    /// Its name inside the zone.
    pub name: String,
    pub kind: LinkKind,
    /// Addresses the global zone configures on it.
    pub addresses: Vec<IpNet>,
    /// Source addresses the zone may send from (enforced by the host); empty: any.
    pub allowed: Vec<IpNet>,
    pub mac: MacPlan,
    pub mtu: Option<u32>,
}

/// A route inside the zone: `dest` (`None`: the default route) via `via` on `link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutePlan {
    pub dest: Option<IpNet>,
    pub via: IpAddr,
    pub link: String,
    pub metric: u32,
}

/// A zone's network, as the runtime applies it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetPlan {
    pub exclusive: bool,
    pub links: Vec<LinkPlan>,
    pub routes: Vec<RoutePlan>,
}

impl LinkKind {
    /// The host link this one is made from or is.
    pub fn host_link(&self) -> &str {
        match self {
            LinkKind::Shared { physical } | LinkKind::Physical { physical } => physical,
            LinkKind::Anet { lower } | LinkKind::AnetRouted { lower } => lower,
        }
    }
}

impl NetPlan {
    /// The plan as annotations of the OCI spec (what `zoneadm plan` shows).
    pub fn annotations(&self) -> Vec<(String, String)> {
        let mut out = vec![(
            "org.zones.net.ip-type".to_string(),
            if self.exclusive {
                "exclusive"
            } else {
                "shared"
            }
            .to_string(),
        )];
        for (i, l) in self.links.iter().enumerate() {
            let how = match &l.kind {
                LinkKind::Shared { physical } => format!("macvlan over {physical} (shared-IP)"),
                LinkKind::Physical { physical } => format!("{physical} moved into the zone"),
                LinkKind::Anet { lower } => format!("macvlan over {lower}"),
                LinkKind::AnetRouted { lower } => format!("veth routed over {lower}"),
            };
            let mut text = format!("{}: {how}", l.name);
            if !l.addresses.is_empty() {
                text.push_str(&format!(", address {}", join(&l.addresses)));
            }
            if !l.allowed.is_empty() {
                text.push_str(&format!(", allowed-address {}", join(&l.allowed)));
            }
            match &l.mac {
                MacPlan::Auto => {}
                MacPlan::Random => text.push_str(", mac-address random"),
                MacPlan::Fixed(m) => {
                    text.push_str(&format!(", mac-address {}", super::format_mac(m)))
                }
            }
            if let Some(mtu) = l.mtu {
                text.push_str(&format!(", mtu {mtu}"));
            }
            out.push((format!("org.zones.net.link.{i}"), text));
        }
        for (i, r) in self.routes.iter().enumerate() {
            let dest = r
                .dest
                .map(|d| d.to_string())
                .unwrap_or_else(|| "default".to_string());
            out.push((
                format!("org.zones.net.route.{i}"),
                format!("{dest} via {} dev {}", r.via, r.link),
            ));
        }
        out
    }
}

fn join(v: &[IpNet]) -> String {
    v.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// An `address` value: an address or host name, with or without `/prefix`. Without a
/// prefix, the host's subnet on `link` that holds it gives one, else /24 (IPv4) or /64.
pub fn resolve_address(value: &str, link: &str, host: &dyn NetHost) -> Result<IpNet, String> {
    let (name, prefix) = match value.rsplit_once('/') {
        Some((n, p)) => (n, Some(p)),
        None => (value, None),
    };
    let addr: IpAddr = match name.parse() {
        Ok(a) => a,
        Err(_) => host
            .resolve(name)
            .ok_or_else(|| format!("could not resolve host name '{name}'"))?,
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => return Err(format!("invalid prefix length in '{value}'")),
        },
        None => host
            .prefix_on(link, &addr)
            .unwrap_or(if addr.is_ipv4() { 24 } else { 64 }),
    };
    Ok(IpNet { addr, prefix })
}

/// A comma-separated list of addresses (Solaris 11's `allowed-address`).
fn address_list(value: &str, link: &str, host: &dyn NetHost) -> Result<Vec<IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| resolve_address(v, link, host))
        .collect()
}

/// A comma-separated list of routers (addresses only, or names the host resolves).
fn router_list(value: &str, host: &dyn NetHost) -> Result<Vec<IpAddr>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<IpAddr>()
                .ok()
                .or_else(|| host.resolve(v))
                .ok_or_else(|| format!("invalid defrouter '{v}'"))
        })
        .collect()
}

fn default_routes(out: &mut Vec<RoutePlan>, routers: Vec<IpAddr>, link: &str) {
    for via in routers {
        let metric = out.len() as u32;
        out.push(RoutePlan {
            dest: None,
            via,
            link: link.to_string(),
            metric,
        });
    }
}

/// Compile the network of `cfg`.
pub fn compile(cfg: &ZoneConfig, host: &dyn NetHost) -> Result<NetPlan, String> {
    let exclusive = cfg.ip_type == IpType::Exclusive;
    let mut plan = NetPlan {
        exclusive,
        ..Default::default()
    };
    for net in &cfg.nets {
        let phys = net.physical.as_str();
        if phys.is_empty() {
            return Err("net: physical not specified".to_string());
        }
        if phys == "lo" || phys == "lo0" {
            continue;
        }
        if !valid_ifname(phys) {
            return Err(format!("net: invalid physical '{phys}'"));
        }
        if exclusive {
            if plan.links.iter().any(|l| l.kind.host_link() == phys) {
                return Err(format!("net: physical '{phys}' is given to the zone twice"));
            }
            plan.links.push(LinkPlan {
                name: phys.to_string(),
                kind: LinkKind::Physical {
                    physical: phys.to_string(),
                },
                addresses: address_list(&net.allowed_address, phys, host)?,
                allowed: Vec::new(),
                mac: MacPlan::Auto,
                mtu: None,
            });
            default_routes(&mut plan.routes, router_list(&net.defrouter, host)?, phys);
            continue;
        }
        if net.address.is_empty() {
            return Err("net: address not specified".to_string());
        }
        let addr = resolve_address(&net.address, phys, host)?;
        // Every address on one physical shares one link in the zone, named as the NIC.
        match plan.links.iter_mut().find(|l| l.name == phys) {
            Some(l) => l.addresses.push(addr),
            None => plan.links.push(LinkPlan {
                name: phys.to_string(),
                kind: LinkKind::Shared {
                    physical: phys.to_string(),
                },
                addresses: vec![addr],
                allowed: Vec::new(),
                mac: MacPlan::Auto,
                mtu: None,
            }),
        }
        let routers = router_list(&net.defrouter, host)?;
        // One default route per router, however many nets name it.
        let routers = routers
            .into_iter()
            .filter(|r| !plan.routes.iter().any(|x| x.dest.is_none() && x.via == *r))
            .collect();
        default_routes(&mut plan.routes, routers, phys);
    }
    anets(cfg, host, &mut plan)?;
    Ok(plan)
}

/// `anet` resources (exclusive-IP only; `verify` refuses them in a shared-IP zone): a
/// macvlan over `lower-link` named `linkname` in the zone, or, with `allowed-address`, a
/// routed veth that only lets those sources out.
fn anets(cfg: &ZoneConfig, host: &dyn NetHost, plan: &mut NetPlan) -> Result<(), String> {
    use crate::config::model::{LowerLink, MacAddress};
    if cfg.ip_type != IpType::Exclusive {
        return Ok(());
    }
    for a in &cfg.anets {
        let lower = match &a.lower_link {
            LowerLink::Link(l) => l.clone(),
            LowerLink::Auto => host.default_link().ok_or_else(|| {
                format!(
                    "anet {}: lower-link auto: the global zone has no default route",
                    a.linkname
                )
            })?,
        };
        if plan.links.iter().any(|l| l.name == a.linkname) {
            return Err(format!("anet {}: the link name is taken", a.linkname));
        }
        let allowed: Vec<IpNet> = a
            .allowed_address
            .iter()
            .map(|p| IpNet {
                addr: p.addr,
                prefix: p.prefix,
            })
            .collect();
        let addresses = if a.configure_allowed_address {
            allowed.clone()
        } else {
            Vec::new()
        };
        let kind = if allowed.is_empty() {
            LinkKind::Anet { lower }
        } else {
            LinkKind::AnetRouted { lower }
        };
        plan.links.push(LinkPlan {
            name: a.linkname.clone(),
            kind,
            addresses,
            allowed,
            mac: match a.mac_address {
                MacAddress::Auto => MacPlan::Auto,
                MacAddress::Random => MacPlan::Random,
                MacAddress::Fixed(m) => MacPlan::Fixed(m),
            },
            mtu: a.mtu,
        });
        default_routes(&mut plan.routes, a.defrouter.clone(), &a.linkname);
    }
    Ok(())
}

/// A MAC address property: `auto` (or empty), `random`, or a fixed address.
pub fn mac_plan(value: &str) -> Result<MacPlan, String> {
    match value {
        "" | "auto" | "factory" => Ok(MacPlan::Auto),
        "random" => Ok(MacPlan::Random),
        v => parse_mac(v)
            .map(MacPlan::Fixed)
            .ok_or_else(|| format!("invalid mac-address '{v}'")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Net;

    pub struct FakeHost;

    impl NetHost for FakeHost {
        fn resolve(&self, name: &str) -> Option<IpAddr> {
            (name == "webhost").then(|| "10.77.0.5".parse().unwrap())
        }
        fn default_link(&self) -> Option<String> {
            Some("eth0".into())
        }
        fn prefix_on(&self, link: &str, ip: &IpAddr) -> Option<u8> {
            (link == "eth0" && ip.to_string().starts_with("10.77.")).then_some(16)
        }
    }

    fn net(address: &str, physical: &str, defrouter: &str) -> Net {
        Net {
            address: address.into(),
            physical: physical.into(),
            defrouter: defrouter.into(),
            ..Default::default()
        }
    }

    fn cfg(ip: IpType, nets: Vec<Net>) -> ZoneConfig {
        ZoneConfig {
            name: "web".into(),
            ip_type: ip,
            nets,
            ..Default::default()
        }
    }

    #[test]
    fn shared_nets_on_one_nic_share_a_link() {
        let c = cfg(
            IpType::Shared,
            vec![
                net("10.77.0.2/24", "eth0", "10.77.0.254"),
                net("webhost", "eth0", "10.77.0.254"),
                net("2001:db8::2/64", "eth1", ""),
            ],
        );
        let p = compile(&c, &FakeHost).unwrap();
        assert!(!p.exclusive);
        assert_eq!(p.links.len(), 2);
        assert_eq!(p.links[0].name, "eth0");
        assert_eq!(
            p.links[0].kind,
            LinkKind::Shared {
                physical: "eth0".into()
            }
        );
        let a: Vec<String> = p.links[0].addresses.iter().map(|a| a.to_string()).collect();
        // A host name without a prefix takes the host's subnet on that NIC.
        assert_eq!(a, ["10.77.0.2/24", "10.77.0.5/16"]);
        assert_eq!(p.links[1].addresses[0].to_string(), "2001:db8::2/64");
        assert_eq!(p.routes.len(), 1);
        assert_eq!(p.routes[0].via.to_string(), "10.77.0.254");
        assert_eq!(p.routes[0].link, "eth0");
    }

    #[test]
    fn shared_net_needs_an_address_that_resolves() {
        let c = cfg(IpType::Shared, vec![net("", "eth0", "")]);
        assert_eq!(
            compile(&c, &FakeHost).unwrap_err(),
            "net: address not specified"
        );
        let c = cfg(IpType::Shared, vec![net("nosuchhost/24", "eth0", "")]);
        assert!(compile(&c, &FakeHost)
            .unwrap_err()
            .contains("could not resolve host name 'nosuchhost'"));
        let c = cfg(IpType::Shared, vec![net("10.0.0.1/40", "eth0", "")]);
        assert!(compile(&c, &FakeHost).is_err());
    }

    #[test]
    fn exclusive_net_moves_the_nic_with_its_allowed_addresses() {
        let mut n = net("", "eth1", "192.168.5.1");
        n.allowed_address = "192.168.5.10/24,192.168.5.11/24".into();
        let c = cfg(IpType::Exclusive, vec![n, net("", "eth2", "")]);
        let p = compile(&c, &FakeHost).unwrap();
        assert!(p.exclusive);
        assert_eq!(
            p.links[0].kind,
            LinkKind::Physical {
                physical: "eth1".into()
            }
        );
        assert_eq!(p.links[0].addresses.len(), 2);
        assert!(p.links[1].addresses.is_empty());
        assert_eq!(p.routes[0].link, "eth1");
        let c = cfg(
            IpType::Exclusive,
            vec![net("", "eth1", ""), net("", "eth1", "")],
        );
        assert!(compile(&c, &FakeHost).is_err());
    }

    #[test]
    fn anets_are_macvlans_or_routed_with_allowed_addresses() {
        use crate::config::model::{Anet, IpPrefix, LowerLink, MacAddress};
        let mut c = cfg(IpType::Exclusive, vec![]);
        let mut a = Anet::default_named("net0");
        a.lower_link = LowerLink::Auto;
        a.mac_address = MacAddress::Fixed([2, 8, 0x20, 1, 2, 3]);
        a.mtu = Some(1400);
        let mut b = Anet::default_named("net1");
        b.lower_link = LowerLink::Link("eth1".into());
        b.allowed_address = vec![IpPrefix {
            addr: "192.168.7.2".parse().unwrap(),
            prefix: 24,
        }];
        b.defrouter = vec!["192.168.7.1".parse().unwrap()];
        c.anets = vec![a, b];
        let p = compile(&c, &FakeHost).unwrap();
        // lower-link auto: the NIC of the host's default route.
        assert_eq!(
            p.links[0].kind,
            LinkKind::Anet {
                lower: "eth0".into()
            }
        );
        assert_eq!(p.links[0].mac, MacPlan::Fixed([2, 8, 0x20, 1, 2, 3]));
        assert_eq!(p.links[0].mtu, Some(1400));
        assert!(p.links[0].addresses.is_empty() && p.links[0].allowed.is_empty());
        assert_eq!(
            p.links[1].kind,
            LinkKind::AnetRouted {
                lower: "eth1".into()
            }
        );
        assert_eq!(p.links[1].allowed[0].to_string(), "192.168.7.2/24");
        // configure-allowed-address (the default): the global zone puts them on the link.
        assert_eq!(p.links[1].addresses, p.links[1].allowed);
        assert_eq!(p.routes[0].link, "net1");
        assert!(p.annotations()[2].1.contains("veth routed over eth1"));
        // Not in a shared-IP zone.
        c.ip_type = IpType::Shared;
        assert!(compile(&c, &FakeHost).unwrap().links.is_empty());
    }

    #[test]
    fn loopback_nets_are_no_links() {
        let c = cfg(IpType::Shared, vec![net("127.0.0.2/8", "lo0", "")]);
        assert!(compile(&c, &FakeHost).unwrap().links.is_empty());
    }

    #[test]
    fn annotations_show_links_and_routes() {
        let c = cfg(
            IpType::Shared,
            vec![net("10.77.0.2/24", "eth0", "10.77.0.254")],
        );
        let a = compile(&c, &FakeHost).unwrap().annotations();
        assert_eq!(
            a,
            vec![
                ("org.zones.net.ip-type".to_string(), "shared".to_string()),
                (
                    "org.zones.net.link.0".to_string(),
                    "eth0: macvlan over eth0 (shared-IP), address 10.77.0.2/24".to_string()
                ),
                (
                    "org.zones.net.route.0".to_string(),
                    "default via 10.77.0.254 dev eth0".to_string()
                ),
            ]
        );
    }

    #[test]
    fn mac_address_values() {
        assert_eq!(mac_plan("auto"), Ok(MacPlan::Auto));
        assert_eq!(mac_plan("random"), Ok(MacPlan::Random));
        assert_eq!(
            mac_plan("2:8:20:1:2:3"),
            Ok(MacPlan::Fixed([2, 8, 0x20, 1, 2, 3]))
        );
        assert!(mac_plan("nonsense").is_err());
    }
}
