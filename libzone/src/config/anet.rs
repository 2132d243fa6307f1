//! The typed values of Solaris 11's `anet` resource (an automatic network interface: a
//! virtual link the global zone makes over `lower-link` when the zone boots and gives to
//! the zone as `linkname`), how zonecfg reads them from text and writes them back.
//!
//! Each value reads the way `set <prop>=<value>` writes it and prints the way `info`,
//! `export` and the zone's XML show it, so `parse(display(v)) == v`.

use crate::config::keywords::PropName;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// The word of `lower-link` (and `mac-address`) that lets the system choose.
pub const AUTO: &str = "auto";

/// The smallest and largest `mtu` accepted (the kernel's `ETH_MIN_MTU` and `IP_MAX_MTU`;
/// the lower link may allow less, which the boot checks).
pub const MTU_MIN: u32 = 68;
pub const MTU_MAX: u32 = 65535;

/// The longest link name Linux takes (`IFNAMSIZ` - 1).
pub const LINKNAME_MAX: usize = 15;

/// Why a value of an `anet` property is refused (`set` prints the message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnetValueError {
    #[error("{0}: invalid link name: a link name is at most 15 letters, digits, '_' or '.', starting with a letter and ending with a digit.")]
    LinkName(String),
    #[error("{0}: invalid lower-link: it must be 'auto' or the name of a network interface of the global zone.")]
    LowerLink(String),
    #[error("{0}: allowed-address requires a /prefix-length suffix.")]
    PrefixMissing(String),
    #[error("{0}: IPv4 address prefix lengths must be 0 - 32.")]
    Ipv4Prefix(String),
    #[error("{0}: IPv6 address prefix lengths must be 0 - 128.")]
    Ipv6Prefix(String),
    #[error("{0}: not an IPv4 or IPv6 address.")]
    NotAnAddress(String),
    #[error("configure-allowed-address value must be 'true' or 'false'.")]
    Bool,
    #[error("{0}: invalid mac-address: it must be 'auto', 'random' or a unicast MAC address such as 2:8:20:a:b:c.")]
    Mac(String),
    #[error("mac-address factory: not supported: use auto, random or a MAC address.")]
    FactoryMac,
    #[error("mtu property is out of range: it must be {MTU_MIN} - {MTU_MAX}.")]
    Mtu,
}

/// Whether `name` is a usable `anet` link name: at most [`LINKNAME_MAX`] characters of
/// letters, digits, `_` and `.`, starting with a letter and ending with a digit (Solaris'
/// datalink name rule within Linux's interface name length).
pub fn is_valid_linkname(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= LINKNAME_MAX
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
}

/// Checks a link name for `set linkname=`.
pub fn parse_linkname(s: &str) -> Result<String, AnetValueError> {
    if is_valid_linkname(s) {
        Ok(s.to_string())
    } else {
        Err(AnetValueError::LinkName(s.to_string()))
    }
}

/// The default link name of a new `anet`: `net<N>` with the smallest N no other `anet` of
/// the zone uses.
pub fn default_linkname<'a>(taken: impl Iterator<Item = &'a str> + Clone) -> String {
    (0u32..)
        .map(|n| format!("net{n}"))
        .find(|cand| !taken.clone().any(|t| t == cand))
        .unwrap_or_else(|| "net0".to_string())
}

/// `lower-link`: the global zone's NIC the virtual link is made over.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum LowerLink {
    /// The NIC of the global zone's default route, chosen at boot.
    #[default]
    Auto,
    /// A named network interface of the global zone.
    Link(String),
}

impl fmt::Display for LowerLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LowerLink::Auto => f.write_str(AUTO),
            LowerLink::Link(l) => f.write_str(l),
        }
    }
}

impl FromStr for LowerLink {
    type Err = AnetValueError;

    fn from_str(s: &str) -> Result<LowerLink, AnetValueError> {
        if s == AUTO {
            return Ok(LowerLink::Auto);
        }
        let ok = !s.is_empty()
            && s.len() <= LINKNAME_MAX
            && s != "."
            && s != ".."
            && !s.chars().any(|c| c == '/' || c == ':' || c.is_whitespace());
        if ok {
            Ok(LowerLink::Link(s.to_string()))
        } else {
            Err(AnetValueError::LowerLink(s.to_string()))
        }
    }
}

/// An address with its prefix length (`10.0.0.2/24`, `fd00::2/64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for IpPrefix {
    type Err = AnetValueError;

    fn from_str(s: &str) -> Result<IpPrefix, AnetValueError> {
        let Some((a, p)) = s.split_once('/') else {
            return match s.parse::<IpAddr>() {
                Ok(_) => Err(AnetValueError::PrefixMissing(s.to_string())),
                Err(_) => Err(AnetValueError::NotAnAddress(s.to_string())),
            };
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| AnetValueError::NotAnAddress(s.to_string()))?;
        let (max, err) = match addr {
            IpAddr::V4(_) => (32, AnetValueError::Ipv4Prefix(s.to_string())),
            IpAddr::V6(_) => (128, AnetValueError::Ipv6Prefix(s.to_string())),
        };
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 3 {
            return Err(err);
        }
        match p.parse::<u8>() {
            Ok(prefix) if prefix <= max => Ok(IpPrefix { addr, prefix }),
            _ => Err(err),
        }
    }
}

/// `allowed-address`: a comma-separated list of addresses with prefix lengths.
pub fn parse_allowed_addresses(s: &str) -> Result<Vec<IpPrefix>, AnetValueError> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',').map(str::parse).collect()
}

/// The result of reading a `defrouter` list: the routers and the warnings to print (a
/// prefix length given with a router is ignored, as zonecfg does for `net`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routers {
    pub routers: Vec<IpAddr>,
    pub warnings: Vec<String>,
}

/// `defrouter`: a comma-separated list of router addresses.
pub fn parse_defrouters(s: &str) -> Result<Routers, AnetValueError> {
    let mut out = Routers {
        routers: Vec::new(),
        warnings: Vec::new(),
    };
    if s.is_empty() {
        return Ok(out);
    }
    for item in s.split(',') {
        let (a, prefixed) = match item.split_once('/') {
            Some((a, _)) => (a, true),
            None => (item, false),
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| AnetValueError::NotAnAddress(item.to_string()))?;
        if prefixed {
            out.warnings.push(format!(
                "Warning: prefix length in {item} is not required and will be ignored. The default host-prefix length will be used"
            ));
        }
        out.routers.push(addr);
    }
    Ok(out)
}

/// `true` or `false` (`configure-allowed-address`).
pub fn parse_bool(s: &str) -> Result<bool, AnetValueError> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AnetValueError::Bool),
    }
}

/// `mtu`: a number in [`MTU_MIN`]..=[`MTU_MAX`].
pub fn parse_mtu(s: &str) -> Result<u32, AnetValueError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 6 {
        return Err(AnetValueError::Mtu);
    }
    match s.parse::<u32>() {
        Ok(m) if (MTU_MIN..=MTU_MAX).contains(&m) => Ok(m),
        _ => Err(AnetValueError::Mtu),
    }
}

/// `mac-address` of an `anet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MacAddress {
    /// Chosen by the system when the link is made, stable for the zone.
    #[default]
    Auto,
    /// A new random address at every boot.
    Random,
    /// This address.
    Fixed([u8; 6]),
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MacAddress::Auto => f.write_str(AUTO),
            MacAddress::Random => f.write_str("random"),
            MacAddress::Fixed(b) => write!(
                f,
                "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                b[0], b[1], b[2], b[3], b[4], b[5]
            ),
        }
    }
}

impl FromStr for MacAddress {
    type Err = AnetValueError;

    /// `auto`, `random`, or six hexadecimal octets of one or two digits separated by `:`
    /// (Solaris writes `2:8:20:a:b:c`, Linux `02:08:20:0a:0b:0c`); a multicast or all-zero
    /// address is refused. Solaris' `factory` (a NIC's spare factory address) has no Linux
    /// counterpart.
    fn from_str(s: &str) -> Result<MacAddress, AnetValueError> {
        match s {
            AUTO => return Ok(MacAddress::Auto),
            "random" => return Ok(MacAddress::Random),
            "factory" => return Err(AnetValueError::FactoryMac),
            _ => {}
        }
        let bad = || AnetValueError::Mac(s.to_string());
        let mut octets = [0u8; 6];
        let mut n = 0;
        for part in s.split(':') {
            if n == 6
                || part.is_empty()
                || part.len() > 2
                || !part.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(bad());
            }
            octets[n] = u8::from_str_radix(part, 16).map_err(|_| bad())?;
            n += 1;
        }
        if n != 6 || octets[0] & 1 == 1 || octets == [0; 6] {
            return Err(bad());
        }
        Ok(MacAddress::Fixed(octets))
    }
}

/// `anet` resource (Solaris 11, exclusive-IP zones): a virtual link over `lower_link`
/// that the global zone makes when the zone boots and gives to the zone as `linkname`.
/// Unlike the older resources its values are typed: zonecfg checks them at `set`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Anet {
    /// The link's name inside the zone (`net0`, ...).
    pub linkname: String,
    pub lower_link: LowerLink,
    /// The addresses the zone may use on the link; none means any.
    pub allowed_address: Vec<IpPrefix>,
    /// Whether the global zone configures `allowed_address` on the link at boot.
    pub configure_allowed_address: bool,
    /// Default routers of the zone over this link.
    pub defrouter: Vec<IpAddr>,
    pub mac_address: MacAddress,
    /// `None`: the lower link's MTU.
    pub mtu: Option<u32>,
}

impl Default for Anet {
    /// A new `anet` as `add anet` starts it: lower-link `auto`, mac-address `auto`,
    /// configure-allowed-address `true`; the link name is chosen at `end` when not set.
    fn default() -> Anet {
        Anet {
            linkname: String::new(),
            lower_link: LowerLink::Auto,
            allowed_address: Vec::new(),
            configure_allowed_address: true,
            defrouter: Vec::new(),
            mac_address: MacAddress::Auto,
            mtu: None,
        }
    }
}

/// A list written as zonecfg reads it back: items joined by commas.
pub fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Anet {
    /// A new `anet` with the defaults and this link name.
    pub fn default_named(linkname: &str) -> Anet {
        Anet {
            linkname: linkname.to_string(),
            ..Anet::default()
        }
    }

    /// The text of property `p` as `info`, `export` and the XML write it (empty when
    /// unset); `None` when `p` is not a property of `anet`.
    pub fn get(&self, p: PropName) -> Option<String> {
        Some(match p {
            PropName::Linkname => self.linkname.clone(),
            PropName::LowerLink => self.lower_link.to_string(),
            PropName::AllowedAddress => join(&self.allowed_address),
            PropName::ConfigureAllowedAddress => self.configure_allowed_address.to_string(),
            PropName::Defrouter => join(&self.defrouter),
            PropName::MacAddress => self.mac_address.to_string(),
            PropName::Mtu => self.mtu.map(|m| m.to_string()).unwrap_or_default(),
            _ => return None,
        })
    }

    /// `set p=v`: `None` when `p` is not a property of `anet`, otherwise the warnings to
    /// print or why the value is refused (the resource is then unchanged).
    pub fn set(&mut self, p: PropName, v: &str) -> Option<Result<Vec<String>, AnetValueError>> {
        let none = |()| Ok(Vec::new());
        Some(match p {
            PropName::Linkname => parse_linkname(v).map(|l| self.linkname = l).and_then(none),
            PropName::LowerLink => v.parse().map(|l| self.lower_link = l).and_then(none),
            PropName::AllowedAddress => parse_allowed_addresses(v)
                .map(|a| self.allowed_address = a)
                .and_then(none),
            PropName::ConfigureAllowedAddress => parse_bool(v)
                .map(|b| self.configure_allowed_address = b)
                .and_then(none),
            PropName::Defrouter => parse_defrouters(v).map(|r| {
                self.defrouter = r.routers;
                r.warnings
            }),
            PropName::MacAddress => v.parse().map(|m| self.mac_address = m).and_then(none),
            PropName::Mtu => parse_mtu(v).map(|m| self.mtu = Some(m)).and_then(none),
            _ => return None,
        })
    }

    /// `clear p`: back to the default. False for a property that cannot be cleared (the
    /// link name and its lower link) or is not one of `anet`.
    pub fn clear(&mut self, p: PropName) -> bool {
        let d = Anet::default();
        match p {
            PropName::AllowedAddress => self.allowed_address = d.allowed_address,
            PropName::ConfigureAllowedAddress => {
                self.configure_allowed_address = d.configure_allowed_address
            }
            PropName::Defrouter => self.defrouter = d.defrouter,
            PropName::MacAddress => self.mac_address = d.mac_address,
            PropName::Mtu => self.mtu = d.mtu,
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_names() {
        for ok in ["net0", "net15", "a1", "eth_0.1", "n23456789012345"] {
            assert!(is_valid_linkname(ok), "{ok}");
        }
        for bad in [
            "",
            "net",
            "0net",
            "net-0",
            "net 0",
            "lo",
            "n234567890123456",
            "net0/1",
            "nét0",
        ] {
            assert!(!is_valid_linkname(bad), "{bad}");
        }
        assert_eq!(default_linkname([].iter().copied()), "net0");
        assert_eq!(default_linkname(["net0", "net2"].iter().copied()), "net1");
        assert_eq!(default_linkname(["net1"].iter().copied()), "net0");
    }

    #[test]
    fn lower_links() {
        assert_eq!("auto".parse(), Ok(LowerLink::Auto));
        assert_eq!("eth0".parse(), Ok(LowerLink::Link("eth0".into())));
        for bad in ["", "a/b", "eth0:1", "a b", "0123456789abcdef", ".."] {
            assert!(bad.parse::<LowerLink>().is_err(), "{bad}");
        }
        assert_eq!(LowerLink::Link("e1".into()).to_string(), "e1");
    }

    #[test]
    fn prefixes() {
        let p: IpPrefix = "10.0.0.2/24".parse().unwrap();
        assert_eq!(p.prefix, 24);
        assert_eq!(p.to_string(), "10.0.0.2/24");
        assert_eq!(
            "fd00::2/64".parse::<IpPrefix>().unwrap().to_string(),
            "fd00::2/64"
        );
        assert_eq!(
            "10.0.0.2".parse::<IpPrefix>(),
            Err(AnetValueError::PrefixMissing("10.0.0.2".into()))
        );
        assert!(matches!(
            "10.0.0.2/33".parse::<IpPrefix>(),
            Err(AnetValueError::Ipv4Prefix(_))
        ));
        assert!(matches!(
            "::1/129".parse::<IpPrefix>(),
            Err(AnetValueError::Ipv6Prefix(_))
        ));
        assert!(matches!(
            "10.0.0.2/".parse::<IpPrefix>(),
            Err(AnetValueError::Ipv4Prefix(_))
        ));
        assert!(matches!(
            "host/24".parse::<IpPrefix>(),
            Err(AnetValueError::NotAnAddress(_))
        ));
        let list = parse_allowed_addresses("10.0.0.2/24,fd00::2/64").unwrap();
        assert_eq!(join(&list), "10.0.0.2/24,fd00::2/64");
        assert!(parse_allowed_addresses("10.0.0.2/24,").is_err());
        assert_eq!(parse_allowed_addresses(""), Ok(vec![]));
    }

    #[test]
    fn routers() {
        let r = parse_defrouters("10.0.0.1,fd00::1").unwrap();
        assert_eq!(join(&r.routers), "10.0.0.1,fd00::1");
        assert!(r.warnings.is_empty());
        let r = parse_defrouters("10.0.0.1/24").unwrap();
        assert_eq!(join(&r.routers), "10.0.0.1");
        assert_eq!(r.warnings.len(), 1);
        assert!(parse_defrouters("router.example").is_err());
    }

    #[test]
    fn macs() {
        assert_eq!("auto".parse(), Ok(MacAddress::Auto));
        assert_eq!("random".parse(), Ok(MacAddress::Random));
        assert_eq!(
            "factory".parse::<MacAddress>(),
            Err(AnetValueError::FactoryMac)
        );
        let m: MacAddress = "2:8:20:a:b:c".parse().unwrap();
        assert_eq!(m, MacAddress::Fixed([2, 8, 0x20, 0xa, 0xb, 0xc]));
        assert_eq!(m.to_string(), "02:08:20:0a:0b:0c");
        assert_eq!(m.to_string().parse(), Ok(m));
        for bad in [
            "01:00:5e:00:00:01", // multicast
            "0:0:0:0:0:0",
            "2:8:20:a:b",
            "2:8:20:a:b:c:d",
            "2:8:20:a:b:ccc",
            "2:8:20:a:b:zz",
            "2::20:a:b:c",
        ] {
            assert!(bad.parse::<MacAddress>().is_err(), "{bad}");
        }
    }

    #[test]
    fn properties_read_back() {
        let mut a = Anet::default();
        for (p, v) in [
            (PropName::Linkname, "net3"),
            (PropName::LowerLink, "eth1"),
            (PropName::AllowedAddress, "10.0.0.2/24,fd00::2/64"),
            (PropName::ConfigureAllowedAddress, "false"),
            (PropName::Defrouter, "10.0.0.1"),
            (PropName::MacAddress, "02:08:20:0a:0b:0c"),
            (PropName::Mtu, "9000"),
        ] {
            assert_eq!(a.set(p, v), Some(Ok(vec![])), "{p}");
            assert_eq!(a.get(p).as_deref(), Some(v), "{p}");
        }
        let before = a.clone();
        assert!(matches!(a.set(PropName::Mtu, "1"), Some(Err(_))));
        assert_eq!(a, before);
        assert_eq!(a.set(PropName::Dir, "/x"), None);
        assert_eq!(a.get(PropName::Physical), None);
        assert!(a.clear(PropName::Mtu));
        assert_eq!(a.get(PropName::Mtu).as_deref(), Some(""));
        assert!(a.clear(PropName::MacAddress));
        assert_eq!(a.mac_address, MacAddress::Auto);
        assert!(!a.clear(PropName::Linkname));
        assert!(!a.clear(PropName::LowerLink));
        let d = Anet::default();
        assert_eq!(d.get(PropName::LowerLink).as_deref(), Some("auto"));
        assert_eq!(
            d.get(PropName::ConfigureAllowedAddress).as_deref(),
            Some("true")
        );
    }

    #[test]
    fn mtus_and_bools() {
        assert_eq!(parse_mtu("1500"), Ok(1500));
        assert_eq!(parse_mtu("68"), Ok(68));
        assert_eq!(parse_mtu("65535"), Ok(65535));
        for bad in ["67", "65536", "", "-1", "15a", "1500000000"] {
            assert_eq!(parse_mtu(bad), Err(AnetValueError::Mtu), "{bad}");
        }
        assert_eq!(parse_bool("true"), Ok(true));
        assert_eq!(parse_bool("false"), Ok(false));
        assert_eq!(parse_bool("yes"), Err(AnetValueError::Bool));
    }
}
