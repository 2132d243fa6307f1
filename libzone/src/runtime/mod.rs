//! The back end: turn a plan into kernel objects (namespaces, mounts, cgroups, a pty) and run
//! the zone's processes. Split by job, as illumos splits zoneadmd (zoneadmd.c, vplat.c,
//! zcons.c) from zlogin and the zone's init:
//!
//! - [`kernel`]: the system-call back end every other part stands on (mounts, capabilities,
//!   the seccomp filter, the sealed launcher, sysctls, the zone's accounts). The only place
//!   with raw system calls.
//! - [`platform`]: making a zone (`ready`): its cgroups, root file system, network and the
//!   set-up child that becomes its init; also the global zone's share of the CPU.
//! - [`supervisor`]: zoneadmd, which owns a ready or running zone: its control socket and
//!   protocol, the console, the keeper that cleans up after a dead supervisor.
//! - [`enter`]: zlogin's side: joining a running zone, and the terminal relay.
//! - [`init`]: zinit, pid 1 of sparse zones.
//!
//! Layers only point down: `kernel` ← `platform` ← `supervisor` ← `enter`, and `init` uses
//! `kernel` alone (checked by `layers_tests`). The zone's runtime record, which zoneadm,
//! zlogin and the pools read as well, is `store::record`.
//!
//! Under zone set-up and zlogin's joins lies one seam, [`kernel::syscall::Syscall`]: mounts,
//! `pivot_root`, the hostname, namespaces, cgroup and sysctl writes and the fork into the
//! zone go through it, so unit tests run them against a recording fake, without root (the
//! mount sequence of a zone root, what a failure at each step leaves, what zlogin joins).
//! Both processes that end up in a zone, its init and zlogin's child, take the same last
//! steps (`platform::child`). What `ready` makes is undone by guards
//! (`platform::zone::CgroupGuard`, the process guard of `spawn`, the supervisor's pending
//! pool binding), disarmed once the zone is made; a failed undo is reported next to the
//! error that caused it.

pub mod enter;
pub mod init;
pub mod kernel;
pub mod platform;
pub mod supervisor;
