//! The real kernel side of pools: cpuset cgroups. Each pool is a cgroup
//! `pools[-<root hash>]/<pool>` (cpuset + cpuacct) whose CPUs are its processor set's; a pid
//! bound with poolbind moves there. A zone keeps its own cgroup (all its limits live there)
//! and gets its pool's CPUs written into it; the pool a zone is bound to is in its runtime
//! record. So committing a new configuration resizes pool cgroups and rewrites the CPUs of
//! every running zone, which moves the zone's processes onto their new processor set.

use super::error::PoolError;
use super::kernel::{self, KernelLayout, PoolKernel, PsetUsage};
use super::state::StateFiles;
use crate::cgroup::{self, CgroupBackend, Controller, Limits};
use crate::host::format_cpu_list;
use crate::store::record::RunDir;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Pool cgroups carry only what pools need: CPUs and accounting.
const POOL_CONTROLLERS: [Controller; 2] = [Controller::Cpuset, Controller::Cpuacct];

pub struct CpusetKernel {
    altroot: PathBuf,
    backend: Box<dyn CgroupBackend>,
    /// The layout last applied or read from the state file (for usage queries).
    layout: RefCell<Option<KernelLayout>>,
}

fn sys<E: std::fmt::Display>(e: E) -> PoolError {
    PoolError::System(e.to_string())
}

impl CpusetKernel {
    pub fn new(altroot: &Path) -> Result<CpusetKernel, PoolError> {
        Ok(CpusetKernel {
            altroot: altroot.to_path_buf(),
            backend: cgroup::probe().map_err(sys)?,
            layout: RefCell::new(None),
        })
    }

    fn parent(&self) -> String {
        cgroup::parent_name(&self.altroot, "pools")
    }

    fn pool_path(&self, pool: &str) -> String {
        format!("{}/{pool}", self.parent())
    }

    fn zone_path(&self, zone: &str) -> String {
        crate::systemd::zone_path(&self.altroot, zone)
    }

    /// Running zones of this root with the pool each is bound to (`None`: the default pool).
    fn zones(&self) -> Vec<(String, Option<String>)> {
        let run = RunDir::new(&self.altroot);
        let Ok(rd) = std::fs::read_dir(run.dir()) else {
            return Vec::new();
        };
        rd.flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let zone = name.strip_suffix(".state")?.to_string();
                let rec = run.read(&zone)?;
                (rec.supervisor.alive() || rec.init.is_some_and(|i| i.alive()))
                    .then_some((zone, rec.pool))
            })
            .collect()
    }

    fn current_layout(&self) -> Option<KernelLayout> {
        if let Some(l) = self.layout.borrow().as_ref() {
            return Some(l.clone());
        }
        let files = StateFiles::new(&self.altroot);
        let lock = files.lock(false, false).ok()?;
        let cfg = files.read(&lock).ok()??;
        Some(super::facility::layout(&cfg))
    }

    /// Give a running zone its pool's CPUs. A zone being halted right now (its cgroup going,
    /// one hierarchy after the other) is left alone: it is not the commit's to fail on.
    fn set_zone_cpus(&self, zone: &str, limits: &Limits) -> Result<(), PoolError> {
        let path = self.zone_path(zone);
        let cg = self.backend.open(&path).map_err(sys)?;
        if !cg.exists() {
            return Ok(());
        }
        match cg.apply(limits) {
            Ok(()) => Ok(()),
            Err(e) => {
                let whole = self
                    .backend
                    .open(&path)
                    .is_ok_and(|c| c.exists() && c.dirs().len() == cg.dirs().len());
                // ENODEV: the cgroup is being removed; ENOENT: it just was.
                let going = matches!(e, cgroup::CgroupError::NotAttached { .. })
                    || matches!(e.errno(), Some(libc::ENOENT) | Some(libc::ENODEV))
                    || !whole;
                if going {
                    Ok(())
                } else {
                    Err(sys(e))
                }
            }
        }
    }

    /// The zone (of this root) whose cgroup holds `pid`, from `/proc/<pid>/cgroup`.
    fn zone_of_pid(&self, pid: i32) -> Result<Option<String>, PoolError> {
        Ok(cgroup_lines(pid)?
            .iter()
            .find_map(|path| crate::systemd::zone_of_path(&self.altroot, path)))
    }
}

/// The cgroup paths of a process, one per hierarchy.
fn cgroup_lines(pid: i32) -> Result<Vec<String>, PoolError> {
    let path = PathBuf::from(format!("/proc/{pid}/cgroup"));
    let text =
        std::fs::read_to_string(&path).map_err(|_| PoolError::System("No such process".into()))?;
    Ok(text
        .lines()
        .filter_map(|l| l.splitn(3, ':').nth(2).map(str::to_string))
        .collect())
}

/// Which CPUs the pool `pool` runs on in `layout` (the default pool's if it is gone).
pub fn pool_cpus(layout: &KernelLayout, pool: Option<&str>) -> Vec<u32> {
    let pool = pool
        .and_then(|p| layout.pools.iter().find(|k| k.name == p))
        .or_else(|| layout.pools.iter().find(|k| k.is_default));
    pool.and_then(|p| layout.psets.iter().find(|s| s.name == p.pset))
        .map(|s| s.cpus.clone())
        .unwrap_or_default()
}

impl PoolKernel for CpusetKernel {
    fn online_cpus(&self) -> Result<Vec<u32>, PoolError> {
        kernel::read_online_cpus(Path::new(crate::host::ONLINE_CPUS))
    }

    fn nodename(&self) -> Result<String, PoolError> {
        kernel::host_nodename()
    }

    fn apply(&mut self, layout: &KernelLayout) -> Result<(), PoolError> {
        let limits = |cpus: &[u32]| Limits {
            cpus: Some(format_cpu_list(cpus)),
            ..Default::default()
        };
        // Grow before shrinking would matter only with exclusive cpusets; ours are not.
        for pool in &layout.pools {
            let cg = self
                .backend
                .create(&self.pool_path(&pool.name), &POOL_CONTROLLERS)
                .map_err(sys)?;
            cg.apply(&limits(&pool_cpus(layout, Some(&pool.name))))
                .map_err(sys)?;
        }
        for (zone, pool) in self.zones() {
            self.set_zone_cpus(&zone, &limits(&pool_cpus(layout, pool.as_deref())))?;
        }
        // Pools that are gone: their processes go to the default pool first.
        let default = layout
            .pools
            .iter()
            .find(|p| p.is_default)
            .map(|p| p.name.clone());
        for name in self.backend.list(&self.parent()).unwrap_or_default() {
            if layout.pools.iter().any(|p| p.name == name) {
                continue;
            }
            let cg = self.backend.open(&self.pool_path(&name)).map_err(sys)?;
            if let Some(d) = &default {
                let target = self.backend.open(&self.pool_path(d)).map_err(sys)?;
                for pid in cg.pids().unwrap_or_default() {
                    let _ = target.add_pid(pid);
                }
            }
            let _ = cg.remove_if_empty();
        }
        *self.layout.borrow_mut() = Some(layout.clone());
        Ok(())
    }

    fn teardown(&mut self) -> Result<(), PoolError> {
        let all = self.online_cpus()?;
        let everything = Limits {
            cpus: Some(format_cpu_list(&all)),
            ..Default::default()
        };
        for (zone, _) in self.zones() {
            self.set_zone_cpus(&zone, &everything)?;
        }
        for name in self.backend.list(&self.parent()).unwrap_or_default() {
            let cg = self.backend.open(&self.pool_path(&name)).map_err(sys)?;
            for pid in cg.pids().unwrap_or_default() {
                let _ = self.backend.move_to_root(pid, &POOL_CONTROLLERS);
            }
            let _ = cg.remove_if_empty();
        }
        if let Ok(p) = self.backend.open(&self.parent()) {
            let _ = p.remove_if_empty();
        }
        *self.layout.borrow_mut() = None;
        Ok(())
    }

    fn bind_pid(&mut self, pid: i32, pool: &str) -> Result<(), PoolError> {
        if let Some(zone) = self.zone_of_pid(pid)? {
            // Moving one process out of its zone's cgroup would take it out of the zone's
            // limits; zones are bound as a whole.
            return Err(PoolError::System(format!(
                "process belongs to zone {zone}; bind the zone instead (-i zoneid)"
            )));
        }
        let cg = self.backend.open(&self.pool_path(pool)).map_err(sys)?;
        if !cg.exists() {
            return Err(PoolError::System("Invalid argument".into()));
        }
        let pid = u32::try_from(pid).map_err(|_| PoolError::System("No such process".into()))?;
        cg.add_pid(pid).map_err(|e| match e.errno() {
            Some(libc::ESRCH) => PoolError::System("No such process".into()),
            _ => sys(e),
        })
    }

    fn pool_of_pid(&self, pid: i32) -> Result<Option<String>, PoolError> {
        let lines = cgroup_lines(pid)?;
        let prefix = format!("/{}/", self.parent());
        if let Some(pool) = lines.iter().find_map(|p| p.strip_prefix(&prefix)) {
            return Ok(Some(pool.split('/').next().unwrap_or(pool).to_string()));
        }
        if let Some(zone) = self.zone_of_pid(pid)? {
            return Ok(RunDir::new(&self.altroot).read(&zone).and_then(|r| r.pool));
        }
        Ok(None)
    }

    fn pset_usage(&self, pset: &str) -> Result<PsetUsage, PoolError> {
        let Some(layout) = self.current_layout() else {
            return Ok(PsetUsage::default());
        };
        let default_pool = layout
            .pools
            .iter()
            .find(|p| p.is_default)
            .map(|p| p.name.clone());
        let pools: Vec<&str> = layout
            .pools
            .iter()
            .filter(|p| p.pset == pset)
            .map(|p| p.name.as_str())
            .collect();
        let ncpus = layout
            .psets
            .iter()
            .find(|s| s.name == pset)
            .map_or(0, |s| s.cpus.len() as u64);
        let mut busy = 0u64;
        let mut running = 0u64;
        let mut count = |path: String| {
            if let Ok(cg) = self.backend.open(&path) {
                if let Ok(u) = cg.usage() {
                    busy += u.cpu_ns.unwrap_or(0);
                }
                for pid in cg.pids().unwrap_or_default() {
                    if proc_running(pid) {
                        running += 1;
                    }
                }
            }
        };
        for p in &pools {
            count(self.pool_path(p));
        }
        for (zone, pool) in self.zones() {
            let in_set = match pool.as_deref().or(default_pool.as_deref()) {
                Some(p) => {
                    pools.contains(&p)
                        || (!layout.pools.iter().any(|k| k.name == p)
                            && pools.contains(&default_pool.as_deref().unwrap_or("")))
                }
                None => false,
            };
            if in_set {
                count(self.zone_path(&zone));
            }
        }
        let now = monotonic_ns();
        Ok(PsetUsage {
            busy,
            total: now.saturating_mul(ncpus),
            load: running as f64,
        })
    }
}

/// Nanoseconds of a clock that only moves forward (for busy/total ratios between samples).
fn monotonic_ns() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    // Anchored at the first sample of this process; poolstat only ever takes differences.
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

fn proc_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .and_then(|i| s[i + 1..].split_whitespace().next().map(|st| st == "R"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::kernel::{KernelPool, KernelPset};

    #[test]
    fn zones_follow_their_pool_or_the_default() {
        let layout = KernelLayout {
            psets: vec![
                KernelPset {
                    name: "pset_default".into(),
                    cpus: vec![0],
                    is_default: true,
                },
                KernelPset {
                    name: "big".into(),
                    cpus: vec![1, 2],
                    is_default: false,
                },
            ],
            pools: vec![
                KernelPool {
                    name: "pool_default".into(),
                    pset: "pset_default".into(),
                    is_default: true,
                },
                KernelPool {
                    name: "web".into(),
                    pset: "big".into(),
                    is_default: false,
                },
            ],
        };
        assert_eq!(pool_cpus(&layout, Some("web")), vec![1, 2]);
        assert_eq!(pool_cpus(&layout, None), vec![0]);
        assert_eq!(pool_cpus(&layout, Some("gone")), vec![0]);
    }
}
