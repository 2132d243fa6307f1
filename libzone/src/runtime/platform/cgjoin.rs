//! How a zone process gets into its cgroups, in every hierarchy, before it does anything else.
//! The parent opens what is needed (the child may no longer see the host's cgroupfs once it
//! has joined the zone's mount namespace):
//!
//! * v1 hierarchies: each `tasks` file; the child writes `0` to them as its first step. A
//!   single-threaded process moving itself through `tasks` skips the thread-group lock that a
//!   `cgroup.procs` write takes (and its RCU grace period, several milliseconds here).
//! * the unified (v2) hierarchy: the cgroup's directory, and the child is *born* in it
//!   (`clone3` with `CLONE_INTO_CGROUP`), for the same reason: v2 has no `tasks` file, and
//!   its `cgroup.procs` always takes that lock. Where clone3 is filtered, the child writes
//!   `cgroup.procs` itself.
//!
//! Nothing the child starts afterwards can be outside the zone's cgroups.

use crate::runtime::kernel::syscall::Syscall;
use nix::sched::CloneFlags;
use nix::unistd::ForkResult;
use std::cell::Cell;
use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// The files and directory a process joins a zone's cgroups through.
#[derive(Debug)]
pub struct Join {
    tasks: Vec<File>,
    unified: Option<OwnedFd>,
    /// Set by `fork` in the child when it was born in the unified cgroup.
    born_inside: Cell<bool>,
}

impl Join {
    /// Open what joining the cgroup directories `dirs` needs: `tasks` of a v1 directory, a
    /// directory without one (cgroup2) itself.
    pub fn open(dirs: &[PathBuf]) -> Result<Join, (PathBuf, std::io::Error)> {
        let mut join = Join {
            tasks: Vec::new(),
            unified: None,
            born_inside: Cell::new(false),
        };
        for d in dirs {
            let tasks = d.join("tasks");
            if tasks.exists() {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&tasks)
                    .map_err(|e| (tasks, e))?;
                join.tasks.push(f);
            } else if join.unified.is_none() {
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_DIRECTORY)
                    .open(d)
                    .map_err(|e| (d.clone(), e))?;
                join.unified = Some(OwnedFd::from(f));
            } else {
                let e = std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a second cgroup2 directory (there is one unified hierarchy)",
                );
                return Err((d.clone(), e));
            }
        }
        Ok(join)
    }

    /// Fork (with the namespace `flags`, as `sys::fork_with_flags`); the child starts in the
    /// unified cgroup if there is one. Returns 0 in the child. The caller must be
    /// single-threaded.
    pub fn fork_pid(&self, sc: &dyn Syscall, flags: CloneFlags) -> nix::Result<libc::pid_t> {
        match &self.unified {
            Some(fd) => match sc.fork(flags, Some(fd.as_fd())) {
                Ok(0) => {
                    self.born_inside.set(true);
                    Ok(0)
                }
                Err(nix::errno::Errno::ENOSYS) => sc.fork(flags, None),
                other => other,
            },
            None => sc.fork(flags, None),
        }
    }

    /// `fork_pid` without namespace flags, answered as `nix::unistd::fork` does.
    pub fn fork(&self, sc: &dyn Syscall) -> nix::Result<ForkResult> {
        Ok(match self.fork_pid(sc, CloneFlags::empty())? {
            0 => ForkResult::Child,
            pid => ForkResult::Parent {
                child: nix::unistd::Pid::from_raw(pid),
            },
        })
    }

    /// In the child of `fork`: move into every v1 hierarchy's cgroup (and the unified one if
    /// it was not born there).
    pub fn join_self(&self, sc: &dyn Syscall) -> std::io::Result<()> {
        let io = |e: nix::errno::Errno| std::io::Error::from_raw_os_error(e as i32);
        for f in &self.tasks {
            sc.write_fd(f.as_fd(), b"0").map_err(io)?;
        }
        if let (Some(dir), false) = (&self.unified, self.born_inside.get()) {
            let procs = nix::fcntl::openat(
                dir.as_fd(),
                "cgroup.procs",
                nix::fcntl::OFlag::O_WRONLY | nix::fcntl::OFlag::O_CLOEXEC,
                nix::sys::stat::Mode::empty(),
            )?;
            sc.write_fd(procs.as_fd(), b"0").map_err(io)?;
        }
        Ok(())
    }

    /// Whether there is a unified cgroup to be born in.
    pub fn has_unified(&self) -> bool {
        self.unified.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::kernel::syscall::LINUX;

    #[test]
    fn prefers_tasks_and_takes_a_directory_without() {
        let t = tempfile::tempdir().unwrap();
        let v1 = t.path().join("v1");
        let v1b = t.path().join("v1b");
        let v2 = t.path().join("v2");
        for d in [&v1, &v1b, &v2] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("cgroup.procs"), "").unwrap();
        }
        std::fs::write(v1.join("tasks"), "").unwrap();
        std::fs::write(v1b.join("tasks"), "").unwrap();
        let join = Join::open(&[v1.clone(), v2.clone(), v1b.clone()]).unwrap();
        assert!(join.has_unified());
        // Not born inside (no fork here): the unified cgroup is joined by its cgroup.procs.
        join.join_self(&LINUX).unwrap();
        assert_eq!(std::fs::read_to_string(v1.join("tasks")).unwrap(), "0");
        assert_eq!(std::fs::read_to_string(v1b.join("tasks")).unwrap(), "0");
        assert_eq!(
            std::fs::read_to_string(v2.join("cgroup.procs")).unwrap(),
            "0"
        );
        assert!(Join::open(&[PathBuf::from("/nonexistent")]).is_err());
        let two = Join::open(&[v2.clone(), t.path().to_path_buf()]).unwrap_err();
        assert_eq!(two.0, t.path());
    }

    #[test]
    fn v1_only_has_no_unified() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("tasks"), "").unwrap();
        let join = Join::open(&[t.path().to_path_buf()]).unwrap();
        assert!(!join.has_unified());
        join.join_self(&LINUX).unwrap();
        assert_eq!(
            std::fs::read_to_string(t.path().join("tasks")).unwrap(),
            "0"
        );
    }
}
