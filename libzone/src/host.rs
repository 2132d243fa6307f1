//! Facts about the host that turn a zone configuration into a plan: how the host lays out its
//! system directories, which CPUs are online, which device nodes exist. Probed once per
//! command; `plan::compile` itself stays pure.

use std::path::{Path, PathBuf};

/// The host's system directories that sparse zones reproduce.
pub const SYSTEM_DIRS: [&str; 6] = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/// How the host has one of its system directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostDir {
    /// A symlink, e.g. `/bin -> usr/bin` on a merged-/usr host.
    Symlink(PathBuf),
    /// A real directory, bound read-only into the zone.
    Dir,
}

/// A device node on the host (for `device` resources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostDevice {
    pub path: String,
    /// `c` or `b`.
    pub kind: char,
    pub major: u64,
    pub minor: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostFacts {
    pub system_dirs: Vec<(String, HostDir)>,
    pub online_cpus: Vec<u32>,
    pub devices: Vec<HostDevice>,
    /// The capabilities this host lets us hand out (our bounding set, `CAP_*` names);
    /// `None` when unknown. A zone can never hold one outside it.
    pub bounding_caps: Option<std::collections::BTreeSet<String>>,
}

impl HostFacts {
    /// A host with CPU 0 and nothing else known: for tests whose plans must not depend on
    /// the machine they run on.
    #[cfg(test)]
    pub(crate) fn one_cpu() -> HostFacts {
        HostFacts {
            system_dirs: vec![],
            online_cpus: vec![0],
            devices: vec![],
            bounding_caps: None,
        }
    }

    /// Probe the running host. `with_devices` scans `/dev` (only needed when a zone has
    /// `device` resources).
    pub fn probe(with_devices: bool) -> HostFacts {
        HostFacts {
            system_dirs: probe_system_dirs(Path::new("/")),
            online_cpus: online_cpus(),
            devices: if with_devices {
                scan_devices(Path::new("/dev"))
            } else {
                Vec::new()
            },
            bounding_caps: caps::read(None, caps::CapSet::Bounding)
                .ok()
                .map(|set| set.iter().map(|c| c.to_string()).collect()),
        }
    }
}

/// The system directories present under `root`, and whether each is a symlink.
pub fn probe_system_dirs(root: &Path) -> Vec<(String, HostDir)> {
    let mut out = Vec::new();
    for d in SYSTEM_DIRS {
        let p = root.join(d.trim_start_matches('/'));
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(target) = std::fs::read_link(&p) {
                    out.push((d.to_string(), HostDir::Symlink(target)));
                }
            }
            Ok(m) if m.is_dir() => out.push((d.to_string(), HostDir::Dir)),
            _ => {}
        }
    }
    out
}

/// Where Linux lists the online CPUs.
pub const ONLINE_CPUS: &str = "/sys/devices/system/cpu/online";

/// Parse the kernel's CPU list format (`0-3,8,10-11`): the CPUs, sorted, each once; why not
/// when the text is not such a list.
pub fn parse_cpu_list(text: &str) -> Result<Vec<u32>, String> {
    let mut cpus = Vec::new();
    let text = text.trim();
    if text.is_empty() {
        return Ok(cpus);
    }
    for part in text.split(',') {
        let part = part.trim();
        let num = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("'{s}' is not a CPU number"))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(format!("'{part}' is an empty range"));
                }
                cpus.extend(a..=b);
            }
            None => cpus.push(num(part)?),
        }
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// Format CPU ids as a kernel CPU list (`0-3,8`).
pub fn format_cpu_list(cpus: &[u32]) -> String {
    let mut v = cpus.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && v[i + 1] == end + 1 {
            i += 1;
            end = v[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(",")
}

/// The online CPUs (`/sys/devices/system/cpu/online`), falling back to `0..nproc`.
pub fn online_cpus() -> Vec<u32> {
    std::fs::read_to_string(ONLINE_CPUS)
        .ok()
        .and_then(|s| parse_cpu_list(&s).ok())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            (0..n as u32).collect()
        })
}

fn scan_devices(dir: &Path) -> Vec<HostDevice> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let ft = m.file_type();
            let kind = if ft.is_char_device() {
                'c'
            } else if ft.is_block_device() {
                'b'
            } else {
                if ft.is_dir() && !p.starts_with("/dev/pts") && !p.starts_with("/dev/shm") {
                    stack.push(p);
                }
                continue;
            };
            let rdev = m.rdev();
            out.push(HostDevice {
                path: p.to_string_lossy().into_owned(),
                kind,
                major: nix::sys::stat::major(rdev),
                minor: nix::sys::stat::minor(rdev),
                mode: m.mode() & 0o7777,
                uid: m.uid(),
                gid: m.gid(),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(
            parse_cpu_list("0-3,8,10-11\n"),
            Ok(vec![0, 1, 2, 3, 8, 10, 11])
        );
        assert_eq!(parse_cpu_list("0-3\n"), Ok(vec![0, 1, 2, 3]));
        assert_eq!(parse_cpu_list("0,2-3,7"), Ok(vec![0, 2, 3, 7]));
        assert_eq!(parse_cpu_list("5"), Ok(vec![5]));
        assert_eq!(parse_cpu_list(""), Ok(vec![]));
        assert!(parse_cpu_list("3-1").is_err());
        assert!(parse_cpu_list("x").is_err());
        assert!(parse_cpu_list("a").is_err());
        assert!(parse_cpu_list("1,,2").is_err());
        assert_eq!(format_cpu_list(&[0, 1, 2, 3, 8, 10, 11]), "0-3,8,10-11");
        assert_eq!(format_cpu_list(&[5]), "5");
        assert_eq!(format_cpu_list(&[]), "");
    }

    #[test]
    fn system_dirs_follow_layout() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("usr")).unwrap();
        std::os::unix::fs::symlink("usr/bin", t.path().join("bin")).unwrap();
        std::fs::create_dir(t.path().join("lib")).unwrap();
        let dirs = probe_system_dirs(t.path());
        assert_eq!(
            dirs,
            vec![
                ("/bin".to_string(), HostDir::Symlink("usr/bin".into())),
                ("/lib".to_string(), HostDir::Dir)
            ]
        );
    }
}
