//! How an install tells the administrator how it goes. libzone never prints: zoneadm gives
//! an implementation (a bar on a terminal, plain lines elsewhere); the install log gets the
//! milestones and notes whatever the implementation shows.

use std::path::Path;

/// What an install reports while it works. Every method has a default that does nothing.
pub trait Progress {
    /// The install log is open (`Progress being logged to <path>`), before any work.
    fn log_opened(&mut self, _path: &Path) {}
    /// One of Solaris' milestone lines (`Image: Preparing at <zonepath>/root.`, ...).
    fn milestone(&mut self, _line: &str) {}
    /// Counted work starts: `total` bytes when known (an archive's size), else `None` (a
    /// copied tree, a bootstrap).
    fn begin(&mut self, _what: &str, _total: Option<u64>) {}
    /// So far: `bytes` read from the source, `files` laid down.
    fn advance(&mut self, _bytes: u64, _files: u64) {}
    /// A line an installer program printed (the bootstrap's), for a status line.
    fn note(&mut self, _line: &str) {}
    /// The counted work is over.
    fn end(&mut self) {}
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {}
