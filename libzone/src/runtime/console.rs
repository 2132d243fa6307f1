//! The zone console: a pty whose slave is the zone's `/dev/console` and whose master the
//! supervisor holds for the zone's whole life, so `zlogin -C` can attach and detach at will;
//! and the client side of attaching (connect to the supervisor's console socket, read its
//! greeting).

use super::proto::ConsoleGreeting;
use nix::fcntl::OFlag;
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt, PtyMaster};
use std::io::{ErrorKind, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The console pty of a zone.
pub struct ConsolePty {
    master: PtyMaster,
    /// Kept open so the master never reads EIO while the zone has no console open (e.g.
    /// between boots).
    _slave: OwnedFd,
    pub slave_path: PathBuf,
}

impl ConsolePty {
    pub fn open() -> nix::Result<ConsolePty> {
        let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)?;
        grantpt(&master)?;
        unlockpt(&master)?;
        let slave_path = PathBuf::from(ptsname_r(&master)?);
        let slave = nix::fcntl::open(
            &slave_path,
            OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )?;
        set_nonblocking(master.as_fd())?;
        set_winsize(master.as_fd(), 24, 80)?;
        Ok(ConsolePty {
            master,
            _slave: slave,
            slave_path,
        })
    }

    pub fn master(&self) -> BorrowedFd<'_> {
        self.master.as_fd()
    }
}

pub fn set_nonblocking(fd: BorrowedFd<'_>) -> nix::Result<()> {
    let flags = OFlag::from_bits_truncate(nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFL)?);
    nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map(|_| ())
}

/// Set a terminal's window size (the foreground process group gets SIGWINCH).
pub fn set_winsize(fd: BorrowedFd<'_>, rows: u16, cols: u16) -> nix::Result<()> {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads the winsize we pass.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) } < 0 {
        return Err(nix::errno::Errno::last());
    }
    Ok(())
}

/// A terminal's window size, if `fd` is a terminal.
pub fn get_winsize(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    // SAFETY: zeroed winsize is valid; TIOCGWINSZ writes into it.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) } < 0 {
        return None;
    }
    Some((ws.ws_row, ws.ws_col))
}

/// Why a console client could not attach.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// Nobody serves the socket: the zone has no supervisor (it is not ready or running), or
    /// its supervisor is just going away.
    #[error("{0}: no console server")]
    NoServer(PathBuf),
    #[error("Console is already in use by process ID {0}.")]
    Busy(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: unexpected answer from the console server")]
    Protocol(PathBuf),
}

/// The longest greeting line we accept.
const GREETING_MAX: usize = 256;

/// Connect to a zone's console socket and read the supervisor's greeting (waiting at most
/// `timeout` for it). On success the stream carries raw console output from here on, and
/// takes framed input (`proto::console_data_frame`, `console_winsize_frame`).
pub fn attach(socket: &Path, timeout: Duration) -> Result<UnixStream, AttachError> {
    let io = |source: std::io::Error| AttachError::Io {
        path: socket.to_path_buf(),
        source,
    };
    let stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
            return Err(AttachError::NoServer(socket.to_path_buf()))
        }
        Err(e) => return Err(io(e)),
    };
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    // One byte at a time: whatever follows the greeting is console output, not ours to eat.
    let mut line = Vec::new();
    loop {
        let mut b = [0u8; 1];
        match (&stream).read(&mut b) {
            Ok(0) => return Err(AttachError::NoServer(socket.to_path_buf())),
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) if line.len() < GREETING_MAX => line.push(b[0]),
            Ok(_) => return Err(AttachError::Protocol(socket.to_path_buf())),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                return Err(AttachError::NoServer(socket.to_path_buf()))
            }
            Err(e) => return Err(io(e)),
        }
    }
    stream.set_read_timeout(None).map_err(io)?;
    match ConsoleGreeting::parse(&String::from_utf8_lossy(&line)) {
        Some(ConsoleGreeting::Ok) => Ok(stream),
        Some(ConsoleGreeting::Busy(pid)) => Err(AttachError::Busy(pid)),
        None => Err(AttachError::Protocol(socket.to_path_buf())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixListener;

    #[test]
    fn attach_reads_only_the_greeting() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("c.sock");
        assert!(matches!(
            attach(&path, Duration::from_secs(1)),
            Err(AttachError::NoServer(_))
        ));
        let listener = UnixListener::bind(&path).unwrap();
        let server = std::thread::spawn(move || {
            let (mut a, _) = listener.accept().unwrap();
            a.write_all(b"OK\nconsole output").unwrap();
            let (mut b, _) = listener.accept().unwrap();
            b.write_all(b"BUSY 1234\n").unwrap();
            let (mut c, _) = listener.accept().unwrap();
            c.write_all(b"WHAT\n").unwrap();
            let (d, _) = listener.accept().unwrap();
            drop(d);
            a
        });
        let mut s = attach(&path, Duration::from_secs(5)).unwrap();
        let mut rest = [0u8; 14];
        s.read_exact(&mut rest).unwrap();
        assert_eq!(&rest, b"console output");
        match attach(&path, Duration::from_secs(5)) {
            Err(e @ AttachError::Busy(_)) => assert_eq!(
                e.to_string(),
                "Console is already in use by process ID 1234."
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            attach(&path, Duration::from_secs(5)),
            Err(AttachError::Protocol(_))
        ));
        assert!(matches!(
            attach(&path, Duration::from_secs(5)),
            Err(AttachError::NoServer(_))
        ));
        drop(server.join().unwrap());
    }
}
