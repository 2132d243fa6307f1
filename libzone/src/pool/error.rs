//! Errors of the pools facility. `PoolErrorCode` is libpool's own error vocabulary (the text
//! after the colon in `poolcfg: put property pset.min failed: Error putting property`);
//! `PoolError` is what the facility operations (enable, commit, bind, ...) return.

use std::path::PathBuf;

/// libpool's `POE_*` codes, displayed with `pool_strerror()`'s texts. `System` carries the
/// `strerror(errno)` text, which libpool shows instead of "System error".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolErrorCode {
    #[error("Operation successful")]
    Ok,
    #[error("Attempted to retrieve the wrong property type")]
    BadPropType,
    #[error("Invalid configuration")]
    InvalidConf,
    #[error("Operation is not supported")]
    NotSupported,
    #[error("Invalid search")]
    InvalidSearch,
    #[error("Bad parameter supplied")]
    BadParam,
    #[error("Error putting property")]
    PutProp,
    #[error("Pools repository error")]
    Datastore,
    #[error("{0}")]
    System(String),
    #[error("Permission denied")]
    Access,
}

/// What a pools facility operation can fail with. Display texts read like Solaris' and name
/// the file or object; `reason()` gives the text without the file for messages that already
/// name it (`couldn't open configuration at '%s': %s`).
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The facility is disabled: there is no dynamic configuration.
    #[error("Facility is not active")]
    NotActive,
    /// The kernel back end cannot do this (yet).
    #[error("Operation is not supported")]
    Unsupported,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: Locking pools state file: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The configuration cannot be laid out on the CPUs of this machine.
    #[error(transparent)]
    Allocation(#[from] super::alloc::AllocError),
    /// A libpool-level failure (no such pool, bad property, ...).
    #[error("{0}")]
    Code(#[from] PoolErrorCode),
    /// A kernel operation failed; the text is the system's (`No such process`, ...).
    #[error("{0}")]
    System(String),
}

impl PoolError {
    /// The error without the path it concerns, for messages that name the path already.
    pub fn reason(&self) -> String {
        match self {
            PoolError::Io { source, .. } => io_reason(source),
            PoolError::Lock { source, .. } => {
                format!("Locking pools state file: {}", io_reason(source))
            }
            PoolError::Xml(e) => e.reason(),
            other => other.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> PoolError {
        PoolError::Io {
            path: path.into(),
            source,
        }
    }
}

/// `strerror()`-like text of an I/O error, without Rust's " (os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => e.to_string(),
    }
}

/// A pools configuration document that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {msg}", path.display())]
pub struct XmlError {
    pub path: PathBuf,
    pub line: usize,
    pub msg: String,
}

impl XmlError {
    /// The problem and its line, without the file name.
    pub fn reason(&self) -> String {
        format!("line {}: {}", self.line, self.msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_libpool_texts() {
        assert_eq!(
            PoolErrorCode::BadParam.to_string(),
            "Bad parameter supplied"
        );
        assert_eq!(PoolErrorCode::PutProp.to_string(), "Error putting property");
        assert_eq!(PoolErrorCode::InvalidSearch.to_string(), "Invalid search");
        assert_eq!(
            PoolErrorCode::InvalidConf.to_string(),
            "Invalid configuration"
        );
        assert_eq!(
            PoolErrorCode::System("No such file or directory".into()).to_string(),
            "No such file or directory"
        );
    }

    #[test]
    fn io_reason_is_strerror() {
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(io_reason(&e), "No such file or directory");
        let pe = PoolError::io("/etc/pooladm.conf", e);
        assert_eq!(pe.reason(), "No such file or directory");
        assert!(pe.to_string().starts_with("/etc/pooladm.conf: "));
    }
}
