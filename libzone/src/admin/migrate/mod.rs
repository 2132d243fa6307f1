//! Moving installed zones around: `clone` (a new zone from an installed one's files), `move`
//! (a new zonepath), `detach` and `attach` (a zonepath leaves one system, or alternate root,
//! and joins another with the manifest `SUNWdetached.xml` it carries).
//!
//! What they share lives here: the mounts a halted zone must not have below its zonepath, the
//! owner file that ties a zonepath to its zone, the brand's check that a tree can be its
//! zone root, and edits made inside a zone root without ever leaving it.

pub mod attach;
pub mod clone;
pub mod detach;
pub mod move_zone;

use super::AdminError;
use crate::brand::{Brand, InitKind};
use crate::state::ZoneState;
use crate::store::Store;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::Mode;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

fn io_msg(path: &Path, e: &std::io::Error) -> String {
    format!("{}: {}", path.display(), crate::pool::error::io_reason(e))
}

/// The mount points at `dir` or below it (from `/proc/self/mountinfo`), deepest last.
pub fn mounts_below(dir: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return Vec::new();
    };
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    parse_mounts_below(&text, &dir)
}

fn parse_mounts_below(mountinfo: &str, dir: &Path) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape_mount_path(p)))
        .filter(|p| p.starts_with(dir))
        .collect()
}

/// mountinfo writes space, tab, newline and backslash in a path as `\ooo`.
fn unescape_mount_path(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Refuse when something is mounted at or below `dir` (Solaris' `zonecfg_find_mounts`
/// check): a halted zone's files are all on its zonepath's own file system.
fn refuse_mounts(zone: &str, dir: &Path) -> Result<(), AdminError> {
    let found = mounts_below(dir);
    if found.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = found.iter().map(|p| format!("  {}", p.display())).collect();
    Err(AdminError::zone(
        zone,
        format!(
            "These file systems are mounted on subdirectories of {}.\n{}",
            dir.display(),
            list.join("\n")
        ),
    ))
}

/// Write the owner file that ties `zonepath` to `zone` (see `install::OWNER_FILE`).
fn write_owner(zonepath: &Path, zone: &str, uuid: &str) -> Result<(), AdminError> {
    let owner = zonepath.join(crate::install::OWNER_FILE);
    crate::fsio::atomic::write_atomic(&owner, format!("{zone}:{uuid}\n").as_bytes())
        .map_err(|e| AdminError::io(zone, e.path.display())(e.source))
}

/// The uuid the zone keeps (its index's), or a new one.
fn zone_uuid(store: &Store, zone: &str) -> Result<String, AdminError> {
    match store.entry(zone)? {
        Some(e) if !e.uuid.is_empty() => Ok(e.uuid),
        _ => Ok(crate::store::new_uuid()?),
    }
}

/// Whether `root` can be the zone root of a `brand` zone: a directory owned by root, with
/// what the brand boots from. The reason it cannot otherwise, naming the path.
pub fn check_root(brand: &Brand, root: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(root).map_err(|e| io_msg(root, &e))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory.", root.display()));
    }
    if meta.uid() != 0 {
        return Err(format!("{} is not owned by root.", root.display()));
    }
    let fd = open_root(root).map_err(|e| io_msg(root, &e))?;
    let is_dir =
        |p: &str| stat_in(&fd, p).is_some_and(|m| m.st_mode & libc::S_IFMT == libc::S_IFDIR);
    let what = |p: &str| {
        format!(
            "{} is not a {} zone root: it has no {p}.",
            root.display(),
            brand.name
        )
    };
    if !is_dir("etc") {
        return Err(what("/etc"));
    }
    // The directories the brand binds from the host need their mount points.
    for d in &brand.inherit {
        if !is_dir(d.trim_start_matches('/')) {
            return Err(what(d));
        }
    }
    if let InitKind::Program(init) = &brand.init {
        let ok = stat_in(&fd, init.trim_start_matches('/'))
            .is_some_and(|m| m.st_mode & libc::S_IFMT == libc::S_IFREG && m.st_mode & 0o111 != 0);
        if !ok {
            return Err(format!(
                "{} is not a {} zone root: it has no {init} to boot.",
                root.display(),
                brand.name
            ));
        }
    }
    Ok(())
}

fn open_root(root: &Path) -> std::io::Result<OwnedFd> {
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC);
    nix::fcntl::openat2(nix::fcntl::AT_FDCWD, root, how).map_err(std::io::Error::from)
}

/// Open `rel` inside the zone root `root` as if it were `/` (symlinks, absolute ones too,
/// resolve inside it; magic links not at all).
fn open_in(root: &OwnedFd, rel: &str, flags: OFlag, mode: u32) -> std::io::Result<OwnedFd> {
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .mode(Mode::from_bits_truncate(mode))
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    nix::fcntl::openat2(root, rel, how).map_err(std::io::Error::from)
}

fn stat_in(root: &OwnedFd, rel: &str) -> Option<libc::stat> {
    let fd = open_in(root, rel, OFlag::O_PATH, 0).ok()?;
    nix::sys::stat::fstat(&fd).ok()
}

/// Read a small file inside the zone root (`None` when it is missing or not a file).
fn read_in(root: &OwnedFd, rel: &str) -> Option<String> {
    let fd = open_in(root, rel, OFlag::O_RDONLY | OFlag::O_NOFOLLOW, 0).ok()?;
    let f = std::fs::File::from(fd);
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut s = String::new();
    f.take(1 << 20).read_to_string(&mut s).ok()?;
    Some(s)
}

/// Replace a file's contents inside the zone root, keeping its owner and mode.
fn rewrite_in(root: &OwnedFd, rel: &str, text: &str) -> std::io::Result<()> {
    let fd = open_in(root, rel, OFlag::O_WRONLY | OFlag::O_NOFOLLOW, 0)?;
    let mut f = std::fs::File::from(fd);
    if !f.metadata()?.is_file() {
        return Ok(());
    }
    f.set_len(0)?;
    f.write_all(text.as_bytes())
}

/// A clone is a new system: its name, where the source's files carry the source's
/// (`/etc/hostname`, the `/etc/hosts` line for it), and no machine id, so the clone makes
/// its own at first boot, as systemd does with an empty `/etc/machine-id`. Solaris' clone
/// unconfigures the copy (`sys-unconfig`) for the same reason. Every edit stays inside the
/// zone root whatever links the source's files hold. Returns what was changed.
pub fn new_identity(
    root: &Path,
    old: &str,
    new: &str,
) -> Result<Vec<String>, (PathBuf, std::io::Error)> {
    let fd = open_root(root).map_err(|e| (root.to_path_buf(), e))?;
    let mut changed = Vec::new();
    let fail = |p: &str, e: std::io::Error| (root.join(p), e);
    if let Some(text) = read_in(&fd, "etc/hostname") {
        if text.trim() == old {
            rewrite_in(&fd, "etc/hostname", &format!("{new}\n"))
                .map_err(|e| fail("etc/hostname", e))?;
            changed.push("/etc/hostname".to_string());
        }
    }
    if let Some(text) = read_in(&fd, "etc/hosts") {
        let edited = rename_host(&text, old, new);
        if edited != text {
            rewrite_in(&fd, "etc/hosts", &edited).map_err(|e| fail("etc/hosts", e))?;
            changed.push("/etc/hosts".to_string());
        }
    }
    if read_in(&fd, "etc/machine-id").is_some_and(|t| !t.trim().is_empty()) {
        rewrite_in(&fd, "etc/machine-id", "").map_err(|e| fail("etc/machine-id", e))?;
        changed.push("/etc/machine-id".to_string());
    }
    Ok(changed)
}

/// `/etc/hosts` with the host name `old` replaced by `new` wherever it is a whole name.
fn rename_host(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, comment) = match line.find('#') {
            Some(i) => line.split_at(i),
            None => (line, ""),
        };
        let mut fields = body.split_whitespace();
        let addr = fields.next();
        let names: Vec<&str> = fields.collect();
        if addr.is_none() || !names.contains(&old) {
            out.push_str(line);
            continue;
        }
        let names: Vec<&str> = names
            .into_iter()
            .map(|n| if n == old { new } else { n })
            .collect();
        out.push_str(addr.unwrap_or_default());
        out.push('\t');
        out.push_str(&names.join(" "));
        if !comment.is_empty() {
            out.push(' ');
            out.push_str(comment.trim_end_matches('\n'));
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The installed (or further) zone other than `zone` whose zonepath contains `path` or lies
/// inside it: `(its name, its zonepath on the host)`.
fn overlapping(
    store: &Store,
    zone: &str,
    path: &Path,
) -> Result<Option<(String, PathBuf)>, AdminError> {
    let canon = |p: &Path| {
        // The deepest existing ancestor, resolved, then the rest as given.
        let mut base = p.to_path_buf();
        let mut rest = Vec::new();
        while !base.exists() {
            match (base.file_name().map(|n| n.to_os_string()), base.parent()) {
                (Some(n), Some(parent)) => {
                    rest.push(n);
                    base = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut r = std::fs::canonicalize(&base).unwrap_or(base);
        for n in rest.into_iter().rev() {
            r.push(n);
        }
        r
    };
    let mine = canon(path);
    for e in store.index()? {
        if e.name == zone || e.name == crate::config::GLOBAL_ZONE || e.state < ZoneState::Installed
        {
            continue;
        }
        let Ok(theirs) = store.host_path(&e.zonepath) else {
            continue;
        };
        let theirs = canon(&theirs);
        if mine.starts_with(&theirs) || theirs.starts_with(&mine) {
            return Ok(Some((e.name, theirs)));
        }
    }
    Ok(None)
}

/// Make `dir` (mode 0700) and its missing parents (0755).
fn make_zonepath(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::create_dir(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Whether `dir` holds anything (`lost+found` of a fresh file system aside).
fn has_entries(dir: &Path) -> std::io::Result<bool> {
    Ok(std::fs::read_dir(dir)?
        .flatten()
        .any(|e| e.file_name() != "lost+found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_below_a_directory() {
        let info = "22 1 8:1 / / rw - ext4 /dev/vda rw\n\
                    40 22 0:5 / /zones/a/root/proc rw - proc proc rw\n\
                    41 22 0:6 / /zones/ab rw - tmpfs t rw\n\
                    42 22 0:7 / /zones/a\\040b/x rw - tmpfs t rw\n";
        assert_eq!(
            parse_mounts_below(info, Path::new("/zones/a")),
            vec![PathBuf::from("/zones/a/root/proc")]
        );
        assert_eq!(
            parse_mounts_below(info, Path::new("/zones/a b")),
            vec![PathBuf::from("/zones/a b/x")]
        );
        assert!(parse_mounts_below(info, Path::new("/elsewhere")).is_empty());
    }

    #[test]
    fn hosts_lines_follow_the_new_name() {
        let hosts = "127.0.0.1\tlocalhost\n127.0.1.1\told\n10.0.0.1 oldish old # me\n# old\n";
        assert_eq!(
            rename_host(hosts, "old", "new"),
            "127.0.0.1\tlocalhost\n127.0.1.1\tnew\n10.0.0.1\toldish new # me\n# old\n"
        );
        assert_eq!(rename_host("::1 localhost", "old", "new"), "::1 localhost");
    }

    #[test]
    fn identity_edits_stay_in_the_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/hostname"), "src\n").unwrap();
        std::fs::write(
            root.join("etc/machine-id"),
            "0123456789abcdef0123456789abcdef\n",
        )
        .unwrap();
        // /etc/hosts is a link out of the root: it resolves inside it, to nothing.
        let outside = t.path().join("hosts");
        std::fs::write(&outside, "127.0.1.1\tsrc\n").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("etc/hosts")).unwrap();
        let changed = new_identity(&root, "src", "dst").unwrap();
        assert_eq!(changed, ["/etc/hostname", "/etc/machine-id"]);
        assert_eq!(
            std::fs::read_to_string(root.join("etc/hostname")).unwrap(),
            "dst\n"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("etc/machine-id")).unwrap(),
            ""
        );
        assert_eq!(
            std::fs::read_to_string(&outside).unwrap(),
            "127.0.1.1\tsrc\n"
        );
        // A host name of its own is the admin's: kept.
        std::fs::write(root.join("etc/hostname"), "www\n").unwrap();
        assert!(new_identity(&root, "dst", "x").unwrap().is_empty());
    }

    #[test]
    fn roots_are_checked_by_brand() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        let whole = crate::brand::lookup("whole").unwrap();
        let sparse = crate::brand::lookup("sparse").unwrap();
        if nix::unistd::geteuid().is_root() {
            let e = check_root(&whole, &root).unwrap_err();
            assert!(
                e.ends_with("is not a whole zone root: it has no /sbin/init to boot."),
                "{e}"
            );
            let e = check_root(&sparse, &root).unwrap_err();
            assert!(
                e.ends_with("is not a sparse zone root: it has no /usr."),
                "{e}"
            );
            std::fs::create_dir_all(root.join("usr/lib/systemd")).unwrap();
            assert_eq!(check_root(&sparse, &root), Ok(()));
            // /sbin/init as a link, absolute, resolved inside the root.
            std::fs::write(root.join("usr/lib/systemd/systemd"), "").unwrap();
            std::fs::set_permissions(
                root.join("usr/lib/systemd/systemd"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
            std::os::unix::fs::symlink("usr/sbin", root.join("sbin")).unwrap();
            std::fs::create_dir_all(root.join("usr/sbin")).unwrap();
            std::os::unix::fs::symlink("/usr/lib/systemd/systemd", root.join("usr/sbin/init"))
                .unwrap();
            assert_eq!(check_root(&whole, &root), Ok(()));
        }
        assert!(check_root(&whole, &t.path().join("none")).is_err());
    }
}
