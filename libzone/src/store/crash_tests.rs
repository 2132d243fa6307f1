//! Every write of the store killed at every point of its sequence: the next reader must see
//! the old state or the new one, whole, with no temp file left in `etc/zones`.
//!
//! A child process (this test binary re-run with a filter selecting `crash_child`, which
//! does nothing unless `ZONES_CRASH_CHILD` is set) performs one operation and `_exit`s at
//! the N-th crash point of the write sequence, with no destructor run, as kill -9 would
//! leave it. N goes up until the operation completes without reaching a crash point.

use super::xml::tests::full_config;
use super::{IndexEntry, Repository, Store};
use crate::config::{Attr, ZoneConfig};
use crate::fsio::crash::{die_at, CRASHED};
use crate::state::ZoneState;
use std::collections::BTreeMap;
use std::path::Path;

const CHILD_ENV: &str = "ZONES_CRASH_CHILD";

fn zone(name: &str) -> ZoneConfig {
    ZoneConfig {
        name: name.into(),
        zonepath: format!("/zones/{name}"),
        ..full_config()
    }
}

/// The operations, by name; each starts from [`setup`]'s store.
const OPS: &[&str] = &[
    "create",
    "recommit",
    "rename",
    "delete",
    "set_state",
    "first_commit",
    "global",
];

fn setup(root: &Path, op: &str) {
    if op == "first_commit" {
        return;
    }
    let s = Store::new(root);
    s.commit(None, &zone("a")).unwrap();
    s.commit(None, &zone("b")).unwrap();
}

fn perform(root: &Path, op: &str) {
    let s = Store::new(root);
    match op {
        "create" | "first_commit" => s.commit(None, &zone("n")).unwrap(),
        "recommit" => {
            let mut c = s.load("a").unwrap().unwrap();
            c.zonepath = "/elsewhere/a".into();
            c.attrs.push(Attr {
                name: "added".into(),
                attr_type: "string".into(),
                value: "x".into(),
            });
            s.commit(Some("a"), &c).unwrap();
        }
        "rename" => {
            let mut c = s.load("a").unwrap().unwrap();
            c.name = "r".into();
            c.zonepath = "/zones/r".into();
            s.commit(Some("a"), &c).unwrap();
        }
        "delete" => s.delete("b").unwrap(),
        "set_state" => s.set_state("a", ZoneState::Installed).unwrap(),
        "global" => {
            let mut g = s.load("global").unwrap().unwrap();
            g.pool = "pool_x".into();
            s.commit(None, &g).unwrap();
        }
        other => panic!("unknown op {other}"),
    }
}

/// What a reader sees: every zone (index line, configuration), the global zone's pool.
/// The uuid assigned by `set_state` is random, so only whether there is one counts.
type View = BTreeMap<String, (ZoneState, String, bool, Option<ZoneConfig>)>;

fn view(root: &Path) -> View {
    let s = Store::new(root);
    let mut v = View::new();
    for IndexEntry {
        name,
        state,
        zonepath,
        uuid,
    } in s.index().unwrap()
    {
        let cfg = s.load(&name).unwrap();
        v.insert(name, (state, zonepath, !uuid.is_empty(), cfg));
    }
    v
}

/// The index and the files agree: each zone's file has its zonepath, and every zone file
/// in `etc/zones` has an index line (templates aside); no temp file is left.
fn check_consistent(root: &Path, what: &str) {
    let s = Store::new(root);
    let index = s.read_index().unwrap();
    assert!(index.damaged.is_empty(), "{what}: {:?}", index.damaged);
    for e in &index.entries {
        if e.name == "global" {
            continue;
        }
        let cfg = s.load(&e.name).unwrap().unwrap();
        assert_eq!(cfg.zonepath, e.zonepath, "{what}: zone {}", e.name);
    }
    let Ok(dir) = std::fs::read_dir(s.config_dir()) else {
        return;
    };
    for entry in dir {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with("zonecfg."), "{what}: leftover {name}");
        if let Some(zone) = name.strip_suffix(".xml") {
            if super::builtin(zone).is_none() && zone != "global" {
                assert!(
                    index.get(zone).is_some(),
                    "{what}: {name} has no index line"
                );
            }
        }
    }
}

fn run_child(root: &Path, op: &str, point: usize) -> i32 {
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new(exe)
        .args([
            "--exact",
            "store::crash_tests::crash_child",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{}\n{op}\n{point}", root.display()))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    status.code().unwrap_or(-1)
}

#[test]
fn every_crash_point_leaves_old_or_new_state() {
    for op in OPS {
        let old_dir = tempfile::tempdir().unwrap();
        setup(old_dir.path(), op);
        let old = view(old_dir.path());
        let new_dir = tempfile::tempdir().unwrap();
        setup(new_dir.path(), op);
        perform(new_dir.path(), op);
        let new = view(new_dir.path());
        assert_ne!(old, new, "{op} changes nothing");
        let mut crashed = 0;
        for point in 1.. {
            let dir = tempfile::tempdir().unwrap();
            setup(dir.path(), op);
            let code = run_child(dir.path(), op, point);
            let what = format!("{op} killed at crash point {point}");
            assert!(code == CRASHED || code == 0, "{what}: child exited {code}");
            // A reader repairs (the dead writer's lock is free) and sees a whole state.
            let seen = view(dir.path());
            assert!(seen == old || seen == new, "{what}: {seen:#?}");
            check_consistent(dir.path(), &what);
            // A writer after it works on that state.
            let s = Store::new(dir.path());
            s.commit(None, &zone("later")).unwrap();
            check_consistent(dir.path(), &what);
            if code == 0 {
                assert_eq!(seen, new, "{what}");
                break;
            }
            crashed += 1;
        }
        assert!(crashed >= 2, "{op}: only {crashed} crash points");
    }
}

/// A writer killed holding the lock is repaired by the next writer too, not only by a
/// reader.
#[test]
fn next_writer_repairs() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), "create");
    // The crash points of a create: note, temp file of the zone file, its rename, ...
    let code = run_child(dir.path(), "create", 3);
    assert_eq!(code, CRASHED);
    let s = Store::new(dir.path());
    let text = std::fs::read_to_string(s.index_lock_path()).unwrap();
    assert!(text.starts_with("writing\n"), "{text:?}");
    s.set_state("a", ZoneState::Installed).unwrap();
    assert_eq!(std::fs::read(s.index_lock_path()).unwrap(), b"");
    assert_eq!(s.load("n").unwrap(), None);
    check_consistent(dir.path(), "after the next writer");
}

#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.split('\n');
    let root = Path::new(parts.next().unwrap()).to_path_buf();
    let op = parts.next().unwrap().to_string();
    let point: usize = parts.next().unwrap().parse().unwrap();
    die_at(point);
    perform(&root, &op);
    die_at(0);
}
