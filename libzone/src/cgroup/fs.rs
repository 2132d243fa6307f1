//! All raw cgroupfs I/O. Everything here works on plain paths, so a temporary directory
//! filled with the right files stands in for cgroupfs in unit tests.

use super::error::{CgroupError, Result};
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// The whole content of a control file.
pub(crate) fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| CgroupError::io(path, e))
}

/// Like `read`, but a missing file is `None` (a controller or kernel feature that is absent).
pub(crate) fn read_opt(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CgroupError::io(path, e)),
    }
}

/// One `write(2)` of `value`. cgroupfs parses each write as a whole, so the value must not be
/// split; the file is never created (a missing control file is an error, not a new file).
pub(crate) fn write(path: &Path, value: &str) -> Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .map_err(|e| CgroupError::io(path, e))?;
    let n = f
        .write(value.as_bytes())
        .map_err(|e| CgroupError::io(path, e))?;
    if n != value.len() {
        return Err(CgroupError::io(
            path,
            std::io::Error::new(ErrorKind::WriteZero, "short write"),
        ));
    }
    Ok(())
}

/// A control file open for a series of writes, each parsed by the kernel on its own
/// (`devices.allow` takes one rule per write).
pub(crate) struct Writer {
    path: PathBuf,
    file: fs::File,
}

impl Writer {
    pub(crate) fn open(path: &Path) -> Result<Writer> {
        let file = fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| CgroupError::io(path, e))?;
        Ok(Writer {
            path: path.to_path_buf(),
            file,
        })
    }

    /// One `write(2)` of `value`, as [`write`] does.
    pub(crate) fn write(&mut self, value: &str) -> Result<()> {
        let n = self
            .file
            .write(value.as_bytes())
            .map_err(|e| CgroupError::io(&self.path, e))?;
        if n != value.len() {
            return Err(CgroupError::io(
                &self.path,
                std::io::Error::new(ErrorKind::WriteZero, "short write"),
            ));
        }
        Ok(())
    }
}

/// mkdir; returns whether the directory was created now (false: it existed).
pub(crate) fn mkdir(path: &Path) -> Result<bool> {
    match fs::create_dir(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(CgroupError::io(path, e)),
    }
}

/// mkdir each component of `rel` under `mount`; returns every level, top first, and records
/// in `created` the ones made now.
pub(crate) fn mkdir_levels(
    mount: &Path,
    rel: &Path,
    created: &mut Vec<PathBuf>,
) -> Result<Vec<PathBuf>> {
    let mut levels = Vec::new();
    let mut dir = mount.to_path_buf();
    for comp in rel.components() {
        dir.push(comp);
        if mkdir(&dir)? {
            created.push(dir.clone());
        }
        levels.push(dir.clone());
    }
    Ok(levels)
}

/// rmdir; a directory that is already gone counts as removed.
pub(crate) fn rmdir(path: &Path) -> Result<()> {
    match fs::remove_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CgroupError::io(path, e)),
    }
}

/// A directory opened for `*at` calls and kernel interfaces that take a cgroup by descriptor
/// (`BPF_PROG_ATTACH`, `CLONE_INTO_CGROUP`).
pub(crate) fn open_dir(path: &Path) -> Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(path)
        .map_err(|e| CgroupError::io(path, e))
}

pub(crate) fn is_dir(path: &Path) -> bool {
    path.is_dir()
}

pub(crate) fn exists(path: &Path) -> bool {
    path.exists()
}

/// The child directories of `dir` (child cgroups), sorted; none when `dir` is missing.
pub(crate) fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CgroupError::io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| CgroupError::io(dir, e))?;
        let ft = entry
            .file_type()
            .map_err(|e| CgroupError::io(entry.path(), e))?;
        if ft.is_dir() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// `dir` and every cgroup below it, parents before children.
pub(crate) fn tree(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !is_dir(dir) {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let children = subdirs(&d)?;
        out.push(d);
        stack.extend(children.into_iter().rev());
    }
    Ok(out)
}

/// The pids listed in a `cgroup.procs` file; a cgroup that vanished has none.
pub(crate) fn read_pids(procs: &Path) -> Result<Vec<u32>> {
    let Some(text) = read_opt(procs)? else {
        return Ok(Vec::new());
    };
    let mut pids = Vec::new();
    for word in text.split_whitespace() {
        let pid = word.parse::<u32>().map_err(|_| {
            CgroupError::io(
                procs,
                std::io::Error::new(ErrorKind::InvalidData, format!("bad pid {word:?}")),
            )
        })?;
        pids.push(pid);
    }
    Ok(pids)
}

/// A single number file (`pids.current`, `cpuacct.usage`, ...); missing file is `None`.
pub(crate) fn read_u64_opt(path: &Path) -> Result<Option<u64>> {
    match read_opt(path)? {
        None => Ok(None),
        Some(text) => parse_u64(path, text.trim()).map(Some),
    }
}

/// The value of `key` in a flat-keyed file (`memory.events`, `cpu.stat`, `oom_control`).
pub(crate) fn read_key_opt(path: &Path, key: &str) -> Result<Option<u64>> {
    let Some(text) = read_opt(path)? else {
        return Ok(None);
    };
    match flat_key(&text, key) {
        None => Ok(None),
        Some(v) => parse_u64(path, v).map(Some),
    }
}

pub(crate) fn flat_key<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let mut it = line.split_whitespace();
        (it.next() == Some(key)).then(|| it.next()).flatten()
    })
}

fn parse_u64(path: &Path, s: &str) -> Result<u64> {
    s.parse::<u64>().map_err(|_| {
        CgroupError::io(
            path,
            std::io::Error::new(ErrorKind::InvalidData, format!("not a number: {s:?}")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_never_creates() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("memory.max");
        let err = write(&p, "1").unwrap_err();
        assert_eq!(err.errno(), Some(libc::ENOENT));
        assert!(err.to_string().starts_with(&p.display().to_string()));
        fs::write(&p, "max\n").unwrap();
        write(&p, "12").unwrap();
        assert_eq!(read(&p).unwrap(), "12");
    }

    #[test]
    fn writer_writes_each_value_once_and_never_creates() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("devices.allow");
        assert!(Writer::open(&p).is_err());
        fs::write(&p, "").unwrap();
        let mut w = Writer::open(&p).unwrap();
        w.write("c 1:3 rwm").unwrap();
        w.write("\nc 1:5 rwm").unwrap();
        assert_eq!(read(&p).unwrap(), "c 1:3 rwm\nc 1:5 rwm");
    }

    #[test]
    fn mkdir_rmdir_idempotent() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x");
        assert!(mkdir(&p).unwrap());
        assert!(!mkdir(&p).unwrap());
        rmdir(&p).unwrap();
        rmdir(&p).unwrap();
    }

    #[test]
    fn tree_parents_first() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("a/b/c")).unwrap();
        fs::create_dir_all(d.path().join("a/d")).unwrap();
        fs::write(d.path().join("a/cgroup.procs"), "").unwrap();
        let t: Vec<_> = tree(&d.path().join("a"))
            .unwrap()
            .into_iter()
            .map(|p| p.strip_prefix(d.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(t, ["a", "a/b", "a/b/c", "a/d"]);
        assert!(tree(&d.path().join("missing")).unwrap().is_empty());
    }

    #[test]
    fn pids_and_keys() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("cgroup.procs");
        fs::write(&p, "12\n345\n").unwrap();
        assert_eq!(read_pids(&p).unwrap(), [12, 345]);
        fs::write(&p, "12\nx\n").unwrap();
        assert!(read_pids(&p).is_err());
        assert!(read_pids(&d.path().join("gone")).unwrap().is_empty());

        let ev = d.path().join("memory.events");
        fs::write(&ev, "low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\n").unwrap();
        assert_eq!(read_key_opt(&ev, "oom_kill").unwrap(), Some(2));
        assert_eq!(read_key_opt(&ev, "oom").unwrap(), Some(1));
        assert_eq!(read_key_opt(&ev, "nope").unwrap(), None);
        assert_eq!(read_u64_opt(&d.path().join("pids.current")).unwrap(), None);
    }
}
