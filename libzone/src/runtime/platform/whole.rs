//! What a whole-root zone's own init (systemd) expects of the zone it boots in, beyond the
//! mounts every zone gets (systemd's "container interface"): its own cgroup tree, writable,
//! at `/sys/fs/cgroup`, and a machine ID. The brand asks for them (`brand::BootSetup`), the
//! plan carries them, and the zone's process makes them while it still may (before
//! `pivot_root` for the cgroup tree, after it for the machine ID, both before it drops its
//! capabilities).
//!
//! The cgroup tree is the plan's OCI `cgroup` mount. Which file system it becomes depends on
//! the host: the unified hierarchy (cgroup2) wherever there is one (a v2 host, or the
//! cgroup2 tree a hybrid host mounts beside its v1 controllers: systemd 252 then runs in its
//! unified mode with no controllers, while the zone's limits stay in the v1 hierarchies it
//! cannot see); on a v1 host without one, a tmpfs holding the `name=systemd` hierarchy
//! (systemd's legacy mode). Either way it is mounted inside the zone's cgroup namespace, so
//! its root is the zone's own cgroup: the zone sees and writes its cgroups, nothing above.

use crate::cgroup::{parse_mountinfo, CgroupMount, MountKind};
use crate::runtime::kernel::mounts::{self, MountError};
use crate::runtime::kernel::syscall::Syscall;
use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::sys::stat::Mode;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

/// The file systems the zone's cgroup tree is made of on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupTree {
    /// cgroup2 at the destination.
    Unified,
    /// A tmpfs at the destination with the `name=systemd` v1 hierarchy at `systemd/`.
    NamedSystemd,
}

/// The tree for a host with these cgroup mounts (mountinfo's), `None` when it has neither a
/// unified hierarchy nor a `name=systemd` one (then no init could manage cgroups).
pub fn cgroup_tree(host: &[CgroupMount]) -> Option<CgroupTree> {
    if host.iter().any(|m| m.kind == MountKind::V2) {
        return Some(CgroupTree::Unified);
    }
    host.iter()
        .any(|m| match &m.kind {
            MountKind::V1 { options } => options.iter().any(|o| o == "name=systemd"),
            MountKind::V2 => false,
        })
        .then_some(CgroupTree::NamedSystemd)
}

const NSN: MsFlags = MsFlags::MS_NOSUID
    .union(MsFlags::MS_NODEV)
    .union(MsFlags::MS_NOEXEC);

fn failed(dest: &Path, what: &str) -> impl FnOnce(Errno) -> MountError {
    let (path, what) = (dest.to_path_buf(), format!("{what} on "));
    move |errno| MountError {
        step: "mount",
        path,
        errno,
        what,
    }
}

/// Mount the zone's cgroup tree at the OCI `cgroup` mount `m` inside `root_fd`. Must run in
/// the zone's cgroup namespace (its root the zone's cgroup) and mount namespace.
pub fn mount_cgroup_tree(
    sc: &dyn Syscall,
    root_fd: BorrowedFd<'_>,
    m: &oci_spec::runtime::Mount,
) -> Result<(), MountError> {
    let dest = m.destination();
    let text = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| MountError {
        step: "read",
        path: PathBuf::from("/proc/self/mountinfo"),
        errno: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        what: String::new(),
    })?;
    let host = parse_mountinfo(&text, Path::new("/proc/self/mountinfo")).unwrap_or_default();
    let target = mounts::open_dest(root_fd, dest, false)?;
    let at = mounts::fd_path(target.as_fd());
    // Whatever the options say, the tree is writable (that is its point) and runs nothing.
    match cgroup_tree(&host) {
        Some(CgroupTree::Unified) => sc
            .mount(Some(Path::new("cgroup2")), &at, Some("cgroup2"), NSN, None)
            .map_err(failed(dest, "cgroup2 cgroup2")),
        Some(CgroupTree::NamedSystemd) => {
            sc.mount(
                Some(Path::new("tmpfs")),
                &at,
                Some("tmpfs"),
                NSN,
                Some("mode=755,size=64k"),
            )
            .map_err(failed(dest, "tmpfs tmpfs"))?;
            let named = dest.join("systemd");
            let sub = mounts::open_dest(root_fd, &named, false)?;
            sc.mount(
                Some(Path::new("cgroup")),
                &mounts::fd_path(sub.as_fd()),
                Some("cgroup"),
                NSN,
                Some("none,name=systemd"),
            )
            .map_err(failed(&named, "cgroup name=systemd"))?;
            // The tmpfs itself is read-only once its hierarchy is in place, as systemd-nspawn
            // leaves it.
            let again = mounts::open_dest(root_fd, dest, false)?;
            sc.mount(
                None,
                &mounts::fd_path(again.as_fd()),
                None,
                NSN | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
                Some("mode=755,size=64k"),
            )
            .map_err(failed(dest, "read-only tmpfs"))
        }
        None => Err(MountError {
            step: "mount",
            path: dest.to_path_buf(),
            errno: Errno::ENOENT,
            what: "cgroup (no unified or name=systemd hierarchy on this host) on ".to_string(),
        }),
    }
}

/// Where systemd keeps the machine ID.
pub const MACHINE_ID: &str = "/etc/machine-id";

/// Whether a machine-id file's text leaves the ID to be set (empty, or systemd's
/// `uninitialized` of images made for a first boot).
pub fn machine_id_unset(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t == "uninitialized"
}

/// After `pivot_root`, inside the zone: when `/etc/machine-id` is missing, empty or
/// `uninitialized`, write `id` there (mode 0444). A symlink or anything but a regular file is
/// left as it is (systemd then deals with it), and so is an `/etc` that is missing or
/// read-only. Returns whether it wrote.
pub fn fill_machine_id(id: &str) -> Result<bool, Errno> {
    use nix::fcntl::{open, OFlag};
    use std::io::{Read, Write};
    let flags = OFlag::O_RDWR | OFlag::O_CREAT | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let fd = match open(MACHINE_ID, flags, Mode::from_bits_truncate(0o444)) {
        Ok(fd) => fd,
        Err(Errno::ELOOP | Errno::ENOENT | Errno::EROFS | Errno::EISDIR | Errno::ENOTDIR) => {
            return Ok(false)
        }
        Err(e) => return Err(e),
    };
    let st = nix::sys::stat::fstat(fd.as_fd())?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG || st.st_nlink > 1 {
        return Ok(false);
    }
    let mut file = std::fs::File::from(fd);
    let mut text = String::new();
    // Only the first bytes matter: an ID is 33.
    let _ = (&mut file).take(64).read_to_string(&mut text);
    if !machine_id_unset(&text) {
        return Ok(false);
    }
    let errno = |e: std::io::Error| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO));
    file.set_len(0).map_err(errno)?;
    let mut line = id.as_bytes().to_vec();
    line.push(b'\n');
    std::os::unix::fs::FileExt::write_all_at(&file, &line, 0).map_err(errno)?;
    file.flush().map_err(errno)?;
    file.sync_all().map_err(errno)?;
    nix::sys::stat::fchmod(file.as_fd(), Mode::from_bits_truncate(0o444))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounts_of(text: &str) -> Vec<CgroupMount> {
        parse_mountinfo(text, Path::new("mountinfo")).unwrap()
    }

    #[test]
    fn the_tree_follows_the_host() {
        let hybrid = "30 25 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n\
                      31 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
                      32 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        assert_eq!(cgroup_tree(&mounts_of(hybrid)), Some(CgroupTree::Unified));
        let v2 = "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(cgroup_tree(&mounts_of(v2)), Some(CgroupTree::Unified));
        let legacy =
            "30 25 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n\
                      32 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        assert_eq!(
            cgroup_tree(&mounts_of(legacy)),
            Some(CgroupTree::NamedSystemd)
        );
        let bare = "32 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        assert_eq!(cgroup_tree(&mounts_of(bare)), None);
    }

    #[test]
    fn unset_machine_ids() {
        assert!(machine_id_unset(""));
        assert!(machine_id_unset("\n"));
        assert!(machine_id_unset("uninitialized\n"));
        assert!(!machine_id_unset("15e3768f27284988ad1de7e0527c5d25\n"));
    }
}
