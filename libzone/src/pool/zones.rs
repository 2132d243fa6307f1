//! Zones and pools (spec §5.8): at ready a zone is bound to its persistent pool
//! (`set pool=`), to a temporary pool `SUNWtmp_<zone>` (`add dedicated-cpu`), or to the
//! default pool; at halt a temporary pool goes away and its CPUs return to the default set.
//!
//! A boot reads the pool configuration and later writes the CPUs it found into the zone's new
//! cgroup; a commit (`pooladm -c`, `poolcfg -d`, a temporary pool made or removed) changes the
//! configuration and rewrites the CPUs of every zone it finds. Were the two to interleave, a
//! zone made in between would keep an older configuration's CPUs, or a commit would find a
//! zone's cgroup half made. So they take turns on one lock (`var/run/zones/pools.lock`):
//! boots share it from reading the configuration until the zone's cgroup has its CPUs and
//! its record names its pool; commits hold it alone (see `Facility`). It is always taken
//! before the pools state lock.

use super::cpuset_kernel::{pool_cpus, CpusetKernel};
use super::error::PoolError;
use super::facility::{layout, Facility};
use super::model::TEMPORARY_PREFIX;
use crate::fsio::lock::{lock_file_blocking, FileLock, Kind};
use crate::plan::PoolBinding;
use crate::store::record::RunDir;
use std::path::Path;

/// A held turn on the bindings lock (see the module comment); released when dropped.
pub struct BindingLock {
    _lock: FileLock,
}

/// Take the bindings lock of `altroot`: shared for a boot (boots run side by side), exclusive
/// for a commit.
pub fn lock_bindings(altroot: &Path, exclusive: bool) -> Result<BindingLock, PoolError> {
    let run = RunDir::new(altroot);
    std::fs::create_dir_all(run.dir()).map_err(|e| PoolError::io(run.dir(), e))?;
    let path = run.pools_lock();
    let kind = if exclusive {
        Kind::Exclusive
    } else {
        Kind::Shared
    };
    let lock = lock_file_blocking(&path, kind).map_err(|source| PoolError::Lock {
        path: path.clone(),
        source,
    })?;
    Ok(BindingLock { _lock: lock })
}

/// Where a zone ended up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneBinding {
    /// The pool, when the pools facility is active.
    pub pool: Option<String>,
    /// The CPUs the zone may run on; `None` = all (facility inactive).
    pub cpus: Option<Vec<u32>>,
    /// A warning for the administrator (the zone still boots).
    pub warning: Option<String>,
}

/// Why a zone cannot be bound (its boot fails); texts are libzonecfg's.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("Could not enable pools facility: {0}")]
    Enable(PoolError),
    #[error("Could not create a temporary pool: {0}")]
    Temporary(PoolError),
    #[error("Could not bind zone to pool: {0}")]
    Bind(PoolError),
}

/// Bind `zone` as its configuration asks. The returned lock must be held until the zone's
/// cgroup has the binding's CPUs and its runtime record names the pool: then a commit that
/// comes later finds the zone and moves it.
pub fn bind_zone(
    altroot: &Path,
    zone: &str,
    want: &PoolBinding,
) -> Result<(ZoneBinding, BindingLock), BindError> {
    // A temporary pool is a commit of its own: it moves other zones' CPUs.
    let dedicated = matches!(want, PoolBinding::Dedicated { .. });
    let lock = lock_bindings(altroot, dedicated).map_err(BindError::Bind)?;
    let kernel = CpusetKernel::new(altroot).map_err(BindError::Bind)?;
    let mut facility = Facility::new(altroot, kernel).with_bindings_locked();
    let binding = bind_locked(&mut facility, zone, want)?;
    Ok((binding, lock))
}

fn bind_locked(
    facility: &mut Facility<CpusetKernel>,
    zone: &str,
    want: &PoolBinding,
) -> Result<ZoneBinding, BindError> {
    let enabled = facility.is_enabled().map_err(BindError::Bind)?;
    match want {
        PoolBinding::Dedicated {
            min,
            max,
            importance,
        } => {
            if !enabled {
                facility.enable().map_err(BindError::Enable)?;
            }
            let cpus = facility
                .create_temporary(zone, *min as u64, *max as u64, importance.map(i64::from))
                .map_err(BindError::Temporary)?;
            Ok(ZoneBinding {
                pool: Some(format!("{TEMPORARY_PREFIX}{zone}")),
                cpus: Some(cpus),
                warning: None,
            })
        }
        _ if !enabled => Ok(ZoneBinding {
            warning: matches!(want, PoolBinding::Named(_)).then(|| {
                "WARNING: Pools facility not active; zone will not be bound to pool".to_string()
            }),
            ..Default::default()
        }),
        PoolBinding::Named(name) => {
            let cfg = facility.load_dynamic().map_err(BindError::Bind)?;
            let lay = layout(&cfg);
            if lay.pools.iter().any(|p| &p.name == name) {
                Ok(ZoneBinding {
                    pool: Some(name.clone()),
                    cpus: Some(pool_cpus(&lay, Some(name))),
                    warning: None,
                })
            } else {
                Ok(ZoneBinding {
                    pool: None,
                    cpus: Some(pool_cpus(&lay, None)),
                    warning: Some("WARNING: Pool not found; using default pool".to_string()),
                })
            }
        }
        PoolBinding::Default => {
            let cfg = facility.load_dynamic().map_err(BindError::Bind)?;
            Ok(ZoneBinding {
                pool: None,
                cpus: Some(pool_cpus(&layout(&cfg), None)),
                warning: None,
            })
        }
    }
}

/// The CPUs the pool `pool` runs on now (`PoolError::NotActive` with pools disabled,
/// `Invalid search` when there is no such pool).
pub fn pool_cpus_now(altroot: &Path, pool: &str) -> Result<Vec<u32>, PoolError> {
    let facility = Facility::new(altroot, CpusetKernel::new(altroot)?);
    let cfg = facility.load_dynamic()?;
    let lay = layout(&cfg);
    if !lay.pools.iter().any(|p| p.name == pool) {
        return Err(super::error::PoolErrorCode::InvalidSearch.into());
    }
    Ok(pool_cpus(&lay, Some(pool)))
}

/// Undo what `bind_zone` made for `zone` (its temporary pool). The caller holds no bindings
/// lock.
pub fn unbind_zone(altroot: &Path, zone: &str, want: &PoolBinding) -> Result<(), PoolError> {
    if !matches!(want, PoolBinding::Dedicated { .. }) {
        return Ok(());
    }
    release_temporary(altroot, zone)
}

/// Remove `zone`'s temporary pool if it has one (its supervisor is gone and nobody knows what
/// it was bound to). The caller holds no bindings lock.
pub fn release_temporary(altroot: &Path, zone: &str) -> Result<(), PoolError> {
    let mut facility = Facility::new(altroot, CpusetKernel::new(altroot)?);
    facility.destroy_temporary(zone)
}

/// Whether `pool` is the temporary pool of `zone`.
pub fn is_temporary_of(pool: &str, zone: &str) -> bool {
    pool.strip_prefix(TEMPORARY_PREFIX) == Some(zone)
}
