//! The zone configuration model: what `zonecfg` edits, `commit` stores as XML and `zoneadm`
//! compiles into a plan. Values are kept as the strings zonecfg accepted (empty = unset), the
//! way libzonecfg keeps them, so `export`, `info` and the XML round-trip without loss.
//! Solaris 11's additions (`autoshutdown`, `anet`) have typed values, checked at `set`.

pub use crate::config::anet::{Anet, IpPrefix, LowerLink, MacAddress};

/// IP stack of a zone: the host's (`shared`) or its own network namespace (`exclusive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum IpType {
    #[default]
    Shared,
    Exclusive,
}

impl IpType {
    pub const ALL: [IpType; 2] = [IpType::Shared, IpType::Exclusive];

    pub fn as_str(self) -> &'static str {
        match self {
            IpType::Shared => "shared",
            IpType::Exclusive => "exclusive",
        }
    }

    /// The short form of `zoneadm list -v` and `-p` (`shared` / `excl`).
    pub fn list_str(self) -> &'static str {
        match self {
            IpType::Shared => "shared",
            IpType::Exclusive => "excl",
        }
    }

    pub fn parse(s: &str) -> Option<IpType> {
        match s {
            "shared" => Some(IpType::Shared),
            "exclusive" => Some(IpType::Exclusive),
            _ => None,
        }
    }
}

/// How a running zone is brought down when the host stops (Solaris 11's `autoshutdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum AutoShutdown {
    /// A graceful shutdown (the zone's init is asked to stop), halted after a timeout.
    #[default]
    Shutdown,
    /// Halted at once.
    Halt,
}

impl AutoShutdown {
    pub const ALL: [AutoShutdown; 2] = [AutoShutdown::Shutdown, AutoShutdown::Halt];

    pub fn as_str(self) -> &'static str {
        match self {
            AutoShutdown::Shutdown => "shutdown",
            AutoShutdown::Halt => "halt",
        }
    }

    pub fn parse(s: &str) -> Option<AutoShutdown> {
        AutoShutdown::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

/// `fs` resource: a file system mounted into the zone at boot.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Fs {
    pub dir: String,
    pub special: String,
    pub raw: String,
    pub fstype: String,
    pub options: Vec<String>,
}

/// `inherit-pkg-dir` resource (Solaris 10 sparse root): a host directory bound read-only.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct InheritPkgDir {
    pub dir: String,
}

/// `net` resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Net {
    pub address: String,
    pub allowed_address: String,
    pub physical: String,
    pub defrouter: String,
}

/// `device` resource: device nodes matching a shell glob are made in the zone's `/dev`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Device {
    pub match_: String,
}

/// One value of a resource control: `(priv=privileged,limit=5,action=none)`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct RctlValue {
    pub privilege: String,
    pub limit: String,
    pub action: String,
}

/// `rctl` resource. The aliases (`cpu-shares`, `max-lwps`, ...), `capped-cpu` and the
/// `swap`/`locked` caps of `capped-memory` are stored as rctls too, as on Solaris.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Rctl {
    pub name: String,
    pub values: Vec<RctlValue>,
}

/// `attr` resource: a typed key/value pair.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Attr {
    pub name: String,
    pub attr_type: String,
    pub value: String,
}

/// `dataset` resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Dataset {
    pub name: String,
}

/// `dedicated-cpu` resource (the XML `pset` element): `ncpus=N` or `ncpus=lo-hi`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct DedicatedCpu {
    pub ncpu_min: String,
    pub ncpu_max: String,
    pub importance: String,
}

/// `capped-memory physical` (the XML `mcap` element), in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Mcap {
    pub physcap: String,
}

/// `admin` resource: delegated administration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Admin {
    pub user: String,
    pub auths: String,
}

/// `security-flags` resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct SecurityFlags {
    pub lower: String,
    pub default: String,
    pub upper: String,
}

/// A zone's whole configuration. Global properties use the empty string for "unset".
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct ZoneConfig {
    pub name: String,
    pub zonepath: String,
    pub brand: String,
    pub autoboot: bool,
    pub autoshutdown: AutoShutdown,
    pub bootargs: String,
    pub pool: String,
    pub limitpriv: String,
    pub scheduling_class: String,
    pub ip_type: IpType,
    pub hostid: String,
    pub fs_allowed: String,
    pub fs: Vec<Fs>,
    pub inherit_pkg_dirs: Vec<InheritPkgDir>,
    pub nets: Vec<Net>,
    pub anets: Vec<Anet>,
    pub devices: Vec<Device>,
    pub rctls: Vec<Rctl>,
    pub attrs: Vec<Attr>,
    pub datasets: Vec<Dataset>,
    pub dedicated_cpu: Option<DedicatedCpu>,
    pub mcap: Option<Mcap>,
    pub admins: Vec<Admin>,
    pub security_flags: Option<SecurityFlags>,
}

/// The name of the global zone (the host).
pub const GLOBAL_ZONE: &str = "global";

impl ZoneConfig {
    pub fn is_global(&self) -> bool {
        self.name == GLOBAL_ZONE
    }

    pub fn rctl(&self, name: &str) -> Option<&Rctl> {
        self.rctls.iter().find(|r| r.name == name)
    }

    /// The zone root: `<zonepath>/root`.
    pub fn root(&self) -> std::path::PathBuf {
        std::path::Path::new(&self.zonepath).join("root")
    }
}
