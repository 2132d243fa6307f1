//! `zoneadm clone` of an installed whole-root zone against `cp -a` of the same zonepath, paired
//! (A B A B ...). Each clone is uninstalled and each copy removed after its timed run, untimed,
//! and the page cache's dirty data written out (`sync`) so one run's writeback does not land in
//! the next one's time. The source tree is a copy of part of the host's `/usr` (headers,
//! documentation, Python: tens of thousands of files, a few hundred MB, the shape of a small
//! distribution) with busybox as its init, or any tree given with `--clone-tree`.

use crate::cmd::Cmd;
use crate::error::{BenchError, Result};
use crate::pair::paired;
use crate::report::Row;
use crate::zones::Tools;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Target (from the issue): a clone takes no longer than `cp -a` of the zonepath.
pub const TARGET_CLONE: f64 = 1.0;

/// Host directories the default source tree is copied from (those that exist).
const HOST_PARTS: [&str; 3] = ["usr/include", "usr/share/doc", "usr/lib/python3"];

/// Files and bytes of a tree (not following links).
pub fn tree_size(dir: &Path) -> (u64, u64) {
    let mut files = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(m) = e.path().symlink_metadata() else {
                continue;
            };
            files += 1;
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() {
                bytes += m.size();
            }
        }
    }
    (files, bytes)
}

/// The source zone root at `root`: `tree` copied, or busybox plus the host parts.
fn make_tree(root: &Path, tree: Option<&Path>, busybox: &Path, errlog: &Path) -> Result<()> {
    std::fs::create_dir_all(root).map_err(BenchError::io(root))?;
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755))
        .map_err(BenchError::io(root))?;
    if let Some(t) = tree {
        let mut src = t.as_os_str().to_owned();
        src.push("/.");
        Cmd::new("cp").arg("-a").arg(src).arg(root).run(errlog)?;
        return Ok(());
    }
    for d in [
        "bin",
        "sbin",
        "etc",
        "usr/share",
        "usr/lib",
        "proc",
        "dev",
        "sys",
        "tmp",
    ] {
        let p = root.join(d);
        std::fs::create_dir_all(&p).map_err(BenchError::io(&p))?;
    }
    let bb = root.join("bin/busybox");
    std::fs::copy(busybox, &bb).map_err(BenchError::io(&bb))?;
    let init = root.join("sbin/init");
    std::os::unix::fs::symlink("../bin/busybox", &init).map_err(BenchError::io(&init))?;
    let passwd = root.join("etc/passwd");
    std::fs::write(&passwd, "root:x:0:0:root:/root:/bin/sh\n").map_err(BenchError::io(&passwd))?;
    for part in HOST_PARTS {
        let from = Path::new("/").join(part);
        if !from.is_dir() {
            continue;
        }
        let to = root.join(part);
        let parent = to.parent().unwrap_or(root);
        Cmd::new("cp")
            .arg("-a")
            .arg(&from)
            .arg(parent)
            .run(errlog)?;
    }
    Ok(())
}

/// The two zones of the row in the alternate root `root`: `clonesrc` installed (attached
/// from its tree) and `clonedst` configured, both whole-root.
struct Zones<'a> {
    tools: &'a Tools,
    root: &'a Path,
    errlog: &'a Path,
}

impl Zones<'_> {
    fn zonecfg(&self, zone: &str, script: &str) -> Result<()> {
        Cmd::new(&self.tools.zonecfg)
            .arg("-R")
            .arg(self.root)
            .args(["-z", zone, script])
            .run(self.errlog)
            .map(|_| ())
    }

    fn zoneadm(&self, zone: &str) -> Cmd {
        Cmd::new(&self.tools.zoneadm)
            .arg("-R")
            .arg(self.root)
            .args(["-z", zone])
    }

    fn configure(&self, zone: &str) -> Result<PathBuf> {
        self.zonecfg(
            zone,
            &format!("create -b; set brand=whole; set zonepath=/zones/{zone}; commit"),
        )?;
        Ok(self.root.join("zones").join(zone))
    }

    /// `detach -n` of the configured zone is the manifest its zonepath needs to attach.
    fn attach(&self, zone: &str, zonepath: &Path) -> Result<()> {
        let out = std::process::Command::new(&self.tools.zoneadm)
            .arg("-R")
            .arg(self.root)
            .args(["-z", zone, "detach", "-n"])
            .output()
            .map_err(|source| BenchError::Spawn {
                cmd: "zoneadm detach -n".into(),
                source,
            })?;
        let m = zonepath.join("SUNWdetached.xml");
        std::fs::write(&m, out.stdout).map_err(BenchError::io(&m))?;
        self.zoneadm(zone)
            .arg("attach")
            .run(self.errlog)
            .map(|_| ())
    }
}

/// The clone row: `runs` pairs after `warmup` unrecorded ones.
pub fn measure(
    tools: &Tools,
    root: &Path,
    tree: Option<&Path>,
    busybox: &Path,
    runs: usize,
    warmup: usize,
    errlog: &Path,
) -> Result<Row> {
    let z = Zones {
        tools,
        root,
        errlog,
    };
    let src = z.configure("clonesrc")?;
    std::fs::create_dir_all(&src).map_err(BenchError::io(&src))?;
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o700))
        .map_err(BenchError::io(&src))?;
    make_tree(&src.join("root"), tree, busybox, errlog)?;
    z.attach("clonesrc", &src)?;
    z.configure("clonedst")?;
    let (files, bytes) = tree_size(&src);
    let copy_to = root.join("zones/cp-a");
    let clone = z
        .zoneadm("clonedst")
        .args(["clone", "-m", "copy", "clonesrc"]);
    let uninstall = z.zoneadm("clonedst").args(["uninstall", "-F"]);
    let cp = Cmd::new("cp").arg("-a").arg(&src).arg(&copy_to);
    let rm = Cmd::new("rm").arg("-rf").arg(&copy_to);
    let sync = Cmd::new("sync");
    let s = paired(
        warmup,
        runs,
        &mut || {
            let t = clone.run(errlog)?;
            uninstall.run(errlog)?;
            sync.run(errlog)?;
            Ok(t)
        },
        Some(&mut || {
            let t = cp.run(errlog)?;
            rm.run(errlog)?;
            sync.run(errlog)?;
            Ok(t)
        }),
    )?;
    Ok(Row {
        name: format!(
            "clone of a whole-root zone ({} files, {:.0} MB) vs cp -a",
            files,
            bytes as f64 / 1e6
        ),
        a_cmd: format!(
            "{}   (then {}; sync, untimed)",
            clone.display(),
            uninstall.display()
        ),
        b_cmd: Some(format!(
            "{}   (then {}; sync, untimed)",
            cp.display(),
            rm.display()
        )),
        a: s.a,
        b: s.b,
        target: Some(TARGET_CLONE),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_a_tree_without_following_links() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("d")).unwrap();
        std::fs::write(t.path().join("d/f"), "12345").unwrap();
        std::os::unix::fs::symlink("/usr", t.path().join("l")).unwrap();
        assert_eq!(tree_size(t.path()), (3, 5));
    }
}
