//! `zoneadm clone`: a configured zone installed with a copy of an installed, halted zone of
//! the same brand, which then boots as itself; and every refusal, which leaves the new zone
//! configured with nothing made.

mod migrate;

use migrate::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use zones_tests::{require_root, unique_zone, Scratch};

#[test]
fn clones_of_both_brands_boot_as_themselves() {
    require_root();
    let s = Scratch::new();
    for brand in BRANDS {
        let src = unique_zone("cls");
        let dst = unique_zone("cld");
        installed(&s, &src, brand);
        // Something of the source's own, with an owner, a mode and a hard link to keep.
        let sroot = host(&s, &format!("/zones/{src}/root"));
        std::fs::write(sroot.join("etc/motd"), "from the source\n").unwrap();
        std::os::unix::fs::chown(sroot.join("etc/motd"), Some(1), Some(2)).unwrap();
        std::fs::hard_link(sroot.join("etc/motd"), sroot.join("etc/motd.link")).unwrap();
        std::fs::write(
            sroot.join("etc/machine-id"),
            "0123456789abcdef0123456789abcdef\n",
        )
        .unwrap();
        configure(&s, &dst, brand);
        let r = s.zoneadm(Some(&dst), &["clone", "-m", "copy", &src]).ok();
        assert_eq!(
            r.stdout,
            format!(
                "Copying {}...\n",
                host(&s, &format!("/zones/{src}")).display()
            )
        );
        assert_eq!(state(&s, &dst), "installed");
        assert_eq!(state(&s, &src), "installed");
        let droot = host(&s, &format!("/zones/{dst}/root"));
        let m = std::fs::metadata(droot.join("etc/motd")).unwrap();
        assert_eq!((m.uid(), m.gid(), m.nlink()), (1, 2, 2), "{brand}");
        assert_eq!(
            std::fs::read_to_string(droot.join("etc/motd")).unwrap(),
            "from the source\n"
        );
        // The clone is a new system: no machine id of the source's, its own uuid and owner.
        assert_eq!(
            std::fs::read_to_string(droot.join("etc/machine-id")).unwrap(),
            ""
        );
        let owner =
            std::fs::read_to_string(host(&s, &format!("/zones/{dst}/.zone-owner"))).unwrap();
        assert!(owner.starts_with(&format!("{dst}:")), "{owner}");
        let uuid = |z: &str| {
            let out = s.zoneadm(Some(z), &["list", "-p"]).ok().stdout;
            out.split(':').nth(4).unwrap().to_string()
        };
        assert_ne!(uuid(&src), uuid(&dst));
        assert_eq!(owner.trim(), format!("{dst}:{}", uuid(&dst)));
        if brand == "sparse" {
            // The skeleton's host name was the source's; the clone's is its own.
            assert_eq!(
                std::fs::read_to_string(droot.join("etc/hostname")).unwrap(),
                format!("{dst}\n")
            );
            assert!(std::fs::read_to_string(droot.join("etc/hosts"))
                .unwrap()
                .contains(&format!("\t{dst}\n")));
        }
        boots_and_logs_in(&s, &dst);
        boots_and_logs_in(&s, &src);
        // The clone uninstalls like any installed zone.
        s.zoneadm(Some(&dst), &["uninstall", "-F"]).ok();
        assert!(!host(&s, &format!("/zones/{dst}")).exists());
    }
}

#[test]
fn clone_refusals_leave_the_new_zone_configured() {
    require_root();
    let s = Scratch::new();
    let src = unique_zone("clr");
    let dst = unique_zone("clt");
    let whole = unique_zone("clw");
    let bare = unique_zone("clc");
    installed(&s, &src, "sparse");
    configure(&s, &dst, "sparse");
    configure(&s, &whole, "whole");
    configure(&s, &bare, "sparse");
    let dst_path = host(&s, &format!("/zones/{dst}"));
    let check_untouched = |s: &Scratch| {
        assert_eq!(state(s, &dst), "configured");
        assert!(!dst_path.exists());
    };
    refused(
        s.zoneadm(Some(&dst), &["clone", "nosuch"]),
        "zoneadm: nosuch: No such zone configured\n",
    );
    check_untouched(&s);
    refused(
        s.zoneadm(Some(&dst), &["clone", &bare]),
        &format!("zoneadm: zone '{dst}': zone {bare} is configured; installed is required.\n"),
    );
    check_untouched(&s);
    refused(
        s.zoneadm(Some(&whole), &["clone", &src]),
        &format!(
            "zoneadm: zone '{whole}': Zones '{src}' and '{whole}' have different brand types.\n"
        ),
    );
    refused(
        s.zoneadm(Some(&dst), &["clone", "global"]),
        &format!("zoneadm: zone '{dst}': clone operation is invalid for the global zone.\n"),
    );
    refused(
        s.zoneadm(Some(&dst), &["clone", &dst]),
        &format!("zoneadm: zone '{dst}': a zone cannot be cloned from itself.\n"),
    );
    let r = s.zoneadm(Some(&dst), &["clone", "-s", "pool/zones@snap", &src]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("ZFS snapshots are not supported"),
        "{}",
        r.stderr
    );
    check_untouched(&s);
    // Only `copy` is a method: anything else is a misuse.
    let r = s.zoneadm(Some(&dst), &["clone", "-m", "zfs", &src]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("usage:\tclone [-m method]"),
        "{}",
        r.stderr
    );
    for words in [&["clone"][..], &["clone", "a", "b"], &["clone", "-x", "a"]] {
        let r = s.zoneadm(Some(&dst), words);
        assert_eq!(r.code, 2, "{words:?}");
        assert!(
            r.stderr.starts_with("usage:\tclone"),
            "{words:?}: {}",
            r.stderr
        );
    }
    check_untouched(&s);
    // A running source is not copied.
    s.zoneadm(Some(&src), &["boot"]).ok();
    refused(
        s.zoneadm(Some(&dst), &["clone", &src]),
        &format!("zoneadm: zone '{dst}': clone operation is invalid for running zones.\n"),
    );
    check_untouched(&s);
    s.zoneadm(Some(&src), &["halt"]).ok();
    // A zonepath with something in it is not cloned into.
    std::fs::create_dir_all(&dst_path).unwrap();
    std::fs::set_permissions(&dst_path, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(dst_path.join("data"), "mine").unwrap();
    let r = s.zoneadm(Some(&dst), &["clone", &src]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("is not empty; cannot clone into it"),
        "{}",
        r.stderr
    );
    assert_eq!(state(&s, &dst), "configured");
    assert_eq!(
        std::fs::read_to_string(dst_path.join("data")).unwrap(),
        "mine"
    );
    std::fs::remove_file(dst_path.join("data")).unwrap();
    // An installed target is not cloned again.
    s.zoneadm(Some(&dst), &["clone", &src]).ok();
    refused(
        s.zoneadm(Some(&dst), &["clone", &src]),
        &format!("zoneadm: zone '{dst}': is already installed.\n"),
    );
}
