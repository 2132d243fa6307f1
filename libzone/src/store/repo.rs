//! `Store` as the zonecfg `Repository`: zone files and index entries changed together under
//! the index lock, each file replaced atomically.

use super::index::IndexEntry;
use super::paths::{check_name, storable_name};
use super::templates::builtin;
use super::xml::{from_xml_bytes, to_xml};
use super::{atomic, Repository, Store, StoreError};
use crate::config::{ZoneConfig, GLOBAL_ZONE};
use crate::state::ZoneState;
use std::io::ErrorKind;
use std::path::Path;

impl Store {
    /// Read a zone document; `None` when the file does not exist.
    pub fn read_zone_file(&self, path: &Path) -> Result<Option<ZoneConfig>, StoreError> {
        match std::fs::read(path) {
            Ok(bytes) => from_xml_bytes(&bytes, path).map(Some),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// What every write does first: make `etc/zones` and install the templates.
    pub(crate) fn prepare_write(&self) -> Result<(), StoreError> {
        self.install_templates()
    }

    /// Write `cfg` as the detached-zone manifest `<zonepath>/SUNWdetached.xml` (for
    /// `zoneadm detach`). The zonepath directory must exist.
    pub fn write_detached(&self, cfg: &ZoneConfig, zonepath: &str) -> Result<(), StoreError> {
        atomic::write_atomic(&self.detached_path(zonepath)?, to_xml(cfg).as_bytes())
    }

    fn commit_locked(&self, old: Option<&str>, cfg: &ZoneConfig) -> Result<(), StoreError> {
        let new_path = self.zone_xml_path(&cfg.name);
        let xml = to_xml(cfg);
        self.prepare_write()?;
        if cfg.is_global() {
            // The global zone's index line never changes; only its file does.
            return atomic::write_atomic(&new_path, xml.as_bytes());
        }
        let mut index = self.read_index()?;
        let renamed_from = match old {
            Some(old) => {
                if index.get(&cfg.name).is_some() || new_path.exists() {
                    return Err(StoreError::NameInUse {
                        zone: cfg.name.clone(),
                    });
                }
                Some(old)
            }
            None => None,
        };
        let key = renamed_from.unwrap_or(&cfg.name);
        match index.entries.iter_mut().find(|e| e.name == key) {
            // A rename keeps the state and uuid; the index follows the zonepath.
            Some(e) => {
                e.name = cfg.name.clone();
                e.zonepath = cfg.zonepath.clone();
            }
            None => index
                .entries
                .push(IndexEntry::configured(&cfg.name, &cfg.zonepath)),
        }
        // Format first: a value the index cannot hold must fail before anything changes.
        let index_text = index.format()?;
        atomic::write_atomic(&new_path, xml.as_bytes())?;
        if let Err(e) = atomic::write_atomic(&self.index_path(), index_text.as_bytes()) {
            if renamed_from.is_some() {
                // Undo, so the new name is not left taken by a file the index lacks.
                let _ = atomic::remove_durable(&new_path);
            }
            return Err(e);
        }
        if let Some(old) = renamed_from {
            atomic::remove_durable(&self.zone_xml_path(old))?;
        }
        Ok(())
    }
}

/// Names `commit` refuses: the template files they would overwrite.
fn is_template_name(zone: &str) -> bool {
    builtin(zone).is_some()
}

impl Repository for Store {
    /// The zone's file. Its name is the file's: a file copied by hand under a new name is
    /// that zone. The global zone exists even without `global.xml`.
    fn load(&self, zone: &str) -> Result<Option<ZoneConfig>, StoreError> {
        if !storable_name(zone) {
            return Ok(None);
        }
        match self.read_zone_file(&self.zone_xml_path(zone))? {
            Some(mut cfg) => {
                cfg.name = zone.to_string();
                Ok(Some(cfg))
            }
            None if zone == GLOBAL_ZONE => Ok(Some(ZoneConfig {
                name: GLOBAL_ZONE.to_string(),
                ..ZoneConfig::default()
            })),
            None => Ok(None),
        }
    }

    fn template(&self, name: &str) -> Result<Option<ZoneConfig>, StoreError> {
        if builtin(name).is_some() {
            return self.builtin_template(name);
        }
        if name == GLOBAL_ZONE {
            // Only a configured global zone can serve; there is no implicit one to copy.
            return self.read_zone_file(&self.zone_xml_path(name));
        }
        self.load(name)
    }

    fn state(&self, zone: &str) -> Result<Option<ZoneState>, StoreError> {
        Ok(self.entry(zone)?.map(|e| e.state))
    }

    fn commit(&self, old_name: Option<&str>, cfg: &ZoneConfig) -> Result<(), StoreError> {
        check_name(&cfg.name)?;
        if is_template_name(&cfg.name) {
            return Err(StoreError::BogusName {
                zone: cfg.name.clone(),
            });
        }
        let old = old_name.filter(|o| *o != cfg.name);
        if let Some(o) = old {
            check_name(o)?;
            if o == GLOBAL_ZONE {
                return Err(StoreError::BogusName {
                    zone: o.to_string(),
                });
            }
            if cfg.is_global() {
                return Err(StoreError::NameInUse {
                    zone: cfg.name.clone(),
                });
            }
        }
        let _lock = self.lock_index()?;
        self.commit_locked(old, cfg)
    }

    fn delete(&self, zone: &str) -> Result<(), StoreError> {
        let no_such = || StoreError::NoSuchZone {
            zone: zone.to_string(),
        };
        if !storable_name(zone) {
            return Err(no_such());
        }
        if zone == GLOBAL_ZONE || is_template_name(zone) {
            return Err(StoreError::BogusName {
                zone: zone.to_string(),
            });
        }
        let _lock = self.lock_index()?;
        let path = self.zone_xml_path(zone);
        let mut index = self.read_index()?;
        let before = index.entries.len();
        index.entries.retain(|e| e.name != zone);
        let had_entry = index.entries.len() != before;
        if !had_entry && !path.exists() {
            return Err(no_such());
        }
        if had_entry {
            self.prepare_write()?;
            atomic::write_atomic(&self.index_path(), index.format()?.as_bytes())?;
        }
        atomic::remove_durable(&path)
    }

    /// The manifest with its zonepath set to where it was found, as Solaris'
    /// `zonecfg_get_attach_handle` does; the caller gives it the new zone's name.
    fn detached(&self, zonepath: &str) -> Result<Option<ZoneConfig>, StoreError> {
        let Some(mut cfg) = self.read_zone_file(&self.detached_path(zonepath)?)? else {
            return Ok(None);
        };
        cfg.zonepath = zonepath.to_string();
        Ok(Some(cfg))
    }
}

#[cfg(test)]
mod tests {
    use super::super::xml::tests::full_config;
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::new(dir.path());
        (dir, s)
    }

    fn zone(name: &str) -> ZoneConfig {
        ZoneConfig {
            name: name.into(),
            zonepath: format!("/zones/{name}"),
            brand: "sparse".into(),
            ..ZoneConfig::default()
        }
    }

    #[test]
    fn commit_and_load_new_zone() {
        let (_d, s) = store();
        assert_eq!(s.load("z1").unwrap(), None);
        assert_eq!(s.state("z1").unwrap(), None);
        let mut c = full_config();
        c.zonepath = "/zones/z1:odd".into();
        s.commit(None, &c).unwrap();
        assert_eq!(s.load("z1").unwrap(), Some(c.clone()));
        assert_eq!(s.state("z1").unwrap(), Some(ZoneState::Configured));
        let e = s.entry("z1").unwrap().unwrap();
        assert_eq!(e.zonepath, "/zones/z1:odd");
        assert_eq!(e.uuid, "");
        let text = std::fs::read_to_string(s.index_path()).unwrap();
        assert!(text.ends_with("global:installed:/\nz1:configured:\"/zones/z1:odd\":\n"));
        // Templates were installed by the first write.
        assert!(s.zone_xml_path("SYSdefault").is_file());
        assert!(s.zone_xml_path("SYSblank").is_file());
    }

    #[test]
    fn recommit_keeps_state_and_follows_zonepath() {
        let (_d, s) = store();
        s.commit(None, &zone("z1")).unwrap();
        s.set_state("z1", ZoneState::Installed).unwrap();
        let uuid = s.entry("z1").unwrap().unwrap().uuid;
        let mut c = zone("z1");
        c.zonepath = "/elsewhere".into();
        c.autoboot = true;
        s.commit(Some("z1"), &c).unwrap();
        let e = s.entry("z1").unwrap().unwrap();
        assert_eq!(e.state, ZoneState::Installed);
        assert_eq!(e.uuid, uuid);
        assert_eq!(e.zonepath, "/elsewhere");
        assert!(s.load("z1").unwrap().unwrap().autoboot);
        assert_eq!(s.index().unwrap().len(), 2);
    }

    #[test]
    fn rename_moves_file_and_entry() {
        let (_d, s) = store();
        s.commit(None, &zone("a")).unwrap();
        s.commit(None, &zone("other")).unwrap();
        s.set_state("a", ZoneState::Installed).unwrap();
        let before = s.entry("a").unwrap().unwrap();
        let mut c = s.load("a").unwrap().unwrap();
        c.name = "b".into();
        s.commit(Some("a"), &c).unwrap();
        assert_eq!(s.load("a").unwrap(), None);
        assert!(!s.zone_xml_path("a").exists());
        assert_eq!(s.load("b").unwrap().unwrap().name, "b");
        let after = s.entry("b").unwrap().unwrap();
        assert_eq!((after.state, &after.uuid), (before.state, &before.uuid));
        assert_eq!(s.entry("a").unwrap(), None);
        // Order of the index is kept: the renamed zone stays where it was.
        let names: Vec<String> = s.index().unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["global", "b", "other"]);
    }

    #[test]
    fn rename_onto_existing_name_is_refused() {
        let (_d, s) = store();
        s.commit(None, &zone("a")).unwrap();
        s.commit(None, &zone("b")).unwrap();
        let mut c = zone("a");
        c.name = "b".into();
        let e = s.commit(Some("a"), &c).unwrap_err();
        assert!(matches!(e, StoreError::NameInUse { ref zone } if zone == "b"));
        assert_eq!(e.to_string(), "b: Zone name already in use");
        assert_eq!(s.load("a").unwrap().unwrap().zonepath, "/zones/a");
        // Nor onto global or a template file.
        c.name = "global".into();
        assert!(matches!(
            s.commit(Some("a"), &c),
            Err(StoreError::NameInUse { .. })
        ));
        c.name = "SYSdefault".into();
        assert!(matches!(
            s.commit(Some("a"), &c),
            Err(StoreError::BogusName { .. })
        ));
    }

    #[test]
    fn rename_of_never_committed_zone_is_a_new_zone() {
        let (_d, s) = store();
        let c = zone("fresh");
        s.commit(Some("draft"), &c).unwrap();
        assert_eq!(s.state("fresh").unwrap(), Some(ZoneState::Configured));
        assert_eq!(s.state("draft").unwrap(), None);
    }

    #[test]
    fn delete_removes_file_and_entry() {
        let (_d, s) = store();
        s.commit(None, &zone("a")).unwrap();
        s.commit(None, &zone("b")).unwrap();
        s.delete("a").unwrap();
        assert_eq!(s.load("a").unwrap(), None);
        assert_eq!(s.state("a").unwrap(), None);
        assert!(s.load("b").unwrap().is_some());
        let e = s.delete("a").unwrap_err();
        assert_eq!(e.to_string(), "a: No such zone configured");
        assert!(matches!(
            s.delete("global"),
            Err(StoreError::BogusName { .. })
        ));
        assert!(matches!(
            s.delete("../x"),
            Err(StoreError::NoSuchZone { .. })
        ));
        // A file without an index entry (a half-finished operation) is cleaned up too.
        std::fs::write(s.zone_xml_path("orphan"), to_xml(&zone("orphan"))).unwrap();
        s.delete("orphan").unwrap();
        assert!(!s.zone_xml_path("orphan").exists());
    }

    #[test]
    fn global_zone() {
        let (_d, s) = store();
        let g = s.load("global").unwrap().unwrap();
        assert_eq!(g.name, "global");
        assert_eq!(s.state("global").unwrap(), Some(ZoneState::Installed));
        assert_eq!(s.template("global").unwrap(), None);
        let mut g2 = g.clone();
        g2.pool = "pool_batch".into();
        s.commit(None, &g2).unwrap();
        assert_eq!(s.load("global").unwrap().unwrap(), g2);
        assert_eq!(s.index().unwrap(), vec![IndexEntry::global()]);
    }

    #[test]
    fn templates_and_zones_as_templates() {
        let (_d, s) = store();
        for name in ["SYSdefault", "SUNWdefault", "SYSblank", "SUNWblank"] {
            let t = s.template(name).unwrap().unwrap();
            assert_eq!(t.brand, "sparse", "{name}");
            assert!(t.name.starts_with("SYS"), "{name}");
        }
        assert_eq!(s.template("nosuch").unwrap(), None);
        s.commit(None, &full_config()).unwrap();
        assert_eq!(s.template("z1").unwrap().unwrap(), full_config());
        assert!(matches!(
            s.commit(None, &zone("SUNWblank")),
            Err(StoreError::BogusName { .. })
        ));
    }

    #[test]
    fn bogus_names() {
        let (_d, s) = store();
        assert_eq!(s.load("../etc/passwd").unwrap(), None);
        for bad in ["", "a/b", "..", "a:b"] {
            assert!(matches!(
                s.commit(None, &zone(bad)),
                Err(StoreError::BogusName { .. })
            ));
        }
        assert_eq!(
            StoreError::BogusName { zone: "a/b".into() }.to_string(),
            "a/b: Bogus zone name"
        );
    }

    #[test]
    fn unindexable_zonepath_changes_nothing() {
        let (_d, s) = store();
        let mut c = zone("z");
        c.zonepath = "/a\"b".into();
        assert!(matches!(
            s.commit(None, &c),
            Err(StoreError::BadIndexValue { .. })
        ));
        assert!(!s.zone_xml_path("z").exists());
        assert_eq!(s.state("z").unwrap(), None);
    }

    #[test]
    fn corrupt_zone_file_is_reported() {
        let (_d, s) = store();
        s.commit(None, &zone("z")).unwrap();
        std::fs::write(
            s.zone_xml_path("z"),
            "<?xml version=\"1.0\"?>\n<zone name=\"z\"\n autoboot=\"maybe\"/>\n",
        )
        .unwrap();
        match s.load("z") {
            Err(StoreError::BadDocument { path, line, .. }) => {
                assert_eq!(path, s.zone_xml_path("z"));
                assert_eq!(line, 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hand_copied_file_takes_its_file_name() {
        let (_d, s) = store();
        s.commit(None, &zone("a")).unwrap();
        std::fs::copy(s.zone_xml_path("a"), s.zone_xml_path("b")).unwrap();
        assert_eq!(s.load("b").unwrap().unwrap().name, "b");
    }

    #[test]
    fn detached_manifest() {
        let (d, s) = store();
        assert_eq!(s.detached("/zones/z1").unwrap(), None);
        std::fs::create_dir_all(d.path().join("zones/z1")).unwrap();
        let c = full_config();
        s.write_detached(&c, "/zones/z1").unwrap();
        assert!(d.path().join("zones/z1/SUNWdetached.xml").is_file());
        let back = s.detached("/zones/z1").unwrap().unwrap();
        assert_eq!(back.zonepath, "/zones/z1");
        assert_eq!(back.fs, c.fs);
        assert_eq!(back.name, c.name);
    }
}
