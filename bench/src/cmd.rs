//! Run one command and time it from spawn to reap. Every command, A or B, is started the same
//! way (fork, then in the child `setpgid` and optionally `setns` into a mount namespace, then
//! exec), so the way we start them weighs the same on both sides of a pair. Standard input and
//! output are `/dev/null`; standard error goes to a file that is shown when the command fails.

use crate::error::{BenchError, Result};
use std::ffi::OsString;
use std::os::fd::RawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A command line, and the mount namespace it must run in (`None`: ours).
#[derive(Debug, Clone)]
pub struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    mntns: Option<RawFd>,
}

impl Cmd {
    pub fn new(program: impl Into<PathBuf>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            mntns: None,
        }
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> Cmd {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Run in the mount namespace open at `fd` (which must stay open while the command runs).
    pub fn in_mount_ns(mut self, fd: RawFd) -> Cmd {
        self.mntns = Some(fd);
        self
    }

    /// The command line as a shell would show it (program name without its directory).
    pub fn display(&self) -> String {
        let name = self
            .program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.program.display().to_string());
        std::iter::once(name)
            .chain(self.args.iter().map(|a| a.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Run to completion; the wall time from spawn to reap. A non-zero exit is an error that
    /// carries the end of the command's standard error (`errlog`).
    pub fn run(&self, errlog: &Path) -> Result<Duration> {
        let err = std::fs::File::create(errlog).map_err(BenchError::io(errlog))?;
        let mut c = Command::new(&self.program);
        c.args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err);
        let ns = self.mntns;
        // SAFETY: between fork and exec only setpgid and setns, both async-signal-safe raw
        // syscalls; no allocation, no locks.
        unsafe {
            c.pre_exec(move || {
                if libc::setpgid(0, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if let Some(fd) = ns {
                    if libc::setns(fd, libc::CLONE_NEWNS) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let t0 = Instant::now();
        let mut child = c.spawn().map_err(|source| BenchError::Spawn {
            cmd: self.display(),
            source,
        })?;
        let status = child.wait().map_err(|source| BenchError::Spawn {
            cmd: self.display(),
            source,
        })?;
        let took = t0.elapsed();
        reap_orphans();
        if status.success() {
            return Ok(took);
        }
        Err(BenchError::Failed {
            cmd: self.display(),
            status: status.to_string(),
            stderr: tail(errlog),
        })
    }
}

/// The last lines of a log file, prefixed by a newline, or nothing.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(12);
    let t = lines[start..].join("\n");
    if t.trim().is_empty() {
        String::new()
    } else {
        format!("\n{t}")
    }
}

static SUBREAPER: AtomicBool = AtomicBool::new(false);

/// Once we are a child subreaper (see `become_subreaper`): reap the processes that were
/// orphaned and reparented to us and have exited (a halted zone's zoneadmd, a deleted
/// container's init), so none lingers as a zombie. Called when no `Command` child of ours is
/// outstanding (the benchmark is single-threaded); does nothing before `become_subreaper`,
/// so it never steals another thread's child (unit tests run in threads).
pub fn reap_orphans() {
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    if !SUBREAPER.load(Ordering::SeqCst) {
        return;
    }
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Make orphans of our descendants ours rather than pid 1's: pid 1 on this kind of host reaps
/// late, and a zombie zoneadmd holds kernel memory the memory figures would then count.
pub fn become_subreaper() -> Result<()> {
    nix::sys::prctl::set_child_subreaper(true)
        .map_err(BenchError::sys("PR_SET_CHILD_SUBREAPER"))?;
    SUBREAPER.store(true, Ordering::SeqCst);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_drops_the_directory() {
        let c = Cmd::new("/usr/bin/crun")
            .args(["run", "-b", "/x"])
            .arg("id");
        assert_eq!(c.display(), "crun run -b /x id");
    }

    #[test]
    fn runs_and_times_a_command() {
        let t = tempfile::tempdir().unwrap();
        let log = t.path().join("err");
        let d = Cmd::new("/bin/true").run(&log).unwrap();
        assert!(d > Duration::ZERO);
    }

    #[test]
    fn failure_carries_stderr() {
        let t = tempfile::tempdir().unwrap();
        let log = t.path().join("err");
        let e = Cmd::new("/bin/sh")
            .args(["-c", "echo oops >&2; exit 3"])
            .run(&log)
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("exit status: 3"), "{msg}");
        assert!(msg.ends_with("\noops"), "{msg}");
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let t = tempfile::tempdir().unwrap();
        let e = Cmd::new("/nonexistent/prog")
            .run(&t.path().join("err"))
            .unwrap_err();
        assert!(matches!(e, BenchError::Spawn { .. }), "{e}");
    }
}
