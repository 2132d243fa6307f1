//! zlogin's I/O loops, single-threaded and poll-based: the interactive session (the user's
//! terminal in raw mode on one side, a zone pty master or the supervisor's console stream on
//! the other, escapes and window sizes handled on the way) and the command-mode pump (pipes
//! standing in for terminal descriptors that must not reach into a zone). Signals arrive on a
//! signalfd, so no handler ever runs concurrently with the loop.

use super::escape::{canonify, Action, Escape, TermChars};
use crate::runtime::supervisor::console;
use crate::runtime::supervisor::proto;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::termios::{
    self, InputFlags, LocalFlags, OutputFlags, SetArg, SpecialCharacterIndices, Termios,
};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

const BUF_SIZE: usize = 16 * 1024;
/// Keystrokes queued for the zone beyond which the keyboard is not read until they drain.
const INPUT_HIGH_WATER: usize = 64 * 1024;
/// After the zone's process exits: how long output may keep trickling in, and the most time
/// spent collecting it (a background job could write forever).
const DRAIN_QUIET: Duration = Duration::from_millis(100);
const DRAIN_MAX: Duration = Duration::from_secs(1);

fn timeout(d: Duration) -> PollTimeout {
    PollTimeout::try_from(d).unwrap_or(PollTimeout::MAX)
}

fn revents(fds: &[PollFd<'_>], i: Option<usize>) -> PollFlags {
    i.and_then(|i| fds.get(i))
        .and_then(|f| f.revents())
        .unwrap_or(PollFlags::empty())
}

/// The user's terminal in raw mode for as long as this guard lives: dropping it (also on an
/// error path or a panic) puts the saved settings back.
pub struct RawTerminal {
    fd: OwnedFd,
    saved: Termios,
}

impl RawTerminal {
    /// Save the settings of the terminal `fd` and switch it to raw mode (Solaris' zlogin
    /// set: no input translation, no output processing, no signals, no echo, byte at a time).
    pub fn enter(fd: BorrowedFd<'_>) -> nix::Result<RawTerminal> {
        let saved = termios::tcgetattr(fd)?;
        let fd = fd.try_clone_to_owned().map_err(|_| Errno::EBADF)?;
        let t = RawTerminal { fd, saved };
        t.make_raw()?;
        Ok(t)
    }

    fn make_raw(&self) -> nix::Result<()> {
        let mut t = self.saved.clone();
        t.input_flags.remove(
            InputFlags::ISTRIP
                | InputFlags::IXON
                | InputFlags::IXANY
                | InputFlags::INLCR
                | InputFlags::ICRNL
                | InputFlags::IGNCR,
        );
        t.output_flags.remove(OutputFlags::OPOST);
        t.local_flags
            .remove(LocalFlags::ICANON | LocalFlags::ISIG | LocalFlags::ECHO | LocalFlags::IEXTEN);
        t.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        t.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        // TCSANOW, not TCSAFLUSH: keystrokes typed ahead belong to the session.
        termios::tcsetattr(&self.fd, SetArg::TCSANOW, &t)
    }

    /// The settings from before raw mode (for the zone pty, and the control characters).
    pub fn saved(&self) -> &Termios {
        &self.saved
    }

    /// The control characters of the saved settings.
    pub fn chars(&self) -> TermChars {
        term_chars(&self.saved)
    }

    /// Put the saved settings back (dropping the guard does this too).
    pub fn restore(&self) {
        let _ = termios::tcsetattr(&self.fd, SetArg::TCSADRAIN, &self.saved);
    }

    /// Stop as a shell job (`~^Z`): terminal restored while stopped, raw again afterwards.
    pub fn suspend(&self) -> nix::Result<()> {
        self.restore();
        // An orphaned process group ignores SIGTSTP, so this never stops us for good.
        nix::sys::signal::raise(Signal::SIGTSTP)?;
        self.make_raw()
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        self.restore();
    }
}

/// The control characters of terminal settings, for escape handling.
pub fn term_chars(t: &Termios) -> TermChars {
    let cc = |i: SpecialCharacterIndices| t.control_chars[i as usize];
    TermChars {
        eof: cc(SpecialCharacterIndices::VEOF),
        eol: cc(SpecialCharacterIndices::VEOL),
        kill: cc(SpecialCharacterIndices::VKILL),
        intr: cc(SpecialCharacterIndices::VINTR),
        susp: cc(SpecialCharacterIndices::VSUSP),
    }
}

/// Block `signals` for this thread and deliver them on a (non-blocking) signalfd instead.
/// Processes forked afterwards inherit the mask: whatever they exec must unblock it.
pub fn catch_signals(signals: &[Signal]) -> nix::Result<SignalFd> {
    let mut set = SigSet::empty();
    for s in signals {
        set.add(*s);
    }
    set.thread_block()?;
    SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
}

/// Signals pending on `sfd`, oldest first.
fn pending_signals(sfd: &SignalFd) -> Vec<Signal> {
    let mut out = Vec::new();
    while let Ok(Some(info)) = sfd.read_signal() {
        if let Ok(s) = Signal::try_from(info.ssi_signo as i32) {
            out.push(s);
        }
    }
    out
}

/// Write all of `data` to `fd`, waiting when it is non-blocking and full.
pub fn write_all(fd: BorrowedFd<'_>, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                let mut p = [PollFd::new(fd, PollFlags::POLLOUT)];
                let _ = poll(&mut p, timeout(Duration::from_secs(1)));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The zone side of an interactive session.
pub enum Link {
    /// The master of a pty made inside the zone (`zlogin zone`).
    Pty(OwnedFd),
    /// A stream to the zone's supervisor, attached to the zone console (`zlogin -C`).
    Console(UnixStream),
}

impl Link {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Link::Pty(fd) => fd.as_fd(),
            Link::Console(s) => s.as_fd(),
        }
    }

    /// Queue keystrokes for the zone.
    fn push_input(&self, bytes: &[u8], queue: &mut Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        match self {
            Link::Pty(_) => queue.extend_from_slice(bytes),
            Link::Console(_) => queue.extend(proto::console_data_frame(bytes)),
        }
    }

    /// Give the zone side a new window size (the pty's foreground job gets SIGWINCH).
    fn resize(&self, rows: u16, cols: u16, queue: &mut Vec<u8>) {
        match self {
            Link::Pty(fd) => {
                let _ = console::set_winsize(fd.as_fd(), rows, cols);
            }
            Link::Console(_) => queue.extend(proto::console_winsize_frame(rows, cols)),
        }
    }

    /// Read zone output; `Ok(None)` when the zone side is gone (EOF, or EIO from a pty
    /// master whose slave nobody holds any more), `Ok(Some(0))` when nothing is there now.
    fn read(&self, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
        match nix::unistd::read(self.fd(), buf) {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n)),
            Err(Errno::EAGAIN) | Err(Errno::EINTR) => Ok(Some(0)),
            Err(Errno::EIO) | Err(Errno::ECONNRESET) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Write queued input as far as the zone side takes it now. `false` when it is gone.
    fn flush(&self, queue: &mut Vec<u8>) -> bool {
        while !queue.is_empty() {
            match nix::unistd::write(self.fd(), queue) {
                Ok(n) => {
                    queue.drain(..n);
                }
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return true,
                Err(_) => return false,
            }
        }
        true
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The zone side closed: the shell and everything holding its pty exited, the zone was
    /// halted, or the supervisor went away.
    Closed,
    /// The user typed the disconnect escape.
    Disconnected,
    /// The session's process (the shell) exited.
    ChildExited,
    /// The user's input ended (hang-up or end of file).
    InputClosed,
    /// A terminating signal (SIGHUP, SIGTERM, SIGINT, SIGQUIT) arrived.
    Signal(Signal),
}

/// Everything an interactive session works with.
pub struct Session<'a> {
    /// The user's input (the terminal, usually).
    pub input: BorrowedFd<'a>,
    /// Where zone output goes.
    pub output: BorrowedFd<'a>,
    pub link: &'a Link,
    pub escape: &'a mut Escape,
    /// The signalfd of [`catch_signals`]: SIGWINCH plus the terminating signals.
    pub signals: &'a SignalFd,
    /// A pidfd of the session's process, if zlogin started one.
    pub child: Option<BorrowedFd<'a>>,
    /// The raw-mode guard, for `~^Z`.
    pub terminal: Option<&'a RawTerminal>,
}

impl Session<'_> {
    /// Relay until the session ends. The user's window size is sent at once and again on
    /// every SIGWINCH.
    pub fn run(&mut self) -> std::io::Result<SessionEnd> {
        console::set_nonblocking(self.link.fd())?;
        let mut to_link = Vec::new();
        self.send_winsize(&mut to_link);
        let mut buf = vec![0u8; BUF_SIZE];
        let mut plain = Vec::new();
        loop {
            let (link_ev, sig_ev, in_ev, child_ev) = {
                let mut link_flags = PollFlags::POLLIN;
                if !to_link.is_empty() {
                    link_flags |= PollFlags::POLLOUT;
                }
                let mut fds = vec![
                    PollFd::new(self.link.fd(), link_flags),
                    PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                ];
                let in_i = (to_link.len() < INPUT_HIGH_WATER).then(|| {
                    fds.push(PollFd::new(self.input, PollFlags::POLLIN));
                    fds.len() - 1
                });
                let child_i = self.child.map(|c| {
                    fds.push(PollFd::new(c, PollFlags::POLLIN));
                    fds.len() - 1
                });
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) => {}
                    Err(Errno::EINTR) => continue,
                    Err(e) => return Err(e.into()),
                }
                (
                    revents(&fds, Some(0)),
                    revents(&fds, Some(1)),
                    revents(&fds, in_i),
                    revents(&fds, child_i),
                )
            };
            if !sig_ev.is_empty() {
                for sig in pending_signals(self.signals) {
                    if sig == Signal::SIGWINCH {
                        self.send_winsize(&mut to_link);
                    } else {
                        return Ok(SessionEnd::Signal(sig));
                    }
                }
            }
            if link_ev.contains(PollFlags::POLLOUT) && !self.link.flush(&mut to_link) {
                return Ok(SessionEnd::Closed);
            }
            if link_ev.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
                match self.link.read(&mut buf)? {
                    None => return Ok(SessionEnd::Closed),
                    Some(n) => write_all(self.output, &buf[..n])?,
                }
            }
            if !in_ev.is_empty() {
                let n = match nix::unistd::read(self.input, &mut buf) {
                    Ok(0) | Err(Errno::EIO) => {
                        self.link.flush(&mut to_link);
                        return Ok(SessionEnd::InputClosed);
                    }
                    Ok(n) => n,
                    Err(Errno::EAGAIN) | Err(Errno::EINTR) => 0,
                    Err(e) => return Err(e.into()),
                };
                let mut rest = &buf[..n];
                while !rest.is_empty() {
                    plain.clear();
                    let fed = self.escape.feed(rest, &mut plain);
                    self.link.push_input(&plain, &mut to_link);
                    rest = &rest[fed.consumed..];
                    match fed.action {
                        None => {}
                        Some(Action::Disconnect(b)) => {
                            self.link.flush(&mut to_link);
                            let esc = self.escape.char().unwrap_or(b'~');
                            let echo = format!("{}{}", canonify(esc), canonify(b));
                            let _ = write_all(self.output, echo.as_bytes());
                            return Ok(SessionEnd::Disconnected);
                        }
                        Some(Action::Suspend) => {
                            if let Some(t) = self.terminal {
                                t.suspend()?;
                                self.send_winsize(&mut to_link);
                            }
                        }
                    }
                }
                if !self.link.flush(&mut to_link) {
                    return Ok(SessionEnd::Closed);
                }
            }
            if !child_ev.is_empty() {
                self.drain(&mut buf)?;
                return Ok(SessionEnd::ChildExited);
            }
        }
    }

    fn send_winsize(&self, queue: &mut Vec<u8>) {
        if let Some((rows, cols)) = console::get_winsize(self.input) {
            self.link.resize(rows, cols, queue);
        }
    }

    /// Pass on the output still coming after the session's process exited.
    fn drain(&self, buf: &mut [u8]) -> std::io::Result<()> {
        let end = Instant::now() + DRAIN_MAX;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            let mut fds = [PollFd::new(self.link.fd(), PollFlags::POLLIN)];
            match poll(&mut fds, timeout(DRAIN_QUIET.min(left))) {
                Ok(0) => return Ok(()),
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
            match self.link.read(buf)? {
                None => return Ok(()),
                Some(n) => write_all(self.output, &buf[..n])?,
            }
        }
    }
}

/// While there is no zone side yet (a console attached before the zone is up): watch the
/// user's input for the disconnect escape, for at most `wait`. Everything else typed is
/// dropped, as on a console line nobody listens to. `Some(end)` when the session is over.
pub fn idle(
    input: BorrowedFd<'_>,
    output: BorrowedFd<'_>,
    escape: &mut Escape,
    signals: &SignalFd,
    terminal: Option<&RawTerminal>,
    wait: Duration,
) -> std::io::Result<Option<SessionEnd>> {
    let end = Instant::now() + wait;
    let mut buf = [0u8; 1024];
    let mut plain = Vec::new();
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        let mut fds = [
            PollFd::new(signals.as_fd(), PollFlags::POLLIN),
            PollFd::new(input, PollFlags::POLLIN),
        ];
        match poll(&mut fds, timeout(left)) {
            Ok(0) => return Ok(None),
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        for sig in pending_signals(signals) {
            if sig != Signal::SIGWINCH {
                return Ok(Some(SessionEnd::Signal(sig)));
            }
        }
        if revents(&fds, Some(1)).is_empty() {
            continue;
        }
        let n = match nix::unistd::read(input, &mut buf) {
            Ok(0) | Err(Errno::EIO) => return Ok(Some(SessionEnd::InputClosed)),
            Ok(n) => n,
            Err(Errno::EAGAIN) | Err(Errno::EINTR) => 0,
            Err(e) => return Err(e.into()),
        };
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            plain.clear();
            let fed = escape.feed(rest, &mut plain);
            rest = &rest[fed.consumed..];
            match fed.action {
                None => {}
                Some(Action::Disconnect(b)) => {
                    let esc = escape.char().unwrap_or(b'~');
                    let _ = write_all(
                        output,
                        format!("{}{}", canonify(esc), canonify(b)).as_bytes(),
                    );
                    return Ok(Some(SessionEnd::Disconnected));
                }
                Some(Action::Suspend) => {
                    if let Some(t) = terminal {
                        t.suspend()?;
                    }
                }
            }
        }
    }
}

/// The pipes of a command run with zlogin's terminal kept out of the zone: bytes read from
/// the terminal go into the command's stdin pipe, its output pipes are copied to ours.
pub struct Pump<'a> {
    /// Our input and the write end of the command's stdin pipe.
    pub stdin: Option<(BorrowedFd<'a>, OwnedFd)>,
    /// Read ends of the command's output pipes, and where each one's bytes go.
    pub outputs: Vec<(OwnedFd, BorrowedFd<'a>)>,
    /// A pidfd of the command.
    pub child: BorrowedFd<'a>,
    /// The signalfd of [`catch_signals`]; every signal on it is handed to `forward`.
    pub signals: &'a SignalFd,
}

impl Pump<'_> {
    /// Relay until the command exits (then pass on what output is still coming).
    pub fn run(mut self, forward: &mut dyn FnMut(Signal)) -> std::io::Result<()> {
        for (fd, _) in &self.outputs {
            console::set_nonblocking(fd.as_fd())?;
        }
        if let Some((_, pipe)) = &self.stdin {
            console::set_nonblocking(pipe.as_fd())?;
        }
        let mut buf = vec![0u8; BUF_SIZE];
        let mut to_child: Vec<u8> = Vec::new();
        loop {
            let (sig_ev, child_ev, in_ev, pipe_ev, out_ev) = {
                let mut fds = vec![
                    PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.child, PollFlags::POLLIN),
                ];
                let (in_i, pipe_i) = match &self.stdin {
                    Some((input, pipe)) => {
                        let pipe_i = (!to_child.is_empty()).then(|| {
                            fds.push(PollFd::new(pipe.as_fd(), PollFlags::POLLOUT));
                            fds.len() - 1
                        });
                        let in_i = to_child.is_empty().then(|| {
                            fds.push(PollFd::new(*input, PollFlags::POLLIN));
                            fds.len() - 1
                        });
                        (in_i, pipe_i)
                    }
                    None => (None, None),
                };
                let first_out = fds.len();
                for (fd, _) in &self.outputs {
                    fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
                }
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) => {}
                    Err(Errno::EINTR) => continue,
                    Err(e) => return Err(e.into()),
                }
                let out_ev: Vec<PollFlags> = (first_out..fds.len())
                    .map(|i| revents(&fds, Some(i)))
                    .collect();
                (
                    revents(&fds, Some(0)),
                    revents(&fds, Some(1)),
                    revents(&fds, in_i),
                    revents(&fds, pipe_i),
                    out_ev,
                )
            };
            if !sig_ev.is_empty() {
                for sig in pending_signals(self.signals) {
                    forward(sig);
                }
            }
            self.copy_outputs(&out_ev, &mut buf)?;
            if !in_ev.is_empty() {
                if let Some((input, _)) = &self.stdin {
                    match nix::unistd::read(*input, &mut buf) {
                        // End of input: the command sees end of file too.
                        Ok(0) | Err(Errno::EIO) => self.stdin = None,
                        Ok(n) => to_child.extend_from_slice(&buf[..n]),
                        Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            if !to_child.is_empty() && (!pipe_ev.is_empty() || !in_ev.is_empty()) {
                if let Some((_, pipe)) = &self.stdin {
                    match nix::unistd::write(pipe, &to_child) {
                        Ok(n) => {
                            to_child.drain(..n);
                        }
                        Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                        // The command closed its stdin: stop feeding it.
                        Err(_) => {
                            to_child.clear();
                            self.stdin = None;
                        }
                    }
                }
            }
            if !child_ev.is_empty() {
                return self.drain(&mut buf);
            }
        }
    }

    /// Copy what is readable on the output pipes; pipes at end of file (or whose
    /// destination is gone) are closed and dropped.
    fn copy_outputs(&mut self, events: &[PollFlags], buf: &mut [u8]) -> std::io::Result<()> {
        let mut done = Vec::new();
        for (i, ev) in events.iter().enumerate() {
            if ev.is_empty() {
                continue;
            }
            let Some((pipe, dst)) = self.outputs.get(i) else {
                continue;
            };
            match nix::unistd::read(pipe, buf) {
                Ok(0) => done.push(i),
                Ok(n) => {
                    if write_all(*dst, &buf[..n]).is_err() {
                        done.push(i);
                    }
                }
                Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                Err(_) => done.push(i),
            }
        }
        for i in done.into_iter().rev() {
            self.outputs.remove(i);
        }
        Ok(())
    }

    fn drain(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        self.stdin = None;
        let end = Instant::now() + DRAIN_MAX;
        while !self.outputs.is_empty() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let events = {
                let mut fds: Vec<PollFd<'_>> = self
                    .outputs
                    .iter()
                    .map(|(fd, _)| PollFd::new(fd.as_fd(), PollFlags::POLLIN))
                    .collect();
                match poll(&mut fds, timeout(DRAIN_QUIET.min(left))) {
                    Ok(0) => break,
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(e.into()),
                }
                (0..fds.len())
                    .map(|i| revents(&fds, Some(i)))
                    .collect::<Vec<_>>()
            };
            self.copy_outputs(&events, buf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::enter::escape::TermChars;
    use std::io::{Read, Write};

    fn pipe() -> (OwnedFd, OwnedFd) {
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap()
    }

    /// A session between the pipe ends `input` and `output` and `link`: no child, no
    /// terminal, no signals; how it ended.
    fn plain_session(
        input: &OwnedFd,
        output: &OwnedFd,
        link: &Link,
        escape: &mut Escape,
    ) -> SessionEnd {
        let sfd = nonblocking_signals();
        Session {
            input: input.as_fd(),
            output: output.as_fd(),
            link,
            escape,
            signals: &sfd,
            child: None,
            terminal: None,
        }
        .run()
        .unwrap()
    }

    fn nonblocking_signals() -> SignalFd {
        // An empty mask: nothing is blocked, the fd never becomes readable.
        SignalFd::with_flags(
            &SigSet::empty(),
            SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC,
        )
        .unwrap()
    }

    #[test]
    fn console_session_frames_input_and_relays_output() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let (in_r, in_w) = pipe();
        let (out_r, out_w) = pipe();
        let link = Link::Console(ours);
        let mut escape = Escape::new(Some(b'~'), TermChars::default());
        theirs.write_all(b"login: ").unwrap();
        nix::unistd::write(&in_w, b"root\r~.").unwrap();
        let end = plain_session(&in_r, &out_w, &link, &mut escape);
        assert_eq!(end, SessionEnd::Disconnected);
        drop(out_w);
        let mut out = String::new();
        std::fs::File::from(out_r).read_to_string(&mut out).unwrap();
        assert!(out.starts_with("login: ") || out == "~.", "{out:?}");
        assert!(out.ends_with("~."), "{out:?}");
        drop(link);
        let mut sent = Vec::new();
        theirs.read_to_end(&mut sent).unwrap();
        let frames = proto::ConsoleDecoder::default().feed(&sent).unwrap();
        let data: Vec<u8> = frames
            .into_iter()
            .flat_map(|f| match f {
                proto::ConsoleFrame::Data(d) => d,
                proto::ConsoleFrame::Winsize { .. } => Vec::new(),
            })
            .collect();
        assert_eq!(data, b"root\r");
    }

    #[test]
    fn session_ends_when_the_zone_side_closes() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let (in_r, _in_w) = pipe();
        let (_out_r, out_w) = pipe();
        let link = Link::Console(ours);
        let mut escape = Escape::new(None, TermChars::default());
        drop(theirs);
        let end = plain_session(&in_r, &out_w, &link, &mut escape);
        assert_eq!(end, SessionEnd::Closed);
    }

    #[test]
    fn pty_session_ends_with_eio_after_output() {
        let pty = nix::pty::openpty(None, None).unwrap();
        let (in_r, _in_w) = pipe();
        let (out_r, out_w) = pipe();
        let mut slave = std::fs::File::from(pty.slave);
        slave.write_all(b"bye\n").unwrap();
        drop(slave);
        let link = Link::Pty(pty.master);
        let mut escape = Escape::new(Some(b'~'), TermChars::default());
        let end = plain_session(&in_r, &out_w, &link, &mut escape);
        assert_eq!(end, SessionEnd::Closed);
        drop(out_w);
        let mut out = String::new();
        std::fs::File::from(out_r).read_to_string(&mut out).unwrap();
        assert_eq!(out, "bye\r\n");
    }

    #[test]
    fn idle_sees_the_escape() {
        let (in_r, in_w) = pipe();
        let (_out_r, out_w) = pipe();
        let sfd = nonblocking_signals();
        let mut escape = Escape::new(Some(b'~'), TermChars::default());
        let r = idle(
            in_r.as_fd(),
            out_w.as_fd(),
            &mut escape,
            &sfd,
            None,
            Duration::from_millis(10),
        )
        .unwrap();
        assert_eq!(r, None);
        nix::unistd::write(&in_w, b"junk\r~.").unwrap();
        let r = idle(
            in_r.as_fd(),
            out_w.as_fd(),
            &mut escape,
            &sfd,
            None,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(r, Some(SessionEnd::Disconnected));
    }

    #[test]
    fn pump_feeds_stdin_and_copies_output_until_the_child_exits() {
        // The "command" is a child process: cat from one pipe into another.
        let (cmd_in_r, cmd_in_w) = pipe();
        let (cmd_out_r, cmd_out_w) = pipe();
        let (user_in_r, user_in_w) = pipe();
        let (result_r, result_w) = pipe();
        let child = std::process::Command::new("cat")
            .stdin(std::process::Stdio::from(cmd_in_r))
            .stdout(std::process::Stdio::from(cmd_out_w))
            .spawn()
            .unwrap();
        let pidfd = crate::runtime::kernel::sys::pidfd_open(child.id() as i32).unwrap();
        nix::unistd::write(&user_in_w, b"hello through pipes\n").unwrap();
        drop(user_in_w);
        let sfd = nonblocking_signals();
        Pump {
            stdin: Some((user_in_r.as_fd(), cmd_in_w)),
            outputs: vec![(cmd_out_r, result_w.as_fd())],
            child: pidfd.as_fd(),
            signals: &sfd,
        }
        .run(&mut |_| {})
        .unwrap();
        let mut child = child;
        assert!(child.wait().unwrap().success());
        drop(result_w);
        let mut out = String::new();
        std::fs::File::from(result_r)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "hello through pipes\n");
    }
}
