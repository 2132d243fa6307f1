//! Where the store's files live under the alternate root, and the checks that keep a zone
//! name from ever addressing a file outside `etc/zones` or breaking an index line.

use super::StoreError;
use crate::config::names;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// Configurations, the index and the templates.
const CONFIG_DIR: &str = "etc/zones";
/// Locks and the runtime state of ready/running zones.
const RUN_DIR: &str = "var/run/zones";
/// Install and supervisor logs.
const LOG_DIR: &str = "var/log/zones";

const INDEX_FILE: &str = "index";
const INDEX_LOCK_FILE: &str = "index.lock";
/// The manifest `zoneadm detach` leaves in the zonepath for `attach` and `create -a`.
pub const DETACHED_FILE: &str = "SUNWdetached.xml";

/// The on-disk zone store under an alternate root (`-R DIR`; `/` for the live system).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
}

impl Default for Store {
    fn default() -> Self {
        Store::new("/")
    }
}

impl Store {
    /// A store rooted at `root`. Nothing is read or created until the store is used.
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/etc/zones`.
    pub fn config_dir(&self) -> PathBuf {
        self.root.join(CONFIG_DIR)
    }

    /// `<root>/var/run/zones`.
    pub fn run_dir(&self) -> PathBuf {
        self.root.join(RUN_DIR)
    }

    /// `<root>/var/log/zones`.
    pub fn log_dir(&self) -> PathBuf {
        self.root.join(LOG_DIR)
    }

    /// `<root>/etc/zones/index`.
    pub fn index_path(&self) -> PathBuf {
        self.config_dir().join(INDEX_FILE)
    }

    /// `<root>/var/run/zones/index.lock`.
    pub fn index_lock_path(&self) -> PathBuf {
        self.run_dir().join(INDEX_LOCK_FILE)
    }

    /// `<root>/etc/zones/<zone>.xml` (also the path of a template named `zone`).
    pub fn zone_xml_path(&self, zone: &str) -> PathBuf {
        self.config_dir().join(format!("{zone}.xml"))
    }

    /// `<root>/var/run/zones/<zone>.zoneadm.lock`.
    pub fn zone_lock_path(&self, zone: &str) -> PathBuf {
        self.run_dir().join(format!("{zone}.zoneadm.lock"))
    }

    /// A zonepath as seen from the host: zonepaths in configurations are paths inside the
    /// alternate root, as on Solaris (`zone_get_zonepath` prefixes `zonecfg_root`).
    ///
    /// Only a canonical absolute zonepath below `/` maps: zonecfg refuses others, but a zone
    /// file may have been edited by hand, and `..` would name a directory outside the root
    /// (`/zones/../../x` under `-R /alt` is `/x`). Whatever asks for the path (install,
    /// boot, uninstall, detach) then fails instead of touching anything outside `-R`.
    pub fn host_path(&self, zonepath: &str) -> Result<PathBuf, StoreError> {
        if names::check_zonepath(zonepath).is_err() {
            return Err(StoreError::ZonepathOutsideRoot {
                zonepath: zonepath.to_string(),
                root: self.root.clone(),
            });
        }
        let path = self.root.join(&zonepath[1..]);
        debug_assert!(path.starts_with(&self.root));
        Ok(path)
    }

    /// `<host zonepath>/SUNWdetached.xml`.
    pub fn detached_path(&self, zonepath: &str) -> Result<PathBuf, StoreError> {
        Ok(self.host_path(zonepath)?.join(DETACHED_FILE))
    }

    /// Create `etc/zones` (mode 0755) and its parents if missing.
    pub fn ensure_config_dir(&self) -> Result<PathBuf, StoreError> {
        ensure_dir(self.config_dir())
    }

    /// Create `var/run/zones` (mode 0755) and its parents if missing.
    pub fn ensure_run_dir(&self) -> Result<PathBuf, StoreError> {
        ensure_dir(self.run_dir())
    }

    /// Create `var/log/zones` (mode 0755) and its parents if missing.
    pub fn ensure_log_dir(&self) -> Result<PathBuf, StoreError> {
        ensure_dir(self.log_dir())
    }
}

fn ensure_dir(dir: PathBuf) -> Result<PathBuf, StoreError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&dir)
        .map_err(|source| StoreError::Io {
            path: dir.clone(),
            source,
        })?;
    Ok(dir)
}

/// Whether `zone` can name a file in `etc/zones` and a line of the index. This is not the
/// zonecfg naming rule (`config::names` has that); it is the store's own safety net so no
/// name, however it reached us, escapes the directory or splits an index line.
pub fn storable_name(zone: &str) -> bool {
    !zone.is_empty()
        && zone != "."
        && zone != ".."
        && !zone.starts_with('#')
        && !zone
            .chars()
            .any(|c| matches!(c, '/' | ':' | '"' | '\0') || c.is_control())
}

/// `Err(BogusName)` unless [`storable_name`].
pub fn check_name(zone: &str) -> Result<(), StoreError> {
    if storable_name(zone) {
        Ok(())
    } else {
        Err(StoreError::BogusName {
            zone: zone.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_under_the_root() {
        let s = Store::new("/alt");
        assert_eq!(s.index_path(), Path::new("/alt/etc/zones/index"));
        assert_eq!(s.zone_xml_path("z1"), Path::new("/alt/etc/zones/z1.xml"));
        assert_eq!(
            s.index_lock_path(),
            Path::new("/alt/var/run/zones/index.lock")
        );
        assert_eq!(
            s.zone_lock_path("z1"),
            Path::new("/alt/var/run/zones/z1.zoneadm.lock")
        );
        assert_eq!(s.log_dir(), Path::new("/alt/var/log/zones"));
        assert_eq!(
            s.detached_path("/zones/z1").unwrap(),
            Path::new("/alt/zones/z1/SUNWdetached.xml")
        );
        assert_eq!(
            Store::default().host_path("/zones/z1").unwrap(),
            Path::new("/zones/z1")
        );
    }

    #[test]
    fn zonepaths_never_map_outside_the_root() {
        let s = Store::new("/alt");
        for bad in [
            "/zones/../../x",
            "/..",
            "/zones/..",
            "/zones/./a",
            "//zones/a",
            "/zones/a/",
            "zones/a",
            "",
            "/",
            "/a\0b",
        ] {
            match s.host_path(bad) {
                Err(StoreError::ZonepathOutsideRoot { zonepath, root }) => {
                    assert_eq!(
                        (zonepath.as_str(), root.as_path()),
                        (bad, Path::new("/alt"))
                    );
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
            assert!(s.detached_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            StoreError::ZonepathOutsideRoot {
                zonepath: "/zones/../../x".into(),
                root: "/alt".into()
            }
            .to_string(),
            "zonepath /zones/../../x is not a canonical path inside /alt; refusing to use it"
        );
        assert_eq!(s.host_path("/a/..b").unwrap(), Path::new("/alt/a/..b"));
    }

    #[test]
    fn names_that_would_escape_are_refused() {
        for bad in ["", ".", "..", "a/b", "../etc", "a:b", "a\"b", "#x", "a\nb"] {
            assert!(!storable_name(bad), "{bad:?}");
            assert!(check_name(bad).is_err());
        }
        for good in ["z1", "my-zone_2.test", "global", "SYSdefault", "zöne"] {
            assert!(storable_name(good), "{good:?}");
        }
    }

    #[test]
    fn directories_are_created() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::new(dir.path());
        for d in [
            s.ensure_config_dir().unwrap(),
            s.ensure_run_dir().unwrap(),
            s.ensure_log_dir().unwrap(),
        ] {
            assert!(d.is_dir());
        }
        // A second call finds them in place.
        s.ensure_config_dir().unwrap();
    }
}
