//! The dynamic configuration on disk: `var/run/pools/state.xml` under the alternate root,
//! present exactly while the facility is enabled. Writers hold an exclusive `flock` on
//! `var/run/pools/state.lock` for their whole read-modify-write and replace the file
//! atomically (temporary file, fsync, rename), so readers never see half a state.

use super::error::PoolError;
use super::model::PoolConfig;
use super::xml::{self, Scope};
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io::Write;
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
    _lock: Flock<File>,
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
        // Readers open the lock read-only so unprivileged users can still look.
        let file = match OpenOptions::new()
            .read(true)
            .write(exclusive)
            .create(exclusive)
            .truncate(false)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create && exclusive => {
                return Err(PoolError::NotActive)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !exclusive => {
                return Err(PoolError::NotActive)
            }
            Err(e) => return Err(PoolError::io(&path, e)),
        };
        let arg = if exclusive {
            FlockArg::LockExclusive
        } else {
            FlockArg::LockShared
        };
        let lock = Flock::lock(file, arg).map_err(|(_, errno)| PoolError::Lock {
            path: path.clone(),
            source: std::io::Error::from_raw_os_error(errno as i32),
        })?;
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

/// Write a file through a temporary file in the same directory, fsync and rename, so a
/// crash leaves either the old or the new contents.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), PoolError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pools".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| PoolError::io(&tmp, e))?;
        f.write_all(data).map_err(|e| PoolError::io(&tmp, e))?;
        f.sync_all().map_err(|e| PoolError::io(&tmp, e))?;
        // Keep the permissions of the file being replaced.
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        std::fs::rename(&tmp, path).map_err(|e| PoolError::io(path, e))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
