//! `zoneadm move`: an installed, halted zone of either brand goes to a new zonepath on the
//! same file system (a rename) or another (a copy, then the old zonepath removed), and boots
//! from there; refusals change nothing.

mod migrate;

use migrate::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zones_tests::{require_root, unique_zone, Scratch};

/// A tmpfs mounted inside the scratch root: another file system to move zones to. Unmounted
/// (after halting the scratch root's zones) even when the test fails.
struct OtherFs<'a> {
    s: &'a Scratch,
    path: PathBuf,
}

impl<'a> OtherFs<'a> {
    fn mount(s: &'a Scratch, zonepath_dir: &str) -> OtherFs<'a> {
        OtherFs::sized(s, zonepath_dir, "256m")
    }

    fn sized(s: &'a Scratch, zonepath_dir: &str, size: &str) -> OtherFs<'a> {
        let path = host(s, zonepath_dir);
        std::fs::create_dir_all(&path).unwrap();
        nix::mount::mount(
            Some("tmpfs"),
            &path,
            Some("tmpfs"),
            nix::mount::MsFlags::empty(),
            Some(format!("mode=0755,size={size}").as_str()),
        )
        .expect("mount tmpfs");
        OtherFs { s, path }
    }
}

impl Drop for OtherFs<'_> {
    fn drop(&mut self) {
        self.s.halt_all();
        let _ = nix::mount::umount2(&self.path, nix::mount::MntFlags::MNT_DETACH);
    }
}

fn index(s: &Scratch) -> String {
    std::fs::read_to_string(s.root().join("etc/zones/index")).unwrap()
}

fn ino(p: &Path) -> u64 {
    std::fs::symlink_metadata(p).unwrap().ino()
}

#[test]
fn moves_on_one_file_system_and_across_and_boots_there() {
    require_root();
    let s = Scratch::new();
    let other = OtherFs::mount(&s, "/fast");
    for brand in BRANDS {
        let z = unique_zone("mv");
        installed(&s, &z, brand);
        let old = host(&s, &format!("/zones/{z}"));
        let root_ino = ino(&old.join("root"));
        std::fs::write(old.join("root/etc/motd"), "kept\n").unwrap();
        // Same file system: a rename, the same files.
        let new_zp = format!("/zones/moved/{z}");
        let r = s.zoneadm(Some(&z), &["move", &new_zp]).ok();
        assert_eq!(r.stdout, "");
        let new = host(&s, &new_zp);
        assert!(!old.exists());
        assert_eq!(
            ino(&new.join("root")),
            root_ino,
            "{brand}: renamed, not copied"
        );
        assert_eq!(zonepath(&s, &z), new_zp);
        assert_eq!(state(&s, &z), "installed");
        assert!(index(&s).contains(&format!("{z}:installed:{new_zp}:")));
        let xml = std::fs::read_to_string(s.zone_file(&z)).unwrap();
        assert!(xml.contains(&format!("zonepath=\"{new_zp}\"")), "{xml}");
        boots_and_logs_in(&s, &z);
        // Another file system: copied there, then the old zonepath cleaned up.
        let far_zp = format!("/fast/{z}");
        let r = s.zoneadm(Some(&z), &["move", &far_zp]).ok();
        assert_eq!(
            r.stdout,
            format!(
                "Moving across file systems; copying zonepath {}...\nCleaning up zonepath {}...\n",
                new.display(),
                new.display()
            )
        );
        let far = host(&s, &far_zp);
        assert!(!new.exists());
        assert_eq!(
            std::fs::read_to_string(far.join("root/etc/motd")).unwrap(),
            "kept\n"
        );
        assert_eq!(std::fs::metadata(&far).unwrap().mode() & 0o777, 0o700);
        assert_eq!(zonepath(&s, &z), far_zp);
        boots_and_logs_in(&s, &z);
        // And back, into an empty directory that is already there.
        let back = host(&s, &format!("/zones/{z}"));
        std::fs::create_dir_all(&back).unwrap();
        std::fs::set_permissions(&back, std::fs::Permissions::from_mode(0o700)).unwrap();
        s.zoneadm(Some(&z), &["move", &format!("/zones/{z}")]).ok();
        assert!(!far.exists());
        assert!(back.join("root/etc/motd").exists());
        boots_and_logs_in(&s, &z);
        s.zoneadm(Some(&z), &["uninstall", "-F"]).ok();
    }
    drop(other);
}

#[test]
fn move_refusals_change_nothing() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("mvr");
    let neighbour = unique_zone("mvn");
    let configured = unique_zone("mvc");
    installed(&s, &z, "sparse");
    installed(&s, &neighbour, "whole");
    configure(&s, &configured, "sparse");
    let zp = format!("/zones/{z}");
    let before = (index(&s), snapshot(&host(&s, &zp)));
    let unchanged = |s: &Scratch| {
        assert_eq!((index(s), snapshot(&host(s, &zp))), before.clone());
    };
    refused(
        s.zoneadm(Some(&z), &["move", "relative/path"]),
        &format!("zoneadm: zone '{z}': relative/path is not an absolute path.\n"),
    );
    let r = s.zoneadm(Some(&z), &["move", "/zones/../etc"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    refused(
        s.zoneadm(Some(&z), &["move", &zp]),
        &format!("zoneadm: zone '{z}': zone is already at {zp}.\n"),
    );
    // Inside itself, or inside another zone.
    let r = s.zoneadm(Some(&z), &["move", &format!("{zp}/root/x")]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("overlap"), "{}", r.stderr);
    let r = s.zoneadm(
        Some(&z),
        &["move", &format!("/zones/{neighbour}/root/opt/x")],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(&format!("and {neighbour} zonepath")) && r.stderr.contains("overlap."),
        "{}",
        r.stderr
    );
    // A directory with something in it, or a file.
    let full = host(&s, "/data/full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("keep"), "x").unwrap();
    refused(
        s.zoneadm(Some(&z), &["move", "/data/full"]),
        &format!(
            "zoneadm: zone '{z}': could not move zone to {}: directory not empty\n",
            full.display()
        ),
    );
    assert!(full.join("keep").exists());
    refused(
        s.zoneadm(Some(&z), &["move", "/data/full/keep"]),
        &format!(
            "zoneadm: zone '{z}': could not move zone to {}: not a directory\n",
            full.join("keep").display()
        ),
    );
    unchanged(&s);
    // Not installed, or running.
    refused(
        s.zoneadm(Some(&configured), &["move", "/zones/elsewhere"]),
        &format!("zoneadm: zone '{configured}': must be installed before move.\n"),
    );
    refused(
        s.zoneadm(Some("nosuch"), &["move", "/zones/elsewhere"]),
        "zoneadm: nosuch: No such zone configured\n",
    );
    s.zoneadm(Some(&z), &["boot"]).ok();
    refused(
        s.zoneadm(Some(&z), &["move", "/zones/elsewhere"]),
        &format!("zoneadm: zone '{z}': move operation is invalid for running zones.\n"),
    );
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert!(!host(&s, "/zones/elsewhere").exists());
    unchanged(&s);
    // Misuse: the usage.
    for words in [&["move"][..], &["move", "/a", "/b"], &["move", "-x", "/a"]] {
        let r = s.zoneadm(Some(&z), words);
        assert_eq!(r.code, 2, "{words:?}");
        assert!(
            r.stderr.starts_with("usage:\tmove zonepath\n"),
            "{}",
            r.stderr
        );
    }
    unchanged(&s);
}

#[test]
fn a_copy_that_fails_half_way_is_undone() {
    require_root();
    let s = Scratch::new();
    // Room for a zonepath, not for the files.
    let small = OtherFs::sized(&s, "/small", "256k");
    let z = unique_zone("mvf");
    let c = unique_zone("mvg");
    installed(&s, &z, "whole");
    configure(&s, &c, "whole");
    s.zonecfg(&c, &[&format!("set zonepath=/small/{c}")], None)
        .ok();
    let zp = format!("/zones/{z}");
    let before = (index(&s), snapshot(&host(&s, &zp)));
    // move: the copy runs out of space; the zone stays where it was, as it was.
    let r = s.zoneadm(Some(&z), &["move", &format!("/small/{z}")]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("the copy failed:"), "{}", r.stderr);
    assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
    assert_eq!((index(&s), snapshot(&host(&s, &zp))), before);
    assert!(!host(&s, &format!("/small/{z}")).exists());
    // clone: the same, and the new zone is configured again with nothing left of it.
    let r = s.zoneadm(Some(&c), &["clone", &z]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
    assert_eq!(state(&s, &c), "configured");
    assert!(!host(&s, &format!("/small/{c}")).exists());
    assert_eq!(std::fs::read_dir(host(&s, "/small")).unwrap().count(), 0);
    boots_and_logs_in(&s, &z);
    drop(small);
}
