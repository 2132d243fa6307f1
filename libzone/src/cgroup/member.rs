//! Hierarchies a zone's cgroup exists in without any controller the runtime drives there:
//! named v1 hierarchies (`name=systemd`), v1 controllers we leave alone (`blkio`, `net_cls`,
//! ...) and, on a hybrid host, the unified tree beside the v1 controllers. A zone's processes
//! join its cgroup in these too, so that the cgroup namespace they unshare afterwards has the
//! zone's cgroup as its root in *every* hierarchy: nothing the zone mounts can reach a cgroup
//! outside its own, and host tools see its processes under its name everywhere.

use super::error::Result;
use super::fs;
use super::layout::Layout;
use std::path::{Path, PathBuf};

/// Mount points of the membership-only hierarchies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MemberMounts {
    pub v1: Vec<PathBuf>,
    /// A hybrid host's unified tree (for the v1 back end; the v2 back end owns it).
    pub unified: Option<PathBuf>,
}

/// One cgroup's directories in those hierarchies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MemberDirs {
    pub v1: Vec<PathBuf>,
    pub unified: Option<PathBuf>,
}

impl MemberMounts {
    /// For the v1 back end: the other v1 hierarchies and the unified tree.
    pub fn for_v1(layout: &Layout) -> MemberMounts {
        MemberMounts {
            v1: layout.v1_other.clone(),
            unified: layout.v2.as_ref().map(|v| v.mount_point.clone()),
        }
    }

    /// For the v2 back end: v1 hierarchies mounted beside it (named ones, typically).
    pub fn for_v2(layout: &Layout) -> MemberMounts {
        let mut v1 = layout.v1_other.clone();
        v1.extend(layout.v1.values().cloned());
        v1.sort();
        v1.dedup();
        MemberMounts { v1, unified: None }
    }

    /// mkdir `rel` (and its parents) in every hierarchy; what was made now goes to `created`.
    pub fn create(&self, rel: &Path, created: &mut Vec<PathBuf>) -> Result<MemberDirs> {
        let mut dirs = MemberDirs::default();
        for m in &self.v1 {
            fs::mkdir_levels(m, rel, created)?;
            dirs.v1.push(m.join(rel));
        }
        if let Some(u) = &self.unified {
            fs::mkdir_levels(u, rel, created)?;
            dirs.unified = Some(u.join(rel));
        }
        Ok(dirs)
    }

    /// The directories of `rel` that exist; creates nothing.
    pub fn open(&self, rel: &Path) -> MemberDirs {
        MemberDirs {
            v1: self
                .v1
                .iter()
                .map(|m| m.join(rel))
                .filter(|d| fs::is_dir(d))
                .collect(),
            unified: self
                .unified
                .as_ref()
                .map(|u| u.join(rel))
                .filter(|d| fs::is_dir(d)),
        }
    }
}

impl MemberDirs {
    pub fn all(&self) -> impl Iterator<Item = &PathBuf> {
        self.v1.iter().chain(self.unified.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::layout::V2Mount;

    #[test]
    fn create_and_open_in_every_member_hierarchy() {
        let t = tempfile::tempdir().unwrap();
        let (sd, blkio, uni) = (
            t.path().join("systemd"),
            t.path().join("blkio"),
            t.path().join("unified"),
        );
        for d in [&sd, &blkio, &uni] {
            std::fs::create_dir(d).unwrap();
        }
        let layout = Layout {
            v1_other: vec![blkio.clone(), sd.clone()],
            v2: Some(V2Mount {
                mount_point: uni.clone(),
                controllers: vec![],
            }),
            ..Layout::default()
        };
        let m = MemberMounts::for_v1(&layout);
        assert!(m.open(Path::new("zones/a")).all().next().is_none());
        let mut created = Vec::new();
        let dirs = m.create(Path::new("zones/a"), &mut created).unwrap();
        let all: Vec<&PathBuf> = dirs.all().collect();
        assert_eq!(
            all,
            [
                &blkio.join("zones/a"),
                &sd.join("zones/a"),
                &uni.join("zones/a")
            ]
        );
        assert_eq!(created.len(), 6);
        assert_eq!(m.open(Path::new("zones/a")), dirs);
        // Made again: nothing new.
        let mut again = Vec::new();
        m.create(Path::new("zones/a"), &mut again).unwrap();
        assert!(again.is_empty());
        // The v2 back end has no unified member: it drives that tree itself.
        let v2 = MemberMounts::for_v2(&layout);
        assert_eq!(v2.v1, [blkio, sd]);
        assert_eq!(v2.unified, None);
    }
}
