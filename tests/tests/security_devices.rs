//! Devices and cgroups, tried from root inside a booted zone as an attacker would, each with
//! the legitimate use next to it: block devices and other host devices do not open even with
//! `CAP_MKNOD` (the devices controller stops them; on the unified hierarchy its device program
//! does so on its own), the standard nodes and the zone's `device` resources do; device nodes
//! on the zone root and writable mounts do not open (`nodev`); the zone's processes are in its
//! cgroup in every hierarchy, which is the root of their cgroup namespace, so nothing the zone
//! does makes a cgroup outside its own or raises its limits. One zone per test, each in its own
//! scratch root.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use zones_tests::{cgroup_hierarchies, cgroup_parent, require_root, unique_zone, Run, Scratch};

// ----------------------------------------------------------------------------------------
// Local helpers

/// A booted zone in its own scratch root (halted and removed on drop).
struct Zone {
    s: Scratch,
    name: String,
}

impl Zone {
    /// Boot a zone configured with the zonecfg lines `extra`.
    fn boot(extra: &[&str]) -> Zone {
        require_root();
        let s = Scratch::new();
        let name = unique_zone("dev");
        s.boot(&name, extra);
        Zone { s, name }
    }

    /// Run a shell command line in the zone as root (C locale, so messages are comparable).
    fn sh(&self, cmd: &str) -> Run {
        self.s
            .zlogin(&[&self.name, &format!("export LC_ALL=C; {cmd}")], None)
    }

    /// The zone's cgroup, `/<parent>/<zone>`, as `/proc/<pid>/cgroup` shows it on the host.
    fn cgroup(&self) -> String {
        format!("/{}/{}", cgroup_parent(self.s.root()), self.name)
    }

    /// The zone's cgroup directory in the hierarchy mounted at `h`.
    fn dir_in(&self, h: &Path) -> PathBuf {
        PathBuf::from(format!("{}{}", h.display(), self.cgroup()))
    }

    fn init_pid(&self) -> i32 {
        self.s.record(&self.name).init_pid().expect("init pid")
    }
}

/// `limitpriv` granting `CAP_MKNOD`: the capability is not what stops a device then.
const MKNOD: &str = "set limitpriv=\"default,cap_mknod\"";

/// A block device of this host that the host itself may open, as `(major, minor)`: the root
/// file system's disk, else a loop device (a host may keep its disks from its own root).
fn host_block_device() -> (u32, u32) {
    let dev = std::fs::metadata("/").unwrap().dev();
    let root_disk = (libc::major(dev), libc::minor(dev));
    let mut candidates = vec![root_disk];
    for i in 0..8 {
        if let Ok(m) = std::fs::metadata(format!("/dev/loop{i}")) {
            candidates.push((libc::major(m.rdev()), libc::minor(m.rdev())));
        }
    }
    let probe = std::env::temp_dir().join(format!("zt-blk-{}", std::process::id()));
    let found = candidates.into_iter().find(|&(major, minor)| {
        let _ = std::fs::remove_file(&probe);
        let made = nix::sys::stat::mknod(
            &probe,
            nix::sys::stat::SFlag::S_IFBLK,
            nix::sys::stat::Mode::from_bits_truncate(0o600),
            nix::sys::stat::makedev(major.into(), minor.into()),
        );
        made.is_ok() && std::fs::File::open(&probe).is_ok()
    });
    let _ = std::fs::remove_file(&probe);
    found.expect("a block device the host can open (the root disk or /dev/loop0)")
}

/// Host pids in the pid namespace of `init` (the zone's processes).
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

/// Every directory named `name` anywhere in the hierarchy at `h`.
fn dirs_named(h: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![h.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if e.file_name() == name {
                    out.push(e.path());
                }
                todo.push(e.path());
            }
        }
    }
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim()
        .to_string()
}

/// The zone's cgroup directory on the unified (cgroup2) hierarchy, from its record.
fn unified_dir(z: &Zone) -> Option<PathBuf> {
    z.s.record(&z.name)
        .cgroups()
        .into_iter()
        .find(|d| d.join("cgroup.controllers").exists())
}

// ----------------------------------------------------------------------------------------
// Tests

#[test]
fn block_and_host_devices_do_not_open_even_with_cap_mknod() {
    let z = Zone::boot(&[MKNOD]);
    let (major, minor) = host_block_device();
    // mknod is allowed (CAP_MKNOD, `m` for every node, /dev is a `dev` mount); opening is not.
    let r = z.sh(&format!(
        "mknod /dev/zt-disk b {major} {minor} && ls -l /dev/zt-disk && head -c 512 /dev/zt-disk | wc -c"
    ));
    assert!(r.stdout.contains("zt-disk"), "mknod failed: {}", r.stderr);
    assert!(
        r.stderr
            .contains("cannot open '/dev/zt-disk' for reading: Operation not permitted"),
        "the host disk {major}:{minor} opened in the zone: {} {}",
        r.stdout,
        r.stderr
    );
    assert!(!r.stdout.contains("512"), "{}", r.stdout);
    // Writing is refused the same way (the shell opens it for writing).
    let r = z.sh("echo x > /dev/zt-disk");
    assert!(r.stderr.contains("Operation not permitted"), "{}", r.stderr);
    // A character device of the host that is not on the list: /dev/mem, /dev/kmsg.
    for (node, num) in [("zt-mem", "1 1"), ("zt-kmsg", "1 11")] {
        let r = z.sh(&format!(
            "mknod /dev/{node} c {num} && head -c 1 /dev/{node}"
        ));
        assert!(
            r.stderr.contains("Operation not permitted"),
            "/dev/{node} ({num}) not refused by the devices controller: {}",
            r.stderr
        );
    }
    // The standard nodes work, also a new node of one of them.
    let ok = z
        .sh(
            "echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c \
             && head -c 4 /dev/random | wc -c && head -c 4 /dev/full | wc -c \
             && mknod /dev/zt-null c 1 3 && echo x > /dev/zt-null && exec 3<>/dev/ptmx && echo ptmx",
        )
        .ok()
        .stdout;
    assert_eq!(
        ok.split_whitespace().collect::<Vec<_>>(),
        ["4", "4", "4", "4", "ptmx"]
    );
    // Also through a zone pty (zlogin -t-like use of ptmx and pts).
    let tty = z.sh("script -qc 'tty' /dev/null").ok().stdout;
    assert!(tty.contains("/dev/pts/"), "{tty}");
}

#[test]
fn a_device_resource_node_is_there_and_opens() {
    // /dev/net/tun: not on the standard list, harmless to open (making an interface needs
    // CAP_NET_ADMIN).
    let tun = std::fs::metadata("/dev/net/tun").expect("/dev/net/tun on the host");
    let z = Zone::boot(&[MKNOD, "add device\nset match=/dev/net/tun\nend"]);
    let st = z.sh("stat -c '%F %t:%T' /dev/net/tun").ok().stdout;
    assert_eq!(
        st.trim(),
        format!(
            "character special file {:x}:{:x}",
            libc::major(tun.rdev()),
            libc::minor(tun.rdev())
        )
    );
    z.sh("exec 3<>/dev/net/tun && echo opened").ok();
    // The rule is in the zone's devices cgroup (v1), after `deny a`.
    let devices = cgroup_hierarchies()
        .into_iter()
        .map(|h| z.dir_in(&h).join("devices.list"))
        .find(|f| f.exists());
    if let Some(list) = devices {
        let list = read(&list);
        assert!(list.lines().any(|l| l == "c 10:200 rwm"), "{list}");
        assert!(!list.lines().any(|l| l.starts_with("a ")), "{list}");
    }
    // Without the resource, the same node made by hand does not open.
    let plain = Zone::boot(&[MKNOD]);
    assert_ne!(plain.sh("test -e /dev/net/tun").code, 0);
    let r = plain.sh("mknod /dev/zt-tun c 10 200 && exec 3<>/dev/zt-tun");
    assert!(r.stderr.contains("Operation not permitted"), "{}", r.stderr);
}

#[test]
fn zone_root_and_writable_mounts_are_nodev() {
    let z = Zone::boot(&[
        MKNOD,
        "add fs\nset dir=/scratch\nset special=swap\nset type=tmpfs\nend",
    ]);
    // A node of /dev/null, which the devices controller allows: only nodev stops it.
    for dir in ["", "/tmp", "/root", "/dev/shm", "/scratch"] {
        let r = z.sh(&format!(
            "mknod {dir}/zt-null c 1 3 && echo made && echo x > {dir}/zt-null"
        ));
        assert!(r.stdout.contains("made"), "{dir}: mknod: {}", r.stderr);
        assert!(
            r.stderr.contains("Permission denied"),
            "a device node on {dir}/ opened: {}",
            r.stderr
        );
    }
    // The zone's /dev is the place for nodes and stays `dev`.
    z.sh("mknod /dev/zt-null c 1 3 && echo x > /dev/zt-null")
        .ok();
    let mi = z.sh("cat /proc/self/mountinfo").ok().stdout;
    let opts = |mp: &str| -> String {
        mi.lines()
            .find(|l| l.split_whitespace().nth(4) == Some(mp))
            .and_then(|l| l.split_whitespace().nth(5))
            .unwrap_or_else(|| panic!("{mp} not mounted:\n{mi}"))
            .to_string()
    };
    for mp in ["/", "/dev/shm", "/scratch", "/proc", "/sys", "/dev/mqueue"] {
        assert!(
            opts(mp).split(',').any(|o| o == "nodev"),
            "{mp}: {}",
            opts(mp)
        );
    }
    for mp in ["/dev", "/dev/pts"] {
        assert!(
            !opts(mp).split(',').any(|o| o == "nodev"),
            "{mp}: {}",
            opts(mp)
        );
    }
}

#[test]
fn the_zone_cgroup_is_the_root_in_every_hierarchy() {
    let z = Zone::boot(&[]);
    z.sh("sleep 300 >/dev/null 2>&1 < /dev/null &").ok();
    let hierarchies = cgroup_hierarchies();
    // Inside: every hierarchy, named and unified ones included, shows `/`.
    for who in ["self", "1"] {
        let own = z.sh(&format!("cat /proc/{who}/cgroup")).ok().stdout;
        assert_eq!(own.lines().count(), hierarchies.len(), "{own}");
        assert!(own.lines().all(|l| l.ends_with(":/")), "{who}:\n{own}");
    }
    // From the host: every zone process (init, the zlogin sleep) is in the zone's cgroup in
    // every hierarchy, and the zone's cgroup exists in each.
    let pids = zone_pids(z.init_pid());
    assert!(pids.len() >= 2, "the zlogin sleep is not running: {pids:?}");
    for p in &pids {
        let text = read(Path::new(&format!("/proc/{p}/cgroup")));
        for l in text.lines() {
            assert!(
                l.ends_with(&format!(":{}", z.cgroup())),
                "pid {p}: {l}\n{text}"
            );
        }
        assert_eq!(text.lines().count(), hierarchies.len());
    }
    for h in &hierarchies {
        assert!(z.dir_in(h).is_dir(), "no zone cgroup in {}", h.display());
    }
    // Every directory of the zone is in the record, so zlogin joins all of them.
    let rec: BTreeSet<PathBuf> = z.s.record(&z.name).cgroups().into_iter().collect();
    let want: BTreeSet<PathBuf> = hierarchies.iter().map(|h| z.dir_in(h)).collect();
    assert_eq!(rec, want);
}

#[test]
fn no_cgroup_can_be_made_outside_the_zone() {
    let z = Zone::boot(&[]);
    let name = unique_zone("zt-escape");
    // Straight, and through a user + cgroup namespace of its own where it may mount each
    // hierarchy (if user namespaces are open to it at all).
    let mut script = format!("mkdir /sys/fs/cgroup/{name}; ");
    let mounts = [
        "-t cgroup -o none,name=systemd",
        "-t cgroup -o devices",
        "-t cgroup -o blkio",
        "-t cgroup -o memory",
        "-t cgroup -o pids",
        "-t cgroup2",
    ];
    let inner: String = mounts
        .iter()
        .map(|m| format!("mount {m} none /mnt && {{ mkdir /mnt/{name}; umount /mnt; }}; "))
        .collect();
    script.push_str(&format!("unshare -U -r -m -C sh -c '{inner}'; true"));
    z.sh(&script);
    for h in cgroup_hierarchies() {
        let zone_dir = z.dir_in(&h);
        for d in dirs_named(&h, &name) {
            assert!(
                d.starts_with(&zone_dir),
                "the zone made the cgroup {} outside its own",
                d.display()
            );
        }
    }
    // Whatever the zone made inside its own cgroup goes with it.
    let root = z.s.root().to_path_buf();
    let cg = z.cgroup();
    z.s.zoneadm(Some(&z.name), &["halt"]).ok();
    for h in cgroup_hierarchies() {
        let d = PathBuf::from(format!("{}{cg}", h.display()));
        assert!(
            !d.exists(),
            "{} left after halt ({})",
            d.display(),
            root.display()
        );
    }
}

/// zone root makes a user and cgroup namespace, mounts the v1 memory and pids hierarchies
/// (their root is then its own cgroup) and writes higher limits.
#[test]
fn limits_cannot_be_raised_from_inside() {
    let z = Zone::boot(&[
        "add capped-memory\nset physical=256m\nend",
        "set max-processes=200",
    ]);
    let mem = cgroup_hierarchies()
        .into_iter()
        .map(|h| z.dir_in(&h).join("memory.limit_in_bytes"))
        .find(|f| f.exists())
        .expect("a v1 memory hierarchy");
    let pids = cgroup_hierarchies()
        .into_iter()
        .map(|h| z.dir_in(&h).join("pids.max"))
        .find(|f| f.exists())
        .expect("a pids hierarchy");
    assert_eq!(read(&mem), (256u64 << 20).to_string());
    assert_eq!(read(&pids), "200");
    let attack = format!(
        "unshare -U -r -m -C sh -c '\
         mount -t cgroup -o memory none /mnt && echo {} > /mnt/memory.limit_in_bytes; umount /mnt; \
         mount -t cgroup -o pids none /mnt && echo 400 > /mnt/pids.max; umount /mnt'",
        512u64 << 20
    );
    let r = z.sh(&attack);
    assert_eq!(
        read(&mem),
        (256u64 << 20).to_string(),
        "memory limit raised from inside: {} {}",
        r.stdout,
        r.stderr
    );
    assert_eq!(
        read(&pids),
        "200",
        "pids limit raised from inside: {}",
        r.stderr
    );
}

/// On the unified hierarchy the zone's cgroup carries a device program built from the same
/// rules: with the v1 controller opened wide from the host, the program alone still stops the
/// disk and still lets /dev/null through.
#[test]
fn the_device_program_on_the_unified_hierarchy_holds_alone() {
    let Some(host_unified) = cgroup_hierarchies()
        .into_iter()
        .find(|h| h.join("cgroup.controllers").exists())
    else {
        eprintln!("skipped: no cgroup2 hierarchy on this host");
        return;
    };
    let z = Zone::boot(&[MKNOD]);
    assert_eq!(
        unified_dir(&z),
        Some(z.dir_in(&host_unified)),
        "the zone has no cgroup on the unified hierarchy"
    );
    let v1 = cgroup_hierarchies()
        .into_iter()
        .map(|h| z.dir_in(&h))
        .find(|d| d.join("devices.allow").exists());
    if let Some(v1) = &v1 {
        std::fs::write(v1.join("devices.allow"), "a").unwrap();
        assert_eq!(read(&v1.join("devices.list")), "a *:* rwm");
    }
    let (major, minor) = host_block_device();
    let r = z.sh(&format!(
        "mknod /dev/zt-disk b {major} {minor} && head -c 512 /dev/zt-disk | wc -c"
    ));
    assert!(
        r.stderr.contains("Operation not permitted"),
        "the disk opened with only the device program in the way: {} {}",
        r.stdout,
        r.stderr
    );
    z.sh("echo x > /dev/null && exec 3<>/dev/ptmx").ok();
}

#[test]
fn the_plan_shows_the_device_rules() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("devplan");
    s.configure(&zone, &["add device\nset match=/dev/net/tun\nend"]);
    let out = s.zoneadm(Some(&zone), &["plan"]).ok().stdout;
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules = plan["linux"]["resources"]["devices"]
        .as_array()
        .unwrap_or_else(|| panic!("no device rules in the plan:\n{out}"));
    assert_eq!(rules[0]["allow"], false);
    assert_eq!(rules[0]["type"], "a");
    let allowed: Vec<String> = rules[1..]
        .iter()
        .map(|r| {
            assert_eq!(r["allow"], true, "{r}");
            format!(
                "{} {}:{} {}",
                r["type"].as_str().unwrap(),
                r["major"].as_i64().map_or("*".into(), |m| m.to_string()),
                r["minor"].as_i64().map_or("*".into(), |m| m.to_string()),
                r["access"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "c 1:3 rwm",
        "c 5:2 rwm",
        "c 136:* rwm",
        "c 10:200 rwm",
        "b *:* m",
    ] {
        assert!(
            allowed.iter().any(|a| a == want),
            "{want} not in {allowed:?}"
        );
    }
}
