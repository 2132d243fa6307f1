//! `pooladm -c` racing zone boots: commits and boots take turns, so every zone ends on the
//! processor set of the configuration committed last, and no commit fails on a zone that is
//! being made or taken down at the same moment.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use zones_tests::{cgroup_parent, gone_within, require_root, unique_zone, Scratch};

const ZONES: usize = 64;
/// Boots (and halts) of all zones at once, each with a commit in the middle.
const ROUNDS: usize = 6;
/// Threads installing zones.
const INSTALLERS: usize = 8;

/// `cpuset.cpus` of a cgroup below the cpuset hierarchy.
fn cpus_of(cgroup: &Path) -> String {
    std::fs::read_to_string(cgroup.join("cpuset.cpus"))
        .unwrap_or_else(|e| panic!("{}: {e}", cgroup.display()))
        .trim()
        .to_string()
}

fn cpuset_dir(name: &str) -> PathBuf {
    PathBuf::from("/sys/fs/cgroup/cpuset").join(name)
}

/// Two static configurations to alternate between, both with a pool `p1`: on a processor
/// set of one CPU of its own (`a`), or sharing the default set (`b`).
fn configurations(s: &Scratch) -> [String; 2] {
    let file = |name: &str| s.root().join(name).to_string_lossy().into_owned();
    let (a, b) = (file("pools-a.xml"), file("pools-b.xml"));
    for conf in [&a, &b] {
        s.run("poolcfg", &["-c", "discover", conf], None).ok();
        s.run("poolcfg", &["-c", "create pool p1", conf], None).ok();
    }
    let one = "create pset one (uint pset.min = 1; uint pset.max = 1)";
    s.run("poolcfg", &["-c", one, &a], None).ok();
    s.run("poolcfg", &["-c", "associate pool p1 (pset one)", &a], None)
        .ok();
    [a, b]
}

/// Run `work` on every zone at once, and commit `conf` once in the thick of it: when half
/// the zones have a runtime record (`appear`) or half have lost theirs (`!appear`). The
/// commit's failure, if any.
fn race(
    s: &Scratch,
    zones: &[String],
    conf: &str,
    appear: bool,
    work: &(dyn Fn(&str) + Sync),
) -> Option<String> {
    let done = AtomicBool::new(false);
    let records = || {
        zones
            .iter()
            .filter(|z| s.root().join(format!("var/run/zones/{z}.state")).exists())
            .count()
    };
    std::thread::scope(|sc| {
        let committer = sc.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                let n = records();
                if (appear && n >= zones.len() / 2) || (!appear && n <= zones.len() / 2) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let r = s.run("pooladm", &["-c", conf], None);
            (r.code != 0).then_some(r.stderr)
        });
        let workers: Vec<_> = zones.iter().map(|z| sc.spawn(move || work(z))).collect();
        for w in workers {
            w.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        committer.join().unwrap()
    })
}

/// Every other zone is bound to the pool `p1`, the others to the default pool.
fn pool_of(zone: &str) -> Option<&'static str> {
    let n: usize = zone
        .rsplit('x')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    n.is_multiple_of(2).then_some("p1")
}

#[test]
fn commits_racing_boots_leave_every_zone_on_the_committed_cpus() {
    require_root();
    let s = Scratch::new();
    let zones: Vec<String> = (0..ZONES).map(|_| unique_zone("prace")).collect();
    std::thread::scope(|sc| {
        for chunk in zones.chunks(ZONES / INSTALLERS) {
            let s = &s;
            sc.spawn(move || {
                for z in chunk {
                    s.configure(z, pool_of(z).map(|_| "set pool=p1").as_slice());
                    s.zoneadm(Some(z), &["install"]).ok();
                }
            });
        }
    });
    s.run("pooladm", &["-e"], None).ok();
    let confs = configurations(&s);
    // p1 exists from the start: a zone bound to it never falls back to the default pool.
    s.run("pooladm", &["-c", &confs[1]], None).ok();
    let zones_cg = cgroup_parent(s.root());
    let pools_cg = cpuset_dir(&zones_cg.replacen("zones", "pools", 1));
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    for round in 0..ROUNDS {
        let conf = &confs[round % 2];
        let failed = race(&s, &zones, conf, true, &|z| {
            s.zoneadm(Some(z), &["boot"]).ok();
        });
        failures.extend(failed.map(|e| format!("commit during boots: {e}")));
        for z in &zones {
            let want = cpus_of(&pools_cg.join(pool_of(z).unwrap_or("pool_default")));
            let have = cpus_of(&cpuset_dir(&zones_cg).join(z));
            if have != want {
                stale.push(format!("round {round}: {z} on {have}, not {want}"));
            }
        }
        // Zones halting while a commit runs: the commit never fails on a zone going away.
        let failed = race(&s, &zones, &confs[(round + 1) % 2], false, &|z| {
            s.zoneadm(Some(z), &["halt"]).ok();
        });
        failures.extend(failed.map(|e| format!("commit during halts: {e}")));
    }
    gone_within(std::time::Duration::from_secs(5), s.root(), None, &[])
        .unwrap_or_else(|t| panic!("left after the halts: {t}"));
    assert!(
        failures.is_empty() && stale.is_empty(),
        "{} of {} commits failed: {failures:#?}\n{} of {} boots left a zone on an older \
         configuration's CPUs: {stale:#?}",
        failures.len(),
        2 * ROUNDS,
        stale.len(),
        ROUNDS * ZONES
    );
}
