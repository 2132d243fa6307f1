//! Programs on a pseudo-terminal, for the tests that drive interactive sessions.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// Start `cmd` on a new pseudo-terminal of `rows` x `cols`: its standard descriptors and its
/// controlling terminal (in a session of its own, as for a login shell). The master side and
/// the child.
pub fn spawn_on_pty(mut cmd: Command, rows: u16, cols: u16) -> (OwnedFd, Child) {
    use nix::fcntl::OFlag;
    // Close-on-exec from the start: tests run in parallel, and a pty end leaking into
    // another test's child would keep our terminal from ever hanging up.
    let master =
        nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).expect("pty");
    nix::pty::grantpt(&master).expect("grantpt");
    nix::pty::unlockpt(&master).expect("unlockpt");
    let name = nix::pty::ptsname_r(&master).expect("ptsname");
    let slave: OwnedFd = nix::fcntl::open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .expect("open pty slave");
    let master = OwnedFd::from(master);
    set_winsize(&master, rows, cols);
    let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup pty"));
    cmd.stdin(io(&slave)).stdout(io(&slave)).stderr(io(&slave));
    // SAFETY: setsid and ioctl are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn on pty");
    // The child's copies of the slave are its own now: ours would keep the terminal open.
    drop(cmd);
    drop(slave);
    (master, child)
}

/// Set a terminal's window size (on a master, that of its slave).
pub fn set_winsize(fd: &OwnedFd, rows: u16, cols: u16) {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads the winsize we pass.
    assert!(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) } >= 0);
}
