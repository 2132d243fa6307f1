//! Ctrl-C, SIGTERM and SIGHUP only raise a flag: the benchmark stops between two runs and the
//! guards of everything it made (zones, containers, mount namespace, scratch tree) clean up on
//! the normal return path. The commands it times run in their own process groups, so a Ctrl-C
//! on the terminal never hits a `zoneadm boot` or `crun run` half-way.

use crate::error::{BenchError, Result};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Install the handlers (once, at start).
pub fn install() -> Result<()> {
    let act = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { sigaction(sig, &act) }.map_err(BenchError::sys(format!("sigaction {sig}")))?;
    }
    Ok(())
}

/// `Err(Interrupted)` once a stop signal has arrived.
pub fn check() -> Result<()> {
    if STOP.load(Ordering::SeqCst) {
        Err(BenchError::Interrupted)
    } else {
        Ok(())
    }
}

/// Sleep for `d`, waking early (with `Err`) when a stop signal arrives.
pub fn sleep(d: std::time::Duration) -> Result<()> {
    let end = std::time::Instant::now() + d;
    loop {
        check()?;
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(std::time::Duration::from_millis(50)));
    }
}
