//! The global zone's network as the plan and verification see it, read through rtnetlink in
//! the caller's namespace (the host's), and host names through the system resolver.

use super::netlink::Netlink;
use super::plan::NetHost;
use super::IpNet;
use std::net::{IpAddr, ToSocketAddrs};

/// The running host.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemHost;

impl NetHost for SystemHost {
    fn resolve(&self, name: &str) -> Option<IpAddr> {
        resolve_name(name)
    }

    fn default_link(&self) -> Option<String> {
        let mut nl = Netlink::open().ok()?;
        let routes = nl.routes().ok()?;
        let oif = routes
            .iter()
            .filter(|r| r.dest.is_none() || r.dest.is_some_and(|d| d.prefix == 0))
            .find_map(|r| r.oif)?;
        nl.links()
            .ok()?
            .into_iter()
            .find(|l| l.index == oif)
            .map(|l| l.name)
    }

    fn prefix_on(&self, link: &str, ip: &IpAddr) -> Option<u8> {
        host_addresses_on(link)
            .into_iter()
            .find(|n| n.contains(ip))
            .map(|n| n.prefix)
    }
}

/// What a host name resolves to (the first address), as the global zone resolves it. A
/// name with characters no host name has is not looked up.
pub fn resolve_name(name: &str) -> Option<IpAddr> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
        return None;
    }
    (name, 0u16).to_socket_addrs().ok()?.map(|a| a.ip()).next()
}

/// The addresses of the host's link `link` (empty if it has none or does not exist).
pub fn host_addresses_on(link: &str) -> Vec<IpNet> {
    let Ok(mut nl) = Netlink::open() else {
        return Vec::new();
    };
    let Ok(Some(l)) = nl.link(link) else {
        return Vec::new();
    };
    nl.addresses()
        .map(|v| {
            v.into_iter()
                .filter(|(i, _)| *i == l.index)
                .map(|(_, n)| n)
                .collect()
        })
        .unwrap_or_default()
}

/// Every address of the host (all links).
pub fn host_addresses() -> Vec<IpAddr> {
    Netlink::open()
        .and_then(|mut nl| nl.addresses())
        .map(|v| v.into_iter().map(|(_, n)| n.addr).collect())
        .unwrap_or_default()
}
