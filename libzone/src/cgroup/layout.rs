//! Where the cgroup hierarchies are mounted, read from `/proc/self/mountinfo`. Paths are
//! never assumed: distributions co-mount `cpu,cpuacct`, some hosts mount single controllers,
//! containers see subtrees, and the unified hierarchy may live anywhere.

use super::controller::Controller;
use super::error::{CgroupError, Result};
use super::fs;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MOUNTINFO: &str = "/proc/self/mountinfo";

/// Where a pure-v2 host mounts its unified hierarchy; only used to decide the mode.
pub const DEFAULT_ROOT: &str = "/sys/fs/cgroup";

/// One cgroup or cgroup2 mount from mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMount {
    pub mount_point: PathBuf,
    /// The super block (`major:minor` of mountinfo): one per hierarchy, shared by every
    /// mount of it.
    pub dev: String,
    /// The hierarchy path mounted there (`/` unless a subtree was bind-mounted).
    pub root: PathBuf,
    pub kind: MountKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountKind {
    /// A v1 hierarchy with its super-block options: controller names, `name=...`, `rw`, ...
    V1 {
        options: Vec<String>,
    },
    V2,
}

/// The unified (cgroup2) hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Mount {
    pub mount_point: PathBuf,
    /// The root's `cgroup.controllers`: what can be enabled below it.
    pub controllers: Vec<String>,
}

/// Which interface drives the controllers on this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// v1 hierarchies (also "hybrid": v1 controllers plus a cgroup2 mount on the side).
    V1,
    /// The unified hierarchy only.
    V2,
}

/// The host's cgroup mounts as far as the zones runtime cares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Mount point of the v1 hierarchy holding each controller (co-mounted controllers share
    /// one mount point).
    pub v1: BTreeMap<Controller, PathBuf>,
    /// Mount points of the other v1 hierarchies: named ones (`name=systemd`) and those of
    /// controllers the runtime does not drive (`blkio`, `net_cls`, ...). A zone's cgroup
    /// exists in them too, so that its processes are rooted at the zone in every hierarchy.
    pub v1_other: Vec<PathBuf>,
    pub v2: Option<V2Mount>,
}

impl Layout {
    /// Read this process's mounts and the unified root's `cgroup.controllers`.
    pub fn discover() -> Result<Layout> {
        let path = Path::new(MOUNTINFO);
        let text = fs::read(path)?;
        let mounts = parse_mountinfo(&text, path)?;
        let mut layout = Layout::from_mounts(&mounts);
        if let Some(v2) = layout.v2.as_mut() {
            // Informational only; an unreadable unified root must not break a v1 host.
            v2.controllers = read_controllers(&v2.mount_point).unwrap_or_default();
        }
        Ok(layout)
    }

    /// Build the layout from parsed mounts; `v2.controllers` is left empty (it needs I/O).
    /// A later mount on the same mount point hides an earlier one. Among several mounts of
    /// one hierarchy, the first that shows its root wins; the first cgroup2 mount is the
    /// system's unified tree (later ones are usually private mounts made by tools or tests).
    pub fn from_mounts(mounts: &[CgroupMount]) -> Layout {
        let visible: Vec<&CgroupMount> = mounts
            .iter()
            .enumerate()
            .filter(|(i, m)| {
                !mounts[i + 1..]
                    .iter()
                    .any(|later| later.mount_point == m.mount_point)
            })
            .map(|(_, m)| m)
            .collect();

        let mut layout = Layout::default();
        let mut v1_root: BTreeMap<Controller, bool> = BTreeMap::new();
        let mut v2_root = false;
        // Hierarchies without a controller of ours, by super block: (mount point, at root).
        let mut other: BTreeMap<&str, (PathBuf, bool)> = BTreeMap::new();
        for m in visible {
            let at_root = m.root == Path::new("/");
            match &m.kind {
                MountKind::V1 { options } => {
                    let ours: Vec<Controller> = options
                        .iter()
                        .filter_map(|o| Controller::from_name(o))
                        .collect();
                    if ours.is_empty() {
                        let better = match other.get(m.dev.as_str()) {
                            None => true,
                            Some((_, had_root)) => !had_root && at_root,
                        };
                        if better {
                            other.insert(&m.dev, (m.mount_point.clone(), at_root));
                        }
                    }
                    for c in ours {
                        let better = match v1_root.get(&c) {
                            None => true,
                            Some(had_root) => !had_root && at_root,
                        };
                        if better {
                            layout.v1.insert(c, m.mount_point.clone());
                            v1_root.insert(c, at_root);
                        }
                    }
                }
                MountKind::V2 => {
                    if layout.v2.is_none() || (!v2_root && at_root) {
                        layout.v2 = Some(V2Mount {
                            mount_point: m.mount_point.clone(),
                            controllers: Vec::new(),
                        });
                        v2_root = at_root;
                    }
                }
            }
        }
        layout.v1_other = other.into_values().map(|(p, _)| p).collect();
        layout.v1_other.sort();
        layout
    }

    /// V2 when the unified hierarchy is the host's cgroup root, or when it is all there is;
    /// otherwise V1 (a hybrid host keeps its controllers in v1).
    pub fn mode(&self) -> Result<Mode> {
        match &self.v2 {
            Some(v2) if v2.mount_point == Path::new(DEFAULT_ROOT) => Ok(Mode::V2),
            _ if !self.v1.is_empty() => Ok(Mode::V1),
            Some(_) => Ok(Mode::V2),
            None => Err(CgroupError::NoHierarchy),
        }
    }
}

/// The controllers listed in `<dir>/cgroup.controllers`.
pub(crate) fn read_controllers(dir: &Path) -> Result<Vec<String>> {
    let text = fs::read(&dir.join("cgroup.controllers"))?;
    Ok(text.split_whitespace().map(str::to_owned).collect())
}

/// The cgroup and cgroup2 entries of a mountinfo text (proc(5) format:
/// `id parent maj:min root mount-point options [optional...] - fstype source super-options`).
/// `path` only names the source in errors.
pub fn parse_mountinfo(text: &str, path: &Path) -> Result<Vec<CgroupMount>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || CgroupError::BadMountinfo {
            path: path.to_path_buf(),
            line: i + 1,
        };
        let fields: Vec<&str> = line.split(' ').collect();
        let sep = fields.iter().position(|f| *f == "-").ok_or_else(bad)?;
        if sep < 6 || fields.len() < sep + 3 {
            return Err(bad());
        }
        let mount_point = PathBuf::from(unescape(fields[4]));
        // A later mount on the same mount point (of any type) hides the earlier ones.
        out.retain(|m: &CgroupMount| m.mount_point != mount_point);
        let fstype = fields[sep + 1];
        let kind = match fstype {
            "cgroup" => MountKind::V1 {
                options: fields[sep + 3].split(',').map(str::to_owned).collect(),
            },
            "cgroup2" => MountKind::V2,
            _ => continue,
        };
        out.push(CgroupMount {
            mount_point,
            dev: fields[2].to_owned(),
            root: PathBuf::from(unescape(fields[3])),
            kind,
        });
    }
    Ok(out)
}

/// mountinfo writes space, tab, newline and backslash in paths as `\ooo` octal escapes.
fn unescape(field: &str) -> String {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            let digits = &b[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let v = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                if let Ok(v) = u8::try_from(v) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    // This host: separate v1 hierarchies, cgroup2 on the side with hugetlb only.
    const HYBRID: &str = "\
23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    // A classic distribution: cpu and cpuacct co-mounted, optional fields present.
    const COMOUNTED: &str = "\
25 24 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
32 25 0:29 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpuset,clone_children
";

    const PURE_V2: &str = "\
22 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
27 22 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    fn layout(text: &str) -> Layout {
        Layout::from_mounts(&parse_mountinfo(text, Path::new("mi")).unwrap())
    }

    #[test]
    fn hybrid_is_v1_with_separate_hierarchies() {
        let l = layout(HYBRID);
        assert_eq!(l.mode().unwrap(), Mode::V1);
        assert_eq!(l.v1[&Controller::Cpu], Path::new("/sys/fs/cgroup/cpu"));
        assert_eq!(
            l.v1[&Controller::Cpuacct],
            Path::new("/sys/fs/cgroup/cpuacct")
        );
        assert_eq!(
            l.v1[&Controller::Freezer],
            Path::new("/sys/fs/cgroup/freezer")
        );
        assert_eq!(l.v1.len(), 7);
        assert_eq!(
            l.v1_other,
            [
                Path::new("/sys/fs/cgroup/blkio"),
                Path::new("/sys/fs/cgroup/systemd")
            ]
        );
        assert_eq!(
            l.v2.unwrap().mount_point,
            Path::new("/sys/fs/cgroup/unified")
        );
    }

    #[test]
    fn comounted_cpu_cpuacct_share_a_mount_point() {
        let l = layout(COMOUNTED);
        assert_eq!(l.mode().unwrap(), Mode::V1);
        let both = Path::new("/sys/fs/cgroup/cpu,cpuacct");
        assert_eq!(l.v1[&Controller::Cpu], both);
        assert_eq!(l.v1[&Controller::Cpuacct], both);
        assert_eq!(
            l.v1[&Controller::Cpuset],
            Path::new("/sys/fs/cgroup/cpuset")
        );
        assert!(!l.v1.contains_key(&Controller::Pids));
        assert!(!l.v1.contains_key(&Controller::Freezer));
    }

    #[test]
    fn other_hierarchies_once_each_root_mount_preferred() {
        let l = layout(COMOUNTED);
        assert_eq!(l.v1_other, [Path::new("/sys/fs/cgroup/systemd")]);
        // A second mount of name=systemd (same super block) showing a subtree, and a named
        // hierarchy of its own.
        let text = "\
1 0 0:24 /sub /mnt/sd rw - cgroup cgroup rw,name=systemd
2 0 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
3 0 0:40 / /mnt/mine rw - cgroup cgroup rw,name=mine
4 0 0:41 / /mnt/netcls rw - cgroup cgroup rw,net_cls,net_prio
";
        let l = layout(text);
        assert_eq!(
            l.v1_other,
            [
                Path::new("/mnt/mine"),
                Path::new("/mnt/netcls"),
                Path::new("/sys/fs/cgroup/systemd")
            ]
        );
        assert!(l.v1.is_empty());
        assert!(layout(PURE_V2).v1_other.is_empty());
    }

    #[test]
    fn pure_v2() {
        let l = layout(PURE_V2);
        assert!(l.v1.is_empty());
        assert_eq!(l.mode().unwrap(), Mode::V2);
        assert_eq!(l.v2.unwrap().mount_point, Path::new("/sys/fs/cgroup"));
    }

    #[test]
    fn v2_elsewhere_alone_is_v2_and_nothing_is_an_error() {
        let l = layout("1 0 0:9 / /mnt/cg rw - cgroup2 none rw\n");
        assert_eq!(l.mode().unwrap(), Mode::V2);
        let l = layout("1 0 0:9 / / rw - ext4 /dev/sda1 rw\n");
        assert!(matches!(l.mode(), Err(CgroupError::NoHierarchy)));
    }

    #[test]
    fn first_cgroup2_mount_wins_later_private_mounts_do_not() {
        let text = format!("{HYBRID}90 31 0:38 / /tmp/.tmpXYZ rw,relatime - cgroup2 none rw\n");
        let l = layout(&text);
        assert_eq!(
            l.v2.unwrap().mount_point,
            Path::new("/sys/fs/cgroup/unified")
        );
    }

    #[test]
    fn subtree_mount_loses_to_root_mount_and_shadowed_mounts_vanish() {
        let text = "\
1 0 0:30 /lxc/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
2 0 0:30 / /host/memory rw - cgroup cgroup rw,memory
3 0 0:31 / /a rw - cgroup cgroup rw,pids
4 0 0:5 / /a rw - tmpfs tmpfs rw
";
        let l = layout(text);
        assert_eq!(l.v1[&Controller::Memory], Path::new("/host/memory"));
        assert!(!l.v1.contains_key(&Controller::Pids));
    }

    #[test]
    fn escapes_and_errors() {
        let m = parse_mountinfo(
            "5 1 0:3 / /mnt/my\\040cg rw shared:1 master:2 - cgroup2 none rw\n",
            Path::new("mi"),
        )
        .unwrap();
        assert_eq!(m[0].mount_point, Path::new("/mnt/my cg"));
        let err = parse_mountinfo("1 2 3\n", Path::new("mi")).unwrap_err();
        assert_eq!(err.to_string(), "mi:1: malformed mount entry");
        assert!(parse_mountinfo("\n", Path::new("mi")).unwrap().is_empty());
    }

    #[test]
    fn discover_on_this_host_does_not_fail() {
        // Whatever the host, discovery must parse it.
        let l = Layout::discover().unwrap();
        let _ = l.mode();
    }
}
