//! The raw system calls nix does not wrap (new mount API, pidfds, clone with namespace flags,
//! openat2, execveat), each behind a small safe function. The only `unsafe` of the runtime
//! lives here.

use nix::errno::Errno;
use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

// From <linux/mount.h>; libc 0.2 does not carry them for glibc targets.
pub const MOUNT_ATTR_RDONLY: u64 = 0x0000_0001;
pub const MOUNT_ATTR_NOSUID: u64 = 0x0000_0002;
pub const MOUNT_ATTR_NODEV: u64 = 0x0000_0004;
pub const MOUNT_ATTR_NOEXEC: u64 = 0x0000_0008;
const OPEN_TREE_CLONE: libc::c_uint = 1;
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x0000_0004;

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

fn cstr(p: &Path) -> Result<CString, Errno> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)
}

fn owned(ret: libc::c_long) -> Result<OwnedFd, Errno> {
    if ret < 0 {
        return Err(Errno::last());
    }
    // SAFETY: the kernel returned a new file descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(ret as RawFd) })
}

fn check(ret: libc::c_long) -> Result<(), Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

/// A detached copy of the mount tree at `path` (`open_tree(OPEN_TREE_CLONE)`), recursive
/// when `recursive`: a bind mount that is not attached anywhere yet.
pub fn open_tree_clone(path: &Path, recursive: bool) -> Result<OwnedFd, Errno> {
    let c = cstr(path)?;
    let mut flags = OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    // SAFETY: c is a valid NUL-terminated string for the duration of the call.
    owned(unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, c.as_ptr(), flags) })
}

/// Like [`open_tree_clone`] for an object already opened (`O_PATH`), e.g. a path resolved
/// inside a zone root.
pub fn open_tree_clone_fd(fd: BorrowedFd<'_>, recursive: bool) -> Result<OwnedFd, Errno> {
    let empty = c"";
    let mut flags =
        OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint | libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    // SAFETY: fd is valid for the call; empty is a valid C string.
    owned(unsafe { libc::syscall(libc::SYS_open_tree, fd.as_raw_fd(), empty.as_ptr(), flags) })
}

/// Set mount attributes on a whole (detached or attached) tree at once: the kernel's way to
/// make a bind mount read-only *including every submount*.
pub fn mount_setattr(
    fd: BorrowedFd<'_>,
    recursive: bool,
    set: u64,
    clear: u64,
) -> Result<(), Errno> {
    let attr = MountAttr {
        attr_set: set,
        attr_clr: clear,
        propagation: 0,
        userns_fd: 0,
    };
    let mut flags = libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    let empty = c"";
    // SAFETY: attr lives for the call and its size is passed; empty is a valid C string.
    check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            empty.as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    })
}

/// Attach the detached tree `from` onto the object `to` refers to (an `O_PATH` fd).
pub fn move_mount_to_fd(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
    let empty = c"";
    const MOVE_MOUNT_T_EMPTY_PATH: libc::c_uint = 0x0000_0040;
    // SAFETY: both fds are valid for the call; empty is a valid C string.
    check(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from.as_raw_fd(),
            empty.as_ptr(),
            to.as_raw_fd(),
            empty.as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH,
        )
    })
}

/// `openat2(dirfd, path, O_PATH|O_CLOEXEC [|O_DIRECTORY], RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS)`:
/// resolve `path` as if `dirfd` were `/`, so symlinks planted in a zone root cannot point a
/// mount outside it.
pub fn open_in_root(dirfd: BorrowedFd<'_>, path: &Path, flags: i32) -> Result<OwnedFd, Errno> {
    const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
    let c = cstr(path)?;
    // SAFETY: open_how is plain old data; zeroed is valid and the fields are set below.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    // SAFETY: how and c live for the call; the struct size is passed.
    owned(unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dirfd.as_raw_fd(),
            c.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    })
}

/// `pivot_root(".", ".")`: the new root and the old one stacked on the same directory.
pub fn pivot_root_here() -> Result<(), Errno> {
    let dot = c".";
    // SAFETY: valid C strings.
    check(unsafe { libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr()) })
}

/// `pidfd_open(pid)`: a handle on a process that cannot be confused with a later one that
/// reuses the pid.
pub fn pidfd_open(pid: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: plain integer arguments.
    owned(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })
}

/// `pidfd_send_signal`.
pub fn pidfd_kill(pidfd: BorrowedFd<'_>, sig: i32) -> Result<(), Errno> {
    // SAFETY: plain integer arguments and a null siginfo.
    check(unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    })
}

/// Fork with namespace flags: `clone(flags | SIGCHLD)` without a new stack, which behaves like
/// `fork()` but can create new namespaces for the child (a new pid namespace only applies to
/// children, so it cannot be `unshare`d by the process itself). Returns 0 in the child.
///
/// The caller must be single-threaded (as after any fork, only async-signal-safe work is sound
/// in the child of a multi-threaded process).
pub fn fork_with_flags(flags: libc::c_int) -> Result<libc::pid_t, Errno> {
    // SAFETY: with a null stack the child continues on a copy of the parent's stack, exactly
    // like fork(); the arguments are plain integers.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret as libc::pid_t)
    }
}

/// `struct clone_args` of clone3(2), up to `cgroup` (`CLONE_ARGS_SIZE_VER2`).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// Like [`fork_with_flags`], with the child born in the cgroup2 directory `cgroup`
/// (`clone3` with `CLONE_INTO_CGROUP`). Far cheaper than the child writing itself into
/// `cgroup.procs`, which takes the cgroup core's thread-group lock and waits for an RCU grace
/// period (about 10 ms here). Fails with `ENOSYS` where clone3 is filtered (the caller falls
/// back to a plain fork).
pub fn fork_into_cgroup(flags: libc::c_int, cgroup: BorrowedFd<'_>) -> Result<libc::pid_t, Errno> {
    let mut args = CloneArgs {
        flags: u64::from(flags as u32) | CLONE_INTO_CGROUP,
        exit_signal: libc::SIGCHLD as u64,
        cgroup: cgroup.as_raw_fd() as u64,
        ..CloneArgs::default()
    };
    // SAFETY: as fork_with_flags (no stack: the child continues on a copy of ours); args lives
    // for the call and its size is passed.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &mut args as *mut CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret as libc::pid_t)
    }
}

/// `execveat(fd, "", argv, envp, AT_EMPTY_PATH)`: run a program opened before pivot_root, so a
/// zone can start our init without the binary being visible inside the zone.
pub fn execveat_fd(fd: BorrowedFd<'_>, argv: &[CString], envp: &[CString]) -> Errno {
    let mut a: Vec<*const libc::c_char> = argv.iter().map(|s| s.as_ptr()).collect();
    a.push(std::ptr::null());
    let mut e: Vec<*const libc::c_char> = envp.iter().map(|s| s.as_ptr()).collect();
    e.push(std::ptr::null());
    let empty = c"";
    // SAFETY: argv/envp are NULL-terminated arrays of valid C strings that outlive the call.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd.as_raw_fd(),
            empty.as_ptr(),
            a.as_ptr(),
            e.as_ptr(),
            libc::AT_EMPTY_PATH,
        );
    }
    Errno::last()
}

/// Close every descriptor from 3 up except those in `keep`: a zone's processes must not
/// inherit the supervisor's sockets, pipes or locks.
pub fn close_other_fds(keep: &[RawFd]) -> Result<(), Errno> {
    let mut keep: Vec<RawFd> = keep.iter().copied().filter(|&fd| fd >= 3).collect();
    keep.sort_unstable();
    let mut first: libc::c_uint = 3;
    for fd in keep {
        let fd = fd as libc::c_uint;
        if fd > first {
            // SAFETY: close_range only closes descriptors in the range.
            check(unsafe { libc::syscall(libc::SYS_close_range, first, fd - 1, 0) })?;
        }
        first = fd + 1;
    }
    // SAFETY: as above, up to the highest possible descriptor.
    check(unsafe { libc::syscall(libc::SYS_close_range, first, libc::c_uint::MAX, 0) })
}

/// Default dispositions and an empty mask for every signal: what a new process expects, and
/// not what the supervisor (which ignores SIGPIPE and SIGHUP) would otherwise pass on.
pub fn reset_signals() {
    for sig in 1..libc::SIGRTMAX() {
        if sig != libc::SIGKILL && sig != libc::SIGSTOP {
            // SAFETY: setting a default disposition has no memory-safety preconditions.
            unsafe { libc::signal(sig, libc::SIG_DFL) };
        }
    }
    // SAFETY: an empty set, initialised by sigemptyset, passed by pointer.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
}

/// Kill this process when its parent dies (the zone's setup child must not outlive a
/// supervisor that was killed half-way through a boot).
pub fn die_with_parent() -> Result<(), Errno> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
}

/// `memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC)`: an anonymous file that can
/// be sealed and executed. Kernels before 6.3 do not know `MFD_EXEC` (every memfd is
/// executable there): asked again without it.
pub fn memfd_exec(name: &std::ffi::CStr) -> Result<OwnedFd, Errno> {
    let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    // SAFETY: name is a valid C string for the duration of the call.
    match owned(unsafe { libc::memfd_create(name.as_ptr(), flags | libc::MFD_EXEC) } as _) {
        Err(Errno::EINVAL) => {
            // SAFETY: as above.
            owned(unsafe { libc::memfd_create(name.as_ptr(), flags) } as _)
        }
        other => other,
    }
}

/// `fcntl(F_ADD_SEALS)`.
pub fn add_seals(fd: BorrowedFd<'_>, seals: libc::c_int) -> Result<(), Errno> {
    // SAFETY: plain integer arguments on a descriptor we borrow.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } as _)
}

/// `fcntl(F_GET_SEALS)`.
pub fn seals(fd: BorrowedFd<'_>) -> Result<libc::c_int, Errno> {
    // SAFETY: plain integer arguments on a descriptor we borrow.
    let ret = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// Copy `len` bytes from the start of `from` to the end of `to` inside the kernel
/// (`sendfile`; `copy_file_range` cannot write into a memfd). Returns the bytes copied,
/// fewer when `from` was shorter.
pub fn sendfile_all(to: BorrowedFd<'_>, from: BorrowedFd<'_>, len: u64) -> Result<u64, Errno> {
    let mut offset: libc::off_t = 0;
    let mut done: u64 = 0;
    while done < len {
        let chunk = (len - done).min(1 << 30) as usize;
        // SAFETY: both descriptors are valid for the call; offset is ours.
        let n = unsafe { libc::sendfile(to.as_raw_fd(), from.as_raw_fd(), &mut offset, chunk) };
        match n {
            n if n > 0 => done += n as u64,
            0 => break,
            _ if Errno::last() == Errno::EINTR => continue,
            _ => return Err(Errno::last()),
        }
    }
    Ok(done)
}

/// Whether the first `len` bytes of `a` and `b` are the same, compared through private
/// read-only mappings that are gone again on return (reading them into buffers would leave
/// the supervisor's heap larger for the rest of its life).
pub fn same_contents(a: BorrowedFd<'_>, b: BorrowedFd<'_>, len: usize) -> bool {
    use nix::sys::mman::{mmap, munmap, MapFlags, ProtFlags};
    let Some(size) = std::num::NonZeroUsize::new(len) else {
        return true;
    };
    let map = |fd: BorrowedFd<'_>| {
        // SAFETY: a new private read-only mapping of `len` bytes that nothing else uses.
        unsafe {
            mmap(
                None,
                size,
                ProtFlags::PROT_READ,
                MapFlags::MAP_PRIVATE,
                fd,
                0,
            )
        }
    };
    let (Ok(pa), Ok(pb)) = (map(a), map(b)) else {
        return false;
    };
    // SAFETY: both mappings are `len` bytes long and readable until unmapped below. Should
    // a file change meanwhile, the bytes read may be a mix of old and new, which can only
    // make them differ; a sealed memfd cannot change at all.
    let same = unsafe {
        std::slice::from_raw_parts(pa.as_ptr().cast::<u8>(), len)
            == std::slice::from_raw_parts(pb.as_ptr().cast::<u8>(), len)
    };
    // SAFETY: unmapping exactly what was mapped above; no reference to it outlives this.
    unsafe {
        let _ = munmap(pa, len);
        let _ = munmap(pb, len);
    }
    same
}
