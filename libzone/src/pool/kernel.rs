//! The kernel side of resource pools, behind a trait: on Solaris this is `/dev/pool`; here
//! it will be cpuset cgroups (one per processor set, processes moved between them). The
//! facility logic only ever talks to `PoolKernel`, so it is tested against an in-memory
//! fake, and the real back end can be written once the cgroup layer exists.

use super::error::PoolError;
use crate::host::{parse_cpu_list, ONLINE_CPUS};
use std::path::Path;

/// A processor set as the kernel must have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelPset {
    pub name: String,
    pub cpus: Vec<u32>,
    pub is_default: bool,
}

/// A pool as the kernel must have it: processes bound to it run on its set's CPUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelPool {
    pub name: String,
    pub pset: String,
    pub is_default: bool,
}

/// The complete state the kernel must be brought to. Sets and pools that exist in the
/// kernel but not here are removed, their processes going to the default pool first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KernelLayout {
    pub psets: Vec<KernelPset>,
    pub pools: Vec<KernelPool>,
}

/// Counters of one processor set, for `poolstat`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PsetUsage {
    /// CPU time spent busy by the set's CPUs (any unit, e.g. clock ticks).
    pub busy: u64,
    /// All CPU time of the set's CPUs, busy or idle, in the same unit.
    pub total: u64,
    /// Run-queue load of the set (like a load average).
    pub load: f64,
}

pub trait PoolKernel {
    /// The online CPUs (`/sys/devices/system/cpu/online`).
    fn online_cpus(&self) -> Result<Vec<u32>, PoolError>;
    /// The host's node name (`uname -n`), for `discover`.
    fn nodename(&self) -> Result<String, PoolError>;
    /// Create, resize and remove processor sets and pools to match `layout`.
    fn apply(&mut self, layout: &KernelLayout) -> Result<(), PoolError>;
    /// Remove every processor set and pool; all processes go back to the whole machine.
    fn teardown(&mut self) -> Result<(), PoolError>;
    /// Bind a process to a pool.
    fn bind_pid(&mut self, pid: i32, pool: &str) -> Result<(), PoolError>;
    /// The pool a process is bound to; `None` when it was never bound (the default pool).
    fn pool_of_pid(&self, pid: i32) -> Result<Option<String>, PoolError>;
    /// Usage counters of a processor set.
    fn pset_usage(&self, pset: &str) -> Result<PsetUsage, PoolError>;
}

/// The kernel back end until the cpuset implementation exists: it reads the online CPUs
/// and the node name (so `poolcfg -c discover` and `pooladm -n -c` work), and every other
/// operation fails with `PoolError::Unsupported`. It never changes anything.
#[derive(Debug, Clone, Default)]
pub struct StubKernel;

impl PoolKernel for StubKernel {
    fn online_cpus(&self) -> Result<Vec<u32>, PoolError> {
        read_online_cpus(Path::new(ONLINE_CPUS))
    }

    fn nodename(&self) -> Result<String, PoolError> {
        host_nodename()
    }

    fn apply(&mut self, _layout: &KernelLayout) -> Result<(), PoolError> {
        Err(PoolError::Unsupported)
    }

    fn teardown(&mut self) -> Result<(), PoolError> {
        Err(PoolError::Unsupported)
    }

    fn bind_pid(&mut self, _pid: i32, _pool: &str) -> Result<(), PoolError> {
        Err(PoolError::Unsupported)
    }

    fn pool_of_pid(&self, _pid: i32) -> Result<Option<String>, PoolError> {
        Err(PoolError::Unsupported)
    }

    fn pset_usage(&self, _pset: &str) -> Result<PsetUsage, PoolError> {
        Err(PoolError::Unsupported)
    }
}

/// Read a CPU list file such as `/sys/devices/system/cpu/online`.
pub fn read_online_cpus(path: &Path) -> Result<Vec<u32>, PoolError> {
    let text = std::fs::read_to_string(path).map_err(|e| PoolError::io(path, e))?;
    parse_cpu_list(&text)
        .map_err(|msg| PoolError::System(format!("{}: bad CPU list: {msg}", path.display())))
}

/// The node name, as `uname -n` prints it.
pub fn host_nodename() -> Result<String, PoolError> {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .map_err(|e| PoolError::System(e.desc().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stub_reads_but_never_changes() {
        let mut k = StubKernel;
        assert!(matches!(
            k.apply(&KernelLayout::default()),
            Err(PoolError::Unsupported)
        ));
        assert!(matches!(k.teardown(), Err(PoolError::Unsupported)));
        assert!(matches!(k.bind_pid(1, "p"), Err(PoolError::Unsupported)));
        assert!(matches!(k.pool_of_pid(1), Err(PoolError::Unsupported)));
        assert!(matches!(k.pset_usage("p"), Err(PoolError::Unsupported)));
        if Path::new(ONLINE_CPUS).exists() {
            assert!(!k.online_cpus().unwrap().is_empty());
        }
        assert!(!k.nodename().unwrap().is_empty());
    }
}
