//! The seed session end to end, as root, in a scratch alternate root: configure a zone
//! (`create; set zonepath; set autoboot=true; commit`), install it, boot it, list it, run a
//! command in it, halt, uninstall and delete it; and the host is exactly as before.
//!
//! "Exactly as before" is checked on what this test can own: mounts, cgroups and
//! zoneadmd/zinit processes that belong to its scratch root (other zones may run on the same
//! host at the same time: other tests, other checkouts), and every file under the root.

use std::collections::BTreeSet;
use std::path::Path;
use zones_tests::{cgroup_parent, cgroups_named, require_root, unique_zone, Scratch};

/// `zonecfg -z <zone>`: create; set zonepath=/zones/<zone>; set autoboot=true; commit.
fn configure(s: &Scratch, zone: &str) {
    s.configure(zone, &["set autoboot=true"]);
}

/// `zonecfg -z <zone> delete -F`.
fn delete(s: &Scratch, zone: &str) {
    s.zonecfg(zone, &["delete", "-F"], None).ok();
}

/// What of the host belongs to a scratch root: mounts under it, its cgroups in every
/// hierarchy, and the zoneadmd/zinit processes of its zones.
#[derive(Debug, PartialEq, Eq)]
struct HostView {
    mounts: BTreeSet<String>,
    cgroups: BTreeSet<String>,
    procs: BTreeSet<String>,
}

fn host_view(root: &Path) -> HostView {
    let root_s = root.to_string_lossy().into_owned();
    let canon = root.canonicalize().unwrap().to_string_lossy().into_owned();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(&root_s) || l.contains(&canon))
        .map(str::to_string)
        .collect();
    let parent = cgroup_parent(root);
    let cgroups = cgroups_named("zones-")
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == parent.as_str()))
        .map(|p| p.display().to_string())
        .collect();
    let mut procs = BTreeSet::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let comm = comm.trim();
        if comm != "zoneadmd" && comm != "zinit" {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        let ours = cmdline.contains(&root_s) || cmdline.contains(&canon) || {
            cgroup.contains(&format!("/{parent}/")) || cgroup.contains(&format!("/{parent}\n"))
        };
        if ours {
            procs.insert(format!("{pid} {comm} {cmdline}"));
        }
    }
    HostView {
        mounts,
        cgroups,
        procs,
    }
}

/// Every path under `root`, relative, with `/` appended to directories.
fn files(root: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                out.insert(format!("{rel}/"));
                walk(base, &p, out);
            } else {
                out.insert(rel);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

/// `Progress being logged to <root>/var/log/zones/zoneadm.<YYYYMMDDThhmmssZ>.<zone>.install`:
/// the log's path, if the line has that shape.
fn install_log_path(stdout: &str, root: &Path, zone: &str) -> Option<String> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Progress being logged to "))?;
    let dir = format!("{}/var/log/zones/", root.display());
    let name = line.strip_prefix(&dir)?;
    let stamp = name
        .strip_prefix("zoneadm.")?
        .strip_suffix(&format!(".{zone}.install"))?;
    let b = stamp.as_bytes();
    let shaped = b.len() == 16
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z';
    shaped.then(|| line.to_string())
}

/// Files a zone's life may leave under the root once the zone is deleted, as on Solaris: the
/// install, supervisor and console logs, the lock files, and the directories that hold them
/// (plus the empty parent of the zonepath, which install had to create). The store's templates
/// (`SYSdefault.xml`, ...) belong to no zone: the store lays them down on first use, which
/// is zonecfg's `create` with the real command and the first zoneadm without it.
fn allowed_leftover(path: &str, zone: &str) -> bool {
    if let Some(name) = path.strip_prefix("etc/zones/") {
        return name.starts_with("SYS") && name.ends_with(".xml");
    }
    let dirs = [
        "var/",
        "var/log/",
        "var/log/zones/",
        "var/run/",
        "var/run/zones/",
        "var/run/zones/seccomp/",
        "zones/",
    ];
    if dirs.contains(&path) {
        return true;
    }
    if let Some(name) = path.strip_prefix("var/log/zones/") {
        return name == format!("{zone}.zoneadmd.log")
            || name == format!("{zone}.console")
            || (name.starts_with("zoneadm.") && name.ends_with(&format!(".{zone}.install")));
    }
    // Compiled seccomp filters, kept for the next boot of any zone with the same filter.
    if let Some(name) = path.strip_prefix("var/run/zones/seccomp/") {
        return name.ends_with(".bpf") && !name.contains('/');
    }
    if let Some(name) = path.strip_prefix("var/run/zones/") {
        return name == "index.lock"
            || name == "zoneid.lock"
            || name == "pools.lock"
            || name == format!("{zone}.zoneadm.lock");
    }
    false
}

#[test]
fn seed_session_end_to_end_leaves_the_host_as_before() {
    require_root();
    let s = Scratch::new();
    let root = s.root().to_path_buf();
    let zone = unique_zone("webzone");
    let before = host_view(&root);

    // zonecfg -z webzone: create; set zonepath=/zones/webzone; set autoboot=true; commit
    configure(&s, &zone);
    let configured_files = files(&root);
    let list = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(
        lines[0], "  ID NAME             STATUS     PATH                           BRAND    IP    ",
        "{list}"
    );
    assert!(
        lines[1].split_whitespace().collect::<Vec<_>>()
            == ["0", "global", "running", "/", "linux", "shared"],
        "{list}"
    );
    let row: Vec<&str> = lines
        .iter()
        .find(|l| l.split_whitespace().nth(1) == Some(zone.as_str()))
        .unwrap_or_else(|| panic!("no row for {zone}:\n{list}"))
        .split_whitespace()
        .collect();
    assert_eq!(
        row,
        [
            "-",
            zone.as_str(),
            "configured",
            &format!("/zones/{zone}"),
            "sparse",
            "shared"
        ]
    );

    // zoneadm -z webzone install
    let inst = s.zoneadm(Some(&zone), &["install"]).ok();
    let log = install_log_path(&inst.stdout, &root, &zone).unwrap_or_else(|| {
        panic!(
            "install does not say `Progress being logged to {}/var/log/zones/\
             zoneadm.<YYYYMMDDThhmmssZ>.{zone}.install`:\n{}",
            root.display(),
            inst.stdout
        )
    });
    assert!(Path::new(&log).is_file(), "install log {log} missing");
    assert!(
        std::fs::read_to_string(&log).unwrap().contains(&zone),
        "install log {log} does not mention the zone"
    );
    assert!(root.join(format!("zones/{zone}/root")).is_dir());

    // zoneadm -z webzone boot
    s.zoneadm(Some(&zone), &["boot"]).ok();
    let list = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    let global = list
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("global"))
        .unwrap_or_else(|| panic!("no global row:\n{list}"));
    assert_eq!(global.split_whitespace().next(), Some("0"), "{list}");
    let row: Vec<&str> = list
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(zone.as_str()))
        .unwrap_or_else(|| panic!("no row for {zone}:\n{list}"))
        .split_whitespace()
        .collect();
    assert!(
        row[0].parse::<u32>().is_ok_and(|id| id > 0),
        "zone id not numeric:\n{list}"
    );
    assert_eq!(row[2], "running", "{list}");
    let running = host_view(&root);
    assert!(
        !running.cgroups.is_empty(),
        "a running zone has cgroups under {}",
        cgroup_parent(&root)
    );
    assert!(
        running.procs.iter().any(|p| p.contains("zoneadmd"))
            && running.procs.iter().any(|p| p.contains("zinit")),
        "a running zone has its zoneadmd and zinit: {:?}",
        running.procs
    );

    // zlogin webzone uname -n
    let uname = s.zlogin(&[&zone, "uname", "-n"], None).ok();
    assert_eq!(uname.stdout.trim(), zone);

    // halt, uninstall -F, zonecfg delete -F
    s.zoneadm(Some(&zone), &["halt"]).ok();
    let list = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().take(3).collect::<Vec<_>>() == ["-", &zone, "installed"]),
        "{list}"
    );
    s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();
    assert!(!root.join(format!("zones/{zone}")).exists());
    delete(&s, &zone);
    let list = s.zoneadm(None, &["list", "-cv"]).ok().stdout;
    assert!(!list.contains(&zone), "{list}");

    let after = host_view(&root);
    assert_eq!(before, after, "the host differs from before the session");

    let now = files(&root);
    let gone: Vec<&String> = configured_files.difference(&now).collect();
    assert_eq!(
        gone,
        [&format!("etc/zones/{zone}.xml")],
        "only the zone's configuration may have gone"
    );
    let extra: Vec<&String> = now
        .difference(&configured_files)
        .filter(|p| !allowed_leftover(p, &zone))
        .collect();
    assert!(extra.is_empty(), "left under the root: {extra:?}");
    assert!(
        !root.join("zones").exists() || files(&root.join("zones")).is_empty(),
        "the zonepath's parent is not empty"
    );
    let index = std::fs::read_to_string(root.join("etc/zones/index")).unwrap();
    assert!(
        !index.lines().any(|l| l.starts_with(&format!("{zone}:"))),
        "{index}"
    );
}
