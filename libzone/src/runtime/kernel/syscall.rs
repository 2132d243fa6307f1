//! The seam under the runtime, in the style of youki's `Syscall` trait: every call that
//! changes the kernel's view of a zone while it is made or entered (mounts, `pivot_root`,
//! the hostname, namespaces, cgroup and sysctl writes, the fork into the zone's namespaces)
//! goes through a [`Syscall`]. [`Linux`] makes the real calls; the recording fake
//! (`kernel::fake`, tests only) writes each call down and can fail any one of them, so the
//! order of a zone's mounts and what a failure undoes are checked without root.
//!
//! Path resolution inside a zone root (`openat2` with `RESOLVE_IN_ROOT`, creating mount
//! points) stays outside the seam: it needs no privilege and works on any directory, so the
//! fake's runs resolve and create real paths in a scratch directory.

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::sys::stat::{Mode, SFlag};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// The kernel calls of zone set-up and entry. Object safe: the runtime holds a
/// `&dyn Syscall`.
pub trait Syscall {
    /// `mount(2)`.
    fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> Result<(), Errno>;

    /// `umount2(2)`.
    fn umount2(&self, target: &Path, flags: MntFlags) -> Result<(), Errno>;

    /// A detached copy of the mount tree at `path` (see [`super::sys::open_tree_clone`]).
    fn open_tree_clone(&self, path: &Path, recursive: bool) -> Result<OwnedFd, Errno>;

    /// The same for an object already opened (see [`super::sys::open_tree_clone_fd`]).
    fn open_tree_clone_fd(&self, fd: BorrowedFd<'_>, recursive: bool) -> Result<OwnedFd, Errno>;

    /// Mount attributes on a tree (see [`super::sys::mount_setattr`]).
    fn mount_setattr(
        &self,
        fd: BorrowedFd<'_>,
        recursive: bool,
        set: u64,
        clear: u64,
    ) -> Result<(), Errno>;

    /// Attach a detached tree onto an opened object (see [`super::sys::move_mount_to_fd`]).
    fn move_mount_to_fd(&self, from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno>;

    /// `mknodat(2)`.
    fn mknodat(
        &self,
        dir: BorrowedFd<'_>,
        path: &Path,
        kind: SFlag,
        perm: Mode,
        dev: u64,
    ) -> Result<(), Errno>;

    /// `fchmodat(2)`, following a final symlink.
    fn fchmodat(&self, dir: BorrowedFd<'_>, path: &Path, mode: Mode) -> Result<(), Errno>;

    /// `fchownat(2)` with `AT_SYMLINK_NOFOLLOW`.
    fn fchownat(&self, dir: BorrowedFd<'_>, path: &Path, uid: u32, gid: u32) -> Result<(), Errno>;

    /// `fchdir(2)`.
    fn fchdir(&self, dir: BorrowedFd<'_>) -> Result<(), Errno>;

    /// `chdir(2)`.
    fn chdir(&self, path: &Path) -> Result<(), Errno>;

    /// `pivot_root(".", ".")` (see [`super::sys::pivot_root_here`]).
    fn pivot_root_here(&self) -> Result<(), Errno>;

    /// `sethostname(2)`.
    fn sethostname(&self, name: &str) -> Result<(), Errno>;

    /// `unshare(2)`.
    fn unshare(&self, flags: CloneFlags) -> Result<(), Errno>;

    /// `setns(2)` through a pidfd or namespace file.
    fn setns(&self, fd: BorrowedFd<'_>, flags: CloneFlags) -> Result<(), Errno>;

    /// Write a whole value to a kernel file by path (a sysctl under `/proc/sys`).
    fn write_path(&self, path: &Path, value: &[u8]) -> Result<(), Errno>;

    /// One `write(2)` of `value` to an open kernel file (a cgroup's `tasks` or
    /// `cgroup.procs`).
    fn write_fd(&self, fd: BorrowedFd<'_>, value: &[u8]) -> Result<(), Errno>;

    /// Fork into new namespaces (`flags`), born in the cgroup2 directory `cgroup` when
    /// given (see [`super::sys::fork_into_cgroup`] and [`super::sys::fork_with_flags`]).
    /// Returns 0 in the child. The caller must be single-threaded.
    fn fork(&self, flags: CloneFlags, cgroup: Option<BorrowedFd<'_>>) -> Result<i32, Errno>;
}

/// The real system calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct Linux;

/// The one instance the runtime's entry points use.
pub static LINUX: Linux = Linux;

impl Syscall for Linux {
    fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> Result<(), Errno> {
        nix::mount::mount(source, target, fstype, flags, data)
    }

    fn umount2(&self, target: &Path, flags: MntFlags) -> Result<(), Errno> {
        nix::mount::umount2(target, flags)
    }

    fn open_tree_clone(&self, path: &Path, recursive: bool) -> Result<OwnedFd, Errno> {
        super::sys::open_tree_clone(path, recursive)
    }

    fn open_tree_clone_fd(&self, fd: BorrowedFd<'_>, recursive: bool) -> Result<OwnedFd, Errno> {
        super::sys::open_tree_clone_fd(fd, recursive)
    }

    fn mount_setattr(
        &self,
        fd: BorrowedFd<'_>,
        recursive: bool,
        set: u64,
        clear: u64,
    ) -> Result<(), Errno> {
        super::sys::mount_setattr(fd, recursive, set, clear)
    }

    fn move_mount_to_fd(&self, from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
        super::sys::move_mount_to_fd(from, to)
    }

    fn mknodat(
        &self,
        dir: BorrowedFd<'_>,
        path: &Path,
        kind: SFlag,
        perm: Mode,
        dev: u64,
    ) -> Result<(), Errno> {
        nix::sys::stat::mknodat(dir, path, kind, perm, dev)
    }

    fn fchmodat(&self, dir: BorrowedFd<'_>, path: &Path, mode: Mode) -> Result<(), Errno> {
        nix::sys::stat::fchmodat(
            dir,
            path,
            mode,
            nix::sys::stat::FchmodatFlags::FollowSymlink,
        )
    }

    fn fchownat(&self, dir: BorrowedFd<'_>, path: &Path, uid: u32, gid: u32) -> Result<(), Errno> {
        nix::unistd::fchownat(
            dir,
            path,
            Some(uid.into()),
            Some(gid.into()),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
    }

    fn fchdir(&self, dir: BorrowedFd<'_>) -> Result<(), Errno> {
        nix::unistd::fchdir(dir)
    }

    fn chdir(&self, path: &Path) -> Result<(), Errno> {
        nix::unistd::chdir(path)
    }

    fn pivot_root_here(&self) -> Result<(), Errno> {
        super::sys::pivot_root_here()
    }

    fn sethostname(&self, name: &str) -> Result<(), Errno> {
        nix::unistd::sethostname(name)
    }

    fn unshare(&self, flags: CloneFlags) -> Result<(), Errno> {
        nix::sched::unshare(flags)
    }

    fn setns(&self, fd: BorrowedFd<'_>, flags: CloneFlags) -> Result<(), Errno> {
        nix::sched::setns(fd, flags)
    }

    fn write_path(&self, path: &Path, value: &[u8]) -> Result<(), Errno> {
        std::fs::write(path, value)
            .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
    }

    fn write_fd(&self, fd: BorrowedFd<'_>, value: &[u8]) -> Result<(), Errno> {
        write_once(fd.as_raw_fd(), value)
    }

    fn fork(&self, flags: CloneFlags, cgroup: Option<BorrowedFd<'_>>) -> Result<i32, Errno> {
        match cgroup {
            Some(dir) => super::sys::fork_into_cgroup(flags.bits(), dir),
            None if flags.is_empty() => {
                // SAFETY: single-threaded caller (see the trait).
                match unsafe { nix::unistd::fork() }? {
                    nix::unistd::ForkResult::Child => Ok(0),
                    nix::unistd::ForkResult::Parent { child } => Ok(child.as_raw()),
                }
            }
            None => super::sys::fork_with_flags(flags.bits()),
        }
    }
}

/// One `write(2)` of all of `value` (kernel files parse each write as a whole).
fn write_once(fd: std::os::fd::RawFd, value: &[u8]) -> Result<(), Errno> {
    loop {
        // SAFETY: value is valid for its length; fd is open for the call.
        let n = unsafe { libc::write(fd, value.as_ptr().cast(), value.len()) };
        match n {
            n if n < 0 && Errno::last() == Errno::EINTR => continue,
            n if n < 0 => return Err(Errno::last()),
            n if n as usize != value.len() => return Err(Errno::EIO),
            _ => return Ok(()),
        }
    }
}
