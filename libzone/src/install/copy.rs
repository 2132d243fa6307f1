//! Copy a directory tree exactly: what `clone`, a cross-file-system `move` and an install from a
//! directory need. Owners, modes (setuid bits too), timestamps, extended attributes (ACLs,
//! `security.capability` file capabilities), hard links, symlinks (never followed), device
//! nodes, fifos and sockets, and holes in sparse files are kept.
//!
//! Every name is opened relative to its parent's descriptor without following symlinks, on
//! both sides, so a symlink planted in the source (a zone root is its zone's to change) can
//! never send the copy outside it, and nothing is ever written outside the destination.
//!
//! File data goes the cheapest way the file systems allow: a reflink (`FICLONE`, shared
//! extents on btrfs and xfs), else `copy_file_range` (copied inside the kernel), else
//! read/write. One thread walks the tree and makes directories, links and empty files; a few
//! workers fill the files, each with descriptors the walker opened, so the walk never waits
//! for data.

use std::collections::HashMap;
use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

/// What to do with a directory of the source that is another file system's mount point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mounts {
    /// Fail: a halted zone has nothing mounted in it, so a mount there is a mistake.
    Refuse,
    /// Copy the mount point as an empty directory, not what is mounted on it (`cp -x`).
    Skip,
}

/// What to do with device nodes (character and block special files) of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Devices {
    Copy,
    Refuse,
}

/// How a copy is made.
#[derive(Clone, Copy)]
pub struct CopyOptions<'a> {
    /// Workers filling files (0: twice as many as the host has CPUs, 4 to 16).
    pub threads: usize,
    pub mounts: Mounts,
    pub devices: Devices,
    /// Called now and then with the bytes and the files copied so far.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

impl Default for CopyOptions<'_> {
    fn default() -> Self {
        CopyOptions {
            threads: 0,
            mounts: Mounts::Refuse,
            devices: Devices::Copy,
            progress: None,
        }
    }
}

/// What a copy made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyStats {
    /// Regular files (each hard-linked file once).
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// Extra names of hard-linked files.
    pub hard_links: u64,
    /// Device nodes, fifos and sockets.
    pub specials: u64,
    /// Bytes of file data (holes not counted).
    pub bytes: u64,
    /// Files whose data was shared with a reflink instead of copied.
    pub reflinked: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{}: cannot {op}: {}", path.display(), crate::pool::error::io_reason(source))]
    Io {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} already exists; not copying over it")]
    Exists(PathBuf),
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("a file system is mounted on {0}; unmount it first")]
    Mounted(PathBuf),
    #[error("{0} is a device node, which this copy may not make")]
    Device(PathBuf),
}

/// Copy the tree at `src` to `dst`, which must not exist (its parent must). On failure
/// whatever was made of `dst` is removed again.
pub fn copy_tree(src: &Path, dst: &Path, opts: &CopyOptions) -> Result<CopyStats, CopyError> {
    let src_fd = match open_dir_at(libc::AT_FDCWD, &cpath(src), src) {
        Err(CopyError::Io { source, .. }) if source.raw_os_error() == Some(libc::ENOTDIR) => {
            return Err(CopyError::NotADirectory(src.to_path_buf()))
        }
        other => other?,
    };
    let st = fstat(&src_fd, src)?;
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(CopyError::NotADirectory(src.to_path_buf()));
    }
    match std::fs::symlink_metadata(dst) {
        Ok(_) => return Err(CopyError::Exists(dst.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(CopyError::Io {
                path: dst.to_path_buf(),
                op: "look at",
                source,
            })
        }
    }
    let dst_c = cpath(dst);
    // SAFETY: a valid C string; mkdir has no other preconditions.
    check(unsafe { libc::mkdir(dst_c.as_ptr(), 0o700) }, dst, "create")?;
    let made = Made(Some(dst.to_path_buf()));
    let dst_fd = open_dir_at(libc::AT_FDCWD, &dst_c, dst)?;
    let shared = Shared {
        opts,
        failed: AtomicBool::new(false),
        error: Mutex::new(None),
        bytes: AtomicU64::new(0),
        files: AtomicU64::new(0),
        reflinked: AtomicU64::new(0),
        try_reflink: AtomicBool::new(true),
        try_range: AtomicBool::new(true),
    };
    let stats = Copier::new(&shared, src, dst, st.st_dev).run(src_fd, dst_fd, &st)?;
    made.keep();
    Ok(stats)
}

/// Removes the destination unless the copy succeeded.
struct Made(Option<PathBuf>);

impl Made {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Made {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = super::remove::remove_tree(&p);
        }
    }
}

/// A file the walker made (empty) for a worker to fill.
struct Job {
    src: OwnedFd,
    dst: OwnedFd,
    st: libc::stat,
    path: PathBuf,
}

struct Shared<'a> {
    opts: &'a CopyOptions<'a>,
    failed: AtomicBool,
    error: Mutex<Option<CopyError>>,
    bytes: AtomicU64,
    files: AtomicU64,
    reflinked: AtomicU64,
    /// Whether a reflink may still work here (the first refusal turns it off).
    try_reflink: AtomicBool,
    /// Whether copy_file_range may still work here.
    try_range: AtomicBool,
}

impl Shared<'_> {
    fn fail(&self, e: CopyError) {
        self.failed.store(true, Ordering::SeqCst);
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(e);
        }
    }

    fn progress(&self) {
        if let Some(f) = self.opts.progress {
            f(
                self.bytes.load(Ordering::Relaxed),
                self.files.load(Ordering::Relaxed),
            );
        }
    }
}

struct Copier<'a> {
    shared: &'a Shared<'a>,
    src_root: &'a Path,
    dst_root: &'a Path,
    dev: libc::dev_t,
    /// Hard-linked files seen: (dev, ino) -> the first copy's path below the root.
    links: HashMap<(libc::dev_t, libc::ino_t), PathBuf>,
    /// The destination root, which hard links are made relative to (set by `run`).
    root_fd: RawFd,
    stats: CopyStats,
}

impl<'a> Copier<'a> {
    fn new(
        shared: &'a Shared<'a>,
        src_root: &'a Path,
        dst_root: &'a Path,
        dev: libc::dev_t,
    ) -> Self {
        Copier {
            shared,
            src_root,
            dst_root,
            dev,
            links: HashMap::new(),
            root_fd: -1,
            stats: CopyStats::default(),
        }
    }

    fn run(mut self, src: OwnedFd, dst: OwnedFd, st: &libc::stat) -> Result<CopyStats, CopyError> {
        let threads = match self.shared.opts.threads {
            // Filling files waits on the disk as much as on a CPU: twice the CPUs.
            0 => (2 * std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2))
            .clamp(4, 16),
            n => n,
        };
        self.root_fd = dst.as_raw_fd();
        let (tx, rx) = mpsc::sync_channel::<Job>(256);
        let rx = Mutex::new(rx);
        let walked = std::thread::scope(|s| {
            let shared = self.shared;
            let rx = &rx;
            for _ in 0..threads {
                s.spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    if shared.failed.load(Ordering::Relaxed) {
                        continue;
                    }
                    match fill(shared, &job) {
                        Ok(()) => {
                            shared.files.fetch_add(1, Ordering::Relaxed);
                            shared.progress();
                        }
                        Err(e) => shared.fail(e),
                    }
                });
            }
            let r = self.walk(&src, &dst, Path::new(""), &tx);
            drop(tx);
            r
        });
        if let Some(e) = self.shared.error.lock().ok().and_then(|mut e| e.take()) {
            return Err(e);
        }
        walked?;
        set_meta_fd(&src, &dst, st, self.dst_root)?;
        self.stats.bytes = self.shared.bytes.load(Ordering::Relaxed);
        self.stats.reflinked = self.shared.reflinked.load(Ordering::Relaxed);
        Ok(self.stats)
    }

    /// Copy the entries of the directory `src` (at `rel` below the root) into `dst`.
    fn walk(
        &mut self,
        src: &OwnedFd,
        dst: &OwnedFd,
        rel: &Path,
        tx: &mpsc::SyncSender<Job>,
    ) -> Result<(), CopyError> {
        for name in list_dir(src, &self.src_root.join(rel))? {
            if self.shared.failed.load(Ordering::Relaxed) {
                return Ok(());
            }
            let rel = rel.join(OsStr::from_bytes(name.as_bytes()));
            self.entry(src, dst, &name, &rel, tx)?;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        src: &OwnedFd,
        dst: &OwnedFd,
        name: &CStr,
        rel: &Path,
        tx: &mpsc::SyncSender<Job>,
    ) -> Result<(), CopyError> {
        let spath = self.src_root.join(rel);
        let dpath = self.dst_root.join(rel);
        let st = fstatat(src, name, &spath)?;
        let kind = st.st_mode & libc::S_IFMT;
        if kind != libc::S_IFDIR && st.st_nlink > 1 {
            if let Some(first) = self.links.get(&(st.st_dev, st.st_ino)) {
                let first = cpath(first);
                // SAFETY: valid descriptors and C strings; linkat without AT_SYMLINK_FOLLOW
                // links the name itself.
                let r = unsafe {
                    libc::linkat(
                        self.root_fd,
                        first.as_ptr(),
                        dst.as_raw_fd(),
                        name.as_ptr(),
                        0,
                    )
                };
                check(r, &dpath, "link")?;
                self.stats.hard_links += 1;
                return Ok(());
            }
            self.links.insert((st.st_dev, st.st_ino), rel.to_path_buf());
        }
        match kind {
            libc::S_IFDIR => {
                if st.st_dev != self.dev && self.shared.opts.mounts == Mounts::Refuse {
                    return Err(CopyError::Mounted(spath));
                }
                // SAFETY: valid descriptor and C string.
                check(
                    unsafe { libc::mkdirat(dst.as_raw_fd(), name.as_ptr(), 0o700) },
                    &dpath,
                    "create",
                )?;
                let d = open_dir_at(dst.as_raw_fd(), name, &dpath)?;
                self.stats.dirs += 1;
                if st.st_dev == self.dev {
                    let s = open_dir_at(src.as_raw_fd(), name, &spath)?;
                    self.walk(&s, &d, rel, tx)?;
                    set_meta_fd(&s, &d, &st, &dpath)?;
                } else {
                    // The mount point itself, as it is below what is mounted there: its
                    // owner and mode as seen now are the mounted root's, so keep ours.
                    set_times_at(dst, name, &st, &dpath)?;
                }
            }
            libc::S_IFREG => {
                let s = open_at(src, name, libc::O_RDONLY | libc::O_NOFOLLOW, 0, &spath)?;
                // Made with its final permission bits (the umask allowing), so most files
                // need no chmod afterwards; set-id bits come after the owner (set_meta_fd).
                let d = open_at(
                    dst,
                    name,
                    libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW,
                    st.st_mode & 0o777,
                    &dpath,
                )?;
                let job = Job {
                    src: s,
                    dst: d,
                    st,
                    path: dpath,
                };
                // Workers gone (they only stop when the channel closes) cannot happen while
                // the sender lives; fill the file here if it somehow did.
                if let Err(mpsc::SendError(job)) = tx.send(job) {
                    fill(self.shared, &job)?;
                }
                self.stats.files += 1;
            }
            libc::S_IFLNK => {
                let target = readlinkat(src, name, &spath)?;
                // SAFETY: valid descriptor and C strings.
                check(
                    unsafe { libc::symlinkat(target.as_ptr(), dst.as_raw_fd(), name.as_ptr()) },
                    &dpath,
                    "create symlink",
                )?;
                self.special_meta(src, dst, name, &st, &dpath, true)?;
                self.stats.symlinks += 1;
            }
            libc::S_IFCHR | libc::S_IFBLK | libc::S_IFIFO | libc::S_IFSOCK => {
                if matches!(kind, libc::S_IFCHR | libc::S_IFBLK)
                    && self.shared.opts.devices == Devices::Refuse
                {
                    return Err(CopyError::Device(spath));
                }
                // SAFETY: valid descriptor and C string.
                let r = unsafe {
                    libc::mknodat(dst.as_raw_fd(), name.as_ptr(), kind | 0o600, st.st_rdev)
                };
                check(r, &dpath, "create")?;
                self.special_meta(src, dst, name, &st, &dpath, false)?;
                self.stats.specials += 1;
            }
            _ => {}
        }
        Ok(())
    }

    /// Owner, mode (not for symlinks), extended attributes and times of a name that cannot
    /// be opened for writing (a symlink, a device node, a fifo, a socket).
    fn special_meta(
        &self,
        src: &OwnedFd,
        dst: &OwnedFd,
        name: &CStr,
        st: &libc::stat,
        path: &Path,
        symlink: bool,
    ) -> Result<(), CopyError> {
        // SAFETY: valid descriptor and C string.
        let r = unsafe {
            libc::fchownat(
                dst.as_raw_fd(),
                name.as_ptr(),
                st.st_uid,
                st.st_gid,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        check(r, path, "set the owner of")?;
        if !symlink {
            // SAFETY: valid descriptor and C string; the name is not a symlink (we made it).
            let r =
                unsafe { libc::fchmodat(dst.as_raw_fd(), name.as_ptr(), st.st_mode & 0o7777, 0) };
            check(r, path, "set the mode of")?;
        }
        let sp = proc_path(src, name);
        let dp = proc_path(dst, name);
        copy_xattrs(&XattrSide::Path(&sp), &XattrSide::Path(&dp), path)?;
        set_times_at(dst, name, st, path)
    }
}

/// Fill the empty file `job.dst` from `job.src`, then give it the source's owner, mode,
/// extended attributes and times (in that order: a change of owner clears setuid bits and
/// file capabilities).
fn fill(shared: &Shared, job: &Job) -> Result<(), CopyError> {
    let size = job.st.st_size as u64;
    let copied = copy_data(shared, job, size)?;
    shared.bytes.fetch_add(copied, Ordering::Relaxed);
    set_meta_fd(&job.src, &job.dst, &job.st, &job.path)
}

fn copy_data(shared: &Shared, job: &Job, size: u64) -> Result<u64, CopyError> {
    if size == 0 {
        return Ok(0);
    }
    let (s, d) = (job.src.as_raw_fd(), job.dst.as_raw_fd());
    if shared.try_reflink.load(Ordering::Relaxed) {
        // SAFETY: FICLONE takes the source descriptor as its argument.
        if unsafe { libc::ioctl(d, libc::FICLONE, s) } == 0 {
            shared.reflinked.fetch_add(1, Ordering::Relaxed);
            return Ok(size);
        }
        match errno() {
            // This file system (or this pair) cannot share extents: never again here.
            libc::EOPNOTSUPP | libc::ENOTTY | libc::EXDEV | libc::EINVAL | libc::ENOSYS => {
                shared.try_reflink.store(false, Ordering::Relaxed)
            }
            _ => {}
        }
    }
    let sparse = (job.st.st_blocks as u64) * 512 < size;
    if !sparse {
        return copy_range(shared, s, d, 0, None, &job.path);
    }
    // Only the data segments; the holes stay holes (the size is set at the end).
    let mut total = 0;
    let mut off: i64 = 0;
    loop {
        // SAFETY: plain lseek on a descriptor we own.
        let data = unsafe { libc::lseek(s, off, libc::SEEK_DATA) };
        if data < 0 {
            if errno() == libc::ENXIO {
                break;
            }
            return Err(io_err(&job.path, "read"));
        }
        // SAFETY: as above.
        let hole = unsafe { libc::lseek(s, data, libc::SEEK_HOLE) };
        if hole < 0 {
            return Err(io_err(&job.path, "read"));
        }
        total += copy_range(shared, s, d, data, Some((hole - data) as u64), &job.path)?;
        off = hole;
    }
    // SAFETY: plain ftruncate on a descriptor we own.
    check(
        unsafe { libc::ftruncate(d, size as i64) },
        &job.path,
        "write",
    )?;
    Ok(total)
}

/// Copy from `off` to the end of the file (`len: None`) or `len` bytes, at the same offsets
/// on both sides.
fn copy_range(
    shared: &Shared,
    s: RawFd,
    d: RawFd,
    off: i64,
    len: Option<u64>,
    path: &Path,
) -> Result<u64, CopyError> {
    let mut done: u64 = 0;
    let want = |done: u64| len.map_or(1 << 30, |l| (l - done).min(1 << 30)) as usize;
    while shared.try_range.load(Ordering::Relaxed) && len.is_none_or(|l| done < l) {
        let mut so = off + done as i64;
        let mut dof = so;
        // SAFETY: valid descriptors and offset pointers.
        let n = unsafe { libc::copy_file_range(s, &mut so, d, &mut dof, want(done), 0) };
        if n > 0 {
            done += n as u64;
            continue;
        }
        if n == 0 {
            return Ok(done);
        }
        match errno() {
            libc::EINTR => continue,
            libc::EXDEV | libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP | libc::EPERM
                if done == 0 =>
            {
                shared.try_range.store(false, Ordering::Relaxed);
            }
            _ => return Err(io_err(path, "copy")),
        }
    }
    if len.is_some_and(|l| done >= l) {
        return Ok(done);
    }
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let at = off + done as i64;
        let n = want(done).min(buf.len());
        if n == 0 {
            return Ok(done);
        }
        // SAFETY: the buffer holds n bytes.
        let r = unsafe { libc::pread(s, buf.as_mut_ptr().cast(), n, at) };
        if r < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            return Err(io_err(path, "read"));
        }
        if r == 0 {
            return Ok(done);
        }
        let mut w = 0usize;
        while w < r as usize {
            // SAFETY: the buffer holds r bytes.
            let x = unsafe {
                libc::pwrite(
                    d,
                    buf[w..r as usize].as_ptr().cast(),
                    r as usize - w,
                    at + w as i64,
                )
            };
            if x < 0 {
                if errno() == libc::EINTR {
                    continue;
                }
                return Err(io_err(path, "write"));
            }
            w += x as usize;
        }
        done += r as u64;
    }
}

/// Owner, mode, extended attributes and times of an opened file or directory.
fn set_meta_fd(
    src: &OwnedFd,
    dst: &OwnedFd,
    st: &libc::stat,
    path: &Path,
) -> Result<(), CopyError> {
    let d = dst.as_raw_fd();
    // What the new file already has (an fstat is far cheaper than a chown or chmod, which
    // write the inode even when nothing changes): most files are root's, made with their mode.
    let now = fstat(dst, path)?;
    if (now.st_uid, now.st_gid) != (st.st_uid, st.st_gid) {
        // SAFETY: plain call on a descriptor we own.
        check(
            unsafe { libc::fchown(d, st.st_uid, st.st_gid) },
            path,
            "set the owner of",
        )?;
    }
    // A chown clears set-id bits, so the mode is set after it whenever it differs or has them.
    if now.st_mode & 0o7777 != st.st_mode & 0o7777 || st.st_mode & 0o7000 != 0 {
        // SAFETY: plain call on a descriptor we own.
        check(
            unsafe { libc::fchmod(d, st.st_mode & 0o7777) },
            path,
            "set the mode of",
        )?;
    }
    copy_xattrs(&XattrSide::Fd(src.as_raw_fd()), &XattrSide::Fd(d), path)?;
    let times = times_of(st);
    // SAFETY: two timespecs.
    check(
        unsafe { libc::futimens(d, times.as_ptr()) },
        path,
        "set the times of",
    )
}

fn set_times_at(dir: &OwnedFd, name: &CStr, st: &libc::stat, path: &Path) -> Result<(), CopyError> {
    let times = times_of(st);
    // SAFETY: valid descriptor, C string and two timespecs.
    let r = unsafe {
        libc::utimensat(
            dir.as_raw_fd(),
            name.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    check(r, path, "set the times of")
}

fn times_of(st: &libc::stat) -> [libc::timespec; 2] {
    [
        libc::timespec {
            tv_sec: st.st_atime,
            tv_nsec: st.st_atime_nsec,
        },
        libc::timespec {
            tv_sec: st.st_mtime,
            tv_nsec: st.st_mtime_nsec,
        },
    ]
}

/// Where extended attributes are read or written: an open file, or a path that is not
/// followed if it is a symlink.
enum XattrSide<'a> {
    Fd(RawFd),
    Path(&'a CStr),
}

impl XattrSide<'_> {
    fn list(&self, buf: &mut [u8]) -> isize {
        let (p, n) = (buf.as_mut_ptr().cast(), buf.len());
        // SAFETY: the buffer holds n bytes (n == 0 asks for the size).
        unsafe {
            match self {
                XattrSide::Fd(fd) => libc::flistxattr(*fd, p, n),
                XattrSide::Path(path) => libc::llistxattr(path.as_ptr(), p, n),
            }
        }
    }

    fn get(&self, name: &CStr, buf: &mut [u8]) -> isize {
        let (p, n) = (buf.as_mut_ptr().cast(), buf.len());
        // SAFETY: the buffer holds n bytes.
        unsafe {
            match self {
                XattrSide::Fd(fd) => libc::fgetxattr(*fd, name.as_ptr(), p, n),
                XattrSide::Path(path) => libc::lgetxattr(path.as_ptr(), name.as_ptr(), p, n),
            }
        }
    }

    fn set(&self, name: &CStr, value: &[u8]) -> i32 {
        let (p, n) = (value.as_ptr().cast(), value.len());
        // SAFETY: the value holds n bytes.
        unsafe {
            match self {
                XattrSide::Fd(fd) => libc::fsetxattr(*fd, name.as_ptr(), p, n, 0),
                XattrSide::Path(path) => libc::lsetxattr(path.as_ptr(), name.as_ptr(), p, n, 0),
            }
        }
    }
}

fn copy_xattrs(src: &XattrSide, dst: &XattrSide, path: &Path) -> Result<(), CopyError> {
    let mut names = vec![0u8; 1024];
    let n = loop {
        let n = src.list(&mut names);
        if n >= 0 {
            break n as usize;
        }
        match errno() {
            // No extended attributes here at all.
            libc::ENOTSUP => return Ok(()),
            libc::ERANGE => {
                let need = src.list(&mut []);
                if need < 0 {
                    return Err(io_err(path, "read the attributes of"));
                }
                names.resize(need as usize + 1, 0);
            }
            _ => return Err(io_err(path, "read the attributes of")),
        }
    };
    let mut value = vec![0u8; 256];
    for name in names[..n].split(|b| *b == 0).filter(|s| !s.is_empty()) {
        let Ok(cname) = CString::new(name) else {
            continue;
        };
        let len = loop {
            let r = src.get(&cname, &mut value);
            if r >= 0 {
                break r as usize;
            }
            match errno() {
                libc::ERANGE => {
                    let need = src.get(&cname, &mut []);
                    if need < 0 {
                        return Err(io_err(path, "read the attributes of"));
                    }
                    value.resize(need as usize + 1, 0);
                }
                // Gone since the list was read.
                libc::ENODATA => break usize::MAX,
                _ => return Err(io_err(path, "read the attributes of")),
            }
        };
        if len == usize::MAX {
            continue;
        }
        if dst.set(&cname, &value[..len]) != 0 {
            match errno() {
                // A destination file system without this namespace (e.g. no ACLs on tmpfs
                // without them): the copy is as close as it can be.
                libc::ENOTSUP => continue,
                _ => return Err(io_err(path, "set the attributes of")),
            }
        }
    }
    Ok(())
}

/// The names in a directory (not `.` and `..`), sorted so copies are reproducible.
fn list_dir(dir: &OwnedFd, path: &Path) -> Result<Vec<CString>, CopyError> {
    // fdopendir takes its descriptor: give it a duplicate.
    // SAFETY: F_DUPFD_CLOEXEC on a descriptor we own.
    let dup = unsafe { libc::fcntl(dir.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    check(dup, path, "read")?;
    // SAFETY: dup is a fresh descriptor of a directory; fdopendir owns it from here.
    let d = unsafe { libc::fdopendir(dup) };
    if d.is_null() {
        let e = io_err(path, "read");
        // SAFETY: fdopendir failed, so dup is still ours.
        unsafe { libc::close(dup) };
        return Err(e);
    }
    let mut names = Vec::new();
    let result = loop {
        // SAFETY: errno is thread-local; reset it to tell the end from an error.
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: d is an open DIR*.
        let ent = unsafe { libc::readdir64(d) };
        if ent.is_null() {
            break if errno() == 0 {
                Ok(())
            } else {
                Err(io_err(path, "read"))
            };
        }
        // SAFETY: d_name is a NUL-terminated name inside the entry readdir returned.
        let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
        let b = name.to_bytes();
        if b != b"." && b != b".." {
            names.push(name.to_owned());
        }
    };
    // SAFETY: d is open; closedir closes dup too.
    unsafe { libc::closedir(d) };
    result?;
    names.sort();
    Ok(names)
}

fn fstatat(dir: &OwnedFd, name: &CStr, path: &Path) -> Result<libc::stat, CopyError> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: valid descriptor, C string and stat buffer.
    let r = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            st.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    check(r, path, "look at")?;
    // SAFETY: fstatat filled it.
    Ok(unsafe { st.assume_init() })
}

fn fstat(fd: &OwnedFd, path: &Path) -> Result<libc::stat, CopyError> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: valid descriptor and stat buffer.
    check(
        unsafe { libc::fstat(fd.as_raw_fd(), st.as_mut_ptr()) },
        path,
        "look at",
    )?;
    // SAFETY: fstat filled it.
    Ok(unsafe { st.assume_init() })
}

fn open_dir_at(dir: RawFd, name: &CStr, path: &Path) -> Result<OwnedFd, CopyError> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: valid descriptor (or AT_FDCWD) and C string.
    let fd = unsafe { libc::openat(dir, name.as_ptr(), flags) };
    check(fd, path, "open")?;
    // SAFETY: a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn open_at(
    dir: &OwnedFd,
    name: &CStr,
    flags: i32,
    mode: libc::mode_t,
    path: &Path,
) -> Result<OwnedFd, CopyError> {
    // SAFETY: valid descriptor and C string.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            flags | libc::O_CLOEXEC,
            mode,
        )
    };
    check(
        fd,
        path,
        if flags & libc::O_CREAT != 0 {
            "create"
        } else {
            "open"
        },
    )?;
    // SAFETY: a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn readlinkat(dir: &OwnedFd, name: &CStr, path: &Path) -> Result<CString, CopyError> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: the buffer holds buf.len() bytes.
        let n = unsafe {
            libc::readlinkat(
                dir.as_raw_fd(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        check(n as i32, path, "read the symlink")?;
        let n = n as usize;
        if n < buf.len() {
            buf.truncate(n);
            return CString::new(buf).map_err(|_| CopyError::Io {
                path: path.to_path_buf(),
                op: "read the symlink",
                source: std::io::Error::from_raw_os_error(libc::EINVAL),
            });
        }
        buf.resize(buf.len() * 2, 0);
    }
}

/// `/proc/self/fd/<dir>/<name>`: a path to a name in an open directory that does not depend
/// on where the directory is.
fn proc_path(dir: &OwnedFd, name: &CStr) -> CString {
    let mut p = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    p.extend_from_slice(name.to_bytes());
    CString::new(p).unwrap_or_default()
}

fn cpath(p: &Path) -> CString {
    // A path from the OS never holds a NUL; an empty one names nothing (ENOENT).
    CString::new(p.as_os_str().as_bytes()).unwrap_or_default()
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn io_err(path: &Path, op: &'static str) -> CopyError {
    CopyError::Io {
        path: path.to_path_buf(),
        op,
        source: std::io::Error::last_os_error(),
    }
}

fn check(r: i32, path: &Path, op: &'static str) -> Result<(), CopyError> {
    if r < 0 {
        Err(io_err(path, op))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn meta(p: &Path) -> std::fs::Metadata {
        std::fs::symlink_metadata(p).unwrap()
    }

    fn set_xattr(p: &Path, name: &str, value: &[u8]) -> bool {
        let (p, n) = (cpath(p), CString::new(name).unwrap());
        // SAFETY: valid C strings and buffer.
        unsafe {
            libc::lsetxattr(
                p.as_ptr(),
                n.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            ) == 0
        }
    }

    fn get_xattr(p: &Path, name: &str) -> Option<Vec<u8>> {
        let (p, n) = (cpath(p), CString::new(name).unwrap());
        let mut buf = vec![0u8; 256];
        // SAFETY: valid C strings and buffer.
        let r =
            unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        (r >= 0).then(|| buf[..r as usize].to_vec())
    }

    /// A tree with one of everything an unprivileged user can make.
    fn sample(root: &Path) {
        std::fs::create_dir_all(root.join("etc/sub")).unwrap();
        std::fs::write(root.join("etc/hostname"), "z1\n").unwrap();
        std::fs::write(root.join("etc/sub/big"), vec![7u8; 3 * 1024 * 1024 + 17]).unwrap();
        std::fs::set_permissions(root.join("etc/sub"), std::fs::Permissions::from_mode(0o750))
            .unwrap();
        std::fs::write(root.join("tool"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(root.join("tool"), std::fs::Permissions::from_mode(0o4755))
            .unwrap();
        std::fs::hard_link(root.join("tool"), root.join("tool-again")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("escape")).unwrap();
        std::os::unix::fs::symlink("../nowhere", root.join("etc/dangling")).unwrap();
        std::fs::create_dir(root.join("empty")).unwrap();
        // A sparse file: data, a hole of 8 MiB, data.
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(root.join("sparse"))
            .unwrap();
        use std::os::unix::fs::FileExt;
        f.write_all_at(b"head", 0).unwrap();
        f.write_all_at(b"tail", 8 << 20).unwrap();
        let fifo = cpath(&root.join("fifo"));
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o640) }, 0);
    }

    #[test]
    fn copies_everything_and_follows_no_symlink() {
        let t = tempfile::tempdir().unwrap();
        let (src, dst) = (t.path().join("src"), t.path().join("dst"));
        sample(&src);
        let xattrs = set_xattr(&src.join("tool"), "user.zones.test", b"v1");
        std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o711)).unwrap();
        let calls = AtomicU64::new(0);
        let progress = |_: u64, _: u64| {
            calls.fetch_add(1, Ordering::Relaxed);
        };
        let opts = CopyOptions {
            progress: Some(&progress),
            ..CopyOptions::default()
        };
        let stats = copy_tree(&src, &dst, &opts).unwrap();
        assert_eq!(stats.files, 4, "{stats:?}");
        assert_eq!(stats.hard_links, 1);
        assert_eq!(stats.symlinks, 2);
        assert_eq!(stats.specials, 1);
        assert_eq!(stats.dirs, 3);
        assert!(calls.load(Ordering::Relaxed) >= 4);
        // Contents, modes, times, owners.
        for f in ["etc/hostname", "etc/sub/big", "tool", "sparse"] {
            assert_eq!(
                std::fs::read(src.join(f)).unwrap(),
                std::fs::read(dst.join(f)).unwrap(),
                "{f}"
            );
        }
        for p in [
            "", "etc", "etc/sub", "tool", "sparse", "fifo", "escape", "empty",
        ] {
            let (a, b) = (meta(&src.join(p)), meta(&dst.join(p)));
            assert_eq!(a.mode(), b.mode(), "{p}");
            assert_eq!((a.uid(), a.gid()), (b.uid(), b.gid()), "{p}");
            assert_eq!(
                (a.mtime(), a.mtime_nsec()),
                (b.mtime(), b.mtime_nsec()),
                "{p}"
            );
        }
        assert_eq!(meta(&dst.join("tool")).mode() & 0o7777, 0o4755);
        // Hard links stay one file.
        assert_eq!(
            meta(&dst.join("tool")).ino(),
            meta(&dst.join("tool-again")).ino()
        );
        assert_eq!(meta(&dst.join("tool")).nlink(), 2);
        // Symlinks are copied as links, never followed (out of the tree or dangling).
        assert_eq!(
            std::fs::read_link(dst.join("escape")).unwrap(),
            Path::new("/etc")
        );
        assert!(meta(&dst.join("escape")).file_type().is_symlink());
        assert_eq!(
            std::fs::read_link(dst.join("etc/dangling")).unwrap(),
            Path::new("../nowhere")
        );
        assert!(meta(&dst.join("fifo")).file_type().is_fifo_like());
        // Holes stay holes.
        assert_eq!(meta(&dst.join("sparse")).len(), (8 << 20) + 4);
        assert!(meta(&dst.join("sparse")).blocks() * 512 < 1 << 20);
        if xattrs {
            assert_eq!(
                get_xattr(&dst.join("tool"), "user.zones.test").as_deref(),
                Some(&b"v1"[..])
            );
        }
    }

    trait FifoLike {
        fn is_fifo_like(&self) -> bool;
    }
    impl FifoLike for std::fs::FileType {
        fn is_fifo_like(&self) -> bool {
            use std::os::unix::fs::FileTypeExt;
            self.is_fifo()
        }
    }

    #[test]
    fn one_thread_and_read_write_give_the_same_copy() {
        let t = tempfile::tempdir().unwrap();
        let (src, dst) = (t.path().join("src"), t.path().join("dst"));
        sample(&src);
        let opts = CopyOptions {
            threads: 1,
            ..CopyOptions::default()
        };
        let stats = copy_tree(&src, &dst, &opts).unwrap();
        // The sparse file's data segments are whole blocks.
        let logical = 3 * 1024 * 1024 + 17 + 3 + 10 + 8;
        assert!(
            (logical..logical + 65536).contains(&stats.bytes),
            "{stats:?}"
        );
        assert_eq!(
            std::fs::read(dst.join("etc/sub/big")).unwrap().len(),
            3 * 1024 * 1024 + 17
        );
        // The fallback path on its own.
        let shared = Shared {
            opts: &opts,
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            bytes: AtomicU64::new(0),
            files: AtomicU64::new(0),
            reflinked: AtomicU64::new(0),
            try_reflink: AtomicBool::new(false),
            try_range: AtomicBool::new(false),
        };
        let s = std::fs::File::open(src.join("etc/sub/big")).unwrap();
        let d = std::fs::File::create(t.path().join("rw")).unwrap();
        let n = copy_range(
            &shared,
            s.as_raw_fd(),
            d.as_raw_fd(),
            0,
            None,
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(n, 3 * 1024 * 1024 + 17);
        assert_eq!(
            std::fs::read(t.path().join("rw")).unwrap(),
            std::fs::read(src.join("etc/sub/big")).unwrap()
        );
    }

    #[test]
    fn refusals_leave_nothing_behind() {
        let t = tempfile::tempdir().unwrap();
        let (src, dst) = (t.path().join("src"), t.path().join("dst"));
        sample(&src);
        std::fs::create_dir(&dst).unwrap();
        assert!(matches!(
            copy_tree(&src, &dst, &CopyOptions::default()),
            Err(CopyError::Exists(_))
        ));
        std::fs::remove_dir(&dst).unwrap();
        assert!(matches!(
            copy_tree(&src.join("tool"), &dst, &CopyOptions::default()),
            Err(CopyError::NotADirectory(_))
        ));
        // A symlink as the source root is not followed either.
        std::os::unix::fs::symlink(&src, t.path().join("link")).unwrap();
        assert!(copy_tree(&t.path().join("link"), &dst, &CopyOptions::default()).is_err());
        assert!(!dst.exists());
        // A failure half way (an unreadable file, for a user without CAP_DAC_OVERRIDE; a
        // missing source otherwise) removes the partial copy.
        let e = copy_tree(&t.path().join("missing"), &dst, &CopyOptions::default()).unwrap_err();
        assert!(e.to_string().contains("missing: cannot open"), "{e}");
        assert!(!dst.exists());
    }

    #[test]
    fn devices_are_copied_or_refused_as_asked() {
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        let t = tempfile::tempdir().unwrap();
        let (src, dst) = (t.path().join("src"), t.path().join("dst"));
        std::fs::create_dir_all(src.join("dev")).unwrap();
        let null = cpath(&src.join("dev/null"));
        // SAFETY: a valid C string.
        let r = unsafe { libc::mknod(null.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        assert_eq!(r, 0);
        std::os::unix::fs::chown(src.join("dev/null"), Some(0), Some(5)).unwrap();
        let opts = CopyOptions {
            devices: Devices::Refuse,
            ..CopyOptions::default()
        };
        assert!(matches!(
            copy_tree(&src, &dst, &opts),
            Err(CopyError::Device(_))
        ));
        assert!(!dst.exists());
        copy_tree(&src, &dst, &CopyOptions::default()).unwrap();
        let (m, o) = (meta(&dst.join("dev/null")), meta(&src.join("dev/null")));
        assert_eq!(
            (m.rdev(), m.mode(), m.gid()),
            (libc::makedev(1, 3), o.mode(), 5)
        );
    }
}
