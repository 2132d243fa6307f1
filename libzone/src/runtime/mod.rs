//! The back end: turn a plan into kernel objects (namespaces, mounts, cgroups, a pty) and run
//! the zone's processes. The only module with raw system calls.

pub mod account;
pub mod caps;
pub mod cgjoin;
pub mod console;
pub mod enter;
pub mod escape;
pub mod filter;
pub mod keeper;
pub mod mounts;
pub mod net;
pub mod proto;
pub mod record;
pub mod relay;
pub mod rootfs;
pub mod sealed;
pub mod spawn;
pub mod supervisor;
pub mod sys;
pub mod sysctl;
pub mod zinit;
pub mod zone;
