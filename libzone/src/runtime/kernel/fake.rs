//! A recording [`Syscall`] for unit tests: every call is written down as one line, and any
//! one call (by its number, or the first whose line starts with a given text) can be made
//! to fail. Paths under the scratch zone root are shown as the zone sees them (`/proc`),
//! other paths as `host:/usr`; detached trees as `tree:<source>`.
//!
//! Nothing privileged happens: mounts, `pivot_root`, `mknod`, `chown`, namespace calls and
//! kernel file writes are only recorded, and a fork always fails (`EAGAIN`) after it is
//! recorded, since the fake makes no processes.

use super::syscall::Syscall;
use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::sys::stat::{Mode, SFlag};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Which call fails.
#[derive(Debug, Clone)]
enum Failure {
    Nth(usize),
    Prefix(String),
}

#[derive(Debug)]
pub(crate) struct Recorder {
    root: PathBuf,
    calls: Mutex<Vec<String>>,
    fail: Mutex<Option<(Failure, Errno)>>,
}

impl Recorder {
    /// A recorder whose zone root (for display) is `root`.
    pub(crate) fn new(root: &Path) -> Recorder {
        Recorder {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            calls: Mutex::new(Vec::new()),
            fail: Mutex::new(None),
        }
    }

    /// Make call number `n` (0-based) fail with `errno`.
    pub(crate) fn fail_nth(self, n: usize, errno: Errno) -> Recorder {
        self.set_fail(Failure::Nth(n), errno)
    }

    /// Make the first call whose line starts with `prefix` fail with `errno`.
    pub(crate) fn fail_first(self, prefix: &str, errno: Errno) -> Recorder {
        self.set_fail(Failure::Prefix(prefix.to_string()), errno)
    }

    fn set_fail(self, f: Failure, errno: Errno) -> Recorder {
        if let Ok(mut g) = self.fail.lock() {
            *g = Some((f, errno));
        }
        self
    }

    /// The calls so far.
    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Record a call made through another fake (a cgroup back end), in the same sequence
    /// and under the same failure rule.
    pub(crate) fn note(&self, line: String) -> Result<(), Errno> {
        self.call(line)
    }

    fn call(&self, line: String) -> Result<(), Errno> {
        let Ok(mut calls) = self.calls.lock() else {
            return Err(Errno::EDEADLK);
        };
        let n = calls.len();
        let fails = match self.fail.lock().ok().and_then(|mut g| g.take()) {
            Some((f, errno)) => {
                let hit = match &f {
                    Failure::Nth(k) => *k == n,
                    Failure::Prefix(p) => line.starts_with(p.as_str()),
                };
                if hit {
                    Some(errno)
                } else {
                    if let Ok(mut g) = self.fail.lock() {
                        *g = Some((f, errno));
                    }
                    None
                }
            }
            None => None,
        };
        calls.push(line);
        match fails {
            Some(errno) => Err(errno),
            None => Ok(()),
        }
    }

    /// How a path is shown: relative to the zone root when inside it; `/` and `.` as given
    /// (whose they are depends on where the process is: before or after `pivot_root`).
    fn path(&self, p: &Path) -> String {
        let s = p.to_string_lossy();
        if s == "/" || s == "." {
            return s.into_owned();
        }
        if let Some(fd) = s.strip_prefix("/proc/self/fd/") {
            if let Ok(link) = std::fs::read_link(format!("/proc/self/fd/{fd}")) {
                return self.link(&link);
            }
        }
        if p.is_relative() {
            return s.into_owned();
        }
        // As given (a host path may be a symlink, e.g. /lib on merged-/usr systems).
        self.link(p)
    }

    fn link(&self, link: &Path) -> String {
        let s = link.to_string_lossy();
        if let Some(name) = s.strip_prefix("/memfd:") {
            return name.trim_end_matches(" (deleted)").to_string();
        }
        match link.strip_prefix(&self.root) {
            Ok(rel) => format!("/{}", rel.display()),
            Err(_) => format!("host:{s}"),
        }
    }

    fn fd(&self, fd: BorrowedFd<'_>) -> String {
        match std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())) {
            Ok(link) => self.link(&link),
            Err(_) => format!("fd {}", fd.as_raw_fd()),
        }
    }

    fn at(&self, dir: BorrowedFd<'_>, path: &Path) -> String {
        let d = self.fd(dir);
        format!("{}/{}", d.trim_end_matches('/'), path.display())
    }

    /// A stand-in for a detached mount tree: a memfd named after its source.
    fn tree(&self, shown: &str) -> Result<OwnedFd, Errno> {
        let name = std::ffi::CString::new(format!("tree:{shown}")).map_err(|_| Errno::EINVAL)?;
        // SAFETY: name is a valid C string for the call.
        let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(Errno::last());
        }
        // SAFETY: a new descriptor nothing else owns.
        Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) })
    }
}

/// The names of the bits of `bits` that `table` names, comma-separated, in table order.
fn names(bits: u64, table: &[(u64, &str)]) -> String {
    let v: Vec<&str> = table
        .iter()
        .filter(|(b, _)| bits & b == *b)
        .map(|(_, n)| *n)
        .collect();
    v.join(",")
}

/// `MOUNT_ATTR_*` bits by name.
pub(crate) fn attrs(bits: u64) -> String {
    use super::sys::{MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY};
    let table = [
        (MOUNT_ATTR_RDONLY, "ro"),
        (MOUNT_ATTR_NOSUID, "nosuid"),
        (MOUNT_ATTR_NODEV, "nodev"),
        (MOUNT_ATTR_NOEXEC, "noexec"),
    ];
    names(bits, &table)
}

/// Mount flags by their mount(8) names.
pub(crate) fn ms(flags: MsFlags) -> String {
    let table = [
        (MsFlags::MS_RDONLY, "ro"),
        (MsFlags::MS_NOSUID, "nosuid"),
        (MsFlags::MS_NODEV, "nodev"),
        (MsFlags::MS_NOEXEC, "noexec"),
        (MsFlags::MS_BIND, "bind"),
        (MsFlags::MS_REC, "rec"),
        (MsFlags::MS_SLAVE, "slave"),
        (MsFlags::MS_PRIVATE, "private"),
        (MsFlags::MS_RELATIME, "relatime"),
        (MsFlags::MS_STRICTATIME, "strictatime"),
        (MsFlags::MS_NOATIME, "noatime"),
    ]
    .map(|(f, n)| (f.bits(), n));
    names(flags.bits(), &table)
}

/// Namespace flags by their short names.
pub(crate) fn ns(flags: CloneFlags) -> String {
    let table = [
        (CloneFlags::CLONE_NEWNS, "mnt"),
        (CloneFlags::CLONE_NEWUTS, "uts"),
        (CloneFlags::CLONE_NEWIPC, "ipc"),
        (CloneFlags::CLONE_NEWNET, "net"),
        (CloneFlags::CLONE_NEWPID, "pid"),
        (CloneFlags::CLONE_NEWCGROUP, "cgroup"),
        (CloneFlags::CLONE_NEWUSER, "user"),
    ]
    .map(|(f, n)| (f.bits() as u32 as u64, n));
    names(flags.bits() as u32 as u64, &table)
}

impl Syscall for Recorder {
    fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> Result<(), Errno> {
        let src = match source {
            Some(s) if s.is_absolute() => self.path(s),
            Some(s) => s.display().to_string(),
            None => "none".to_string(),
        };
        let mut line = format!("mount {src} on {}", self.path(target));
        if let Some(t) = fstype {
            line.push_str(&format!(" type {t}"));
        }
        line.push_str(&format!(" ({})", ms(flags)));
        if let Some(d) = data {
            line.push_str(&format!(" {d}"));
        }
        self.call(line)
    }

    fn umount2(&self, target: &Path, flags: MntFlags) -> Result<(), Errno> {
        let detach = if flags.contains(MntFlags::MNT_DETACH) {
            " (detach)"
        } else {
            ""
        };
        self.call(format!("umount {}{detach}", self.path(target)))
    }

    fn open_tree_clone(&self, path: &Path, recursive: bool) -> Result<OwnedFd, Errno> {
        let shown = self.path(path);
        let rec = if recursive { " (rec)" } else { "" };
        self.call(format!("clone tree {shown}{rec}"))?;
        self.tree(&shown)
    }

    fn open_tree_clone_fd(&self, fd: BorrowedFd<'_>, recursive: bool) -> Result<OwnedFd, Errno> {
        let shown = self.fd(fd);
        let rec = if recursive { " (rec)" } else { "" };
        self.call(format!("clone tree {shown}{rec}"))?;
        self.tree(&shown)
    }

    fn mount_setattr(
        &self,
        fd: BorrowedFd<'_>,
        recursive: bool,
        set: u64,
        clear: u64,
    ) -> Result<(), Errno> {
        let rec = if recursive { " (rec)" } else { "" };
        let mut line = format!("setattr {}{rec} +{}", self.fd(fd), attrs(set));
        if clear != 0 {
            line.push_str(&format!(" -{}", attrs(clear)));
        }
        self.call(line)
    }

    fn move_mount_to_fd(&self, from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
        self.call(format!("attach {} on {}", self.fd(from), self.fd(to)))
    }

    fn mknodat(
        &self,
        dir: BorrowedFd<'_>,
        path: &Path,
        kind: SFlag,
        perm: Mode,
        dev: u64,
    ) -> Result<(), Errno> {
        let k = if kind == SFlag::S_IFBLK { "b" } else { "c" };
        self.call(format!(
            "mknod {} {k} {}:{} {:o}",
            self.at(dir, path),
            nix::sys::stat::major(dev),
            nix::sys::stat::minor(dev),
            perm.bits()
        ))
    }

    fn fchmodat(&self, dir: BorrowedFd<'_>, path: &Path, mode: Mode) -> Result<(), Errno> {
        self.call(format!("chmod {} {:o}", self.at(dir, path), mode.bits()))
    }

    fn fchownat(&self, dir: BorrowedFd<'_>, path: &Path, uid: u32, gid: u32) -> Result<(), Errno> {
        self.call(format!("chown {} {uid}:{gid}", self.at(dir, path)))
    }

    fn fchdir(&self, dir: BorrowedFd<'_>) -> Result<(), Errno> {
        self.call(format!("chdir {}", self.fd(dir)))
    }

    fn chdir(&self, path: &Path) -> Result<(), Errno> {
        // Shown as given: after a (recorded) pivot_root, `/` is the zone's.
        self.call(format!("chdir {}", path.display()))
    }

    fn pivot_root_here(&self) -> Result<(), Errno> {
        self.call("pivot_root . .".to_string())
    }

    fn sethostname(&self, name: &str) -> Result<(), Errno> {
        self.call(format!("sethostname {name}"))
    }

    fn unshare(&self, flags: CloneFlags) -> Result<(), Errno> {
        self.call(format!("unshare {}", ns(flags)))
    }

    fn setns(&self, fd: BorrowedFd<'_>, flags: CloneFlags) -> Result<(), Errno> {
        self.call(format!("setns {} {}", self.fd(fd), ns(flags)))
    }

    fn write_path(&self, path: &Path, value: &[u8]) -> Result<(), Errno> {
        self.call(format!(
            "write {} {}",
            self.path(path),
            String::from_utf8_lossy(value)
        ))
    }

    fn write_fd(&self, fd: BorrowedFd<'_>, value: &[u8]) -> Result<(), Errno> {
        self.call(format!(
            "write {} {}",
            self.fd(fd),
            String::from_utf8_lossy(value)
        ))
    }

    fn fork(&self, flags: CloneFlags, cgroup: Option<BorrowedFd<'_>>) -> Result<i32, Errno> {
        let into = cgroup
            .map(|fd| format!(" into {}", self.fd(fd)))
            .unwrap_or_default();
        self.call(format!("clone {}{into}", ns(flags)))?;
        Err(Errno::EAGAIN)
    }
}
