//! `zoneadm -z zone detach [-n]`: an installed, halted zone leaves this system (or alternate
//! root). Its configuration goes into the zonepath as `SUNWdetached.xml`, the files stay, and
//! the zone is configured again; `attach` here, or `zonecfg create -a` and `attach` on
//! another system, brings it back. `-n` only prints the manifest.

use super::super::lifecycle::{load, lock, refuse};
use super::super::status;
use super::super::AdminError;
use crate::state::{Op, ZoneState};
use crate::store::Store;

/// The manifest `detach` writes for `zone` (`detach -n`): its configuration as zone XML.
pub fn manifest(store: &Store, zone: &str) -> Result<String, AdminError> {
    let cfg = load(store, zone)?;
    Ok(crate::store::to_xml(&cfg))
}

/// `zoneadm -z zone detach`.
pub fn detach(store: &Store, zone: &str) -> Result<(), AdminError> {
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Detach, &st, false)?;
    let cfg = load(store, zone)?;
    let zonepath = store.host_path(&cfg.zonepath)?;
    if !zonepath.is_dir() {
        return Err(AdminError::zone(
            zone,
            format!("{} does not exist; nothing to detach.", zonepath.display()),
        ));
    }
    super::refuse_mounts(zone, &zonepath)?;
    store.write_detached(&cfg, &cfg.zonepath)?;
    store.set_state(zone, ZoneState::Configured)?;
    Ok(())
}
