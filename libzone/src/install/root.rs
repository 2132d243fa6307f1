//! A zone root being filled from an archive, an image or a copied tree. Every entry is made
//! relative to a directory descriptor opened under the root with `openat2(RESOLVE_BENEATH |
//! RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)`, never by a path the
//! kernel could resolve out of it:
//! - an entry name that is absolute or holds `..` is refused before anything is looked up;
//! - a parent that is a symbolic link (an archive's `link -> /etc` then `link/passwd`) is
//!   refused: entries are never written through a link, even one that points inside;
//! - a hard link must name an entry already inside the root, reached the same way;
//! - the final component is created with `O_EXCL|O_NOFOLLOW` (what was there is removed
//!   first, never followed);
//! - device nodes only as the brand allows ([`DevicePolicy`]).
//!
//! Owners, modes (set-id bits after the owner), extended attributes (`security.capability`
//! last, as `chown` clears it) and modification times are kept.

use crate::brand::AllowedDevice;
use nix::errno::Errno;
use nix::fcntl::{openat, openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstatat, mknodat, Mode, SFlag};
use nix::unistd::{fchownat, linkat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Why an entry was refused or could not be made.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("entry '{entry}' {why}; refused")]
    Refused { entry: String, why: String },
    #[error("{}: {}", path.display(), crate::pool::error::io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{what}: {}", source_reason(source))]
    Source {
        what: String,
        #[source]
        source: io::Error,
    },
}

/// Why reading a source failed, in words (a decompressor's or tar's message, or the
/// system's text for an errno).
fn source_reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(_) => crate::pool::error::io_reason(e),
        None => e.to_string(),
    }
}

impl UnpackError {
    fn refused(entry: &[u8], why: impl Into<String>) -> UnpackError {
        UnpackError::Refused {
            entry: String::from_utf8_lossy(entry).into_owned(),
            why: why.into(),
        }
    }
}

/// An entry's name, checked: relative, no `..`, no empty or `.` components (dropped).
/// Empty for the root itself (`./`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryPath(Vec<u8>);

impl EntryPath {
    /// Check an archive entry's name (`./a/b`, `a//b/` are `a/b`).
    pub fn parse(raw: &[u8]) -> Result<EntryPath, UnpackError> {
        if raw.first() == Some(&b'/') {
            return Err(UnpackError::refused(
                raw,
                "is an absolute path (archive entries are relative to the zone root)",
            ));
        }
        if raw.contains(&0) {
            return Err(UnpackError::refused(raw, "holds a NUL byte"));
        }
        let mut out = Vec::with_capacity(raw.len());
        for c in raw.split(|b| *b == b'/') {
            match c {
                b"" | b"." => continue,
                b".." => {
                    return Err(UnpackError::refused(
                        raw,
                        "has a '..' component (it would leave the zone root)",
                    ))
                }
                _ => {
                    if !out.is_empty() {
                        out.push(b'/');
                    }
                    out.extend_from_slice(c);
                }
            }
        }
        Ok(EntryPath(out))
    }

    /// A name made of checked components (a tree walk's).
    pub fn join(&self, name: &[u8]) -> EntryPath {
        let mut v = self.0.clone();
        if !v.is_empty() {
            v.push(b'/');
        }
        v.extend_from_slice(name);
        EntryPath(v)
    }

    pub fn root() -> EntryPath {
        EntryPath(Vec::new())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The parent's name and the last component (`None` for the root).
    pub fn split(&self) -> Option<(&[u8], &[u8])> {
        if self.0.is_empty() {
            return None;
        }
        Some(match self.0.iter().rposition(|b| *b == b'/') {
            Some(i) => (&self.0[..i], &self.0[i + 1..]),
            None => (&[][..], &self.0[..]),
        })
    }

    fn display(&self) -> String {
        format!("/{}", String::from_utf8_lossy(&self.0))
    }
}

/// Which device nodes may be made in the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePolicy {
    /// Only these (path, type and numbers all match); every other is refused.
    Only(Vec<AllowedDevice>),
    /// Any (copying a tree that already is a zone's root, e.g. a clone).
    Any,
}

impl DevicePolicy {
    fn allows(&self, path: &EntryPath, kind: char, major: u64, minor: u64) -> bool {
        match self {
            DevicePolicy::Any => true,
            DevicePolicy::Only(list) => list.iter().any(|d| {
                d.kind == kind
                    && d.major == major
                    && d.minor == minor
                    && d.path.as_bytes().strip_prefix(b"/") == Some(path.as_bytes())
            }),
        }
    }
}

/// What an entry keeps of its source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// Permission bits with set-id and sticky bits (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Seconds since the epoch, and nanoseconds.
    pub mtime: (i64, i64),
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The kinds of node besides files, directories and links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    Fifo,
    Char(u64, u64),
    Block(u64, u64),
}

/// What was laid down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub entries: u64,
    pub bytes: u64,
    /// Extended attributes the file system does not take (reported, not fatal).
    pub xattrs_dropped: u64,
}

/// A zone root open for filling.
pub struct RootDir {
    path: PathBuf,
    fd: OwnedFd,
    devices: DevicePolicy,
    /// The directory of the last entry, by name (archives list a directory's entries
    /// together); dropped whenever anything is removed.
    last_dir: Option<(Vec<u8>, OwnedFd)>,
    dir_times: Vec<(EntryPath, (i64, i64))>,
    pub counts: Counts,
}

fn how() -> OpenHow {
    OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC)
        .resolve(
            ResolveFlag::RESOLVE_BENEATH
                | ResolveFlag::RESOLVE_NO_SYMLINKS
                | ResolveFlag::RESOLVE_NO_MAGICLINKS
                | ResolveFlag::RESOLVE_NO_XDEV,
        )
}

fn os(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

impl RootDir {
    /// Open `path` (an existing directory) for filling.
    pub fn open(path: &Path, devices: DevicePolicy) -> Result<RootDir, UnpackError> {
        let fd = nix::fcntl::open(
            path,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| UnpackError::Io {
            path: path.to_path_buf(),
            source: os(e),
        })?;
        Ok(RootDir {
            path: path.to_path_buf(),
            fd,
            devices,
            last_dir: None,
            dir_times: Vec::new(),
            counts: Counts::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_err(&self, entry: &[u8], e: impl Into<io::Error>) -> UnpackError {
        let mut p = self.path.clone();
        if !entry.is_empty() {
            p.push(std::ffi::OsStr::from_bytes(entry));
        }
        UnpackError::Io {
            path: p,
            source: e.into(),
        }
    }

    /// The directory `dir` (a name under the root), made with mode 0755 where it is missing
    /// when `create`. `Ok(None)` when it is missing and not `create`.
    fn dir(&mut self, dir: &[u8], create: bool) -> Result<Option<BorrowedFd<'_>>, UnpackError> {
        if dir.is_empty() {
            return Ok(Some(self.fd.as_fd()));
        }
        let hit = matches!(&self.last_dir, Some((name, _)) if name == dir);
        if !hit {
            let fd = match openat2(self.fd.as_fd(), dir, how()) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) if create => self.make_dirs(dir)?,
                Err(Errno::ENOENT) => return Ok(None),
                Err(e) => return Err(self.walk_error(dir, e)),
            };
            self.last_dir = Some((dir.to_vec(), fd));
        }
        Ok(self.last_dir.as_ref().map(|(_, fd)| fd.as_fd()))
    }

    fn walk_error(&self, dir: &[u8], e: Errno) -> UnpackError {
        match e {
            Errno::ELOOP => UnpackError::refused(
                dir,
                "is reached through a symbolic link (entries are never written through links)",
            ),
            Errno::EXDEV => UnpackError::refused(dir, "is on another file system"),
            Errno::ENOTDIR => UnpackError::refused(dir, "is reached through a non-directory"),
            e => self.io_err(dir, os(e)),
        }
    }

    /// Make the missing directories of `dir` one component at a time.
    fn make_dirs(&self, dir: &[u8]) -> Result<OwnedFd, UnpackError> {
        let mut cur: Option<OwnedFd> = None;
        let mut end = 0;
        for comp in dir.split(|b| *b == b'/') {
            end += comp.len();
            let upto = &dir[..end];
            end += 1;
            let at = match &cur {
                Some(fd) => fd.as_fd(),
                None => self.fd.as_fd(),
            };
            let next = match openat2(at, comp, how()) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) => {
                    match nix::sys::stat::mkdirat(at, comp, Mode::from_bits_truncate(0o755)) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(self.io_err(upto, os(e))),
                    }
                    openat2(at, comp, how()).map_err(|e| self.walk_error(upto, e))?
                }
                Err(e) => return Err(self.walk_error(upto, e)),
            };
            cur = Some(next);
        }
        cur.ok_or_else(|| self.io_err(dir, io::Error::from(io::ErrorKind::NotFound)))
    }

    /// Remove whatever is at `name` in `dir` (a directory with all below it).
    fn clear(&mut self, parent: &[u8], name: &[u8]) -> Result<(), UnpackError> {
        let entry = EntryPath(parent.to_vec()).join(name);
        let dfd = match self.dir(parent, false)? {
            Some(fd) => fd
                .try_clone_to_owned()
                .map_err(|e| self.io_err(parent, e))?,
            None => return Ok(()),
        };
        self.last_dir = None;
        remove_at(dfd.as_fd(), name).map_err(|e| self.io_err(entry.as_bytes(), e))
    }

    /// Run `make` in the entry's directory; when the name is taken, remove what is there
    /// (never following it) and run it again.
    fn make(
        &mut self,
        path: &EntryPath,
        mut make: impl FnMut(BorrowedFd<'_>, &[u8]) -> Result<(), Errno>,
    ) -> Result<(), UnpackError> {
        let Some((parent, name)) = path.split() else {
            return Err(UnpackError::refused(b".", "replaces the zone root"));
        };
        let dfd = self
            .dir(parent, true)?
            .ok_or_else(|| UnpackError::refused(parent, "is missing"))?;
        match make(dfd, name) {
            Ok(()) => Ok(()),
            Err(Errno::EEXIST) => {
                self.clear(parent, name)?;
                let dfd = self
                    .dir(parent, true)?
                    .ok_or_else(|| UnpackError::refused(parent, "is missing"))?;
                make(dfd, name).map_err(|e| self.io_err(path.as_bytes(), os(e)))
            }
            Err(e) => Err(self.io_err(path.as_bytes(), os(e))),
        }
    }

    /// A regular file with `data`.
    pub fn file(
        &mut self,
        path: &EntryPath,
        meta: &Meta,
        data: &mut dyn Read,
    ) -> Result<(), UnpackError> {
        let mut made: Option<OwnedFd> = None;
        self.make(path, |dfd, name| {
            made = Some(openat(
                dfd,
                name,
                OFlag::O_WRONLY
                    | OFlag::O_CREAT
                    | OFlag::O_EXCL
                    | OFlag::O_NOFOLLOW
                    | OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(0o600),
            )?);
            Ok(())
        })?;
        let fd = made.ok_or_else(|| self.io_err(path.as_bytes(), io::ErrorKind::NotFound))?;
        let mut f = File::from(fd);
        let n = io::copy(data, &mut f).map_err(|e| match e.kind() {
            // Reading the source failed (a corrupt or truncated archive).
            io::ErrorKind::InvalidData
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::Other => UnpackError::Source {
                what: format!("reading {}", path.display()),
                source: e,
            },
            _ => self.io_err(path.as_bytes(), e),
        })?;
        self.counts.bytes += n;
        self.set_meta_fd(path, f.as_fd(), meta)?;
        self.counts.entries += 1;
        Ok(())
    }

    /// A directory (kept, with its contents, when one is there already). Its time is set
    /// by [`RootDir::finish`], after its entries are made.
    pub fn directory(&mut self, path: &EntryPath, meta: &Meta) -> Result<(), UnpackError> {
        if !path.is_root() {
            let (parent, name) = path.split().unwrap_or_default();
            let dfd = self
                .dir(parent, true)?
                .ok_or_else(|| UnpackError::refused(parent, "is missing"))?;
            match nix::sys::stat::mkdirat(dfd, name, Mode::from_bits_truncate(0o700)) {
                Ok(()) => {}
                Err(Errno::EEXIST) => {
                    let st = fstatat(dfd, name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW)
                        .map_err(|e| self.io_err(path.as_bytes(), os(e)))?;
                    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
                        self.make(path, |d, n| {
                            nix::sys::stat::mkdirat(d, n, Mode::from_bits_truncate(0o700))
                        })?;
                    }
                }
                Err(e) => return Err(self.io_err(path.as_bytes(), os(e))),
            }
        }
        let fd = match path.split() {
            None => openat(
                self.fd.as_fd(),
                ".",
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            ),
            Some((parent, name)) => {
                let dfd = self
                    .dir(parent, true)?
                    .ok_or_else(|| UnpackError::refused(parent, "is missing"))?;
                openat(
                    dfd,
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
            }
        }
        .map_err(|e| self.io_err(path.as_bytes(), os(e)))?;
        self.set_meta_fd(path, fd.as_fd(), meta)?;
        self.dir_times.push((path.clone(), meta.mtime));
        self.counts.entries += 1;
        Ok(())
    }

    /// A symbolic link to `target` (any text: it is read inside the zone, never here).
    pub fn symlink(
        &mut self,
        path: &EntryPath,
        target: &[u8],
        meta: &Meta,
    ) -> Result<(), UnpackError> {
        if target.contains(&0) {
            return Err(UnpackError::refused(
                path.as_bytes(),
                "links to a name with NUL",
            ));
        }
        self.make(path, |dfd, name| symlinkat(target, dfd, name))?;
        self.set_meta_at(path, meta, false)?;
        self.counts.entries += 1;
        Ok(())
    }

    /// A hard link to `target`, which must already be in the root (reached without links).
    pub fn hard_link(&mut self, path: &EntryPath, target: &EntryPath) -> Result<(), UnpackError> {
        let Some((tparent, tname)) = target.split() else {
            return Err(UnpackError::refused(
                path.as_bytes(),
                "is a hard link to the zone root",
            ));
        };
        let tdir = match self.dir(tparent, false) {
            Ok(Some(fd)) => fd
                .try_clone_to_owned()
                .map_err(|e| self.io_err(tparent, e))?,
            Ok(None) => {
                return Err(UnpackError::refused(
                    path.as_bytes(),
                    format!(
                        "is a hard link to {}, which is not in the zone root",
                        target.display()
                    ),
                ))
            }
            Err(UnpackError::Refused { why, .. }) => {
                return Err(UnpackError::refused(
                    path.as_bytes(),
                    format!(
                        "is a hard link to {}, whose directory {why}",
                        target.display()
                    ),
                ))
            }
            Err(e) => return Err(e),
        };
        let st = match fstatat(&tdir, tname, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => {
                return Err(UnpackError::refused(
                    path.as_bytes(),
                    format!(
                        "is a hard link to {}, which is not in the zone root",
                        target.display()
                    ),
                ))
            }
            Err(e) => return Err(self.io_err(target.as_bytes(), os(e))),
        };
        if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            return Err(UnpackError::refused(
                path.as_bytes(),
                "is a hard link to a directory",
            ));
        }
        self.make(path, |dfd, name| {
            linkat(&tdir, tname, dfd, name, nix::fcntl::AtFlags::empty())
        })?;
        self.counts.entries += 1;
        Ok(())
    }

    /// A FIFO or a device node (as the device policy allows).
    pub fn special(
        &mut self,
        path: &EntryPath,
        kind: Special,
        meta: &Meta,
    ) -> Result<(), UnpackError> {
        let (sflag, dev) = match kind {
            Special::Fifo => (SFlag::S_IFIFO, 0),
            Special::Char(ma, mi) | Special::Block(ma, mi) => {
                let (letter, flag) = match kind {
                    Special::Char(..) => ('c', SFlag::S_IFCHR),
                    _ => ('b', SFlag::S_IFBLK),
                };
                if !self.devices.allows(path, letter, ma, mi) {
                    return Err(UnpackError::refused(
                        path.as_bytes(),
                        format!(
                            "is a device node ({} {ma}:{mi}) the zone's brand does not allow",
                            if letter == 'c' { "character" } else { "block" }
                        ),
                    ));
                }
                (flag, nix::sys::stat::makedev(ma, mi))
            }
        };
        self.make(path, |dfd, name| {
            mknodat(dfd, name, sflag, Mode::from_bits_truncate(0o600), dev)
        })?;
        self.set_meta_at(path, meta, true)?;
        self.counts.entries += 1;
        Ok(())
    }

    /// Remove what is at `path` (an OCI whiteout); nothing there is fine.
    pub fn remove(&mut self, path: &EntryPath) -> Result<(), UnpackError> {
        let Some((parent, name)) = path.split() else {
            return Err(UnpackError::refused(b".", "removes the zone root"));
        };
        match self.dir(parent, false) {
            Ok(_) => {}
            // A whiteout under a link or a missing directory has nothing to hide.
            Err(UnpackError::Refused { .. }) => return Ok(()),
            Err(e) => return Err(e),
        }
        self.clear(parent, name)
    }

    /// Remove every entry of directory `path` for which `keep` says no (an OCI opaque
    /// whiteout: what lower layers put there goes, what this layer put stays).
    pub fn clear_dir(
        &mut self,
        path: &EntryPath,
        keep: &dyn Fn(&EntryPath) -> bool,
    ) -> Result<(), UnpackError> {
        let dfd = match self.dir(path.as_bytes(), false) {
            Ok(Some(fd)) => fd
                .try_clone_to_owned()
                .map_err(|e| self.io_err(path.as_bytes(), e))?,
            Ok(None) | Err(UnpackError::Refused { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        self.last_dir = None;
        let rfd = openat(
            &dfd,
            ".",
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| self.io_err(path.as_bytes(), os(e)))?;
        for name in names(rfd).map_err(|e| self.io_err(path.as_bytes(), e))? {
            if !keep(&path.join(&name)) {
                remove_at(dfd.as_fd(), &name)
                    .map_err(|e| self.io_err(path.join(&name).as_bytes(), e))?;
            }
        }
        Ok(())
    }

    fn set_meta_fd(
        &mut self,
        path: &EntryPath,
        fd: BorrowedFd<'_>,
        meta: &Meta,
    ) -> Result<(), UnpackError> {
        let err = |e: Errno| self.io_err(path.as_bytes(), os(e));
        nix::unistd::fchown(
            fd,
            Some(Uid::from_raw(meta.uid)),
            Some(Gid::from_raw(meta.gid)),
        )
        .map_err(err)?;
        nix::sys::stat::fchmod(fd, Mode::from_bits_truncate(meta.mode & 0o7777)).map_err(err)?;
        let mut caps: Option<&(Vec<u8>, Vec<u8>)> = None;
        for x in &meta.xattrs {
            if x.0 == b"security.capability" {
                caps = Some(x);
                continue;
            }
            self.set_xattr(path, fd, x)?;
        }
        if let Some(x) = caps {
            self.set_xattr(path, fd, x)?;
        }
        futimens(fd, meta.mtime).map_err(|e| self.io_err(path.as_bytes(), e))
    }

    fn set_xattr(
        &mut self,
        path: &EntryPath,
        fd: BorrowedFd<'_>,
        (name, value): &(Vec<u8>, Vec<u8>),
    ) -> Result<(), UnpackError> {
        let Ok(cname) = std::ffi::CString::new(name.clone()) else {
            return Err(UnpackError::refused(
                path.as_bytes(),
                "has an xattr name with NUL",
            ));
        };
        // SAFETY: `fd` is open, `cname` NUL-terminated, `value` valid for its length.
        let r = unsafe {
            libc::fsetxattr(
                fd.as_raw_fd(),
                cname.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            )
        };
        if r != 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EOPNOTSUPP) {
                self.counts.xattrs_dropped += 1;
                return Ok(());
            }
            return Err(self.io_err(path.as_bytes(), e));
        }
        Ok(())
    }

    /// Owner, mode and time of a node that cannot be opened (a link, a device, a FIFO).
    fn set_meta_at(
        &mut self,
        path: &EntryPath,
        meta: &Meta,
        chmod: bool,
    ) -> Result<(), UnpackError> {
        let Some((parent, name)) = path.split() else {
            return Ok(());
        };
        let name = name.to_vec();
        let dfd = self
            .dir(parent, false)?
            .ok_or_else(|| UnpackError::refused(parent, "is missing"))?
            .try_clone_to_owned()
            .map_err(|e| self.io_err(parent, e))?;
        let err = |e: Errno| self.io_err(path.as_bytes(), os(e));
        fchownat(
            &dfd,
            name.as_slice(),
            Some(Uid::from_raw(meta.uid)),
            Some(Gid::from_raw(meta.gid)),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map_err(err)?;
        if chmod {
            // The node was just made here and is no link (made with mknodat).
            nix::sys::stat::fchmodat(
                &dfd,
                name.as_slice(),
                Mode::from_bits_truncate(meta.mode & 0o7777),
                nix::sys::stat::FchmodatFlags::FollowSymlink,
            )
            .map_err(err)?;
        }
        let t = nix::sys::time::TimeSpec::new(meta.mtime.0, meta.mtime.1);
        nix::sys::stat::utimensat(
            &dfd,
            name.as_slice(),
            &t,
            &t,
            nix::sys::stat::UtimensatFlags::NoFollowSymlink,
        )
        .map_err(err)?;
        Ok(())
    }

    /// Set the directories' times, last (making their entries changed them).
    pub fn finish(&mut self) -> Result<Counts, UnpackError> {
        let times = std::mem::take(&mut self.dir_times);
        let rd = how().flags(OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC);
        for (path, mtime) in times.into_iter().rev() {
            let fd = match path.split() {
                None => openat(
                    self.fd.as_fd(),
                    ".",
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| self.io_err(b"", os(e)))?,
                Some((parent, name)) => {
                    let Some(dfd) = self.dir(parent, false)? else {
                        continue;
                    };
                    match openat2(dfd, name, rd) {
                        Ok(fd) => fd,
                        // Removed by a later entry (a whiteout).
                        Err(Errno::ENOENT) | Err(Errno::ENOTDIR) | Err(Errno::ELOOP) => continue,
                        Err(e) => return Err(self.io_err(path.as_bytes(), os(e))),
                    }
                }
            };
            futimens(fd.as_fd(), mtime).map_err(|e| self.io_err(path.as_bytes(), e))?;
        }
        Ok(self.counts)
    }
}

/// Refuse a tree (a copied one) that holds a device node `policy` does not allow. The tree
/// is walked by descriptor, never following a link or leaving its file system.
pub fn check_devices(root: &Path, policy: &DevicePolicy) -> Result<(), UnpackError> {
    if *policy == DevicePolicy::Any {
        return Ok(());
    }
    fn walk(
        fd: OwnedFd,
        at: &EntryPath,
        dev: u64,
        policy: &DevicePolicy,
        root: &Path,
    ) -> Result<(), UnpackError> {
        let ioe = |p: &EntryPath, e: io::Error| UnpackError::Io {
            path: root.join(std::ffi::OsStr::from_bytes(p.as_bytes())),
            source: e,
        };
        let list = names(fd.try_clone().map_err(|e| ioe(at, e))?).map_err(|e| ioe(at, e))?;
        for name in list {
            let p = at.join(&name);
            let st = fstatat(
                &fd,
                name.as_slice(),
                nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(|e| ioe(&p, os(e)))?;
            let (ma, mi) = (
                nix::sys::stat::major(st.st_rdev),
                nix::sys::stat::minor(st.st_rdev),
            );
            match st.st_mode & libc::S_IFMT {
                libc::S_IFCHR | libc::S_IFBLK => {
                    let letter = if st.st_mode & libc::S_IFMT == libc::S_IFCHR {
                        'c'
                    } else {
                        'b'
                    };
                    if !policy.allows(&p, letter, ma, mi) {
                        return Err(UnpackError::refused(
                            p.as_bytes(),
                            format!(
                                "is a device node ({} {ma}:{mi}) the zone's brand does not allow",
                                if letter == 'c' { "character" } else { "block" }
                            ),
                        ));
                    }
                }
                libc::S_IFDIR if st.st_dev == dev => {
                    let sub = openat(
                        &fd,
                        name.as_slice(),
                        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                        Mode::empty(),
                    )
                    .map_err(|e| ioe(&p, os(e)))?;
                    walk(sub, &p, dev, policy, root)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
    let fd = nix::fcntl::open(
        root,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| UnpackError::Io {
        path: root.to_path_buf(),
        source: os(e),
    })?;
    let dev = nix::sys::stat::fstat(&fd)
        .map_err(|e| UnpackError::Io {
            path: root.to_path_buf(),
            source: os(e),
        })?
        .st_dev;
    walk(fd, &EntryPath::root(), dev, policy, root)
}

/// The names in directory `fd` (without `.` and `..`).
pub(crate) fn names(fd: OwnedFd) -> io::Result<Vec<Vec<u8>>> {
    let mut dir = nix::dir::Dir::from_fd(fd).map_err(os)?;
    let mut out = Vec::new();
    for e in dir.iter() {
        let e = e.map_err(os)?;
        let n = e.file_name().to_bytes();
        if n != b"." && n != b".." {
            out.push(n.to_vec());
        }
    }
    Ok(out)
}

/// Remove `name` in directory `dfd` and, for a directory, all below it, never following a
/// link and never leaving the file system.
pub(crate) fn remove_at(dfd: BorrowedFd<'_>, name: &[u8]) -> io::Result<()> {
    let st = match fstatat(dfd, name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(os(e)),
    };
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return unlinkat(dfd, name, UnlinkatFlags::NoRemoveDir).map_err(os);
    }
    let parent_dev = nix::sys::stat::fstat(dfd).map_err(os)?.st_dev;
    if st.st_dev != parent_dev {
        return Err(io::Error::other("a file system is mounted there"));
    }
    let sub = openat(
        dfd,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(os)?;
    let list = names(sub.try_clone()?)?;
    for n in list {
        remove_at(sub.as_fd(), &n)?;
    }
    unlinkat(dfd, name, UnlinkatFlags::RemoveDir).map_err(os)
}

/// Set the access and modification times of open file `fd` to `mtime`.
fn futimens(fd: BorrowedFd<'_>, mtime: (i64, i64)) -> io::Result<()> {
    let ts = libc::timespec {
        tv_sec: mtime.0,
        tv_nsec: mtime.1,
    };
    let t = [ts, ts];
    // SAFETY: `fd` is an open descriptor and `t` holds two valid timespecs.
    let r = unsafe { libc::futimens(fd.as_raw_fd(), t.as_ptr()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn p(s: &str) -> Result<EntryPath, UnpackError> {
        EntryPath::parse(s.as_bytes())
    }

    #[test]
    fn entry_names() {
        assert_eq!(p("./a//b/").unwrap().as_bytes(), b"a/b");
        assert!(p("./").unwrap().is_root());
        assert!(p("").unwrap().is_root());
        assert_eq!(p("a/./b").unwrap().split(), Some((&b"a"[..], &b"b"[..])));
        assert_eq!(p("top").unwrap().split(), Some((&b""[..], &b"top"[..])));
        for bad in ["/etc/passwd", "../x", "a/../../x", "a/..", ".."] {
            assert!(
                matches!(p(bad), Err(UnpackError::Refused { .. })),
                "{bad} accepted"
            );
        }
        assert!(p("..a/b..").is_ok());
        assert!(EntryPath::parse(b"a\0b").is_err());
    }

    #[test]
    fn device_policy() {
        let null = AllowedDevice {
            path: "/dev/null".into(),
            kind: 'c',
            major: 1,
            minor: 3,
        };
        let only = DevicePolicy::Only(vec![null]);
        let dn = p("dev/null").unwrap();
        assert!(only.allows(&dn, 'c', 1, 3));
        assert!(!only.allows(&dn, 'c', 1, 1));
        assert!(!only.allows(&dn, 'b', 1, 3));
        assert!(!only.allows(&p("dev/null2").unwrap(), 'c', 1, 3));
        assert!(!only.allows(&p("tmp/dev/null").unwrap(), 'c', 1, 3));
        assert!(DevicePolicy::Any.allows(&p("dev/sda").unwrap(), 'b', 8, 0));
    }

    fn me() -> Meta {
        Meta {
            mode: 0o644,
            uid: nix::unistd::getuid().as_raw(),
            gid: nix::unistd::getgid().as_raw(),
            mtime: (1_600_000_000, 5),
            xattrs: Vec::new(),
        }
    }

    #[test]
    fn lays_entries_down_and_never_leaves_the_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        let outside = t.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        let mut r = RootDir::open(&root, DevicePolicy::Only(vec![])).unwrap();
        let m = me();
        // Parents are made as needed.
        r.file(&p("a/b/c").unwrap(), &m, &mut &b"data"[..]).unwrap();
        assert_eq!(std::fs::read(root.join("a/b/c")).unwrap(), b"data");
        // A file replaces a symlink, never writes through it.
        std::os::unix::fs::symlink(outside.join("target"), root.join("a/ln")).unwrap();
        r.file(&p("a/ln").unwrap(), &m, &mut &b"new"[..]).unwrap();
        assert!(!outside.join("target").exists());
        assert!(std::fs::symlink_metadata(root.join("a/ln"))
            .unwrap()
            .is_file());
        // Links are laid down, not followed.
        r.symlink(&p("out").unwrap(), outside.to_str().unwrap().as_bytes(), &m)
            .unwrap();
        assert!(matches!(
            r.file(&p("out/x").unwrap(), &m, &mut &b"x"[..]),
            Err(UnpackError::Refused { .. })
        ));
        assert!(matches!(
            r.directory(&p("out/d").unwrap(), &m),
            Err(UnpackError::Refused { .. })
        ));
        assert!(matches!(
            r.hard_link(&p("hl").unwrap(), &p("out/keep").unwrap()),
            Err(UnpackError::Refused { .. })
        ));
        assert!(matches!(
            r.hard_link(&p("hl").unwrap(), &p("missing").unwrap()),
            Err(UnpackError::Refused { .. })
        ));
        r.hard_link(&p("hl").unwrap(), &p("a/b/c").unwrap())
            .unwrap();
        assert_eq!(
            std::fs::metadata(root.join("hl")).unwrap().ino(),
            std::fs::metadata(root.join("a/b/c")).unwrap().ino()
        );
        assert!(matches!(
            r.special(&p("dev/null").unwrap(), Special::Char(1, 3), &m),
            Err(UnpackError::Refused { .. })
        ));
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        // Whiteouts: one name, and a directory emptied of what this layer did not make.
        r.remove(&p("hl").unwrap()).unwrap();
        assert!(!root.join("hl").exists());
        r.remove(&p("out/keep").unwrap()).unwrap();
        r.file(&p("a/b/d").unwrap(), &m, &mut &b""[..]).unwrap();
        let keep = p("a/b/d").unwrap();
        r.clear_dir(&p("a/b").unwrap(), &|e| *e == keep).unwrap();
        assert!(!root.join("a/b/c").exists() && root.join("a/b/d").exists());
        // A directory's time is set after its entries are made.
        r.directory(
            &p("a").unwrap(),
            &Meta {
                mode: 0o750,
                ..m.clone()
            },
        )
        .unwrap();
        r.file(&p("a/late").unwrap(), &m, &mut &b""[..]).unwrap();
        r.finish().unwrap();
        let a = std::fs::metadata(root.join("a")).unwrap();
        assert_eq!((a.mode() & 0o7777, a.mtime()), (0o750, 1_600_000_000));
        assert_eq!(
            std::fs::metadata(root.join("a/b/d")).unwrap().mode() & 0o7777,
            0o644
        );
    }
}
