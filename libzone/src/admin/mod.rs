//! What zoneadm does, as library calls: zone status (index plus runtime, checked for
//! staleness), the lifecycle commands, install and uninstall. The zoneadm binary parses
//! arguments, calls these and prints.

pub mod autoboot;
pub mod lifecycle;
pub mod list;
pub mod migrate;
pub mod status;
pub mod verify;

use crate::store::StoreError;
use std::path::PathBuf;

/// Where the package installs the helper programs (`zoneadmd`, `zinit`, `zones-autoboot`),
/// apart from the commands in `/usr/sbin`.
pub const HELPER_DIR: &str = "/usr/lib/zones";

/// A helper program (`zoneadmd`, `zinit`): next to the running binary when it is there (a
/// build tree, where every binary sits in one directory), else in `HELPER_DIR` (the
/// package's layout: the commands in `/usr/sbin`, their helpers in `/usr/lib/zones`).
pub fn helper(name: &str) -> PathBuf {
    helper_in(std::env::current_exe().ok().as_deref(), name)
}

fn helper_in(exe: Option<&std::path::Path>, name: &str) -> PathBuf {
    exe.and_then(|p| p.parent().map(|d| d.join(name)))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(HELPER_DIR).join(name))
}

/// A zoneadm failure. Every variant but `Store` prints as `zoneadm: zone '<zone>': <message>`
/// and keeps what went wrong underneath as its `source`.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A refusal in Solaris' words (the zone's state, a wrong use, a supervisor's answer):
    /// nothing failed underneath.
    #[error("{msg}")]
    Zone { zone: String, msg: String },
    #[error("{source}")]
    Install {
        zone: String,
        #[source]
        source: Box<crate::install::InstallError>,
    },
    #[error("{source}")]
    Plan {
        zone: String,
        #[source]
        source: Box<crate::plan::PlanError>,
    },
    /// The pool binding a boot would give the zone cannot be worked out (`zoneadm plan`).
    #[error("{source}")]
    Pool {
        zone: String,
        #[source]
        source: Box<crate::pool::zones::BindError>,
    },
    #[error("cgroups: {source}")]
    Cgroups {
        zone: String,
        #[source]
        source: Box<crate::cgroup::CgroupError>,
    },
    #[error("{source}")]
    Remains {
        zone: String,
        #[source]
        source: Box<crate::runtime::supervisor::keeper::RemainsError>,
    },
    /// A tree copy (clone, a move across file systems) that failed.
    #[error("the copy failed: {source}")]
    Copy {
        zone: String,
        #[source]
        source: Box<crate::install::copy::CopyError>,
    },
    /// A system call or a file, named by `what` (a path, `pipe`, `cannot reach zoneadmd`).
    #[error("{what}: {source}")]
    Io {
        zone: String,
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// `error`, and what could not be undone after it (each named, e.g. a cgroup left).
    #[error("{error}{}", cleanup_note(cleanup))]
    Cleanup {
        #[source]
        error: Box<AdminError>,
        cleanup: Vec<String>,
    },
}

fn cleanup_note(cleanup: &[String]) -> String {
    cleanup
        .iter()
        .map(|c| format!("; cleaning up also failed: {c}"))
        .collect()
}

impl AdminError {
    pub fn zone(zone: &str, msg: impl Into<String>) -> AdminError {
        AdminError::Zone {
            zone: zone.to_string(),
            msg: msg.into(),
        }
    }

    /// A failed tree copy for `zone`.
    pub fn copy(zone: &str, source: crate::install::copy::CopyError) -> AdminError {
        AdminError::Copy {
            zone: zone.to_string(),
            source: Box::new(source),
        }
    }

    /// An I/O failure of `what` for `zone`, as a `map_err` closure.
    pub fn io(
        zone: &str,
        what: impl std::fmt::Display,
    ) -> impl FnOnce(std::io::Error) -> AdminError {
        let (zone, what) = (zone.to_string(), what.to_string());
        move |source| AdminError::Io { zone, what, source }
    }

    /// This error with the cleanup failures that followed it (none: itself).
    pub fn with_cleanup(self, cleanup: Vec<String>) -> AdminError {
        if cleanup.is_empty() {
            return self;
        }
        AdminError::Cleanup {
            error: Box::new(self),
            cleanup,
        }
    }

    /// The zone the error is about, when it is about one.
    pub fn zone_name(&self) -> Option<&str> {
        match self {
            AdminError::Store(_) => None,
            AdminError::Zone { zone, .. }
            | AdminError::Install { zone, .. }
            | AdminError::Plan { zone, .. }
            | AdminError::Pool { zone, .. }
            | AdminError::Cgroups { zone, .. }
            | AdminError::Remains { zone, .. }
            | AdminError::Copy { zone, .. }
            | AdminError::Io { zone, .. } => Some(zone),
            AdminError::Cleanup { error, .. } => error.zone_name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn errors_keep_their_cause_and_cleanup_failures() {
        use std::error::Error;
        let e = AdminError::io("z1", "/x/log")(std::io::Error::from_raw_os_error(libc::ENOENT));
        assert!(e.to_string().starts_with("/x/log: "), "{e}");
        assert!(e.source().is_some());
        assert_eq!(e.zone_name(), Some("z1"));
        let e = e.with_cleanup(vec!["cgroup /zones/z1 still busy".into()]);
        assert!(
            e.to_string()
                .ends_with("; cleaning up also failed: cgroup /zones/z1 still busy"),
            "{e}"
        );
        assert_eq!(e.zone_name(), Some("z1"));
        let plain = AdminError::zone("z1", "zone is already booted");
        assert_eq!(
            plain.with_cleanup(Vec::new()).to_string(),
            "zone is already booted"
        );
    }

    #[test]
    fn helpers_next_to_the_binary_else_in_the_helper_dir() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("zoneadm");
        std::fs::write(&exe, "").unwrap();
        std::fs::write(dir.path().join("zoneadmd"), "").unwrap();
        // A build tree: the sibling.
        assert_eq!(
            helper_in(Some(&exe), "zoneadmd"),
            dir.path().join("zoneadmd")
        );
        // The package: `/usr/sbin/zlogin` has no `/usr/sbin/zinit` next to it.
        assert_eq!(
            helper_in(Some(&exe), "zinit"),
            Path::new("/usr/lib/zones/zinit")
        );
        assert_eq!(helper_in(None, "zinit"), Path::new("/usr/lib/zones/zinit"));
    }
}
