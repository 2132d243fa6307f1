//! The store's advisory locks on files in `var/run/zones` (the `flock(2)` primitives are
//! `fsio::lock`'s).
//!
//! The index lock's file also carries the note of a write in progress (which zones' files
//! are changing): empty while nobody writes, so a note found by the next holder means its
//! writer died half-way, and the next holder repairs what it left (`recover.rs`).

use super::{Store, StoreError};
use crate::fsio::lock::{lock_file as lock_kind, FileLock, Kind, Wait};
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::Path;

fn lock_file(path: &Path, wait: Wait) -> Result<Option<FileLock>, std::io::Error> {
    lock_kind(path, Kind::Exclusive, wait)
}

/// The index lock (`var/run/zones/index.lock`), held while the index or a zone file changes.
/// Crate-private: a caller holding it that then called a writing `Store` method would wait on
/// itself forever (the lock is per open file, not per process); `Store::update_index` is the
/// public way to change the index under it.
#[derive(Debug)]
pub(crate) struct IndexLock {
    lock: FileLock,
}

/// First line of a write-in-progress note; the zones' names follow, one a line.
const NOTE_HEADER: &str = "writing\n";

impl IndexLock {
    /// The zones a writer that died holding the lock was changing (possibly none: it was
    /// writing the index only); `None` when the last holder finished.
    pub(crate) fn interrupted(&self) -> Result<Option<Vec<String>>, StoreError> {
        let file = &self.lock.file();
        let len = file.metadata().map_err(|source| self.io(source))?.len();
        if len == 0 {
            return Ok(None);
        }
        // A note is a few names; a huge file is not ours to read whole.
        let mut buf = vec![0u8; len.min(1 << 20) as usize];
        file.read_exact_at(&mut buf, 0)
            .map_err(|source| self.io(source))?;
        let text = String::from_utf8_lossy(&buf);
        let zones = text
            .strip_prefix(NOTE_HEADER)
            .unwrap_or("")
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        Ok(Some(zones))
    }

    /// Note that files of `zones` (and the index) are about to change. Not synced: a note
    /// lost in a power cut leaves at worst a stray temp file or a file the index lacks, which
    /// readers already ignore.
    pub(crate) fn note(&self, zones: &[&str]) -> Result<(), StoreError> {
        let mut text = NOTE_HEADER.to_string();
        for z in zones {
            text.push_str(z);
            text.push('\n');
        }
        self.lock
            .file()
            .set_len(0)
            .and_then(|()| self.lock.file().write_all_at(text.as_bytes(), 0))
            .map_err(|source| self.io(source))
    }

    /// The write is complete (or repaired).
    pub(crate) fn clear(&self) -> Result<(), StoreError> {
        self.lock
            .file()
            .set_len(0)
            .map_err(|source| self.io(source))
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Lock {
            path: self.lock.path().to_path_buf(),
            source,
        }
    }
}

/// The per-zone configuration lock (`var/run/zones/<zone>.zonecfg.lock`): a zonecfg that
/// runs a command file or one-shot commands holds it from loading the zone to committing it,
/// so concurrent edits of one zone apply one after the other. Released on drop.
#[derive(Debug)]
pub struct ConfigLock {
    zone: String,
    _lock: FileLock,
}

impl ConfigLock {
    pub fn zone(&self) -> &str {
        &self.zone
    }
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
        self.lock.file().as_fd()
    }
}

impl ZoneLock {
    pub fn zone(&self) -> &str {
        &self.zone
    }

    pub fn path(&self) -> &Path {
        self.lock.path()
    }
}

impl Store {
    /// Take the index lock, waiting for other writers; repairs what a writer that died
    /// holding it left half-done.
    pub(crate) fn lock_index(&self) -> Result<IndexLock, StoreError> {
        self.ensure_run_dir()?;
        let path = self.index_lock_path();
        let lock = match lock_file(&path, Wait::Block) {
            Ok(Some(lock)) => IndexLock { lock },
            Ok(None) => {
                return Err(StoreError::Lock {
                    path,
                    source: std::io::Error::from(ErrorKind::WouldBlock),
                })
            }
            Err(source) => return Err(StoreError::Lock { path, source }),
        };
        if let Some(zones) = lock.interrupted()? {
            self.recover_locked(&lock, &zones)?;
        }
        Ok(lock)
    }

    /// For readers: when the lock file holds a note, a writer is at work or died. If the
    /// lock can be had at once, the writer died: repair. Best effort and silent (a reader
    /// may lack the rights); a reader never waits for a writer.
    pub(crate) fn recover_if_interrupted(&self) {
        let path = self.index_lock_path();
        match std::fs::metadata(&path) {
            Ok(m) if m.len() > 0 => {}
            _ => return,
        }
        let Ok(Some(lock)) = lock_file(&path, Wait::NonBlock) else {
            return;
        };
        let lock = IndexLock { lock };
        if let Ok(Some(zones)) = lock.interrupted() {
            let _ = self.recover_locked(&lock, &zones);
        }
    }

    /// Take `zone`'s configuration lock, waiting while another zonecfg holds it.
    pub fn lock_zone_config(&self, zone: &str) -> Result<ConfigLock, StoreError> {
        super::paths::check_name(zone)?;
        self.ensure_run_dir()?;
        let path = self.run_dir().join(format!("{zone}.zonecfg.lock"));
        match lock_file(&path, Wait::Block) {
            Ok(Some(lock)) => Ok(ConfigLock {
                zone: zone.to_string(),
                _lock: lock,
            }),
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
