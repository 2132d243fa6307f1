//! The zone console: a pty whose slave is the zone's `/dev/console` and whose master the
//! supervisor holds for the zone's whole life (and its keeper beyond a supervisor's death),
//! so `zlogin -C` can attach and detach at will; the console log on disk; and the client
//! side of attaching (connect to the supervisor's console socket, read its greeting).

use super::proto::ConsoleGreeting;
use nix::fcntl::OFlag;
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The console pty of a zone.
pub struct ConsolePty {
    master: OwnedFd,
    /// Kept open so the master never reads EIO while the zone has no console open (e.g.
    /// between boots).
    slave: OwnedFd,
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
        let master = OwnedFd::from(master);
        set_nonblocking(master.as_fd())?;
        set_winsize(master.as_fd(), 24, 80)?;
        Ok(ConsolePty {
            master,
            slave,
            slave_path,
        })
    }

    /// The console a keeper handed over (see `keeper`): its two ends; the slave's path is
    /// read back from the descriptor.
    pub fn from_fds(master: OwnedFd, slave: OwnedFd) -> std::io::Result<ConsolePty> {
        let slave_path = std::fs::read_link(format!("/proc/self/fd/{}", slave.as_raw_fd()))?;
        set_nonblocking(master.as_fd())?;
        Ok(ConsolePty {
            master,
            slave,
            slave_path,
        })
    }

    pub fn master(&self) -> BorrowedFd<'_> {
        self.master.as_fd()
    }

    pub fn slave(&self) -> BorrowedFd<'_> {
        self.slave.as_fd()
    }
}

/// How much console output the log keeps before it is rotated: the file and its one
/// predecessor (`.0`) together never hold more than twice this.
pub const CONSOLE_LOG_MAX: u64 = 256 * 1024;

/// The zone console's output on disk, `var/log/zones/<zone>.console` next to the zone's other
/// logs (Solaris 11 keeps it as `/var/log/zones/<zone>.console` too), so what the zone said
/// while nobody was attached (a boot that went wrong, a panic) can be read afterwards. When
/// it reaches `CONSOLE_LOG_MAX` it becomes `<zone>.console.0` and a new one starts. A log
/// that cannot be written is given up silently: the console itself matters more.
pub struct ConsoleLog {
    path: PathBuf,
    file: Option<std::fs::File>,
    size: u64,
    max: u64,
}

impl ConsoleLog {
    /// The console log of `zone` under the alternate root.
    pub fn path(altroot: &Path, zone: &str) -> PathBuf {
        crate::store::Store::new(altroot)
            .log_dir()
            .join(format!("{zone}.console"))
    }

    pub fn open(path: PathBuf) -> ConsoleLog {
        ConsoleLog::with_limit(path, CONSOLE_LOG_MAX)
    }

    pub fn with_limit(path: PathBuf, max: u64) -> ConsoleLog {
        let mut log = ConsoleLog {
            path,
            file: None,
            size: 0,
            max,
        };
        log.reopen();
        log
    }

    fn reopen(&mut self) {
        use std::os::unix::fs::OpenOptionsExt;
        self.file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&self.path)
            .ok();
        self.size = self
            .file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(0, |m| m.len());
    }

    /// Append console output, rotating first when it would pass the limit.
    pub fn write(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.size > 0 && self.size + bytes.len() as u64 > self.max {
            let mut old = self.path.clone().into_os_string();
            old.push(".0");
            let _ = std::fs::rename(&self.path, old);
            self.reopen();
        }
        let Some(f) = self.file.as_mut() else {
            return;
        };
        // One chunk bigger than the whole limit keeps only its tail.
        let keep = &bytes[bytes.len().saturating_sub(self.max as usize)..];
        if f.write_all(keep).is_ok() {
            self.size += keep.len() as u64;
        } else {
            self.file = None;
        }
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
    fn console_log_is_rotated_and_bounded() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("z.console");
        let mut log = ConsoleLog::with_limit(path.clone(), 100);
        for i in 0..30 {
            log.write(format!("line {i:02}\r\n").as_bytes());
        }
        let now = std::fs::read_to_string(&path).unwrap();
        let old = std::fs::read_to_string(t.path().join("z.console.0")).unwrap();
        assert!(now.len() <= 100 && old.len() <= 100, "{now:?} {old:?}");
        assert!(now.ends_with("line 29\r\n"), "{now:?}");
        assert!(old.ends_with(&format!("line {:02}\r\n", 29 - now.len() / 9)));
        // A log reopened later goes on where it was.
        drop(log);
        let mut log = ConsoleLog::with_limit(path.clone(), 100);
        log.write(b"more\r\n");
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .ends_with("more\r\n"));
        // One write bigger than the limit keeps its end.
        log.write(&[b'x'; 250]);
        assert_eq!(std::fs::read(&path).unwrap(), vec![b'x'; 100]);
    }

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
