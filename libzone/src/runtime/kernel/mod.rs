//! The system-call back end: mounts, capabilities, the seccomp filter, the sealed launcher,
//! sysctls inside a zone, pidfds and descriptors, and the zone's user accounts. Knows
//! nothing of zones' life cycle; `platform`, `supervisor`, `enter` and `init` stand on it.
//!
//! `syscall` is the seam the set-up's kernel calls go through (`Linux`, the real calls),
//! `fake` its recording stand-in for unit tests; `sys` holds the raw calls nix does not
//! wrap, the only `unsafe` system calls of the runtime besides a few `ioctl`s and rlimits.

pub mod account;
pub mod caps;
#[cfg(test)]
pub(crate) mod fake;
pub mod filter;
pub mod mounts;
pub mod sealed;
pub mod sys;
pub mod syscall;
pub mod sysctl;
