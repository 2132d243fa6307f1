//! Build a zone's file system view in its new mount namespace and switch into it: private
//! propagation, the zone root bound `nodev`, the plan's mounts, a minimal `/dev`, the console,
//! IPC sysctls, masked and read-only `/proc` paths, then `pivot_root`.

use crate::runtime::kernel::mounts::{self, MountError};
use crate::runtime::kernel::sys;
use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};
use nix::sys::stat::{Mode, SFlag};
use oci_spec::runtime::{LinuxDevice, LinuxDeviceType, Spec};
use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The device nodes every zone gets, as the OCI runtime spec requires of runtimes.
pub const DEFAULT_DEVICES: [(&str, u64, u64); 6] = [
    ("/dev/null", 1, 3),
    ("/dev/zero", 1, 5),
    ("/dev/full", 1, 7),
    ("/dev/random", 1, 8),
    ("/dev/urandom", 1, 9),
    ("/dev/tty", 5, 0),
];

const DEV_SYMLINKS: [(&str, &str); 5] = [
    ("/proc/self/fd", "/dev/fd"),
    ("/proc/self/fd/0", "/dev/stdin"),
    ("/proc/self/fd/1", "/dev/stdout"),
    ("/proc/self/fd/2", "/dev/stderr"),
    ("pts/ptmx", "/dev/ptmx"),
];

/// Which step of building the root failed, and why.
#[derive(Debug, thiserror::Error)]
pub enum RootfsError {
    #[error(transparent)]
    Mount(#[from] MountError),
    #[error("{step} {path}: {errno}")]
    Step {
        step: &'static str,
        path: PathBuf,
        errno: Errno,
    },
}

fn step<'a>(step: &'static str, path: &'a Path) -> impl FnOnce(Errno) -> RootfsError + 'a {
    move |errno| RootfsError::Step {
        step,
        path: path.to_path_buf(),
        errno,
    }
}

/// Everything `enter_root` needs, taken from the plan.
pub struct RootSetup<'a> {
    pub spec: &'a Spec,
    /// Host path of the console pty's slave, bound onto the zone's `/dev/console`.
    pub console: Option<&'a Path>,
}

/// Make the mount namespace we are in private from the host, build the zone root and
/// `pivot_root` into it. Must run in a fresh mount namespace.
pub fn enter_root(setup: &RootSetup<'_>) -> Result<(), RootfsError> {
    let spec = setup.spec;
    let root = spec
        .root()
        .as_ref()
        .map(|r| r.path().clone())
        .unwrap_or_else(|| PathBuf::from("/"));
    // Nothing we mount may propagate back to the host.
    nix::mount::mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_SLAVE,
        None::<&str>,
    )
    .map_err(step("make private", Path::new("/")))?;
    // pivot_root needs the new root to be a mount point.
    nix::mount::mount(
        Some(&root),
        &root,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(step("bind zone root", &root))?;
    let root_fd = nix::fcntl::open(
        &root,
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(step("open zone root", &root))?;
    // No device node on the zone root (or anything mounted below it now) opens: devices live
    // on the zone's own /dev, mounted next.
    sys::mount_setattr(root_fd.as_fd(), true, sys::MOUNT_ATTR_NODEV, 0)
        .map_err(step("make zone root nodev", &root))?;

    for m in spec.mounts().as_deref().unwrap_or(&[]) {
        mounts::mount_one(root_fd.as_fd(), m)?;
    }
    let linux = spec.linux().as_ref();
    make_devices(
        root_fd.as_fd(),
        linux.and_then(|l| l.devices().as_deref()).unwrap_or(&[]),
    )?;
    if let Some(console) = setup.console {
        let dest = mounts::open_dest(root_fd.as_fd(), Path::new("/dev/console"), true)?;
        let opts = mounts::parse_options(None, &["bind".to_string()]);
        mounts::bind(console, dest.as_fd(), &opts).map_err(step("bind console", console))?;
    }
    if let Some(sysctl) = linux.and_then(|l| l.sysctl().as_ref()) {
        write_sysctls(&root, sysctl)?;
    }
    for p in linux
        .and_then(|l| l.masked_paths().as_deref())
        .unwrap_or(&[])
    {
        mask(root_fd.as_fd(), Path::new(p))?;
    }
    for p in linux
        .and_then(|l| l.readonly_paths().as_deref())
        .unwrap_or(&[])
    {
        make_readonly(root_fd.as_fd(), Path::new(p))?;
    }
    pivot(root_fd)
}

fn make_devices(root_fd: BorrowedFd<'_>, extra: &[LinuxDevice]) -> Result<(), RootfsError> {
    let dev = mounts::open_dest(root_fd, Path::new("/dev"), false)?;
    let dev_dir = reopen_dir(dev.as_fd(), Path::new("/dev"))?;
    let mut nodes: Vec<(PathBuf, SFlag, u64, u64, u32, u32, u32)> = DEFAULT_DEVICES
        .iter()
        .map(|(p, ma, mi)| (PathBuf::from(p), SFlag::S_IFCHR, *ma, *mi, 0o666, 0, 0))
        .collect();
    for d in extra {
        let kind = match d.typ() {
            LinuxDeviceType::B => SFlag::S_IFBLK,
            _ => SFlag::S_IFCHR,
        };
        nodes.push((
            d.path().clone(),
            kind,
            d.major() as u64,
            d.minor() as u64,
            d.file_mode().unwrap_or(0o600),
            d.uid().unwrap_or(0),
            d.gid().unwrap_or(0),
        ));
    }
    for (path, kind, major, minor, mode, uid, gid) in nodes {
        let Ok(rel) = path.strip_prefix("/dev") else {
            continue;
        };
        if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
            mounts::open_dest(root_fd, &Path::new("/dev").join(parent), false)?;
        }
        let devnum = nix::sys::stat::makedev(major, minor);
        match nix::sys::stat::mknodat(
            dev_dir.as_fd(),
            rel,
            kind,
            Mode::from_bits_truncate(mode),
            devnum,
        ) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(step("mknod", &path)(e)),
        }
        // mknod honours the umask; set the mode the plan asked for.
        nix::sys::stat::fchmodat(
            dev_dir.as_fd(),
            rel,
            Mode::from_bits_truncate(mode),
            nix::sys::stat::FchmodatFlags::FollowSymlink,
        )
        .map_err(step("chmod", &path))?;
        nix::unistd::fchownat(
            dev_dir.as_fd(),
            rel,
            Some(uid.into()),
            Some(gid.into()),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map_err(step("chown", &path))?;
    }
    for (target, link) in DEV_SYMLINKS {
        let rel = Path::new(link)
            .strip_prefix("/dev")
            .unwrap_or(Path::new(link));
        match nix::unistd::symlinkat(target, dev_dir.as_fd(), rel) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(step("symlink", Path::new(link))(e)),
        }
    }
    Ok(())
}

/// An `O_PATH` fd cannot be used with `*at` calls that create entries; reopen as a directory.
fn reopen_dir(fd: BorrowedFd<'_>, shown: &Path) -> Result<OwnedFd, RootfsError> {
    nix::fcntl::open(
        &mounts::fd_path(fd),
        nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(step("open", shown))
}

fn write_sysctls(root: &Path, sysctl: &HashMap<String, String>) -> Result<(), RootfsError> {
    for (k, v) in sysctl {
        let p = root.join("proc/sys").join(k.replace('.', "/"));
        std::fs::write(&p, v.as_bytes()).map_err(|e| {
            step("sysctl", &p)(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
        })?;
    }
    Ok(())
}

/// Hide a path: an empty read-only tmpfs over a directory, `/dev/null` over a file.
fn mask(root_fd: BorrowedFd<'_>, path: &Path) -> Result<(), RootfsError> {
    let rel: PathBuf = path.components().skip(1).collect();
    let Ok(fd) = sys::open_in_root(root_fd, &rel, libc::O_PATH) else {
        return Ok(()); // nothing to hide
    };
    let is_dir = nix::sys::stat::fstat(fd.as_fd())
        .map(|st| SFlag::from_bits_truncate(st.st_mode) == SFlag::S_IFDIR)
        .unwrap_or(false);
    if is_dir {
        nix::mount::mount(
            Some("tmpfs"),
            &mounts::fd_path(fd.as_fd()),
            Some("tmpfs"),
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            Some("size=0,nr_inodes=1"),
        )
        .map_err(step("mask", path))
    } else {
        let opts = mounts::parse_options(None, &["bind".to_string(), "ro".to_string()]);
        mounts::bind(Path::new("/dev/null"), fd.as_fd(), &opts).map_err(step("mask", path))
    }
}

/// Bind a path onto itself read-only, submounts included.
fn make_readonly(root_fd: BorrowedFd<'_>, path: &Path) -> Result<(), RootfsError> {
    let rel: PathBuf = path.components().skip(1).collect();
    let Ok(fd) = sys::open_in_root(root_fd, &rel, libc::O_PATH) else {
        return Ok(());
    };
    let tree = sys::open_tree_clone_fd(fd.as_fd(), true).map_err(step("read-only bind", path))?;
    sys::mount_setattr(tree.as_fd(), true, sys::MOUNT_ATTR_RDONLY, 0)
        .map_err(step("make read-only", path))?;
    sys::move_mount_to_fd(tree.as_fd(), fd.as_fd()).map_err(step("read-only bind", path))
}

/// `pivot_root(".", ".")` into the zone root, then detach the old root stacked beneath.
fn pivot(root_fd: OwnedFd) -> Result<(), RootfsError> {
    let slash = Path::new("/");
    nix::unistd::fchdir(root_fd.as_fd()).map_err(step("chdir", slash))?;
    sys::pivot_root_here().map_err(step("pivot_root", slash))?;
    // The old root must not take our unmount back to the host (slave), then it goes.
    nix::mount::mount(
        None::<&str>,
        ".",
        None::<&str>,
        MsFlags::MS_SLAVE | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(step("make old root slave", slash))?;
    nix::mount::umount2(".", MntFlags::MNT_DETACH).map_err(step("detach old root", slash))?;
    nix::unistd::chdir("/").map_err(step("chdir", slash))?;
    // A zone's mounts are its own: nothing propagates in or out.
    nix::mount::mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(step("make root private", slash))
}
