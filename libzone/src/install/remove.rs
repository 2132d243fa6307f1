//! Remove a zone root without ever leaving it: symlinks are removed, never followed, and a
//! directory on another file system (something mounted there) stops the removal.

use super::InstallError;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Remove `path` and everything below it, refusing to cross into other file systems.
pub fn remove_tree(path: &Path) -> Result<(), InstallError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(InstallError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    if !meta.is_dir() {
        return std::fs::remove_file(path).map_err(|source| InstallError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    check_no_mounts(path, meta.dev())?;
    std::fs::remove_dir_all(path).map_err(|source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn check_no_mounts(dir: &Path, dev: u64) -> Result<(), InstallError> {
    let rd = std::fs::read_dir(dir).map_err(|source| InstallError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for e in rd.flatten() {
        let Ok(m) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        if m.is_dir() {
            if m.dev() != dev {
                return Err(InstallError::Mounted(e.path()));
            }
            check_no_mounts(&e.path(), dev)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_tree_but_not_symlink_targets() {
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("keep"), "x").unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/f"), "x").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("a/link")).unwrap();
        remove_tree(&root).unwrap();
        assert!(!root.exists());
        assert!(outside.join("keep").exists());
        remove_tree(&root).unwrap();
    }
}
