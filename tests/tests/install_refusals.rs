//! What `zoneadm install` refuses, and what it leaves: entries that would escape the zone
//! root (`..`, an absolute name, a write through a symbolic link, a hard link out), device
//! nodes the brand does not allow, a corrupt archive or image, an unknown option, a missing
//! file, a sparse zone given a source. A source refused before anything is written leaves
//! the zone configured and its zonepath untouched; a refusal once the root is begun leaves
//! it incomplete, and `uninstall -F` removes it. Nothing outside the zonepath is touched,
//! not even by an install killed with SIGKILL halfway through.

mod install_support;

use install_support::*;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use zones_tests::{eventually, require_root, unique_zone, Scratch};

/// A host directory the refused entries aim at, with one file in it.
fn target_dir(s: &Scratch) -> std::path::PathBuf {
    let t = s.root().join("outside");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("keep"), "keep\n").unwrap();
    t
}

/// Install `archive` into a new whole-root zone and expect exit 1 with `why` in the
/// message; then the zone is incomplete (the root was begun) and `uninstall -F` cleans it.
fn refused_midway(s: &Scratch, entries: &[Ent], why: &str) {
    let zone = unique_zone("ir");
    configure_whole(s, &zone);
    let archive = write(s, &format!("{zone}.tar"), &tar_of(entries));
    let r = s.zoneadm(Some(&zone), &["install", "-a", archive.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{why}: {}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.starts_with(&format!("zoneadm: zone '{zone}': ")) && r.stderr.contains(why),
        "expected {why:?} in: {}",
        r.stderr
    );
    let log = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Progress being logged to "))
        .unwrap();
    let text = std::fs::read_to_string(log).unwrap();
    assert!(text.contains(why), "the log says why: {text}");
    assert!(text.contains("uninstall -F"), "{text}");
    assert!(
        r.stderr.contains(&format!(
            "the zone is left incomplete ('zoneadm -z {zone} uninstall -F' removes what was installed)"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(state(s, &zone), "incomplete");
    let b = s.zoneadm(Some(&zone), &["boot"]);
    assert_eq!(b.code, 1, "an incomplete zone does not boot: {}", b.stderr);
    s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();
    assert_eq!(state(s, &zone), "configured");
    assert!(!zonepath(s, &zone).exists());
}

/// The base tree with `bad` entries added after its first few.
fn with(bad: &[Ent]) -> Vec<Ent> {
    let mut t = tree();
    let tail = t.split_off(8);
    t.extend_from_slice(bad);
    t.extend(tail);
    t
}

#[test]
fn entries_that_would_leave_the_root() {
    require_root();
    let s = Scratch::new();
    let outside = target_dir(&s);
    let before = listing(&outside);
    let tmp_escape = format!("/tmp/zones-escape-{}", std::process::id());
    let up = "../".repeat(12);
    let passwd_links = std::fs::metadata("/etc/passwd").unwrap().nlink();

    refused_midway(
        &s,
        &with(&[ent(
            &format!("{up}tmp/zones-escape-{}", std::process::id()),
            Kind::File(b"escaped\n".to_vec()),
            0o644,
        )]),
        "has a '..' component",
    );
    refused_midway(
        &s,
        &with(&[ent("etc/../../x", Kind::File(b"x".to_vec()), 0o644)]),
        "has a '..' component",
    );
    refused_midway(
        &s,
        &with(&[ent(&tmp_escape, Kind::File(b"escaped\n".to_vec()), 0o644)]),
        "is an absolute path",
    );
    // A link to a host directory, then a file written through it.
    refused_midway(
        &s,
        &with(&[
            ent("evil", Kind::Symlink(outside.display().to_string()), 0o777),
            ent("evil/pwned", Kind::File(b"pwned\n".to_vec()), 0o644),
        ]),
        "is reached through a symbolic link",
    );
    // ... and through a relative link that climbs out.
    refused_midway(
        &s,
        &with(&[
            ent("up", Kind::Symlink(up.clone()), 0o777),
            ent("up/tmp/zones-pwned", Kind::File(b"pwned\n".to_vec()), 0o644),
        ]),
        "is reached through a symbolic link",
    );
    // A link inside the root is not followed either.
    refused_midway(
        &s,
        &with(&[
            ent("etc2", Kind::Symlink("etc".into()), 0o777),
            ent(
                "etc2/passwd",
                Kind::File(b"root::0:0::/:/bin/sh\n".to_vec()),
                0o644,
            ),
        ]),
        "is reached through a symbolic link",
    );
    refused_midway(
        &s,
        &with(&[ent("hl", Kind::HardLink(format!("{up}etc/passwd")), 0o644)]),
        "is a hard link to",
    );
    refused_midway(
        &s,
        &with(&[ent("hl", Kind::HardLink("/etc/passwd".into()), 0o644)]),
        "outside the zone root",
    );
    // A hard link through a link to the host.
    refused_midway(
        &s,
        &with(&[
            ent("hostetc", Kind::Symlink("/etc".into()), 0o777),
            ent("hl", Kind::HardLink("hostetc/passwd".into()), 0o644),
        ]),
        "is a hard link to",
    );

    assert_eq!(
        listing(&outside),
        before,
        "nothing written in {}",
        outside.display()
    );
    assert!(!Path::new(&tmp_escape).exists());
    assert!(!Path::new("/tmp/zones-pwned").exists());
    assert_eq!(
        std::fs::metadata("/etc/passwd").unwrap().nlink(),
        passwd_links
    );
}

#[test]
fn device_nodes_only_as_the_brand_allows() {
    require_root();
    let s = Scratch::new();
    refused_midway(
        &s,
        &with(&[ent("dev/sda", Kind::Block(8, 0), 0o660)]),
        "is a device node (block 8:0) the zone's brand does not allow",
    );
    // An allowed name with other numbers is no /dev/null.
    refused_midway(
        &s,
        &with(&[ent("dev/console2", Kind::Char(1, 1), 0o600)]),
        "is a device node (character 1:1)",
    );
    let mut t = tree();
    for e in t.iter_mut() {
        if e.name == "dev/null" {
            e.kind = Kind::Char(1, 1);
        }
    }
    refused_midway(&s, &t, "is a device node (character 1:1)");
    // -d: the same rule for a copied tree.
    let src = s.root().join("devtree");
    std::fs::create_dir_all(src.join("dev")).unwrap();
    let node = std::ffi::CString::new(src.join("dev/mem").to_str().unwrap()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(
        unsafe { libc::mknod(node.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 1)) },
        0
    );
    let zone = unique_zone("idv");
    configure_whole(&s, &zone);
    let r = s.zoneadm(Some(&zone), &["install", "-d", src.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("is a device node (character 1:1)"),
        "{}",
        r.stderr
    );
    assert_eq!(state(&s, &zone), "incomplete");
    s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();
    assert!(!zonepath(&s, &zone).exists());
}

#[test]
fn corrupt_archives_and_images() {
    require_root();
    let s = Scratch::new();
    // Damage in the middle of a gzip stream: found while unpacking.
    let mut gz = gzip(&tar_of(&tree()));
    let mid = gz.len() / 2;
    for b in &mut gz[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let zone = unique_zone("ic");
    configure_whole(&s, &zone);
    let archive = write(&s, "corrupt.tar.gz", &gz);
    let r = s.zoneadm(Some(&zone), &["install", "-a", archive.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("corrupt.tar.gz"), "{}", r.stderr);
    assert_eq!(state(&s, &zone), "incomplete");
    s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();

    // A truncated xz archive.
    let x = xz(&tar_of(&tree()));
    let archive = write(&s, "short.tar.xz", &x[..x.len() / 3]);
    let r = s.zoneadm(Some(&zone), &["install", "-a", archive.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(state(&s, &zone), "incomplete");
    s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();

    // A layer whose content does not match its digest.
    let layout = s.root().join("image");
    oci_layout(
        &layout,
        &[(tar_of(&tree()), "application/vnd.oci.image.layer.v1.tar")],
    );
    let blobs = layout.join("blobs/sha256");
    let layer = std::fs::read_dir(&blobs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| std::fs::metadata(p).unwrap().len() > 1_000_000)
        .unwrap();
    let mut data = std::fs::read(&layer).unwrap();
    // Inside busybox's data: the tar reads on, the digest tells.
    data[100_000] ^= 1;
    std::fs::write(&layer, &data).unwrap();
    let r = s.zoneadm(Some(&zone), &["install", "-a", layout.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("digest mismatch"), "{}", r.stderr);
    assert_eq!(state(&s, &zone), "incomplete");
    s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();
    assert_eq!(state(&s, &zone), "configured");
}

/// A refusal before anything is written: exit `code`, `why` said, the zone configured and
/// its zonepath never made.
fn refused_at_once(s: &Scratch, zone: &str, args: &[&str], code: i32, why: &str) {
    let r = s.zoneadm(Some(zone), args);
    assert_eq!(r.code, code, "{args:?}: {}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(why),
        "{args:?}: expected {why:?} in {}",
        r.stderr
    );
    assert_eq!(state(s, zone), "configured", "{args:?}");
    assert!(!zonepath(s, zone).exists(), "{args:?}");
}

#[test]
fn sources_refused_before_anything_is_written() {
    require_root();
    let s = Scratch::new();
    let whole = unique_zone("iw");
    configure_whole(&s, &whole);
    let good = write(&s, "good.tar", &tar_of(&tree()));
    let good = good.to_str().unwrap();
    let usage = "usage:\tinstall [-a archive | -d path]\n";
    refused_at_once(&s, &whole, &["install", "--bogus"], 2, usage);
    refused_at_once(&s, &whole, &["install", "-x"], 2, usage);
    refused_at_once(&s, &whole, &["install", "-a"], 2, usage);
    refused_at_once(&s, &whole, &["install", "-a", good, "extra"], 2, usage);
    refused_at_once(&s, &whole, &["install", "-a", good, "-d", "/"], 2, usage);
    refused_at_once(
        &s,
        &whole,
        &["install", "-a", "/nonexistent.tar.gz"],
        1,
        "cannot read -a source /nonexistent.tar.gz: No such file or directory",
    );
    refused_at_once(
        &s,
        &whole,
        &["install", "-d", "/nonexistent-tree"],
        1,
        "cannot read -d source /nonexistent-tree: No such file or directory",
    );
    let text = write(&s, "notes.tar", b"just some text, not an archive\n");
    refused_at_once(
        &s,
        &whole,
        &["install", "-a", text.to_str().unwrap()],
        1,
        "is not a tar archive (plain, gzip, xz or zstd) or an OCI image",
    );
    refused_at_once(
        &s,
        &whole,
        &["install", "-a", s.root().join("etc").to_str().unwrap()],
        1,
        "not an OCI image layout",
    );
    refused_at_once(
        &s,
        &whole,
        &["install", "-d", good],
        1,
        "is not a directory",
    );

    let sparse = unique_zone("isp");
    s.configure(&sparse, &[]);
    for opt in ["-a", "-d"] {
        refused_at_once(
            &s,
            &sparse,
            &["install", opt, good],
            1,
            &format!("the sparse brand installs from the global zone; {opt} needs brand whole"),
        );
    }
    // The log of a refused install says why.
    let logs: Vec<String> = std::fs::read_dir(s.root().join("var/log/zones"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(logs.iter().any(|t| t.contains(&format!(
        "Installation of zone {sparse} failed: the sparse brand"
    ))));
}

#[test]
fn killed_mid_install_leaves_incomplete_and_uninstall_cleans() {
    require_root();
    let s = Scratch::new();
    let outside = target_dir(&s);
    let before = listing(&outside);
    let zone = unique_zone("ik");
    configure_whole(&s, &zone);
    // The archive comes through a pipe, written by the test: the install is caught halfway
    // for sure, with half of the tree laid down and the rest yet to come.
    let fifo = s.root().join("archive.pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let data = tar_of(&tree());
    let mut child = s
        .command("zoneadm")
        .args(["-z", &zone, "install", "-a"])
        .arg(&fifo)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    // Up to the end of etc/motd's data (the 9th entry): an archive of the first nine
    // entries without its two end blocks.
    let t = tree();
    assert_eq!(t[8].name, "etc/motd");
    let cut = tar_of(&t[..9]).len() - 1024;
    assert_eq!(data[..cut], tar_of(&t[..9])[..cut]);
    w.write_all(&data[..cut]).unwrap();
    w.flush().unwrap();
    let root = zonepath(&s, &zone).join("root");
    eventually(std::time::Duration::from_secs(60), || {
        (!root.join("etc/motd").exists()).then(|| "etc/motd not yet laid down".to_string())
    })
    .unwrap();
    assert_eq!(state(&s, &zone), "incomplete");
    // SAFETY: kill of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGKILL) }, 0);
    let st = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&st),
        Some(libc::SIGKILL)
    );
    drop(w);
    assert!(
        !root.join("usr/bin/ping").exists(),
        "the install went on after the kill"
    );
    assert_eq!(state(&s, &zone), "incomplete");
    // It does not install over the remains, nor boot them.
    let good = write(&s, "good.tar", &data);
    let r = s.zoneadm(Some(&zone), &["install", "-a", good.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("incomplete"), "{}", r.stderr);
    // uninstall -F takes the remains away; then the install works.
    s.zoneadm(Some(&zone), &["uninstall", "-F"]).ok();
    assert_eq!(state(&s, &zone), "configured");
    assert!(!zonepath(&s, &zone).exists());
    s.zoneadm(Some(&zone), &["install", "-a", good.to_str().unwrap()])
        .ok();
    check_base(&root, true, true);
    assert_eq!(listing(&outside), before);
    let left: Vec<String> = listing(s.root())
        .into_iter()
        .filter(|p| {
            !p.starts_with("zones")
                && !p.starts_with("outside")
                && !p.starts_with("etc")
                && !p.starts_with("var")
                && !p.ends_with(".tar")
                && !p.ends_with(".pipe")
        })
        .collect();
    assert!(left.is_empty(), "left in the alternate root: {left:?}");
}
