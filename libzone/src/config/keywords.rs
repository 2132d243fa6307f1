//! The words of the zonecfg language: resource types and property names, with the exact
//! spellings zonecfg prints and accepts. Shared by the parser, the session, info and export.

use std::fmt;

/// A resource type (`add <rt>`, `select <rt>`, `remove <rt>`, `info <rt>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    Fs,
    InheritPkgDir,
    Net,
    Anet,
    Device,
    Rctl,
    Attr,
    Dataset,
    DedicatedCpu,
    CappedCpu,
    CappedMemory,
    Admin,
    SecurityFlags,
}

impl ResourceType {
    pub const ALL: [ResourceType; 13] = [
        ResourceType::Fs,
        ResourceType::InheritPkgDir,
        ResourceType::Net,
        ResourceType::Anet,
        ResourceType::Device,
        ResourceType::Rctl,
        ResourceType::Attr,
        ResourceType::Dataset,
        ResourceType::DedicatedCpu,
        ResourceType::CappedCpu,
        ResourceType::CappedMemory,
        ResourceType::Admin,
        ResourceType::SecurityFlags,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Fs => "fs",
            ResourceType::InheritPkgDir => "inherit-pkg-dir",
            ResourceType::Net => "net",
            ResourceType::Anet => "anet",
            ResourceType::Device => "device",
            ResourceType::Rctl => "rctl",
            ResourceType::Attr => "attr",
            ResourceType::Dataset => "dataset",
            ResourceType::DedicatedCpu => "dedicated-cpu",
            ResourceType::CappedCpu => "capped-cpu",
            ResourceType::CappedMemory => "capped-memory",
            ResourceType::Admin => "admin",
            ResourceType::SecurityFlags => "security-flags",
        }
    }

    pub fn parse(s: &str) -> Option<ResourceType> {
        ResourceType::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    // What each type has and how it is stored: `config::resources`.
}

/// Solaris 11 zone-level properties this implementation does not have. They are answered
/// with `not supported` rather than a syntax error, so a Solaris admin knows why.
pub const UNSUPPORTED_PROPERTIES: &[&str] = &["file-mac-profile", "global-time", "host-compatible"];

/// Solaris 11 resource types this implementation does not have.
pub const UNSUPPORTED_RESOURCES: &[&str] = &[
    "rootzpool",
    "zpool",
    "virtual-cpu",
    "keysource",
    "suspend",
    "verified-boot",
    "ib-vhca",
];

/// Whether `word` is a Solaris 11 property or resource type this implementation lacks.
pub fn is_unsupported(word: &str) -> bool {
    UNSUPPORTED_PROPERTIES.contains(&word) || UNSUPPORTED_RESOURCES.contains(&word)
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A property name: global (zone-level) properties, rctl aliases and resource properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PropName {
    // global
    Zonename,
    Zonepath,
    Brand,
    Autoboot,
    Autoshutdown,
    Bootargs,
    Pool,
    Limitpriv,
    SchedulingClass,
    IpType,
    Hostid,
    FsAllowed,
    // global rctl aliases
    MaxLwps,
    MaxProcesses,
    MaxShmMemory,
    MaxShmIds,
    MaxMsgIds,
    MaxSemIds,
    CpuShares,
    // resource properties
    Dir,
    Special,
    Raw,
    Type,
    Options,
    Address,
    AllowedAddress,
    Physical,
    Defrouter,
    Linkname,
    LowerLink,
    ConfigureAllowedAddress,
    MacAddress,
    Mtu,
    Match,
    Name,
    Value,
    Priv,
    Limit,
    Action,
    Ncpus,
    Importance,
    Swap,
    Locked,
    User,
    Auths,
    Lower,
    Default,
    Upper,
}

impl PropName {
    pub const ALL: [PropName; 48] = [
        PropName::Zonename,
        PropName::Zonepath,
        PropName::Brand,
        PropName::Autoboot,
        PropName::Autoshutdown,
        PropName::Bootargs,
        PropName::Pool,
        PropName::Limitpriv,
        PropName::SchedulingClass,
        PropName::IpType,
        PropName::Hostid,
        PropName::FsAllowed,
        PropName::MaxLwps,
        PropName::MaxProcesses,
        PropName::MaxShmMemory,
        PropName::MaxShmIds,
        PropName::MaxMsgIds,
        PropName::MaxSemIds,
        PropName::CpuShares,
        PropName::Dir,
        PropName::Special,
        PropName::Raw,
        PropName::Type,
        PropName::Options,
        PropName::Address,
        PropName::AllowedAddress,
        PropName::Physical,
        PropName::Defrouter,
        PropName::Linkname,
        PropName::LowerLink,
        PropName::ConfigureAllowedAddress,
        PropName::MacAddress,
        PropName::Mtu,
        PropName::Match,
        PropName::Name,
        PropName::Value,
        PropName::Priv,
        PropName::Limit,
        PropName::Action,
        PropName::Ncpus,
        PropName::Importance,
        PropName::Swap,
        PropName::Locked,
        PropName::User,
        PropName::Auths,
        PropName::Lower,
        PropName::Default,
        PropName::Upper,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PropName::Zonename => "zonename",
            PropName::Zonepath => "zonepath",
            PropName::Brand => "brand",
            PropName::Autoboot => "autoboot",
            PropName::Autoshutdown => "autoshutdown",
            PropName::Bootargs => "bootargs",
            PropName::Pool => "pool",
            PropName::Limitpriv => "limitpriv",
            PropName::SchedulingClass => "scheduling-class",
            PropName::IpType => "ip-type",
            PropName::Hostid => "hostid",
            PropName::FsAllowed => "fs-allowed",
            PropName::MaxLwps => "max-lwps",
            PropName::MaxProcesses => "max-processes",
            PropName::MaxShmMemory => "max-shm-memory",
            PropName::MaxShmIds => "max-shm-ids",
            PropName::MaxMsgIds => "max-msg-ids",
            PropName::MaxSemIds => "max-sem-ids",
            PropName::CpuShares => "cpu-shares",
            PropName::Dir => "dir",
            PropName::Special => "special",
            PropName::Raw => "raw",
            PropName::Type => "type",
            PropName::Options => "options",
            PropName::Address => "address",
            PropName::AllowedAddress => "allowed-address",
            PropName::Physical => "physical",
            PropName::Defrouter => "defrouter",
            PropName::Linkname => "linkname",
            PropName::LowerLink => "lower-link",
            PropName::ConfigureAllowedAddress => "configure-allowed-address",
            PropName::MacAddress => "mac-address",
            PropName::Mtu => "mtu",
            PropName::Match => "match",
            PropName::Name => "name",
            PropName::Value => "value",
            PropName::Priv => "priv",
            PropName::Limit => "limit",
            PropName::Action => "action",
            PropName::Ncpus => "ncpus",
            PropName::Importance => "importance",
            PropName::Swap => "swap",
            PropName::Locked => "locked",
            PropName::User => "user",
            PropName::Auths => "auths",
            PropName::Lower => "lower",
            PropName::Default => "default",
            PropName::Upper => "upper",
        }
    }

    pub fn parse(s: &str) -> Option<PropName> {
        PropName::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// Zone-level properties (`set` at global scope, `info <prop>`), aliases included.
    pub fn is_global(self) -> bool {
        (self as usize) <= (PropName::CpuShares as usize)
    }

    /// Whether `clear` may reset this zone-level property (the zone's name, path and brand
    /// cannot be cleared).
    pub fn may_be_cleared(self) -> bool {
        !matches!(
            self,
            PropName::Zonename | PropName::Zonepath | PropName::Brand
        )
    }

    /// The rctl an alias property stands for (`cpu-shares` is `zone.cpu-shares`, ...).
    pub fn alias_rctl(self) -> Option<&'static str> {
        Some(match self {
            PropName::MaxLwps => "zone.max-lwps",
            PropName::MaxProcesses => "zone.max-processes",
            PropName::MaxShmMemory => "zone.max-shm-memory",
            PropName::MaxShmIds => "zone.max-shm-ids",
            PropName::MaxMsgIds => "zone.max-msg-ids",
            PropName::MaxSemIds => "zone.max-sem-ids",
            PropName::CpuShares => "zone.cpu-shares",
            _ => return None,
        })
    }
}

impl fmt::Display for PropName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in ResourceType::ALL {
            assert_eq!(ResourceType::parse(r.as_str()), Some(r));
        }
        for p in PropName::ALL {
            assert_eq!(PropName::parse(p.as_str()), Some(p));
        }
        assert!(PropName::CpuShares.is_global());
        assert!(!PropName::Dir.is_global());
        assert_eq!(PropName::CpuShares.alias_rctl(), Some("zone.cpu-shares"));
        assert!(!PropName::Zonepath.may_be_cleared());
        assert!(PropName::Autoboot.may_be_cleared());
    }

    #[test]
    fn unsupported_names_are_not_ours() {
        for w in UNSUPPORTED_PROPERTIES.iter().chain(UNSUPPORTED_RESOURCES) {
            assert!(is_unsupported(w));
            assert_eq!(PropName::parse(w), None, "{w}");
            assert_eq!(ResourceType::parse(w), None, "{w}");
        }
        assert!(!is_unsupported("anet"));
        assert!(!is_unsupported("autoshutdown"));
        assert!(!is_unsupported("fs"));
    }
}
