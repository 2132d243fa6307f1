//! The zone's plan is a valid OCI runtime bundle, and crun, running it, builds the same zone
//! as zoneadmd: `zoneadm plan` prints the zone's `config.json`; with a probe in place of
//! init, crun runs it, and the same probe runs through `zlogin` in the zone zoneadm booted.
//! Hostname, capability sets and the mount points with their file system types (and read-only
//! or read-write) must match;
//! the differences allowed are listed (and explained) in `allowed_differences`.
//!
//! crun refuses this hybrid cgroup host while cgroup2 holds a controller, so it runs in a
//! private mount namespace with `/sys/fs/cgroup/unified` unmounted (the host keeps it), with
//! its own state directory and a unique cgroup path that is removed afterwards.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use zones_tests::{
    attack_in_zone, host_bounding, install_attacker, json_strings, outcome, require_root,
    unique_zone, Outcome, Record, Scratch, ATTACKER,
};

/// config.json is read, edited and written back with serde_json: a round trip keeps every
/// value, escapes included.
#[test]
fn json_round_trip() {
    let t = r#"{"a": [1, -2.5e3, true, false, null], "b": {"c": "x\"y\\z\n\u00e9é"}, "d": []}"#;
    let v: Value = serde_json::from_str(t).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&v.to_string()).unwrap(), v);
    assert_eq!(v["b"]["c"].as_str(), Some("x\"y\\z\néé"));
}

// ----------------------------------------------------------------------------------------
// Local helpers

/// What the probe prints, between markers so shell noise cannot confuse the parse.
const PROBE: &str = "echo '<<hostname'; hostname; \
                     echo '<<status'; grep -E '^Cap(Bnd|Eff)' /proc/self/status; \
                     echo '<<mountinfo'; cat /proc/self/mountinfo; echo '<<end'";

/// The probe's view: hostname, `CapBnd`/`CapEff` lines, and each mount point with its file
/// system type and access (`ext4 ro`).
#[derive(Debug)]
struct View {
    hostname: String,
    caps: BTreeSet<String>,
    mounts: BTreeSet<(String, String)>,
}

fn section<'a>(out: &'a str, name: &str) -> &'a str {
    let start = out
        .find(&format!("<<{name}\n"))
        .unwrap_or_else(|| panic!("no {name} section in probe output:\n{out}"))
        + name.len()
        + 3;
    let end = out[start..].find("<<").map_or(out.len(), |e| start + e);
    &out[start..end]
}

fn view(out: &str) -> View {
    let mounts = section(out, "mountinfo")
        .lines()
        .filter_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            let mut f = left.split_whitespace();
            let mp = f.nth(4)?.to_string();
            let access = f.next()?.split(',').next()?.to_string();
            let fstype = right.split_whitespace().next()?;
            Some((mp, format!("{fstype} {access}")))
        })
        .collect();
    View {
        hostname: section(out, "hostname").trim().to_string(),
        caps: section(out, "status")
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect(),
        mounts,
    }
}

/// crun's per-run state and cgroup, removed on drop even when the test fails.
struct CrunRun {
    state: PathBuf,
    cgroup: String,
}

impl Drop for CrunRun {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state);
        if let Ok(rd) = std::fs::read_dir("/sys/fs/cgroup") {
            for h in rd.flatten() {
                let _ = std::fs::remove_dir(h.path().join(self.cgroup.trim_start_matches('/')));
            }
        }
    }
}

fn crun_version() -> Result<String, String> {
    match Command::new("crun").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr).into_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Turn the zone's plan into a bundle whose process is the probe, and run it with crun.
/// `caps`: replace the plan's capability lists by this set (see `repaired_caps`).
fn run_plan_under_crun(
    s: &Scratch,
    zone: &str,
    plan: &str,
    caps: Option<&BTreeSet<String>>,
) -> (View, String) {
    let (stdout, stderr) = run_under_crun(s, zone, plan, caps, PROBE);
    (view(&stdout), stderr)
}

/// Run the zone's plan with crun, its process replaced by the shell command `script`;
/// crun's stdout and stderr.
fn run_under_crun(
    s: &Scratch,
    zone: &str,
    plan: &str,
    caps: Option<&BTreeSet<String>>,
    script: &str,
) -> (String, String) {
    let mut spec: Value = serde_json::from_str(plan).expect("the plan is JSON");
    let process = spec.get_mut("process").expect("plan has a process");
    if let Some(caps) = caps {
        process["capabilities"] = json!({
            "bounding": caps,
            "effective": caps,
            "permitted": caps,
            "inheritable": [],
            "ambient": [],
        });
    }
    process["args"] = json!(["/bin/sh", "-c", script]);
    process["terminal"] = json!(false);
    let id = unique_zone("zonetest-crun");
    let guard = CrunRun {
        state: s.root().join("crun-state"),
        cgroup: format!("/{id}"),
    };
    spec.get_mut("linux").expect("plan has a linux section")["cgroupsPath"] = json!(guard.cgroup);
    let bundle = s.root().join("crun-bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("config.json"), spec.to_string()).unwrap();
    let crun = "umount /sys/fs/cgroup/unified 2>/dev/null; \
                exec crun --root \"$1\" run --bundle \"$2\" \"$3\"";
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", crun, "sh"])
        .arg(&guard.state)
        .arg(&bundle)
        .arg(&id)
        .stdin(Stdio::null())
        .output()
        .expect("unshare");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "crun could not run zone {zone}'s plan ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

/// Mounts only one side has, with the reason. zoneadmd binds the zone console onto
/// `/dev/console` (crun does so only for a terminal, and the probe runs without one).
fn allowed_only_zoneadmd(mp: &str) -> bool {
    mp == "/dev/console"
}

// ----------------------------------------------------------------------------------------
// Tests

/// The capability set a fixed plan would carry on this host: the zone's set (from the
/// runtime record) less what the host's own bounding set lacks (crun, unlike zoneadmd,
/// refuses capabilities it cannot grant).
fn repaired_caps(record: &Record) -> BTreeSet<String> {
    let host = host_bounding();
    record
        .capabilities()
        .into_iter()
        .filter(|c| host.contains(c))
        .collect()
}

/// Run the plan under crun (its capability lists replaced when `repair`) and the same probe
/// through zlogin in the booted zone; the differences found, beyond the allowed ones.
fn crosscheck(repair: bool) -> Vec<String> {
    require_root();
    if let Err(e) = crun_version() {
        panic!(
            "crun is not installed or does not run ({e}); the cross-check needs it \
             (`apt-get install -y crun`; .ci/run installs it)"
        );
    }
    let s = Scratch::new();
    let zone = unique_zone("crosscheck");
    s.configure_default(&zone);
    s.zoneadm(Some(&zone), &["install"]).ok();
    let plan = s.zoneadm(Some(&zone), &["plan"]).ok().stdout;

    // The plan as a spec: what the zone is made of.
    let spec: Value = serde_json::from_str(&plan).expect("the plan is JSON");
    assert!(spec["ociVersion"].as_str().is_some());
    assert_eq!(spec["hostname"].as_str(), Some(zone.as_str()));
    let root = spec["root"]["path"].as_str();
    assert_eq!(
        root.map(PathBuf::from),
        Some(s.root().join(format!("zones/{zone}/root")))
    );

    s.zoneadm(Some(&zone), &["boot"]).ok();
    let record = s.record(&zone);
    let zl = s.zlogin(&[&zone, PROBE], None).ok();
    let zoneadmd = view(&zl.stdout);
    s.zoneadm(Some(&zone), &["halt"]).ok();

    let caps = repair.then(|| repaired_caps(&record));
    let (crun, crun_err) = run_plan_under_crun(&s, &zone, &plan, caps.as_ref());

    let mut diffs = Vec::new();
    if crun.hostname != zoneadmd.hostname || crun.hostname != zone {
        diffs.push(format!(
            "hostname: crun {:?}, zoneadmd {:?}, zone {zone}",
            crun.hostname, zoneadmd.hostname
        ));
    }
    if crun.caps != zoneadmd.caps {
        diffs.push(format!(
            "capabilities: crun {:?}, zoneadmd {:?}",
            crun.caps, zoneadmd.caps
        ));
    }
    let points = |v: &View| -> BTreeSet<String> { v.mounts.iter().map(|m| m.0.clone()).collect() };
    let (under_crun, under_zoneadmd) = (points(&crun), points(&zoneadmd));
    for mp in under_zoneadmd.difference(&under_crun) {
        if !allowed_only_zoneadmd(mp) {
            diffs.push(format!("mount {mp} only under zoneadmd"));
        }
    }
    for mp in under_crun.difference(&under_zoneadmd) {
        diffs.push(format!("mount {mp} only under crun"));
    }
    for (mp, t) in &zoneadmd.mounts {
        for (mp2, t2) in &crun.mounts {
            if mp == mp2 && t != t2 {
                diffs.push(format!("{mp}: {t} under zoneadmd, {t2} under crun"));
            }
        }
    }
    if !diffs.is_empty() {
        eprintln!("crun stderr: {crun_err}\ncrun: {crun:#?}\nzoneadmd: {zoneadmd:#?}");
    }
    diffs
}

/// The plan exactly as `zoneadm plan` prints it.
#[test]
fn crun_runs_the_plan_and_sees_what_zoneadmd_builds() {
    let diffs = crosscheck(false);
    assert!(
        diffs.is_empty(),
        "crun and zoneadmd build different zones from the same plan:\n  {}",
        diffs.join("\n  ")
    );
}

/// The plan with its capability lists set to what the zone has (see the ignored test above
/// and `plan_capabilities_are_the_zone_privileges`): everything else must match as it is.
#[test]
fn crun_runs_the_plan_with_fixed_capabilities_and_sees_what_zoneadmd_builds() {
    let diffs = crosscheck(true);
    assert!(
        diffs.is_empty(),
        "crun and zoneadmd build different zones from the same plan:\n  {}",
        diffs.join("\n  ")
    );
}

/// The plan's capability lists are what limitpriv gives the zone (the runtime record's set),
/// in every list an OCI runtime applies.
#[test]
fn plan_capabilities_are_the_zone_privileges() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("crosscaps");
    s.configure_default(&zone);
    s.zoneadm(Some(&zone), &["install"]).ok();
    let plan = s.zoneadm(Some(&zone), &["plan"]).ok().stdout;
    let spec: Value = serde_json::from_str(&plan).expect("the plan is JSON");
    s.zoneadm(Some(&zone), &["boot"]).ok();
    let rec = s.record(&zone);
    s.zoneadm(Some(&zone), &["halt"]).ok();
    let want: BTreeSet<String> = rec.capabilities().into_iter().collect();
    assert!(!want.is_empty());
    let caps = spec
        .get("process")
        .and_then(|p| p.get("capabilities"))
        .expect("plan has process.capabilities");
    let list = |k: &str| -> BTreeSet<String> {
        caps.get(k)
            .map(json_strings)
            .unwrap_or_default()
            .into_iter()
            .collect()
    };
    for k in ["bounding", "effective", "permitted"] {
        assert_eq!(list(k), want, "process.capabilities.{k}");
    }
    for k in ["inheritable", "ambient"] {
        assert!(
            list(k).is_empty(),
            "process.capabilities.{k}: {:?}",
            list(k)
        );
    }
}

/// The attacks the seccomp filter (and the capability set) refuse, and the uses it keeps.
const ATTACKS: &[&[&str]] = &[
    &["keyctl"],
    &["add-key", "zonetest-crosscheck"],
    &["unshare-user"],
    &["clone-user"],
    &["name-to-handle", "/"],
    &["open-by-handle"],
    &["io-uring"],
    &["personality", "400000"],
    &["settime"],
    &["fork"],
    &["thread"],
    &["personality", "ffffffff"],
];

/// crun, running the plan, loads the plan's `linux.seccomp` itself: the attacks get the same
/// answers under crun as in the zone zoneadmd booted from the same plan.
#[test]
fn crun_applies_the_plans_seccomp_filter_and_refuses_the_same_calls() {
    require_root();
    crun_version().expect("crun is installed");
    let s = Scratch::new();
    let zone = unique_zone("crossfilter");
    s.configure_default(&zone);
    s.zoneadm(Some(&zone), &["install"]).ok();
    install_attacker(&s, &zone);
    let plan = s.zoneadm(Some(&zone), &["plan"]).ok().stdout;
    let spec: Value = serde_json::from_str(&plan).unwrap();
    assert!(
        spec["linux"]["seccomp"]["syscalls"].is_array(),
        "no filter in the plan"
    );
    s.zoneadm(Some(&zone), &["boot"]).ok();
    let record = s.record(&zone);
    let in_zone: Vec<Outcome> = ATTACKS
        .iter()
        .map(|a| attack_in_zone(&s, &zone, a))
        .collect();
    s.zoneadm(Some(&zone), &["halt"]).ok();

    let script: String = ATTACKS
        .iter()
        .map(|a| format!("{ATTACKER} {}; ", a.join(" ")))
        .chain(std::iter::once(
            "grep '^Seccomp:' /proc/self/status".to_string(),
        ))
        .collect();
    let caps = repaired_caps(&record);
    let (out, err) = run_under_crun(&s, &zone, &plan, Some(&caps), &script);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), ATTACKS.len() + 1, "crun output:\n{out}\n{err}");
    let under_crun: Vec<Outcome> = lines[..ATTACKS.len()]
        .iter()
        .map(|l| outcome(l).unwrap_or_else(|| panic!("not an answer: {l}")))
        .collect();
    assert_eq!(lines[ATTACKS.len()].split_whitespace().last(), Some("2"));
    let eperm = Err(libc::EPERM);
    for (i, a) in ATTACKS.iter().enumerate() {
        let refused = !matches!(a[0], "fork" | "thread") && a.get(1) != Some(&"ffffffff");
        if refused {
            assert_eq!(in_zone[i], eperm, "{a:?} in the zone");
        } else {
            assert!(in_zone[i].is_ok(), "{a:?} in the zone: {:?}", in_zone[i]);
        }
        assert_eq!(under_crun[i], in_zone[i], "{a:?}: crun and zoneadmd differ");
    }
}
