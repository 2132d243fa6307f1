//! `Store` as the zonecfg `Repository`: zone files and index entries changed together under
//! the index lock, each file replaced atomically, in the order `recover.rs` relies on.

use super::index::IndexEntry;
use super::lock::IndexLock;
use super::paths::{check_name, storable_name};
use super::templates::builtin;
use super::xml::{from_xml_bytes, to_xml};
use super::{Repository, Store, StoreError};
use crate::config::{ZoneConfig, GLOBAL_ZONE};
use crate::fsio::atomic;
use crate::state::ZoneState;
use std::io::ErrorKind;
use std::path::Path;

/// What a zone's committed configuration was when it was read: the bytes of its file, or
/// `None` when the zone did not exist. A commit that expects a revision is refused when the
/// zone no longer has it (someone else committed in between).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Revision(Option<Vec<u8>>);

impl Revision {
    /// The zone does not exist.
    pub(crate) fn absent() -> Revision {
        Revision(None)
    }
}

impl Store {
    /// Read a zone document; `None` when the file does not exist. This is the file alone:
    /// whether the zone exists is the index's to say (see [`Repository::load`]).
    pub fn read_zone_file(&self, path: &Path) -> Result<Option<ZoneConfig>, StoreError> {
        read_bytes(path)?
            .map(|bytes| from_xml_bytes(&bytes, path))
            .transpose()
    }

    /// What every write does first: make `etc/zones` and install the templates.
    pub(crate) fn prepare_write(&self) -> Result<(), StoreError> {
        self.install_templates()
    }

    /// Write `cfg` as the detached-zone manifest `<zonepath>/SUNWdetached.xml` (for
    /// `zoneadm detach`). The zonepath directory must exist.
    pub fn write_detached(&self, cfg: &ZoneConfig, zonepath: &str) -> Result<(), StoreError> {
        atomic::write_atomic(&self.detached_path(zonepath)?, to_xml(cfg).as_bytes())
            .map_err(StoreError::from)
    }

    /// [`Repository::load`] with the revision it read.
    pub(crate) fn load_tracked(
        &self,
        zone: &str,
    ) -> Result<(Option<ZoneConfig>, Revision), StoreError> {
        if !storable_name(zone) {
            return Ok((None, Revision::absent()));
        }
        let exists = zone == GLOBAL_ZONE || {
            let found = self.find_in_index(zone)?;
            if found.entry.is_none() {
                // The zone's line is damaged: say so rather than that there is no zone.
                if let Some(d) = found.damaged {
                    return Err(d.error(&self.index_path()));
                }
            }
            found.entry.is_some()
        };
        let path = self.zone_xml_path(zone);
        let bytes = if exists { read_bytes(&path)? } else { None };
        match bytes {
            Some(bytes) => {
                let mut cfg = from_xml_bytes(&bytes, &path)?;
                // The zone's name is its file's: a file copied by hand under a new name
                // (and given an index line) is that zone.
                cfg.name = zone.to_string();
                Ok((Some(cfg), Revision(Some(bytes))))
            }
            None if zone == GLOBAL_ZONE => Ok((
                Some(ZoneConfig {
                    name: GLOBAL_ZONE.to_string(),
                    ..ZoneConfig::default()
                }),
                Revision::absent(),
            )),
            None => Ok((None, Revision::absent())),
        }
    }

    /// The revision of `zone` now (`in_index`: it has an index line), read under the index
    /// lock.
    fn revision_locked(&self, zone: &str, in_index: bool) -> Result<Revision, StoreError> {
        if zone != GLOBAL_ZONE && !in_index {
            return Ok(Revision::absent());
        }
        Ok(Revision(read_bytes(&self.zone_xml_path(zone))?))
    }

    /// [`Repository::commit`], refused with [`StoreError::Changed`] when `expected` is given
    /// and the zone (under its old name, for a rename) is no longer at that revision.
    /// Returns the revision written.
    pub(crate) fn commit_checked(
        &self,
        old_name: Option<&str>,
        cfg: &ZoneConfig,
        expected: Option<&Revision>,
    ) -> Result<Revision, StoreError> {
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
        let lock = self.lock_index()?;
        self.commit_locked(&lock, old, cfg, expected)
    }

    fn commit_locked(
        &self,
        lock: &IndexLock,
        old: Option<&str>,
        cfg: &ZoneConfig,
        expected: Option<&Revision>,
    ) -> Result<Revision, StoreError> {
        let new_path = self.zone_xml_path(&cfg.name);
        let xml = to_xml(cfg);
        let mut text = self.read_index_text()?;
        let key = old.unwrap_or(&cfg.name);
        let [new, old_found] = text.find([&cfg.name, key]);
        if let Some(expected) = expected {
            if self.revision_locked(key, old_found.entry.is_some())? != *expected {
                return Err(StoreError::Changed {
                    zone: key.to_string(),
                });
            }
        }
        if cfg.is_global() {
            // The global zone's index line never changes; only its file does.
            self.writing(lock, &[GLOBAL_ZONE], || {
                self.prepare_write()?;
                atomic::write_atomic(&new_path, xml.as_bytes()).map_err(StoreError::from)
            })?;
            return Ok(Revision(Some(xml.into_bytes())));
        }
        let creating = old.is_some() || new.entry.is_none();
        if creating {
            if old.is_some() && new.entry.is_some() {
                return Err(StoreError::NameInUse {
                    zone: cfg.name.clone(),
                });
            }
            // The name of a zone whose index line is damaged: its file is that zone's.
            if let Some(d) = &new.damaged {
                return Err(d.error(&self.index_path()));
            }
        }
        let renamed_from = old.filter(|_| old_found.entry.is_some());
        // Change the text before writing anything: a value the index cannot hold fails here.
        match (renamed_from, old_found.entry, new.entry) {
            // A rename keeps the state, uuid and place of the line, and only a zone that has
            // nothing installed may change its name: its zonepath and running instance go by
            // the name.
            (Some(_), Some((range, mut e)), _) => {
                if e.state != ZoneState::Configured {
                    return Err(StoreError::NotConfigured {
                        zone: e.name,
                        op: "rename",
                    });
                }
                e.name = cfg.name.clone();
                e.zonepath = cfg.zonepath.clone();
                text.replace(range, &e)?;
            }
            // The index follows the zonepath.
            (_, _, Some((range, mut e))) => {
                e.zonepath = cfg.zonepath.clone();
                text.replace(range, &e)?;
            }
            _ => text.append(&IndexEntry::configured(&cfg.name, &cfg.zonepath))?,
        }
        let mut noted = vec![cfg.name.as_str()];
        noted.extend(renamed_from);
        self.writing(lock, &noted, || {
            self.prepare_write()?;
            // Zone file, then index, then the old name's file; one directory sync for all.
            atomic::write_atomic_deferred(&new_path, xml.as_bytes())?;
            atomic::write_atomic_deferred(&self.index_path(), text.as_bytes())?;
            if let Some(old) = renamed_from {
                atomic::remove_deferred(&self.zone_xml_path(old))?;
            }
            atomic::sync_parent(&new_path).map_err(StoreError::from)
        })?;
        Ok(Revision(Some(xml.into_bytes())))
    }

    /// [`Repository::delete`] under a lock already held.
    fn delete_locked(&self, lock: &IndexLock, zone: &str) -> Result<(), StoreError> {
        let path = self.zone_xml_path(zone);
        let mut text = self.read_index_text()?;
        let [found] = text.find([zone]);
        let Some((range, entry)) = found.entry else {
            if found.damaged.is_some() {
                return Err(StoreError::NoSuchZone {
                    zone: zone.to_string(),
                });
            }
            // A file without an index line is no zone; it is what a killed create left.
            if path.exists() {
                self.writing(lock, &[zone], || Ok(atomic::remove_durable(&path)?))?;
                return Ok(());
            }
            return Err(StoreError::NoSuchZone {
                zone: zone.to_string(),
            });
        };
        // An installed zone's zonepath and running instance would be orphaned.
        if entry.state != ZoneState::Configured {
            return Err(StoreError::NotConfigured {
                zone: zone.to_string(),
                op: "delete",
            });
        }
        text.remove(range);
        self.writing(lock, &[zone], || {
            self.prepare_write()?;
            atomic::write_atomic_deferred(&self.index_path(), text.as_bytes())?;
            atomic::remove_deferred(&path)?;
            atomic::sync_parent(&path).map_err(StoreError::from)
        })
    }
}

/// The bytes of a file, `None` when it does not exist.
fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Names `commit` refuses: the template files they would overwrite.
fn is_template_name(zone: &str) -> bool {
    builtin(zone).is_some()
}

impl Repository for Store {
    /// The zone's file, when the index has a line for the zone: a file the index lacks (left
    /// by a create or delete that was killed half-way) is no zone, for zonecfg as for
    /// zoneadm. The zone's name is its file's. The global zone exists even without
    /// `global.xml`.
    fn load(&self, zone: &str) -> Result<Option<ZoneConfig>, StoreError> {
        Ok(self.load_tracked(zone)?.0)
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
        self.commit_checked(old_name, cfg, None).map(|_| ())
    }

    /// Only a zone in the configured state can be deleted (an installed one is uninstalled
    /// first); `-F` does not change that.
    fn delete(&self, zone: &str) -> Result<(), StoreError> {
        if !storable_name(zone) {
            return Err(StoreError::NoSuchZone {
                zone: zone.to_string(),
            });
        }
        if zone == GLOBAL_ZONE || is_template_name(zone) {
            return Err(StoreError::BogusName {
                zone: zone.to_string(),
            });
        }
        let lock = self.lock_index()?;
        self.delete_locked(&lock, zone)
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
        s.set_uuid("a", "3c5a4b3e-8d1b-4e0c-9a8b-0123456789ab")
            .unwrap();
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
        // Without an index line the copy is no zone...
        assert_eq!(s.load("b").unwrap(), None);
        // ...with one, it is zone b.
        s.update_index(|e| {
            e.push(IndexEntry::configured("b", "/zones/a"));
            Ok(())
        })
        .unwrap();
        assert_eq!(s.load("b").unwrap().unwrap().name, "b");
    }

    #[test]
    fn file_without_index_line_is_no_zone() {
        let (_d, s) = store();
        s.commit(None, &zone("a")).unwrap();
        // What a create killed between its two writes leaves.
        std::fs::write(s.zone_xml_path("left"), to_xml(&zone("left"))).unwrap();
        assert_eq!(s.load("left").unwrap(), None);
        assert_eq!(s.state("left").unwrap(), None);
        assert_eq!(s.template("left").unwrap(), None);
        // Creating the zone writes over it; a rename onto the name too.
        let mut c = zone("left");
        c.autoboot = true;
        s.commit(None, &c).unwrap();
        assert_eq!(s.load("left").unwrap().unwrap(), c);
        std::fs::write(s.zone_xml_path("b"), "junk").unwrap();
        let mut a = s.load("a").unwrap().unwrap();
        a.name = "b".into();
        s.commit(Some("a"), &a).unwrap();
        assert_eq!(s.load("b").unwrap().unwrap().zonepath, "/zones/a");
    }

    #[test]
    fn only_configured_zones_are_deleted_or_renamed() {
        let (_d, s) = store();
        for st in [ZoneState::Incomplete, ZoneState::Installed] {
            let name = format!("z{}", st.as_str());
            s.commit(None, &zone(&name)).unwrap();
            s.set_state(&name, st).unwrap();
            let e = s.delete(&name).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("Zone {name} not in configured state; delete not allowed.")
            );
            let mut c = s.load(&name).unwrap().unwrap();
            c.name = "renamed".into();
            let e = s.commit(Some(&name), &c).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("Zone {name} not in configured state; rename not allowed.")
            );
            // Nothing changed; a recommit under its own name is still fine.
            assert_eq!(s.state(&name).unwrap(), Some(st));
            assert_eq!(s.load("renamed").unwrap(), None);
            c.name = name.clone();
            c.autoboot = true;
            s.commit(Some(&name), &c).unwrap();
        }
    }

    #[test]
    fn damaged_line_keeps_its_name_taken() {
        let (_d, s) = store();
        s.commit(None, &zone("good")).unwrap();
        s.commit(None, &zone("hurt")).unwrap();
        let text = std::fs::read_to_string(s.index_path()).unwrap();
        std::fs::write(
            s.index_path(),
            text.replace("hurt:configured:", "hurt:confgured:"),
        )
        .unwrap();
        // Loading it names the damaged line.
        let e = s.load("hurt").unwrap_err();
        assert!(
            e.to_string()
                .contains("bad index entry: unknown zone state 'confgured'"),
            "{e}"
        );
        // Its file is the damaged zone's configuration: no create or rename may take it.
        let e = s.commit(None, &zone("hurt")).unwrap_err();
        assert!(matches!(e, StoreError::BadIndex { .. }), "{e}");
        assert!(e.to_string().contains("index:"), "{e}");
        let mut g = s.load("good").unwrap().unwrap();
        g.name = "hurt".into();
        assert!(matches!(
            s.commit(Some("good"), &g),
            Err(StoreError::BadIndex { .. })
        ));
        assert!(matches!(
            s.delete("hurt"),
            Err(StoreError::NoSuchZone { .. })
        ));
        assert!(s.zone_xml_path("hurt").exists());
        // The other zones work as ever, and the damaged line survives their commits.
        g.name = "good".into();
        g.autoboot = true;
        s.commit(None, &g).unwrap();
        s.delete("good").unwrap();
        let text = std::fs::read_to_string(s.index_path()).unwrap();
        assert!(text.contains("\nhurt:confgured:/zones/hurt:\n"), "{text}");
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
