//! How a zone process gets into its cgroups: it moves itself, as its first step, by writing
//! `0` to files its parent opened. On cgroup v1 that is each hierarchy's `tasks` file: a
//! single-threaded process moving itself through `tasks` skips the thread-group lock that a
//! `cgroup.procs` write takes (and its RCU grace period, several milliseconds here), and
//! nothing it starts afterwards can be outside the cgroups. On v2, `cgroup.procs`.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

/// Open, for writing, the file of each cgroup directory a process joins itself through.
pub fn open(dirs: &[PathBuf]) -> Result<Vec<File>, (PathBuf, std::io::Error)> {
    dirs.iter()
        .map(|d| {
            let tasks = d.join("tasks");
            let p = if tasks.exists() {
                tasks
            } else {
                d.join("cgroup.procs")
            };
            std::fs::OpenOptions::new()
                .write(true)
                .open(&p)
                .map_err(|e| (p, e))
        })
        .collect()
}

/// Move the calling (single-threaded) process into every cgroup of `files`.
pub fn join_self(files: &[File]) -> std::io::Result<()> {
    for mut f in files {
        f.write_all(b"0")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_tasks_and_falls_back_to_procs() {
        let t = tempfile::tempdir().unwrap();
        let v1 = t.path().join("v1");
        let v2 = t.path().join("v2");
        for d in [&v1, &v2] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("cgroup.procs"), "").unwrap();
        }
        std::fs::write(v1.join("tasks"), "").unwrap();
        let files = open(&[v1.clone(), v2.clone()]).unwrap();
        join_self(&files).unwrap();
        assert_eq!(std::fs::read_to_string(v1.join("tasks")).unwrap(), "0");
        assert_eq!(
            std::fs::read_to_string(v2.join("cgroup.procs")).unwrap(),
            "0"
        );
        assert!(open(&[PathBuf::from("/nonexistent")]).is_err());
    }
}
