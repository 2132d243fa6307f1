//! Advisory locks on files in `var/run/zones`. `flock(2)` locks belong to the open file
//! description, so they exclude other processes and also other threads of this process that
//! opened the file themselves, which is what concurrent commits in one test binary need.
//! Closing the descriptor releases the lock, even when the holder dies.

use super::{Store, StoreError};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// An exclusive lock on a file, released when dropped.
#[derive(Debug)]
struct FileLock {
    path: PathBuf,
    // Held only for its descriptor: closing it drops the lock.
    _file: File,
}

enum Wait {
    Block,
    NonBlock,
}

/// `Ok(None)` when `Wait::NonBlock` and someone else holds the lock.
fn lock_file(path: &Path, wait: Wait) -> Result<Option<FileLock>, std::io::Error> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)?;
    let op = match wait {
        Wait::Block => libc::LOCK_EX,
        Wait::NonBlock => libc::LOCK_EX | libc::LOCK_NB,
    };
    loop {
        // SAFETY: flock only reads the descriptor number, which `file` keeps open.
        let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
        if rc == 0 {
            return Ok(Some(FileLock {
                path: path.to_path_buf(),
                _file: file,
            }));
        }
        let err = std::io::Error::last_os_error();
        match err.kind() {
            ErrorKind::Interrupted => continue,
            ErrorKind::WouldBlock => return Ok(None),
            _ => return Err(err),
        }
    }
}

/// The index lock (`var/run/zones/index.lock`), held while the index or a zone file changes.
/// Crate-private: a caller holding it that then called a writing `Store` method would wait on
/// itself forever (the lock is per open file, not per process); `Store::update_index` is the
/// public way to change the index under it.
#[derive(Debug)]
pub(crate) struct IndexLock {
    _lock: FileLock,
}

/// The per-zone zoneadm operation lock (`var/run/zones/<zone>.zoneadm.lock`). Released on
/// drop.
#[derive(Debug)]
pub struct ZoneLock {
    zone: String,
    lock: FileLock,
}

impl std::os::fd::AsFd for ZoneLock {
    /// The locked file: a process that inherits it holds the lock too (zoneadm hands it to
    /// the zoneadmd it starts, so a killed zoneadm cannot let a half-made zone be halted).
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.lock._file.as_fd()
    }
}

impl ZoneLock {
    pub fn zone(&self) -> &str {
        &self.zone
    }

    pub fn path(&self) -> &Path {
        &self.lock.path
    }
}

impl Store {
    /// Take the index lock, waiting for other writers.
    pub(crate) fn lock_index(&self) -> Result<IndexLock, StoreError> {
        self.ensure_run_dir()?;
        let path = self.index_lock_path();
        match lock_file(&path, Wait::Block) {
            Ok(Some(lock)) => Ok(IndexLock { _lock: lock }),
            Ok(None) => Err(StoreError::Lock {
                path,
                source: std::io::Error::from(ErrorKind::WouldBlock),
            }),
            Err(source) => Err(StoreError::Lock { path, source }),
        }
    }

    /// Take `zone`'s zoneadm lock, waiting while another command holds it.
    pub fn lock_zone(&self, zone: &str) -> Result<ZoneLock, StoreError> {
        self.zone_lock(zone, Wait::Block)
    }

    /// Take `zone`'s zoneadm lock or fail at once with `StoreError::ZoneBusy` (zoneadm's
    /// `another zoneadm may have an operation in progress.`).
    pub fn try_lock_zone(&self, zone: &str) -> Result<ZoneLock, StoreError> {
        self.zone_lock(zone, Wait::NonBlock)
    }

    fn zone_lock(&self, zone: &str, wait: Wait) -> Result<ZoneLock, StoreError> {
        super::paths::check_name(zone)?;
        self.ensure_run_dir()?;
        let path = self.zone_lock_path(zone);
        match lock_file(&path, wait) {
            Ok(Some(lock)) => Ok(ZoneLock {
                zone: zone.to_string(),
                lock,
            }),
            Ok(None) => Err(StoreError::ZoneBusy {
                zone: zone.to_string(),
            }),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn zone_lock_excludes_and_releases() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let held = store.lock_zone("z1").unwrap();
        assert_eq!(held.zone(), "z1");
        assert!(held.path().ends_with("var/run/zones/z1.zoneadm.lock"));
        let err = store.try_lock_zone("z1").unwrap_err();
        assert!(matches!(err, StoreError::ZoneBusy { .. }));
        assert_eq!(
            err.to_string(),
            "another zoneadm may have an operation in progress."
        );
        // Another zone's lock is independent.
        let _other = store.try_lock_zone("z2").unwrap();
        drop(held);
        let _again = store.try_lock_zone("z1").unwrap();
    }

    #[test]
    fn blocking_lock_waits_for_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let held = store.lock_index().unwrap();
        let (tx, rx) = mpsc::channel();
        let s2 = store.clone();
        let t = std::thread::spawn(move || {
            let _l = s2.lock_index().unwrap();
            tx.send(()).unwrap();
        });
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        drop(held);
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        t.join().unwrap();
    }

    #[test]
    fn bogus_zone_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        assert!(matches!(
            store.lock_zone("../x"),
            Err(StoreError::BogusName { .. })
        ));
    }
}
