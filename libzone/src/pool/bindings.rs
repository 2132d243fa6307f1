//! The bindings lock (`var/run/zones/pools.lock`) on which zone boots and pool commits take
//! turns (see `zones`): a module of its own, below both the facility (whose commits take it
//! alone) and the zone bindings (whose boots share it).

use super::error::PoolError;
use crate::fsio::lock::{lock_file_blocking, FileLock, Kind};
use crate::store::record::RunDir;
use std::path::Path;

/// A held turn on the bindings lock (see `zones`); released when dropped.
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
