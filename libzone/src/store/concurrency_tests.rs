//! Many writers at once, as threads of one process and as separate processes: the index must
//! stay parseable with exactly the expected lines and no zone file may be torn.
//!
//! The process variant re-runs this test binary with a filter selecting `child_worker`, which
//! does one writer's work when `ZONES_STORE_CHILD` names a root and an id (and nothing
//! otherwise, so it passes as an ordinary test).

use super::xml::tests::full_config;
use super::{Repository, Store};
use crate::config::ZoneConfig;
use crate::state::ZoneState;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const WRITERS: usize = 24;
const ROUNDS: usize = 3;
const CHILD_ENV: &str = "ZONES_STORE_CHILD";
const GO_FILE: &str = "go";

fn own_config(i: usize, round: usize) -> ZoneConfig {
    ZoneConfig {
        name: format!("t{i}"),
        zonepath: format!("/zones/t{i}"),
        bootargs: format!("round {round}"),
        ..full_config()
    }
}

/// Writer `i`'s version of the zone every writer commits.
fn shared_config(i: usize) -> ZoneConfig {
    ZoneConfig {
        name: "shared".into(),
        zonepath: "/zones/shared:x".into(),
        bootargs: format!("writer {i}"),
        ..full_config()
    }
}

/// One writer's work: its own zone committed several times, the shared zone in between,
/// an install, a recommit, and reads that must always see whole files.
fn work(root: &Path, i: usize) {
    let s = Store::new(root);
    let own = format!("t{i}");
    for round in 0..ROUNDS {
        s.commit(None, &own_config(i, round)).unwrap();
        s.commit(None, &shared_config(i)).unwrap();
        s.index().unwrap();
        s.load("shared").unwrap().unwrap();
    }
    s.set_state(&own, ZoneState::Installed).unwrap();
    s.commit(Some(&own), &own_config(i, 99)).unwrap();
}

fn check(root: &Path) {
    let s = Store::new(root);
    let index = s.index().unwrap();
    assert_eq!(index.len(), WRITERS + 2, "{index:?}");
    assert_eq!(index[0].name, "global");
    let shared = index.iter().find(|e| e.name == "shared").unwrap();
    assert_eq!(shared.state, ZoneState::Configured);
    assert_eq!(shared.zonepath, "/zones/shared:x");
    for i in 0..WRITERS {
        let e = index.iter().find(|e| e.name == format!("t{i}")).unwrap();
        assert_eq!(e.state, ZoneState::Installed);
        assert_eq!(e.zonepath, format!("/zones/t{i}"));
        assert!(super::is_uuid(&e.uuid));
        assert_eq!(s.load(&e.name).unwrap().unwrap(), own_config(i, 99));
    }
    // The index text has exactly one line per zone.
    let text = std::fs::read_to_string(s.index_path()).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), WRITERS + 2, "{text}");
    // The shared zone is one writer's version, whole.
    let got = s.load("shared").unwrap().unwrap();
    assert!((0..WRITERS).any(|i| got == shared_config(i)), "{got:?}");
    // Every file in etc/zones parses, and no temp file is left over.
    for entry in std::fs::read_dir(s.config_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.starts_with("zonecfg."), "leftover {name}");
        if name.ends_with(".xml") {
            s.read_zone_file(&path).unwrap().unwrap();
        }
    }
}

#[test]
fn concurrent_threads() {
    let dir = tempfile::tempdir().unwrap();
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let root = dir.path().to_path_buf();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                work(&root, i);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    check(dir.path());
}

/// Kills and reaps the children if the test fails half-way.
struct Children(Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn concurrent_processes() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut children = Children(Vec::new());
    for i in 0..WRITERS {
        let child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "store::concurrency_tests::child_worker",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(CHILD_ENV, format!("{}\n{i}", dir.path().display()))
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        children.0.push(child);
    }
    // All children are up and waiting: start them together.
    std::fs::write(dir.path().join(GO_FILE), b"").unwrap();
    for c in &mut children.0 {
        let status = c.wait().unwrap();
        assert!(status.success(), "writer process failed: {status}");
    }
    children.0.clear();
    check(dir.path());
}

#[test]
fn child_worker() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (root, id) = spec.rsplit_once('\n').unwrap();
    let root = Path::new(root);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !root.join(GO_FILE).exists() {
        assert!(Instant::now() < deadline, "never told to start");
        std::thread::sleep(Duration::from_millis(2));
    }
    work(root, id.parse().unwrap());
}
