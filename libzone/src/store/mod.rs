//! Where zones live on disk under an alternate root (`-R DIR`, default `/`): the index
//! `etc/zones/index`, one `etc/zones/<zone>.xml` per zone, the templates, and the locks that
//! keep concurrent commands from tearing them.
//!
//! A zone exists when the index has a (good) line for it; its file holds the configuration.
//! Writes go file first, index second, under the index lock, with a note in the lock file of
//! what is being changed, so a writer killed half-way is repaired by whoever takes the lock
//! next (`recover.rs`): every crash leaves the old state or the new one.

#[cfg(test)]
mod concurrency_tests;
#[cfg(test)]
mod crash_tests;
mod edit;
mod index;
mod lock;
mod paths;
pub mod record;
mod recover;
mod repo;
mod templates;
mod xml;

pub use edit::Editor;
pub use index::{is_uuid, new_uuid, DamagedLine, Index, IndexEntry, INDEX_HEADER};
pub use lock::{ConfigLock, ZoneLock};
pub use paths::{storable_name, Store, DETACHED_FILE};
pub use templates::{builtin, BuiltinTemplate, BUILTIN_TEMPLATES, SYSBLANK, SYSDEFAULT};
pub use xml::{from_xml, from_xml_bytes, to_xml};

use crate::config::ZoneConfig;
use crate::state::ZoneState;
use std::path::PathBuf;

impl From<crate::fsio::PathError> for StoreError {
    fn from(e: crate::fsio::PathError) -> StoreError {
        StoreError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

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
    /// A name that cannot be a zone's file and index key (empty, `/`, `:`, `"`, control
    /// characters, `.`/`..`), or one the store keeps for itself (`global` for rename/delete,
    /// the template names for commit/delete).
    #[error("{zone}: Bogus zone name")]
    BogusName { zone: String },
    /// A value the index format cannot hold (a zonepath with `"` or a line break, a bad uuid).
    #[error("{zone}: Problem updating index file: {msg}")]
    BadIndexValue { zone: String, msg: String },
    /// `set_state` with a state that is not kept in the index (ready, running, ...).
    #[error("{zone}: Zone state is invalid for the requested operation: {state} is not a persistent state")]
    BadState { zone: String, state: ZoneState },
    /// A zonepath that does not name a directory inside the alternate root (`..`, `.`,
    /// `//`, a trailing `/`, relative, or `/` itself): nothing is made of it.
    #[error("zonepath {zonepath} is not a canonical path inside {root}; refusing to use it", root = root.display())]
    ZonepathOutsideRoot { zonepath: String, root: PathBuf },
    /// `try_lock_zone` found the zone's lock taken by another command.
    #[error("another zoneadm may have an operation in progress.")]
    ZoneBusy { zone: String },
    /// `delete` or a rename of a zone that is installed (or running, or half-installed):
    /// its zonepath and its running instance would be orphaned.
    #[error("Zone {zone} not in configured state; {op} not allowed.")]
    NotConfigured { zone: String, op: &'static str },
    /// A commit over a configuration someone else committed after this session read it.
    #[error("Zone {zone} was changed by another zonecfg since this session loaded it; use 'revert' to load the current configuration.")]
    Changed { zone: String },
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
