//! No way back from a zone to the host's binaries (the CVE-2019-5736 pattern): a zone root
//! that watches `/proc/*/exe` while zlogin enters, names `/proc/self/exe` as root's shell or
//! as init, or opens `/proc/1/exe`, never gets hold of a host file it could write: what it
//! reaches are sealed memfd copies (zinit, the zone launcher) or files of the zone's own
//! read-only `/usr`. And zlogin still runs commands and logins.
//!
//! The attacker is `exe-watcher` (tests/watcher), copied into the zone and run as its root.

use std::collections::BTreeSet;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use zones_tests::{bin, bin_dir, cgroup_parent, require_root, spawn_on_pty, unique_zone, Scratch};

const WAIT: Duration = Duration::from_secs(30);
const WATCHER: &str = "/root/exe-watcher";
const STOP: &str = "/tmp/exe-watcher.stop";
const REPORT: &str = "/tmp/exe-watcher.report";

/// A booted default zone with the watcher inside.
fn zone_with_watcher(prefix: &str) -> (Scratch, String) {
    require_root();
    let s = Scratch::new();
    let z = unique_zone(prefix);
    s.boot(&z, &[]);
    let root = zone_root(&s, &z);
    std::fs::create_dir_all(root.join("root")).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_exe-watcher"), root.join(&WATCHER[1..])).unwrap();
    (s, z)
}

fn zone_root(s: &Scratch, zone: &str) -> PathBuf {
    s.root().join(format!("zones/{zone}/root"))
}

/// Device and inode of every binary of ours on the host.
fn host_binaries() -> BTreeSet<(u64, u64)> {
    ["zlogin", "zoneadmd", "zinit", "zoneadm"]
        .iter()
        .map(|b| {
            let m = std::fs::metadata(bin(b)).unwrap();
            (m.dev(), m.ino())
        })
        .collect()
}

/// One file the watcher caught.
#[derive(Debug)]
struct Caught {
    id: (u64, u64),
    reopen: String,
    write: String,
    link: String,
}

struct Report {
    files: Vec<Caught>,
    pids: usize,
    denied: usize,
    text: String,
}

fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line
        .find(&format!(" {key}="))
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
        + key.len()
        + 2;
    let rest = &line[start..];
    if key == "link" {
        rest
    } else {
        rest.split(' ').next().unwrap()
    }
}

fn parse(text: &str) -> Report {
    let mut r = Report {
        files: Vec::new(),
        pids: 0,
        denied: 0,
        text: text.to_string(),
    };
    for line in text.lines() {
        if line.starts_with("file ") {
            r.files.push(Caught {
                id: (
                    field(line, "dev").parse().unwrap(),
                    field(line, "ino").parse().unwrap(),
                ),
                reopen: field(line, "reopen").to_string(),
                write: field(line, "write").to_string(),
                link: field(line, "link").to_string(),
            });
        } else if line.starts_with("summary ") {
            r.pids = field(line, "pids").parse().unwrap();
            r.denied = field(line, "denied").parse().unwrap();
        }
    }
    r
}

impl Report {
    /// Nothing the watcher caught is one of our host binaries, names where they live, or
    /// took a write.
    fn assert_no_way_back(&self) {
        let host = host_binaries();
        let host_dir = bin_dir().to_string_lossy().into_owned();
        for f in &self.files {
            assert!(
                !host.contains(&f.id),
                "the zone caught a host binary: {f:?}\n{}",
                self.text
            );
            assert!(
                !f.link.contains(&host_dir),
                "the zone sees a host path: {f:?}\n{}",
                self.text
            );
            let written = f.reopen == "ok" && (f.write == "ok" || f.write == "unread");
            assert!(!written, "the zone could write {f:?}\n{}", self.text);
        }
    }
}

/// The watcher, started in the zone in the background (as root, by a safe-mode login: it
/// works whatever the zone's accounts say).
fn start_watcher(s: &Scratch, z: &str) {
    let root = zone_root(s, z);
    for f in [STOP, REPORT] {
        let _ = std::fs::remove_file(root.join(&f[1..]));
    }
    s.zlogin(
        &["-S", z, &format!("{WATCHER} watch {STOP} {REPORT}")],
        None,
    )
    .ok();
    // Wait until it runs: its process shows in the zone.
    let end = Instant::now() + WAIT;
    while s
        .zlogin(&["-S", z, "ps -e -o comm="], None)
        .ok()
        .stdout
        .lines()
        .all(|c| c.trim() != "exe-watcher")
    {
        assert!(Instant::now() < end, "the watcher did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stop the watcher and read its report: written once it tried to write what it caught,
/// when none of the logins it watched runs any more.
fn stop_watcher(s: &Scratch, z: &str) -> Report {
    let root = zone_root(s, z);
    std::fs::write(root.join(&STOP[1..]), "").unwrap();
    let end = Instant::now() + WAIT;
    let out = loop {
        if let Ok(text) = std::fs::read_to_string(root.join(&REPORT[1..])) {
            break text;
        }
        assert!(Instant::now() < end, "the watcher did not report");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(out.contains("summary "), "watcher report:\n{out}");
    parse(&out)
}

/// Set the login shell of the zone's root.
fn set_root_shell(s: &Scratch, z: &str, shell: &str) {
    let passwd = zone_root(s, z).join("etc/passwd");
    let text = std::fs::read_to_string(&passwd).unwrap();
    let new: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("root:") {
                let mut f: Vec<&str> = l.split(':').collect();
                *f.last_mut().unwrap() = shell;
                f.join(":")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&passwd, new.join("\n") + "\n").unwrap();
}

/// Everything a session on a pty shows until it ends.
fn pty_session(cmd: Command) -> String {
    let (master, mut child) = spawn_on_pty(cmd, 24, 80);
    let mut seen = Vec::new();
    let end = Instant::now() + WAIT;
    loop {
        let mut fds = [nix::poll::PollFd::new(
            master.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        if nix::poll::poll(&mut fds, 200u16).unwrap_or(0) > 0 {
            let mut buf = [0u8; 4096];
            match nix::unistd::read(&master, &mut buf) {
                Ok(n) if n > 0 => seen.extend_from_slice(&buf[..n]),
                _ => break,
            }
        } else if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > end {
            let _ = child.kill();
            break;
        }
    }
    let _ = child.wait();
    String::from_utf8_lossy(&seen).into_owned()
}

#[test]
fn a_watcher_during_200_zlogins_gets_no_host_file() {
    let (s, z) = zone_with_watcher("hbw");
    start_watcher(&s, &z);
    for i in 0..200 {
        // Executed directly and through root's shell, both still work.
        if i % 2 == 0 {
            s.zlogin(&[&z, "/bin/true"], None).ok();
        } else {
            let r = s.zlogin(&[&z, "echo $((40 + 2))"], None).ok();
            assert_eq!(r.stdout, "42\n");
        }
    }
    let report = stop_watcher(&s, &z);
    report.assert_no_way_back();
    // The watcher did see the zone's processes: init (the sealed zinit) and the logins'.
    assert!(
        report
            .files
            .iter()
            .any(|f| f.link == "/memfd:zinit (deleted)"),
        "{}",
        report.text
    );
    assert!(report.pids > 2, "{}", report.text);
}

#[test]
fn a_shell_of_proc_self_exe_runs_no_host_binary() {
    let (s, z) = zone_with_watcher("hbs");
    start_watcher(&s, &z);
    set_root_shell(&s, &z, "/proc/self/exe");
    // Whatever the login shell re-executes is the sealed launcher, which refuses.
    let refused = "zone-launcher: refusing to run as a program";
    for i in 0..20 {
        let cmd = if i % 2 == 0 { "echo hi" } else { "/bin/true" };
        let r = s.zlogin(&[&z, cmd], None);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert_eq!(r.stdout, "");
        assert!(r.stderr.contains(refused), "{}", r.stderr);
        assert!(!r.stderr.contains("usage"), "{}", r.stderr);
    }
    // An interactive login the same.
    let mut cmd = s.command("zlogin");
    cmd.arg(&z).env_clear().env("TERM", "vt100");
    let text = pty_session(cmd);
    assert!(text.contains(refused), "{text}");
    assert!(!text.contains("usage"), "{text}");
    let report = stop_watcher(&s, &z);
    report.assert_no_way_back();
    // With a real shell again, logins work as before.
    set_root_shell(&s, &z, "/bin/sh");
    let r = s.zlogin(&[&z, "echo back"], None).ok();
    assert_eq!(r.stdout, "back\n");
}

#[test]
fn pid_one_is_a_sealed_copy_that_names_no_host_path() {
    let (s, z) = zone_with_watcher("hbp");
    let r = s
        .zlogin(&["-S", &z, &format!("{WATCHER} probe /proc/1/exe")], None)
        .ok();
    let report = parse(&r.stdout);
    assert_eq!(report.files.len(), 1, "{}", report.text);
    let f = &report.files[0];
    assert_eq!(f.link, "/memfd:zinit (deleted)");
    // Reopened for writing (it is not busy from its own point of view) or not, a write
    // fails: the copy is sealed.
    assert_ne!(f.write, "ok", "{f:?}");
    report.assert_no_way_back();
    // The zone's own tools say the same; its process name is still zinit.
    let r = s
        .zlogin(&[&z, "readlink /proc/1/exe; cat /proc/1/comm"], None)
        .ok();
    assert_eq!(r.stdout, "/memfd:zinit (deleted)\nzinit\n");
    let r = s.zlogin(&[&z, "echo x >> /proc/1/exe"], None);
    assert_ne!(r.code, 0, "a write to /proc/1/exe succeeded");
    // The host sees the same sealed copy.
    let init = s.record(&z).init_pid().unwrap();
    let link = std::fs::read_link(format!("/proc/{init}/exe")).unwrap();
    assert_eq!(link, Path::new("/memfd:zinit (deleted)"));
}

/// A thread that watches the processes of `zone`'s cgroups (in any hierarchy) until `stop`:
/// the `/proc/<pid>/exe` link and identity of each one it catches running as `cmdline`.
fn spot(
    root: &Path,
    zone: &str,
    cmdline: &'static str,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Vec<(String, (u64, u64))>> {
    let cgroup = format!("{}/{zone}/cgroup.procs", cgroup_parent(root));
    let procs: Vec<PathBuf> = std::fs::read_dir("/sys/fs/cgroup")
        .unwrap()
        .flatten()
        .map(|e| e.path().join(&cgroup))
        .chain([Path::new("/sys/fs/cgroup").join(&cgroup)])
        .collect();
    std::thread::spawn(move || {
        let want = format!("{cmdline}\0");
        let mut seen = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            for pid in procs
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
            {
                let p = Path::new("/proc").join(pid.trim());
                if std::fs::read(p.join("cmdline")).is_ok_and(|c| c == want.as_bytes()) {
                    let link = std::fs::read_link(p.join("exe"));
                    let id = std::fs::metadata(p.join("exe")).map(|m| (m.dev(), m.ino()));
                    if let (Ok(link), Ok(id)) = (link, id) {
                        seen.push((link.to_string_lossy().into_owned(), id));
                    }
                }
            }
        }
        seen
    })
}

#[test]
fn an_init_of_proc_self_exe_runs_no_host_binary() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("hbi");
    s.configure_default(&z);
    s.zoneadm(Some(&z), &["install"]).ok();
    // The zone's root names /proc/self/exe as the program to boot as init.
    let link = zone_root(&s, &z).join("root/init");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/proc/self/exe", &link).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spotter = spot(s.root(), &z, "/root/init", stop.clone());
    for _ in 0..20 {
        // Init is the launcher, which refuses to be anything but our launcher: the zone
        // boots and goes down again.
        s.zoneadm(Some(&z), &["boot", "--", "-i", "/root/init"])
            .ok();
        let end = Instant::now() + WAIT;
        while s.listed(&z).1 != "installed" {
            assert!(Instant::now() < end, "the zone did not go down");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = spotter.join().unwrap();
    let host = host_binaries();
    let host_dir = bin_dir().to_string_lossy().into_owned();
    for (link, id) in &seen {
        assert!(
            !host.contains(id) && !link.contains(&host_dir),
            "the zone's init re-executed a host binary: {link}"
        );
    }
}

#[test]
fn zones_share_one_sealed_zinit() {
    require_root();
    let s = Scratch::new();
    let (a, b) = (unique_zone("hbz"), unique_zone("hbz"));
    s.boot(&a, &[]);
    s.boot(&b, &[]);
    let exe = |z: &str| {
        let init = s.record(z).init_pid().unwrap();
        let path = format!("/proc/{init}/exe");
        let m = std::fs::metadata(&path).unwrap();
        (std::fs::read_link(&path).unwrap(), (m.dev(), m.ino()))
    };
    let (link_a, id_a) = exe(&a);
    let (link_b, id_b) = exe(&b);
    assert_eq!(link_a, Path::new("/memfd:zinit (deleted)"));
    assert_eq!(link_b, link_a);
    // One copy in memory for both: the second zone took the first one's.
    assert_eq!(id_a, id_b);
    assert!(!host_binaries().contains(&id_a));
    // Both zones work, and a zone booted after the first went down still gets the copy.
    s.zlogin(&[&b, "true"], None).ok();
    s.zoneadm(Some(&a), &["halt"]).ok();
    s.zoneadm(Some(&a), &["boot"]).ok();
    assert_eq!(exe(&a).1, id_b);
}
