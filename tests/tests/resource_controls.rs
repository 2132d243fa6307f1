//! Resource controls and pools enforced by the kernel (issue: pools and rctls on cgroups):
//! memory caps, dedicated CPUs, CPU caps, CPU shares, process limits, and `pooladm -c`
//! moving a running zone. Real zones in scratch roots; every zone, pool and cgroup goes
//! when the test ends, also on failure.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zones_tests::{require_root, unique_zone, Scratch};

/// A control file's value, without its newline.
fn read_trimmed(p: &Path) -> String {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.trim().to_string()
}

fn read_u64(p: PathBuf) -> u64 {
    read_trimmed(&p)
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cpus_allowed(s: &Scratch, zone: &str) -> String {
    let out = s
        .zlogin(&[zone, "grep Cpus_allowed_list /proc/self/status"], None)
        .ok();
    out.stdout
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// CPU time the zone used over `secs` of wall time, as a fraction of one CPU.
fn cpu_share_over(s: &Scratch, zones: &[&str], secs: f64) -> Vec<f64> {
    let dirs: Vec<PathBuf> = zones
        .iter()
        .map(|z| s.record(z).cgroup_dir("cpuacct"))
        .collect();
    let before: Vec<u64> = dirs
        .iter()
        .map(|d| read_u64(d.join("cpuacct.usage")))
        .collect();
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(secs));
    let wall = t0.elapsed().as_nanos() as f64;
    dirs.iter()
        .zip(before)
        .map(|(d, b)| (read_u64(d.join("cpuacct.usage")) - b) as f64 / wall)
        .collect()
}

/// Tests that measure or flood the CPUs run one at a time (the test harness runs the others
/// of this file in parallel), so one's busy loops do not skew another's figures.
fn cpu_hungry() -> std::sync::MutexGuard<'static, ()> {
    static CPU: std::sync::Mutex<()> = std::sync::Mutex::new(());
    CPU.lock().unwrap_or_else(|e| e.into_inner())
}

fn busy_loop(s: &Scratch, zone: &str) {
    // Runs until the zone halts; zlogin returns at once (the loop is in the background).
    s.zlogin(
        &[zone, "nohup sh -c 'while :; do :; done' >/dev/null 2>&1 &"],
        None,
    )
    .ok();
}

#[test]
fn capped_memory_kills_the_allocation_not_the_zone() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("mem");
    s.boot(&z, &["add capped-memory", "set physical=64M", "end"]);
    assert_eq!(
        read_u64(
            s.record(&z)
                .cgroup_dir("memory")
                .join("memory.limit_in_bytes")
        ),
        64 << 20
    );
    let r = s.zlogin(
        &[
            &z,
            "dd if=/dev/zero of=/dev/null bs=200M count=1; echo status=$?",
        ],
        None,
    );
    assert!(
        r.stdout.contains("status=137"),
        "allocation not killed: {} {}",
        r.stdout,
        r.stderr
    );
    let r = s.zoneadm(None, &["list", "-p"]).ok();
    assert!(r.stdout.contains(&format!(":{z}:running:")), "{}", r.stdout);
    s.zlogin(&[&z, "true"], None).ok();
}

#[test]
fn dedicated_cpu_is_the_zones_alone() {
    require_root();
    let online = libc_online_cpus();
    if online < 2 {
        eprintln!("skipped: needs two CPUs");
        return;
    }
    let s = Scratch::new();
    let other = unique_zone("shr");
    let ded = unique_zone("ded");
    s.boot(&other, &[]);
    let before = cpus_allowed(&s, &other);
    s.boot(&ded, &["add dedicated-cpu", "set ncpus=1", "end"]);
    let mine = cpus_allowed(&s, &ded);
    assert!(
        !mine.contains(',') && !mine.contains('-'),
        "one CPU expected, got {mine}"
    );
    let nproc = s.zlogin(&[&ded, "nproc"], None).ok().stdout;
    assert_eq!(nproc.trim(), "1");
    let theirs = cpus_allowed(&s, &other);
    assert!(
        !theirs.split(',').any(|c| c == mine),
        "{other} still gets CPU {mine}: {theirs}"
    );
    // The CPU comes back when the zone halts.
    s.zoneadm(Some(&ded), &["halt"]).ok();
    assert_eq!(cpus_allowed(&s, &other), before);
    let info = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    assert!(info.contains("installed"), "{info}");
}

/// Enable pools and give the running configuration a pool `p1` on a set of one CPU.
fn pool_p1_on_one_cpu(s: &Scratch) {
    s.run("pooladm", &["-e"], None).ok();
    s.run(
        "poolcfg",
        &["-dc", "create pset one (uint pset.min = 1; uint pset.max = 1) create pool p1 associate pool p1 (pset one)"],
        None,
    )
    .ok();
}

fn libc_online_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[test]
fn capped_cpu_half_a_cpu() {
    require_root();
    let _cpu = cpu_hungry();
    let s = Scratch::new();
    let z = unique_zone("cap");
    s.boot(&z, &["add capped-cpu", "set ncpus=0.5", "end"]);
    busy_loop(&s, &z);
    busy_loop(&s, &z);
    let used = cpu_share_over(&s, &[&z], 3.0)[0];
    assert!(
        (0.40..=0.60).contains(&used),
        "capped at 0.5 CPU, used {used:.3}"
    );
}

/// Two zones on one processor set of one CPU, cpu-shares 2:1, both busy.
#[test]
fn cpu_shares_split_one_cpu_two_to_one() {
    require_root();
    let _cpu = cpu_hungry();
    let s = Scratch::new();
    pool_p1_on_one_cpu(&s);
    let a = unique_zone("sha");
    let b = unique_zone("shb");
    s.boot(&a, &["set pool=p1", "set cpu-shares=20"]);
    s.boot(&b, &["set pool=p1", "set cpu-shares=10"]);
    assert_eq!(cpus_allowed(&s, &a), cpus_allowed(&s, &b));
    busy_loop(&s, &a);
    busy_loop(&s, &b);
    let used = cpu_share_over(&s, &[&a, &b], 4.0);
    let ratio = used[0] / used[1];
    assert!(
        (2.0 * 0.85..=2.0 * 1.15).contains(&ratio),
        "expected 2:1, got {ratio:.3} ({:.3} vs {:.3})",
        used[0],
        used[1]
    );
}

#[test]
fn max_processes_stops_a_fork_bomb_and_the_zone_survives() {
    require_root();
    let _cpu = cpu_hungry();
    let s = Scratch::new();
    let z = unique_zone("bomb");
    s.boot(&z, &["set max-processes=100"]);
    let pids = s.record(&z).cgroup_dir("pids");
    assert_eq!(read_trimmed(&pids.join("pids.max")), "100");
    // Start the bomb in the background: zlogin returns, the bomb fills the zone.
    let _ = s.zlogin(
        &[&z, "nohup bash -c 'b(){ b|b& }; b' >/dev/null 2>&1 &"],
        None,
    );
    std::thread::sleep(Duration::from_secs(2));
    let peak = read_u64(pids.join("pids.current"));
    assert!(peak <= 100, "pids.current {peak} over the limit");
    let events = std::fs::read_to_string(pids.join("pids.events")).unwrap_or_default();
    assert!(
        !events.contains("max 0"),
        "the limit was never hit: {events}"
    );
    // Stop the bomb from the host, sparing the zone's init, then the zone works again.
    let rec = s.record(&z);
    let init = rec.init_pid().expect("init pid");
    let freezer = rec.cgroup_dir("freezer");
    for _ in 0..50 {
        std::fs::write(freezer.join("freezer.state"), "FROZEN").unwrap();
        let procs = std::fs::read_to_string(pids.join("cgroup.procs")).unwrap();
        let victims: Vec<i32> = procs
            .lines()
            .filter_map(|l| l.parse().ok())
            .filter(|&p| p != init)
            .collect();
        for p in &victims {
            kill9(*p);
        }
        std::fs::write(freezer.join("freezer.state"), "THAWED").unwrap();
        if victims.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    s.zlogin(&[&z, "true"], None).ok();
    let r = s.zoneadm(None, &["list", "-p"]).ok();
    assert!(r.stdout.contains(&format!(":{z}:running:")), "{}", r.stdout);
}

fn kill9(pid: i32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

#[test]
fn pooladm_commit_moves_a_running_zone() {
    require_root();
    if libc_online_cpus() < 2 {
        eprintln!("skipped: needs two CPUs");
        return;
    }
    let s = Scratch::new();
    std::fs::create_dir_all(s.root().join("etc")).unwrap();
    let conf = s
        .root()
        .join("etc/pooladm.conf")
        .to_string_lossy()
        .into_owned();
    let poolcfg = |cmd: &str| s.run("poolcfg", &["-c", cmd, &conf], None).ok();
    s.run("pooladm", &["-e"], None).ok();
    // Configuration 1: pool web on its own one-CPU set.
    poolcfg("discover");
    poolcfg("create pset ps1 (uint pset.min = 1; uint pset.max = 1)");
    poolcfg("create pool web");
    poolcfg("associate pool web (pset ps1)");
    s.run("pooladm", &["-c"], None).ok();
    let z = unique_zone("mv");
    s.boot(&z, &["set pool=web"]);
    let first = cpus_allowed(&s, &z);
    assert!(
        first == "0" || first == "1",
        "one CPU expected, got {first}"
    );
    s.zlogin(&[&z, "nohup sleep 60 >/dev/null 2>&1 &"], None)
        .ok();
    // Configuration 2: web shares the default set (all CPUs); committing it moves the
    // zone's running processes there.
    poolcfg("associate pool web (pset pset_default)");
    poolcfg("destroy pset ps1");
    s.run("pooladm", &["-c"], None).ok();
    let all = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    assert_eq!(cpus_allowed(&s, &z), all.trim());
    let sleeper = s
        .zlogin(
            &[&z, "grep Cpus_allowed_list /proc/$(pgrep -o sleep)/status"],
            None,
        )
        .ok();
    assert!(
        sleeper.stdout.trim().ends_with(all.trim()),
        "{}",
        sleeper.stdout
    );
}

/// `zoneadm apply`: changed controls reach the running zone, removed ones are lifted.
#[test]
fn apply_changes_controls_of_a_running_zone() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("apl");
    s.boot(
        &z,
        &[
            "set max-processes=200",
            "add capped-memory",
            "set physical=64M",
            "end",
        ],
    );
    let rec = s.record(&z);
    let (pids, mem) = (rec.cgroup_dir("pids"), rec.cgroup_dir("memory"));
    assert_eq!(read_trimmed(&pids.join("pids.max")), "200");
    s.zonecfg(
        &z,
        &["set max-processes=300; select capped-memory; set physical=128M; end; commit"],
        None,
    )
    .ok();
    s.zoneadm(Some(&z), &["apply"]).ok();
    assert_eq!(read_trimmed(&pids.join("pids.max")), "300");
    assert_eq!(read_u64(mem.join("memory.limit_in_bytes")), 128 << 20);
    s.zonecfg(
        &z,
        &["clear max-processes; remove capped-memory; commit"],
        None,
    )
    .ok();
    s.zoneadm(Some(&z), &["apply"]).ok();
    assert_eq!(read_trimmed(&pids.join("pids.max")), "max");
    assert!(read_u64(mem.join("memory.limit_in_bytes")) > 1 << 40);
    // Only running zones: an installed one is refused.
    s.zoneadm(Some(&z), &["halt"]).ok();
    let r = s.zoneadm(Some(&z), &["apply"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not running"), "{}", r.stderr);
}

/// `poolbind -p pool -i zoneid zone` moves a running zone onto the pool's CPUs.
#[test]
fn poolbind_moves_a_zone() {
    require_root();
    if libc_online_cpus() < 2 {
        eprintln!("skipped: needs two CPUs");
        return;
    }
    let s = Scratch::new();
    pool_p1_on_one_cpu(&s);
    let z = unique_zone("pb");
    s.boot(&z, &[]);
    // In the default pool, the zone runs on what the default set kept.
    let before = cpus_allowed(&s, &z);
    s.run("poolbind", &["-p", "p1", "-i", "zoneid", &z], None)
        .ok();
    let one = cpus_allowed(&s, &z);
    assert!(
        !one.contains(',') && !one.contains('-'),
        "one CPU expected: {one}"
    );
    assert_ne!(one, before, "the zone did not move to p1's set");
    let q = s.run("poolbind", &["-q", "1"], None);
    assert_eq!(q.code, 0, "{}", q.stderr);
    let r = s.run(
        "poolbind",
        &["-p", "p1", "-i", "zoneid", "nosuchzone"],
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("invalid zone 'nosuchzone'"),
        "{}",
        r.stderr
    );
}
