//! What a booted zone can see and do, checked from inside (through `zlogin`) and from the
//! host: its own pid namespace with zinit as pid 1, its hostname, read-only inherited
//! directories (submounts included), no mounts/device nodes/modules/sysrq, no host files,
//! its own cgroup that it cannot leave, exactly the capabilities of its limitpriv, its own
//! /dev and masked /proc paths. One zone per test, each in its own scratch root.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use zones_tests::{cap_sets, host_bounding, require_root, unique_zone, Record, Run, Scratch};

// ----------------------------------------------------------------------------------------
// Local helpers

/// Resources of a test zone beyond `create; set zonepath=/zones/<zone>`.
#[derive(Default)]
struct Res {
    limitpriv: Option<&'static str>,
    inherit_pkg_dirs: Vec<String>,
}

/// Configure `zone` with zonecfg, or, until that command exists, write the index line and
/// the zone's XML (the layout of libzone's store) directly.
fn configure(s: &Scratch, zone: &str, res: &Res) {
    let mut lines = Vec::new();
    if let Some(lp) = res.limitpriv {
        lines.push(format!("set limitpriv=\"{lp}\""));
    }
    for d in &res.inherit_pkg_dirs {
        lines.push(format!("add inherit-pkg-dir\nset dir={d}\nend"));
    }
    s.configure_lines(zone, &lines);
}

/// A booted zone in its own scratch root (halted and removed on drop).
struct Zone {
    s: Scratch,
    name: String,
}

impl Zone {
    fn boot(res: &Res) -> Zone {
        require_root();
        let s = Scratch::new();
        let name = unique_zone("iso");
        configure(&s, &name, res);
        s.zoneadm(Some(&name), &["install"]).ok();
        s.zoneadm(Some(&name), &["boot"]).ok();
        Zone { s, name }
    }

    /// Run a shell command line in the zone as root (C locale, so messages are comparable).
    fn sh(&self, cmd: &str) -> Run {
        self.s
            .zlogin(&[&self.name, &format!("export LC_ALL=C; {cmd}")], None)
    }

    fn record(&self) -> Record {
        self.s.record(&self.name)
    }

    /// Host pid of the zone's init, from the runtime record.
    fn init_pid(&self) -> i32 {
        self.record().init_pid().expect("record has an init pid")
    }
}

/// Host pids of the processes in the pid namespace of `init` (the zone's processes).
fn zone_pids(init: i32) -> Vec<i32> {
    let ns = std::fs::read_link(format!("/proc/{init}/ns/pid")).unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|p| {
            std::fs::read_link(format!("/proc/{p}/ns/pid"))
                .ok()
                .as_ref()
                == Some(&ns)
        })
        .collect()
}

/// A host directory with a tmpfs mounted on its `sub`: unmounted and removed on drop, even
/// when the test fails.
struct HostDirWithSubmount {
    dir: PathBuf,
}

impl HostDirWithSubmount {
    fn new(name: &str) -> HostDirWithSubmount {
        let dir = PathBuf::from(format!("/tmp/{name}"));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let guard = HostDirWithSubmount { dir };
        nix::mount::mount(
            Some("zonetest"),
            &guard.dir.join("sub"),
            Some("tmpfs"),
            nix::mount::MsFlags::empty(),
            Some("size=64k"),
        )
        .unwrap();
        guard
    }
}

impl Drop for HostDirWithSubmount {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.dir.join("sub"), nix::mount::MntFlags::MNT_DETACH);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A file created on the host, removed on drop.
struct HostFile(PathBuf);

impl Drop for HostFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ----------------------------------------------------------------------------------------
// Tests

#[test]
fn pid_one_is_zinit_and_host_processes_are_invisible() {
    let z = Zone::boot(&Res::default());
    let ps = z.sh("ps -e -o pid=,comm=").ok().stdout;
    let procs: Vec<(i32, String)> = ps
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.parse().ok()?, w.next()?.to_string()))
        })
        .collect();
    assert!(procs.contains(&(1, "zinit".to_string())), "{ps}");
    // Host processes (pid 1 of the host, this test, zoneadmd) are not there.
    for (_, comm) in &procs {
        assert!(
            !["process_api", "systemd", "zoneadmd", "cargo"].contains(&comm.as_str())
                && !comm.starts_with("isolation"),
            "host process {comm} visible in the zone:\n{ps}"
        );
    }
    // /proc inside lists exactly the zone's processes: as many as the host sees in the zone's
    // pid namespace (init, the zlogin shell and its ls; give or take the ones exiting).
    let inside: Vec<i32> = z
        .sh("ls /proc")
        .ok()
        .stdout
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect();
    assert!(inside.contains(&1), "{inside:?}");
    assert!(
        inside.len() <= 4,
        "more processes visible than the zone has: {inside:?}"
    );
    let from_host = zone_pids(z.init_pid());
    assert_eq!(from_host, vec![z.init_pid()], "only init runs when idle");
    let cmdline = z.sh("tr '\\0' ' ' < /proc/1/cmdline").ok().stdout;
    assert_eq!(cmdline.trim(), "zinit");
}

#[test]
fn hostname_is_the_zone_name() {
    let z = Zone::boot(&Res::default());
    let out = z
        .sh("hostname; uname -n; cat /proc/sys/kernel/hostname")
        .ok()
        .stdout;
    let names: Vec<&str> = out.lines().collect();
    assert_eq!(names, [z.name.as_str(); 3]);
    // Changing it is not allowed (no CAP_SYS_ADMIN), and the host's stays.
    let host = nix::unistd::gethostname().unwrap();
    assert_ne!(z.sh("hostname other").code, 0);
    assert_eq!(nix::unistd::gethostname().unwrap(), host);
}

#[test]
fn inherited_dirs_are_read_only_submounts_included() {
    let ipd = HostDirWithSubmount::new(&unique_zone("zonetest-ipd"));
    let ipd_dir = ipd.dir.to_string_lossy().into_owned();
    let z = Zone::boot(&Res {
        inherit_pkg_dirs: vec![ipd_dir.clone()],
        ..Res::default()
    });
    // The host can write both (the check below tests the zone, not the host).
    std::fs::write(ipd.dir.join("sub/host-file"), "h").unwrap();
    std::fs::write(ipd.dir.join("host-file"), "h").unwrap();
    let seen = z
        .sh(&format!("cat {ipd_dir}/host-file {ipd_dir}/sub/host-file"))
        .ok();
    assert_eq!(
        seen.stdout, "hh",
        "the inherited dir shows the host's files"
    );
    for target in [
        "/usr/zonetest-file".to_string(),
        format!("{ipd_dir}/zonetest-file"),
        format!("{ipd_dir}/sub/zonetest-file"),
        format!("{ipd_dir}/sub/host-file"),
    ] {
        let r = z.sh(&format!("echo x >> {target}"));
        assert_ne!(r.code, 0, "{target} writable in the zone");
        assert!(
            r.stderr.contains("Read-only file system"),
            "{target}: not EROFS: {}",
            r.stderr
        );
    }
    assert!(!ipd.dir.join("zonetest-file").exists());
    assert!(!ipd.dir.join("sub/zonetest-file").exists());
    assert_eq!(
        std::fs::read_to_string(ipd.dir.join("sub/host-file")).unwrap(),
        "h"
    );
    // Remounting read-write from inside is refused too.
    let r = z.sh(&format!("mount -o remount,rw {ipd_dir}/sub"));
    assert_ne!(r.code, 0, "remount allowed: {}", r.stdout);
    assert_ne!(z.sh(&format!("touch {ipd_dir}/sub/again")).code, 0);
}

#[test]
fn mounts_device_nodes_modules_and_sysrq_are_refused() {
    let z = Zone::boot(&Res::default());
    let r = z.sh("mount -t tmpfs zonetest /mnt");
    assert_ne!(r.code, 0, "mount -t tmpfs succeeded in the zone");
    let mi = z.sh("cat /proc/self/mountinfo").ok().stdout;
    assert!(
        !mi.lines()
            .any(|l| l.split_whitespace().nth(4) == Some("/mnt")),
        "{mi}"
    );
    let r = z.sh("mknod /tmp/zonetest-null c 1 3");
    assert_ne!(r.code, 0, "mknod succeeded");
    assert!(r.stderr.contains("Operation not permitted"), "{}", r.stderr);
    assert_ne!(z.sh("test -e /tmp/zonetest-null").code, 0);
    // init_module(NULL, 0, ""): EPERM without CAP_SYS_MODULE (the capability check comes
    // first); a kernel without module support says ENOSYS to everyone, host included.
    let probe = r#"perl -e 'my $a = ""; my $r = syscall(175, 0, 0, $a); print "$r ", $!+0, "\n"'"#;
    let inside = z.sh(probe).ok().stdout;
    let host = std::process::Command::new("sh")
        .args(["-c", probe])
        .output()
        .unwrap();
    let host = String::from_utf8_lossy(&host.stdout).into_owned();
    assert!(
        inside.starts_with("-1 "),
        "init_module did not fail: {inside}"
    );
    if host.trim() != format!("-1 {}", libc::ENOSYS) {
        assert_eq!(inside.trim(), format!("-1 {}", libc::EPERM), "host: {host}");
    }
    // The module capability is out of the bounding set, so no program can get it back.
    let status = z.sh("cat /proc/self/status").ok().stdout;
    let (bnd, eff) = cap_sets(&status);
    assert!(!bnd.contains("CAP_SYS_MODULE") && !eff.contains("CAP_SYS_MODULE"));
    // sysrq: the write fails, whether or not the file exists on this kernel.
    let r = z.sh("echo h > /proc/sysrq-trigger");
    assert_ne!(r.code, 0, "writing /proc/sysrq-trigger succeeded");
    let r = z.sh("echo 1 > /proc/sys/kernel/sysrq");
    assert_ne!(r.code, 0, "writing /proc/sys succeeded");
}

#[test]
fn host_files_outside_inherited_dirs_are_invisible() {
    let name = unique_zone("zonetest-marker");
    let markers: Vec<HostFile> = ["/root", "/etc", "/var/tmp"]
        .iter()
        .map(|d| {
            let p = PathBuf::from(format!("{d}/{name}"));
            std::fs::write(&p, "host").unwrap();
            HostFile(p)
        })
        .collect();
    let z = Zone::boot(&Res::default());
    for m in &markers {
        let r = z.sh(&format!("ls -la {}", m.0.display()));
        assert_ne!(r.code, 0, "{} visible in the zone", m.0.display());
    }
    let listing = z.sh("ls -a /root /etc /var/tmp").ok().stdout;
    assert!(!listing.contains(&name), "{listing}");
    // The zone's own /etc is its own: its passwd is not the host's.
    let passwd = z.sh("cat /etc/passwd").ok().stdout;
    assert_ne!(passwd, std::fs::read_to_string("/etc/passwd").unwrap());
}

/// The cgroup path of a process per hierarchy mount name (`cpu`, `memory`, `systemd`, ...).
fn proc_cgroups(pid: i32) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctrl, path) = (f.next()?, f.next()?, f.next()?);
            Some((
                ctrl.trim_start_matches("name=").to_string(),
                path.to_string(),
            ))
        })
        .collect()
}

#[test]
fn zone_processes_stay_in_the_zone_cgroup() {
    let z = Zone::boot(&Res::default());
    // A second process, started through zlogin, which joins the zone's cgroups itself.
    z.sh("sleep 300 >/dev/null 2>&1 < /dev/null &").ok();
    let rec = z.record();
    let dirs = rec.cgroups();
    assert!(
        !dirs.is_empty(),
        "the record lists no cgroup:\n{}",
        rec.text()
    );
    let pids = zone_pids(z.init_pid());
    assert!(pids.len() >= 2, "the zlogin sleep is not running: {pids:?}");
    for d in &dirs {
        let rel = d.strip_prefix("/sys/fs/cgroup").unwrap();
        let mut comps = rel.components();
        let hierarchy = comps
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let path = format!("/{}", comps.as_path().display());
        for &p in &pids {
            let cg = proc_cgroups(p);
            // The unified hierarchy (a cgroup2 directory) is the line without a controller.
            let unified = d.join("cgroup.controllers").exists();
            let found = cg
                .iter()
                .find(|(c, _)| {
                    (unified && c.is_empty()) || (!unified && c.split(',').any(|x| x == hierarchy))
                })
                .unwrap_or_else(|| panic!("pid {p} has no {hierarchy} cgroup: {cg:?}"));
            assert_eq!(found.1, path, "pid {p} in hierarchy {hierarchy}");
        }
        // And the kernel agrees from the cgroup's side.
        let procs = std::fs::read_to_string(d.join("cgroup.procs")).unwrap();
        let listed: BTreeSet<i32> = procs.lines().filter_map(|l| l.parse().ok()).collect();
        assert!(
            pids.iter().all(|p| listed.contains(p)),
            "{}: {listed:?} vs {pids:?}",
            d.display()
        );
    }
    // No cgroup file system is visible or mountable inside, and no cgroup.procs writable.
    let mi = z.sh("cat /proc/self/mountinfo").ok().stdout;
    assert!(
        !mi.lines().any(|l| l.contains(" - cgroup")),
        "cgroupfs visible in the zone:\n{mi}"
    );
    let own = z.sh("cat /proc/self/cgroup").ok().stdout;
    assert!(
        own.lines().all(|l| l.ends_with(":/")),
        "the zone sees cgroup paths outside its own:\n{own}"
    );
    for m in [
        "mount -t cgroup2 none /mnt",
        "mount -t cgroup -o pids none /mnt",
        "mount -t cgroup -o none,name=zonetest none /mnt",
    ] {
        assert_ne!(z.sh(m).code, 0, "`{m}` succeeded in the zone");
    }
    let procs_files = z
        .sh("find / -xdev -name cgroup.procs 2>/dev/null; find /sys -name cgroup.procs 2>/dev/null")
        .stdout;
    for f in procs_files.lines().filter(|l| !l.is_empty()) {
        assert_ne!(
            z.sh(&format!("echo 1 > {f}")).code,
            0,
            "{f} writable in the zone"
        );
    }
    for f in [
        "/sys/fs/cgroup/cgroup.procs",
        "/sys/fs/cgroup/pids/cgroup.procs",
    ] {
        assert_ne!(z.sh(&format!("echo $$ > {f}")).code, 0, "{f} writable");
    }
    // After all that, every zone process is still where it was.
    for &p in &zone_pids(z.init_pid()) {
        for d in &dirs {
            let procs = std::fs::read_to_string(d.join("cgroup.procs")).unwrap();
            assert!(
                procs.lines().any(|l| l == p.to_string()),
                "pid {p} left {}",
                d.display()
            );
        }
    }
}

const NEVER_BY_DEFAULT: [&str; 8] = [
    "CAP_SYS_ADMIN",
    "CAP_DAC_READ_SEARCH",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_TIME",
    "CAP_MKNOD",
    "CAP_NET_ADMIN",
];

/// The capability set of the record, and the CapBnd/CapEff of the zone's init (read from
/// the host) and of a zlogin shell.
struct CapView {
    record: BTreeSet<String>,
    init: (BTreeSet<String>, BTreeSet<String>),
    shell: (BTreeSet<String>, BTreeSet<String>),
}

fn cap_view(z: &Zone) -> CapView {
    let rec = z.record();
    let record: BTreeSet<String> = rec.capabilities().into_iter().collect();
    assert!(
        !record.is_empty(),
        "no capabilities in the record:\n{}",
        rec.text()
    );
    let init = std::fs::read_to_string(format!("/proc/{}/status", z.init_pid())).unwrap();
    let shell = z.sh("cat /proc/self/status").ok().stdout;
    CapView {
        record,
        init: cap_sets(&init),
        shell: cap_sets(&shell),
    }
}

/// Zone processes hold exactly the record's set, less what the host itself lacks.
fn check_caps(z: &Zone) -> BTreeSet<String> {
    let v = cap_view(z);
    let want: BTreeSet<String> = v.record.intersection(&host_bounding()).cloned().collect();
    assert_eq!(v.init.0, want, "zinit CapBnd");
    assert_eq!(v.init.1, want, "zinit CapEff");
    assert_eq!(v.shell.0, want, "zlogin shell CapBnd");
    assert_eq!(v.shell.1, want, "zlogin shell CapEff");
    v.record
}

#[test]
fn default_capabilities_are_the_recorded_set() {
    let z = Zone::boot(&Res::default());
    let caps = check_caps(&z);
    for bad in NEVER_BY_DEFAULT {
        assert!(!caps.contains(bad), "{bad} in the default set {caps:?}");
    }
    assert!(caps.contains("CAP_CHOWN") && caps.contains("CAP_SETUID"));
    assert_ne!(z.sh("date -s @0").code, 0, "the zone may set the clock");
}

#[test]
fn limitpriv_sys_time_adds_cap_sys_time() {
    let z = Zone::boot(&Res {
        limitpriv: Some("default,sys_time"),
        ..Res::default()
    });
    let caps = check_caps(&z);
    assert!(caps.contains("CAP_SYS_TIME"), "{caps:?}");
    let status = z.sh("cat /proc/self/status").ok().stdout;
    assert!(cap_sets(&status).1.contains("CAP_SYS_TIME"), "{status}");
    for bad in NEVER_BY_DEFAULT.iter().filter(|c| **c != "CAP_SYS_TIME") {
        assert!(!caps.contains(*bad), "{bad} in {caps:?}");
    }
}

/// The record is what zoneadm and zlogin trust: it must list the capabilities zone processes
/// really have, also on a host whose own bounding set lacks some of the zone's (this test
/// host runs without CAP_SYS_RESOURCE, which a zone's set may name).
#[test]
fn record_lists_the_capabilities_zone_processes_really_have() {
    let z = Zone::boot(&Res::default());
    let v = cap_view(&z);
    assert_eq!(v.init.0, v.record, "zinit CapBnd vs record");
    assert_eq!(v.shell.1, v.record, "zlogin shell CapEff vs record");
}

#[test]
fn zone_has_its_own_dev_and_masked_proc() {
    let z = Zone::boot(&Res::default());
    let stat = z
        .sh("stat -c '%n %F %t:%T' /dev/null /dev/zero /dev/random /dev/urandom /dev/tty")
        .ok()
        .stdout;
    let want = [
        ("/dev/null", "1:3"),
        ("/dev/zero", "1:5"),
        ("/dev/random", "1:8"),
        ("/dev/urandom", "1:9"),
        ("/dev/tty", "5:0"),
    ];
    for (dev, num) in want {
        assert!(
            stat.lines()
                .any(|l| l == format!("{dev} character special file {num}")),
            "{dev} {num}:\n{stat}"
        );
    }
    let mi = z.sh("cat /proc/self/mountinfo").ok().stdout;
    let fstype = |mp: &str| -> Option<String> {
        mi.lines().find_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            (left.split_whitespace().nth(4)? == mp)
                .then(|| right.split_whitespace().next().unwrap_or("").to_string())
        })
    };
    assert_eq!(fstype("/dev").as_deref(), Some("tmpfs"), "{mi}");
    assert_eq!(fstype("/dev/pts").as_deref(), Some("devpts"), "{mi}");
    assert_eq!(fstype("/dev/shm").as_deref(), Some("tmpfs"), "{mi}");
    // The zone's /dev is not the host's: a file made there does not show on the host.
    let name = unique_zone("zonetest-dev");
    z.sh(&format!("touch /dev/shm/{name} /dev/{name}")).ok();
    assert!(!Path::new(&format!("/dev/shm/{name}")).exists());
    assert!(!Path::new(&format!("/dev/{name}")).exists());
    // /dev/pts is a new instance: the host's ptys are not there.
    let pts = z.sh("ls /dev/pts").ok().stdout;
    let host_pts: Vec<String> = std::fs::read_dir("/dev/pts")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "ptmx")
        .collect();
    assert!(
        host_pts.is_empty() || pts.lines().filter(|l| *l != "ptmx").count() < host_pts.len(),
        "zone pts {pts:?} vs host {host_pts:?}"
    );
    let rw = z
        .sh("echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c")
        .ok()
        .stdout;
    assert_eq!(rw.split_whitespace().collect::<Vec<_>>(), ["4", "4"]);
    // Masked /proc paths read empty; read-only ones refuse writes.
    let keys = z.sh("wc -c < /proc/keys").ok().stdout;
    assert_eq!(keys.trim(), "0", "/proc/keys is not masked");
    let tl = z.sh("wc -c < /proc/timer_list").ok().stdout;
    assert_eq!(tl.trim(), "0", "/proc/timer_list is not masked");
    let acpi = z.sh("ls -A /proc/acpi 2>/dev/null | wc -l").ok().stdout;
    assert_eq!(acpi.trim(), "0", "/proc/acpi is not masked");
    let fw = z.sh("ls -A /sys/firmware | wc -l").ok().stdout;
    assert_eq!(fw.trim(), "0", "/sys/firmware is not masked");
    assert_ne!(z.sh("echo 1 > /proc/sys/vm/drop_caches").code, 0);
}
