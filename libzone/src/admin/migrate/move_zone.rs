//! `zoneadm -z zone move zonepath`: an installed, halted zone goes to a new zonepath. On the
//! same file system that is one rename(2); across file systems the zonepath is copied, the
//! configuration changed, then the old zonepath removed. The configuration and the index
//! change together (one commit); if that fails the files go back where they were.

use super::super::lifecycle::{load, lock, refuse};
use super::super::status;
use super::super::AdminError;
use crate::install::copy::{self, CopyOptions, Mounts};
use crate::state::Op;
use crate::store::{Repository, Store};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What the caller is told while a move runs.
pub trait MoveNotes {
    /// `Moving across file systems; copying zonepath <old>...`
    fn copying(&mut self, old: &Path);
    /// `Cleaning up zonepath <path>...`
    fn cleaning(&mut self, path: &Path);
}

/// `zoneadm -z zone move new_zonepath` (a path inside the alternate root, as zonepaths are).
pub fn move_zone(
    store: &Store,
    zone: &str,
    new_zonepath: &str,
    notes: &mut dyn MoveNotes,
) -> Result<(), AdminError> {
    if let Err(e) = crate::config::names::check_zonepath(new_zonepath) {
        return Err(AdminError::zone(zone, e.to_string()));
    }
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Move, &st, false)?;
    let mut cfg = load(store, zone)?;
    if cfg.zonepath == new_zonepath {
        return Err(AdminError::zone(
            zone,
            format!("zone is already at {new_zonepath}."),
        ));
    }
    let old = store.host_path(&cfg.zonepath)?;
    let new = store.host_path(new_zonepath)?;
    let old_meta = std::fs::symlink_metadata(&old).map_err(AdminError::io(
        zone,
        format!("could not stat zone path {}", old.display()),
    ))?;
    if !old_meta.is_dir() {
        return Err(AdminError::zone(
            zone,
            format!("{} is not a directory.", old.display()),
        ));
    }
    if new.starts_with(&old) || old.starts_with(&new) {
        return Err(AdminError::zone(
            zone,
            format!(
                "could not move zone to {}: the new zonepath and the zone's zonepath {} overlap",
                new.display(),
                old.display()
            ),
        ));
    }
    if let Some((other, theirs)) = super::overlapping(store, zone, &new)? {
        return Err(AdminError::zone(
            zone,
            format!(
                "{zone} zonepath ({}) and {other} zonepath ({}) overlap.",
                new.display(),
                theirs.display()
            ),
        ));
    }
    let existed = match std::fs::symlink_metadata(&new) {
        Ok(m) if m.is_dir() => {
            let busy = super::has_entries(&new).map_err(AdminError::io(zone, &new.display()))?;
            if busy {
                return Err(AdminError::zone(
                    zone,
                    format!(
                        "could not move zone to {}: directory not empty",
                        new.display()
                    ),
                ));
            }
            true
        }
        Ok(_) => {
            return Err(AdminError::zone(
                zone,
                format!("could not move zone to {}: not a directory", new.display()),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(AdminError::io(zone, &new.display())(e)),
    };
    super::refuse_mounts(zone, &old)?;
    let parent = new.parent().unwrap_or(store.root());
    if !existed {
        std::fs::create_dir_all(parent).map_err(AdminError::io(zone, parent.display()))?;
    }
    let parent_dev = std::fs::metadata(parent)
        .map_err(AdminError::io(zone, parent.display()))?
        .dev();
    let fast = parent_dev == old_meta.dev();
    if existed {
        std::fs::remove_dir(&new).map_err(AdminError::io(zone, &new.display()))?;
    }
    // Put the new zonepath back as it was found if the move does not complete.
    let restore_new = || {
        if existed {
            let _ = super::make_zonepath(&new);
        }
    };
    if fast {
        if let Err(e) = std::fs::rename(&old, &new) {
            restore_new();
            return Err(AdminError::io(
                zone,
                format!("could not move zone {} to {}", old.display(), new.display()),
            )(e));
        }
    } else {
        notes.copying(&old);
        let opts = CopyOptions {
            mounts: Mounts::Refuse,
            ..CopyOptions::default()
        };
        if let Err(e) = copy::copy_tree(&old, &new, &opts) {
            restore_new();
            return Err(AdminError::copy(zone, e));
        }
    }
    cfg.zonepath = new_zonepath.to_string();
    if let Err(e) = store.commit(None, &cfg) {
        // Back to where the configuration says the zone is.
        if fast {
            let _ = std::fs::rename(&new, &old);
        } else {
            notes.cleaning(&new);
            let _ = crate::install::remove::remove_tree(&new);
        }
        restore_new();
        return Err(e.into());
    }
    if !fast {
        notes.cleaning(&old);
        crate::install::remove::remove_tree(&old).map_err(|e| AdminError::Install {
            zone: zone.to_string(),
            source: Box::new(e),
        })?;
    }
    Ok(())
}
