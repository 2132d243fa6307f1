//! Carry out a plan's mounts inside a zone root, before `pivot_root`. Every destination is
//! resolved with `RESOLVE_IN_ROOT`, so a symlink planted in the zone root cannot send a mount
//! outside it, and mounts are made onto the resolved file descriptor, never onto a path that
//! could change in between.

use super::sys;
use super::syscall::Syscall;
use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::sys::stat::Mode;
use oci_spec::runtime::Mount;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

/// A failed mount step: what was mounted, where, and the kernel's answer
/// (`mount tmpfs swap on /data: ENODEV: No such device`).
#[derive(Debug, thiserror::Error)]
#[error("{step} {what}{path}: {errno}")]
pub struct MountError {
    pub step: &'static str,
    pub path: PathBuf,
    pub errno: Errno,
    /// The file system type and source, with a trailing ` on ` (empty for other steps).
    pub what: String,
}

fn err<'a>(step: &'static str, path: &'a Path) -> impl FnOnce(Errno) -> MountError + 'a {
    move |errno| MountError {
        step,
        path: path.to_path_buf(),
        errno,
        what: String::new(),
    }
}

/// What a mount's option list asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountOptions {
    pub bind: bool,
    pub recursive: bool,
    pub readonly: bool,
    pub readonly_recursive: bool,
    pub flags: MsFlags,
    /// Options passed through to the file system (`mode=755`, `size=64k`, ...).
    pub data: Vec<String>,
}

/// Split OCI/fstab-style options into mount flags and file system data.
pub fn parse_options(typ: Option<&str>, options: &[String]) -> MountOptions {
    let mut o = MountOptions {
        bind: typ == Some("bind"),
        recursive: false,
        readonly: false,
        readonly_recursive: false,
        flags: MsFlags::empty(),
        data: Vec::new(),
    };
    for opt in options {
        match opt.as_str() {
            "bind" => o.bind = true,
            "rbind" => {
                o.bind = true;
                o.recursive = true
            }
            "ro" => o.readonly = true,
            "rro" => {
                o.readonly = true;
                o.readonly_recursive = true
            }
            "rw" | "defaults" | "private" | "rprivate" | "slave" | "rslave" => {}
            "nosuid" => o.flags |= MsFlags::MS_NOSUID,
            "nodev" => o.flags |= MsFlags::MS_NODEV,
            "noexec" => o.flags |= MsFlags::MS_NOEXEC,
            "relatime" => o.flags |= MsFlags::MS_RELATIME,
            "strictatime" => o.flags |= MsFlags::MS_STRICTATIME,
            "noatime" => o.flags |= MsFlags::MS_NOATIME,
            "nodiratime" => o.flags |= MsFlags::MS_NODIRATIME,
            "sync" => o.flags |= MsFlags::MS_SYNCHRONOUS,
            "dirsync" => o.flags |= MsFlags::MS_DIRSYNC,
            "suid" | "dev" | "exec" | "atime" | "async" => {}
            other => o.data.push(other.to_string()),
        }
    }
    o
}

/// Open (creating it if missing) the destination `dest` inside the root `root_fd`: a directory,
/// or an empty file when `file` (bind mounts of single files).
pub fn open_dest(root_fd: BorrowedFd<'_>, dest: &Path, file: bool) -> Result<OwnedFd, MountError> {
    let rel = relative(dest);
    if let Ok(fd) = sys::open_in_root(root_fd, &rel, libc::O_PATH) {
        return Ok(fd);
    }
    // Create the missing components one at a time, each resolved inside the root.
    let mut cur = PathBuf::new();
    let comps: Vec<_> = rel.components().collect();
    for (i, c) in comps.iter().enumerate() {
        cur.push(c);
        if sys::open_in_root(root_fd, &cur, libc::O_PATH).is_ok() {
            continue;
        }
        let parent = cur.parent().unwrap_or(Path::new(""));
        let pfd = sys::open_in_root(
            root_fd,
            &parent_or_dot(parent),
            libc::O_PATH | libc::O_DIRECTORY,
        )
        .map_err(err("open", dest))?;
        let name = Path::new(c.as_os_str());
        let last = i + 1 == comps.len();
        if last && file {
            let f = nix::fcntl::openat(
                pfd.as_fd(),
                name,
                nix::fcntl::OFlag::O_CREAT
                    | nix::fcntl::OFlag::O_WRONLY
                    | nix::fcntl::OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(0o644),
            );
            match f {
                Ok(_) | Err(Errno::EEXIST) => {}
                Err(e) => return Err(err("create", dest)(e)),
            }
        } else {
            match nix::sys::stat::mkdirat(pfd.as_fd(), name, Mode::from_bits_truncate(0o755)) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(e) => return Err(err("mkdir", dest)(e)),
            }
        }
    }
    sys::open_in_root(root_fd, &rel, libc::O_PATH).map_err(err("open", dest))
}

fn parent_or_dot(p: &Path) -> PathBuf {
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p.to_path_buf()
    }
}

/// `dest` without its leading `/` (and without `.`/`..` tricks: those are resolved by
/// `RESOLVE_IN_ROOT` anyway, but a clean path gives clean errors).
fn relative(dest: &Path) -> PathBuf {
    dest.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// The `/proc/self/fd/N` path of an fd: how mount(2) is pointed at an already resolved target.
pub fn fd_path(fd: BorrowedFd<'_>) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// Carry out one OCI mount inside `root_fd`.
pub fn mount_one(sc: &dyn Syscall, root_fd: BorrowedFd<'_>, m: &Mount) -> Result<(), MountError> {
    let dest = m.destination();
    let opts = parse_options(m.typ().as_deref(), m.options().as_deref().unwrap_or(&[]));
    if opts.bind {
        let src = m.source().clone().unwrap_or_default();
        let is_file = std::fs::metadata(&src)
            .map(|md| !md.is_dir())
            .unwrap_or(false);
        let target = open_dest(root_fd, dest, is_file)?;
        bind(sc, &src, target.as_fd(), &opts).map_err(|errno| MountError {
            step: "bind",
            path: dest.to_path_buf(),
            errno,
            what: format!("{} on ", src.display()),
        })
    } else {
        let target = open_dest(root_fd, dest, false)?;
        let src = m.source().clone().unwrap_or_else(|| PathBuf::from("none"));
        let mut flags = opts.flags;
        if opts.readonly {
            flags |= MsFlags::MS_RDONLY;
        }
        let data = opts.data.join(",");
        sc.mount(
            Some(src.as_path()),
            &fd_path(target.as_fd()),
            m.typ().as_deref(),
            flags,
            if data.is_empty() {
                None
            } else {
                Some(data.as_str())
            },
        )
        .map_err(|errno| MountError {
            step: "mount",
            path: dest.to_path_buf(),
            errno,
            what: format!(
                "{} {} on ",
                m.typ().as_deref().unwrap_or("?"),
                src.display()
            ),
        })
    }
}

/// Bind `src` onto `target` with the new mount API: clone the tree, set its attributes (read
/// only for every submount too when asked), then attach it.
pub fn bind(
    sc: &dyn Syscall,
    src: &Path,
    target: BorrowedFd<'_>,
    opts: &MountOptions,
) -> Result<(), Errno> {
    let tree = sc.open_tree_clone(src, opts.recursive)?;
    let mut set = 0;
    if opts.readonly {
        set |= sys::MOUNT_ATTR_RDONLY;
    }
    if opts.flags.contains(MsFlags::MS_NOSUID) {
        set |= sys::MOUNT_ATTR_NOSUID;
    }
    if opts.flags.contains(MsFlags::MS_NODEV) {
        set |= sys::MOUNT_ATTR_NODEV;
    }
    if opts.flags.contains(MsFlags::MS_NOEXEC) {
        set |= sys::MOUNT_ATTR_NOEXEC;
    }
    if set != 0 {
        let recursive = opts.recursive && (opts.readonly_recursive || !opts.readonly);
        sc.mount_setattr(tree.as_fd(), recursive, set, 0)?;
    }
    sc.move_mount_to_fd(tree.as_fd(), target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn options_split_into_flags_and_data() {
        let o = parse_options(
            Some("tmpfs"),
            &s(&["nosuid", "mode=755", "size=65536k", "ro"]),
        );
        assert!(!o.bind);
        assert!(o.readonly);
        assert!(o.flags.contains(MsFlags::MS_NOSUID));
        assert_eq!(o.data, s(&["mode=755", "size=65536k"]));
        let b = parse_options(None, &s(&["rbind", "rro", "nodev"]));
        assert!(b.bind && b.recursive && b.readonly && b.readonly_recursive);
        assert!(b.flags.contains(MsFlags::MS_NODEV));
        assert!(parse_options(Some("bind"), &[]).bind);
    }

    #[test]
    fn relative_strips_root_and_dots() {
        assert_eq!(relative(Path::new("/usr/lib")), PathBuf::from("usr/lib"));
        assert_eq!(relative(Path::new("/a/./b")), PathBuf::from("a/b"));
    }
}
