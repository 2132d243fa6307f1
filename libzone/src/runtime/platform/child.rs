//! What a process becomes, after it joined a zone and before it executes a program there:
//! the one path for the zone's init (`spawn`, in zoneadmd's set-up child) and for the
//! process zlogin starts (`enter`). Both take the terminal the same way, are confined in the
//! same order (the seccomp filter as late as it can be loaded, around the drop of
//! privileges), leave no descriptor or signal disposition of ours behind, and execute the
//! zone's program from a sealed memfd (`sealed`), never a host file.

use crate::runtime::kernel::{filter, sealed, sys};
use nix::errno::Errno;
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

/// Make the terminal `fd` our controlling terminal and our standard input, output and error.
/// The caller is a session leader without a terminal (after `setsid`).
pub fn take_terminal(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: TIOCSCTTY on a terminal fd we own; the argument is a plain integer.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSCTTY, 0) } < 0 {
        return Err(Errno::last());
    }
    for target in 0..3 {
        // SAFETY: dup2 onto the standard descriptors.
        if unsafe { libc::dup2(fd.as_raw_fd(), target) } < 0 {
            return Err(Errno::last());
        }
    }
    Ok(())
}

/// The last confinement before exec, in the one order both paths take. The seccomp filter
/// is loaded as late as it can be: without `no_new_privs` only while we still hold
/// CAP_SYS_ADMIN, so before `drop_privileges` (the capability drop, a change of user);
/// with it, after `no_new_privs`, which comes after `drop_privileges`. What we still do
/// after the filter is loaded (capset, prctl, setuid, sigaction, execveat) it allows.
/// `err` makes the caller's error of a failed step's name and reason.
pub fn confine<E>(
    no_new_privs: bool,
    seccomp: &crate::seccomp::CompiledFilter,
    drop_privileges: impl FnOnce() -> Result<(), E>,
    err: impl Fn(&'static str, String) -> E,
) -> Result<(), E> {
    if !no_new_privs {
        filter::load(seccomp).map_err(|e| err("seccomp filter", e.to_string()))?;
    }
    drop_privileges()?;
    if no_new_privs {
        nix::sys::prctl::set_no_new_privs().map_err(|e| err("no_new_privs", e.to_string()))?;
        filter::load(seccomp).map_err(|e| err("seccomp filter", e.to_string()))?;
    }
    Ok(())
}

/// Close every descriptor above stderr but `keep`: nothing of the global zone (the
/// supervisor's sockets, zlogin's terminal, files a caller left open) may reach a process
/// in the zone. Kernels before 5.9 (no `close_range`): what `/proc/self/fd` lists is
/// closed one by one.
pub fn close_inherited(keep: &[RawFd]) -> Result<(), Errno> {
    let Err(e) = sys::close_other_fds(keep) else {
        return Ok(());
    };
    let rd = std::fs::read_dir("/proc/self/fd").map_err(|_| e)?;
    let fds: Vec<RawFd> = rd
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2 && !keep.contains(fd))
        .collect();
    for fd in fds {
        // SAFETY: closing a descriptor number; a stale one (the directory's own) just
        // fails with EBADF.
        unsafe { libc::close(fd) };
    }
    Ok(())
}

/// Default dispositions and an empty mask for every signal (see `sys::reset_signals`):
/// what a new program expects, not what zoneadmd or zlogin set for themselves.
pub fn reset_signals() {
    sys::reset_signals();
}

/// Execute `prog` with `argv` and `env` inside the zone through the sealed launcher `launcher`
/// (which tries `fallback` when `prog` cannot be executed). Returns only on failure.
pub fn exec_with_launcher(
    launcher: BorrowedFd<'_>,
    prog: &CStr,
    argv: &[CString],
    fallback: Option<(&CStr, &[CString])>,
    env: &[CString],
) -> Errno {
    let argv = sealed::launcher_argv(prog, argv, fallback);
    sys::execveat_fd(launcher, &argv, env)
}
