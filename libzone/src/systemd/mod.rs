//! Zones on a systemd host with cgroup v2: their cgroups live in a subtree systemd delegated
//! to them, as systemd's "Control Group APIs and Delegation" asks of any other cgroup
//! manager (and as systemd-nspawn does through machined).
//!
//! Each zone's supervisor (zoneadmd) asks systemd for a transient scope unit with
//! `Delegate=yes`, `zone-<name>.scope` in `zones.slice` (see [`Names`]); from then on the
//! scope's cgroup is ours:
//!
//! ```text
//! /sys/fs/cgroup/zones.slice/zone-web.scope/      systemd's scope, delegated to us
//!                                 supervisor/     zoneadmd and its console keeper (a leaf)
//!                                 zone/           the zone: its limits, its init (a leaf
//!                                                 until the zone's own init makes children)
//! ```
//!
//! The scope itself holds no process ("no internal processes": its `cgroup.subtree_control`
//! enables the zone's controllers). The scope is ordered `Before=zones.service`, so at host
//! shutdown zones.service shuts the zones down (gracefully, with a timeout before halt) before
//! systemd stops, and would kill, the scopes. A scope whose processes are all gone is stopped
//! and removed by systemd.
//!
//! Hosts without systemd as init, and cgroup v1 or hybrid hosts, keep the zones' own layout
//! (`zones[-<hash>]/<zone>` in every hierarchy).
//!
//! Alternate roots (`-R DIR`) get a slice of their own below `zones.slice`
//! (`zones-<hash>.slice`) and scope names carrying the same hash, so scratch roots and a
//! real install never collide.

pub mod dbus;
mod scope;

pub use scope::{cpu_weight_request, enter_scope, set_zones_cpu_weight, start_request, ScopeError};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// systemd's own directory that exists only when it runs as init (`sd_booted()`).
const BOOTED: &str = "/run/systemd/system";

/// The leaf of a zone's scope that holds its supervisor.
pub const SUPERVISOR_LEAF: &str = "supervisor";
/// The child of a zone's scope that is the zone's cgroup.
pub const ZONE_LEAF: &str = "zone";

/// Where zone cgroups go on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The zones' own tree, as on hosts without systemd.
    Own,
    /// In scopes systemd delegated, on a pure cgroup v2 host whose init is systemd. `base`:
    /// systemd's root cgroup relative to the cgroup2 mount (`""` normally; a systemd inside
    /// a container may sit lower).
    Systemd { mount: PathBuf, base: String },
}

impl Placement {
    /// This host's placement, found once per process.
    pub fn host() -> &'static Placement {
        static P: OnceLock<Placement> = OnceLock::new();
        P.get_or_init(Placement::probe)
    }

    fn probe() -> Placement {
        if !Path::new(BOOTED).is_dir() {
            return Placement::Own;
        }
        let Ok(layout) = crate::cgroup::Layout::discover() else {
            return Placement::Own;
        };
        match (layout.mode(), &layout.v2) {
            (Ok(crate::cgroup::Mode::V2), Some(v2)) => {
                let init = std::fs::read_to_string("/proc/1/cgroup").unwrap_or_default();
                Placement::Systemd {
                    mount: v2.mount_point.clone(),
                    base: systemd_base(&init),
                }
            }
            _ => Placement::Own,
        }
    }

    pub fn is_systemd(&self) -> bool {
        matches!(self, Placement::Systemd { .. })
    }

    /// The cgroup path (relative to the hierarchy root) of the parent of every zone of
    /// `altroot`, `None` with the zones' own layout.
    pub fn zones_parent(&self, altroot: &Path) -> Option<String> {
        let Placement::Systemd { base, .. } = self else {
            return None;
        };
        Some(join(base, &slice_path(&Names::new(altroot, "").slice)))
    }

    /// The scope cgroup of `zone` (relative path), `None` with the zones' own layout.
    pub fn scope_path(&self, altroot: &Path, zone: &str) -> Option<String> {
        let parent = self.zones_parent(altroot)?;
        Some(format!("{parent}/{}", Names::new(altroot, zone).scope))
    }

    /// The zone's own cgroup (relative path), `None` with the zones' own layout.
    pub fn zone_path(&self, altroot: &Path, zone: &str) -> Option<String> {
        Some(format!("{}/{ZONE_LEAF}", self.scope_path(altroot, zone)?))
    }

    /// The zone of `altroot` a cgroup path as `/proc/<pid>/cgroup` shows it
    /// (`/zones.slice/zone-web.scope/zone/...`) belongs to.
    pub fn zone_of(&self, altroot: &Path, cgroup: &str) -> Option<String> {
        let parent = self.zones_parent(altroot)?;
        let rest = cgroup
            .strip_prefix('/')
            .unwrap_or(cgroup)
            .strip_prefix(parent.as_str())?
            .strip_prefix('/')?;
        let (scope, below) = rest.split_once('/').unwrap_or((rest, ""));
        if below != ZONE_LEAF && !below.starts_with(&format!("{ZONE_LEAF}/")) {
            return None;
        }
        let prefix = Names::new(altroot, "").scope_prefix();
        scope
            .strip_prefix(prefix.as_str())?
            .strip_suffix(".scope")
            .filter(|z| !z.is_empty())
            .map(str::to_string)
    }
}

/// The cgroup of `zone` of the installation under `altroot`, relative to the hierarchy root:
/// `zones[-<hash>]/<zone>`, or on a systemd host the `zone` child of the zone's delegated
/// scope (`zones.slice/zone-<zone>.scope/zone`).
pub fn zone_path(altroot: &Path, zone: &str) -> String {
    Placement::host()
        .zone_path(altroot, zone)
        .unwrap_or_else(|| format!("{}/{zone}", crate::cgroup::parent_name(altroot, "zones")))
}

/// The zone of `altroot` whose cgroup holds a process in the cgroup `path` (one path of
/// `/proc/<pid>/cgroup`, such as `/zones/web1/x`).
pub fn zone_of_path(altroot: &Path, path: &str) -> Option<String> {
    let placement = Placement::host();
    if placement.is_systemd() {
        return placement.zone_of(altroot, path);
    }
    crate::cgroup::own_zone_of_path(&crate::cgroup::parent_name(altroot, "zones"), path)
}

/// systemd's root cgroup from its own `/proc/1/cgroup`: the cgroup2 line's path without the
/// `init.scope` it keeps itself in, relative (`""` for the root).
fn systemd_base(proc_1_cgroup: &str) -> String {
    let path = proc_1_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap_or("/");
    let path = path.strip_suffix("/init.scope").unwrap_or(path);
    path.trim_matches('/').to_string()
}

fn join(base: &str, rel: &str) -> String {
    if base.is_empty() {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    }
}

/// The cgroup path of a slice unit: each `-` opens a level (`a-b.slice` is in `a.slice`).
pub fn slice_path(slice: &str) -> String {
    let stem = slice.strip_suffix(".slice").unwrap_or(slice);
    let mut out: Vec<String> = stem
        .match_indices('-')
        .map(|(i, _)| format!("{}.slice", &stem[..i]))
        .collect();
    out.push(format!("{stem}.slice"));
    out.join("/")
}

/// The unit names of the zones of one alternate root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// `zones.slice`, or `zones-<hash>.slice` for an alternate root.
    pub slice: String,
    /// `zone-<zone>.scope`, or `zone-<hash>-<zone>.scope` for an alternate root.
    pub scope: String,
    hash: Option<String>,
}

impl Names {
    pub fn new(altroot: &Path, zone: &str) -> Names {
        let parent = crate::cgroup::parent_name(altroot, "zones");
        let hash = parent.strip_prefix("zones-").map(str::to_string);
        let mut n = Names {
            slice: format!("{parent}.slice"),
            scope: String::new(),
            hash,
        };
        n.scope = format!("{}{zone}.scope", n.scope_prefix());
        n
    }

    fn scope_prefix(&self) -> String {
        match &self.hash {
            Some(h) => format!("zone-{h}-"),
            None => "zone-".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn systemd() -> Placement {
        Placement::Systemd {
            mount: PathBuf::from("/sys/fs/cgroup"),
            base: String::new(),
        }
    }

    #[test]
    fn slices_nest_by_their_dashes() {
        assert_eq!(slice_path("zones.slice"), "zones.slice");
        assert_eq!(
            slice_path("zones-1a2b3c4d.slice"),
            "zones.slice/zones-1a2b3c4d.slice"
        );
        assert_eq!(slice_path("a-b-c.slice"), "a.slice/a-b.slice/a-b-c.slice");
    }

    #[test]
    fn the_real_root_and_alternate_roots_get_their_own_units() {
        let n = Names::new(Path::new("/"), "web");
        assert_eq!(n.slice, "zones.slice");
        assert_eq!(n.scope, "zone-web.scope");
        let d = tempfile::tempdir().unwrap();
        let n = Names::new(d.path(), "web");
        let hash = &crate::cgroup::parent_name(d.path(), "zones")[6..];
        assert_eq!(n.slice, format!("zones-{hash}.slice"));
        assert_eq!(n.scope, format!("zone-{hash}-web.scope"));
    }

    #[test]
    fn zone_paths_under_systemd() {
        let p = systemd();
        let root = Path::new("/");
        assert_eq!(p.zones_parent(root).unwrap(), "zones.slice");
        assert_eq!(
            p.zone_path(root, "web").unwrap(),
            "zones.slice/zone-web.scope/zone"
        );
        assert_eq!(
            p.scope_path(root, "my-zone.1").unwrap(),
            "zones.slice/zone-my-zone.1.scope"
        );
        let d = tempfile::tempdir().unwrap();
        let hash = crate::cgroup::parent_name(d.path(), "zones")[6..].to_string();
        assert_eq!(
            p.zone_path(d.path(), "web").unwrap(),
            format!("zones.slice/zones-{hash}.slice/zone-{hash}-web.scope/zone")
        );
        // Nothing of this with the zones' own layout.
        assert_eq!(Placement::Own.zone_path(root, "web"), None);
        assert_eq!(Placement::Own.zones_parent(root), None);
        // A systemd that is not at the root of the tree.
        let nested = Placement::Systemd {
            mount: PathBuf::from("/sys/fs/cgroup"),
            base: "lxc/c1".into(),
        };
        assert_eq!(
            nested.zone_path(root, "web").unwrap(),
            "lxc/c1/zones.slice/zone-web.scope/zone"
        );
    }

    #[test]
    fn the_zone_of_a_process_cgroup() {
        let p = systemd();
        let root = Path::new("/");
        let of = |c: &str| p.zone_of(root, c);
        assert_eq!(
            of("/zones.slice/zone-web.scope/zone").as_deref(),
            Some("web")
        );
        assert_eq!(
            of("/zones.slice/zone-a-b.scope/zone/init.scope").as_deref(),
            Some("a-b")
        );
        // The supervisor is not in the zone; other units are not zones.
        assert_eq!(of("/zones.slice/zone-web.scope/supervisor"), None);
        assert_eq!(of("/zones.slice/zone-web.scope"), None);
        assert_eq!(of("/system.slice/zones.service"), None);
        assert_eq!(of("/zones.slice/zone-.scope/zone"), None);
        assert_eq!(of("/zones.slicex/zone-web.scope/zone"), None);
        // Another root's zones are not ours.
        let d = tempfile::tempdir().unwrap();
        let theirs = p.zone_path(d.path(), "web").unwrap();
        assert_eq!(of(&format!("/{theirs}")), None);
        assert_eq!(
            p.zone_of(d.path(), &format!("/{theirs}")).as_deref(),
            Some("web")
        );
    }

    #[test]
    fn systemd_base_from_its_cgroup() {
        assert_eq!(systemd_base("0::/init.scope\n"), "");
        assert_eq!(systemd_base("0::/\n"), "");
        assert_eq!(systemd_base("0::/lxc/c1/init.scope\n"), "lxc/c1");
        assert_eq!(systemd_base("1:name=systemd:/\n"), "");
    }
}
