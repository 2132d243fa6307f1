//! Crash-safe file replacement: a reader (or a crash) sees either the old file or the new
//! one, never a torn mix. Written the way libzonecfg does it (`zonecfg.XXXXXX` in the same
//! directory, then rename), plus the fsyncs that make the rename survive a power cut.
//!
//! A writer killed between creating its temp file and renaming it leaves the temp file
//! behind. Every temp file is named `<prefix>XXXXXX` (six characters of [`ALPHABET`]), and
//! every writer of a directory's files holds that directory's lock, so whoever holds the lock
//! next may remove what matches ([`sweep_temps`]): no live writer can own it.

use super::crash_point;
use super::PathError;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of the index, zone files and manifests (umask still applies).
const FILE_MODE: u32 = 0o644;
/// How many unique names to try before giving up on a directory full of leftovers.
const TEMP_ATTEMPTS: u32 = 64;
/// The temp-file prefix of the zone store (`etc/zones`), as libzonecfg names them.
pub const ZONECFG_PREFIX: &str = "zonecfg.";
/// The characters of a temp file's unique suffix.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Length of the unique suffix.
const SUFFIX_LEN: usize = 6;

fn io_err(path: &Path, source: std::io::Error) -> PathError {
    PathError {
        path: path.to_path_buf(),
        source,
    }
}

/// Replace `target` with `contents`: temp file, fsync, rename over the target, fsync the
/// directory.
pub fn write_atomic(target: &Path, contents: &[u8]) -> Result<(), PathError> {
    let tmp = TempFile::create(target, contents, ZONECFG_PREFIX, FILE_MODE)?;
    crash_point();
    std::fs::rename(&tmp.path, target).map_err(|e| io_err(target, e))?;
    tmp.disarm();
    crash_point();
    sync_parent(target)
}

/// [`write_atomic`] without the directory sync, for several files replaced in one
/// directory: the caller ends with one [`sync_parent`]. Until then a power cut may keep the
/// old file; the file's data is synced before its rename, so it is never torn, and on a
/// journalling file system a later file's sync also commits the earlier rename, so the
/// renames stay in order.
pub fn write_atomic_deferred(target: &Path, contents: &[u8]) -> Result<(), PathError> {
    let tmp = TempFile::create(target, contents, ZONECFG_PREFIX, FILE_MODE)?;
    crash_point();
    std::fs::rename(&tmp.path, target).map_err(|e| io_err(target, e))?;
    tmp.disarm();
    crash_point();
    Ok(())
}

/// Remove `target` (a missing file is fine), leaving the directory sync to the caller.
pub fn remove_deferred(target: &Path) -> Result<(), PathError> {
    crash_point();
    match std::fs::remove_file(target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(target, e)),
    }
}

/// [`write_atomic`] for files outside the zone store: the temp file is named
/// `<temp_prefix>XXXXXX`, and the replaced file's permission bits are kept (a new file gets
/// 0644, less the umask).
pub fn write_atomic_as(target: &Path, contents: &[u8], temp_prefix: &str) -> Result<(), PathError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match std::fs::metadata(target) {
        Ok(m) => m.permissions().mode() & 0o7777,
        Err(e) if e.kind() == ErrorKind::NotFound => FILE_MODE,
        Err(e) => return Err(io_err(target, e)),
    };
    let tmp = TempFile::create(target, contents, temp_prefix, mode)?;
    crash_point();
    // `mode` at open is filtered by the umask; an existing file's bits are restored whole.
    std::fs::set_permissions(&tmp.path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io_err(&tmp.path, e))?;
    std::fs::rename(&tmp.path, target).map_err(|e| io_err(target, e))?;
    tmp.disarm();
    sync_parent(target)
}

/// Replace a run-time file (`var/run`, which does not outlive the host) with `contents`,
/// created with `mode` (less the umask): temp file `<temp_prefix>XXXXXX` and rename, so a
/// reader sees the old file or the new one, without the fsyncs a power cut would need.
pub fn write_volatile(
    target: &Path,
    contents: &[u8],
    temp_prefix: &str,
    mode: u32,
) -> Result<(), PathError> {
    let tmp = TempFile::create_with(target, contents, temp_prefix, mode, false)?;
    std::fs::rename(&tmp.path, target).map_err(|e| io_err(target, e))?;
    tmp.disarm();
    Ok(())
}

/// Remove the temp files `<prefix>XXXXXX` in `dir` that writers killed before their rename
/// left behind. Only for a caller holding the lock every writer of `dir` holds: then none of
/// them is anyone's work in progress. Returns how many were removed.
pub fn sweep_temps(dir: &Path, prefix: &str) -> Result<usize, PathError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err(dir, e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name();
        if !is_temp_name(&name.to_string_lossy(), prefix) {
            continue;
        }
        let path = entry.path();
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&path, e)),
        }
    }
    if removed > 0 {
        sync_parent(&dir.join("."))?;
    }
    Ok(removed)
}

/// `<prefix>` then exactly [`SUFFIX_LEN`] characters of [`ALPHABET`]: never a zone file
/// (`<zone>.xml` has a dot after the prefix) nor the index.
fn is_temp_name(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == SUFFIX_LEN && rest.bytes().all(|b| ALPHABET.contains(&b)))
}

/// Create `target` with `contents` only if it does not exist yet (`Ok(false)` when it did).
/// The new file appears whole, through a hard link, so it never overwrites one that another
/// process put there in the meantime.
pub fn create_atomic(target: &Path, contents: &[u8]) -> Result<bool, PathError> {
    let tmp = TempFile::create(target, contents, ZONECFG_PREFIX, FILE_MODE)?;
    let created = match std::fs::hard_link(&tmp.path, target) {
        Ok(()) => true,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
        Err(e) => return Err(io_err(target, e)),
    };
    crash_point();
    drop(tmp);
    if created {
        sync_parent(target)?;
    }
    Ok(created)
}

/// Remove `target` and make the removal durable. A missing file is not an error.
pub fn remove_durable(target: &Path) -> Result<(), PathError> {
    crash_point();
    match std::fs::remove_file(target) {
        Ok(()) => sync_parent(target),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(target, e)),
    }
}

/// fsync the directory holding `path`, so a rename or unlink in it is on disk.
pub fn sync_parent(path: &Path) -> Result<(), PathError> {
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
    fn create(
        target: &Path,
        contents: &[u8],
        prefix: &str,
        mode: u32,
    ) -> Result<TempFile, PathError> {
        TempFile::create_with(target, contents, prefix, mode, true)
    }

    /// `sync`: fsync the data before it can be renamed into place.
    fn create_with(
        target: &Path,
        contents: &[u8],
        prefix: &str,
        mode: u32,
        sync: bool,
    ) -> Result<TempFile, PathError> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut attempt = 0;
        let (path, mut file) = loop {
            let path = dir.join(format!("{prefix}{}", unique_suffix()));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
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
            .and_then(|()| if sync { file.sync_all() } else { Ok(()) })
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
    (0..SUFFIX_LEN)
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
    fn sweep_removes_only_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in [
            "zonecfg.Ab3dE9",
            "zonecfg.zzzzzz",
            "zonecfg.xml",
            "zonecfg.ab.xml",
            "zonecfg.abcdefg",
            "index",
            "z1.xml",
            ".pooladm.conf.poolcfg-Ab3dE9",
        ] {
            std::fs::write(d.join(name), b"x").unwrap();
        }
        assert_eq!(sweep_temps(d, ZONECFG_PREFIX).unwrap(), 2);
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".pooladm.conf.poolcfg-Ab3dE9",
                "index",
                "z1.xml",
                "zonecfg.ab.xml",
                "zonecfg.abcdefg",
                "zonecfg.xml"
            ]
        );
        assert_eq!(sweep_temps(d, ".pooladm.conf.poolcfg-").unwrap(), 1);
        assert_eq!(sweep_temps(&d.join("missing"), ZONECFG_PREFIX).unwrap(), 0);
    }

    #[test]
    fn write_as_keeps_mode_and_names_temps() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("pools.conf");
        write_atomic_as(&target, b"one", ".pools.conf.t-").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic_as(&target, b"two", ".pools.conf.t-").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn volatile_write_replaces_with_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("z.state");
        write_volatile(&target, b"one", ".z.state.", 0o600).unwrap();
        write_volatile(&target, b"two", ".z.state.", 0o600).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn suffixes_differ() {
        let a: std::collections::HashSet<String> = (0..1000).map(|_| unique_suffix()).collect();
        assert_eq!(a.len(), 1000);
    }
}
