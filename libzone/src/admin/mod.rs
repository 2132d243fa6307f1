//! What zoneadm does, as library calls: zone status (index plus runtime, checked for
//! staleness), the lifecycle commands, install and uninstall. The zoneadm binary parses
//! arguments, calls these and prints.

pub mod global;
pub mod lifecycle;
pub mod list;
pub mod status;
pub mod verify;

use crate::store::StoreError;
use std::path::PathBuf;

/// A helper program installed next to the running binary (`zoneadmd`, `zinit`), as zoneadm,
/// zlogin and poolbind are installed together; `/usr/lib/zones/<name>` when that cannot be
/// told.
pub fn helper(name: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(name)))
        .unwrap_or_else(|| PathBuf::from(format!("/usr/lib/zones/{name}")))
}

/// A zoneadm failure. `Zone` errors print as `zoneadm: zone '<zone>': <msg>`.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{msg}")]
    Zone { zone: String, msg: String },
}

impl AdminError {
    pub fn zone(zone: &str, msg: impl Into<String>) -> AdminError {
        AdminError::Zone {
            zone: zone.to_string(),
            msg: msg.into(),
        }
    }
}
