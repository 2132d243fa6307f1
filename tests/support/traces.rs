//! What of a zone is left on the host (leak checks): processes in its cgroups or holding its
//! namespaces, its zoneadmd, cgroup directories, mounts of its root, runtime files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `comm (state) cmdline` of a process, for messages.
fn describe(pid: i32) -> String {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat
        .rfind(')')
        .map_or("?", |i| stat.get(i + 2..i + 3).unwrap_or("?"));
    let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default();
    format!("{} ({state}) {}", comm.trim(), cmd.trim())
}

/// Whether a process belongs to a zone other than `zone` of `root` (`None`: other than any
/// zone of `root`): it is in another zone's cgroup, or it is the zoneadmd of another zone (or
/// zoneadm's child on its way to be one, or the zone process that forks before it joins the
/// zone's cgroup, all of which carry zoneadm's `-R root -z zone` arguments).
fn of_other_zone(pid: i32, root: &Path, zone: Option<&str>) -> bool {
    let ours = cgroup_parent(root);
    let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
    let in_other_cgroup = cgroup.lines().any(|l| {
        let path = l.splitn(3, ':').nth(2).unwrap_or("");
        let mut comps = path.trim_start_matches('/').split('/');
        let parent = comps.next().unwrap_or("");
        let name = comps.next();
        (parent == "zones" || parent.starts_with("zones-"))
            && name.is_some()
            && (parent != ours || zone.is_some_and(|z| name != Some(z)))
    });
    let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default();
    let arg = |flag: &str| {
        let mut words = cmd.split_whitespace();
        words
            .by_ref()
            .any(|w| w == flag)
            .then(|| words.next())
            .flatten()
    };
    let other_root = arg("-R").is_some_and(|r| Path::new(r) != root);
    let other_zone = zone.is_some_and(|z| arg("-z").is_some_and(|n| n != z));
    in_other_cgroup || other_root || other_zone
}

/// Whether a process exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            rest.chars().next()
        })
        .is_some_and(|st| st != 'Z')
}

/// Every pid in `/proc`.
fn pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect()
}

/// The cgroup parent of zones under `root` (libzone's name: `zones-` and the FNV-1a hash of
/// the canonical root path).
pub fn cgroup_parent(root: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let canonical = root.canonicalize().unwrap();
    let hash = canonical
        .as_os_str()
        .as_bytes()
        .iter()
        .fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
        });
    format!("zones-{hash:08x}")
}

/// The namespaces of a zone's init (`mnt:[...]`, `pid:[...]`), taken while it runs: once the
/// zone is gone, no process may hold them.
#[derive(Debug, Clone, Default)]
pub struct ZoneNs {
    pub mnt: String,
    pub pid: String,
}

/// The namespaces of the running process `init`.
pub fn zone_ns(init: i32) -> ZoneNs {
    let ns = |k: &str| {
        std::fs::read_link(format!("/proc/{init}/ns/{k}"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    ZoneNs {
        mnt: ns("mnt"),
        pid: ns("pid"),
    }
}

/// Everything of `zone` (or, with `zone == None`, of every zone of the root) still on the
/// host: live processes (in its cgroup, in its namespaces, its zoneadmd), cgroup
/// directories, mounts of its root, its runtime record. Empty when it is fully cleaned.
pub fn traces(root: &Path, zone: Option<&str>, ns: &[ZoneNs]) -> Vec<String> {
    let mut out = Vec::new();
    let parent = cgroup_parent(root);
    let cg_rel = match zone {
        Some(z) => format!("/{parent}/{z}"),
        None => format!("/{parent}"),
    };
    let root_s = root.to_string_lossy().into_owned();
    let zone_arg = zone.map(|z| format!(" -z {z} "));
    for pid in pids() {
        if !alive(pid) {
            continue;
        }
        let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        if cgroup
            .lines()
            .any(|l| l.ends_with(&cg_rel) || l.contains(&format!("{cg_rel}/")))
        {
            out.push(format!(
                "process {pid} in cgroup {cg_rel}: {}",
                describe(pid)
            ));
        }
        for n in ns {
            for (kind, want) in [("mnt", &n.mnt), ("pid", &n.pid)] {
                let have = std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // Namespace inode numbers are reused once a namespace is freed: a process of
                // another zone (booting in a parallel test) may hold the same number.
                if &have == want && !of_other_zone(pid, root, zone) {
                    out.push(format!(
                        "process {pid} holds the zone's {want}: {}",
                        describe(pid)
                    ));
                }
            }
        }
        // zoneadmd, or zoneadm's child that has not yet executed it.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| format!("{} ", String::from_utf8_lossy(&b).replace('\0', " ")))
            .unwrap_or_default();
        let supervisor =
            comm.trim() == "zoneadmd" || comm.trim() == "zoneadm" || cmd.contains("zoneadmd ");
        if supervisor
            && cmd.contains(&format!(" -R {root_s} "))
            && zone_arg.as_ref().is_none_or(|z| cmd.contains(z))
        {
            out.push(format!("zoneadmd {pid} still running: {cmd}"));
        }
    }
    for h in cgroup_hierarchies() {
        let d = PathBuf::from(format!("{}{cg_rel}", h.display()));
        if d.exists() {
            out.push(format!("cgroup {}", d.display()));
        }
    }
    let zroot = match zone {
        Some(z) => format!("{root_s}/zones/{z}"),
        None => format!("{root_s}/"),
    };
    for l in std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
    {
        if l.contains(&zroot) {
            out.push(format!("mount {l}"));
        }
    }
    let run_dir = root.join("var/run/zones");
    if let Ok(rd) = std::fs::read_dir(&run_dir) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let runtime = n.ends_with(".state")
                || n.ends_with(".zoneadmd_sock")
                || n.ends_with(".console_sock")
                || n.ends_with(".seccomp")
                || n.ends_with(".keeper_sock");
            if runtime && zone.is_none_or(|z| n.starts_with(&format!("{z}."))) {
                out.push(format!("runtime file {n}"));
            }
        }
    }
    out
}

/// Poll `f` until it returns `None` (success) or `timeout` passes; the last complaint.
pub fn eventually(timeout: Duration, mut f: impl FnMut() -> Option<String>) -> Result<(), String> {
    let end = Instant::now() + timeout;
    loop {
        match f() {
            None => return Ok(()),
            Some(why) if Instant::now() >= end => return Err(why),
            Some(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Wait up to `timeout` for nothing of `zone` (as `traces` says) to be left; what is left
/// otherwise.
pub fn gone_within(
    timeout: Duration,
    root: &Path,
    zone: Option<&str>,
    ns: &[ZoneNs],
) -> Result<(), String> {
    eventually(timeout, || {
        let t = traces(root, zone, ns);
        (!t.is_empty()).then(|| format!("{t:#?}"))
    })
}

/// The mount point of every cgroup hierarchy on the host, v1 (named ones included) and v2,
/// one per hierarchy, from `/proc/self/mountinfo` (not only what `/sys/fs/cgroup` holds).
pub fn cgroup_hierarchies() -> Vec<PathBuf> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mi = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    for l in mi.lines() {
        let Some((left, right)) = l.split_once(" - ") else {
            continue;
        };
        let fstype = right.split_whitespace().next().unwrap_or("");
        let f: Vec<&str> = left.split_whitespace().collect();
        if !matches!(fstype, "cgroup" | "cgroup2") || f.len() < 5 || f[3] != "/" {
            continue;
        }
        // One entry per super block (a hierarchy may be mounted more than once).
        if seen.insert(f[2].to_string()) {
            out.push(PathBuf::from(f[4].replace("\\040", " ")));
        }
    }
    out
}

/// cgroup directories under any hierarchy whose name starts with `prefix` (leak checks).
pub fn cgroups_named(prefix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for h in cgroup_hierarchies() {
        if let Ok(inner) = std::fs::read_dir(&h) {
            for e in inner.flatten() {
                if e.file_name().to_string_lossy().starts_with(prefix) && e.path().is_dir() {
                    out.push(e.path());
                }
            }
        }
    }
    out
}
