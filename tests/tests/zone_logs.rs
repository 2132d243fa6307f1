//! A zone's logs under `var/log/zones/`: the install log in plain sentences, saying why an
//! install failed; the supervisor log with ISO 8601 times, saying why a boot failed; the
//! console log with what the zone said on its console, attached to or not, bounded in size.

use std::path::{Path, PathBuf};
use std::time::Duration;
use zones_tests::{eventually, require_root, unique_zone, Scratch};

/// The install log `zoneadm install` names on its first line.
fn install_log(stdout: &str) -> PathBuf {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Progress being logged to "))
        .unwrap_or_else(|| panic!("no log named: {stdout}"));
    PathBuf::from(line)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// No line of `text` shows Rust's debugging or error notation.
fn assert_plain(text: &str) {
    for bad in ["(\"", "Symlink(", "Some(", "None", "{ ", "os error"] {
        assert!(!text.contains(bad), "{bad:?} in:\n{text}");
    }
}

#[test]
fn the_install_log_is_plain_sentences_and_says_why_an_install_failed() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("lginst");
    s.configure_default(&zone);
    let r = s.zoneadm(Some(&zone), &["install"]).ok();
    let text = read(&install_log(&r.stdout));
    assert_plain(&text);
    for line in text.lines() {
        let sentence = line.chars().next().is_some_and(char::is_uppercase) && line.ends_with('.');
        assert!(sentence, "not a sentence: {line:?} in:\n{text}");
    }
    assert!(text.ends_with("Installation complete.\n"), "{text}");
    // An install that fails says why in its log, as on the terminal.
    let whole = unique_zone("lgwhole");
    s.configure(&whole, &["set brand=whole"]);
    let r = s.zoneadm(Some(&whole), &["install", "-a", "/nonexistent.tar.gz"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let why = r
        .stderr
        .trim()
        .strip_prefix(&format!("zoneadm: zone '{whole}': "))
        .unwrap_or_else(|| panic!("{}", r.stderr))
        .to_string();
    let text = read(&install_log(&r.stdout));
    assert_plain(&text);
    assert!(
        text.contains(&format!("Installation of zone {whole} failed: {why}.")),
        "{text}"
    );
}

/// `2024-10-04T12:34:56.789Z ` at the start of a line.
fn starts_with_iso8601(line: &str) -> bool {
    let b = line.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() > 25
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && &b[23..25] == b"Z "
}

/// Why `zoneadm boot` failed, as it said.
fn failed_boot(s: &Scratch, zone: &str) -> String {
    let r = s.zoneadm(Some(zone), &["boot"]);
    assert_eq!(r.code, 1, "boot did not fail: {}", r.stderr);
    r.stderr
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches(&format!("zoneadm: zone '{zone}': "))
        .to_string()
}

#[test]
fn the_zoneadmd_log_has_iso8601_times_and_says_why_a_boot_failed() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("lgboot");
    s.boot(&zone, &[]);
    s.zoneadm(Some(&zone), &["halt"]).ok();
    let log = s.root().join(format!("var/log/zones/{zone}.zoneadmd.log"));
    // A mount the kernel refuses when the zone is made: zoneadmd says so.
    s.zonecfg(
        &zone,
        &["add fs; set dir=/lgdata; set special=swap; set type=tmpfs; add options \"size=bogus\"; end; commit"],
        None,
    )
    .ok();
    let why = failed_boot(&s, &zone);
    let text = read(&log);
    assert!(
        text.contains(&format!("boot failed: {why}")),
        "{why:?} not in:\n{text}"
    );
    // A boot that verification stops: zoneadm says so in the zone's log.
    std::fs::write(
        s.zone_file(&zone),
        read(&s.zone_file(&zone)).replace("<zone ", "<zone limitpriv=\"default,sys_devices\" "),
    )
    .unwrap();
    let why = failed_boot(&s, &zone);
    let text = read(&log);
    let line = text
        .lines()
        .rfind(|l| l.contains("boot failed: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(&why), "{why:?} not in {line:?}");
    for line in text.lines() {
        assert!(starts_with_iso8601(line), "no ISO 8601 time: {line:?}");
    }
    assert_plain(&text);
}

#[test]
fn the_console_log_keeps_what_the_zone_said_bounded() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("lgcons");
    s.boot(&zone, &[]);
    let log = s.root().join(format!("var/log/zones/{zone}.console"));
    let has = |what: &str| {
        let what = what.to_string();
        let log = log.clone();
        move || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            (!text.contains(&what)).then(|| format!("{what:?} not in:\n{text}"))
        }
    };
    eventually(Duration::from_secs(5), has("[NOTICE: Zone booting up]")).unwrap();
    eventually(
        Duration::from_secs(5),
        has(&format!("{zone} console login: ")),
    )
    .unwrap();
    // Nobody is attached: what the zone writes is kept all the same.
    s.zlogin(&[&zone, "echo NOBODY-LISTENS > /dev/console"], None)
        .ok();
    eventually(Duration::from_secs(5), has("NOBODY-LISTENS")).unwrap();
    // A flood: the log and its one predecessor keep the latest, at most 256 KiB each.
    s.zlogin(
        &[
            &zone,
            "head -c 700000 /dev/zero | tr '\\0' x > /dev/console; echo FLOOD-DONE > /dev/console",
        ],
        None,
    )
    .ok();
    eventually(Duration::from_secs(10), has("FLOOD-DONE")).unwrap();
    let old = log.with_extension("console.0");
    for f in [&log, &old] {
        let len = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0 && len <= 256 * 1024, "{}: {len} bytes", f.display());
    }
    s.zoneadm(Some(&zone), &["halt"]).ok();
    eventually(Duration::from_secs(5), has("[NOTICE: Zone halted]")).unwrap();
}
