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

pub mod enter;
pub mod init;
pub mod kernel;
pub mod platform;
pub mod supervisor;
