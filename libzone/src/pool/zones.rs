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

pub use super::bindings::{lock_bindings, BindingLock};
use super::cpuset_kernel::pool_cpus;
use super::error::PoolError;
use super::facility::{layout, Facility};
use super::kernel::PoolKernel;
use super::model::TEMPORARY_PREFIX;
use crate::plan::{Placement, PoolBinding};
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

impl ZoneBinding {
    /// What `plan::compile_bound` takes: the pool and its CPUs.
    pub fn placement(&self) -> Placement {
        Placement {
            pool: self.pool.clone(),
            cpus: self.cpus.clone(),
        }
    }
}

/// Bind `zone` as its configuration asks, through `kernel` (the real one is
/// `pool::CpusetKernel`). The returned lock must be held until the zone's cgroup has the
/// binding's CPUs and its runtime record names the pool: then a commit that comes later
/// finds the zone and moves it.
pub fn bind_zone<K: PoolKernel>(
    altroot: &Path,
    kernel: K,
    zone: &str,
    want: &PoolBinding,
) -> Result<(ZoneBinding, BindingLock), BindError> {
    // A temporary pool is a commit of its own: it moves other zones' CPUs.
    let dedicated = matches!(want, PoolBinding::Dedicated { .. });
    let lock = lock_bindings(altroot, dedicated).map_err(BindError::Bind)?;
    let mut facility = Facility::new(altroot, kernel).with_bindings_locked();
    let binding = bind_locked(&mut facility, zone, want)?;
    Ok((binding, lock))
}

/// What `bind_zone` would give `zone` now, changing nothing (no facility enabled, no
/// temporary pool made): the binding a plan shows before the zone boots.
pub fn preview_zone<K: PoolKernel>(
    altroot: &Path,
    kernel: K,
    zone: &str,
    want: &PoolBinding,
) -> Result<ZoneBinding, BindError> {
    let facility = Facility::new(altroot, kernel);
    if let PoolBinding::Dedicated {
        min,
        max,
        importance,
    } = want
    {
        let cpus = facility
            .preview_temporary(zone, *min as u64, *max as u64, importance.map(i64::from))
            .map_err(BindError::Temporary)?;
        return Ok(ZoneBinding {
            pool: Some(format!("{TEMPORARY_PREFIX}{zone}")),
            cpus: Some(cpus),
            warning: None,
        });
    }
    if !facility.is_enabled().map_err(BindError::Bind)? {
        return Ok(inactive(want));
    }
    shared_binding(&facility, want)
}

/// The binding of a zone while the pools facility is inactive: none (a named pool is
/// warned about).
fn inactive(want: &PoolBinding) -> ZoneBinding {
    ZoneBinding {
        warning: matches!(want, PoolBinding::Named(_)).then(|| {
            "WARNING: Pools facility not active; zone will not be bound to pool".to_string()
        }),
        ..Default::default()
    }
}

/// The binding to a named or the default pool, the facility being active.
fn shared_binding<K: PoolKernel>(
    facility: &Facility<K>,
    want: &PoolBinding,
) -> Result<ZoneBinding, BindError> {
    let cfg = facility.load_dynamic().map_err(BindError::Bind)?;
    let lay = layout(&cfg);
    Ok(match want {
        PoolBinding::Named(name) if lay.pools.iter().any(|p| &p.name == name) => ZoneBinding {
            pool: Some(name.clone()),
            cpus: Some(pool_cpus(&lay, Some(name))),
            warning: None,
        },
        PoolBinding::Named(_) => ZoneBinding {
            pool: None,
            cpus: Some(pool_cpus(&lay, None)),
            warning: Some("WARNING: Pool not found; using default pool".to_string()),
        },
        PoolBinding::Default | PoolBinding::Dedicated { .. } => ZoneBinding {
            pool: None,
            cpus: Some(pool_cpus(&lay, None)),
            warning: None,
        },
    })
}

fn bind_locked<K: PoolKernel>(
    facility: &mut Facility<K>,
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
        _ if !enabled => Ok(inactive(want)),
        _ => shared_binding(facility, want),
    }
}

/// The CPUs the pool `pool` runs on now (`PoolError::NotActive` with pools disabled,
/// `Invalid search` when there is no such pool).
pub fn pool_cpus_now<K: PoolKernel>(
    altroot: &Path,
    kernel: K,
    pool: &str,
) -> Result<Vec<u32>, PoolError> {
    let facility = Facility::new(altroot, kernel);
    let cfg = facility.load_dynamic()?;
    let lay = layout(&cfg);
    if !lay.pools.iter().any(|p| p.name == pool) {
        return Err(super::error::PoolErrorCode::InvalidSearch.into());
    }
    Ok(pool_cpus(&lay, Some(pool)))
}

/// Undo what `bind_zone` made for `zone` (its temporary pool). The caller holds no bindings
/// lock.
pub fn unbind_zone<K: PoolKernel>(
    altroot: &Path,
    kernel: K,
    zone: &str,
    want: &PoolBinding,
) -> Result<(), PoolError> {
    if !matches!(want, PoolBinding::Dedicated { .. }) {
        return Ok(());
    }
    release_temporary(altroot, kernel, zone)
}

/// Remove `zone`'s temporary pool if it has one (its supervisor is gone and nobody knows what
/// it was bound to). The caller holds no bindings lock.
pub fn release_temporary<K: PoolKernel>(
    altroot: &Path,
    kernel: K,
    zone: &str,
) -> Result<(), PoolError> {
    let mut facility = Facility::new(altroot, kernel);
    facility.destroy_temporary(zone)
}

/// Whether `pool` is the temporary pool of `zone`.
pub fn is_temporary_of(pool: &str, zone: &str) -> bool {
    pool.strip_prefix(TEMPORARY_PREFIX) == Some(zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::fake_kernel::FakeKernel;
    use crate::pool::model::PoolConfig;

    fn dedicated(min: u32, max: u32) -> PoolBinding {
        PoolBinding::Dedicated {
            min,
            max,
            importance: None,
        }
    }

    fn facility(root: &Path) -> Facility<FakeKernel> {
        Facility::new(root, FakeKernel::new(4))
    }

    #[test]
    fn pools_inactive_bind_nothing_and_warn_for_a_named_pool() {
        let d = tempfile::tempdir().unwrap();
        let (b, _turn) =
            bind_zone(d.path(), FakeKernel::new(4), "z", &PoolBinding::Default).unwrap();
        assert_eq!(b, ZoneBinding::default());
        assert_eq!(b.placement(), Placement::default());
        let want = PoolBinding::Named("web".into());
        let (b, _turn) = bind_zone(d.path(), FakeKernel::new(4), "z", &want).unwrap();
        assert_eq!((b.pool, b.cpus), (None, None));
        assert!(b.warning.unwrap().contains("Pools facility not active"));
        assert_eq!(
            preview_zone(d.path(), FakeKernel::new(4), "z", &want)
                .unwrap()
                .warning
                .as_deref(),
            Some("WARNING: Pools facility not active; zone will not be bound to pool")
        );
        assert!(!facility(d.path()).is_enabled().unwrap());
    }

    #[test]
    fn named_and_default_pools_give_their_sets_cpus() {
        let d = tempfile::tempdir().unwrap();
        let mut f = facility(d.path());
        f.enable().unwrap();
        let mut cfg = PoolConfig::with_defaults("testhost", &[0, 1, 2, 3]);
        let ps = cfg.create_pset("web_set").unwrap();
        cfg.psets[ps]
            .props
            .set("pset.min", crate::pool::PropValue::Uint(1));
        cfg.psets[ps]
            .props
            .set("pset.max", crate::pool::PropValue::Uint(1));
        let pool = cfg.create_pool("web").unwrap();
        cfg.associate(pool, ps).unwrap();
        f.commit_static(&cfg).unwrap();
        let web = f.kernel().cpus_of("web_set");
        let default = f.kernel().cpus_of("pset_default");
        assert_eq!((web.len(), default.len()), (1, 3));

        let named = PoolBinding::Named("web".into());
        let (b, turn) = bind_zone(d.path(), FakeKernel::new(4), "z", &named).unwrap();
        drop(turn);
        assert_eq!(
            b.placement(),
            Placement {
                pool: Some("web".into()),
                cpus: Some(web.clone())
            }
        );
        assert_eq!(
            preview_zone(d.path(), FakeKernel::new(4), "z", &named).unwrap(),
            b
        );
        assert_eq!(
            pool_cpus_now(d.path(), FakeKernel::new(4), "web").unwrap(),
            web
        );
        assert!(pool_cpus_now(d.path(), FakeKernel::new(4), "nope").is_err());

        let (b, turn) =
            bind_zone(d.path(), FakeKernel::new(4), "z", &PoolBinding::Default).unwrap();
        drop(turn);
        assert_eq!(
            b.placement(),
            Placement {
                pool: None,
                cpus: Some(default.clone())
            }
        );
        let missing = PoolBinding::Named("nope".into());
        let (b, turn) = bind_zone(d.path(), FakeKernel::new(4), "z", &missing).unwrap();
        drop(turn);
        assert_eq!(b.cpus, Some(default));
        assert_eq!(
            b.warning.as_deref(),
            Some("WARNING: Pool not found; using default pool")
        );
    }

    /// A dedicated-cpu zone: the preview (what `zoneadm plan` shows) changes nothing and
    /// names the CPUs the boot then gets; unbinding gives them back.
    #[test]
    fn a_temporary_pool_is_previewed_then_made_then_released() {
        let d = tempfile::tempdir().unwrap();
        let want = dedicated(2, 2);
        let seen = preview_zone(d.path(), FakeKernel::new(4), "z", &want).unwrap();
        assert!(
            !facility(d.path()).is_enabled().unwrap(),
            "a preview enables nothing"
        );
        assert_eq!(seen.pool.as_deref(), Some("SUNWtmp_z"));
        assert_eq!(seen.cpus.as_ref().map(Vec::len), Some(2));

        let (b, turn) = bind_zone(d.path(), FakeKernel::new(4), "z", &want).unwrap();
        drop(turn);
        assert_eq!(b, seen);
        let f = facility(d.path());
        assert!(f.is_enabled().unwrap());
        let dynamic = f.load_dynamic().unwrap();
        assert!(dynamic.find_pool("SUNWtmp_z").is_some());
        // Previewed again while it exists: the same CPUs, and the same binding again.
        assert_eq!(
            preview_zone(d.path(), FakeKernel::new(4), "z", &want).unwrap(),
            b
        );
        let (again, turn) = bind_zone(d.path(), FakeKernel::new(4), "z", &want).unwrap();
        drop(turn);
        assert_eq!(again, b);

        // Only a dedicated binding has something to undo.
        unbind_zone(d.path(), FakeKernel::new(4), "z", &PoolBinding::Default).unwrap();
        assert!(facility(d.path())
            .load_dynamic()
            .unwrap()
            .find_pool("SUNWtmp_z")
            .is_some());
        unbind_zone(d.path(), FakeKernel::new(4), "z", &want).unwrap();
        let dynamic = facility(d.path()).load_dynamic().unwrap();
        assert!(dynamic.find_pool("SUNWtmp_z").is_none());
        assert!(dynamic.find_pset("SUNWtmp_z").is_none());
        release_temporary(d.path(), FakeKernel::new(4), "z").unwrap();
    }

    #[test]
    fn a_temporary_pool_that_cannot_be_made_fails_the_binding() {
        let d = tempfile::tempdir().unwrap();
        facility(d.path()).enable().unwrap();
        assert!(matches!(
            preview_zone(d.path(), FakeKernel::new(4), "z", &dedicated(5, 5)),
            Err(BindError::Temporary(_))
        ));
        assert!(matches!(
            bind_zone(d.path(), FakeKernel::new(4), "z", &dedicated(5, 5)),
            Err(BindError::Temporary(_))
        ));
        let mut failing = FakeKernel::new(4);
        failing.fail_apply = true;
        assert!(matches!(
            bind_zone(d.path(), failing, "z", &dedicated(1, 1)),
            Err(BindError::Temporary(_))
        ));
        assert!(facility(d.path())
            .load_dynamic()
            .unwrap()
            .find_pool("SUNWtmp_z")
            .is_none());
    }
}
