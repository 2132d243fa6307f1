//! What the clone, move, detach and attach tests share: zones of both brands made ready to
//! be copied around, and the checks that a zone that moved still boots and logs in.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use zones_tests::{Run, Scratch};

/// The two brands, as zonecfg names them.
pub const BRANDS: [&str; 2] = ["sparse", "whole"];

/// A small whole-root system at `root`: busybox-static with its init (run from an inittab
/// that only starts it), a root user, and the directories the runtime mounts on.
pub fn busybox_tree(root: &Path) {
    for d in [
        "bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "run",
    ] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::copy("/bin/busybox", root.join("bin/busybox"))
        .expect("/bin/busybox (package busybox-static)");
    for c in [
        "sh", "true", "false", "cat", "ls", "hostname", "sleep", "ps", "echo",
    ] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(c)).expect("symlink");
    }
    std::os::unix::fs::symlink("../bin/busybox", root.join("sbin/init")).expect("symlink");
    std::fs::write(root.join("etc/inittab"), "::sysinit:/bin/true\n").expect("inittab");
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").expect("passwd");
    std::fs::write(root.join("etc/group"), "root:x:0:\n").expect("group");
}

/// The host path of a zonepath inside the scratch root.
pub fn host(s: &Scratch, zonepath: &str) -> PathBuf {
    s.root().join(zonepath.trim_start_matches('/'))
}

/// Configure `zone` of `brand` at `/zones/<zone>` (committed, not installed).
pub fn configure(s: &Scratch, zone: &str, brand: &str) {
    s.configure(zone, &[&format!("set brand={brand}")]);
}

/// An installed zone of `brand` at `/zones/<zone>`: a sparse one by `install`, a whole-root
/// one from a busybox tree put in its zonepath and attached with the manifest `detach -n`
/// writes (the way a tree made elsewhere joins this system).
pub fn installed(s: &Scratch, zone: &str, brand: &str) {
    configure(s, zone, brand);
    if brand == "sparse" {
        s.zoneadm(Some(zone), &["install"]).ok();
        return;
    }
    let zp = host(s, &format!("/zones/{zone}"));
    std::fs::create_dir_all(&zp).expect("zonepath");
    std::fs::set_permissions(&zp, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    busybox_tree(&zp.join("root"));
    let manifest = s.zoneadm(Some(zone), &["detach", "-n"]).ok().stdout;
    std::fs::write(zp.join("SUNWdetached.xml"), manifest).expect("manifest");
    s.zoneadm(Some(zone), &["attach"]).ok();
}

/// The zone's state from `zoneadm list -p`.
pub fn state(s: &Scratch, zone: &str) -> String {
    s.listed(zone).1
}

/// The zone's zonepath from `zoneadm list -p`.
pub fn zonepath(s: &Scratch, zone: &str) -> String {
    let out = s.zoneadm(Some(zone), &["list", "-p"]).ok().stdout;
    out.trim().split(':').nth(3).unwrap_or_default().to_string()
}

/// Boot the zone, run `/bin/true` in it with zlogin, halt it.
pub fn boots_and_logs_in(s: &Scratch, zone: &str) {
    s.zoneadm(Some(zone), &["boot"]).ok();
    let r = s.zlogin(&[zone, "/bin/true"], None);
    assert_eq!(r.code, 0, "zlogin {zone} /bin/true: {}", r.stderr);
    let name = s.zlogin(&[zone, "hostname"], None).ok().stdout;
    assert_eq!(name.trim(), zone);
    s.zoneadm(Some(zone), &["halt"]).ok();
    assert_eq!(state(s, zone), "installed");
}

/// A refusal: exit 1 and this on standard error.
pub fn refused(r: Run, stderr: &str) {
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, stderr),
        "stdout: {}",
        r.stdout
    );
}

/// A listing of a tree (paths, kinds, modes, sizes) to tell that nothing changed.
pub fn snapshot(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            use std::os::unix::fs::MetadataExt;
            out.push(format!(
                "{} {:o} {}",
                p.strip_prefix(base).unwrap_or(&p).display(),
                m.mode(),
                if m.is_file() { m.len() } else { 0 }
            ));
            if m.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}
