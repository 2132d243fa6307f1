//! More resource controls: dedicated CPUs that are not there, the locked-memory limit, the
//! global zone's cpu-shares, an alternate init from the boot arguments, and poolstat on a
//! live pool.

use zones_tests::{require_root, run, unique_zone, Scratch};

fn online_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[test]
fn dedicated_cpus_that_are_not_there_refuse_the_boot() {
    require_root();
    let n = online_cpus();
    let s = Scratch::new();
    // More CPUs than the machine has: verification (which install runs first) says so.
    let big = unique_zone("dbig");
    s.configure(
        &big,
        &["add dedicated-cpu", &format!("set ncpus={}", n + 1), "end"],
    );
    let r = s.zoneadm(Some(&big), &["install"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("failed to verify"), "{}", r.stderr);
    // As many as the machine has: the default set would be left without a CPU.
    let all = unique_zone("dall");
    s.configure(
        &all,
        &["add dedicated-cpu", &format!("set ncpus={n}"), "end"],
    );
    s.zoneadm(Some(&all), &["install"]).ok();
    let r = s.zoneadm(Some(&all), &["boot"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("Could not create a temporary pool"),
        "{}",
        r.stderr
    );
    // Nothing of either is left, and the listing says so.
    let list = s.zoneadm(None, &["list", "-p"]).ok().stdout;
    assert!(!list.contains(&big) && !list.contains(&all), "{list}");
    assert!(zones_tests::cgroups_named("zones-")
        .iter()
        .all(|p| { !p.join(&big).exists() && !p.join(&all).exists() }));
}

#[test]
fn locked_memory_caps_the_memlock_limit() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("lck");
    s.boot(&z, &["add capped-memory", "set locked=1M", "end"]);
    let out = s.zlogin(&[&z, "ulimit -l"], None).ok().stdout;
    assert_eq!(out.trim(), "1024");
}

/// The global zone's cpu-shares weighs the host against the zones: the zones' parent cgroup
/// gets `256 × zone shares / global shares` FSS units (times 4 in v1's cpu.shares).
#[test]
fn global_cpu_shares_weigh_the_host_against_the_zones() {
    require_root();
    let s = Scratch::new();
    s.zonecfg("global", &["set cpu-shares=3; commit"], None)
        .ok();
    let z = unique_zone("gsh");
    s.boot(&z, &["set cpu-shares=2"]);
    let rec = std::fs::read_to_string(s.root().join(format!("var/run/zones/{z}.state"))).unwrap();
    let cpu_dir = rec
        .split('"')
        .find(|p| p.starts_with("/sys/fs/cgroup/cpu/") || p.starts_with("/sys/fs/cgroup/cpu,"))
        .expect("cpu cgroup in the record")
        .to_string();
    let parent = std::path::Path::new(&cpu_dir)
        .parent()
        .unwrap()
        .to_path_buf();
    let shares = std::fs::read_to_string(parent.join("cpu.shares")).unwrap();
    assert_eq!(shares.trim(), (256 * 2 / 3 * 4).to_string());
}

#[test]
fn boot_argument_i_runs_an_alternate_init() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("alt");
    s.configure(&z, &[]);
    s.zoneadm(Some(&z), &["install"]).ok();
    s.zoneadm(
        Some(&z),
        &["boot", "--", "-i", "/bin/sh", "-c", "exec sleep 1000"],
    )
    .ok();
    let comm = s.zlogin(&[&z, "cat /proc/1/comm"], None).ok().stdout;
    assert_eq!(comm.trim(), "sleep");
    s.zoneadm(Some(&z), &["halt"]).ok();
}

#[test]
fn poolstat_reports_live_pools() {
    require_root();
    let s = Scratch::new();
    let root = s.root_str();
    run("pooladm", &["-R", &root, "-e"], None).ok();
    let z = unique_zone("pst");
    s.boot(&z, &[]);
    let r = run("poolstat", &["-R", &root, "1", "2"], None).ok();
    assert!(r.stdout.contains("pool_default"), "{}", r.stdout);
    let r = run("poolstat", &["-R", &root, "-r", "pset"], None).ok();
    assert!(r.stdout.contains("pset_default"), "{}", r.stdout);
    let q = run(
        "poolbind",
        &["-R", &root, "-q", &std::process::id().to_string()],
        None,
    )
    .ok();
    assert!(q.stdout.contains("pool_default"), "{}", q.stdout);
}
