//! Faults: the zone's init, its zoneadmd or a `zoneadm boot` killed with SIGKILL, and many
//! zones booted at once. After each, `zoneadm list` tells the truth and `zoneadm halt` (or
//! the supervisor itself) leaves nothing behind: no process, no cgroup, no mount, no
//! namespace kept alive, no runtime record.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use zones_tests::{
    alive, eventually, gone_within, require_root, traces, unique_zone, zone_ns, Record, Scratch,
    ZoneNs,
};

// ----------------------------------------------------------------------------------------
// Local helpers

fn install_and_boot(s: &Scratch, zone: &str) {
    s.configure_default(zone);
    s.zoneadm(Some(zone), &["install"]).ok();
    s.zoneadm(Some(zone), &["boot"]).ok();
}

/// After `zoneadm halt` returned: the zone's processes, cgroups, mounts, namespaces and record
/// are gone at once; its zoneadmd, which answered the halt, may take a moment to exit.
fn assert_clean_after_halt(root: &Path, zone: &str, ns: &[ZoneNs]) {
    let now: Vec<String> = traces(root, Some(zone), ns)
        .into_iter()
        .filter(|t| !t.starts_with("zoneadmd "))
        .collect();
    assert!(now.is_empty(), "left after halt of {zone}: {now:#?}");
    gone_within(Duration::from_secs(3), root, Some(zone), ns)
        .unwrap_or_else(|t| panic!("left after halt of {zone}: {t}"));
}

/// `zoneadm list` agrees with the processes: running (with an id) exactly when the zone's
/// init lives; installed (no id) exactly when nothing of the zone runs.
fn assert_list_truthful(s: &Scratch, zone: &str) {
    let (id, state) = s.listed(zone);
    let init = Record::read(s.root(), zone).and_then(|r| r.init_pid());
    let init_alive = init.is_some_and(alive);
    match state.as_str() {
        "running" => {
            assert!(id.is_some(), "running without an id");
            assert!(
                init_alive,
                "{zone} listed running, its init ({init:?}) is gone"
            );
        }
        "ready" => assert!(id.is_some(), "ready without an id"),
        "installed" => {
            assert!(id.is_none(), "installed with id {id:?}");
            assert!(
                !init_alive,
                "{zone} listed installed, its init {init:?} runs"
            );
            let t = traces(s.root(), Some(zone), &[]);
            assert!(t.is_empty(), "{zone} listed installed but: {t:#?}");
        }
        other => panic!("{zone} listed {other}"),
    }
}

// ----------------------------------------------------------------------------------------
// Tests

#[test]
fn killing_init_halts_the_zone() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("fkinit");
    install_and_boot(&s, &zone);
    let rec = s.record(&zone);
    let init = rec.init_pid().unwrap();
    let sup = rec.pid("supervisor").unwrap();
    let ns = [zone_ns(init)];
    // A few more processes in the zone, which must go with it.
    s.zlogin(&[&zone, "sleep 300 >/dev/null 2>&1 </dev/null &"], None)
        .ok();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(init),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let r = eventually(Duration::from_secs(5), || {
        let (id, state) = s.listed(&zone);
        (state != "installed" || id.is_some()).then(|| format!("listed {state} {id:?}"))
    });
    r.unwrap_or_else(|e| panic!("zone not reported installed after its init died: {e}"));
    let r = gone_within(Duration::from_secs(5), s.root(), Some(&zone), &ns);
    r.unwrap_or_else(|t| panic!("left after init was killed: {t}"));
    assert!(!alive(sup), "zoneadmd {sup} outlived its zone");
    // And it boots again.
    s.zoneadm(Some(&zone), &["boot"]).ok();
    assert_eq!(s.listed(&zone).1, "running");
    let init = s.record(&zone).init_pid().unwrap();
    let ns = [zone_ns(init)];
    s.zoneadm(Some(&zone), &["halt"]).ok();
    assert_clean_after_halt(s.root(), &zone, &ns);
}

#[test]
fn killing_zoneadmd_leaves_a_truthful_list_and_halt_cleans() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("fksup");
    install_and_boot(&s, &zone);
    let rec = s.record(&zone);
    let init = rec.init_pid().unwrap();
    let sup = rec.pid("supervisor").unwrap();
    let ns = [zone_ns(init)];
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    eventually(Duration::from_secs(5), || {
        alive(sup).then(|| "alive".into())
    })
    .unwrap();
    // The zone runs on without its supervisor, and says so.
    assert!(alive(init), "init died with its supervisor");
    let (id, state) = s.listed(&zone);
    assert_eq!(state, "running");
    assert!(id.is_some());
    assert_list_truthful(&s, &zone);
    let uname = s.zlogin(&[&zone, "uname", "-n"], None).ok();
    assert_eq!(uname.stdout.trim(), zone);
    // A second boot is refused: the zone is still up.
    let again = s.zoneadm(Some(&zone), &["boot"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    s.zoneadm(Some(&zone), &["halt"]).ok();
    assert_clean_after_halt(s.root(), &zone, &ns);
    assert_eq!(s.listed(&zone), (None, "installed".to_string()));
    // And it boots again, supervised.
    s.zoneadm(Some(&zone), &["boot"]).ok();
    let rec = s.record(&zone);
    assert!(rec.pid("supervisor").is_some_and(alive));
    let ns = [zone_ns(rec.init_pid().unwrap())];
    s.zoneadm(Some(&zone), &["halt"]).ok();
    assert_clean_after_halt(s.root(), &zone, &ns);
}

/// Start `zoneadm boot` and SIGKILL it after `delay`.
fn killed_boot(s: &Scratch, zone: &str, delay: Duration) {
    let mut child = s
        .command("zoneadm")
        .args(["-z", zone, "boot"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

/// The zone's init namespaces, if it has a live init now.
fn live_ns(root: &Path, zone: &str) -> Vec<ZoneNs> {
    Record::read(root, zone)
        .and_then(|r| r.init_pid())
        .filter(|p| alive(*p))
        .map(|p| vec![zone_ns(p)])
        .unwrap_or_default()
}

#[test]
fn killing_zoneadm_boot_midway_then_halt_cleans() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("fkboot");
    s.configure_default(&zone);
    s.zoneadm(Some(&zone), &["install"]).ok();
    for ms in [0u64, 1, 2, 3, 5, 8, 12, 20, 35, 60, 100] {
        killed_boot(&s, &zone, Duration::from_millis(ms));
        // Let the supervisor (which outlives zoneadm) finish what it started.
        let root = s.root().to_path_buf();
        let settled = eventually(Duration::from_secs(5), || {
            let sup_running = traces(&root, Some(&zone), &[])
                .iter()
                .any(|t| t.starts_with("zoneadmd "));
            let state = Record::read(&root, &zone).is_some_and(|r| r.state() == Some("running"));
            (sup_running && !state).then(|| "zoneadmd still booting".into())
        });
        settled.unwrap_or_else(|e| panic!("after {ms} ms: {e}"));
        assert_list_truthful(&s, &zone);
        let ns = live_ns(s.root(), &zone);
        let h = s.zoneadm(Some(&zone), &["halt"]);
        assert!(
            h.code == 0 || h.stderr.contains("zone is already halted"),
            "after {ms} ms: halt: {}",
            h.stderr
        );
        assert_clean_after_halt(s.root(), &zone, &ns);
        assert_eq!(s.listed(&zone), (None, "installed".to_string()));
    }
    // The zone still boots normally afterwards.
    s.zoneadm(Some(&zone), &["boot"]).ok();
    let ns = live_ns(s.root(), &zone);
    s.zoneadm(Some(&zone), &["halt"]).ok();
    assert_clean_after_halt(s.root(), &zone, &ns);
}

/// The same, but `zoneadm halt` comes at once, while the orphaned supervisor may still be
/// booting: the halt must win (the zone ends up down), not be overtaken by the boot.
#[test]
fn halt_right_after_a_killed_boot_leaves_the_zone_down() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("fkrace");
    s.configure_default(&zone);
    s.zoneadm(Some(&zone), &["install"]).ok();
    for ms in [0u64, 1, 2, 3, 5, 8, 12, 20, 35] {
        killed_boot(&s, &zone, Duration::from_millis(ms));
        let h = s.zoneadm(Some(&zone), &["halt"]);
        assert!(
            h.code == 0 || h.stderr.contains("zone is already halted"),
            "after {ms} ms: halt: {}",
            h.stderr
        );
        // Whatever the supervisor was doing, once it is gone the zone must be down.
        let root = s.root().to_path_buf();
        let r = gone_within(Duration::from_secs(5), &root, Some(&zone), &[]);
        if let Err(t) = r {
            let state = s.listed(&zone);
            // Clean up for the next round before failing.
            let _ = s.zoneadm(Some(&zone), &["halt"]);
            panic!(
                "kill after {ms} ms, then halt ({}): zone listed {state:?}, left: {t}",
                h.stderr.trim()
            );
        }
        assert_eq!(s.listed(&zone), (None, "installed".to_string()));
    }
}

#[test]
fn twenty_zones_boot_in_parallel_and_halt_cleanly() {
    require_root();
    const N: usize = 20;
    let s = Scratch::new();
    let zones: Vec<String> = (0..N).map(|_| unique_zone("fpar")).collect();
    for z in &zones {
        s.configure_default(z);
    }
    std::thread::scope(|sc| {
        for z in &zones {
            let s = &s;
            sc.spawn(move || {
                s.zoneadm(Some(z), &["install"]).ok();
                s.zoneadm(Some(z), &["boot"]).ok();
            });
        }
    });
    let mut ids = Vec::new();
    let mut ns = Vec::new();
    for z in &zones {
        let (id, state) = s.listed(z);
        assert_eq!(state, "running", "{z}");
        ids.push(id.unwrap());
        ns.push(zone_ns(s.record(z).init_pid().unwrap()));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N, "zone ids not unique: {ids:?}");
    let list = s.zoneadm(None, &["list"]).ok().stdout;
    assert_eq!(list.lines().count(), N + 1, "{list}");
    std::thread::scope(|sc| {
        for z in &zones {
            let s = &s;
            sc.spawn(move || {
                let u = s.zlogin(&[z, "uname", "-n"], None).ok();
                assert_eq!(u.stdout.trim(), z);
            });
        }
    });
    std::thread::scope(|sc| {
        for z in &zones {
            let s = &s;
            sc.spawn(move || {
                s.zoneadm(Some(z), &["halt"]).ok();
            });
        }
    });
    let root = s.root().to_path_buf();
    let r = gone_within(Duration::from_secs(5), &root, None, &ns);
    r.unwrap_or_else(|t| panic!("left after halting {N} zones: {t}"));
    for z in &zones {
        assert_eq!(s.listed(z), (None, "installed".to_string()), "{z}");
    }
}
