//! Waiting, killing and removing: the parts shared by the v1 and v2 back ends.

use super::error::{CgroupError, Result};
use super::fs;
use super::Cgroup;
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a freeze may take before we give up (a task in uninterruptible sleep blocks it).
pub(crate) const FREEZE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long killing everything may take (a fork bomb needs a few rounds, exiting tasks with
/// much memory take a moment to release it).
pub(crate) const KILL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long rmdir keeps retrying EBUSY.
pub(crate) const REMOVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Exponential back-off from 1 ms up to 50 ms, until a deadline.
pub(crate) struct Backoff {
    deadline: Instant,
    delay: Duration,
}

impl Backoff {
    pub(crate) fn new(timeout: Duration) -> Backoff {
        Backoff {
            deadline: Instant::now() + timeout,
            delay: Duration::from_millis(1),
        }
    }

    /// Sleep before the next attempt; false once the deadline has passed.
    pub(crate) fn wait(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        sleep(self.delay.min(self.deadline - now));
        self.delay = (self.delay * 2).min(Duration::from_millis(50));
        true
    }
}

/// SIGKILL one process; one that is already gone is fine. Pid 0 (a process outside our pid
/// namespace, as cgroup.procs shows it) and our own pid are never signalled.
pub(crate) fn sigkill(pid: u32) -> Result<()> {
    let Ok(raw) = i32::try_from(pid) else {
        return Ok(());
    };
    if raw <= 0 || raw == std::process::id() as i32 {
        return Ok(());
    }
    match kill(Pid::from_raw(raw), Signal::SIGKILL) {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(source) => Err(CgroupError::Signal { pid, source }),
    }
}

/// Kill every process of `cg` and its descendants until none is left. With a freezer the
/// tasks are frozen first so none can fork while we read the list and signal it; SIGKILL takes
/// effect when they are thawed. Without one, repeated rounds catch what was forked meanwhile.
pub(crate) fn kill_loop(cg: &dyn Cgroup, can_freeze: bool, path: &Path) -> Result<()> {
    let mut backoff = Backoff::new(KILL_TIMEOUT);
    loop {
        let pids = cg.pids()?;
        let me = std::process::id();
        if pids.iter().all(|&p| p == 0 || p == me) {
            return Ok(());
        }
        // A freeze that does not finish (a task in D state) must not stop the kill: the
        // signal is still delivered when the task thaws or wakes.
        if can_freeze {
            let _ = cg.freeze();
        }
        let killed: Result<()> = pids.iter().try_for_each(|&p| sigkill(p));
        if can_freeze {
            cg.thaw()?;
        }
        killed?;
        if !backoff.wait() {
            return Err(CgroupError::Timeout {
                path: path.to_path_buf(),
                what: "its processes to exit",
            });
        }
    }
}

/// rmdir every cgroup below and including each of `dirs`, children first.
pub(crate) fn rmdir_trees(dirs: &[PathBuf]) -> Result<()> {
    for dir in dirs {
        for d in fs::tree(dir)?.iter().rev() {
            fs::rmdir(d)?;
        }
    }
    Ok(())
}

/// Remove `cg` (all of `dirs`): kill what still runs in it, then rmdir leaf-first, retrying
/// EBUSY (tasks that are still exiting) with back-off. A cgroup that is gone is removed.
pub(crate) fn remove(cg: &dyn Cgroup, dirs: &[PathBuf]) -> Result<()> {
    if !dirs.iter().any(|d| fs::exists(d)) {
        return Ok(());
    }
    let mut killed = false;
    if !cg.pids()?.is_empty() {
        cg.kill_all()?;
        killed = true;
    }
    let mut backoff = Backoff::new(REMOVE_TIMEOUT);
    loop {
        match rmdir_trees(dirs) {
            Ok(()) => return Ok(()),
            Err(e) if e.is_busy() => {
                if !killed {
                    cg.kill_all()?;
                    killed = true;
                }
                if !backoff.wait() {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// rmdir every directory; a busy or non-empty one makes the answer `false` (and stays).
pub(crate) fn rmdir_if_empty(dirs: &[PathBuf]) -> Result<bool> {
    let mut all = true;
    for d in dirs {
        match std::fs::remove_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EBUSY) | Some(libc::ENOTEMPTY)) => {
                all = false
            }
            Err(source) => {
                return Err(CgroupError::Io {
                    path: d.clone(),
                    source,
                })
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_expires() {
        let mut b = Backoff::new(Duration::from_millis(20));
        let start = Instant::now();
        let mut n = 0;
        while b.wait() {
            n += 1;
        }
        assert!(n >= 2);
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn sigkill_never_hits_pid_0_or_self() {
        sigkill(0).unwrap();
        sigkill(std::process::id()).unwrap();
        sigkill(u32::MAX).unwrap();
    }

    #[test]
    fn rmdir_trees_children_first() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("z/a/b")).unwrap();
        std::fs::create_dir_all(d.path().join("z/c")).unwrap();
        rmdir_trees(&[d.path().join("z"), d.path().join("missing")]).unwrap();
        assert!(!d.path().join("z").exists());
    }
}
