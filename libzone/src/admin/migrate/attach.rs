//! `zoneadm -z zone attach [-F] [-n path]`: a configured zone whose zonepath holds a detached
//! zone (its `SUNWdetached.xml` and root) becomes installed. The manifest's brand must be the
//! configuration's, and the root must be one the brand can boot; `-F` skips those checks.
//! `-n path` only validates a detached zone (its zonepath, or a manifest file, or `-` for
//! standard input) and changes nothing.

use super::super::lifecycle::{load, lock, refuse};
use super::super::status;
use super::super::AdminError;
use crate::config::ZoneConfig;
use crate::state::{Op, ZoneState};
use crate::store::{Store, DETACHED_FILE};
use std::path::{Path, PathBuf};

/// Where `attach -n` reads the manifest from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    /// `-`: standard input, already read.
    Stdin(Vec<u8>),
    /// A path inside the alternate root: a detached zonepath (its `SUNWdetached.xml` is read
    /// and its root checked) or a manifest file.
    Path(String),
}

/// Parse a manifest as Solaris' attach does, with its messages for what is not one.
fn parse(bytes: &[u8], shown: &str, path: &Path) -> Result<ZoneConfig, String> {
    match crate::store::from_xml_bytes(bytes, path) {
        Ok(cfg) => Ok(cfg),
        Err(_) if !bytes.starts_with(b"<?xml") => Err(if shown == "-" {
            "Input is not a valid XML file".to_string()
        } else {
            format!("{shown} is not an XML file")
        }),
        Err(_) => Err("Cannot attach to an earlier release of the operating system".to_string()),
    }
}

fn brand_of(zone: &str, cfg: &ZoneConfig) -> Result<crate::brand::Brand, AdminError> {
    crate::brand::lookup(&cfg.brand)
        .ok_or_else(|| AdminError::zone(zone, "missing or invalid brand"))
}

/// `attach -n`: validate a detached zone without attaching it.
pub fn dry_run(store: &Store, zone: &str, manifest: &Manifest) -> Result<(), AdminError> {
    let (bytes, shown, file, zonepath): (Vec<u8>, String, PathBuf, Option<PathBuf>) = match manifest
    {
        Manifest::Stdin(b) => (b.clone(), "-".into(), PathBuf::from("-"), None),
        Manifest::Path(p) => {
            let host = store
                .host_path(p)
                .map_err(|e| AdminError::zone(zone, e.to_string()))?;
            let (file, dir) = if host.is_dir() {
                (host.join(DETACHED_FILE), Some(host.clone()))
            } else {
                (host.clone(), None)
            };
            let bytes = std::fs::read(&file).map_err(|e| {
                AdminError::zone(
                    zone,
                    format!(
                        "could not open manifest path {}: {}",
                        file.display(),
                        crate::pool::error::io_reason(&e)
                    ),
                )
            })?;
            (bytes, file.display().to_string(), file, dir)
        }
    };
    let cfg = parse(&bytes, &shown, &file).map_err(|m| AdminError::zone(zone, m))?;
    let brand = brand_of(zone, &cfg)?;
    if let Some(dir) = zonepath {
        super::check_root(&brand, &dir.join("root")).map_err(|m| AdminError::zone(zone, m))?;
    }
    Ok(())
}

/// `zoneadm -z zone attach [-F]`.
pub fn attach(store: &Store, zone: &str, force: bool) -> Result<(), AdminError> {
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Attach, &st, force)?;
    let cfg = load(store, zone)?;
    let zonepath = store.host_path(&cfg.zonepath)?;
    if !zonepath.is_dir() {
        return Err(AdminError::zone(
            zone,
            format!(
                "could not verify zonepath {}: it does not exist or is not a directory.",
                zonepath.display()
            ),
        ));
    }
    super::refuse_mounts(zone, &zonepath)?;
    let manifest = zonepath.join(DETACHED_FILE);
    if !force {
        let bytes = match std::fs::read(&manifest) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AdminError::zone(
                    zone,
                    format!(
                        "{} holds no detached zone ({DETACHED_FILE} is missing); detach the zone first, or use attach -F.",
                        zonepath.display()
                    ),
                ))
            }
            Err(e) => return Err(AdminError::io(zone, &manifest.display())(e)),
        };
        let detached = parse(&bytes, &manifest.display().to_string(), &manifest)
            .map_err(|m| AdminError::zone(zone, m))?;
        let brand = brand_of(zone, &cfg)?;
        let theirs = brand_of(zone, &detached)?;
        if theirs.name != brand.name {
            return Err(AdminError::zone(
                zone,
                format!(
                    "the detached zone at {} is of brand {}, not {}; configure it with 'zonecfg create -a {}'.",
                    zonepath.display(),
                    theirs.name,
                    brand.name,
                    cfg.zonepath
                ),
            ));
        }
        super::check_root(&brand, &zonepath.join("root")).map_err(|m| AdminError::zone(zone, m))?;
    }
    let uuid = super::zone_uuid(store, zone)?;
    super::write_owner(&zonepath, zone, &uuid)?;
    store.set_uuid(zone, &uuid)?;
    store.set_state(zone, ZoneState::Installed)?;
    match std::fs::remove_file(&manifest) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(AdminError::io(zone, &manifest.display())(e)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_that_are_not() {
        let p = Path::new("/z/SUNWdetached.xml");
        assert_eq!(
            parse(b"hello", "m.xml", p).unwrap_err(),
            "m.xml is not an XML file"
        );
        assert_eq!(
            parse(b"hello", "-", p).unwrap_err(),
            "Input is not a valid XML file"
        );
        assert_eq!(
            parse(b"<?xml version=\"1.0\"?><nozone/>", "m", p).unwrap_err(),
            "Cannot attach to an earlier release of the operating system"
        );
        let cfg = ZoneConfig {
            name: "z".into(),
            zonepath: "/zones/z".into(),
            brand: "whole".into(),
            ..ZoneConfig::default()
        };
        let back = parse(crate::store::to_xml(&cfg).as_bytes(), "m", p).unwrap();
        assert_eq!(
            (back.brand.as_str(), back.zonepath.as_str()),
            ("whole", "/zones/z")
        );
    }
}
