//! The controllers the zones runtime uses, with their kernel names.

use std::fmt;

/// A cgroup controller. v1 knows each as a hierarchy (possibly co-mounted with others); on
/// v2 `Cpuacct` and `Freezer` are part of the core (`cpu.stat`, `cgroup.freeze`) and need no
/// enabling, and `Devices` does not exist (it is an eBPF program there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Controller {
    Cpu,
    Cpuacct,
    Cpuset,
    Memory,
    Pids,
    Freezer,
    Devices,
}

impl Controller {
    pub const ALL: [Controller; 7] = [
        Controller::Cpu,
        Controller::Cpuacct,
        Controller::Cpuset,
        Controller::Memory,
        Controller::Pids,
        Controller::Freezer,
        Controller::Devices,
    ];

    /// What a zone gets by default: everything `Limits`, `usage()` and `freeze()` can use.
    pub const ZONE: [Controller; 6] = [
        Controller::Cpu,
        Controller::Cpuacct,
        Controller::Cpuset,
        Controller::Memory,
        Controller::Pids,
        Controller::Freezer,
    ];

    /// The name in `/proc/self/mountinfo` options (v1) and in `cgroup.controllers` (v2).
    pub fn name(self) -> &'static str {
        match self {
            Controller::Cpu => "cpu",
            Controller::Cpuacct => "cpuacct",
            Controller::Cpuset => "cpuset",
            Controller::Memory => "memory",
            Controller::Pids => "pids",
            Controller::Freezer => "freezer",
            Controller::Devices => "devices",
        }
    }

    pub fn from_name(name: &str) -> Option<Controller> {
        Controller::ALL.into_iter().find(|c| c.name() == name)
    }

    /// How the controller appears on cgroup v2.
    pub(crate) fn v2_kind(self) -> V2Kind {
        match self {
            Controller::Cpuacct | Controller::Freezer => V2Kind::Core,
            Controller::Devices => V2Kind::Absent,
            c => V2Kind::Enable(c.name()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum V2Kind {
    /// Always present on v2, nothing to enable.
    Core,
    /// Must be listed in `cgroup.controllers` and enabled in every ancestor's
    /// `cgroup.subtree_control`.
    Enable(&'static str),
    /// Has no v2 interface file.
    Absent,
}

impl fmt::Display for Controller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Controller::ALL {
            assert_eq!(Controller::from_name(c.name()), Some(c));
        }
        assert_eq!(Controller::from_name("name=systemd"), None);
        assert_eq!(Controller::from_name("blkio"), None);
    }

    #[test]
    fn v2_kinds() {
        assert_eq!(Controller::Freezer.v2_kind(), V2Kind::Core);
        assert_eq!(Controller::Cpuacct.v2_kind(), V2Kind::Core);
        assert_eq!(Controller::Devices.v2_kind(), V2Kind::Absent);
        assert_eq!(Controller::Memory.v2_kind(), V2Kind::Enable("memory"));
    }
}
