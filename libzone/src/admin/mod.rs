//! What zoneadm does, as library calls: zone status (index plus runtime, checked for
//! staleness), the lifecycle commands, install and uninstall. The zoneadm binary parses
//! arguments, calls these and prints.

pub mod autoboot;
pub mod lifecycle;
pub mod list;
pub mod status;
pub mod verify;

use crate::store::StoreError;
use std::path::PathBuf;

/// Where the package installs the helper programs (`zoneadmd`, `zinit`, `zones-autoboot`),
/// apart from the commands in `/usr/sbin`.
pub const HELPER_DIR: &str = "/usr/lib/zones";

/// A helper program (`zoneadmd`, `zinit`): next to the running binary when it is there (a
/// build tree, where every binary sits in one directory), else in `HELPER_DIR` (the
/// package's layout: the commands in `/usr/sbin`, their helpers in `/usr/lib/zones`).
pub fn helper(name: &str) -> PathBuf {
    helper_in(std::env::current_exe().ok().as_deref(), name)
}

fn helper_in(exe: Option<&std::path::Path>, name: &str) -> PathBuf {
    exe.and_then(|p| p.parent().map(|d| d.join(name)))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(HELPER_DIR).join(name))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn helpers_next_to_the_binary_else_in_the_helper_dir() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("zoneadm");
        std::fs::write(&exe, "").unwrap();
        std::fs::write(dir.path().join("zoneadmd"), "").unwrap();
        // A build tree: the sibling.
        assert_eq!(
            helper_in(Some(&exe), "zoneadmd"),
            dir.path().join("zoneadmd")
        );
        // The package: `/usr/sbin/zlogin` has no `/usr/sbin/zinit` next to it.
        assert_eq!(
            helper_in(Some(&exe), "zinit"),
            Path::new("/usr/lib/zones/zinit")
        );
        assert_eq!(helper_in(None, "zinit"), Path::new("/usr/lib/zones/zinit"));
    }
}
