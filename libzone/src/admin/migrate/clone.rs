//! `zoneadm -z new clone [-m copy] source`: install a configured zone with a copy of an
//! installed, halted zone's root (of the same brand), then give the copy its own identity.
//! ZFS snapshots (`-s`) have no counterpart here; the copy shares extents with its source
//! where the file system can (reflinks on btrfs and xfs).

use super::super::lifecycle::{load, lock, refuse};
use super::super::status;
use super::super::AdminError;
use crate::install::copy::{self, CopyOptions, Mounts};
use crate::state::{Op, ZoneState};
use crate::store::{Repository, Store, StoreError};
use std::path::Path;

/// How a clone is made (`-m method`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// `-m copy`, and the default: copy the files.
    Copy,
    /// `-s snapshot`: clone from a ZFS snapshot, which zones on Linux cannot.
    Snapshot(String),
}

/// What the caller is told while a clone runs.
pub trait CloneNotes {
    /// `Copying <source zonepath>...` before the copy starts.
    fn copying(&mut self, source_zonepath: &Path);
    /// The copy is done (`stats`), and these files got the new zone's identity.
    fn copied(&mut self, stats: &copy::CopyStats, identity: &[String]);
}

/// `zoneadm -z zone clone source`.
pub fn clone(
    store: &Store,
    zone: &str,
    source: &str,
    method: &Method,
    notes: &mut dyn CloneNotes,
) -> Result<(), AdminError> {
    if let Method::Snapshot(snap) = method {
        return Err(AdminError::zone(
            zone,
            format!("cannot clone from snapshot '{snap}': ZFS snapshots are not supported; use 'clone -m copy {source}'"),
        ));
    }
    if source == crate::config::GLOBAL_ZONE {
        return Err(AdminError::zone(
            zone,
            "clone operation is invalid for the global zone.",
        ));
    }
    if source.starts_with("SUNW") {
        return Err(AdminError::zone(
            zone,
            "clone operation is invalid for zones starting with SUNW.",
        ));
    }
    if source == zone {
        return Err(AdminError::zone(
            zone,
            "a zone cannot be cloned from itself.",
        ));
    }
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Clone, &st, false)?;
    // A source that does not exist is said so before its lock is taken (and made).
    status::status(store, source)?;
    // The source stays halted while it is copied: a boot takes its lock too.
    let _source_lock = lock(store, source).map_err(|e| match e {
        AdminError::Zone { msg, .. } => AdminError::zone(zone, format!("zone {source}: {msg}")),
        other => other,
    })?;
    let src_st = status::status(store, source)?;
    if src_st.state >= ZoneState::Ready {
        return Err(AdminError::zone(
            zone,
            format!("clone operation is invalid for {} zones.", src_st.state),
        ));
    }
    if src_st.state != ZoneState::Installed {
        return Err(AdminError::zone(
            zone,
            format!("zone {source} is {}; installed is required.", src_st.state),
        ));
    }
    let cfg = load(store, zone)?;
    let src_cfg = store.load(source)?.ok_or_else(|| StoreError::NoSuchZone {
        zone: source.into(),
    })?;
    let brand = |b: &str| {
        if b.is_empty() {
            crate::brand::DEFAULT_BRAND.to_string()
        } else {
            b.to_string()
        }
    };
    if brand(&cfg.brand) != brand(&src_cfg.brand) {
        return Err(AdminError::zone(
            zone,
            format!("Zones '{source}' and '{zone}' have different brand types."),
        ));
    }
    let src_path = store.host_path(&src_cfg.zonepath)?;
    let dst_path = store.host_path(&cfg.zonepath)?;
    if let Some((other, _)) = super::overlapping(store, zone, &dst_path)? {
        return Err(AdminError::zone(
            zone,
            format!(
                "{zone} zonepath ({}) and {other} zonepath overlap.",
                dst_path.display()
            ),
        ));
    }
    super::refuse_mounts(zone, &src_path)?;
    let src_root = src_path.join("root");
    let made_zonepath = !dst_path.exists();
    if !made_zonepath {
        match super::has_entries(&dst_path) {
            Ok(false) => {}
            Ok(true) => {
                return Err(AdminError::zone(
                    zone,
                    format!("{} is not empty; cannot clone into it", dst_path.display()),
                ))
            }
            Err(e) => return Err(AdminError::io(zone, &dst_path.display())(e)),
        }
    }
    store.set_state(zone, ZoneState::Incomplete)?;
    let undo = Undo {
        zonepath: &dst_path,
        made_zonepath,
        armed: true,
    };
    let result = (|| -> Result<(), AdminError> {
        if made_zonepath {
            super::make_zonepath(&dst_path).map_err(AdminError::io(zone, &dst_path.display()))?;
        }
        let uuid = crate::store::new_uuid()?;
        super::write_owner(&dst_path, zone, &uuid)?;
        notes.copying(&src_path);
        let opts = CopyOptions {
            mounts: Mounts::Refuse,
            ..CopyOptions::default()
        };
        let stats = copy::copy_tree(&src_root, &dst_path.join("root"), &opts)
            .map_err(|e| AdminError::copy(zone, e))?;
        let identity = super::new_identity(&dst_path.join("root"), source, zone)
            .map_err(|(path, e)| AdminError::io(zone, path.display())(e))?;
        notes.copied(&stats, &identity);
        store.set_uuid(zone, &uuid)?;
        store.set_state(zone, ZoneState::Installed)?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            undo.disarm();
            Ok(())
        }
        Err(e) => {
            drop(undo);
            store.set_state(zone, ZoneState::Configured)?;
            Err(e)
        }
    }
}

/// Removes what a failed clone made of the new zonepath.
struct Undo<'a> {
    zonepath: &'a Path,
    made_zonepath: bool,
    armed: bool,
}

impl Undo<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Undo<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let _ = crate::install::remove::remove_tree(&self.zonepath.join("root"));
        let _ = std::fs::remove_file(self.zonepath.join(crate::install::OWNER_FILE));
        if self.made_zonepath {
            let _ = std::fs::remove_dir(self.zonepath);
        }
    }
}
