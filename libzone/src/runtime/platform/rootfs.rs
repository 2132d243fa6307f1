//! Build a zone's file system view in its new mount namespace and switch into it: private
//! propagation, the zone root bound `nodev`, the plan's mounts, a minimal `/dev`, the console,
//! IPC sysctls, masked and read-only `/proc` paths, then `pivot_root`.

use crate::runtime::kernel::mounts::{self, MountError};
use crate::runtime::kernel::sys;
use crate::runtime::kernel::syscall::Syscall;
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
pub fn enter_root(sc: &dyn Syscall, setup: &RootSetup<'_>) -> Result<(), RootfsError> {
    let spec = setup.spec;
    let root = spec
        .root()
        .as_ref()
        .map(|r| r.path().clone())
        .unwrap_or_else(|| PathBuf::from("/"));
    // Nothing we mount may propagate back to the host.
    sc.mount(
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_SLAVE,
        None,
    )
    .map_err(step("make private", Path::new("/")))?;
    // pivot_root needs the new root to be a mount point.
    sc.mount(
        Some(&root),
        &root,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
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
    sc.mount_setattr(root_fd.as_fd(), true, sys::MOUNT_ATTR_NODEV, 0)
        .map_err(step("make zone root nodev", &root))?;

    for m in spec.mounts().as_deref().unwrap_or(&[]) {
        if m.typ().as_deref() == Some("cgroup") {
            super::whole::mount_cgroup_tree(sc, root_fd.as_fd(), m)?;
        } else {
            mounts::mount_one(sc, root_fd.as_fd(), m)?;
        }
    }
    let linux = spec.linux().as_ref();
    make_devices(
        sc,
        root_fd.as_fd(),
        linux.and_then(|l| l.devices().as_deref()).unwrap_or(&[]),
    )?;
    if let Some(console) = setup.console {
        let dest = mounts::open_dest(root_fd.as_fd(), Path::new("/dev/console"), true)?;
        let opts = mounts::parse_options(None, &["bind".to_string()]);
        mounts::bind(sc, console, dest.as_fd(), &opts).map_err(step("bind console", console))?;
    }
    if let Some(sysctl) = linux.and_then(|l| l.sysctl().as_ref()) {
        write_sysctls(sc, &root, sysctl)?;
    }
    for p in linux
        .and_then(|l| l.masked_paths().as_deref())
        .unwrap_or(&[])
    {
        mask(sc, root_fd.as_fd(), Path::new(p))?;
    }
    for p in linux
        .and_then(|l| l.readonly_paths().as_deref())
        .unwrap_or(&[])
    {
        make_readonly(sc, root_fd.as_fd(), Path::new(p))?;
    }
    pivot(sc, root_fd)
}

fn make_devices(
    sc: &dyn Syscall,
    root_fd: BorrowedFd<'_>,
    extra: &[LinuxDevice],
) -> Result<(), RootfsError> {
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
        match sc.mknodat(
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
        sc.fchmodat(dev_dir.as_fd(), rel, Mode::from_bits_truncate(mode))
            .map_err(step("chmod", &path))?;
        sc.fchownat(dev_dir.as_fd(), rel, uid, gid)
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

fn write_sysctls(
    sc: &dyn Syscall,
    root: &Path,
    sysctl: &HashMap<String, String>,
) -> Result<(), RootfsError> {
    for (k, v) in sysctl {
        let p = root.join("proc/sys").join(k.replace('.', "/"));
        sc.write_path(&p, v.as_bytes())
            .map_err(step("sysctl", &p))?;
    }
    Ok(())
}

/// Hide a path: an empty read-only tmpfs over a directory, `/dev/null` over a file.
fn mask(sc: &dyn Syscall, root_fd: BorrowedFd<'_>, path: &Path) -> Result<(), RootfsError> {
    let rel: PathBuf = path.components().skip(1).collect();
    let Ok(fd) = sys::open_in_root(root_fd, &rel, libc::O_PATH) else {
        return Ok(()); // nothing to hide
    };
    let is_dir = nix::sys::stat::fstat(fd.as_fd())
        .map(|st| SFlag::from_bits_truncate(st.st_mode) == SFlag::S_IFDIR)
        .unwrap_or(false);
    if is_dir {
        sc.mount(
            Some(Path::new("tmpfs")),
            &mounts::fd_path(fd.as_fd()),
            Some("tmpfs"),
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            Some("size=0,nr_inodes=1"),
        )
        .map_err(step("mask", path))
    } else {
        let opts = mounts::parse_options(None, &["bind".to_string(), "ro".to_string()]);
        mounts::bind(sc, Path::new("/dev/null"), fd.as_fd(), &opts).map_err(step("mask", path))
    }
}

/// Bind a path onto itself read-only, submounts included.
fn make_readonly(
    sc: &dyn Syscall,
    root_fd: BorrowedFd<'_>,
    path: &Path,
) -> Result<(), RootfsError> {
    let rel: PathBuf = path.components().skip(1).collect();
    let Ok(fd) = sys::open_in_root(root_fd, &rel, libc::O_PATH) else {
        return Ok(());
    };
    let tree = sc
        .open_tree_clone_fd(fd.as_fd(), true)
        .map_err(step("read-only bind", path))?;
    sc.mount_setattr(tree.as_fd(), true, sys::MOUNT_ATTR_RDONLY, 0)
        .map_err(step("make read-only", path))?;
    sc.move_mount_to_fd(tree.as_fd(), fd.as_fd())
        .map_err(step("read-only bind", path))
}

/// `pivot_root(".", ".")` into the zone root, then detach the old root stacked beneath.
fn pivot(sc: &dyn Syscall, root_fd: OwnedFd) -> Result<(), RootfsError> {
    let slash = Path::new("/");
    let dot = Path::new(".");
    sc.fchdir(root_fd.as_fd()).map_err(step("chdir", slash))?;
    sc.pivot_root_here().map_err(step("pivot_root", slash))?;
    // The old root must not take our unmount back to the host (slave), then it goes.
    sc.mount(None, dot, None, MsFlags::MS_SLAVE | MsFlags::MS_REC, None)
        .map_err(step("make old root slave", slash))?;
    sc.umount2(dot, MntFlags::MNT_DETACH)
        .map_err(step("detach old root", slash))?;
    sc.chdir(slash).map_err(step("chdir", slash))?;
    // A zone's mounts are its own: nothing propagates in or out.
    sc.mount(
        None,
        slash,
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
    )
    .map_err(step("make root private", slash))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Fs, InheritPkgDir, ZoneConfig};
    use crate::runtime::kernel::fake::Recorder;

    /// A sparse zone (two inherited directories, a tmpfs and a lofs mount) whose zonepath is
    /// a scratch directory, and its plan.
    fn sparse(zonepath: &Path) -> crate::plan::Plan {
        let cfg = ZoneConfig {
            name: "web".into(),
            zonepath: zonepath.display().to_string(),
            brand: "sparse".into(),
            inherit_pkg_dirs: vec![
                InheritPkgDir { dir: "/usr".into() },
                InheritPkgDir {
                    dir: "/sbin".into(),
                },
            ],
            fs: vec![
                Fs {
                    dir: "/scratch".into(),
                    special: "swap".into(),
                    fstype: "tmpfs".into(),
                    options: vec!["size=64m".into()],
                    ..Default::default()
                },
                Fs {
                    dir: "/data".into(),
                    special: "/srv/data".into(),
                    fstype: "lofs".into(),
                    options: vec!["ro".into()],
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let facts = crate::host::HostFacts::one_cpu();
        crate::plan::compile(&cfg, &facts, Path::new("/")).unwrap()
    }

    fn run(rec: &Recorder, plan: &crate::plan::Plan) -> Result<(), RootfsError> {
        let setup = RootSetup {
            spec: &plan.spec,
            console: Some(Path::new("/dev/pts/7")),
        };
        enter_root(rec, &setup)
    }

    /// The zone root of `plan` made in the scratch directory, with the paths the plan masks
    /// and makes read-only present as they would be once `/proc` and `/sys` are mounted (the
    /// first masked path a file, the others directories).
    fn make_root(plan: &crate::plan::Plan) -> (PathBuf, Vec<String>, Vec<String>) {
        let root = plan.spec.root().as_ref().unwrap().path().clone();
        std::fs::create_dir_all(&root).unwrap();
        let linux = plan.spec.linux().as_ref().unwrap();
        let masked = linux.masked_paths().clone().unwrap_or_default();
        let readonly = linux.readonly_paths().clone().unwrap_or_default();
        for (i, p) in masked.iter().enumerate() {
            let host = root.join(p.trim_start_matches('/'));
            if i == 0 {
                std::fs::create_dir_all(host.parent().unwrap()).unwrap();
                std::fs::write(&host, "").unwrap();
            } else {
                std::fs::create_dir_all(&host).unwrap();
            }
        }
        for p in &readonly {
            std::fs::create_dir_all(root.join(p.trim_start_matches('/'))).unwrap();
        }
        (root, masked, readonly)
    }

    /// "These mounts, in this order": a sparse zone's root, built in a fresh mount namespace.
    #[test]
    fn a_sparse_zones_root_is_these_mounts_in_this_order() {
        let t = tempfile::tempdir().unwrap();
        let plan = sparse(t.path());
        let (root, masked, readonly) = make_root(&plan);
        assert!(masked.len() > 1 && !readonly.is_empty());
        let rec = Recorder::new(&root);
        run(&rec, &plan).unwrap();
        let mut want: Vec<String> = [
            // Private from the host first, then the zone root a nodev mount point.
            "mount none on / (rec,slave)",
            "mount / on / (bind,rec)",
            "setattr / (rec) +nodev",
            // The inherited directories, read-only with their submounts.
            "clone tree host:/usr (rec)",
            "setattr tree:host:/usr (rec) +ro,nodev",
            "attach tree:host:/usr on /usr",
            "clone tree host:/sbin (rec)",
            "setattr tree:host:/sbin (rec) +ro,nodev",
            "attach tree:host:/sbin on /sbin",
            // The kernel file systems.
            "mount proc on /proc type proc (nosuid,nodev,noexec)",
            "mount sysfs on /sys type sysfs (ro,nosuid,nodev,noexec)",
            "mount tmpfs on /dev type tmpfs (nosuid,strictatime) mode=755,size=65536k",
            "mount devpts on /dev/pts type devpts (nosuid,noexec) \
             newinstance,ptmxmode=0666,mode=0620,gid=5",
            "mount shm on /dev/shm type tmpfs (nosuid,nodev,noexec) mode=1777,size=65536k",
            "mount mqueue on /dev/mqueue type mqueue (nosuid,nodev,noexec)",
            // The zone's fs resources, in configuration order.
            "mount swap on /scratch type tmpfs (nodev) size=64m",
            "clone tree host:/srv/data (rec)",
            "setattr tree:host:/srv/data +ro,nodev",
            "attach tree:host:/srv/data on /data",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (node, major, minor) in DEFAULT_DEVICES {
            want.push(format!("mknod {node} c {major}:{minor} 666"));
            want.push(format!("chmod {node} 666"));
            want.push(format!("chown {node} 0:0"));
        }
        want.push("clone tree host:/dev/pts/7".into());
        want.push("attach tree:host:/dev/pts/7 on /dev/console".into());
        for (i, p) in masked.iter().enumerate() {
            if i == 0 {
                want.push("clone tree host:/dev/null".into());
                want.push("setattr tree:host:/dev/null +ro".into());
                want.push(format!("attach tree:host:/dev/null on {p}"));
            } else {
                want.push(format!(
                    "mount tmpfs on {p} type tmpfs (ro,nosuid,nodev,noexec) size=0,nr_inodes=1"
                ));
            }
        }
        for p in &readonly {
            want.push(format!("clone tree {p} (rec)"));
            want.push(format!("setattr tree:{p} (rec) +ro"));
            want.push(format!("attach tree:{p} on {p}"));
        }
        for line in [
            "chdir /",
            "pivot_root . .",
            "mount none on . (rec,slave)",
            "umount . (detach)",
            "chdir /",
            "mount none on / (rec,private)",
        ] {
            want.push(line.into());
        }
        assert_eq!(rec.calls(), want);
        // The zone's /dev links were made in its /dev.
        assert_eq!(
            std::fs::read_link(root.join("dev/ptmx")).unwrap(),
            PathBuf::from("pts/ptmx")
        );
    }

    /// A failure at any step stops the set-up there, and the error names the step. Nothing
    /// is undone by hand: the set-up child's mount namespace, with every mount made so far,
    /// goes with the child, which exits on the error.
    #[test]
    fn a_failure_at_any_step_stops_there_and_names_it() {
        let t = tempfile::tempdir().unwrap();
        let plan = sparse(t.path());
        let (root, _, _) = make_root(&plan);
        let steps = {
            let rec = Recorder::new(&root);
            run(&rec, &plan).unwrap();
            rec.calls()
        };
        for (k, call) in steps.iter().enumerate() {
            let t = tempfile::tempdir().unwrap();
            let plan = sparse(t.path());
            let (root, _, _) = make_root(&plan);
            let rec = Recorder::new(&root).fail_nth(k, Errno::EPERM);
            let err = run(&rec, &plan).expect_err(call);
            let calls = rec.calls();
            assert_eq!(
                calls.len(),
                k + 1,
                "step {k} ({call}) failed, then: {calls:?}"
            );
            assert_eq!(&calls[k], call);
            let msg = err.to_string();
            assert!(msg.contains("EPERM"), "{call}: {msg}");
        }
        // The messages say what failed where.
        let rec = Recorder::new(&root).fail_first("mount swap", Errno::ENODEV);
        let err = run(&rec, &plan).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mount tmpfs swap on /scratch: ENODEV: No such device"
        );
        let rec = Recorder::new(&root).fail_first("pivot_root", Errno::EINVAL);
        let err = run(&rec, &plan).unwrap_err();
        assert_eq!(err.to_string(), "pivot_root /: EINVAL: Invalid argument");
    }
}
