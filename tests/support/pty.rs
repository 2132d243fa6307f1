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

/// Read what `master` shows into `seen` until `needle` is in it (what was read before
/// counts too), or `Err` with the text when `limit` passes or the terminal hangs up first.
pub fn read_until(
    master: &OwnedFd,
    seen: &mut Vec<u8>,
    needle: &str,
    limit: std::time::Duration,
) -> Result<(), String> {
    use std::os::fd::AsFd;
    let end = std::time::Instant::now() + limit;
    let found = |seen: &[u8]| seen.windows(needle.len()).any(|w| w == needle.as_bytes());
    loop {
        if found(seen) {
            return Ok(());
        }
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(String::from_utf8_lossy(seen).into_owned());
        }
        let mut fds = [nix::poll::PollFd::new(
            master.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        let ms = u16::try_from(left.as_millis().min(200)).unwrap_or(200);
        if nix::poll::poll(&mut fds, ms).unwrap_or(0) == 0 {
            continue;
        }
        let mut buf = [0u8; 4096];
        match nix::unistd::read(master, &mut buf) {
            Ok(n) if n > 0 => seen.extend_from_slice(&buf[..n]),
            Err(nix::errno::Errno::EAGAIN) | Err(nix::errno::Errno::EINTR) => {}
            _ => {
                return if found(seen) {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(seen).into_owned())
                }
            }
        }
    }
}
