//! Cgroup names: validation of relative paths and the per-altroot parent names that keep a
//! real install and scratch roots (tests, `-R DIR`) apart.

use super::error::{CgroupError, Result};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// The parent cgroup for `kind` ("zones" or "pools") of the installation under `altroot`:
/// `zones` for `/`, `zones-<8 hex digits>` for any other root. The suffix is a stable hash
/// (FNV-1a, 32 bits) of the canonical altroot, so the same root always maps to the same
/// parent and different roots do not collide in practice.
pub fn parent_name(altroot: &Path, kind: &str) -> String {
    let canonical = altroot
        .canonicalize()
        .or_else(|_| std::path::absolute(altroot))
        .unwrap_or_else(|_| altroot.to_path_buf());
    if canonical == Path::new("/") {
        return kind.to_owned();
    }
    format!("{kind}-{:08x}", fnv1a32(canonical.as_os_str().as_bytes()))
}

/// The zone whose cgroup, in the zones' own layout under the parent `parent`
/// (`zones[-<hash>]`), holds a process in the cgroup `path` (one path of `/proc/<pid>/cgroup`,
/// such as `/zones/web1/x`).
pub fn own_zone_of_path(parent: &str, path: &str) -> Option<String> {
    let rest = path
        .strip_prefix('/')?
        .strip_prefix(parent)?
        .strip_prefix('/')?;
    let zone = rest.split('/').next().unwrap_or(rest);
    (!zone.is_empty()).then(|| zone.to_string())
}

fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// Check a cgroup path relative to a hierarchy root (`zones/web1`) and normalise it.
pub(crate) fn relative(path: &str) -> Result<PathBuf> {
    let bad = |reason| CgroupError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    if path.is_empty() {
        return Err(bad("empty"));
    }
    if path.contains('\0') {
        return Err(bad("contains NUL"));
    }
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(name) => {
                // cgroup.procs-style listings are line based.
                if name.as_bytes().contains(&b'\n') {
                    return Err(bad("contains a newline"));
                }
                out.push(name);
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return Err(bad("must be relative")),
            Component::ParentDir => return Err(bad("must not contain ..")),
        }
    }
    if out.as_os_str().is_empty() {
        return Err(bad("empty"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_names() {
        assert_eq!(parent_name(Path::new("/"), "zones"), "zones");
        assert_eq!(parent_name(Path::new("/."), "pools"), "pools");
        let d = tempfile::tempdir().unwrap();
        let a = parent_name(d.path(), "zones");
        assert!(a.starts_with("zones-") && a.len() == 14, "{a}");
        assert!(a[6..].chars().all(|c| c.is_ascii_hexdigit()));
        // Stable and path-spelling independent.
        assert_eq!(a, parent_name(&d.path().join("."), "zones"));
        let p = parent_name(d.path(), "pools");
        assert_eq!(&p[6..], &a[6..]);
        let e = tempfile::tempdir().unwrap();
        assert_ne!(a, parent_name(e.path(), "zones"));
        // A root that does not exist yet still gets a name.
        let n = parent_name(Path::new("/nonexistent/alt/root"), "zones");
        assert_eq!(
            n,
            format!("zones-{:08x}", fnv1a32(b"/nonexistent/alt/root"))
        );
    }

    #[test]
    fn zones_of_cgroup_paths_in_the_own_layout() {
        assert_eq!(
            own_zone_of_path("zones", "/zones/web1").as_deref(),
            Some("web1")
        );
        assert_eq!(
            own_zone_of_path("zones", "/zones/web1/a/b").as_deref(),
            Some("web1")
        );
        assert_eq!(own_zone_of_path("zones", "/zones-1234abcd/web1"), None);
        assert_eq!(own_zone_of_path("zones", "/zones"), None);
        assert_eq!(own_zone_of_path("zones", "/zones/"), None);
        assert_eq!(own_zone_of_path("zones", "/user.slice"), None);
    }

    #[test]
    fn fnv_known_values() {
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative("zones/web1").unwrap(), Path::new("zones/web1"));
        assert_eq!(relative("./zones//web1/").unwrap(), Path::new("zones/web1"));
        for bad in ["", "/zones", "zones/../x", ".", "a\0b", "a\nb"] {
            assert!(
                matches!(relative(bad), Err(CgroupError::InvalidPath { .. })),
                "{bad:?}"
            );
        }
    }
}
