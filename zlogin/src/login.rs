//! Interactive mode: `zlogin zone` on a terminal (or `-i`). A pty is made inside the zone;
//! the login shell (or the `-i` command) runs on its slave; the user's terminal goes raw and
//! zlogin relays between the two, with escapes and window sizes, until the shell exits, the
//! zone halts, or the user types `~.`.

use crate::command::exit_code;
use crate::options::Options;
use crate::{setup, zerror, EXIT_ERR};
use libzone::runtime::enter::escape::Escape;
use libzone::runtime::enter::relay::{self, Link, Session, SessionEnd};
use libzone::runtime::enter::{self, EnterSpec};
use libzone::runtime::kernel::sys;
use libzone::runtime::supervisor::console;
use libzone::store::record::ZoneRecord;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use std::os::fd::AsFd;

/// How long to wait for the shell to go once its pty is closed.
const REAP_WAIT_MS: u16 = 2000;

pub fn run(opts: &Options, rec: ZoneRecord) -> i32 {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let saved = match nix::sys::termios::tcgetattr(stdin.as_fd()) {
        Ok(t) => t,
        Err(e) => {
            zerror(format!("failed to get terminal settings from stdin: {e}"));
            return EXIT_ERR;
        }
    };
    let signals = match setup::catch_signals(true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let spec = EnterSpec {
        pty: true,
        termios: Some(saved.clone()),
        winsize: console::get_winsize(stdin.as_fd()),
        ..setup::enter_spec(opts)
    };
    let entered = match enter::enter(&rec, &spec, [0, 1, 2]) {
        Ok(e) => e,
        Err(e) => return setup::enter_failed(opts, e),
    };
    let child = entered.pid;
    let (Some(master), Some(pts)) = (entered.pty_master, entered.pty_name) else {
        zerror("no pty for the session");
        return EXIT_ERR;
    };
    let pidfd = match sys::pidfd_open(child.as_raw()) {
        Ok(fd) => fd,
        Err(e) => {
            zerror(format!("pidfd_open: {e}"));
            return EXIT_ERR;
        }
    };
    if !opts.quiet {
        eprintln!("[Connected to zone '{}' {pts}]", opts.zone);
    }
    let terminal = match setup::raw_terminal(stdin.as_fd()) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let link = Link::Pty(master);
    let mut escape = Escape::new(opts.escape(), relay::term_chars(&saved));
    let end = Session {
        input: stdin.as_fd(),
        output: stdout.as_fd(),
        link: &link,
        escape: &mut escape,
        signals: &signals,
        child: Some(pidfd.as_fd()),
        terminal: Some(&terminal),
    }
    .run();
    drop(terminal);
    // Closing the master hangs up the session in the zone, should anything still hold it.
    drop(link);
    if !opts.quiet {
        eprintln!("\n[Connection to zone '{}' {pts} closed]", opts.zone);
    }
    match end {
        Err(e) => {
            zerror(format!("I/O error: {e}"));
            EXIT_ERR
        }
        Ok(SessionEnd::Disconnected) => 0,
        Ok(SessionEnd::Signal(sig)) => 128 + sig as i32,
        Ok(SessionEnd::Closed | SessionEnd::ChildExited | SessionEnd::InputClosed) => {
            let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::from(REAP_WAIT_MS));
            match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => 0,
                status => exit_code(status),
            }
        }
    }
}
