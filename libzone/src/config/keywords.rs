//! The words of the zonecfg language: resource types and property names, with the exact
//! spellings zonecfg prints and accepts. Shared by the parser, the session, info and export.

use std::fmt;

/// A resource type (`add <rt>`, `select <rt>`, `remove <rt>`, `info <rt>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    Fs,
    InheritPkgDir,
    Net,
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
    pub const ALL: [ResourceType; 12] = [
        ResourceType::Fs,
        ResourceType::InheritPkgDir,
        ResourceType::Net,
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

    /// Resources of which a zone has at most one; `select` and `remove` need no filter.
    pub fn is_singleton(self) -> bool {
        matches!(
            self,
            ResourceType::DedicatedCpu
                | ResourceType::CappedCpu
                | ResourceType::CappedMemory
                | ResourceType::SecurityFlags
        )
    }

    /// The properties this resource type has, in the order `info` prints them.
    pub fn properties(self) -> &'static [PropName] {
        use PropName::*;
        match self {
            ResourceType::Fs => &[Dir, Special, Raw, Type, Options],
            ResourceType::InheritPkgDir => &[Dir],
            ResourceType::Net => &[Address, AllowedAddress, Physical, Defrouter],
            ResourceType::Device => &[Match],
            ResourceType::Rctl => &[Name, Value],
            ResourceType::Attr => &[Name, Type, Value],
            ResourceType::Dataset => &[Name],
            ResourceType::DedicatedCpu => &[Ncpus, Importance],
            ResourceType::CappedCpu => &[Ncpus],
            ResourceType::CappedMemory => &[Physical, Swap, Locked],
            ResourceType::Admin => &[User, Auths],
            ResourceType::SecurityFlags => &[Lower, Default, Upper],
        }
    }
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
    pub const ALL: [PropName; 42] = [
        PropName::Zonename,
        PropName::Zonepath,
        PropName::Brand,
        PropName::Autoboot,
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
    }
}
