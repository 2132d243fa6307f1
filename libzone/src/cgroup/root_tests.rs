//! Tests against the real kernel. They need root and skip (with a note on stderr) without it
//! or without the hierarchies they exercise. Each test works under its own parent
//! `zones-test-<pid>-<n>`, and a guard kills and removes everything when the test ends,
//! also when it panics.

use super::*;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn unique_parent() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "zones-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// The v1 back end when we are root and the listed controllers are mounted.
fn v1_backend(needs: &[Controller]) -> Option<V1Backend> {
    if !is_root() {
        eprintln!("skipped: needs root");
        return None;
    }
    let layout = Layout::discover().unwrap();
    if layout.mode().ok() != Some(Mode::V1) || needs.iter().any(|c| !layout.v1.contains_key(c)) {
        eprintln!("skipped: needs v1 hierarchies {needs:?}");
        return None;
    }
    Some(V1Backend::new(&layout).unwrap())
}

/// Owns a test parent cgroup and the processes a test started. On drop: kill the
/// processes, kill and remove the whole parent, reap.
struct Scratch<'a> {
    backend: &'a dyn CgroupBackend,
    parent: String,
    children: Vec<Child>,
}

impl<'a> Scratch<'a> {
    fn new(backend: &'a dyn CgroupBackend) -> Scratch<'a> {
        Scratch {
            backend,
            parent: unique_parent(),
            children: Vec::new(),
        }
    }

    fn path(&self, leaf: &str) -> String {
        format!("{}/{leaf}", self.parent)
    }

    /// `sh -c script`, held at a gate until `release`, so the test can move it into a
    /// cgroup before any of the script runs.
    fn spawn_gated(&mut self, script: &str) -> usize {
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!("read _gate; {script}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.children.push(child);
        self.children.len() - 1
    }

    fn pid(&self, i: usize) -> u32 {
        self.children[i].id()
    }

    fn release(&mut self, i: usize) {
        let mut stdin = self.children[i].stdin.take().unwrap();
        stdin.write_all(b"go\n").unwrap();
    }

    fn wait(&mut self, i: usize) -> (ExitStatus, String) {
        let status = self.children[i].wait().unwrap();
        let mut out = String::new();
        if let Some(mut o) = self.children[i].stdout.take() {
            o.read_to_string(&mut out).unwrap();
        }
        (status, out)
    }

    /// Neither the parent nor anything below it exists in any hierarchy.
    fn assert_gone(&self) {
        assert!(
            !self.backend.list("").unwrap().contains(&self.parent),
            "{} left behind",
            self.parent
        );
        assert!(!self.backend.open(&self.parent).unwrap().exists());
    }
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
        }
        if let Ok(cg) = self.backend.open(&self.parent) {
            let _ = cg.kill_all();
            if let Err(e) = cg.remove() {
                eprintln!("cleanup of {}: {e}", self.parent);
            }
        }
        for c in &mut self.children {
            let _ = c.wait();
        }
    }
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap()
        .trim()
        .to_owned()
}

fn dir_of(layout: &Layout, c: Controller, rel: &str) -> std::path::PathBuf {
    layout.v1[&c].join(rel)
}

fn signal_of(status: ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&status)
}

/// Poll `f` until it is true or `timeout` passes.
fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return true;
        }
        sleep(Duration::from_millis(20));
    }
    f()
}

#[test]
fn v1_lifecycle_inherit_limits_usage_freeze_remove() {
    let Some(b) = v1_backend(&Controller::ZONE) else {
        return;
    };
    let layout = Layout::discover().unwrap();
    let mut s = Scratch::new(&b);
    let rel = s.path("web1");
    let cg = b.create(&rel, &Controller::ZONE).unwrap();
    assert!(cg.exists());

    // The new cpuset (and its new parent) got the root's lists before anyone joined.
    let root_cpus = read(&layout.v1[&Controller::Cpuset], "cpuset.cpus");
    let root_mems = read(&layout.v1[&Controller::Cpuset], "cpuset.mems");
    for p in [s.parent.as_str(), rel.as_str()] {
        let d = dir_of(&layout, Controller::Cpuset, p);
        assert_eq!(read(&d, "cpuset.cpus"), root_cpus);
        assert_eq!(read(&d, "cpuset.mems"), root_mems);
    }

    let sleeper = s.spawn_gated("exec sleep 30");
    let pid = s.pid(sleeper);
    cg.add_pid(pid).unwrap();
    assert_eq!(cg.pids().unwrap(), [pid]);
    for c in Controller::ZONE {
        let procs = read(&dir_of(&layout, c, &rel), "cgroup.procs");
        assert_eq!(procs, pid.to_string(), "{c}");
    }

    let first_cpu = root_cpus.split([',', '-']).next().unwrap().to_owned();
    cg.apply(&Limits {
        cpu_shares: Some(10),
        cpu_cap_percent: Some(50),
        cpus: Some(first_cpu.clone()),
        mems: Some(root_mems.clone()),
        memory_limit: Some(64 << 20),
        memory_swap_limit: Some(128 << 20),
        pids_max: Some(20),
    })
    .unwrap();
    let cpu = dir_of(&layout, Controller::Cpu, &rel);
    assert_eq!(read(&cpu, "cpu.shares"), "40");
    assert_eq!(read(&cpu, "cpu.cfs_period_us"), "100000");
    assert_eq!(read(&cpu, "cpu.cfs_quota_us"), "50000");
    let cpuset = dir_of(&layout, Controller::Cpuset, &rel);
    assert_eq!(read(&cpuset, "cpuset.cpus"), first_cpu);
    let mem = dir_of(&layout, Controller::Memory, &rel);
    assert_eq!(
        read(&mem, "memory.limit_in_bytes"),
        (64u64 << 20).to_string()
    );
    if mem.join("memory.memsw.limit_in_bytes").exists() {
        assert_eq!(
            read(&mem, "memory.memsw.limit_in_bytes"),
            (128u64 << 20).to_string()
        );
        // Lowering both below the current memory limit needs memory first.
        cg.apply(&Limits {
            memory_limit: Some(32 << 20),
            memory_swap_limit: Some(48 << 20),
            ..Limits::default()
        })
        .unwrap();
        assert_eq!(
            read(&mem, "memory.limit_in_bytes"),
            (32u64 << 20).to_string()
        );
        // Raising both above the current memsw needs memsw first.
        cg.apply(&Limits {
            memory_limit: Some(256 << 20),
            memory_swap_limit: Some(512 << 20),
            ..Limits::default()
        })
        .unwrap();
        assert_eq!(
            read(&mem, "memory.memsw.limit_in_bytes"),
            (512u64 << 20).to_string()
        );
    }
    assert_eq!(
        read(&dir_of(&layout, Controller::Pids, &rel), "pids.max"),
        "20"
    );

    // CPU time after a short busy child.
    let busy = s.spawn_gated("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done");
    cg.add_pid(s.pid(busy)).unwrap();
    s.release(busy);
    assert!(s.wait(busy).0.success());
    let u = cg.usage().unwrap();
    assert!(u.cpu_ns.unwrap() > 0, "{u:?}");
    assert!(
        u.memory_bytes.is_some() && u.memory_peak_bytes.unwrap() > 0,
        "{u:?}"
    );
    assert_eq!(u.pids_current, Some(1), "{u:?}");
    assert_eq!(u.oom_kills, Some(0), "{u:?}");

    cg.freeze().unwrap();
    let fr = dir_of(&layout, Controller::Freezer, &rel);
    assert_eq!(read(&fr, "freezer.state"), "FROZEN");
    cg.thaw().unwrap();
    assert_eq!(read(&fr, "freezer.state"), "THAWED");

    // A child cgroup is removed with its parent, and the sleeper is killed on the way.
    b.create(
        &format!("{rel}/inner"),
        &[Controller::Memory, Controller::Pids],
    )
    .unwrap();
    assert_eq!(b.list(&rel).unwrap(), ["inner"]);
    assert_eq!(b.list(&s.parent).unwrap(), ["web1"]);
    b.open(&s.parent).unwrap().remove().unwrap();
    assert_eq!(signal_of(s.wait(sleeper).0), Some(libc::SIGKILL));
    assert!(!cg.exists());
    s.assert_gone();
    // Removing again is fine.
    cg.remove().unwrap();
}

#[test]
fn v1_memory_limit_oom_kills_a_big_allocation() {
    let Some(b) = v1_backend(&[Controller::Memory]) else {
        return;
    };
    let mut s = Scratch::new(&b);
    let cg = b.create(&s.path("oom"), &[Controller::Memory]).unwrap();
    cg.apply(&Limits {
        memory_limit: Some(64 << 20),
        ..Limits::default()
    })
    .unwrap();
    // dd fills a 200 MiB buffer from /dev/zero: every page is touched.
    let hog = s.spawn_gated("exec dd if=/dev/zero of=/dev/null bs=200M count=1");
    cg.add_pid(s.pid(hog)).unwrap();
    s.release(hog);
    let (status, _) = s.wait(hog);
    assert_eq!(signal_of(status), Some(libc::SIGKILL), "{status:?}");
    let u = cg.usage().unwrap();
    assert!(u.oom_kills.unwrap() >= 1, "{u:?}");
    assert!(u.memory_peak_bytes.unwrap() <= 64 << 20, "{u:?}");
    cg.remove().unwrap();
    drop(cg);
    b.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
}

#[test]
fn v1_pids_max_stops_a_fork_loop_and_the_shell_survives() {
    let Some(b) = v1_backend(&[Controller::Pids]) else {
        return;
    };
    let layout = Layout::discover().unwrap();
    let mut s = Scratch::new(&b);
    let rel = s.path("forks");
    let cg = b.create(&rel, &[Controller::Pids]).unwrap();
    cg.apply(&Limits {
        pids_max: Some(20),
        ..Limits::default()
    })
    .unwrap();
    // `command eval` keeps dash alive when a fork fails (plain `&` would exit the shell).
    let sh = s.spawn_gated(
        "for i in $(seq 100); do command eval 'sleep 3 &' 2>/dev/null; done; wait; echo survived",
    );
    cg.add_pid(s.pid(sh)).unwrap();
    s.release(sh);
    let dir = dir_of(&layout, Controller::Pids, &rel);
    let mut peak = 0u64;
    assert!(eventually(Duration::from_secs(2), || {
        let cur: u64 = read(&dir, "pids.current").parse().unwrap();
        peak = peak.max(cur);
        cur >= 20
    }));
    assert!(peak <= 20, "pids.current {peak}");
    assert!(cg.usage().unwrap().pids_current.unwrap() <= 20);
    let (status, out) = s.wait(sh);
    assert!(status.success(), "{status:?}");
    assert_eq!(out.trim(), "survived");
    let events = read(&dir, "pids.events");
    let refused: u64 = fs::flat_key(&events, "max").unwrap().parse().unwrap();
    assert!(refused > 0, "{events}");
    b.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
}

#[test]
fn v1_kill_all_stops_a_contained_fork_bomb() {
    let Some(b) = v1_backend(&[Controller::Pids, Controller::Freezer]) else {
        return;
    };
    let mut s = Scratch::new(&b);
    let rel = s.path("bomb");
    let cg = b
        .create(&rel, &[Controller::Pids, Controller::Freezer])
        .unwrap();
    cg.apply(&Limits {
        pids_max: Some(50),
        ..Limits::default()
    })
    .unwrap();
    // The gate holds the shell until it is inside the pids cgroup. bash, because it retries
    // failed forks and so keeps the bomb going, where dash gives up and it dies out.
    let bomb = s.spawn_gated("exec bash -c 'f(){ f|f & }; f'");
    cg.add_pid(s.pid(bomb)).unwrap();
    s.release(bomb);
    sleep(Duration::from_millis(700));
    let u = cg.usage().unwrap();
    assert!(u.pids_current.unwrap() <= 50, "{u:?}");
    assert!(!cg.pids().unwrap().is_empty());
    cg.kill_all().unwrap();
    assert!(cg.pids().unwrap().is_empty());
    s.wait(bomb);
    cg.remove().unwrap();
    b.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
}

#[test]
fn v1_open_after_a_crash_finds_and_removes_everything() {
    let Some(b) = v1_backend(&[Controller::Memory, Controller::Pids, Controller::Freezer]) else {
        return;
    };
    let mut s = Scratch::new(&b);
    let rel = s.path("orphan");
    let sleeper = s.spawn_gated("exec sleep 30");
    {
        let cg = b
            .create(
                &rel,
                &[Controller::Memory, Controller::Pids, Controller::Freezer],
            )
            .unwrap();
        cg.add_pid(s.pid(sleeper)).unwrap();
    }
    // A fresh back end, as `zoneadm halt` after the supervisor died would have.
    let again = probe().unwrap();
    let cg = again.open(&rel).unwrap();
    assert!(cg.exists());
    assert_eq!(cg.dirs().len(), 3);
    assert_eq!(cg.pids().unwrap(), [s.pid(sleeper)]);
    cg.remove().unwrap();
    assert_eq!(signal_of(s.wait(sleeper).0), Some(libc::SIGKILL));
    assert!(!cg.exists());
    again.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
}

/// A private mount of the cgroup2 hierarchy on a temporary directory, unmounted on drop.
struct Cgroup2Mount {
    dir: tempfile::TempDir,
}

impl Cgroup2Mount {
    fn new() -> Option<Cgroup2Mount> {
        if !is_root() {
            eprintln!("skipped: needs root");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        match nix::mount::mount(
            Some("none"),
            dir.path(),
            Some("cgroup2"),
            nix::mount::MsFlags::empty(),
            None::<&str>,
        ) {
            Ok(()) => Some(Cgroup2Mount { dir }),
            Err(e) => {
                eprintln!("skipped: cannot mount cgroup2: {e}");
                None
            }
        }
    }
}

impl Drop for Cgroup2Mount {
    fn drop(&mut self) {
        if let Err(e) = nix::mount::umount2(self.dir.path(), nix::mount::MntFlags::MNT_DETACH) {
            eprintln!("umount {}: {e}", self.dir.path().display());
        }
    }
}

#[test]
fn v2_on_a_private_mount_freeze_kill_remove() {
    let Some(mnt) = Cgroup2Mount::new() else {
        return;
    };
    let b = V2Backend::at(mnt.dir.path()).unwrap();
    let mut s = Scratch::new(&b);
    let rel = s.path("web1");
    let cg = b
        .create(&rel, &[Controller::Freezer, Controller::Cpuacct])
        .unwrap();
    let dir = mnt.dir.path().join(&rel);
    assert!(dir.is_dir());

    let offered = layout::read_controllers(mnt.dir.path()).unwrap();
    if !offered.iter().any(|c| c == "memory") {
        let e = cg
            .apply(&Limits {
                memory_limit: Some(64 << 20),
                ..Limits::default()
            })
            .unwrap_err();
        match &e {
            CgroupError::Unavailable { controller, path } => {
                assert_eq!(*controller, Controller::Memory);
                assert_eq!(path, &dir.join("memory.max"));
            }
            other => panic!("unexpected {other}"),
        }
        let e = b
            .create(&s.path("web2"), &[Controller::Memory])
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("controller not available: memory"),
            "{e}"
        );
        assert!(!mnt.dir.path().join(s.path("web2")).exists());
    }

    let a = s.spawn_gated("exec sleep 30");
    let bb = s.spawn_gated("exec sleep 30");
    cg.add_pid(s.pid(a)).unwrap();
    cg.add_pid(s.pid(bb)).unwrap();
    let mut want = vec![s.pid(a), s.pid(bb)];
    want.sort();
    assert_eq!(cg.pids().unwrap(), want);

    cg.freeze().unwrap();
    assert_eq!(
        fs::flat_key(&read(&dir, "cgroup.events"), "frozen"),
        Some("1")
    );
    cg.thaw().unwrap();
    assert_eq!(
        fs::flat_key(&read(&dir, "cgroup.events"), "frozen"),
        Some("0")
    );

    // The fallback used before cgroup.kill existed: freeze, kill, thaw.
    teardown::kill_loop(cg.as_ref(), true, &dir).unwrap();
    assert!(cg.pids().unwrap().is_empty());
    assert_eq!(signal_of(s.wait(a).0), Some(libc::SIGKILL));
    assert_eq!(signal_of(s.wait(bb).0), Some(libc::SIGKILL));

    // cgroup.kill, with a process in a child cgroup too.
    let c = s.spawn_gated("exec sleep 30");
    let d = s.spawn_gated("exec sleep 30");
    cg.add_pid(s.pid(c)).unwrap();
    let inner = b.create(&format!("{rel}/inner"), &[]).unwrap();
    inner.add_pid(s.pid(d)).unwrap();
    assert_eq!(cg.pids().unwrap().len(), 2);
    assert!(dir.join("cgroup.kill").exists());
    cg.kill_all().unwrap();
    assert!(cg.pids().unwrap().is_empty());
    assert_eq!(signal_of(s.wait(c).0), Some(libc::SIGKILL));
    assert_eq!(signal_of(s.wait(d).0), Some(libc::SIGKILL));

    let e = cg.usage().unwrap();
    assert!(e.cpu_ns.is_some(), "{e:?}");

    cg.remove().unwrap();
    assert!(!cg.exists());
    b.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
    drop(s);
    drop(mnt);
}

#[test]
fn probe_matches_the_mount_table() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let layout = Layout::discover().unwrap();
    let b = probe().unwrap();
    assert_eq!(b.mode(), layout.mode().unwrap());
}

/// Opens a host device and /dev/null from a shell the test puts in a cgroup first; what it
/// printed. Without rules both open (checked first, outside any cgroup of ours).
fn device_probe(s: &mut Scratch<'_>, cg: &dyn Cgroup, dev: &str) -> String {
    let script = format!(
        "(exec 3<{dev}) 2>/dev/null && echo {dev}-opened || echo {dev}-refused; \
         (exec 3</dev/null) 2>/dev/null && echo null-opened || echo null-refused"
    );
    let outside = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&outside.stdout),
        format!("{dev}-opened\nnull-opened\n")
    );
    let sh = s.spawn_gated(&script);
    cg.add_pid(s.pid(sh)).unwrap();
    s.release(sh);
    let (status, out) = s.wait(sh);
    assert!(status.success(), "{status:?}");
    out
}

fn zone_device_rules() -> Vec<DeviceRule> {
    let mut rules = vec![DeviceRule::DENY_ALL];
    rules.extend(devices::STANDARD);
    rules
}

#[test]
fn v1_device_rules_are_written_and_enforced() {
    let Some(b) = v1_backend(&[Controller::Devices]) else {
        return;
    };
    if !Path::new("/dev/loop0").exists() {
        eprintln!("skipped: needs /dev/loop0");
        return;
    }
    let layout = Layout::discover().unwrap();
    let mut s = Scratch::new(&b);
    let rel = s.path("devs");
    let cg = b.create(&rel, &[Controller::Devices]).unwrap();
    cg.apply_devices(&zone_device_rules()).unwrap();
    let list = read(&dir_of(&layout, Controller::Devices, &rel), "devices.list");
    let want: Vec<String> = devices::v1_lines(&zone_device_rules())
        .into_iter()
        .skip(1)
        .map(|(_, l)| l)
        .collect();
    assert_eq!(list.lines().collect::<Vec<_>>(), want);
    let out = device_probe(&mut s, cg.as_ref(), "/dev/loop0");
    assert_eq!(out, "/dev/loop0-refused\nnull-opened\n");
    cg.remove().unwrap();
    b.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
}

#[test]
fn v2_device_program_lets_through_only_what_the_rules_allow() {
    let Some(mnt) = Cgroup2Mount::new() else {
        return;
    };
    if !Path::new("/dev/loop0").exists() {
        eprintln!("skipped: needs /dev/loop0");
        return;
    }
    let b = V2Backend::at(mnt.dir.path()).unwrap();
    let mut s = Scratch::new(&b);
    let rel = s.path("devs");
    let cg = b.create(&rel, &[]).unwrap();
    let dir = std::fs::File::open(mnt.dir.path().join(&rel)).unwrap();
    use std::os::fd::AsFd;
    assert_eq!(bpf::device_programs(dir.as_fd()).unwrap(), 0);
    cg.apply_devices(&zone_device_rules()).unwrap();
    // Applied again (a cgroup reused after a crash): replaced, not stacked.
    cg.apply_devices(&zone_device_rules()).unwrap();
    assert_eq!(bpf::device_programs(dir.as_fd()).unwrap(), 1);
    let out = device_probe(&mut s, cg.as_ref(), "/dev/loop0");
    assert_eq!(out, "/dev/loop0-refused\nnull-opened\n");
    // An allow for the loop device lets it through.
    let mut rules = zone_device_rules();
    rules.push(DeviceRule::allow_node(devices::DeviceKind::Block, 7, 0));
    cg.apply_devices(&rules).unwrap();
    let out = device_probe(&mut s, cg.as_ref(), "/dev/loop0");
    assert_eq!(out, "/dev/loop0-opened\nnull-opened\n");
    drop(dir);
    cg.remove().unwrap();
    b.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
    drop(s);
    drop(mnt);
}

#[test]
fn a_zone_cgroup_is_made_and_removed_in_every_hierarchy() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let layout = Layout::discover().unwrap();
    let b = probe().unwrap();
    let mut s = Scratch::new(b.as_ref());
    let rel = s.path("everywhere");
    let cg = b.create_everywhere(&rel, &Controller::ZONE).unwrap();
    let mut want: Vec<std::path::PathBuf> = layout
        .v1
        .values()
        .chain(&layout.v1_other)
        .chain(layout.v2.iter().map(|v| &v.mount_point))
        .map(|m| m.join(&rel))
        .collect();
    want.sort();
    want.dedup();
    let mut have = cg.dirs();
    have.sort();
    assert_eq!(have, want);
    assert!(have.iter().all(|d| d.is_dir()));
    // Found again from nothing (a halt after a crash), in every hierarchy.
    let again = probe().unwrap().open(&rel).unwrap();
    let mut found = again.dirs();
    found.sort();
    assert_eq!(found, want);
    let sleeper = s.spawn_gated("exec sleep 30");
    cg.add_pid(s.pid(sleeper)).unwrap();
    again.remove().unwrap();
    assert!(want.iter().all(|d| !d.exists()));
    assert_eq!(signal_of(s.wait(sleeper).0), Some(libc::SIGKILL));
    b.open(&s.parent).unwrap().remove().unwrap();
    s.assert_gone();
}
