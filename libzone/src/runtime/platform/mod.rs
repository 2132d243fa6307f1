//! Zone set-up (illumos' vplat.c): `zone::ready` makes a zone's cgroups, seccomp filter and
//! set-up child (`spawn`), which unshares the namespaces, builds the root file system
//! (`rootfs`), brings up the network (`net`) and becomes the zone's init; `cgjoin` moves a
//! process into a zone's cgroups; `child` is the last stretch before a program runs in the
//! zone, shared by the zone's init and zlogin's child; `global` gives the global zone its
//! share of the CPU.

pub mod cgjoin;
pub mod child;
pub mod global;
pub mod net;
pub mod rootfs;
pub mod spawn;
pub mod whole;
pub mod zone;
