//! Advisory `flock(2)` locks. A lock belongs to the open file description, so it excludes
//! other processes and also other threads of this process that opened the file themselves
//! (which is what concurrent commits in one test binary need); closing the descriptor
//! releases it, even when the holder dies.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A lock on a file, released when dropped.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
    // Held for its descriptor: closing it drops the lock.
    file: File,
}

impl FileLock {
    /// The locked file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The locked file itself (the index lock's file carries a note, see `store/lock.rs`).
    pub fn file(&self) -> &File {
        &self.file
    }
}

impl AsFd for FileLock {
    /// A process that inherits this descriptor holds the lock too.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// Whether to wait for the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Block,
    NonBlock,
}

/// Shared (readers, side-by-side boots) or exclusive (writers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Shared,
    Exclusive,
}

/// Lock `path`, creating it (mode 0644) when missing. `Ok(None)` when `Wait::NonBlock` and
/// someone else holds the lock.
pub fn lock_file(path: &Path, kind: Kind, wait: Wait) -> Result<Option<FileLock>, std::io::Error> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)?;
    flock(file, path, kind, wait)
}

/// [`lock_file`], waiting for the holder.
pub fn lock_file_blocking(path: &Path, kind: Kind) -> Result<FileLock, std::io::Error> {
    lock_file(path, kind, Wait::Block)?.ok_or_else(|| std::io::Error::from(ErrorKind::WouldBlock))
}

/// Lock an existing `path` opened read-only, so users who may only read it can still take
/// a shared lock. A missing file is `ErrorKind::NotFound`.
pub fn lock_existing_read_only(path: &Path, kind: Kind) -> Result<FileLock, std::io::Error> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)?;
    blocking(file, path, kind)
}

fn blocking(file: File, path: &Path, kind: Kind) -> Result<FileLock, std::io::Error> {
    flock(file, path, kind, Wait::Block)?.ok_or_else(|| std::io::Error::from(ErrorKind::WouldBlock))
}

/// `flock(2)` an open file (or directory).
pub fn flock(
    file: File,
    path: &Path,
    kind: Kind,
    wait: Wait,
) -> Result<Option<FileLock>, std::io::Error> {
    let mut op = match kind {
        Kind::Shared => libc::LOCK_SH,
        Kind::Exclusive => libc::LOCK_EX,
    };
    if wait == Wait::NonBlock {
        op |= libc::LOCK_NB;
    }
    loop {
        // SAFETY: flock only reads the descriptor number, which `file` keeps open.
        let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
        if rc == 0 {
            return Ok(Some(FileLock {
                path: path.to_path_buf(),
                file,
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

/// Lock a file that writers replace by renaming a new one over it (a pools configuration),
/// for a whole read-modify-write. The lock is on the file itself: once it is held, the path
/// is checked to still name the locked file, since a writer that held the lock before may
/// have renamed a new file into place (then the new one is locked instead). A file that does
/// not exist yet is created under a lock on its directory, which a creator that comes second
/// finds and waits for. Blocks until the lock is free.
pub fn lock_replaced_file(path: &Path) -> Result<FileLock, std::io::Error> {
    loop {
        match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
        {
            Ok(file) => {
                let lock = blocking(file, path, Kind::Exclusive)?;
                let held = lock.file.metadata()?;
                match std::fs::metadata(path) {
                    Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => {
                        return Ok(lock)
                    }
                    // Replaced or removed while we waited: lock what is there now.
                    Ok(_) => continue,
                    Err(e) if e.kind() == ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let file = OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_CLOEXEC | libc::O_DIRECTORY)
                    .open(dir)?;
                let lock = blocking(file, dir, Kind::Exclusive)?;
                match std::fs::symlink_metadata(path) {
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        return Ok(FileLock {
                            path: path.to_path_buf(),
                            file: lock.file,
                        })
                    }
                    // Another creator was first: take the file's own lock.
                    Ok(_) => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_and_shared_shares() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l");
        let a = lock_file(&p, Kind::Shared, Wait::Block).unwrap().unwrap();
        let b = lock_file(&p, Kind::Shared, Wait::NonBlock).unwrap();
        assert!(b.is_some(), "two shared holders");
        assert!(lock_file(&p, Kind::Exclusive, Wait::NonBlock)
            .unwrap()
            .is_none());
        drop((a, b));
        let x = lock_file(&p, Kind::Exclusive, Wait::NonBlock).unwrap();
        assert!(x.is_some());
        assert!(lock_file(&p, Kind::Shared, Wait::NonBlock)
            .unwrap()
            .is_none());
    }

    #[test]
    fn read_only_lock_needs_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing");
        let err = lock_existing_read_only(&p, Kind::Shared).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
}
