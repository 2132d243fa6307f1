//! Where zones live on disk under an alternate root (`-R DIR`, default `/`): the index
//! `etc/zones/index`, one `etc/zones/<zone>.xml` per zone, the templates, and the locks that
//! keep concurrent commands from tearing them.

use crate::config::ZoneConfig;
use crate::state::ZoneState;
use std::path::PathBuf;

/// What can go wrong reading or writing the store. Messages name the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{zone}: No such zone configured")]
    NoSuchZone { zone: String },
    #[error("{zone}: Zone name already in use")]
    NameInUse { zone: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A zone file, template or manifest that is not a valid zone document.
    #[error("{path}:{line}: {msg}")]
    BadDocument {
        path: PathBuf,
        line: usize,
        msg: String,
    },
    /// A malformed line of `etc/zones/index`.
    #[error("{path}:{line}: bad index entry: {msg}")]
    BadIndex {
        path: PathBuf,
        line: usize,
        msg: String,
    },
    #[error("{path}: Locking index file: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The zone configuration repository the zonecfg session works against. `store::Store` is
/// the on-disk implementation; tests use an in-memory one.
pub trait Repository {
    /// The committed configuration of `zone`, or `None` when it is not configured.
    /// `global` always exists.
    fn load(&self, zone: &str) -> Result<Option<ZoneConfig>, StoreError>;
    /// A template for `create`: `SYSdefault`, `SYSblank` (and their Solaris 10 names
    /// `SUNWdefault`, `SUNWblank`) or any configured zone. `None` when there is no such zone.
    fn template(&self, name: &str) -> Result<Option<ZoneConfig>, StoreError>;
    /// The zone's state from the index, or `None` when it is not configured.
    fn state(&self, zone: &str) -> Result<Option<ZoneState>, StoreError>;
    /// Write `cfg` and its index entry atomically. `old_name` is the name the zone was loaded
    /// under when it differs (a rename through `set zonename=`).
    fn commit(&self, old_name: Option<&str>, cfg: &ZoneConfig) -> Result<(), StoreError>;
    /// Remove the zone's configuration and index entry.
    fn delete(&self, zone: &str) -> Result<(), StoreError>;
    /// Read a detached zone's manifest (`<path>/SUNWdetached.xml`) for `create -a path`.
    fn detached(&self, zonepath: &str) -> Result<Option<ZoneConfig>, StoreError>;
}
