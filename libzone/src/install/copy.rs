//! Copy a directory tree into a zone root, keeping what a system tree needs: owners, modes
//! (set-id bits too), extended attributes (file capabilities, ACLs), times, hard links (one
//! inode stays one inode), symbolic links as they are, FIFOs and the device nodes the policy
//! allows. Data is shared with a reflink where the file system can (`FICLONE`), else copied
//! in the kernel (`copy_file_range`), else read and written. The source is walked by file
//! descriptor, never following a link; the destination is written through [`RootDir`], so
//! nothing lands outside it. `zoneadm install -d` uses it, and so do clone and move.

use super::root::{names, Counts, DevicePolicy, EntryPath, Meta, RootDir, Special, UnpackError};
use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstatat, FileStat, Mode};
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// How [`copy_tree`] copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    /// Device nodes that may be copied (others are refused, the copy fails).
    pub devices: DevicePolicy,
    /// Share data with reflinks where the file system can.
    pub reflink: bool,
    /// Copy a directory on another file system (a mount point) as an empty directory.
    pub one_file_system: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            devices: DevicePolicy::Any,
            reflink: true,
            one_file_system: true,
        }
    }
}

/// Copy the tree at `src` into the existing directory `dst` (normally empty; the copy's
/// root gets `src`'s owner, mode and times). `progress` gets the bytes and entries copied
/// so far after each entry. Sockets are left out (they mean nothing without their server).
pub fn copy_tree(
    src: &Path,
    dst: &Path,
    opts: &CopyOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Counts, UnpackError> {
    let mut root = RootDir::open(dst, opts.devices.clone())?;
    let sfd = nix::fcntl::open(
        src,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| src_err(src, e))?;
    let st = nix::sys::stat::fstat(&sfd).map_err(|e| src_err(src, e))?;
    let mut walk = Walk {
        src: src.to_path_buf(),
        dev: st.st_dev,
        opts,
        links: HashMap::new(),
        progress,
    };
    let meta = walk.meta(&st, Some(sfd.as_fd()), &EntryPath::root())?;
    root.directory(&EntryPath::root(), &meta)?;
    walk.dir(&mut root, sfd, &EntryPath::root())?;
    root.finish()
}

fn src_err(path: &Path, e: Errno) -> UnpackError {
    UnpackError::Io {
        path: path.to_path_buf(),
        source: io::Error::from_raw_os_error(e as i32),
    }
}

struct Walk<'a> {
    src: PathBuf,
    dev: u64,
    opts: &'a CopyOptions,
    /// Inodes with more than one link already copied, and where.
    links: HashMap<(u64, u64), EntryPath>,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl Walk<'_> {
    fn src_path(&self, p: &EntryPath) -> PathBuf {
        self.src.join(std::ffi::OsStr::from_bytes(p.as_bytes()))
    }

    fn err(&self, p: &EntryPath, e: impl Into<io::Error>) -> UnpackError {
        UnpackError::Io {
            path: self.src_path(p),
            source: e.into(),
        }
    }

    fn meta(
        &self,
        st: &FileStat,
        fd: Option<BorrowedFd<'_>>,
        p: &EntryPath,
    ) -> Result<Meta, UnpackError> {
        Ok(Meta {
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            mtime: (st.st_mtime, st.st_mtime_nsec),
            xattrs: match fd {
                Some(fd) => xattrs(fd).map_err(|e| self.err(p, e))?,
                None => Vec::new(),
            },
        })
    }

    fn dir(&mut self, root: &mut RootDir, dfd: OwnedFd, at: &EntryPath) -> Result<(), UnpackError> {
        let list =
            names(dfd.try_clone().map_err(|e| self.err(at, e))?).map_err(|e| self.err(at, e))?;
        for name in list {
            let p = at.join(&name);
            let st = fstatat(
                &dfd,
                name.as_slice(),
                nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(|e| self.err(&p, io::Error::from_raw_os_error(e as i32)))?;
            self.entry(root, dfd.as_fd(), &name, &p, &st)?;
            (self.progress)(root.counts.bytes, root.counts.entries);
        }
        Ok(())
    }

    fn open(
        &self,
        dfd: BorrowedFd<'_>,
        name: &[u8],
        p: &EntryPath,
        dir: bool,
    ) -> Result<OwnedFd, UnpackError> {
        let mut flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        if dir {
            flags |= OFlag::O_DIRECTORY;
        }
        openat(dfd, name, flags, Mode::empty())
            .map_err(|e| self.err(p, io::Error::from_raw_os_error(e as i32)))
    }

    fn entry(
        &mut self,
        root: &mut RootDir,
        dfd: BorrowedFd<'_>,
        name: &[u8],
        p: &EntryPath,
        st: &FileStat,
    ) -> Result<(), UnpackError> {
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => {
                let fd = self.open(dfd, name, p, true)?;
                let meta = self.meta(st, Some(fd.as_fd()), p)?;
                root.directory(p, &meta)?;
                if st.st_dev != self.dev && self.opts.one_file_system {
                    return Ok(());
                }
                self.dir(root, fd, p)
            }
            libc::S_IFREG => {
                let key = (st.st_dev, st.st_ino);
                if st.st_nlink > 1 {
                    if let Some(first) = self.links.get(&key) {
                        return root.hard_link(p, first);
                    }
                }
                let fd = self.open(dfd, name, p, false)?;
                let meta = self.meta(st, Some(fd.as_fd()), p)?;
                let src = File::from(fd);
                let reflink = self.opts.reflink;
                root.file_with(p, &meta, &mut |dst| {
                    copy_data(&src, dst, reflink, st.st_size as u64)
                })?;
                if st.st_nlink > 1 {
                    self.links.insert(key, p.clone());
                }
                Ok(())
            }
            libc::S_IFLNK => {
                let target = nix::fcntl::readlinkat(dfd, name)
                    .map_err(|e| self.err(p, io::Error::from_raw_os_error(e as i32)))?;
                let meta = self.meta(st, None, p)?;
                root.symlink(p, target.as_bytes(), &meta)
            }
            libc::S_IFIFO | libc::S_IFCHR | libc::S_IFBLK => {
                let (ma, mi) = (
                    nix::sys::stat::major(st.st_rdev),
                    nix::sys::stat::minor(st.st_rdev),
                );
                let kind = match st.st_mode & libc::S_IFMT {
                    libc::S_IFIFO => Special::Fifo,
                    libc::S_IFCHR => Special::Char(ma, mi),
                    _ => Special::Block(ma, mi),
                };
                let meta = self.meta(st, None, p)?;
                root.special(p, kind, &meta)
            }
            // Sockets.
            _ => Ok(()),
        }
    }
}

const FICLONE: libc::c_ulong = 0x4004_9409;

/// Copy all of `src` into `dst` (both at offset 0): a reflink when `reflink` and the file
/// system can, else `copy_file_range`, else read and write. The bytes copied.
pub fn copy_data(src: &File, dst: &File, reflink: bool, len: u64) -> io::Result<u64> {
    if reflink && len > 0 {
        // SAFETY: both descriptors are open; FICLONE takes the source descriptor.
        let r = unsafe { libc::ioctl(dst.as_raw_fd(), FICLONE as _, src.as_raw_fd()) };
        if r == 0 {
            return Ok(len);
        }
    }
    let mut done: u64 = 0;
    loop {
        // SAFETY: both descriptors are open; null offsets use (and move) the files' own.
        let n = unsafe {
            libc::copy_file_range(
                src.as_raw_fd(),
                std::ptr::null_mut(),
                dst.as_raw_fd(),
                std::ptr::null_mut(),
                1 << 30,
                0,
            )
        };
        if n > 0 {
            done += n as u64;
            continue;
        }
        if n == 0 {
            return Ok(done);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EXDEV)
            | Some(libc::ENOSYS)
            | Some(libc::EINVAL)
            | Some(libc::EOPNOTSUPP)
            | Some(libc::EPERM) => {
                let (mut s, mut d) = (src, dst);
                return Ok(done + io::copy(&mut s, &mut d)?);
            }
            Some(libc::EINTR) => continue,
            _ => return Err(e),
        }
    }
}

/// The extended attributes of open file `fd`, every namespace this process may read.
pub fn xattrs(fd: BorrowedFd<'_>) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let raw = fd.as_raw_fd();
    let mut list = vec![0u8; 1024];
    let n = loop {
        // SAFETY: `list` is valid for its length.
        let n = unsafe { libc::flistxattr(raw, list.as_mut_ptr().cast(), list.len()) };
        if n >= 0 {
            break n as usize;
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ERANGE) => list.resize(list.len() * 4, 0),
            Some(libc::EOPNOTSUPP) => return Ok(Vec::new()),
            _ => return Err(e),
        }
    };
    let mut out = Vec::new();
    for name in list[..n].split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let Ok(cname) = std::ffi::CString::new(name) else {
            continue;
        };
        let mut val = vec![0u8; 256];
        loop {
            // SAFETY: `cname` is NUL-terminated, `val` valid for its length.
            let k =
                unsafe { libc::fgetxattr(raw, cname.as_ptr(), val.as_mut_ptr().cast(), val.len()) };
            if k >= 0 {
                val.truncate(k as usize);
                out.push((name.to_vec(), val));
                break;
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::ERANGE) => {
                    let len = val.len() * 4;
                    val.resize(len, 0)
                }
                // Gone meanwhile.
                Some(libc::ENODATA) => break,
                _ => return Err(e),
            }
        }
    }
    Ok(out)
}
