//! The repository a zonecfg process edits through, so that no commit overwrites one it has
//! not seen.
//!
//! - A batch run (one-shot commands, a command file, commands piped in) holds its zone's
//!   configuration lock from its first look at the zone until it ends: its load, changes and
//!   commit are one step, and concurrent batch runs on one zone apply one after the other.
//! - An interactive session cannot hold a lock while a person types. It remembers what the
//!   zone was when it loaded it, and its commit (taken under the zone's lock, so it waits for
//!   a batch run in progress) is refused when someone else committed the zone since; the
//!   user can `revert` to the current configuration.
//!
//! Both checks compare the zone's file as loaded with the file at commit time, under the
//! index lock; a zone another command created in the meantime counts as changed too.

use super::repo::Revision;
use super::{ConfigLock, Repository, Store, StoreError};
use crate::config::ZoneConfig;
use crate::state::ZoneState;
use std::cell::RefCell;
use std::collections::HashMap;

/// A [`Repository`] over a [`Store`] for one zonecfg process.
pub struct Editor {
    store: Store,
    /// The zone a batch run holds locked (`None`: interactive).
    batch_zone: Option<String>,
    held: RefCell<Option<ConfigLock>>,
    /// The batch lock was tried (held, or not permitted).
    tried: RefCell<bool>,
    /// Each zone's revision when this process last loaded (or committed, or found absent)
    /// it.
    seen: RefCell<HashMap<String, Revision>>,
}

impl Editor {
    /// For a batch run on `zone`: the zone's configuration lock is taken at the first access
    /// to the zone and held until the editor is dropped.
    pub fn batch(store: &Store, zone: &str) -> Editor {
        Editor {
            store: store.clone(),
            batch_zone: Some(zone.to_string()),
            held: RefCell::new(None),
            tried: RefCell::new(false),
            seen: RefCell::new(HashMap::new()),
        }
    }

    /// For an interactive session: commits are checked against what the session loaded.
    pub fn interactive(store: &Store) -> Editor {
        Editor {
            store: store.clone(),
            batch_zone: None,
            held: RefCell::new(None),
            tried: RefCell::new(false),
            seen: RefCell::new(HashMap::new()),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Take the batch zone's lock the first time `zone` is that zone. A user who may not
    /// create the lock file may not write the zone either: they read without it (their
    /// commits fail on the index lock).
    fn hold_if_batch_zone(&self, zone: &str) -> Result<(), StoreError> {
        if self.batch_zone.as_deref() != Some(zone) || *self.tried.borrow() {
            return Ok(());
        }
        *self.tried.borrow_mut() = true;
        match self.store.lock_zone_config(zone) {
            Ok(lock) => *self.held.borrow_mut() = Some(lock),
            Err(e) if is_not_permitted(&e) => {}
            Err(e) => {
                *self.tried.borrow_mut() = false;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Run `f` for a change of `zone` under the zone's configuration lock: the batch lock
    /// when `zone` is the batch zone, else (interactive) the lock just for `f`. A batch run
    /// changing another zone (a zone named before it was created) takes no second lock, so
    /// two batch runs can never wait on each other; its commit is still checked.
    fn locked<T>(
        &self,
        zone: &str,
        f: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.batch_zone {
            Some(b) if b == zone => {
                self.hold_if_batch_zone(zone)?;
                f()
            }
            Some(_) => f(),
            None => {
                let _lock = self.store.lock_zone_config(zone)?;
                f()
            }
        }
    }
}

/// The lock could not be taken for lack of rights (or on a read-only file system).
fn is_not_permitted(e: &StoreError) -> bool {
    let source = match e {
        StoreError::Lock { source, .. } | StoreError::Io { source, .. } => source,
        _ => return false,
    };
    source.kind() == std::io::ErrorKind::PermissionDenied
        || source.raw_os_error() == Some(libc::EROFS)
}

impl Repository for Editor {
    fn load(&self, zone: &str) -> Result<Option<ZoneConfig>, StoreError> {
        self.hold_if_batch_zone(zone)?;
        let (cfg, rev) = self.store.load_tracked(zone)?;
        self.seen.borrow_mut().insert(zone.to_string(), rev);
        Ok(cfg)
    }

    fn template(&self, name: &str) -> Result<Option<ZoneConfig>, StoreError> {
        self.store.template(name)
    }

    /// A zone found not to exist is remembered as absent, so that creating it is refused if
    /// another command creates it first.
    fn state(&self, zone: &str) -> Result<Option<ZoneState>, StoreError> {
        self.hold_if_batch_zone(zone)?;
        let state = self.store.state(zone)?;
        if state.is_none() {
            self.seen
                .borrow_mut()
                .entry(zone.to_string())
                .or_insert_with(Revision::absent);
        }
        Ok(state)
    }

    fn commit(&self, old_name: Option<&str>, cfg: &ZoneConfig) -> Result<(), StoreError> {
        let old = old_name.filter(|o| *o != cfg.name);
        let key = old.unwrap_or(&cfg.name).to_string();
        let expected = self.seen.borrow().get(&key).cloned();
        let written = self.locked(&key, || {
            self.store.commit_checked(old, cfg, expected.as_ref())
        })?;
        let mut seen = self.seen.borrow_mut();
        if old.is_some() {
            seen.insert(key, Revision::absent());
        }
        seen.insert(cfg.name.clone(), written);
        Ok(())
    }

    fn delete(&self, zone: &str) -> Result<(), StoreError> {
        self.locked(zone, || self.store.delete(zone))?;
        self.seen
            .borrow_mut()
            .insert(zone.to_string(), Revision::absent());
        Ok(())
    }

    fn detached(&self, zonepath: &str) -> Result<Option<ZoneConfig>, StoreError> {
        self.store.detached(zonepath)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str, bootargs: &str) -> ZoneConfig {
        ZoneConfig {
            name: name.into(),
            zonepath: format!("/zones/{name}"),
            brand: "sparse".into(),
            bootargs: bootargs.into(),
            ..ZoneConfig::default()
        }
    }

    #[test]
    fn commit_over_a_newer_commit_is_refused_until_revert() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.commit(None, &zone("z", "first")).unwrap();
        let mine = Editor::interactive(&store);
        let theirs = Editor::interactive(&store);
        let mut a = mine.load("z").unwrap().unwrap();
        let mut b = theirs.load("z").unwrap().unwrap();
        b.bootargs = "theirs".into();
        theirs.commit(None, &b).unwrap();
        a.bootargs = "mine".into();
        let e = mine.commit(None, &a).unwrap_err();
        assert!(matches!(e, StoreError::Changed { ref zone } if zone == "z"));
        assert_eq!(
            e.to_string(),
            "Zone z was changed by another zonecfg since this session loaded it; use 'revert' to load the current configuration."
        );
        assert_eq!(store.load("z").unwrap().unwrap().bootargs, "theirs");
        // After reloading (revert), the commit goes through; so do further ones.
        let mut a = mine.load("z").unwrap().unwrap();
        a.bootargs = "mine".into();
        mine.commit(None, &a).unwrap();
        a.autoboot = true;
        mine.commit(None, &a).unwrap();
        assert_eq!(store.load("z").unwrap().unwrap(), a);
        // The other session is now the stale one.
        assert!(matches!(
            theirs.commit(None, &b),
            Err(StoreError::Changed { .. })
        ));
    }

    #[test]
    fn creating_a_zone_someone_else_created_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let mine = Editor::interactive(&store);
        assert_eq!(mine.load("n").unwrap(), None);
        store.commit(None, &zone("n", "theirs")).unwrap();
        assert!(matches!(
            mine.commit(None, &zone("n", "mine")),
            Err(StoreError::Changed { .. })
        ));
        // Also when the session only asked for the zone's state.
        let other = Editor::interactive(&store);
        assert_eq!(other.state("m").unwrap(), None);
        store.commit(None, &zone("m", "theirs")).unwrap();
        assert!(other.commit(None, &zone("m", "mine")).is_err());
        assert_eq!(store.load("m").unwrap().unwrap().bootargs, "theirs");
    }

    #[test]
    fn identical_commit_by_someone_else_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.commit(None, &zone("z", "x")).unwrap();
        let mine = Editor::interactive(&store);
        let cfg = mine.load("z").unwrap().unwrap();
        store.commit(None, &cfg).unwrap();
        mine.commit(None, &cfg).unwrap();
    }

    #[test]
    fn rename_is_checked_against_the_old_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.commit(None, &zone("a", "x")).unwrap();
        let mine = Editor::interactive(&store);
        let mut cfg = mine.load("a").unwrap().unwrap();
        store.commit(None, &zone("a", "changed")).unwrap();
        cfg.name = "b".into();
        assert!(matches!(
            mine.commit(Some("a"), &cfg),
            Err(StoreError::Changed { ref zone }) if zone == "a"
        ));
        mine.load("a").unwrap().unwrap();
        mine.commit(Some("a"), &cfg).unwrap();
        assert_eq!(store.load("a").unwrap(), None);
        // The session now edits b at the revision it wrote.
        cfg.autoboot = true;
        mine.commit(None, &cfg).unwrap();
    }

    /// Many batch editors adding to one zone at once, as one-shot `zonecfg -z z 'add attr
    /// ...'` processes do: every addition survives.
    #[test]
    fn concurrent_batch_edits_lose_nothing() {
        const WRITERS: usize = 64;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.commit(None, &zone("z", "")).unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(WRITERS));
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let store = store.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let ed = Editor::batch(&store, "z");
                    barrier.wait();
                    let mut cfg = ed.load("z").unwrap().unwrap();
                    std::thread::yield_now();
                    cfg.attrs.push(crate::config::Attr {
                        name: format!("a{i}"),
                        attr_type: "string".into(),
                        value: i.to_string(),
                    });
                    ed.commit(None, &cfg).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let got = store.load("z").unwrap().unwrap();
        let mut names: Vec<String> = got.attrs.iter().map(|a| a.name.clone()).collect();
        names.sort();
        let mut want: Vec<String> = (0..WRITERS).map(|i| format!("a{i}")).collect();
        want.sort();
        assert_eq!(names, want);
    }
}
