//! Console mode: `zlogin -C zone`. Attach to the console the zone's supervisor serves and
//! relay in raw mode until `~.`. When the zone halts (its supervisor goes) the session stays
//! and waits for the next boot, as on Solaris, unless `-d` asks to disconnect then. A zone
//! that is installed but not up yet is waited for, so the console can be watched from before
//! boot; a running zone whose zoneadmd died gets a new one that adopts it.

use crate::options::Options;
use crate::{setup, target, zerror, EXIT_ERR};
use libzone::admin::lifecycle;
use libzone::runtime::enter::escape::{Escape, TermChars};
use libzone::runtime::enter::relay::{self, Link, RawTerminal, Session, SessionEnd};
use libzone::runtime::supervisor::console::{self, AttachError};
use libzone::state::ZoneState;
use libzone::store::record::RunDir;
use libzone::store::Store;
use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

/// How long the supervisor may take to greet us.
const GREETING_WAIT: Duration = Duration::from_secs(10);
/// While waiting for the zone to come up: how often to try the socket, and to re-read the
/// zone's state (an uninstalled zone is not coming back).
const RETRY: Duration = Duration::from_millis(20);
const RECHECK: Duration = Duration::from_secs(1);

fn busy_or_broken(e: AttachError) -> i32 {
    zerror(e);
    EXIT_ERR
}

/// A running zone without its zoneadmd gets a new one that adopts it (the console comes
/// back with it); a failure is only reported, the console is waited for as usual.
fn adopt_orphan(opts: &Options, st: &libzone::admin::status::ZoneStatus) {
    if st.zoneid.is_none() || st.supervised {
        return;
    }
    let store = Store::new(&opts.root);
    let zoneadmd = libzone::admin::helper("zoneadmd");
    if let Err(e) = lifecycle::adopt(&store, &opts.zone, &zoneadmd) {
        zerror(format!("zone '{}': {e}", opts.zone));
    }
}

pub fn run(opts: &Options) -> i32 {
    match target::status(opts) {
        Ok(st) => adopt_orphan(opts, &st),
        Err(code) => return code,
    }
    let socket = RunDir::new(&opts.root).console_socket(&opts.zone);
    let first = match console::attach(&socket, GREETING_WAIT) {
        Ok(s) => Some(s),
        Err(AttachError::NoServer(_)) => None,
        Err(e) => return busy_or_broken(e),
    };
    let signals = match setup::catch_signals(true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if !opts.quiet {
        eprintln!("[Connected to zone '{}' console]", opts.zone);
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    // Without a terminal (a script feeding the console) there is nothing to make raw.
    let terminal = if stdin.is_terminal() {
        match setup::raw_terminal(stdin.as_fd()) {
            Ok(t) => Some(t),
            Err(code) => return code,
        }
    } else {
        None
    };
    let chars = terminal
        .as_ref()
        .map_or_else(TermChars::default, RawTerminal::chars);
    let mut escape = Escape::new(opts.escape(), chars);
    let mut next = first;
    let end = loop {
        let stream = match next.take() {
            Some(s) => Ok(s),
            None => wait_for_console(opts, &socket, &mut escape, &signals, terminal.as_ref()),
        };
        let end = match stream {
            Ok(stream) => {
                let link = Link::Console(stream);
                Session {
                    input: stdin.as_fd(),
                    output: stdout.as_fd(),
                    link: &link,
                    escape: &mut escape,
                    signals: &signals,
                    child: None,
                    terminal: terminal.as_ref(),
                }
                .run()
            }
            Err(Waited::Ended(end)) => Ok(end),
            Err(Waited::Failed(e)) => {
                drop(terminal);
                return busy_or_broken(e);
            }
            Err(Waited::Gone(code)) => {
                drop(terminal);
                return code;
            }
        };
        match end {
            // The zone halted (or its zoneadmd went): wait for it to come back, unless -d.
            Ok(SessionEnd::Closed) if !opts.disconnect => continue,
            other => break other,
        }
    };
    drop(terminal);
    if !opts.quiet {
        eprintln!("\n[Connection to zone '{}' console closed]", opts.zone);
    }
    match end {
        Ok(SessionEnd::Signal(sig)) => 128 + sig as i32,
        Ok(_) => 0,
        Err(e) => {
            zerror(format!("I/O error: {e}"));
            EXIT_ERR
        }
    }
}

/// How waiting for a console that is not served yet ended, when not with a console.
enum Waited {
    /// The user left (or a signal came) before the zone came up.
    Ended(SessionEnd),
    /// The supervisor answered, but not with the console.
    Failed(AttachError),
    /// The zone stopped being installed; the reason was printed; the exit code.
    Gone(i32),
}

fn wait_for_console(
    opts: &Options,
    socket: &std::path::Path,
    escape: &mut Escape,
    signals: &nix::sys::signalfd::SignalFd,
    terminal: Option<&RawTerminal>,
) -> Result<UnixStream, Waited> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    // The first look at the zone comes at once (a zone left without zoneadmd is adopted).
    let mut checked: Option<Instant> = None;
    loop {
        match relay::idle(
            stdin.as_fd(),
            stdout.as_fd(),
            escape,
            signals,
            terminal,
            RETRY,
        ) {
            Ok(Some(end)) => return Err(Waited::Ended(end)),
            Ok(None) => {}
            Err(e) => {
                return Err(Waited::Failed(AttachError::Io {
                    path: socket.to_path_buf(),
                    source: e,
                }))
            }
        }
        match console::attach(socket, GREETING_WAIT) {
            Ok(s) => return Ok(s),
            Err(AttachError::NoServer(_)) => {}
            Err(e) => return Err(Waited::Failed(e)),
        }
        if checked.is_none_or(|t| t.elapsed() >= RECHECK) {
            checked = Some(Instant::now());
            match target::status(opts) {
                Ok(st) if st.state >= ZoneState::Installed => adopt_orphan(opts, &st),
                Ok(_) => return Err(Waited::Gone(EXIT_ERR)),
                Err(code) => return Err(Waited::Gone(code)),
            }
        }
    }
}
