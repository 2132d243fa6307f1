//! A small cgroup layer: one interface over cgroup v1 and v2, driven by plain cgroupfs reads
//! and writes.
//!
//! Why not cgroups-rs: it needs the fixed `/sys/fs/cgroup` root (it cannot drive a cgroup2
//! tree mounted elsewhere, as on hybrid hosts), ignores `cgroup.subtree_control` write
//! errors, writes v1 `cpu.shares` values raw into v2 `cpu.weight`, and pulls in zbus and a
//! second nix. The part we need is small enough to own. We would switch to a crate that
//! takes any mount point for each hierarchy, reports every write error, converts v1 values to
//! v2 with the kernel's formulas, and builds with our nix alone: then this module would be a
//! thin adapter from [`Limits`] to it.
//!
//! * [`probe`] reads `/proc/self/mountinfo` ([`Layout`]) and picks the back end: v2 when the
//!   unified hierarchy is the host's cgroup root, else v1 (hybrid hosts keep their
//!   controllers in v1). [`V2Backend::at`] drives a cgroup2 mount anywhere.
//! * A [`CgroupBackend`] creates, opens and lists cgroups by a path relative to the
//!   hierarchy root (`zones/web1`); a [`Cgroup`] handle applies [`Limits`], moves pids,
//!   reads [`Usage`], freezes, kills everything and removes itself.
//! * [`parent_name`] gives each alternate root its own parent (`zones`, `zones-1a2b3c4d`);
//!   on systemd hosts the zones' cgroups are in scopes systemd delegated (`crate::systemd`).

pub mod bpf;
mod controller;
pub mod devices;
mod error;
mod fs;
mod layout;
mod limits;
mod member;
mod naming;
mod teardown;
mod v1;
mod v2;

#[cfg(test)]
mod root_tests;

pub use controller::Controller;
pub use devices::DeviceRule;
pub use error::{CgroupError, Result};
pub use layout::{parse_mountinfo, CgroupMount, Layout, Mode, MountKind, V2Mount, DEFAULT_ROOT};
pub use limits::{
    cap_to_cfs, shares_from_v1, shares_to_v1, shares_to_v2_weight, Limits, Usage, CFS_PERIOD_US,
    MAX_SHARES, UNCAPPED, UNLIMITED,
};
pub use naming::{own_zone_of_path, parent_name};
pub use v1::{V1Backend, V1Cgroup};
pub use v2::{V2Backend, V2Cgroup};

use std::fmt::Debug;
use std::path::PathBuf;

/// Creates, finds and lists cgroups in one cgroup interface (v1 or v2). Paths are relative
/// to the hierarchy root, `/`-separated, without `..`.
pub trait CgroupBackend: Debug + Send + Sync {
    fn mode(&self) -> Mode;

    /// Create `path` and any missing parents for `controllers` (see [`Controller::ZONE`]).
    /// Creating an existing cgroup is fine. v1: one directory per hierarchy; a new cpuset
    /// inherits `cpuset.cpus`/`cpuset.mems` before anything can join. v2: the controllers are
    /// enabled in every ancestor's `cgroup.subtree_control`; refusals are errors.
    fn create(&self, path: &str, controllers: &[Controller]) -> Result<Box<dyn Cgroup>>;

    /// What a zone's cgroup is made with: `create`, and the cgroup also made in every other
    /// mounted hierarchy (v1: the hierarchy of every mounted controller, named ones such as
    /// `name=systemd`, controllers we do not drive, a hybrid host's unified tree; v2: v1
    /// hierarchies mounted beside it). A process that joins all of `dirs()` and then unshares
    /// its cgroup namespace has this cgroup as its root in every hierarchy.
    fn create_everywhere(&self, path: &str, controllers: &[Controller]) -> Result<Box<dyn Cgroup>>;

    /// The cgroup `path` as it is now, creating nothing (e.g. to halt a zone whose supervisor
    /// died). If it does not exist, `exists()` is false and `remove()` succeeds.
    fn open(&self, path: &str) -> Result<Box<dyn Cgroup>>;

    /// Names of the child cgroups of `parent` (`""` for the root), in any hierarchy.
    fn list(&self, parent: &str) -> Result<Vec<String>>;

    /// Move process `pid` back to the root cgroup of the hierarchies of `controllers` only
    /// (e.g. out of a pool's cpuset when pools are disabled), leaving its other cgroups be.
    fn move_to_root(&self, pid: u32, controllers: &[Controller]) -> Result<()>;
}

/// One cgroup. Process listings and teardown cover its child cgroups too.
pub trait Cgroup: Debug + Send + Sync {
    /// The relative path it was created or opened with.
    fn path(&self) -> &str;

    /// Its directories: one per v1 hierarchy (co-mounted controllers share one), or the one
    /// v2 directory. For callers that join it themselves (`CLONE_INTO_CGROUP`, a write of
    /// `0` to `cgroup.procs` before exec).
    fn dirs(&self) -> Vec<PathBuf>;

    /// Write the limits that are set. Every needed controller is checked first; a missing
    /// one is an error naming the controller and file, and nothing is written.
    fn apply(&self, limits: &Limits) -> Result<()>;

    /// Move process `pid` with all its threads in (`cgroup.procs`).
    fn add_pid(&self, pid: u32) -> Result<()>;

    /// Every process in this cgroup and its descendants, sorted.
    fn pids(&self) -> Result<Vec<u32>>;

    fn usage(&self) -> Result<Usage>;

    /// Freeze all tasks and wait until the kernel reports the cgroup frozen.
    fn freeze(&self) -> Result<()>;

    fn thaw(&self) -> Result<()>;

    /// SIGKILL every process (also those forked meanwhile) and wait until none is left.
    /// v2 uses `cgroup.kill`; otherwise freeze, kill the listed pids, thaw, repeat.
    fn kill_all(&self) -> Result<()>;

    /// Kill what is left, then rmdir the cgroup and its children, leaf first, retrying while
    /// exiting tasks keep it busy. A cgroup that does not exist is removed already.
    fn remove(&self) -> Result<()>;

    fn exists(&self) -> bool;

    /// Let processes of this cgroup create and open only the devices `rules` allow (see
    /// [`devices`]): v1 writes `devices.deny`/`devices.allow`; v2, and a hybrid host's unified
    /// tree besides its v1 controller, gets a device program. Done before any process joins.
    /// No rules: nothing is restricted.
    fn apply_devices(&self, rules: &[DeviceRule]) -> Result<()>;

    /// Remove this cgroup only if it holds no process and no child cgroup: plain rmdir,
    /// nothing is killed. How a shared parent (`zones`) goes away after its last zone without
    /// racing a zone that is being created under it. `Ok(false)` when it is still in use.
    fn remove_if_empty(&self) -> Result<bool> {
        teardown::rmdir_if_empty(&self.dirs())
    }
}

/// The back end for this host, from `/proc/self/mountinfo`.
pub fn probe() -> Result<Box<dyn CgroupBackend>> {
    backend_for(&Layout::discover()?)
}

/// The back end a layout calls for (see [`Layout::mode`]).
pub fn backend_for(layout: &Layout) -> Result<Box<dyn CgroupBackend>> {
    Ok(match layout.mode()? {
        Mode::V1 => Box::new(V1Backend::new(layout)?),
        Mode::V2 => Box::new(V2Backend::from_layout(layout)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn backend_for_follows_the_mode() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("cgroup.controllers"), "").unwrap();
        let v2_only = Layout {
            v1: Default::default(),
            v1_other: Vec::new(),
            v2: Some(V2Mount {
                mount_point: d.path().to_path_buf(),
                controllers: vec![],
            }),
        };
        assert_eq!(backend_for(&v2_only).unwrap().mode(), Mode::V2);

        let mut hybrid = v2_only.clone();
        hybrid
            .v1
            .insert(Controller::Memory, Path::new("/x/memory").to_path_buf());
        assert_eq!(backend_for(&hybrid).unwrap().mode(), Mode::V1);

        assert!(matches!(
            backend_for(&Layout::default()),
            Err(CgroupError::NoHierarchy)
        ));
    }

    #[test]
    fn trait_objects_are_usable() {
        fn takes(_: &dyn CgroupBackend, _: Option<&dyn Cgroup>) {}
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("cgroup.controllers"), "").unwrap();
        let b = V2Backend::at(d.path()).unwrap();
        let cg = b.open("zones/x").unwrap();
        takes(&b, Some(cg.as_ref()));
        assert_eq!(cg.path(), "zones/x");
        assert_eq!(cg.dirs(), [d.path().join("zones/x")]);
    }
}
