//! What can stop a benchmark run. Every variant names the command, file or step that failed.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start {cmd}: {source}")]
    Spawn {
        cmd: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{cmd}` failed ({status}){stderr}")]
    Failed {
        cmd: String,
        status: String,
        /// The tail of its standard error, with a leading newline when not empty.
        stderr: String,
    },
    #[error("{step}: {errno}")]
    Sys {
        step: String,
        errno: nix::errno::Errno,
    },
    #[error("{0}")]
    Setup(String),
    #[error("interrupted")]
    Interrupted,
}

impl BenchError {
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BenchError {
        let path = path.into();
        move |source| BenchError::Io { path, source }
    }

    pub fn sys(step: impl Into<String>) -> impl FnOnce(nix::errno::Errno) -> BenchError {
        let step = step.into();
        move |errno| BenchError::Sys { step, errno }
    }
}

pub type Result<T> = std::result::Result<T, BenchError>;
