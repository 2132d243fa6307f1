//! The one error type of the cgroup layer. Every variant that comes from the kernel names the
//! cgroup file or directory that failed, so `zoneadm` can print it as is.

use super::controller::Controller;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A read, write, mkdir or rmdir on cgroupfs failed; `source` carries the errno.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// v1: no hierarchy with this controller is mounted.
    #[error("controller not mounted: {0}")]
    NotMounted(Controller),
    /// v1: the controller is mounted but this cgroup was not created in its hierarchy.
    #[error("controller not attached to cgroup {cgroup}: {controller}")]
    NotAttached {
        controller: Controller,
        cgroup: String,
    },
    /// v2: the controller is not in the cgroup's `cgroup.controllers` (not offered by the
    /// kernel, bound to a v1 hierarchy, or not enabled in the parent); `path` is the control
    /// file that could not be used.
    #[error("controller not available: {controller}: {path}")]
    Unavailable {
        controller: Controller,
        path: PathBuf,
    },
    /// v2: writing `+controller` to an ancestor's `cgroup.subtree_control` failed (typically
    /// EBUSY: the ancestor holds processes, the "no internal processes" rule).
    #[error("cannot enable controller {controller} in {path}: {source}")]
    EnableController {
        controller: Controller,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The kernel lacks a file this operation needs (`memory.memsw.limit_in_bytes` without
    /// swap accounting, `cgroup.freeze` before Linux 5.2, ...).
    #[error("not supported by this kernel: {path}")]
    Unsupported { path: PathBuf },
    #[error("invalid cgroup path: {path:?}: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error("invalid {name} value {value}: {reason}")]
    InvalidLimit {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    /// Freezing, killing or removing did not finish in time (e.g. a task stuck in D state).
    #[error("{path}: timed out waiting for {what}")]
    Timeout { path: PathBuf, what: &'static str },
    #[error("cannot kill process {pid}: {source}")]
    Signal {
        pid: u32,
        #[source]
        source: nix::Error,
    },
    /// A device rule of the plan that the devices controller cannot carry out.
    #[error("invalid device rule '{rule}': {reason}")]
    InvalidDeviceRule { rule: String, reason: &'static str },
    /// cgroup v2: the device program was refused (`log`: the verifier's last words, if any).
    #[error("{path}: cannot install the device program: {source}{}", if log.is_empty() { String::new() } else { format!(" ({log})") })]
    DeviceProgram {
        path: PathBuf,
        #[source]
        source: std::io::Error,
        log: String,
    },
    #[error("no cgroup hierarchy mounted")]
    NoHierarchy,
    /// A setting that systemd keeps on a unit of its own (the zones' slice) was refused.
    #[error("{0}")]
    Systemd(String),
    #[error("{path}: not a cgroup2 mount")]
    NotCgroup2 { path: PathBuf },
    #[error("{path}:{line}: malformed mount entry")]
    BadMountinfo { path: PathBuf, line: usize },
}

impl CgroupError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CgroupError::Io {
            path: path.into(),
            source,
        }
    }

    /// The errno of a failed cgroupfs operation, if this error is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            CgroupError::Io { source, .. }
            | CgroupError::EnableController { source, .. }
            | CgroupError::DeviceProgram { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// rmdir of a cgroup that still holds processes (or children) fails with EBUSY.
    pub fn is_busy(&self) -> bool {
        self.errno() == Some(libc::EBUSY)
    }
}

pub type Result<T, E = CgroupError> = std::result::Result<T, E>;
