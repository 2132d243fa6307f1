//! Set-up the three modes share: the signals zlogin catches, what the zone entry is asked
//! for, how a failed entry is reported, and the user's terminal in raw mode. Each helper that
//! can fail says why and gives zlogin's exit status.

use crate::options::Options;
use crate::{zerror, EXIT_ERR};
use libzone::runtime::enter::relay::{self, RawTerminal};
use libzone::runtime::enter::{EnterError, EnterSpec};
use nix::sys::signal::Signal;
use nix::sys::signalfd::SignalFd;
use std::os::fd::BorrowedFd;

/// The signals zlogin passes on to the command (its process group) instead of dying of them.
pub const FORWARDED: [Signal; 4] = [
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTERM,
];

/// Catch the `FORWARDED` signals, and with `winch` window size changes (a terminal session).
pub fn catch_signals(winch: bool) -> Result<SignalFd, i32> {
    let mut caught = FORWARDED.to_vec();
    if winch {
        caught.push(Signal::SIGWINCH);
    }
    relay::catch_signals(&caught).map_err(|e| {
        zerror(format!("signals: {e}"));
        EXIT_ERR
    })
}

/// The caller's environment as far as it can pass into a zone (the rest is filtered again by
/// the entry: only TERM, LANG and LC_* go through).
pub fn passable_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k == "TERM" || k == "LANG" || k.starts_with("LC_"))
        .collect()
}

/// What to run in the zone, as whom, without a pty (a login sets the pty fields).
pub fn enter_spec(opts: &Options) -> EnterSpec {
    EnterSpec {
        user: opts.user().to_string(),
        command: opts.command.clone(),
        safe: opts.safe,
        pty: false,
        termios: None,
        winsize: None,
        env: passable_env(),
    }
}

/// Report a failed entry; `NotRunning` gets Solaris' message with the zone's true state.
pub fn enter_failed(opts: &Options, e: EnterError) -> i32 {
    match e {
        EnterError::NotRunning(_) => crate::target::not_running(opts),
        other => {
            zerror(other);
            EXIT_ERR
        }
    }
}

/// The user's terminal in raw mode, restored when dropped.
pub fn raw_terminal(stdin: BorrowedFd<'_>) -> Result<RawTerminal, i32> {
    RawTerminal::enter(stdin).map_err(|e| {
        zerror(format!("failed to set stdin pty to raw mode: {e}"));
        EXIT_ERR
    })
}
