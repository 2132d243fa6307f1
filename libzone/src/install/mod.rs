//! `zoneadm install` and `uninstall`. Sparse zones get a fresh private root (the skeleton);
//! whatever install made is recorded in an owner file so uninstall removes exactly that and
//! refuses paths that are not the zone's.

pub mod copy;
pub mod remove;
pub mod skeleton;

use crate::brand;
use crate::clock::civil_from_days;
use crate::config::ZoneConfig;
use crate::host;
use crate::state::ZoneState;
use crate::store::{Store, StoreError};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The file that marks a zonepath as installed by (and owned by) a zone.
pub const OWNER_FILE: &str = ".zone-owner";

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown brand '{0}'")]
    Brand(String),
    #[error("{}: {}", path.display(), crate::pool::error::io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} is not empty; cannot install into it")]
    NotEmpty(PathBuf),
    #[error("the {0} brand installs from an archive or image (not supported yet)")]
    NeedsSource(String),
    #[error("zonepath {path} is not owned by zone {zone}; not removing it")]
    NotOwned { path: PathBuf, zone: String },
    #[error("{0} has a file system mounted below it; not removing it")]
    Mounted(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The install log: `var/log/zones/zoneadm.<timestamp>.<zone>.install`.
pub struct InstallLog {
    pub path: PathBuf,
    file: std::fs::File,
}

impl InstallLog {
    pub fn create(store: &Store, zone: &str) -> Result<InstallLog, InstallError> {
        let dir = store.ensure_log_dir()?;
        let path = dir.join(format!("zoneadm.{}.{zone}.install", utc_stamp()));
        let file = std::fs::File::create(&path).map_err(io(&path))?;
        Ok(InstallLog { path, file })
    }

    pub fn line(&mut self, msg: &str) {
        let _ = writeln!(self.file, "{msg}");
    }
}

/// `YYYYMMDDThhmmssZ` in UTC, as Solaris names its install logs.
pub fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Install `cfg` (state configured, zone lock held by the caller). Moves the index through
/// incomplete to installed; on failure removes what it made and goes back to configured.
pub fn install(store: &Store, cfg: &ZoneConfig, log: &mut InstallLog) -> Result<(), InstallError> {
    let brand = brand::lookup(&cfg.brand)
        .ok_or_else(|| InstallError::Brand(cfg.brand.clone()))
        .and_then(|b| {
            if b.skeleton {
                Ok(b)
            } else {
                Err(InstallError::NeedsSource(b.name))
            }
        });
    let brand = match brand {
        Ok(b) => b,
        Err(e) => {
            log.line(&format!("Installation of zone {} failed: {e}.", cfg.name));
            return Err(e);
        }
    };
    let zonepath = store.host_path(&cfg.zonepath)?;
    store.set_state(&cfg.name, ZoneState::Incomplete)?;
    log.line(&format!(
        "Installing zone {} (brand {}) at {}.",
        cfg.name,
        brand.name,
        zonepath.display()
    ));
    let made_zonepath = !zonepath.exists();
    let result = lay_down(store, cfg, &zonepath, log);
    match result {
        Ok(()) => {
            store.set_state(&cfg.name, ZoneState::Installed)?;
            log.line("Installation complete.");
            Ok(())
        }
        Err(e) => {
            log.line(&format!("Installation failed: {e}."));
            let root = zonepath.join("root");
            let _ = remove::remove_tree(&root);
            let _ = std::fs::remove_file(zonepath.join(OWNER_FILE));
            if made_zonepath {
                let _ = std::fs::remove_dir(&zonepath);
            }
            store.set_state(&cfg.name, ZoneState::Configured)?;
            Err(e)
        }
    }
}

fn lay_down(
    store: &Store,
    cfg: &ZoneConfig,
    zonepath: &Path,
    log: &mut InstallLog,
) -> Result<(), InstallError> {
    if zonepath.exists() {
        let busy = std::fs::read_dir(zonepath)
            .map_err(io(zonepath))?
            .flatten()
            .any(|e| e.file_name() != "lost+found");
        if busy {
            return Err(InstallError::NotEmpty(zonepath.to_path_buf()));
        }
    } else {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(zonepath)
            .map_err(io(zonepath))?;
    }
    std::fs::set_permissions(zonepath, std::fs::Permissions::from_mode(0o700))
        .map_err(io(zonepath))?;
    let uuid = match store.entry(&cfg.name)? {
        Some(e) if !e.uuid.is_empty() => e.uuid,
        _ => crate::store::new_uuid()?,
    };
    let owner = zonepath.join(OWNER_FILE);
    std::fs::write(&owner, format!("{}:{}\n", cfg.name, uuid)).map_err(io(&owner))?;
    let root = zonepath.join("root");
    std::fs::create_dir(&root).map_err(io(&root))?;
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).map_err(io(&root))?;
    log.line(&format!("Image: Preparing at {}.", root.display()));
    let dirs = host::probe_system_dirs(Path::new("/"));
    let ipds: Vec<String> = cfg.inherit_pkg_dirs.iter().map(|i| i.dir.clone()).collect();
    let mut logf = |m: &str| log.line(m);
    skeleton::create(&root, &cfg.name, &dirs, &ipds, &mut logf)
        .map_err(|(path, source)| InstallError::Io { path, source })?;
    store.set_uuid(&cfg.name, &uuid)?;
    Ok(())
}

/// Uninstall (state installed or incomplete, zone lock held): remove the zone root and the
/// owner file, then the zonepath if it is left empty; state back to configured.
pub fn uninstall(store: &Store, cfg: &ZoneConfig) -> Result<(), InstallError> {
    let zonepath = store.host_path(&cfg.zonepath)?;
    store.set_state(&cfg.name, ZoneState::Incomplete)?;
    if zonepath.exists() {
        check_owner(&zonepath, &cfg.name)?;
        remove::remove_tree(&zonepath.join("root"))?;
        for f in [OWNER_FILE, crate::store::DETACHED_FILE] {
            let _ = std::fs::remove_file(zonepath.join(f));
        }
        // Only an empty zonepath goes; anything the admin put there stays.
        let _ = std::fs::remove_dir(&zonepath);
    }
    store.set_state(&cfg.name, ZoneState::Configured)?;
    Ok(())
}

/// A zonepath belongs to the zone if its owner file names it, or if it holds nothing but a
/// zone root (an install interrupted before the owner file was written).
fn check_owner(zonepath: &Path, zone: &str) -> Result<(), InstallError> {
    let not_owned = || InstallError::NotOwned {
        path: zonepath.to_path_buf(),
        zone: zone.to_string(),
    };
    match std::fs::read_to_string(zonepath.join(OWNER_FILE)) {
        Ok(text) if text.split(':').next() == Some(zone) => Ok(()),
        Ok(_) => Err(not_owned()),
        Err(_) => {
            let entries: Vec<String> = std::fs::read_dir(zonepath)
                .map_err(io(zonepath))?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            if entries.iter().all(|e| e == "root") {
                Ok(())
            } else {
                Err(not_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_solaris_shaped() {
        let s = utc_stamp();
        assert_eq!(s.len(), 16);
        assert_eq!(&s[8..9], "T");
        assert!(s.ends_with('Z'));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }

    #[test]
    fn owner_check() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("root")).unwrap();
        assert!(check_owner(t.path(), "z").is_ok());
        std::fs::write(t.path().join("data"), "").unwrap();
        assert!(check_owner(t.path(), "z").is_err());
        std::fs::write(t.path().join(OWNER_FILE), "z:abc\n").unwrap();
        assert!(check_owner(t.path(), "z").is_ok());
        assert!(check_owner(t.path(), "other").is_err());
    }
}
