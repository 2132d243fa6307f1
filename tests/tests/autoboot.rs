//! The host start and stop entry points (`zones-autoboot start|stop|pools`, what
//! `zones.service`, `zones-pools.service` and `/etc/init.d/zones` run): zones with autoboot
//! boot and the others do not, one zone that fails does not keep the others down, every zone
//! comes down at stop as its autoshutdown says, and the saved pools configuration is back
//! before zones boot.

use std::path::{Path, PathBuf};
use zones_tests::{require_root, unique_zone, Run, Scratch};

fn autoboot(s: &Scratch, step: &str) -> Run {
    s.run("zones-autoboot", &[step], None)
}

fn state(s: &Scratch, zone: &str) -> String {
    s.listed(zone).1
}

fn zone_root(s: &Scratch, zone: &str) -> PathBuf {
    s.root().join(format!("zones/{zone}/root"))
}

/// A stop script in the zone that leaves `/stopped` behind: it runs only when the zone's
/// init is asked to stop (shutdown), never at a halt.
fn mark_stops(s: &Scratch, zone: &str) {
    let script = zone_root(s, zone).join("etc/rc.d/K10mark");
    std::fs::write(&script, "#!/bin/sh\necho stopped > /stopped\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn stopped_gracefully(s: &Scratch, zone: &str) -> bool {
    zone_root(s, zone).join("stopped").exists()
}

/// `zonecfg set autoshutdown=halt`.
fn set_autoshutdown_halt(s: &Scratch, zone: &str) {
    let r = s.zonecfg(zone, &["set autoshutdown=halt; commit"], None);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    let text = std::fs::read_to_string(s.zone_file(zone)).unwrap();
    assert!(text.contains(" autoshutdown=\"halt\""), "{text}");
}

fn install(s: &Scratch, zone: &str, autoboot: bool) {
    let ab = format!("set autoboot={autoboot}");
    s.configure(zone, &[&ab]);
    s.zoneadm(Some(zone), &["install"]).ok();
}

#[test]
fn host_start_boots_autoboot_zones_and_host_stop_brings_every_zone_down() {
    require_root();
    let s = Scratch::new();
    let (a, b) = (unique_zone("abA"), unique_zone("abB"));
    let (manual, broken) = (unique_zone("abM"), unique_zone("abX"));
    for (z, ab) in [(&a, true), (&b, true), (&manual, false), (&broken, true)] {
        install(&s, z, ab);
        mark_stops(&s, z);
    }
    set_autoshutdown_halt(&s, &b);
    // A zone whose root is gone cannot boot.
    std::fs::remove_dir_all(zone_root(&s, &broken)).unwrap();

    let r = autoboot(&s, "start");
    assert_eq!(r.code, 3, "some zones failed:\n{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("zones-autoboot: zone '{broken}': boot failed: ")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("1 failed: {broken}")),
        "{}",
        r.stderr
    );
    for z in [&a, &b] {
        assert_eq!(state(&s, z), "running", "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("zone '{z}': booted")),
            "{}",
            r.stderr
        );
    }
    assert_eq!(state(&s, &manual), "installed");
    assert_eq!(state(&s, &broken), "installed");
    // Why the boot failed is in the zone's own log too.
    let log = s
        .root()
        .join(format!("var/log/zones/{broken}.zoneadmd.log"));
    assert!(
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("boot"),
        "{}",
        log.display()
    );

    // Started again (a service restart): running zones are left alone.
    let again = autoboot(&s, "start");
    assert!(
        again
            .stderr
            .contains(&format!("zone '{a}': not booted: already running")),
        "{}",
        again.stderr
    );
    assert_eq!(state(&s, &a), "running");

    // The host stop takes down zones an administrator booted too.
    s.zoneadm(Some(&manual), &["boot"]).ok();
    let r = autoboot(&s, "stop");
    assert_eq!(r.code, 0, "{}", r.stderr);
    for z in [&a, &b, &manual, &broken] {
        assert_eq!(state(&s, z), "installed", "{z}: {}", r.stderr);
    }
    assert!(
        r.stderr.contains(&format!("zone '{b}': halt")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("zone '{a}': shutdown")),
        "{}",
        r.stderr
    );
    // autoshutdown: shutdown (the default) runs the zone's stop scripts, halt does not.
    assert!(stopped_gracefully(&s, &a));
    assert!(stopped_gracefully(&s, &manual));
    assert!(!stopped_gracefully(&s, &b));

    // Nothing up: nothing to do.
    let r = autoboot(&s, "stop");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("brought down: 0 zone(s)"), "{}", r.stderr);
}

/// `cpuset.cpus` of a cgroup.
fn cpus_of(cgroup: &Path) -> String {
    std::fs::read_to_string(cgroup.join("cpuset.cpus"))
        .unwrap_or_else(|e| panic!("{}: {e}", cgroup.display()))
        .trim()
        .to_string()
}

#[test]
fn the_saved_pools_configuration_is_back_before_zones_boot() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("abP");
    // Without a saved configuration the pools step changes nothing.
    let r = autoboot(&s, "pools");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("no static configuration"), "{}", r.stderr);
    assert_ne!(s.run("pooladm", &[], None).code, 0, "pools were enabled");

    // An administrator set up a pool on a CPU of its own and saved it (`pooladm -s`); then
    // the host restarted, which the dynamic configuration does not survive.
    std::fs::create_dir_all(s.root().join("etc")).unwrap();
    s.run("pooladm", &["-e"], None).ok();
    for cmd in [
        "create pset one (uint pset.min = 1; uint pset.max = 1)",
        "create pool p1",
        "associate pool p1 (pset one)",
    ] {
        s.run("poolcfg", &["-dc", cmd], None).ok();
    }
    s.run("pooladm", &["-s"], None).ok();
    assert!(s.root().join("etc/pooladm.conf").exists());
    s.run("pooladm", &["-d"], None).ok();
    install(&s, &zone, true);
    s.zonecfg(&zone, &["set pool=p1; commit"], None).ok();

    let r = autoboot(&s, "pools");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("pools: enabled, running "),
        "{}",
        r.stderr
    );
    let info = s.run("pooladm", &[], None).ok().stdout;
    assert!(info.contains("pool p1"), "{info}");

    let r = autoboot(&s, "start");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(state(&s, &zone), "running");
    // The zone runs on its pool's one CPU.
    let record = s.record(&zone);
    let cpuset = record
        .cgroups()
        .into_iter()
        .find(|c| c.starts_with("/sys/fs/cgroup/cpuset"))
        .unwrap_or_else(|| panic!("no cpuset cgroup in {}", record.text()));
    let cpus = cpus_of(&cpuset);
    assert!(
        cpus.parse::<u32>().is_ok(),
        "the zone is not on one CPU: {cpus}"
    );
    autoboot(&s, "stop").ok();
    assert_eq!(state(&s, &zone), "installed");
}

#[test]
fn a_static_configuration_that_cannot_be_committed_leaves_pools_disabled() {
    require_root();
    let s = Scratch::new();
    let conf = s.root().join("etc/pooladm.conf");
    std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
    let conf = conf.to_string_lossy().into_owned();
    // More CPUs than any machine here has.
    s.run("poolcfg", &["-c", "discover", &conf], None).ok();
    s.run(
        "poolcfg",
        &[
            "-c",
            "create pset big (uint pset.min = 4096; uint pset.max = 4096)",
            &conf,
        ],
        None,
    )
    .ok();
    let r = autoboot(&s, "pools");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("pools stay disabled"), "{}", r.stderr);
    assert_ne!(
        s.run("pooladm", &[], None).code,
        0,
        "pools were left enabled"
    );
}
