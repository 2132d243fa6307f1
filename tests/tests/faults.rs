//! Faults: the zone's init, its zoneadmd or a `zoneadm boot` killed with SIGKILL, a zoneadmd
//! stopped with SIGSTOP, and many zones booted at once. After each, `zoneadm list` tells the
//! truth and `zoneadm halt` (or the supervisor itself) leaves nothing behind: no process, no
//! cgroup, no mount, no namespace kept alive, no runtime record. A zone whose zoneadmd was
//! killed is adopted by a new one (halt, shutdown, reboot and the console work again), and a
//! zoneadmd killed during a boot leaves either such a zone or nothing at all.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use zones_tests::{
    alive, eventually, gone_within, read_until, require_root, spawn_on_pty, traces, unique_zone,
    zone_ns, Record, Scratch, ZoneNs,
};

const WAIT: Duration = Duration::from_secs(15);

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

fn sigkill(pid: i32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

/// `comm` and parent pid of a process.
fn comm_and_parent(pid: i32) -> Option<(String, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
    let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
    Some((name.to_string(), ppid))
}

/// The zoneadmd supervising `zone` of `root` right now, found by its arguments (`-R root -z
/// zone`) before it has written any record; not its console keeper (a zoneadmd's child).
fn supervisor_of(root: &Path, zone: &str) -> Option<i32> {
    let args = format!(" -R {} -z {zone} ", root.display());
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let (comm, ppid) = comm_and_parent(pid)?;
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let cmd = format!(" {} ", String::from_utf8_lossy(&cmd).replace('\0', " "));
        let keeper = comm_and_parent(ppid).is_some_and(|(c, _)| c == "zoneadmd");
        (comm == "zoneadmd" && cmd.contains(&args) && !keeper && alive(pid)).then_some(pid)
    })
}

/// `zlogin -C -d` attaches (a zone without zoneadmd gets one that adopts it first), shows
/// `earlier` (output from before it attached, when given) and what the zone writes on its
/// console now, and leaves on `~.`.
fn console_works(s: &Scratch, zone: &str, earlier: Option<&str>) {
    let mut cmd = s.command("zlogin");
    cmd.args(["-C", "-d", zone])
        .env_clear()
        .env("TERM", "vt100");
    let (master, mut child) = spawn_on_pty(cmd, 24, 80);
    let mut seen = Vec::new();
    let fail = |what: &str, shown: String| -> ! {
        panic!("zlogin -C {zone}: no {what}; the terminal shows:\n{shown}")
    };
    read_until(&master, &mut seen, "console]", WAIT).unwrap_or_else(|t| fail("banner", t));
    if let Some(e) = earlier {
        read_until(&master, &mut seen, e, WAIT).unwrap_or_else(|t| fail(e, t));
    }
    let mark = unique_zone("MARK");
    let end = Instant::now() + WAIT;
    while read_until(&master, &mut seen, &mark, Duration::from_millis(300)).is_err() {
        s.zlogin(&[zone, &format!("echo {mark} > /dev/console")], None)
            .ok();
        if Instant::now() > end {
            fail(
                "console output",
                String::from_utf8_lossy(&seen).into_owned(),
            );
        }
    }
    nix::unistd::write(&master, b"\r~.").unwrap();
    let end = Instant::now() + WAIT;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < end, "zlogin -C did not leave on ~.");
        let _ = read_until(&master, &mut seen, "\u{0}", Duration::from_millis(50));
    };
    assert!(status.success(), "zlogin -C: {status:?}");
}

/// The zone's supervisor as its record names it, alive.
fn recorded_supervisor(s: &Scratch, zone: &str) -> i32 {
    let sup = s.record(zone).pid("supervisor").unwrap();
    assert!(alive(sup), "the supervisor {sup} of {zone} is not running");
    sup
}

/// Kill the zone's zoneadmd; once it is gone, the zone runs on and `list -v` says it has none.
fn kill_supervisor(s: &Scratch, zone: &str) -> i32 {
    let sup = recorded_supervisor(s, zone);
    sigkill(sup);
    eventually(Duration::from_secs(5), || {
        alive(sup).then(|| "alive".into())
    })
    .unwrap();
    let list = s.zoneadm(None, &["list", "-v"]).ok().stdout;
    let line = list
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(zone))
        .unwrap_or_else(|| panic!("{zone} not listed:\n{list}"));
    assert!(line.contains(" running (no zoneadmd) "), "{list}");
    // Scripts see no change.
    let (id, state) = s.listed(zone);
    assert_eq!((id.is_some(), state.as_str()), (true, "running"));
    sup
}

// ----------------------------------------------------------------------------------------
// Tests

#[test]
fn a_killed_zoneadmd_is_replaced_and_its_zone_adopted() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("fkadopt");
    install_and_boot(&s, &zone);
    let init = s.record(&zone).init_pid().unwrap();
    let dead = kill_supervisor(&s, &zone);
    // The console goes on without a supervisor: what the zone writes lands in its log.
    s.zlogin(&[&zone, "echo WHILE-ORPHANED > /dev/console"], None)
        .ok();
    let log = s.root().join(format!("var/log/zones/{zone}.console"));
    eventually(Duration::from_secs(5), || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        (!text.contains("WHILE-ORPHANED")).then_some(text)
    })
    .unwrap_or_else(|t| panic!("console output while unsupervised not logged: {t:?}"));
    // zlogin -C gets a new zoneadmd going, which adopts the zone and its console (with the
    // output from before).
    console_works(&s, &zone, Some("WHILE-ORPHANED"));
    let sup = recorded_supervisor(&s, &zone);
    assert_ne!(sup, dead);
    assert_eq!(
        s.record(&zone).init_pid(),
        Some(init),
        "the zone was not adopted"
    );
    let list = s.zoneadm(None, &["list", "-v"]).ok().stdout;
    assert!(!list.contains("no zoneadmd"), "{list}");
    // Reboot through the new supervisor.
    s.zoneadm(Some(&zone), &["reboot"]).ok();
    let rebooted = s.record(&zone).init_pid().unwrap();
    assert_ne!(rebooted, init);
    assert_eq!(recorded_supervisor(&s, &zone), sup);
    console_works(&s, &zone, None);
    // Killed again: shutdown adopts and shuts the zone down cleanly.
    let ns = [zone_ns(rebooted)];
    kill_supervisor(&s, &zone);
    s.zoneadm(Some(&zone), &["shutdown"]).ok();
    assert_clean_after_halt(s.root(), &zone, &ns);
    assert_eq!(s.listed(&zone), (None, "installed".to_string()));
    // And once more: halt.
    s.zoneadm(Some(&zone), &["boot"]).ok();
    let ns = [zone_ns(s.record(&zone).init_pid().unwrap())];
    kill_supervisor(&s, &zone);
    let h = s.zoneadm(Some(&zone), &["halt"]).ok();
    assert_eq!(h.stderr, "");
    assert_clean_after_halt(s.root(), &zone, &ns);
}

/// What a zoneadmd killed during a boot left, once things settled: `Some(true)` a running
/// zone, `Some(false)` nothing at all, `None` (with what is there) neither.
fn aftermath(s: &Scratch, zone: &str) -> Result<bool, String> {
    let mut last = String::new();
    let settled = eventually(Duration::from_secs(10), || {
        let t = traces(s.root(), Some(zone), &[]);
        if t.is_empty() {
            return None;
        }
        let running = Record::read(s.root(), zone)
            .and_then(|r| r.init_pid())
            .is_some_and(alive)
            && s.listed(zone).1 == "running";
        // A zone that runs on has no zoneadmd but its console keeper.
        let booting = supervisor_of(s.root(), zone).is_some();
        let rec = Record::read(s.root(), zone).map(|r| r.text().to_string());
        let log = s.root().join(format!("var/log/zones/{zone}.zoneadmd.log"));
        last = format!(
            "listed {:?}, supervisor {:?}, record {rec:?}, {t:#?}\nzoneadmd log:\n{}",
            s.listed(zone),
            supervisor_of(s.root(), zone),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        (!running || booting).then(|| last.clone())
    });
    match settled {
        Ok(()) if traces(s.root(), Some(zone), &[]).is_empty() => Ok(false),
        Ok(()) => Ok(true),
        Err(_) => Err(last),
    }
}

#[test]
fn killing_zoneadmd_at_any_point_of_boot_leaves_an_adoptable_zone_or_nothing() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("fkany");
    s.configure_default(&zone);
    s.zoneadm(Some(&zone), &["install"]).ok();
    let mut outcomes = Vec::new();
    // Delays after zoneadmd appears, from at once to well after the boot (which takes a
    // few milliseconds), closer together early on; the last round kills the supervisor of a
    // zone that is up.
    let delays: Vec<Option<u64>> = (0..48u64).map(|i| Some(i * i * 5)).chain([None]).collect();
    for delay in delays {
        let mut boot = s
            .command("zoneadm")
            .args(["-z", &zone, "boot"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        match delay {
            Some(us) => {
                let end = Instant::now() + WAIT;
                let sup = loop {
                    if let Some(p) = supervisor_of(s.root(), &zone) {
                        break Some(p);
                    }
                    if boot.try_wait().unwrap().is_some() || Instant::now() > end {
                        break supervisor_of(s.root(), &zone);
                    }
                };
                std::thread::sleep(Duration::from_micros(us));
                if let Some(p) = sup {
                    sigkill(p);
                }
                let _ = boot.wait();
            }
            None => {
                assert!(boot.wait().unwrap().success());
                sigkill(recorded_supervisor(&s, &zone));
            }
        }
        let what = match delay {
            Some(us) => format!("zoneadmd killed {us} µs into the boot"),
            None => "zoneadmd killed once the zone was up".to_string(),
        };
        let running = aftermath(&s, &zone)
            .unwrap_or_else(|t| panic!("{what}: neither a running zone nor nothing: {t}"));
        outcomes.push(running);
        if running {
            // Adoptable: the console and halt work, and halt leaves nothing.
            let ns = [zone_ns(s.record(&zone).init_pid().unwrap())];
            console_works(&s, &zone, None);
            let h = s.zoneadm(Some(&zone), &["halt"]);
            assert_eq!((h.code, h.stderr.as_str()), (0, ""), "{what}: halt");
            assert_clean_after_halt(s.root(), &zone, &ns);
        } else {
            assert_eq!(s.listed(&zone), (None, "installed".to_string()), "{what}");
        }
    }
    eprintln!("running zone (true) or nothing (false) after each kill: {outcomes:?}");
    // Both ends were reached: kills during the boot left nothing, late ones a zone.
    assert!(
        outcomes.contains(&true) && outcomes.contains(&false),
        "{outcomes:?}"
    );
    // The zone still boots normally afterwards.
    s.zoneadm(Some(&zone), &["boot"]).ok();
    let ns = live_ns(s.root(), &zone);
    s.zoneadm(Some(&zone), &["halt"]).ok();
    assert_clean_after_halt(s.root(), &zone, &ns);
}

#[test]
fn a_stopped_zoneadmd_does_not_hold_up_halt() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("fkstop");
    install_and_boot(&s, &zone);
    let ns = [zone_ns(s.record(&zone).init_pid().unwrap())];
    let sup = recorded_supervisor(&s, &zone);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup),
        nix::sys::signal::Signal::SIGSTOP,
    )
    .unwrap();
    let started = Instant::now();
    let h = s.zoneadm(Some(&zone), &["halt"]).ok();
    let took = started.elapsed();
    // It says what it waits for, gives up after the time it states, and halts the zone.
    let z = format!("zoneadm: zone '{zone}': ");
    assert!(
        h.stderr.starts_with(&format!(
            "{z}waiting for zoneadmd (pid {sup}, stopped) to answer halt"
        )) && h.stderr.contains(&format!(
            "{z}zoneadmd (pid {sup}) did not answer halt within 5 seconds; \
             killing it and halting the zone without it\n"
        )),
        "{}",
        h.stderr
    );
    assert!(took < Duration::from_secs(30), "halt took {took:?}");
    assert_clean_after_halt(s.root(), &zone, &ns);
    assert!(!alive(sup));
    assert_eq!(s.listed(&zone), (None, "installed".to_string()));
}

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
