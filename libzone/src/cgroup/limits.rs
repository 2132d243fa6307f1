//! What a zone's resource controls become in cgroup terms, and what can be read back.
//!
//! CPU shares: Solaris FSS shares (`zone.cpu-shares`, 1..65535) only matter as a ratio
//! between sibling zones, so both mappings are linear and keep that ratio:
//! * v1 `cpu.shares` = shares × 4 (4..262140, inside the kernel's 2..262144). Exact for
//!   every value, so it can be read back ([`shares_from_v1`]). This is the one mapping: a
//!   plan's OCI `linux.resources.cpu.shares` (which OCI defines in v1 `cpu.shares` units) is
//!   written with it, and the runtime reads the shares back from there ([`Limits::from_oci`]).
//!   Not ×1024 (the kernel's default weight per share): that leaves the kernel's range at
//!   257 shares, where every larger value would get the same weight.
//! * v2 `cpu.weight` = shares, clamped to 10000 (the kernel's 1..10000). Exact up to 10000
//!   shares; above that every zone gets the maximum weight. Solaris' default is 1 share and
//!   real configurations stay far below 10000.
//!
//! The absolute v1 and v2 numbers differ (1 share is weight 1, not the v2 default 100), which
//! is harmless because zones only compete with their siblings under the zones parent.
//!
//! CPU cap: `zone.cpu-cap` is a percentage of one CPU (100 = one CPU, 250 = two and a half).
//! CFS bandwidth uses a fixed period of 100 ms and quota = percent × 1 ms.

use super::controller::Controller;
use super::error::{CgroupError, Result};
use oci_spec::runtime::LinuxResources;

/// A byte or task limit meaning "no limit" (written as `-1`/`max`): how a limit that was
/// removed from a configuration is taken off a running zone.
pub const UNLIMITED: u64 = u64::MAX;
/// A CPU cap meaning "no cap".
pub const UNCAPPED: u32 = u32::MAX;

/// A v1 byte limit as the kernel takes it.
pub(crate) fn v1_bytes(v: u64) -> String {
    if v == UNLIMITED {
        "-1".to_string()
    } else {
        v.to_string()
    }
}

/// A v2 limit (bytes or tasks), and a v1 `pids.max`, as the kernel takes it.
pub(crate) fn max_or(v: u64) -> String {
    if v == UNLIMITED {
        "max".to_string()
    } else {
        v.to_string()
    }
}

/// CFS bandwidth period in microseconds (the kernel's default).
pub const CFS_PERIOD_US: u64 = 100_000;
pub const MAX_SHARES: u32 = 65_535;
const V1_SHARES_FACTOR: u64 = 4;
const V2_WEIGHT_MAX: u64 = 10_000;

/// Resource limits for one cgroup. `None` leaves the current setting untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// FSS shares, 1..=65535.
    pub cpu_shares: Option<u32>,
    /// zone.cpu-cap: percent of one CPU, >= 1.
    pub cpu_cap_percent: Option<u32>,
    /// cpuset list such as `0-1,3`.
    pub cpus: Option<String>,
    /// memory node list such as `0`.
    pub mems: Option<String>,
    /// Physical memory in bytes.
    pub memory_limit: Option<u64>,
    /// Memory plus swap in bytes (v1 memsw semantics); must be >= `memory_limit`.
    pub memory_swap_limit: Option<u64>,
    /// Maximum number of tasks (processes and threads).
    pub pids_max: Option<u64>,
}

impl Limits {
    /// Reject values no kernel would take, before anything is written.
    pub fn validate(&self) -> Result<()> {
        if let Some(s) = self.cpu_shares {
            if s == 0 || s > MAX_SHARES {
                return Err(invalid("cpu-shares", s, "must be 1..65535"));
            }
        }
        if let Some(c) = self.cpu_cap_percent {
            if c == 0 {
                return Err(invalid("cpu-cap", c, "must be at least 1"));
            }
        }
        for (name, list) in [("cpus", &self.cpus), ("mems", &self.mems)] {
            if let Some(list) = list {
                if !valid_list(list) {
                    return Err(invalid(name, list, "not a list like 0-1,3"));
                }
            }
        }
        if let (Some(m), Some(s)) = (self.memory_limit, self.memory_swap_limit) {
            if s < m {
                return Err(invalid("swap", s, "smaller than the memory limit"));
            }
        }
        if self.memory_limit == Some(0) {
            return Err(invalid("physical", 0, "must be more than 0"));
        }
        if self.pids_max == Some(0) {
            return Err(invalid("max-processes", 0, "must be more than 0"));
        }
        Ok(())
    }

    /// The controllers these limits write to.
    pub fn controllers(&self) -> Vec<Controller> {
        let mut out = Vec::new();
        if self.cpu_shares.is_some() || self.cpu_cap_percent.is_some() {
            out.push(Controller::Cpu);
        }
        if self.cpus.is_some() || self.mems.is_some() {
            out.push(Controller::Cpuset);
        }
        if self.memory_limit.is_some() || self.memory_swap_limit.is_some() {
            out.push(Controller::Memory);
        }
        if self.pids_max.is_some() {
            out.push(Controller::Pids);
        }
        out
    }
}

fn invalid(name: &'static str, value: impl ToString, reason: &'static str) -> CgroupError {
    CgroupError::InvalidLimit {
        name,
        value: value.to_string(),
        reason,
    }
}

/// `0-1,3`: comma-separated numbers or ranges, no blanks (the kernel's cpulist format).
fn valid_list(list: &str) -> bool {
    !list.is_empty()
        && list.split(',').all(|item| {
            let mut ends = item.splitn(2, '-');
            let lo = ends.next().and_then(|n| n.parse::<u32>().ok());
            match (lo, ends.next()) {
                (Some(_), None) => true,
                (Some(lo), Some(hi)) => hi.parse::<u32>().is_ok_and(|hi| hi >= lo),
                _ => false,
            }
        })
}

/// v1 `cpu.shares` for FSS shares (see the module comment).
pub fn shares_to_v1(shares: u32) -> u64 {
    u64::from(shares.clamp(1, MAX_SHARES)) * V1_SHARES_FACTOR
}

/// FSS shares for a v1 `cpu.shares` value written by [`shares_to_v1`] (the inverse; other
/// values round down, within 1..=65535).
pub fn shares_from_v1(v1: u64) -> u32 {
    (v1 / V1_SHARES_FACTOR).clamp(1, u64::from(MAX_SHARES)) as u32
}

/// v2 `cpu.weight` for FSS shares (see the module comment).
pub fn shares_to_v2_weight(shares: u32) -> u64 {
    u64::from(shares.max(1)).min(V2_WEIGHT_MAX)
}

/// CFS `(quota, period)` in microseconds for a cap in percent of one CPU.
pub fn cap_to_cfs(percent: u32) -> (u64, u64) {
    (u64::from(percent) * CFS_PERIOD_US / 100, CFS_PERIOD_US)
}

impl Limits {
    /// The limits an OCI `linux.resources` asks for, in this layer's units: `cpu.shares` (v1
    /// units) back to FSS shares, `cpu.quota`/`cpu.period` to a cap in percent of one CPU,
    /// `cpu.cpus`/`cpu.mems`, `memory.limit`, `memory.swap` (memory plus swap, as in v1) and
    /// `pids.limit`; a negative value (OCI's "unlimited") is [`UNLIMITED`]. What the spec
    /// leaves out stays `None`. Devices rules are read by `devices::from_spec`.
    pub fn from_oci(res: &LinuxResources) -> Result<Limits> {
        let bytes = |name: &'static str, v: i64| -> Result<u64> {
            match v {
                v if v < 0 => Ok(UNLIMITED),
                0 => Err(invalid(name, v, "must be more than 0")),
                v => Ok(v as u64),
            }
        };
        let mut limits = Limits::default();
        if let Some(cpu) = res.cpu() {
            limits.cpu_shares = cpu.shares().map(shares_from_v1);
            if let Some(quota) = cpu.quota().filter(|q| *q > 0) {
                let period = cpu.period().unwrap_or(CFS_PERIOD_US);
                if period == 0 {
                    return Err(invalid("cpu period", period, "must be more than 0"));
                }
                let percent = (quota as u64).saturating_mul(100) / period;
                limits.cpu_cap_percent = Some(percent.clamp(1, u64::from(u32::MAX - 1)) as u32);
            }
            limits.cpus = cpu.cpus().clone().filter(|c| !c.is_empty());
            limits.mems = cpu.mems().clone().filter(|m| !m.is_empty());
        }
        if let Some(mem) = res.memory() {
            limits.memory_limit = mem.limit().map(|v| bytes("physical", v)).transpose()?;
            limits.memory_swap_limit = mem.swap().map(|v| bytes("swap", v)).transpose()?;
        }
        if let Some(pids) = res.pids() {
            limits.pids_max = Some(match pids.limit() {
                v if v <= 0 => UNLIMITED,
                v => v as u64,
            });
        }
        limits.validate()?;
        Ok(limits)
    }
}

/// What a cgroup has used. `None` where the controller is not attached or the kernel has no
/// such counter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Total CPU time of all tasks, nanoseconds.
    pub cpu_ns: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub memory_peak_bytes: Option<u64>,
    pub pids_current: Option<u64>,
    /// Processes killed by the OOM killer because of this cgroup's limit.
    pub oom_kills: Option<u64>,
}

/// v1 memory and memory+swap must satisfy memory <= memsw at every moment, so the order of
/// the two writes depends on where the limits are now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemswOrder {
    SwapFirst,
    MemoryFirst,
}

/// With the current memory limit `current_mem` and targets `mem <= swap`: raise memsw first
/// when the current memory limit already fits under the new memsw, else lower memory first.
pub(crate) fn memsw_order(current_mem: u64, swap: u64) -> MemswOrder {
    if current_mem <= swap {
        MemswOrder::SwapFirst
    } else {
        MemswOrder::MemoryFirst
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_mapping_bounds() {
        assert_eq!(shares_to_v1(1), 4);
        assert_eq!(shares_to_v1(256), 1024);
        assert_eq!(shares_to_v1(65535), 262_140);
        assert_eq!(shares_to_v2_weight(1), 1);
        assert_eq!(shares_to_v2_weight(100), 100);
        assert_eq!(shares_to_v2_weight(10_000), 10_000);
        assert_eq!(shares_to_v2_weight(65_535), 10_000);
    }

    #[test]
    fn v1_shares_read_back() {
        for s in [1, 2, 20, 256, 65535] {
            assert_eq!(shares_from_v1(shares_to_v1(s)), s);
        }
        assert_eq!(shares_from_v1(0), 1);
        assert_eq!(shares_from_v1(2), 1);
        assert_eq!(shares_from_v1(262_144), 65535);
    }

    #[test]
    fn limits_from_oci_resources() {
        use oci_spec::runtime::{
            LinuxCpuBuilder, LinuxMemoryBuilder, LinuxPidsBuilder, LinuxResourcesBuilder,
        };
        let res = LinuxResourcesBuilder::default()
            .cpu(
                LinuxCpuBuilder::default()
                    .shares(shares_to_v1(20))
                    .quota(cap_to_cfs(150).0 as i64)
                    .period(cap_to_cfs(150).1)
                    .cpus("1")
                    .build()
                    .unwrap(),
            )
            .memory(
                LinuxMemoryBuilder::default()
                    .limit(64 << 20)
                    .swap(128 << 20)
                    .build()
                    .unwrap(),
            )
            .pids(LinuxPidsBuilder::default().limit(300).build().unwrap())
            .build()
            .unwrap();
        assert_eq!(
            Limits::from_oci(&res).unwrap(),
            Limits {
                cpu_shares: Some(20),
                cpu_cap_percent: Some(150),
                cpus: Some("1".into()),
                mems: None,
                memory_limit: Some(64 << 20),
                memory_swap_limit: Some(128 << 20),
                pids_max: Some(300),
            }
        );
        // Nothing asked for, nothing set; OCI's -1 is "no limit".
        let empty = LinuxResourcesBuilder::default().build().unwrap();
        assert_eq!(Limits::from_oci(&empty).unwrap(), Limits::default());
        let unlimited = LinuxResourcesBuilder::default()
            .memory(LinuxMemoryBuilder::default().limit(-1).build().unwrap())
            .pids(LinuxPidsBuilder::default().limit(-1).build().unwrap())
            .build()
            .unwrap();
        let l = Limits::from_oci(&unlimited).unwrap();
        assert_eq!(
            (l.memory_limit, l.pids_max),
            (Some(UNLIMITED), Some(UNLIMITED))
        );
        // What no kernel takes is refused before anything is written.
        let bad = LinuxResourcesBuilder::default()
            .cpu(LinuxCpuBuilder::default().cpus("3-1").build().unwrap())
            .build()
            .unwrap();
        assert!(matches!(
            Limits::from_oci(&bad),
            Err(CgroupError::InvalidLimit { .. })
        ));
    }

    proptest! {
        #[test]
        fn v1_shares_keep_ratio_and_range(a in 1u32..=65535, b in 1u32..=65535) {
            let (x, y) = (shares_to_v1(a), shares_to_v1(b));
            prop_assert!((2..=262_144).contains(&x));
            prop_assert_eq!(x * u64::from(b), y * u64::from(a));
        }

        #[test]
        fn v2_weights_keep_ratio_up_to_10000(a in 1u32..=10000, b in 1u32..=10000) {
            let (x, y) = (shares_to_v2_weight(a), shares_to_v2_weight(b));
            prop_assert!((1..=10_000).contains(&x));
            prop_assert_eq!(x * u64::from(b), y * u64::from(a));
        }

        #[test]
        fn list_validation_never_panics(s in ".*") {
            let _ = valid_list(&s);
        }
    }

    #[test]
    fn cap_mapping() {
        assert_eq!(cap_to_cfs(100), (100_000, 100_000));
        assert_eq!(cap_to_cfs(50), (50_000, 100_000));
        assert_eq!(cap_to_cfs(250), (250_000, 100_000));
        assert_eq!(cap_to_cfs(1), (1_000, 100_000));
    }

    #[test]
    fn validation() {
        assert!(Limits::default().validate().is_ok());
        let bad = [
            Limits {
                cpu_shares: Some(0),
                ..Limits::default()
            },
            Limits {
                cpu_shares: Some(65536),
                ..Limits::default()
            },
            Limits {
                cpu_cap_percent: Some(0),
                ..Limits::default()
            },
            Limits {
                cpus: Some("0-".into()),
                ..Limits::default()
            },
            Limits {
                cpus: Some("3-1".into()),
                ..Limits::default()
            },
            Limits {
                mems: Some(String::new()),
                ..Limits::default()
            },
            Limits {
                memory_limit: Some(2 << 20),
                memory_swap_limit: Some(1 << 20),
                ..Limits::default()
            },
            Limits {
                pids_max: Some(0),
                ..Limits::default()
            },
        ];
        for l in bad {
            assert!(
                matches!(l.validate(), Err(CgroupError::InvalidLimit { .. })),
                "{l:?}"
            );
        }
        let ok = Limits {
            cpu_shares: Some(65535),
            cpu_cap_percent: Some(150),
            cpus: Some("0-1,3".into()),
            mems: Some("0".into()),
            memory_limit: Some(1 << 20),
            memory_swap_limit: Some(1 << 20),
            pids_max: Some(1),
        };
        ok.validate().unwrap();
        assert_eq!(
            ok.controllers(),
            [
                Controller::Cpu,
                Controller::Cpuset,
                Controller::Memory,
                Controller::Pids
            ]
        );
        let e = Limits {
            cpu_shares: Some(0),
            ..Limits::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid cpu-shares value 0: must be 1..65535"
        );
    }

    #[test]
    fn memsw_ordering() {
        // Default memsw is unlimited; raising both from 64M to 128M/256M: memsw first.
        assert_eq!(memsw_order(64 << 20, 256 << 20), MemswOrder::SwapFirst);
        // Lowering both from 1G/2G to 64M/96M: memory must go down first.
        assert_eq!(memsw_order(1 << 30, 96 << 20), MemswOrder::MemoryFirst);
        // Equal is allowed.
        assert_eq!(memsw_order(64 << 20, 64 << 20), MemswOrder::SwapFirst);
    }
}
