//! `zoneadm verify` (spec §2.4): a good zone verifies; every class of problem prints its
//! message, the summary line, and exits 1.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use zones_tests::{require_root, unique_zone, Run, Scratch};

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Makes the zone's zonepath the way install does: `<root>/zones` 0755, the zonepath 0700.
fn make_zonepath(s: &Scratch, zone: &str) -> PathBuf {
    let parent = s.root().join("zones");
    let p = parent.join(zone);
    std::fs::create_dir_all(&p).expect("mkdir zonepath");
    chmod(&parent, 0o755);
    chmod(&p, 0o700);
    p
}

/// A zone configured with `extra` commands and its zonepath made; the zonepath.
fn zone_with(s: &Scratch, zone: &str, extra: &[&str]) -> PathBuf {
    s.configure(zone, extra);
    make_zonepath(s, zone)
}

/// Standard output of a successful verify: nothing, or (when the scratch root is on tmpfs)
/// zoneadm's remark about that.
fn assert_only_tmpfs_remarks(stdout: &str) {
    assert!(
        stdout
            .lines()
            .all(|l| l.ends_with("is on a temporary file system.")),
        "{stdout}"
    );
}

/// `zoneadm verify` of `zone`, which must fail (exit status 1).
fn verify_fails(s: &Scratch, zone: &str) -> Run {
    let r = s.zoneadm(Some(zone), &["verify"]);
    assert_eq!(r.code, 1, "verify of {zone} did not fail: {}", r.stderr);
    r
}

fn summary(zone: &str) -> String {
    format!("zoneadm: zone {zone} failed to verify\n")
}

/// Rewrites the zone's file, for settings zonecfg itself would refuse.
fn edit_zone_file(s: &Scratch, zone: &str, from: &str, to: &str) {
    let p = s.zone_file(zone);
    let xml = std::fs::read_to_string(&p).expect("zone file");
    assert!(xml.contains(from), "{from} not in {xml}");
    std::fs::write(&p, xml.replacen(from, to, 1)).expect("write zone file");
}

#[test]
fn good_zone_verifies() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("good");
    let special = s.root_str();
    s.configure(
        &z,
        &[
            "add fs",
            "set dir=/srv",
            &format!("set special={special}"),
            "set type=lofs",
            "add options ro",
            "end",
            "add fs",
            "set dir=/scratch",
            "set special=swap",
            "set type=tmpfs",
            "end",
            "set max-lwps=500",
            "add capped-memory",
            "set physical=512M",
            "end",
            "add dedicated-cpu",
            "set ncpus=1",
            "end",
            "set limitpriv=default,sys_time",
        ],
    );
    // Before install the zonepath need not exist: a warning, and success.
    let r = s.zoneadm(Some(&z), &["verify"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let zp = s.root().join("zones").join(&z);
    assert!(
        r.stderr.starts_with(&format!(
            "WARNING: {} does not exist, so it could not be verified.\nWhen 'zoneadm install' is run, 'install' will try to create\n",
            zp.display()
        )),
        "{}",
        r.stderr
    );
    make_zonepath(&s, &z);
    let r = s.zoneadm(Some(&z), &["verify"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_only_tmpfs_remarks(&r.stdout);
    // An installed zone verifies too.
    s.zoneadm(Some(&z), &["install"]).ok();
    let r = s.zoneadm(Some(&z), &["verify"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_only_tmpfs_remarks(&r.stdout);
}

#[test]
fn zonepath_mode_owner_and_parent() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("mode");
    let p = zone_with(&s, &z, &[]);
    let shown = p.display().to_string();
    chmod(&p, 0o755);
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "{shown} must not be group readable.\n{shown} must not be group executable.\n{shown} must not be world readable.\n{shown} must not be world executable.\ncould not verify zonepath {shown} because of the above errors.\n{}",
            summary(&z)
        )
    );

    chmod(&p, 0o700);
    std::os::unix::fs::chown(&p, Some(65534), None).expect("chown");
    let r = verify_fails(&s, &z);
    assert!(
        r.stderr
            .starts_with(&format!("{shown} is not owned by root.\n")),
        "{}",
        r.stderr
    );
    std::os::unix::fs::chown(&p, Some(0), None).expect("chown");

    let parent = p.parent().unwrap().display().to_string();
    chmod(p.parent().unwrap(), 0o777);
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "{parent} must not be group writable.\n{parent} must not be world writable.\ncould not verify zonepath {shown} because of the above errors.\n{}",
            summary(&z)
        )
    );
    chmod(p.parent().unwrap(), 0o755);
    assert_eq!(s.zoneadm(Some(&z), &["verify"]).code, 0);

    // Not a directory at all.
    std::fs::remove_dir(&p).unwrap();
    std::fs::write(&p, "").unwrap();
    let r = verify_fails(&s, &z);
    assert!(r
        .stderr
        .starts_with(&format!("{shown} is not a directory.\n")));
}

#[test]
fn zone_root_before_install() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("root");
    let p = zone_with(&s, &z, &[]);
    std::fs::create_dir(p.join("root")).unwrap();
    chmod(&p.join("root"), 0o700);
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "{}/root mode is not 0755.\ncould not verify zonepath {} because of the above errors.\n{}",
            p.display(),
            p.display(),
            summary(&z)
        )
    );
    chmod(&p.join("root"), 0o755);
    assert_eq!(s.zoneadm(Some(&z), &["verify"]).code, 0);
}

#[test]
fn overlapping_zonepaths() {
    require_root();
    let s = Scratch::new();
    let a = unique_zone("outer");
    let b = unique_zone("inner");
    s.configure(&a, &[]);
    s.zoneadm(Some(&a), &["install"]).ok();
    let pa = s.root().join("zones").join(&a);
    s.configure(&b, &[&format!("set zonepath=/zones/{a}/{b}")]);
    let pb = pa.join(&b);
    std::fs::create_dir(&pb).unwrap();
    chmod(&pb, 0o700);
    let r = verify_fails(&s, &b);
    assert_eq!(
        r.stderr,
        format!(
            "{b} zonepath ({}) and {a} zonepath ({}) overlap.\ncould not verify zonepath {} because of the above errors.\n{}",
            pb.display(),
            pa.display(),
            pb.display(),
            summary(&b)
        )
    );
}

#[test]
fn brand_and_privileges() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("brand");
    zone_with(&s, &z, &[]);
    edit_zone_file(&s, &z, "brand=\"sparse\"", "brand=\"nosuchbrand\"");
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "zoneadm: zone '{z}': missing or invalid brand\n{}",
            summary(&z)
        )
    );

    for (limitpriv, msg) in [
        (
            "default,sys_devices",
            "privilege \"sys_devices\" is not permitted within the zone's privilege set",
        ),
        (
            "default,frobnicate",
            "unknown privilege \"frobnicate\" specified in the zone's privilege set",
        ),
        (
            "basic",
            "required privilege \"sys_mount\" is missing from the zone's privilege set",
        ),
    ] {
        let z = unique_zone("priv");
        zone_with(&s, &z, &[]);
        edit_zone_file(
            &s,
            &z,
            "autoboot=",
            &format!("limitpriv=\"{limitpriv}\" autoboot="),
        );
        let r = s.zoneadm(Some(&z), &["verify"]);
        assert_eq!(r.code, 1, "{limitpriv}");
        assert_eq!(r.stderr, format!("{msg}\n{}", summary(&z)));
    }
}

#[test]
fn rctl_value_not_valid_for_its_rctl() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("rctl");
    // zonecfg accepts this (the man page's own example); zone.cpu-cap only denies.
    zone_with(
        &s,
        &z,
        &[
            "add rctl",
            "set name=zone.cpu-cap",
            "add value (priv=privileged,limit=300,action=none)",
            "end",
        ],
    );
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "zoneadm: zone '{z}': (priv=privileged,limit=300,action=none) is not a valid value for rctl 'zone.cpu-cap'\n{}",
            summary(&z)
        )
    );
}

#[test]
fn file_systems() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("fs");
    zone_with(
        &s,
        &z,
        &[
            "add fs",
            "set dir=/odd",
            "set special=none",
            "set type=nosuchfs",
            "end",
            "add fs",
            "set dir=/gone",
            "set special=/nonexistent/source",
            "set type=lofs",
            "end",
        ],
    );
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "could not verify fs /odd: could not access /sbin/mount.nosuchfs: No such file or directory\ncould not verify fs /gone: could not access /nonexistent/source: No such file or directory\n{}",
            summary(&z)
        )
    );
}

#[test]
fn exclusive_ip_interface_must_exist() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("net");
    zone_with(
        &s,
        &z,
        &[
            "set ip-type=exclusive",
            "add net",
            "set physical=nosuchif0",
            "end",
        ],
    );
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "could not verify net physical=nosuchif0\n\tnetwork interface nosuchif0 is not plumbed in the global zone\n{}",
            summary(&z)
        )
    );
    // A shared-IP zone's address is plumbed on that interface: it must exist too.
    let w = unique_zone("net");
    zone_with(
        &s,
        &w,
        &[
            "add net",
            "set physical=nosuchif0",
            "set address=10.1.2.3/24",
            "end",
        ],
    );
    let r = verify_fails(&s, &w);
    assert_eq!(
        r.stderr,
        format!(
            "could not verify net address=10.1.2.3/24 physical=nosuchif0\n\tnetwork interface nosuchif0 is not plumbed in the global zone\n{}",
            summary(&w)
        )
    );
}

#[test]
fn dedicated_cpus_beyond_the_machine() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("cpu");
    zone_with(&s, &z, &["add dedicated-cpu", "set ncpus=4096", "end"]);
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    let count: usize = online
        .trim()
        .split(',')
        .map(|r| match r.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum();
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!(
            "dedicated-cpu: ncpus value 4096 is larger than the number of online CPUs ({count}).\n{}",
            summary(&z)
        )
    );
}

#[test]
fn pool_problems_are_warnings() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("pool");
    zone_with(&s, &z, &["set pool=nosuchpool"]);
    let r = s.zoneadm(Some(&z), &["verify"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stderr,
        format!("zoneadm: zone '{z}': WARNING: pools facility not active; zone will not be bound to pool 'nosuchpool'.\n")
    );
}

#[test]
fn state_and_store_problems() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("state");
    zone_with(&s, &z, &[]);
    s.zoneadm(Some(&z), &["mark", "incomplete"]).ok();
    let r = verify_fails(&s, &z);
    assert_eq!(
        r.stderr,
        format!("zoneadm: zone '{z}': zone is incomplete; uninstall required.\n")
    );

    // The zone file and the index disagree on the zonepath: no summary follows.
    let m = unique_zone("mismatch");
    zone_with(&s, &m, &[]);
    edit_zone_file(
        &s,
        &m,
        &format!("zonepath=\"/zones/{m}\""),
        "zonepath=\"/zones/elsewhere\"",
    );
    let r = verify_fails(&s, &m);
    let root = s.root().display().to_string();
    assert_eq!(
        r.stderr,
        format!("The XML repository has zonepath '{root}/zones/elsewhere',\nbut the index file has zonepath '{root}/zones/{m}'.\nThese must match, so fix the incorrect entry.\n")
    );

    let r = verify_fails(&s, "global");
    assert_eq!(
        r.stderr,
        "zoneadm: zone 'global': verify operation is invalid for the global zone.\n"
    );
}
