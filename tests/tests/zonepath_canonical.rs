//! Zonepaths must be canonical: `..` would name a directory outside the alternate root
//! (`/zones/../../x` under `-R /tmp/r` is `/tmp/x`). zonecfg refuses such a zonepath at
//! `set`, verify refuses one read from a zone file, and nothing (install above all) ever
//! creates anything outside the root.

use std::path::{Path, PathBuf};
use zones_tests::{require_root, unique_zone, zone_xml, Scratch};

/// Removes a directory the test must never see created, should it be created anyway.
struct Forbidden(PathBuf);

impl Drop for Forbidden {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn set_refuses_zonepaths_that_are_not_canonical() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("canon");
    for (bad, msg) in [
        (
            "/zones/../../x",
            "/zones/../../x is not a canonical path; use /x.",
        ),
        (
            "/zones/./a",
            "/zones/./a is not a canonical path; use /zones/a.",
        ),
        (
            "/zones//a",
            "/zones//a is not a canonical path; use /zones/a.",
        ),
        (
            "/zones/a/",
            "/zones/a/ is not a canonical path; use /zones/a.",
        ),
        ("zones/a", "zones/a is not an absolute path."),
    ] {
        let r = s.zonecfg(
            &zone,
            &[&format!(
                "create -F; set zonepath={bad}; set zonepath=/zones/{zone}; commit"
            )],
            None,
        );
        assert_eq!(r.code, 1, "{bad}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("{msg}\n")),
            "{bad}: {}",
            r.stderr
        );
        let info = s.zonecfg(&zone, &["info", "zonepath"], None).ok();
        assert_eq!(info.stdout, format!("zonepath: /zones/{zone}\n"));
    }
}

/// A zone file edited by hand to hold `/zones/../../<name>`: zonecfg and zoneadm verify
/// refuse it, and install fails without creating `<root>/../<name>`.
#[test]
fn a_zonepath_from_a_zone_file_never_leaves_the_root() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("escape");
    let outside_name = format!("zones-escaped-{zone}");
    let outside = s
        .root()
        .parent()
        .expect("the scratch root has a parent")
        .join(&outside_name);
    let _guard = Forbidden(outside.clone());
    let zonepath = format!("/zones/../../{outside_name}");
    let dir = s.root().join("etc/zones");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index"),
        format!("global:installed:/\n{zone}:configured:{zonepath}:\n"),
    )
    .unwrap();
    let xml = zone_xml(&zone, false, None, "").replace(
        &format!("zonepath=\"/zones/{zone}\""),
        &format!("zonepath=\"{zonepath}\""),
    );
    std::fs::write(s.zone_file(&zone), xml).unwrap();
    let not_canonical = format!("{zonepath} is not a canonical path; use /{outside_name}.");

    let r = s.zonecfg(&zone, &["verify"], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(&format!("{not_canonical}\n")),
        "{}",
        r.stderr
    );

    let r = s.zoneadm(Some(&zone), &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains(&not_canonical), "{}", r.stderr);

    // install verifies first; the store would refuse to map the zonepath anyway.
    let r = s.zoneadm(Some(&zone), &["install"]);
    assert_ne!(r.code, 0, "install succeeded:\n{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&not_canonical), "{}", r.stderr);
    assert!(!outside.exists(), "install created {}", outside.display());
    assert!(!Path::new(&format!("/{outside_name}")).exists());
    let (_, state) = s.listed(&zone);
    assert_eq!(state, "configured");
}
