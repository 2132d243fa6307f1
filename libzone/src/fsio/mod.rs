//! File primitives every layer uses: crash-safe replacement of a file ([`atomic`]) and
//! advisory `flock(2)` locks ([`lock`]). They sit below the store, the pools facility, the
//! runtime and the seccomp cache, so none of those needs another for its files, and each
//! maps [`PathError`] into its own error type.

pub mod atomic;
pub mod lock;

use std::path::PathBuf;

/// An I/O error and the file it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct PathError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl PathError {
    pub fn new(path: impl Into<PathBuf>, source: std::io::Error) -> PathError {
        PathError {
            path: path.into(),
            source,
        }
    }
}

/// A point in a write sequence where a test may kill the process (see `crash_tests.rs`).
/// Nothing in a normal build.
#[cfg(not(test))]
#[inline(always)]
pub(crate) fn crash_point() {}

#[cfg(test)]
pub(crate) use crash::crash_point;

#[cfg(test)]
pub(crate) mod crash {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The crash point at which to die (1-based; 0: never).
    static DIE_AT: AtomicUsize = AtomicUsize::new(0);
    static PASSED: AtomicUsize = AtomicUsize::new(0);
    /// Exit status of a process that died at a crash point.
    pub const CRASHED: i32 = 77;

    pub fn die_at(point: usize) {
        PASSED.store(0, Ordering::SeqCst);
        DIE_AT.store(point, Ordering::SeqCst);
    }

    /// Ends the process at once when this is the chosen point: no destructor runs, no temp
    /// file is removed, as with kill -9.
    pub fn crash_point() {
        let at = DIE_AT.load(Ordering::SeqCst);
        if at != 0 && PASSED.fetch_add(1, Ordering::SeqCst) + 1 == at {
            // SAFETY: _exit ends the process; nothing runs after it.
            unsafe { libc::_exit(CRASHED) }
        }
    }
}
