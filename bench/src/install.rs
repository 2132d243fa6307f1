//! The install figure: `zoneadm install -a` of a whole-root zone from a tar archive against
//! `tar -x` of the same archive into a fresh directory, paired (A B A B ...). The archive is
//! made here: a system-like tree of about `mb` MiB (many small files, some mid-sized, a few
//! large ones, of data that does not compress), read from the page cache by both sides.
//! Between runs, untimed: the zone is uninstalled (`uninstall -F`) or the directory
//! removed, then `sync`, so neither side pays for the other's write-back.

use crate::cmd::Cmd;
use crate::error::{BenchError, Result};
use crate::pair::{paired, Samples};
use crate::report::Row;
use crate::zones::Tools;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The target from the issue: install from a tar at most 1.2× `tar -x`.
pub const TARGET_INSTALL: f64 = 1.2;

/// Sizes of the files of the tree, and how many of each, for about 250 MiB: most files are
/// small (as in /usr), most bytes are in the larger ones.
fn plan(mb: u64) -> Vec<(u64, u64)> {
    let scale = |n: u64| (n * mb).div_ceil(250).max(1);
    vec![
        (512, scale(4000)),
        (4 << 10, scale(6000)),
        (64 << 10, scale(1200)),
        (1 << 20, scale(80)),
        (8 << 20, scale(8)),
    ]
}

/// xorshift64: data that no file system or cache can shortcut.
fn fill(buf: &mut [u8], seed: &mut u64) {
    for chunk in buf.chunks_mut(8) {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let b = seed.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
}

/// Write the benchmark's archive to `path`; its size in bytes and its number of entries.
pub fn make_archive(path: &Path, mb: u64) -> Result<(u64, u64)> {
    let f = std::fs::File::create(path).map_err(BenchError::io(path))?;
    let mut b = tar::Builder::new(std::io::BufWriter::with_capacity(1 << 20, f));
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut entries = 0u64;
    let err = |e| BenchError::io(path)(e);
    let dir = |b: &mut tar::Builder<_>, name: &str| -> Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_uid(0);
        h.set_gid(0);
        h.set_size(0);
        h.set_mtime(1_600_000_000);
        h.set_cksum();
        b.append_data(&mut h, name, std::io::empty()).map_err(err)
    };
    let mut buf = Vec::new();
    for (kind, (size, count)) in plan(mb).into_iter().enumerate() {
        for i in 0..count {
            if i % 100 == 0 {
                dir(&mut b, &format!("usr/d{kind}/{}/", i / 100))?;
                entries += 1;
            }
            buf.resize(size as usize, 0);
            fill(&mut buf, &mut seed);
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(if i % 7 == 0 { 0o755 } else { 0o644 });
            h.set_uid(i % 3);
            h.set_gid(i % 5);
            h.set_size(size);
            h.set_mtime(1_600_000_000);
            h.set_cksum();
            let name = format!("usr/d{kind}/{}/f{i}", i / 100);
            b.append_data(&mut h, name, buf.as_slice()).map_err(err)?;
            entries += 1;
        }
    }
    let w = b.into_inner().map_err(err)?;
    let f = w.into_inner().map_err(|e| err(e.into_error()))?;
    f.sync_all().map_err(err)?;
    let len = f.metadata().map_err(err)?.len();
    Ok((len, entries))
}

fn sync() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

/// The paired row: `zoneadm install -a` vs `tar -x`.
#[allow(clippy::too_many_arguments)]
pub fn measure(
    tools: &Tools,
    root: &Path,
    work: &Path,
    mb: u64,
    runs: usize,
    warmup: usize,
    errlog: &Path,
    progress: &dyn Fn(&str),
) -> Result<Row> {
    let archive = work.join("install-bench.tar");
    progress(&format!("install: making a {mb} MiB archive"));
    let (len, entries) = make_archive(&archive, mb)?;
    let zone = "benchinst";
    Cmd::new(&tools.zonecfg)
        .arg("-R")
        .arg(root)
        .args([
            "-z",
            zone,
            &format!("create; set zonepath=/zones/{zone}; set brand=whole; commit"),
        ])
        .run(errlog)?;
    let zoneadm = |sub: &[&str]| {
        Cmd::new(&tools.zoneadm)
            .arg("-R")
            .arg(root)
            .args(["-z", zone])
            .args(sub.iter().copied())
    };
    let install = zoneadm(&["install", "-a", &archive.to_string_lossy()]);
    let uninstall = zoneadm(&["uninstall", "-F"]);
    let target: PathBuf = work.join("tar-x");
    let untar = Cmd::new("tar")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(&target);
    // Read once so both sides find the archive in the page cache.
    std::fs::read(&archive).map_err(BenchError::io(&archive))?;
    progress(&format!(
        "install: {} paired runs of zoneadm install -a vs tar -x ({entries} entries, {} MiB)",
        runs,
        len >> 20
    ));
    let s: Samples = {
        let mut a = || -> Result<Duration> {
            let t = install.run(errlog)?;
            uninstall.run(errlog)?;
            sync();
            Ok(t)
        };
        let mut b = || -> Result<Duration> {
            std::fs::create_dir(&target).map_err(BenchError::io(&target))?;
            let t = untar.run(errlog)?;
            std::fs::remove_dir_all(&target).map_err(BenchError::io(&target))?;
            sync();
            Ok(t)
        };
        paired(warmup, runs, &mut a, Some(&mut b))?
    };
    let _ = Cmd::new(&tools.zonecfg)
        .arg("-R")
        .arg(root)
        .args(["-z", zone, "delete", "-F"])
        .run(errlog);
    let _ = std::fs::remove_file(&archive);
    Ok(Row {
        name: format!("install -a {} MiB tar vs tar -x", len >> 20),
        a_cmd: format!(
            "{}   (then {}, sync, untimed)",
            install.display(),
            uninstall.display()
        ),
        b_cmd: Some(format!(
            "{}   (into a fresh directory; then rm -r, sync, untimed)",
            untar.display()
        )),
        a: s.a,
        b: s.b,
        target: Some(TARGET_INSTALL),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_about_the_size_asked_for() {
        let bytes: u64 = plan(250).iter().map(|(s, n)| s * n).sum();
        assert!((240 << 20..280 << 20).contains(&bytes), "{}", bytes >> 20);
        let small: u64 = plan(4).iter().map(|(s, n)| s * n).sum();
        assert!(small < 20 << 20);
    }

    #[test]
    fn archive_holds_the_plan() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("a.tar");
        let (len, entries) = make_archive(&p, 1).unwrap();
        let files: u64 = plan(1).iter().map(|(_, n)| n).sum();
        assert!(entries > files);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), len);
        let mut ar = tar::Archive::new(std::fs::File::open(&p).unwrap());
        assert_eq!(ar.entries().unwrap().count() as u64, entries);
    }
}
