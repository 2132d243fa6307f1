//! Command mode: `zlogin zone utility [args...]`. The zone process gets our pipes, files and
//! /dev/null straight (the fast path: nothing to relay, zlogin only waits). A descriptor that
//! is a terminal is never handed into the zone (a zone process could push input into it with
//! TIOCSTI, or change its settings): a pipe stands in for it and zlogin copies between the two.

use crate::options::Options;
use crate::{setup, zerror, EXIT_ERR};
use libzone::runtime::enter;
use libzone::runtime::enter::relay::Pump;
use libzone::runtime::kernel::sys;
use libzone::store::record::ZoneRecord;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use std::io::IsTerminal;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// The exit status zlogin reports for its child.
pub fn exit_code(status: nix::Result<WaitStatus>) -> i32 {
    match status {
        Ok(WaitStatus::Exited(_, code)) => code,
        Ok(WaitStatus::Signaled(_, sig, _)) => 128 + sig as i32,
        _ => EXIT_ERR,
    }
}

fn pipe() -> nix::Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
}

/// One standard descriptor of the command: ours as it is, or a pipe standing in for our
/// terminal (`theirs` goes into the zone, `ours` is relayed).
struct Stdio {
    theirs: Option<OwnedFd>,
    ours: Option<OwnedFd>,
}

impl Stdio {
    fn direct() -> Stdio {
        Stdio {
            theirs: None,
            ours: None,
        }
    }

    /// A pipe for a terminal descriptor; `reading` = the command reads from it (stdin).
    fn relayed(reading: bool) -> nix::Result<Stdio> {
        let (r, w) = pipe()?;
        let (theirs, ours) = if reading { (r, w) } else { (w, r) };
        Ok(Stdio {
            theirs: Some(theirs),
            ours: Some(ours),
        })
    }

    fn raw(&self, fallback: i32) -> i32 {
        self.theirs.as_ref().map_or(fallback, |fd| fd.as_raw_fd())
    }
}

fn plan_stdio(null_stdin: bool) -> nix::Result<(Stdio, Stdio, Stdio)> {
    let stdin = if null_stdin {
        let null = nix::fcntl::open(
            "/dev/null",
            nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )?;
        Stdio {
            theirs: Some(null),
            ours: None,
        }
    } else if std::io::stdin().is_terminal() {
        Stdio::relayed(true)?
    } else {
        Stdio::direct()
    };
    let out = |is_tty: bool| {
        if is_tty {
            Stdio::relayed(false)
        } else {
            Ok(Stdio::direct())
        }
    };
    Ok((
        stdin,
        out(std::io::stdout().is_terminal())?,
        out(std::io::stderr().is_terminal())?,
    ))
}

pub fn run(opts: &Options, rec: ZoneRecord) -> i32 {
    let (stdin, stdout, stderr) = match plan_stdio(opts.null_stdin) {
        Ok(s) => s,
        Err(e) => {
            zerror(format!("cannot set up pipes: {e}"));
            return EXIT_ERR;
        }
    };
    let signals = match setup::catch_signals(false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let stdio = [stdin.raw(0), stdout.raw(1), stderr.raw(2)];
    let entered = match enter::enter(&rec, &setup::enter_spec(opts), stdio) {
        Ok(e) => e,
        Err(e) => return setup::enter_failed(opts, e),
    };
    let child = entered.pid;
    // The command's ends are the command's now: holding them would keep pipes from ending.
    let (Stdio { ours: in_ours, .. }, Stdio { ours: out_ours, .. }, Stdio { ours: err_ours, .. }) =
        (stdin, stdout, stderr);
    let pidfd = match sys::pidfd_open(child.as_raw()) {
        Ok(fd) => fd,
        Err(e) => {
            zerror(format!("pidfd_open: {e}"));
            return exit_code(waitpid(child, None));
        }
    };
    let stdin_fd = std::io::stdin();
    let stdout_fd = std::io::stdout();
    let stderr_fd = std::io::stderr();
    let mut outputs: Vec<(OwnedFd, BorrowedFd<'_>)> = Vec::new();
    if let Some(r) = out_ours {
        outputs.push((r, stdout_fd.as_fd()));
    }
    if let Some(r) = err_ours {
        outputs.push((r, stderr_fd.as_fd()));
    }
    let pump = Pump {
        stdin: in_ours.map(|w| (stdin_fd.as_fd(), w)),
        outputs,
        child: pidfd.as_fd(),
        signals: &signals,
    };
    let mut forward = |sig: Signal| {
        // The command leads its own session and process group (the entry made it so).
        if kill(Pid::from_raw(-child.as_raw()), sig).is_err() {
            let _ = kill(child, sig);
        }
    };
    if let Err(e) = pump.run(&mut forward) {
        zerror(format!("I/O error: {e}"));
    }
    exit_code(waitpid(child, None))
}
