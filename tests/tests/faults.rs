//! Faults: the zone's init, its zoneadmd or a `zoneadm boot` killed with SIGKILL, and many
//! zones booted at once. After each, `zoneadm list` tells the truth and `zoneadm halt` (or
//! the supervisor itself) leaves nothing behind: no process, no cgroup, no mount, no
//! namespace kept alive, no runtime record.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zones_tests::{bin, require_root, unique_zone, Record, Scratch};

// ----------------------------------------------------------------------------------------
// Local helpers

fn install_and_boot(s: &Scratch, zone: &str) {
    s.configure_default(zone);
    s.zoneadm(Some(zone), &["install"]).ok();
    s.zoneadm(Some(zone), &["boot"]).ok();
}

/// `(zone id, state)` from `zoneadm list -p -z <zone>`.
fn listed(s: &Scratch, zone: &str) -> (Option<u32>, String) {
    let out = s.zoneadm(Some(zone), &["list", "-p"]).ok().stdout;
    let f: Vec<&str> = out.trim().split(':').collect();
    assert_eq!(f.get(1), Some(&zone), "{out}");
    (f[0].parse().ok(), f[2].to_string())
}

/// `comm (state) cmdline` of a process, for messages.
fn describe(pid: i32) -> String {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat
        .rfind(')')
        .map_or("?", |i| stat.get(i + 2..i + 3).unwrap_or("?"));
    let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default();
    format!("{} ({state}) {}", comm.trim(), cmd.trim())
}

/// Whether a process belongs to a zone other than `zone` of `root` (`None`: other than any
/// zone of `root`): it is in another zone's cgroup, or it is the zoneadmd of another zone (or
/// zoneadm's child on its way to be one, or the zone process that forks before it joins the
/// zone's cgroup, all of which carry zoneadm's `-R root -z zone` arguments).
fn of_other_zone(pid: i32, root: &Path, zone: Option<&str>) -> bool {
    let ours = cgroup_parent(root);
    let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
    let in_other_cgroup = cgroup.lines().any(|l| {
        let path = l.splitn(3, ':').nth(2).unwrap_or("");
        let mut comps = path.trim_start_matches('/').split('/');
        let parent = comps.next().unwrap_or("");
        let name = comps.next();
        (parent == "zones" || parent.starts_with("zones-"))
            && name.is_some()
            && (parent != ours || zone.is_some_and(|z| name != Some(z)))
    });
    let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default();
    let arg = |flag: &str| {
        let mut words = cmd.split_whitespace();
        words
            .by_ref()
            .any(|w| w == flag)
            .then(|| words.next())
            .flatten()
    };
    let other_root = arg("-R").is_some_and(|r| Path::new(r) != root);
    let other_zone = zone.is_some_and(|z| arg("-z").is_some_and(|n| n != z));
    in_other_cgroup || other_root || other_zone
}

/// Whether a process exists and is not a zombie.
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            rest.chars().next()
        })
        .is_some_and(|st| st != 'Z')
}

fn pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect()
}

/// The cgroup parent of zones under `root` (libzone's name: `zones-` and the FNV-1a hash of
/// the canonical root path).
fn cgroup_parent(root: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let canonical = root.canonicalize().unwrap();
    let hash = canonical
        .as_os_str()
        .as_bytes()
        .iter()
        .fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
        });
    format!("zones-{hash:08x}")
}

/// The namespaces of a zone's init (`mnt:[...]`, `pid:[...]`), taken while it runs.
#[derive(Debug, Clone, Default)]
struct ZoneNs {
    mnt: String,
    pid: String,
}

fn zone_ns(init: i32) -> ZoneNs {
    let ns = |k: &str| {
        std::fs::read_link(format!("/proc/{init}/ns/{k}"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    ZoneNs {
        mnt: ns("mnt"),
        pid: ns("pid"),
    }
}

/// Everything of `zone` (or, with `zone == None`, of every zone of the root) still on the
/// host: live processes (in its cgroup, in its namespaces, its zoneadmd), cgroup
/// directories, mounts of its root, its runtime record. Empty when it is fully cleaned.
fn traces(root: &Path, zone: Option<&str>, ns: &[ZoneNs]) -> Vec<String> {
    let mut out = Vec::new();
    let parent = cgroup_parent(root);
    let cg_rel = match zone {
        Some(z) => format!("/{parent}/{z}"),
        None => format!("/{parent}"),
    };
    let root_s = root.to_string_lossy().into_owned();
    let zone_arg = zone.map(|z| format!(" -z {z} "));
    for pid in pids() {
        if !alive(pid) {
            continue;
        }
        let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        if cgroup
            .lines()
            .any(|l| l.ends_with(&cg_rel) || l.contains(&format!("{cg_rel}/")))
        {
            out.push(format!(
                "process {pid} in cgroup {cg_rel}: {}",
                describe(pid)
            ));
        }
        for n in ns {
            for (kind, want) in [("mnt", &n.mnt), ("pid", &n.pid)] {
                let have = std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // Namespace inode numbers are reused once a namespace is freed: a process of
                // another zone (booting in a parallel test) may hold the same number.
                if &have == want && !of_other_zone(pid, root, zone) {
                    out.push(format!(
                        "process {pid} holds the zone's {want}: {}",
                        describe(pid)
                    ));
                }
            }
        }
        // zoneadmd, or zoneadm's child that has not yet executed it.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "zoneadmd" || comm.trim() == "zoneadm" {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|b| format!("{} ", String::from_utf8_lossy(&b).replace('\0', " ")))
                .unwrap_or_default();
            if cmd.contains(&format!(" -R {root_s} "))
                && zone_arg.as_ref().is_none_or(|z| cmd.contains(z))
            {
                out.push(format!("zoneadmd {pid} still running: {cmd}"));
            }
        }
    }
    for h in std::fs::read_dir("/sys/fs/cgroup").unwrap().flatten() {
        let d = PathBuf::from(format!("{}{cg_rel}", h.path().display()));
        if d.exists() {
            out.push(format!("cgroup {}", d.display()));
        }
    }
    let zroot = match zone {
        Some(z) => format!("{root_s}/zones/{z}"),
        None => format!("{root_s}/"),
    };
    for l in std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
    {
        if l.contains(&zroot) {
            out.push(format!("mount {l}"));
        }
    }
    let run_dir = root.join("var/run/zones");
    if let Ok(rd) = std::fs::read_dir(&run_dir) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let runtime = n.ends_with(".state")
                || n.ends_with(".zoneadmd_sock")
                || n.ends_with(".console_sock");
            if runtime && zone.is_none_or(|z| n.starts_with(&format!("{z}."))) {
                out.push(format!("runtime file {n}"));
            }
        }
    }
    out
}

/// Poll `f` until it returns `None` (success) or `timeout` passes; the last complaint.
fn eventually(timeout: Duration, mut f: impl FnMut() -> Option<String>) -> Result<(), String> {
    let end = Instant::now() + timeout;
    loop {
        match f() {
            None => return Ok(()),
            Some(why) if Instant::now() >= end => return Err(why),
            Some(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// After `zoneadm halt` returned: the zone's processes, cgroups, mounts, namespaces and record
/// are gone at once; its zoneadmd, which answered the halt, may take a moment to exit.
fn assert_clean_after_halt(root: &Path, zone: &str, ns: &[ZoneNs]) {
    let now: Vec<String> = traces(root, Some(zone), ns)
        .into_iter()
        .filter(|t| !t.starts_with("zoneadmd "))
        .collect();
    assert!(now.is_empty(), "left after halt of {zone}: {now:#?}");
    let r = eventually(Duration::from_secs(3), || {
        let t = traces(root, Some(zone), ns);
        (!t.is_empty()).then(|| format!("{t:#?}"))
    });
    if let Err(t) = r {
        panic!("left after halt of {zone}: {t}");
    }
}

/// `zoneadm list` agrees with the processes: running (with an id) exactly when the zone's
/// init lives; installed (no id) exactly when nothing of the zone runs.
fn assert_list_truthful(s: &Scratch, zone: &str) {
    let (id, state) = listed(s, zone);
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
        let (id, state) = listed(&s, &zone);
        (state != "installed" || id.is_some()).then(|| format!("listed {state} {id:?}"))
    });
    r.unwrap_or_else(|e| panic!("zone not reported installed after its init died: {e}"));
    let r = eventually(Duration::from_secs(5), || {
        let t = traces(s.root(), Some(&zone), &ns);
        (!t.is_empty()).then(|| format!("{t:#?}"))
    });
    r.unwrap_or_else(|t| panic!("left after init was killed: {t}"));
    assert!(!alive(sup), "zoneadmd {sup} outlived its zone");
    // And it boots again.
    s.zoneadm(Some(&zone), &["boot"]).ok();
    assert_eq!(listed(&s, &zone).1, "running");
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
    let (id, state) = listed(&s, &zone);
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
    assert_eq!(listed(&s, &zone), (None, "installed".to_string()));
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
    let mut child = Command::new(bin("zoneadm"))
        .args(["-R", &s.root_str(), "-z", zone, "boot"])
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
        assert_eq!(listed(&s, &zone), (None, "installed".to_string()));
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
        let r = eventually(Duration::from_secs(5), || {
            let t = traces(&root, Some(&zone), &[]);
            (!t.is_empty()).then(|| format!("{t:#?}"))
        });
        if let Err(t) = r {
            let state = listed(&s, &zone);
            // Clean up for the next round before failing.
            let _ = s.zoneadm(Some(&zone), &["halt"]);
            panic!(
                "kill after {ms} ms, then halt ({}): zone listed {state:?}, left: {t}",
                h.stderr.trim()
            );
        }
        assert_eq!(listed(&s, &zone), (None, "installed".to_string()));
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
        let (id, state) = listed(&s, z);
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
    let r = eventually(Duration::from_secs(5), || {
        let t = traces(&root, None, &ns);
        (!t.is_empty()).then(|| format!("{t:#?}"))
    });
    r.unwrap_or_else(|t| panic!("left after halting {N} zones: {t}"));
    for z in &zones {
        assert_eq!(listed(&s, z), (None, "installed".to_string()), "{z}");
    }
}
