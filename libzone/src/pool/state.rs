//! The dynamic configuration on disk: `var/run/pools/state.xml` under the alternate root,
//! present exactly while the facility is enabled. Writers hold an exclusive `flock` on
//! `var/run/pools/state.lock` for their whole read-modify-write and replace the file
//! atomically (temporary file, fsync, rename), so readers never see half a state.

use super::error::PoolError;
use super::model::PoolConfig;
use super::xml::{self, Scope};
use crate::fsio::lock::{lock_existing_read_only, lock_file_blocking, FileLock, Kind};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Directory of the state file, relative to the alternate root.
pub const STATE_DIR: &str = "var/run/pools";
/// Default static configuration, relative to the alternate root.
pub const STATIC_CONF: &str = "etc/pooladm.conf";
/// How libpool names the dynamic configuration in messages.
pub const DYNAMIC_LOCATION: &str = "/dev/poolctl";

/// The state files of one alternate root.
#[derive(Debug, Clone)]
pub struct StateFiles {
    dir: PathBuf,
}

/// A held lock on the state; released when dropped.
pub struct StateLock {
    _lock: FileLock,
}

impl StateFiles {
    pub fn new(root: &Path) -> StateFiles {
        StateFiles {
            dir: root.join(STATE_DIR),
        }
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.xml")
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("state.lock")
    }

    /// Take the lock: exclusive for changes, shared for reads. `create` makes the
    /// directory (when enabling); otherwise a missing directory means the facility is off.
    pub fn lock(&self, exclusive: bool, create: bool) -> Result<StateLock, PoolError> {
        if create {
            std::fs::create_dir_all(&self.dir).map_err(|e| PoolError::io(&self.dir, e))?;
        }
        let path = self.lock_path();
        // Readers open the lock read-only so unprivileged users can still look. A missing
        // directory (or, for readers, lock file) means the facility is off.
        let locked = if exclusive {
            lock_file_blocking(&path, Kind::Exclusive)
        } else {
            lock_existing_read_only(&path, Kind::Shared)
        };
        let lock = match locked {
            Ok(l) => l,
            Err(e) if e.kind() == ErrorKind::NotFound && !create => {
                return Err(PoolError::NotActive)
            }
            Err(source) => return Err(PoolError::Lock { path, source }),
        };
        Ok(StateLock { _lock: lock })
    }

    /// The dynamic configuration, `None` when the facility is disabled. The caller holds
    /// the lock.
    pub fn read(&self, _lock: &StateLock) -> Result<Option<PoolConfig>, PoolError> {
        let path = self.state_path();
        match std::fs::metadata(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(PoolError::io(&path, e)),
        }
        let mut cfg = xml::read_file(&path)?;
        cfg.dynamic = true;
        Ok(Some(cfg))
    }

    /// Replace the state atomically. The caller holds the exclusive lock.
    pub fn write(&self, _lock: &StateLock, cfg: &PoolConfig) -> Result<(), PoolError> {
        write_atomic(
            &self.state_path(),
            xml::to_xml(cfg, Scope::State).as_bytes(),
        )
    }

    /// Remove the state (the facility is now disabled). The caller holds the exclusive lock.
    pub fn remove(&self, _lock: &StateLock) -> Result<(), PoolError> {
        let path = self.state_path();
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(PoolError::io(&path, e)),
        }
    }
}

/// Replace a file atomically (temporary file, fsync, rename, directory fsync), keeping the
/// replaced file's permissions, so a crash leaves either the old or the new contents.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), PoolError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pools".into());
    crate::fsio::atomic::write_atomic_as(path, data, &format!(".{name}.tmp-"))
        .map_err(|e| PoolError::io(e.path, e.source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_lifecycle() {
        let root = tempfile::tempdir().unwrap();
        let files = StateFiles::new(root.path());
        assert!(matches!(
            files.lock(false, false),
            Err(PoolError::NotActive)
        ));
        let lock = files.lock(true, true).unwrap();
        assert!(files.read(&lock).unwrap().is_none());
        let cfg = PoolConfig::with_defaults("default", &[0, 1]);
        files.write(&lock, &cfg).unwrap();
        let back = files.read(&lock).unwrap().unwrap();
        assert!(back.dynamic);
        assert_eq!(back.psets[0].cpu_ids(), [0, 1]);
        files.remove(&lock).unwrap();
        assert!(files.read(&lock).unwrap().is_none());
        files.remove(&lock).unwrap();
        let leftovers: Vec<_> = std::fs::read_dir(root.path().join(STATE_DIR))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("state.lock")]);
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let bad = dir.path().join("missing/f");
        assert!(write_atomic(&bad, b"x").is_err());
    }
}
