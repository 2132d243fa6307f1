//! The console keeper of a zone: a small process the supervisor forks before it makes anything
//! of the zone, which outlives a supervisor that dies (kill -9, a crash) so the zone is never
//! left without its console nor its remains without an owner.
//!
//! A pty vanishes with the last descriptor of its master: had the supervisor held the only
//! one, a dead supervisor would have taken the zone's `/dev/console` with it for good (the
//! zone's init would even get a hang-up). illumos keeps the console in the kernel (`zcons`),
//! so a restarted zoneadmd opens it again; podman's conmon keeps it in a process of its own.
//! Here the keeper holds both ends of the pty: while a supervisor is connected it only waits;
//! when its supervisor is gone it reads the console into the console log (so the zone never
//! blocks on a full console) until a new supervisor connects to its socket and is handed the
//! pty (descriptors passed over a unix socket: no ptrace rights needed, unlike
//! `pidfd_getfd`) and the output it kept. A keeper that outlives its supervisor while the
//! zone is down (the supervisor died during a boot, before the zone could outlive it, or the
//! zone's init ended unsupervised) removes what is left of the zone, under the zone's lock,
//! unless a new supervisor has taken the zone over by then.

use super::console::{ConsoleLog, ConsolePty};
use crate::runtime::kernel::sys;
use crate::store::record::{ProcId, RunDir, ZoneRecord};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    self, AddressFamily, Backlog, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag,
    SockType, UnixAddr,
};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Supervisor → keeper: watch this zone process (its pidfd comes with the message).
const WATCH: u8 = b'Z';
/// Keeper → a supervisor that connected: the console (master and slave descriptors), then
/// the output kept while nobody supervised the zone.
const CONSOLE: u8 = b'M';
/// Console output a keeper keeps for the next supervisor (its console history).
const RECENT: usize = 2048;
/// How long a supervisor waits for a keeper to hand over the console.
const HANDOVER_WAIT: Duration = Duration::from_secs(2);

/// A keeper that failed to start, or to hand over its console.
#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    #[error("console keeper: {step}: {source}")]
    Sys {
        step: &'static str,
        #[source]
        source: Errno,
    },
    #[error("{}: no console keeper", .0.display())]
    Gone(PathBuf),
    #[error("console keeper did not hand over the console")]
    Protocol,
}

fn step(step: &'static str) -> impl FnOnce(Errno) -> KeeperError {
    move |source| KeeperError::Sys { step, source }
}

/// A keeper as its supervisor holds it.
pub struct Keeper {
    pub id: ProcId,
    pidfd: OwnedFd,
    conn: OwnedFd,
    /// Whether the keeper is our child (to be reaped), or one we adopted.
    child: bool,
}

/// The keeper process's own state: its zone, its sockets, the console it keeps, the zone
/// process it watches and where it logs.
struct Kept<'a> {
    altroot: &'a Path,
    zone: &'a str,
    listener: OwnedFd,
    conn: Option<OwnedFd>,
    /// A pidfd of the supervisor on `conn`: when the connection ends, the supervisor is
    /// waited for to be gone for good (a process being killed closes its descriptors before
    /// it stops looking alive in /proc).
    supervisor: Option<OwnedFd>,
    master: BorrowedFd<'a>,
    slave: BorrowedFd<'a>,
    watched: Option<OwnedFd>,
    recent: Vec<u8>,
    log: &'a mut dyn FnMut(&str),
}

impl Keeper {
    /// Fork the keeper of `zone`'s console. The caller is single-threaded.
    pub fn start(
        run: &RunDir,
        altroot: &Path,
        zone: &str,
        console: &ConsolePty,
        log: &mut dyn FnMut(&str),
    ) -> Result<Keeper, KeeperError> {
        let (ours, theirs) = socket::socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(step("socketpair"))?;
        let path = run.keeper_socket(zone);
        let me = sys::pidfd_open(std::process::id() as i32).map_err(step("pidfd_open"))?;
        let pid = sys::fork_with_flags(0).map_err(step("fork"))?;
        if pid == 0 {
            drop(ours);
            let keep = [
                theirs.as_raw_fd(),
                me.as_raw_fd(),
                console.master().as_raw_fd(),
                console.slave().as_raw_fd(),
            ];
            let _ = sys::close_other_fds(&keep);
            let _ = nix::sys::prctl::set_name(c"zconsole");
            // The socket is made here, not before the fork: a supervisor killed before it
            // forked leaves no socket behind, and a connecting supervisor's SO_PEERCRED names
            // the process that listens, which must be us.
            let listener = match listen_at(&path) {
                Ok(l) => l,
                Err(e) => {
                    log(&format!("{zone}: console keeper: {e}"));
                    // SAFETY: as below.
                    unsafe { libc::_exit(1) }
                }
            };
            let kept = Kept {
                altroot,
                zone,
                listener,
                conn: Some(theirs),
                supervisor: Some(me),
                master: console.master(),
                slave: console.slave(),
                watched: None,
                recent: Vec::new(),
                log,
            };
            kept.run();
            // SAFETY: _exit runs no destructors of the supervisor state this fork copied.
            unsafe { libc::_exit(0) }
        }
        drop(theirs);
        drop(me);
        let child = nix::unistd::Pid::from_raw(pid);
        let (pidfd, id) = match (sys::pidfd_open(pid), ProcId::of(pid)) {
            (Ok(fd), Some(id)) => (fd, id),
            (Err(e), _) => {
                let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                let _ = nix::sys::wait::waitpid(child, None);
                return Err(step("pidfd_open")(e));
            }
            (Ok(_), None) => {
                // It died at once (it logged why): reap it.
                let _ = nix::sys::wait::waitpid(child, None);
                return Err(KeeperError::Gone(path));
            }
        };
        Ok(Keeper {
            id,
            pidfd,
            conn: ours,
            child: true,
        })
    }

    /// Connect to the keeper of a zone whose supervisor died: the keeper, the console it
    /// kept and what the zone wrote on it meanwhile (at most `RECENT` bytes).
    pub fn adopt(run: &RunDir, zone: &str) -> Result<(Keeper, ConsolePty, Vec<u8>), KeeperError> {
        let path = run.keeper_socket(zone);
        let conn = socket::socket(
            AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(step("socket"))?;
        let addr = UnixAddr::new(&path).map_err(step("socket path"))?;
        match socket::connect(conn.as_raw_fd(), &addr) {
            Ok(()) => {}
            Err(Errno::ENOENT) | Err(Errno::ECONNREFUSED) => return Err(KeeperError::Gone(path)),
            Err(e) => return Err(step("connect")(e)),
        }
        let creds = socket::getsockopt(&conn, socket::sockopt::PeerCredentials)
            .map_err(step("peer credentials"))?;
        let pidfd = sys::pidfd_open(creds.pid()).map_err(step("pidfd_open"))?;
        let id = ProcId::of(creds.pid()).ok_or_else(|| KeeperError::Gone(path.clone()))?;
        let mut fds = [PollFd::new(conn.as_fd(), PollFlags::POLLIN)];
        let wait = PollTimeout::try_from(HANDOVER_WAIT).unwrap_or(PollTimeout::MAX);
        if poll(&mut fds, wait).map_err(step("poll"))? == 0 {
            return Err(KeeperError::Protocol);
        }
        let mut buf = vec![0u8; RECENT + 1];
        let (n, mut got) = recv_with_fds(conn.as_fd(), &mut buf).map_err(step("receive"))?;
        if n == 0 || buf[0] != CONSOLE || got.len() != 2 {
            return Err(KeeperError::Protocol);
        }
        let slave = got.pop().ok_or(KeeperError::Protocol)?;
        let master = got.pop().ok_or(KeeperError::Protocol)?;
        let console = ConsolePty::from_fds(master, slave).map_err(|e| KeeperError::Sys {
            step: "console",
            source: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        })?;
        let keeper = Keeper {
            id,
            pidfd,
            conn,
            child: false,
        };
        Ok((keeper, console, buf[1..n].to_vec()))
    }

    /// Tell the keeper which process is the zone's now (sent before that process may outlive
    /// the supervisor).
    pub fn watch(&self, zone_process: BorrowedFd<'_>) -> Result<(), KeeperError> {
        send_with_fds(self.conn.as_fd(), &[WATCH], &[zone_process.as_raw_fd()])
            .map_err(step("send the zone process"))
    }

    /// The zone is down and its supervisor cleans up itself: the keeper goes.
    pub fn stop(self) {
        let _ = sys::pidfd_kill(self.pidfd.as_fd(), libc::SIGKILL);
        if self.child {
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(self.id.pid), None);
        }
    }
}

/// A listening SOCK_SEQPACKET socket at `path` (mode 0600: only root may take the console).
fn listen_at(path: &Path) -> Result<OwnedFd, KeeperError> {
    let _ = std::fs::remove_file(path);
    let fd = socket::socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        None,
    )
    .map_err(step("socket"))?;
    let addr = UnixAddr::new(path).map_err(step("socket path"))?;
    socket::bind(fd.as_raw_fd(), &addr).map_err(step("bind"))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        KeeperError::Sys {
            step: "socket mode",
            source: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        }
    })?;
    socket::listen(&fd, Backlog::new(4).map_err(step("listen"))?).map_err(step("listen"))?;
    Ok(fd)
}

fn send_with_fds(sock: BorrowedFd<'_>, data: &[u8], fds: &[RawFd]) -> nix::Result<()> {
    let iov = [IoSlice::new(data)];
    let rights = [ControlMessage::ScmRights(fds)];
    let cmsgs: &[ControlMessage<'_>] = if fds.is_empty() { &[] } else { &rights };
    loop {
        match socket::sendmsg::<()>(sock.as_raw_fd(), &iov, cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
            Err(Errno::EINTR) => continue,
            other => return other.map(|_| ()),
        }
    }
}

/// One message and the descriptors that came with it (close-on-exec).
fn recv_with_fds(sock: BorrowedFd<'_>, buf: &mut [u8]) -> nix::Result<(usize, Vec<OwnedFd>)> {
    loop {
        let mut iov = [IoSliceMut::new(buf)];
        let mut space = nix::cmsg_space!([RawFd; 2]);
        let msg = match socket::recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(Errno::EINTR) => continue,
            other => other?,
        };
        let mut fds = Vec::new();
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(raw) = c {
                // SAFETY: the kernel just installed these descriptors for us; nothing else
                // owns them.
                fds.extend(
                    raw.into_iter()
                        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        return Ok((msg.bytes, fds));
    }
}

/// Whether the process behind a pidfd has ended (its pidfd is readable).
fn ended(pidfd: BorrowedFd<'_>) -> bool {
    let mut fds = [PollFd::new(pidfd, PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
}

impl Kept<'_> {
    fn logf(&mut self, msg: &str) {
        (self.log)(&format!("{}: console keeper: {msg}", self.zone));
    }

    /// Keep the console until the zone is gone (or the supervisor stops us).
    fn run(mut self) {
        let path = ConsoleLog::path(self.altroot, self.zone);
        let mut console_log = None;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let orphan = self.conn.is_none();
            let (listen_ev, conn_ev, master_ev, watched_ev) = {
                let mut fds = vec![PollFd::new(self.listener.as_fd(), PollFlags::POLLIN)];
                let conn_i = self.conn.as_ref().map(|c| {
                    fds.push(PollFd::new(c.as_fd(), PollFlags::POLLIN));
                    fds.len() - 1
                });
                let master_i = orphan.then(|| {
                    fds.push(PollFd::new(self.master, PollFlags::POLLIN));
                    fds.len() - 1
                });
                let watched_i = self.watched.as_ref().filter(|_| orphan).map(|w| {
                    fds.push(PollFd::new(w.as_fd(), PollFlags::POLLIN));
                    fds.len() - 1
                });
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    }
                }
                let ev = |i: Option<usize>| {
                    i.and_then(|i| fds[i].revents())
                        .is_some_and(|r| !r.is_empty())
                };
                (ev(Some(0)), ev(conn_i), ev(master_i), ev(watched_i))
            };
            if conn_ev && !self.supervisor_said() {
                return;
            }
            if listen_ev {
                self.hand_over();
            }
            if master_ev {
                if let Ok(n) = nix::unistd::read(self.master, &mut buf) {
                    let log = console_log.get_or_insert_with(|| ConsoleLog::open(path.clone()));
                    log.write(&buf[..n]);
                    self.recent.extend_from_slice(&buf[..n]);
                    let cut = self.recent.len().saturating_sub(RECENT);
                    self.recent.drain(..cut);
                }
            }
            if watched_ev {
                self.logf("the zone ended without a supervisor; cleaning up");
                clean_up(self.altroot, self.zone, &mut *self.log);
                return;
            }
        }
    }

    /// A message (or the end) from the supervisor; `false` when the keeper is done.
    fn supervisor_said(&mut self) -> bool {
        let Some(conn) = self.conn.as_ref() else {
            return true;
        };
        let mut buf = [0u8; 16];
        match recv_with_fds(conn.as_fd(), &mut buf) {
            Ok((n, mut fds)) if n > 0 => {
                if buf[0] == WATCH {
                    if let Some(fd) = fds.pop() {
                        self.watched = Some(fd);
                    }
                }
                true
            }
            Err(Errno::EAGAIN) => true,
            // The supervisor is gone (it never exits while we run: it stops us first).
            _ => {
                self.conn = None;
                if let Some(sup) = self.supervisor.take() {
                    let mut fds = [PollFd::new(sup.as_fd(), PollFlags::POLLIN)];
                    let wait = PollTimeout::try_from(HANDOVER_WAIT).unwrap_or(PollTimeout::MAX);
                    let _ = poll(&mut fds, wait);
                }
                let running = self.watched.as_ref().is_some_and(|w| !ended(w.as_fd()));
                if running {
                    self.logf(
                        "zoneadmd is gone; keeping the console until a new one adopts the zone",
                    );
                    return true;
                }
                self.logf("zoneadmd is gone and the zone is not running; cleaning up");
                clean_up(self.altroot, self.zone, &mut *self.log);
                false
            }
        }
    }

    /// A new supervisor connected: it gets the console, unless one holds it already.
    fn hand_over(&mut self) {
        let Ok(raw) = socket::accept4(self.listener.as_raw_fd(), SockFlag::SOCK_CLOEXEC) else {
            return;
        };
        // SAFETY: accept4 returned a new descriptor that nothing else owns.
        let conn = unsafe { OwnedFd::from_raw_fd(raw) };
        if self.conn.is_some() {
            return;
        }
        let Some(supervisor) = socket::getsockopt(&conn, socket::sockopt::PeerCredentials)
            .ok()
            .and_then(|c| sys::pidfd_open(c.pid()).ok())
        else {
            return;
        };
        let mut msg = vec![CONSOLE];
        msg.extend_from_slice(&self.recent);
        let fds = [self.master.as_raw_fd(), self.slave.as_raw_fd()];
        if send_with_fds(conn.as_fd(), &msg, &fds).is_ok() {
            self.recent.clear();
            self.conn = Some(conn);
            self.supervisor = Some(supervisor);
            self.logf("a new zoneadmd has taken the console");
        }
    }
}

/// Remove what is left of a zone nobody supervises: its processes and cgroup, its temporary
/// pool, its runtime files. Under the zone's lock, and only while no supervisor holds the
/// zone (one that took it over in the meantime owns what is there).
fn clean_up(altroot: &Path, zone: &str, log: &mut dyn FnMut(&str)) {
    let store = crate::store::Store::new(altroot.to_path_buf());
    let _lock = match store.lock_zone(zone) {
        Ok(l) => l,
        Err(e) => {
            log(&format!("{zone}: console keeper: cannot clean up: {e}"));
            return;
        }
    };
    let run = RunDir::new(altroot);
    let rec = run.read(zone);
    let me = ProcId::of(std::process::id() as i32);
    let taken = rec.as_ref().is_some_and(|r| {
        r.supervisor.alive() || r.keeper.is_some_and(|k| Some(k) != me && k.alive())
    });
    if taken {
        return;
    }
    if let Err(e) = remove_remains(altroot, zone, rec.as_ref()) {
        log(&format!("{zone}: console keeper: {e}"));
    }
}

/// Why the remains of a zone could not all be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemainsError {
    #[error("cgroups: {0}")]
    Cgroups(#[source] crate::cgroup::CgroupError),
    #[error(transparent)]
    Zone(#[from] crate::runtime::platform::zone::ZoneError),
    #[error("temporary pool: {0}")]
    Pool(#[source] crate::pool::PoolError),
}

/// Take down a zone without its supervisor (dead, stopped, or never done starting): its
/// console keeper (unless that is us), every process in its cgroup and the cgroup, its
/// temporary pool, its runtime files. The caller holds the zone's lock. Every step is tried;
/// the first failure is returned.
pub fn remove_remains(
    altroot: &Path,
    zone: &str,
    rec: Option<&ZoneRecord>,
) -> Result<(), RemainsError> {
    let backend = crate::cgroup::probe().map_err(RemainsError::Cgroups)?;
    let me = std::process::id() as i32;
    if let Some(k) = rec.and_then(|r| r.keeper).filter(|k| k.pid != me) {
        if let Ok(fd) = sys::pidfd_open(k.pid) {
            // Checked after the pidfd is open: it cannot stand for a later process.
            if k.alive() {
                let _ = sys::pidfd_kill(fd.as_fd(), libc::SIGKILL);
            }
        }
    }
    let halted = crate::runtime::platform::zone::force_halt(
        altroot,
        zone,
        rec.and_then(|r| r.init),
        backend.as_ref(),
    );
    let pool = crate::pool::CpusetKernel::new(altroot)
        .and_then(|k| crate::pool::zones::release_temporary(altroot, k, zone));
    RunDir::new(altroot).remove(zone);
    let store = crate::store::Store::new(altroot.to_path_buf());
    let _ = crate::runtime::platform::global::balance(&store, backend.as_ref());
    halted?;
    pool.map_err(RemainsError::Pool)
}
