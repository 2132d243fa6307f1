//! A whole-root zone boots its own systemd. Debian 12 (debootstrap minbase with systemd and
//! dbus, cached under `target/debian-root/` for later runs) installed as a whole-root zone
//! boots to `multi-user.target`: the console shows the boot and a getty login prompt and
//! takes a root login, `systemctl` answers `running` (or `degraded`), journald keeps what is
//! logged, a `.deb` built here installs with `dpkg -i`, the zone has what systemd's container
//! interface asks for and no capability to leave it, and `zoneadm shutdown` is clean: systemd
//! stops on its own before the shutdown timeout, and nothing of the zone is left.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use zones_tests::{
    debian_root, gone_within, read_until, require_root, spawn_on_pty, unique_zone, zone_ns, Record,
    Scratch,
};

/// How long a boot, a login or a shutdown may take before the test calls it hung (software
/// on a shared, loaded machine: many times what it takes here). Not a timing assertion.
const HANG: Duration = Duration::from_secs(300);

const ROOT_PASSWORD: &str = "zones-test";

/// `zoneadm install -d` of the cached tree; the UUID the install gave the zone.
fn install_from_tree(s: &Scratch, zone: &str, tree: &Path) -> String {
    s.zoneadm(Some(zone), &["install", "-d", &tree.to_string_lossy()])
        .ok();
    let listed = s.zoneadm(Some(zone), &["list", "-p"]).ok().stdout;
    // zoneid:zonename:state:zonepath:uuid:brand:ip-type
    let f: Vec<&str> = listed.trim().split(':').collect();
    assert_eq!(f.get(2), Some(&"installed"), "{listed}");
    let uuid = f.get(4).copied().unwrap_or_default().to_string();
    assert_eq!(uuid.len(), 36, "{listed}");
    uuid
}

fn console_log(s: &Scratch, zone: &str) -> String {
    std::fs::read_to_string(s.root().join(format!("var/log/zones/{zone}.console")))
        .unwrap_or_default()
}

fn zoneadmd_log(s: &Scratch, zone: &str) -> String {
    std::fs::read_to_string(s.root().join(format!("var/log/zones/{zone}.zoneadmd.log")))
        .unwrap_or_default()
}

/// `zlogin zone sh -c script`, which must succeed; its output.
fn zsh(s: &Scratch, zone: &str, script: &str) -> String {
    s.zlogin(&[zone, script], None).ok().stdout
}

/// Wait until systemd has finished starting up; its answer (`running`, `degraded`).
fn wait_for_boot(s: &Scratch, zone: &str) -> String {
    let end = Instant::now() + HANG;
    loop {
        let r = s.zlogin(&[zone, "systemctl is-system-running"], None);
        let state = r.stdout.trim().to_string();
        match state.as_str() {
            "running" | "degraded" => return state,
            // `offline` until systemd's private socket is up, early in its start.
            "offline" | "initializing" | "starting" | "" => {}
            other => panic!(
                "systemd is {other}:\n{}\nconsole:\n{}",
                r.stderr,
                console_log(s, zone)
            ),
        }
        assert!(
            Instant::now() < end,
            "no multi-user.target within {HANG:?} (last: {state:?} {}):\n{}",
            r.stderr,
            console_log(s, zone)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A small package, built here: a file, and a postinst that leaves a stamp.
fn build_deb(dir: &Path) -> PathBuf {
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(pkg.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(pkg.join("usr/share/zones-hello")).unwrap();
    std::fs::write(
        pkg.join("usr/share/zones-hello/hello.txt"),
        "hello from a .deb\n",
    )
    .unwrap();
    std::fs::write(
        pkg.join("DEBIAN/control"),
        "Package: zones-hello\nVersion: 1.0\nArchitecture: all\n\
         Maintainer: zones <zones@example.org>\nDescription: whole-root zone test package\n",
    )
    .unwrap();
    let postinst = pkg.join("DEBIAN/postinst");
    std::fs::write(
        &postinst,
        "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then echo configured > /var/lib/zones-hello.stamp; fi\n",
    )
    .unwrap();
    let st = Command::new("chmod")
        .arg("755")
        .arg(&postinst)
        .status()
        .unwrap();
    assert!(st.success());
    let deb = dir.join("zones-hello_1.0_all.deb");
    let out = Command::new("dpkg-deb")
        .args(["--build", "--root-owner-group"])
        .arg(&pkg)
        .arg(&deb)
        .output()
        .expect("dpkg-deb");
    assert!(out.status.success(), "{out:?}");
    deb
}

/// The pids in a cgroup directory and every one below it.
fn pids_below(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(pids_below(&e.path()));
        }
    }
    out
}

/// The capability numbers of a `/proc/<pid>/status` mask line (`CapBnd:\t000001ff...`).
fn caps_of(status: &str, field: &str) -> u64 {
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in {status}"));
    u64::from_str_radix(line[field.len()..].trim(), 16).unwrap()
}

/// Log in as root on the zone console, run `systemctl is-system-running` there, log out and
/// detach. What the console showed.
fn console_login(s: &Scratch, zone: &str) -> String {
    let mut cmd = s.command("zlogin");
    cmd.args(["-C", zone]);
    let (master, mut child): (OwnedFd, _) = spawn_on_pty(cmd, 24, 80);
    let mut seen = Vec::new();
    let step = |seen: &mut Vec<u8>, needle: &str| {
        read_until(&master, seen, needle, HANG)
            .unwrap_or_else(|text| panic!("no {needle:?} on the console:\n{text}"));
    };
    let send = |bytes: &[u8]| {
        nix::unistd::write(&master, bytes).unwrap();
    };
    step(&mut seen, &format!("[Connected to zone '{zone}' console]"));
    // The prompt may be in the history the console replays; ask for a fresh one.
    let from = seen.len();
    send(b"\r");
    let mut fresh = seen.split_off(from);
    step(&mut fresh, "login: ");
    send(b"root\r");
    step(&mut fresh, "Password: ");
    send(format!("{ROOT_PASSWORD}\r").as_bytes());
    step(&mut fresh, &format!("root@{zone}:~# "));
    send(b"systemctl is-system-running; tty; echo done-$((6*7))\r");
    step(&mut fresh, "done-42");
    send(b"exit\r");
    let at_logout = fresh.len();
    let mut after = fresh.split_off(at_logout);
    step(&mut after, "login: ");
    send(b"\r~.");
    step(
        &mut after,
        &format!("[Connection to zone '{zone}' console closed]"),
    );
    let st = child.wait().unwrap();
    assert!(st.success(), "zlogin -C: {st}");
    seen.extend(fresh);
    seen.extend(after);
    String::from_utf8_lossy(&seen).into_owned()
}

#[test]
fn debian_zone_boots_systemd_to_multi_user_and_shuts_down_cleanly() {
    require_root();
    let tree = debian_root();
    let s = Scratch::new();
    let z = unique_zone("deb");
    s.configure(&z, &["set brand=whole"]);
    let uuid = install_from_tree(&s, &z, &tree);
    s.zoneadm(Some(&z), &["boot"]).ok();
    let rec = Record::read(s.root(), &z).expect("record of the booted zone");
    let init = rec.init_pid().expect("init pid");
    let ns = zone_ns(init);

    // Boot to multi-user.target, with systemd's messages on the console.
    let state = wait_for_boot(&s, &z);
    if state == "degraded" {
        eprintln!(
            "degraded:\n{}",
            s.zlogin(&[&z, "systemctl --failed --no-pager"], None)
                .stdout
        );
    }
    assert_eq!(
        zsh(&s, &z, "systemctl is-active multi-user.target").trim(),
        "active"
    );
    // The getty is an idle unit: its prompt comes once the boot's jobs are done.
    let wants = [
        "Welcome to",
        "Multi-User System",
        "Console Getty",
        "login: ",
    ];
    zones_tests::eventually(HANG, || {
        let log = console_log(&s, &z);
        let missing: Vec<&&str> = wants.iter().filter(|w| !log.contains(**w)).collect();
        (!missing.is_empty()).then(|| format!("console lacks {missing:?}:\n{log}"))
    })
    .unwrap();

    // What systemd's container interface asks for.
    let env = zsh(&s, &z, "tr '\\0' '\\n' < /proc/1/environ");
    assert!(env.lines().any(|l| l == "container=zones"), "{env}");
    assert!(
        env.lines().any(|l| l == format!("container_uuid={uuid}")),
        "{env}"
    );
    assert_eq!(
        zsh(&s, &z, "cat /etc/machine-id").trim(),
        uuid.replace('-', "")
    );
    assert_eq!(
        zsh(&s, &z, "stat -f -c %T /run /run/lock /tmp /sys/fs/cgroup"),
        "tmpfs\ntmpfs\ntmpfs\ncgroup2fs\n"
    );
    let sys = zsh(
        &s,
        &z,
        "awk '$5 == \"/sys\" { print $6 }' /proc/self/mountinfo",
    );
    assert!(sys.starts_with("ro,"), "/sys: {sys}");
    // Every hierarchy rooted at the zone (its cgroup namespace); systemd in its own scope.
    let cg = zsh(&s, &z, "cat /proc/1/cgroup");
    assert!(cg.lines().any(|l| l == "0::/init.scope"), "{cg}");
    assert!(
        cg.lines()
            .all(|l| l.ends_with(":/") || l == "0::/init.scope"),
        "{cg}"
    );
    let devs = zsh(
        &s,
        &z,
        "test -c /dev/console && test -c /dev/tty && test -c /dev/pts/ptmx && \
         readlink /dev/ptmx && stat -f -c %T /dev/pts",
    );
    assert_eq!(devs, "pts/ptmx\ndevpts\n");
    // systemd made its own cgroups, below the zone's and nowhere else on the host.
    let parent = zones_tests::cgroup_parent(s.root());
    let host_view = std::fs::read_to_string(format!("/proc/{init}/cgroup")).unwrap();
    let unified = host_view
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap_or_else(|| panic!("{host_view}"));
    assert!(
        unified.contains(&format!("/{parent}/{z}/")) && unified.ends_with("/init.scope"),
        "{host_view}"
    );
    let zone_sees = zsh(&s, &z, "ls /sys/fs/cgroup");
    assert!(
        zone_sees.lines().any(|l| l == "system.slice"),
        "{zone_sees}"
    );
    assert!(!zone_sees.contains(&parent), "{zone_sees}");
    // No capability to leave: neither CAP_SYS_ADMIN nor the others a zone never has; only
    // CAP_SETPCAP beyond the default set, for systemd to narrow its services' sets.
    let status = zsh(&s, &z, "cat /proc/1/status");
    let bnd = caps_of(&status, "CapBnd:");
    for (name, bit) in [
        ("CAP_SYS_ADMIN", 21),
        ("CAP_SYS_MODULE", 16),
        ("CAP_SYS_RAWIO", 17),
        ("CAP_MKNOD", 27),
        ("CAP_DAC_READ_SEARCH", 2),
        ("CAP_SYS_PTRACE", 19),
        ("CAP_NET_ADMIN", 12),
    ] {
        assert_eq!(bnd & (1 << bit), 0, "{name} in the zone: {status}");
    }
    assert_ne!(bnd & (1 << 8), 0, "CAP_SETPCAP missing: {status}");
    let mount = s.zlogin(&[&z, "mount -t tmpfs none /mnt"], None);
    assert_ne!(mount.code, 0, "the zone mounted a file system");
    assert!(status.lines().any(|l| l == "Seccomp:\t2"), "{status}");
    // systemd's services stay in the zone's cgroups, where its limits are: every process of
    // the zone's pid namespace is in (or below) its cgroup of every hierarchy.
    let members: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path().join("ns/pid")).is_ok_and(|l| l.to_string_lossy() == ns.pid)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|p| p.parse::<u32>().is_ok())
        .collect();
    assert!(members.len() >= 4, "{members:?}");
    for dir in rec.cgroups() {
        let inside = pids_below(&dir);
        for pid in &members {
            assert!(inside.contains(pid), "{pid} not in {}", dir.display());
        }
    }

    // journald keeps what is logged.
    let mark = format!("journal-check-{}", std::process::id());
    zsh(&s, &z, &format!("logger -t zonestest {mark}"));
    let end = Instant::now() + HANG;
    loop {
        let j = s.zlogin(&[&z, "journalctl -q --no-pager -t zonestest"], None);
        if j.stdout.contains(&mark) {
            break;
        }
        assert!(Instant::now() < end, "journal lacks {mark}: {}", j.stdout);
        std::thread::sleep(Duration::from_millis(200));
    }

    // A root login on the console, and systemctl there.
    s.zlogin(&[&z, "chpasswd"], Some(&format!("root:{ROOT_PASSWORD}\n")))
        .ok();
    let console = console_login(&s, &z);
    assert!(
        console.contains("running\r\n") || console.contains("degraded\r\n"),
        "{console}"
    );
    assert!(console.contains("/dev/console"), "{console}");

    // A local package installs with dpkg -i.
    let work = tempfile::tempdir().unwrap();
    let deb = build_deb(work.path());
    let zroot = s.root().join("zones").join(&z).join("root");
    std::fs::copy(&deb, zroot.join("var/tmp/zones-hello.deb")).unwrap();
    s.zlogin(&[&z, "dpkg -i /var/tmp/zones-hello.deb"], None)
        .ok();
    assert_eq!(
        zsh(&s, &z, "dpkg-query -W -f '${Status}' zones-hello"),
        "install ok installed"
    );
    assert_eq!(
        zsh(
            &s,
            &z,
            "cat /usr/share/zones-hello/hello.txt /var/lib/zones-hello.stamp"
        ),
        "hello from a .deb\nconfigured\n"
    );

    // zoneadm shutdown: systemd powers off on its own, before the timeout.
    s.zoneadm(Some(&z), &["shutdown"]).ok();
    assert_eq!(s.listed(&z).1, "installed");
    let dlog = zoneadmd_log(&s, &z);
    assert!(!dlog.contains("timed out"), "{dlog}");
    assert!(dlog.contains("init exited: status"), "{dlog}");
    let log = console_log(&s, &z);
    assert!(log.contains("System Shutdown"), "{log}");
    gone_within(Duration::from_secs(10), s.root(), Some(&z), &[ns]).unwrap();
}
