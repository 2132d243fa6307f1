//! Zones and pools (spec §5.8): at ready a zone is bound to its persistent pool
//! (`set pool=`), to a temporary pool `SUNWtmp_<zone>` (`add dedicated-cpu`), or to the
//! default pool; at halt a temporary pool goes away and its CPUs return to the default set.

use super::cpuset_kernel::{pool_cpus, CpusetKernel};
use super::error::PoolError;
use super::facility::{layout, Facility};
use super::model::TEMPORARY_PREFIX;
use crate::plan::PoolBinding;
use std::path::Path;

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

/// Bind `zone` as its configuration asks.
pub fn bind_zone(altroot: &Path, zone: &str, want: &PoolBinding) -> Result<ZoneBinding, BindError> {
    let kernel = CpusetKernel::new(altroot).map_err(BindError::Bind)?;
    let mut facility = Facility::new(altroot, kernel);
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

/// Undo what `bind_zone` made for `zone` (its temporary pool).
pub fn unbind_zone(altroot: &Path, zone: &str, want: &PoolBinding) -> Result<(), PoolError> {
    if !matches!(want, PoolBinding::Dedicated { .. }) {
        return Ok(());
    }
    let mut facility = Facility::new(altroot, CpusetKernel::new(altroot)?);
    facility.destroy_temporary(zone)
}
