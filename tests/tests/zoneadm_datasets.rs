//! `dataset` resources: this platform has no delegated ZFS datasets, so a zone runs without
//! them. `zoneadm verify` and `boot` say so (naming each dataset) instead of passing them
//! over in silence; neither fails because of it.

use zones_tests::{require_root, unique_zone, Scratch};

fn ignored(dataset: &str) -> String {
    format!(
        "WARNING: dataset {dataset}: delegated datasets are not supported on this platform; the dataset is ignored.\n"
    )
}

fn with_dataset(s: &Scratch, zone: &str) {
    s.configure(zone, &["add dataset", "set name=tank/delegated", "end"]);
}

#[test]
fn verify_warns_that_a_dataset_is_ignored() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("ds");
    with_dataset(&s, &zone);
    let r = s.zoneadm(Some(&zone), &["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&ignored("tank/delegated")),
        "{}",
        r.stdout
    );
    // A zone without one hears nothing about datasets.
    let plain = unique_zone("ds");
    s.configure_default(&plain);
    let r = s.zoneadm(Some(&plain), &["verify"]);
    assert!(!r.stdout.contains("dataset"), "{}", r.stdout);
}

#[test]
fn boot_warns_that_a_dataset_is_ignored() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("dsb");
    with_dataset(&s, &zone);
    s.zoneadm(Some(&zone), &["install"]).ok();
    let r = s.zoneadm(Some(&zone), &["boot"]).ok();
    assert!(
        r.stdout.contains(&ignored("tank/delegated")),
        "{}",
        r.stdout
    );
    s.zoneadm(Some(&zone), &["halt"]).ok();
}
