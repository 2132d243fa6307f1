//! Crash-safe file replacement: a reader (or a crash) sees either the old file or the new
//! one, never a torn mix. Written the way libzonecfg does it (`zonecfg.XXXXXX` in the same
//! directory, then rename), plus the fsyncs that make the rename survive a power cut.

use super::StoreError;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of the index, zone files and manifests (umask still applies).
const FILE_MODE: u32 = 0o644;
/// How many unique names to try before giving up on a directory full of leftovers.
const TEMP_ATTEMPTS: u32 = 64;

fn io_err(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Replace `target` with `contents`: temp file, fsync, rename over the target, fsync the
/// directory.
pub fn write_atomic(target: &Path, contents: &[u8]) -> Result<(), StoreError> {
    let tmp = TempFile::create(target, contents)?;
    std::fs::rename(&tmp.path, target).map_err(|e| io_err(target, e))?;
    tmp.disarm();
    sync_parent(target)
}

/// Create `target` with `contents` only if it does not exist yet (`Ok(false)` when it did).
/// The new file appears whole, through a hard link, so it never overwrites one that another
/// process put there in the meantime.
pub fn create_atomic(target: &Path, contents: &[u8]) -> Result<bool, StoreError> {
    let tmp = TempFile::create(target, contents)?;
    let created = match std::fs::hard_link(&tmp.path, target) {
        Ok(()) => true,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
        Err(e) => return Err(io_err(target, e)),
    };
    drop(tmp);
    if created {
        sync_parent(target)?;
    }
    Ok(created)
}

/// Remove `target` and make the removal durable. A missing file is not an error.
pub fn remove_durable(target: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(target) {
        Ok(()) => sync_parent(target),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(target, e)),
    }
}

/// fsync the directory holding `path`, so a rename or unlink in it is on disk.
pub fn sync_parent(path: &Path) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(dir, e))
}

/// A fully written and synced temp file next to its target; removed on drop unless it was
/// renamed into place.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    fn create(target: &Path, contents: &[u8]) -> Result<TempFile, StoreError> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut attempt = 0;
        let (path, mut file) = loop {
            let path = dir.join(format!("zonecfg.{}", unique_suffix()));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(FILE_MODE)
                .open(&path)
            {
                Ok(f) => break (path, f),
                Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < TEMP_ATTEMPTS => {
                    attempt += 1;
                }
                Err(e) => return Err(io_err(&path, e)),
            }
        };
        let tmp = TempFile { path, armed: true };
        file.write_all(contents)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err(&tmp.path, e))?;
        Ok(tmp)
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: a leftover temp file is harmless and named for what it is.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Six characters unique among the threads and processes writing the directory at once
/// (`create_new` catches the rest).
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // splitmix64 finaliser: spreads the inputs over all bits.
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (0..6)
        .map(|i| ALPHABET[((x >> (i * 10)) % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("zonecfg."))
            .collect()
    }

    #[test]
    fn write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("z.xml");
        write_atomic(&target, b"one").unwrap();
        write_atomic(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn create_does_not_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.xml");
        assert!(create_atomic(&target, b"first").unwrap());
        assert!(!create_atomic(&target, b"second").unwrap());
        assert_eq!(std::fs::read(&target).unwrap(), b"first");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn write_into_missing_dir_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("nodir/z.xml");
        let err = write_atomic(&target, b"x").unwrap_err();
        assert!(err.to_string().contains("nodir"), "{err}");
    }

    #[test]
    fn remove_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("z.xml");
        write_atomic(&target, b"x").unwrap();
        remove_durable(&target).unwrap();
        remove_durable(&target).unwrap();
        assert!(!target.exists());
    }

    #[test]
    fn suffixes_differ() {
        let a: std::collections::HashSet<String> = (0..1000).map(|_| unique_suffix()).collect();
        assert_eq!(a.len(), 1000);
    }
}
