//! `zoneadm install` of a whole-root zone from each source: a tar archive (plain, gzip, xz,
//! zstd, told apart by their first bytes, whatever their names), an OCI image layout and an
//! `oci-archive` (two layers, the second with a whiteout and an opaque directory), and a
//! directory tree (`-d`). Each root keeps owners, modes, set-id bits, file capabilities,
//! hard links, symbolic links, device nodes the brand allows, FIFOs and times, and busybox
//! runs from it; the milestones are printed and logged.

mod install_support;

use install_support::*;
use zones_tests::{require_root, unique_zone, Scratch};

/// Install `zone` (configured whole-root) with `args`; its root.
fn install_ok(s: &Scratch, zone: &str, args: &[&str]) -> std::path::PathBuf {
    let mut a = vec!["install"];
    a.extend_from_slice(args);
    let r = s.zoneadm(Some(zone), &a).ok();
    let root = zonepath(s, zone).join("root");
    for line in [
        format!("       Image: Preparing at {}.", root.display()),
        "  Installing: This may take several minutes...".to_string(),
    ] {
        assert!(
            r.stdout.lines().any(|l| l == line),
            "{line:?} in:\n{}",
            r.stdout
        );
    }
    let done = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("        Done: Installation completed in "))
        .unwrap_or_else(|| panic!("no Done line:\n{}", r.stdout));
    assert!(done.ends_with(" seconds."), "{done}");
    let log = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Progress being logged to "))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let text = std::fs::read_to_string(log).unwrap();
    assert!(
        text.contains(&format!("Image: Preparing at {}.", root.display())),
        "{text}"
    );
    assert!(text.contains("Done: Installation completed in "), "{text}");
    assert_eq!(state(s, zone), "installed");
    root
}

#[test]
fn tar_archives_by_their_magic_not_their_names() {
    require_root();
    let s = Scratch::new();
    let tar = tar_of(&tree());
    for (name, data) in [
        // Names that lie: the first bytes decide.
        ("plain.tar.gz", tar.clone()),
        ("gz.tar", gzip(&tar)),
        ("xz.bin", xz(&tar)),
        ("zstd.tgz", zstd(&tar)),
    ] {
        let zone = unique_zone("ia");
        configure_whole(&s, &zone);
        let archive = write(&s, name, &data);
        let root = install_ok(&s, &zone, &["-a", archive.to_str().unwrap()]);
        check_base(&root, true, true);
        // uninstall takes all of it away.
        s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();
        assert!(!zonepath(&s, &zone).exists(), "{name}");
        assert_eq!(state(&s, &zone), "configured");
    }
}

fn check_image(root: &std::path::Path) {
    check_base(root, false, false);
    // The opaque /usr/bin holds only what the upper layer put there.
    assert!(!root.join("usr/bin/ping").exists());
    assert!(!root.join("usr/bin/passwd").exists());
    assert!(root.join("usr/bin/new").is_file());
    assert_eq!(
        std::fs::read_to_string(root.join("etc/issue")).unwrap(),
        "zones test image\n"
    );
    // Whiteouts are applied, never laid down.
    assert!(install_support::listing(root)
        .iter()
        .all(|p| !p.contains(".wh.")));
}

#[test]
fn oci_layout_and_oci_archive_with_whiteouts() {
    require_root();
    let s = Scratch::new();
    let layout = s.root().join("image");
    oci_layout(
        &layout,
        &[
            (
                gzip(&tar_of(&tree())),
                "application/vnd.oci.image.layer.v1.tar+gzip",
            ),
            (
                zstd(&upper_layer()),
                "application/vnd.oci.image.layer.v1.tar+zstd",
            ),
        ],
    );
    let zone = unique_zone("il");
    configure_whole(&s, &zone);
    let root = install_ok(&s, &zone, &["-a", layout.to_str().unwrap()]);
    check_image(&root);

    let archive = write(&s, "image.oci", &oci_archive(&layout));
    let zone = unique_zone("io");
    configure_whole(&s, &zone);
    let r = s.zoneadm(Some(&zone), &["install", "-a", archive.to_str().unwrap()]);
    assert!(r.stdout.contains("(OCI image archive)"), "{}", r.stdout);
    assert_eq!(r.code, 0, "{}", r.stderr);
    check_image(&zonepath(&s, &zone).join("root"));
}

#[test]
fn directory_tree_copied_as_it_is() {
    require_root();
    let s = Scratch::new();
    // The tree on disk, made by GNU tar from the test archive (owners, caps and all).
    let src = s.root().join("tree");
    std::fs::create_dir(&src).unwrap();
    let archive = write(&s, "tree.tar", &tar_of(&tree()));
    let out = std::process::Command::new("tar")
        .args(["--xattrs", "--xattrs-include=*", "-xpf"])
        .arg(&archive)
        .arg("-C")
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let zone = unique_zone("id");
    configure_whole(&s, &zone);
    let root = install_ok(&s, &zone, &["-d", src.to_str().unwrap()]);
    check_base(&root, true, true);
    // The source is left as it was.
    check_base(&src, true, true);
}
