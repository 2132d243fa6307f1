//! A zone's seccomp filter: the default filter as the plan carries it (`profile`, pure), its
//! translation into a BPF program by libseccomp (`compile`), and the compiled program as a
//! file the supervisor writes for `zlogin` and keeps for the next boot (`program`), so that
//! neither a boot nor a login pays for compiling. The runtime loads the program
//! (`runtime::filter`) as the last step before a zone process executes.
//!
//! libseccomp compiles the plan's `linux.seccomp` here exactly as it does for crun and runc,
//! so a zone made by zoneadmd and the same plan run by another OCI runtime refuse the same
//! calls.

pub mod compile;
pub mod profile;
pub mod program;

pub use compile::compile;
pub use profile::default_filter;
pub use program::{CompiledFilter, ProgramCache};

/// Why a filter could not be compiled, stored or read.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("seccomp filter: {0}")]
    Filter(String),
    #[error("seccomp filter: {call}: {reason}")]
    Rule { call: String, reason: String },
    #[error("seccomp program {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("seccomp program {path}: {reason}")]
    Corrupt {
        path: std::path::PathBuf,
        reason: String,
    },
}
