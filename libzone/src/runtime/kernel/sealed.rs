//! Sealed copies of what our processes execute inside a zone, so no way leads from inside a
//! zone back to a host binary (the CVE-2019-5736 pattern: a zone process opens
//! `/proc/<pid>/exe` of one of our processes, or runs `/proc/self/exe` as its shell, reaches
//! the host's file and rewrites it once it is no longer busy).
//!
//! Everything of ours that a zone can see in its `/proc` executes from a memfd sealed against
//! every change (`F_SEAL_SEAL|SHRINK|GROW|WRITE`, and `F_SEAL_EXEC` where the kernel has it),
//! as runc runs `runc init` from a sealed copy of itself: `/proc/<pid>/exe` is then
//! `/memfd:<name> (deleted)`, names no host path, and cannot be written.
//!
//! - zinit, pid 1 of sparse zones, runs from a sealed copy of the host's zinit. The zones of
//!   a root share one: a zone being readied takes the copy another running zone's init
//!   executes, once it has checked that it is sealed and holds exactly the host's zinit, and
//!   makes a new copy only when there is none (a copy per zone would add its whole size, 0.75 MiB, to the
//!   memory of every idle zone).
//! - zlogin's process in the zone, and a zone's own init program, do their set-up as the host
//!   binary (non-dumpable, so the zone cannot open their `/proc/<pid>/exe`, fds or memory)
//!   and then execute the [launcher](LAUNCHER) from a sealed memfd, which executes the zone's
//!   program. The launcher is a freestanding program of under 3 KiB built with libzone:
//!   copying it and executing it costs tens of microseconds, where a sealed copy of zlogin
//!   itself (a megabyte, dynamically linked) would add about a millisecond to every login.
//!   A zone whose shell or init is `/proc/self/exe` re-executes only the launcher, which
//!   refuses.

use super::sys;
use nix::errno::Errno;
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The launcher executable (built by `build.rs` from `launcher/launcher.rs`).
pub static LAUNCHER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/zone-launcher"));

/// The launcher's `argv[0]` when we start it (it refuses any other).
pub const LAUNCHER_MARK: &str = "zone-launcher";

/// The seals every sealed copy carries: no more seals, no size change, no write.
const SEALS: libc::c_int =
    libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;

/// The mode of a sealed copy: executable and readable, writable by no one (runc's choice).
const MODE: libc::mode_t = 0o511;

/// A sealed copy that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealed copy of {what}: {step}: {errno}")]
    Sys {
        what: String,
        step: &'static str,
        errno: Errno,
    },
    #[error("sealed copy of {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("sealed copy of {path}: copied {copied} of {size} bytes (the file changed?)")]
    Short {
        path: PathBuf,
        copied: u64,
        size: u64,
    },
}

fn step<'a>(what: &'a str, step: &'static str) -> impl FnOnce(Errno) -> SealError + 'a {
    move |errno| SealError::Sys {
        what: what.to_string(),
        step,
        errno,
    }
}

/// Make `fd` (a memfd holding a whole program) read-only for good: mode, then the seals.
fn seal(fd: &OwnedFd, what: &str) -> Result<(), SealError> {
    nix::sys::stat::fchmod(fd, nix::sys::stat::Mode::from_bits_truncate(MODE))
        .map_err(step(what, "chmod"))?;
    // F_SEAL_EXEC (Linux 6.3) keeps the mode's execute bits as they are; older kernels
    // refuse it, which changes nothing that matters here.
    let _ = sys::add_seals(fd.as_fd(), libc::F_SEAL_EXEC);
    sys::add_seals(fd.as_fd(), SEALS).map_err(step(what, "add seals"))
}

/// A new sealed memfd named `name` holding the bytes of `image`.
pub fn from_bytes(name: &CStr, image: &[u8]) -> Result<OwnedFd, SealError> {
    let what = name.to_string_lossy();
    let fd = sys::memfd_exec(name).map_err(step(&what, "memfd_create"))?;
    let mut rest = image;
    while !rest.is_empty() {
        match nix::unistd::write(&fd, rest) {
            Ok(0) => return Err(step(&what, "write")(Errno::EIO)),
            Ok(n) => rest = &rest[n..],
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(step(&what, "write")(e)),
        }
    }
    seal(&fd, &what)?;
    Ok(fd)
}

/// A sealed memfd copy of the launcher, for one process to execute.
pub fn launcher() -> Result<OwnedFd, SealError> {
    from_bytes(c"zone-launcher", LAUNCHER)
}

/// A sealed memfd copy of the host program at `path`, named `name` (what
/// `/proc/<pid>/exe` shows, as `/memfd:<name> (deleted)`).
pub fn copy_of(path: &Path, name: &CStr) -> Result<OwnedFd, SealError> {
    let io = |source| SealError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let what = path.display().to_string();
    let fd = sys::memfd_exec(name).map_err(step(&what, "memfd_create"))?;
    let copied = sys::sendfile_all(fd.as_fd(), file.as_fd(), size).map_err(step(&what, "copy"))?;
    if copied != size {
        return Err(SealError::Short {
            path: path.to_path_buf(),
            copied,
            size,
        });
    }
    seal(&fd, &what)?;
    Ok(fd)
}

/// A sealed copy of the host program at `path` (see [`copy_of`]): the first of `candidates`
/// that already is one (e.g. `/proc/<pid>/exe` of a process running such a copy), or else a
/// new one. A candidate is taken only if it is sealed, has our mode and owner, and holds
/// the same bytes as `path` now.
pub fn shared_copy_of(
    path: &Path,
    name: &CStr,
    candidates: impl IntoIterator<Item = PathBuf>,
) -> Result<OwnedFd, SealError> {
    let io = |source| SealError::Io {
        path: path.to_path_buf(),
        source,
    };
    let original = std::fs::File::open(path).map_err(io)?;
    for candidate in candidates {
        let Ok(file) = std::fs::File::open(&candidate) else {
            continue;
        };
        let fd = OwnedFd::from(file);
        if same_sealed_copy(&fd, &original) {
            return Ok(fd);
        }
    }
    copy_of(path, name)
}

/// Whether `copy` is a sealed copy of ours holding exactly what `original` holds.
fn same_sealed_copy(copy: &OwnedFd, original: &std::fs::File) -> bool {
    let (Ok(c), Ok(o)) = (nix::sys::stat::fstat(copy), original.metadata()) else {
        return false;
    };
    c.st_size as u64 == o.len()
        && c.st_uid == 0
        && c.st_mode & 0o7777 == MODE
        && c.st_mode & libc::S_IFMT == libc::S_IFREG
        && is_sealed(copy)
        && usize::try_from(o.len())
            .is_ok_and(|len| sys::same_contents(copy.as_fd(), original.as_fd(), len))
}

/// Whether `fd` carries every seal of a sealed copy.
pub fn is_sealed(fd: &OwnedFd) -> bool {
    sys::seals(fd.as_fd()).is_ok_and(|s| s & SEALS == SEALS)
}

/// The launcher's arguments to execute `prog` with `argv`, or when that fails `fallback`
/// (a program and its argv).
pub fn launcher_argv(
    prog: &CStr,
    argv: &[CString],
    fallback: Option<(&CStr, &[CString])>,
) -> Vec<CString> {
    let mut v = Vec::with_capacity(argv.len() + 6);
    // Neither the mark nor a decimal number holds a NUL.
    v.extend(CString::new(LAUNCHER_MARK));
    v.extend(CString::new(argv.len().to_string()));
    v.push(prog.to_owned());
    v.extend(argv.iter().cloned());
    if let Some((p, a)) = fallback {
        v.push(p.to_owned());
        v.extend(a.iter().cloned());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    fn c(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    #[test]
    fn the_launcher_is_a_small_static_executable() {
        assert_eq!(&LAUNCHER[..4], b"\x7fELF");
        assert!(LAUNCHER.len() < 16 * 1024, "{} bytes", LAUNCHER.len());
        // No program interpreter (PT_INTERP): nothing to load before it runs.
        let u16_at = |o: usize| u16::from_le_bytes([LAUNCHER[o], LAUNCHER[o + 1]]) as usize;
        let phoff = u64::from_le_bytes(LAUNCHER[0x20..0x28].try_into().unwrap()) as usize;
        let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
        assert!(phnum > 0);
        for i in 0..phnum {
            let at = phoff + i * phentsize;
            let p_type = u32::from_le_bytes(LAUNCHER[at..at + 4].try_into().unwrap());
            assert_ne!(p_type, 3, "the launcher asks for a program interpreter");
        }
    }

    /// A sealed copy refuses every way of changing it, also when opened anew for writing
    /// (as a zone would through /proc/<pid>/exe).
    fn assert_unwritable(fd: &OwnedFd) {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        assert!(is_sealed(fd));
        let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
        let reopened = std::fs::OpenOptions::new().write(true).open(&path);
        if let Ok(mut f) = reopened {
            assert!(f.write(b"x").is_err(), "a sealed copy took a write");
            assert!(f.set_len(0).is_err(), "a sealed copy was truncated");
        }
        assert!(nix::unistd::ftruncate(fd, 1 << 20).is_err());
        assert!(nix::unistd::ftruncate(fd, 0).is_err());
    }

    #[test]
    fn copies_are_sealed_and_identical() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("prog");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&src, &data).unwrap();
        let fd = copy_of(&src, c"prog").unwrap();
        assert_unwritable(&fd);
        use std::os::fd::AsRawFd;
        let back = std::fs::read(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap();
        assert_eq!(back, data);
        let link = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap();
        assert_eq!(link.to_string_lossy(), "/memfd:prog (deleted)");
        let l = launcher().unwrap();
        assert_unwritable(&l);
        assert!(matches!(
            copy_of(&t.path().join("missing"), c"x"),
            Err(SealError::Io { .. })
        ));
    }

    fn ino(fd: &OwnedFd) -> u64 {
        nix::sys::stat::fstat(fd).unwrap().st_ino
    }

    #[test]
    fn a_sealed_copy_with_the_same_bytes_is_shared() {
        use std::os::fd::AsRawFd;
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("prog");
        std::fs::write(&src, b"\x7fELF the program").unwrap();
        let first = copy_of(&src, c"prog").unwrap();
        let via = |fd: &OwnedFd| PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()));
        // Not copies of ours: a missing file, the original itself (not sealed), a sealed
        // copy of other bytes.
        let other = t.path().join("other");
        std::fs::write(&other, b"\x7fELF another program").unwrap();
        let stranger = copy_of(&other, c"other").unwrap();
        let candidates = vec![
            t.path().join("missing"),
            src.clone(),
            via(&stranger),
            via(&first),
        ];
        let shared = shared_copy_of(&src, c"prog", candidates).unwrap();
        assert_eq!(ino(&shared), ino(&first));
        // With no good candidate, a new copy.
        let fresh = shared_copy_of(&src, c"prog", vec![src.clone(), via(&stranger)]).unwrap();
        assert_ne!(ino(&fresh), ino(&first));
        assert!(is_sealed(&fresh));
        // Once the original changes, the old copy is not taken any more.
        std::fs::write(&src, b"\x7fELF the program, version 2").unwrap();
        let newer = shared_copy_of(&src, c"prog", vec![via(&first)]).unwrap();
        assert_ne!(ino(&newer), ino(&first));
        // An unsealed memfd with the same bytes is not taken either.
        let open = sys::memfd_exec(c"prog").unwrap();
        nix::unistd::write(&open, &std::fs::read(&src).unwrap()).unwrap();
        nix::sys::stat::fchmod(&open, nix::sys::stat::Mode::from_bits_truncate(MODE)).unwrap();
        let taken = shared_copy_of(&src, c"prog", vec![via(&open)]).unwrap();
        assert_ne!(ino(&taken), ino(&open));
    }

    #[test]
    fn launcher_arguments() {
        let argv = [c("sh"), c("-c"), c("echo hi")];
        let fb = [c("/bin/sh"), c("-c"), c("x")];
        let v = launcher_argv(c"/bin/sh", &argv, Some((c"/bin/bash", &fb)));
        let words: Vec<&str> = v.iter().map(|s| s.to_str().unwrap()).collect();
        assert_eq!(
            words,
            [
                "zone-launcher",
                "3",
                "/bin/sh",
                "sh",
                "-c",
                "echo hi",
                "/bin/bash",
                "/bin/sh",
                "-c",
                "x"
            ]
        );
        let v = launcher_argv(c"/bin/true", &[c("true")], None);
        assert_eq!(v.len(), 4);
    }

    /// Run the launcher from its sealed memfd with `args` after argv[0] `arg0`; its status,
    /// stdout and stderr.
    fn launch(arg0: &str, args: &[&str]) -> (i32, String, String) {
        use std::os::fd::AsRawFd;
        let fd = launcher().unwrap();
        // The child still has the (close-on-exec) memfd when it executes this path.
        let out = Command::new(format!("/proc/self/fd/{}", fd.as_raw_fd()))
            .arg0(arg0)
            .args(args)
            .env_clear()
            .env("GREETING", "hello")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn the_launcher_runs_the_program_or_its_fallback() {
        let sh = "/bin/sh";
        // The program, with its own argv and our environment.
        let (code, out, _) = launch(
            LAUNCHER_MARK,
            &["3", sh, "sh", "-c", "echo $0 $GREETING; exit 7"],
        );
        assert_eq!((code, out.as_str()), (7, "sh hello\n"));
        // A program that cannot be executed: the fallback runs.
        let (code, out, _) = launch(
            LAUNCHER_MARK,
            &[
                "1",
                "/nonexistent/prog",
                "prog",
                sh,
                "sh",
                "-c",
                "echo fell back",
            ],
        );
        assert_eq!((code, out.as_str()), (0, "fell back\n"));
        // Neither: zlogin's error for the last one tried.
        let (code, _, err) = launch(
            LAUNCHER_MARK,
            &["1", "/nonexistent/a", "a", "/nonexistent/b"],
        );
        assert_eq!(code, 1);
        assert_eq!(
            err,
            "zlogin: /nonexistent/b: ENOENT: No such file or directory\n"
        );
        let (code, _, err) = launch(LAUNCHER_MARK, &["1", "/etc", "etc"]);
        assert_eq!(
            (code, err.as_str()),
            (1, "zlogin: /etc: EACCES: Permission denied\n")
        );
    }

    #[test]
    fn the_launcher_refuses_to_be_anything_else() {
        // What a shell of /proc/self/exe amounts to: a login shell's argv, or `sh -c`.
        for (arg0, args) in [
            ("-exe", &[][..]),
            ("/proc/self/exe", &["-c", "id"][..]),
            (LAUNCHER_MARK, &["9", "/bin/true", "true"][..]),
            (LAUNCHER_MARK, &["x", "/bin/true", "true"][..]),
            (LAUNCHER_MARK, &["0", "/bin/true"][..]),
        ] {
            let (code, out, err) = launch(arg0, args);
            assert_eq!(code, 1, "{arg0} {args:?}");
            assert!(out.is_empty());
            assert!(
                err.starts_with("zone-launcher: refusing to run as a program"),
                "{err}"
            );
        }
    }
}
