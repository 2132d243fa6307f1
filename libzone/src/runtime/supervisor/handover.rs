//! How zoneadm (or zlogin) starts a zone's supervisor, written once for both sides:
//! zoneadmd gets the write end of a pipe as descriptor 3, where it reports the outcome of its
//! first request (one JSON `Response` line), and the zone's zoneadm lock as descriptor 4,
//! held until that answer. Everything else the starter had open is closed, and neither
//! descriptor reaches what zoneadmd executes (the zone's init).

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Where zoneadmd reports the outcome of its first request.
pub const NOTIFY_FD: RawFd = 3;
/// The zone's zoneadm lock, inherited from the starter.
pub const LOCK_FD: RawFd = 4;

/// Starter's side: have `cmd`'s process get `notify` as descriptor 3 and `lock` as 4, in a
/// session of its own (a supervisor outlives the terminal and the command that started it).
pub fn pass(cmd: &mut Command, notify: RawFd, lock: RawFd) {
    // SAFETY: between fork and exec only fcntl, dup2, close and setsid, all
    // async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            // Either source may itself be 3 or 4: move both out of the way first.
            let wr = libc::fcntl(notify, libc::F_DUPFD, 10);
            let lk = libc::fcntl(lock, libc::F_DUPFD, 10);
            if wr < 0 || lk < 0 || libc::dup2(wr, NOTIFY_FD) < 0 || libc::dup2(lk, LOCK_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The copies must not outlive the exec: a stray copy of the lock would hold it.
            libc::close(wr);
            libc::close(lk);
            libc::setsid();
            Ok(())
        });
    }
}

/// What zoneadmd inherited: the notify pipe and the lock, each when it is open.
pub struct Inherited {
    pub notify: Option<OwnedFd>,
    pub lock: Option<OwnedFd>,
}

/// zoneadmd's side, first thing in `main`: take descriptors 3 and 4 if they are open, close
/// every other inherited descriptor above 2, and mark both close-on-exec.
pub fn take() -> Inherited {
    let open = |fd: RawFd| {
        // SAFETY: F_GETFD tells whether the descriptor is open, without side effects.
        (unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0)
            // SAFETY: the starter passed this descriptor to us for this purpose (`pass`) and
            // nothing else in this process owns it.
            .then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let notify = open(NOTIFY_FD);
    // Whatever else our starter had open is not ours to keep (nor the zone's to inherit).
    let _ = crate::runtime::kernel::sys::close_other_fds(&[NOTIFY_FD, LOCK_FD]);
    let lock = open(LOCK_FD);
    // Nothing we exec (the zone's init) may keep these.
    for fd in [NOTIFY_FD, LOCK_FD] {
        // SAFETY: F_SETFD on descriptors we own (or a harmless EBADF).
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Inherited { notify, lock }
}
