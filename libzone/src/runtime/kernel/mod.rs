//! The system-call back end: mounts, capabilities, the seccomp filter, the sealed launcher,
//! sysctls inside a zone, pidfds and descriptors, and the zone's user accounts. Knows
//! nothing of zones' life cycle; `platform`, `supervisor`, `enter` and `init` stand on it.

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
