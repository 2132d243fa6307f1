//! What a request to a zone's supervisor can fail with. The text of each error is what
//! zoneadm prints (it travels as the `Response` message); the cause stays attached for the
//! supervisor's log and for callers in this crate.

use crate::pool::zones::BindError;
use crate::pool::PoolError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    #[error("{0}: No such zone configured")]
    NoSuchZone(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    #[error(transparent)]
    Zone(#[from] crate::runtime::platform::zone::ZoneError),
    #[error(transparent)]
    Bind(#[from] BindError),
    /// The bindings lock of the pools facility.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// A pool's CPUs, as `poolbind` reports them (libpool's text, without a file name).
    #[error("{}", .0.reason())]
    PoolCpus(PoolError),
    #[error(transparent)]
    Cgroups(#[from] crate::cgroup::CgroupError),
    /// The cgroup of a zone being adopted.
    #[error("cgroup {path}: {source}")]
    Cgroup {
        path: String,
        #[source]
        source: crate::cgroup::CgroupError,
    },
    #[error("cgroup {0} is gone")]
    CgroupGone(String),
    #[error("console: {0}")]
    Console(#[source] nix::errno::Errno),
    #[error(transparent)]
    Keeper(#[from] super::keeper::KeeperError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {errno}")]
    Lock {
        path: PathBuf,
        #[source]
        errno: nix::errno::Errno,
    },
    #[error("no free zone id")]
    NoZoneId,
    #[error("no console")]
    NoConsole,
    /// Adopting a zone whose init is gone.
    #[error("{0}: zone is not running")]
    ZoneNotRunning(String),
    #[error("zone is supervised by zoneadmd (pid {0})")]
    Supervised(i32),
    #[error("zone is not running")]
    NotRunning,
    #[error("zone is not ready")]
    NotReady,
    #[error("zone is already booted")]
    AlreadyBooted,
    #[error("shutdown handled asynchronously")]
    Asynchronous,
}
