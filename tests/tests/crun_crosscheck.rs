//! The zone's plan is a valid OCI runtime bundle, and crun, running it, builds the same zone
//! as zoneadmd: `zoneadm plan` prints the zone's `config.json`; with a probe in place of
//! init, crun runs it, and the same probe runs through `zlogin` in the zone zoneadm booted.
//! Hostname, capability sets and the mount points with their file system types (and read-only
//! or read-write) must match; the differences allowed are listed (and explained) in
//! `allowed_only_zoneadmd`. The cgroup values of a zone with every resource control (memory,
//! swap, pids, CPU shares, cap and pool CPUs), read back from the kernel, must be the plan's
//! under both runtimes (`crun_and_zoneadmd_give_the_plans_cgroup_values`).
//!
//! crun refuses this hybrid cgroup host while cgroup2 holds a controller, so it runs in a
//! private mount namespace with `/sys/fs/cgroup/unified` unmounted (the host keeps it), with
//! its own state directory and a unique cgroup path that is removed afterwards.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use zones_tests::{
    attack_in_zone, cgroup_hierarchies, host_bounding, install_attacker, json_strings, outcome,
    require_root, unique_zone, Outcome, Record, Scratch, ATTACKER,
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

// ----------------------------------------------------------------------------------------
// Resources: the cgroup values both runtimes give the zone, read back from the kernel.

/// Whether the host's cgroups are the unified hierarchy alone (v2), as crun sees them.
fn pure_v2() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// The control files that hold what a zone's plan asks for in `linux.resources`, with the
/// v1 controller whose hierarchy has them (v2: one directory for all).
fn control_files(v2: bool) -> Vec<(&'static str, &'static str)> {
    if v2 {
        vec![
            ("memory", "memory.max"),
            ("memory", "memory.swap.max"),
            ("pids", "pids.max"),
            ("cpu", "cpu.max"),
            ("cpu", "cpu.weight"),
            ("cpuset", "cpuset.cpus"),
        ]
    } else {
        let mut files = vec![
            ("memory", "memory.limit_in_bytes"),
            ("pids", "pids.max"),
            ("cpu", "cpu.shares"),
            ("cpu", "cpu.cfs_quota_us"),
            ("cpu", "cpu.cfs_period_us"),
            ("cpuset", "cpuset.cpus"),
        ];
        // Without swap accounting there is no memory+swap limit to compare.
        if Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists() {
            files.push(("memory", "memory.memsw.limit_in_bytes"));
        }
        files
    }
}

/// The values of `control_files`, the directory of each given by `dir` (from its controller).
fn read_controls(v2: bool, dir: impl Fn(&str) -> PathBuf) -> BTreeMap<String, String> {
    control_files(v2)
        .into_iter()
        .map(|(controller, file)| {
            let path = dir(controller).join(file);
            let value = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (file.to_string(), value.trim().to_string())
        })
        .collect()
}

/// What the plan's `linux.resources` are in the kernel's files, as OCI defines them (v1
/// units; v2 as runc and crun convert them). `cpu.weight` is left out: see
/// `crun_and_zoneadmd_give_the_plans_cgroup_values`.
fn planned_controls(v2: bool, spec: &Value) -> BTreeMap<String, String> {
    let res = &spec["linux"]["resources"];
    let num = |v: &Value, what: &str| -> i64 {
        v.as_i64()
            .unwrap_or_else(|| panic!("the plan has no {what}: {res:#}"))
    };
    let memory = num(&res["memory"]["limit"], "memory.limit");
    let swap = num(&res["memory"]["swap"], "memory.swap");
    let pids = num(&res["pids"]["limit"], "pids.limit");
    let quota = num(&res["cpu"]["quota"], "cpu.quota");
    let period = num(&res["cpu"]["period"], "cpu.period");
    let shares = num(&res["cpu"]["shares"], "cpu.shares");
    let cpus = res["cpu"]["cpus"]
        .as_str()
        .unwrap_or_else(|| panic!("the plan has no cpu.cpus: {res:#}"))
        .to_string();
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        want.insert(k.to_string(), v);
    };
    put("pids.max", pids.to_string());
    put("cpuset.cpus", cpus);
    if v2 {
        put("memory.max", memory.to_string());
        // OCI's swap is memory plus swap; v2 limits swap alone.
        put("memory.swap.max", (swap - memory).to_string());
        put("cpu.max", format!("{quota} {period}"));
    } else {
        put("memory.limit_in_bytes", memory.to_string());
        put("cpu.shares", shares.to_string());
        put("cpu.cfs_quota_us", quota.to_string());
        put("cpu.cfs_period_us", period.to_string());
        if control_files(false)
            .iter()
            .any(|(_, f)| *f == "memory.memsw.limit_in_bytes")
        {
            put("memory.memsw.limit_in_bytes", swap.to_string());
        }
    }
    want
}

/// The hierarchy (v1) that holds `controller`: `cpu` is in `cpu,cpuacct` on most hosts.
fn hierarchy_of(controller: &str) -> PathBuf {
    cgroup_hierarchies()
        .into_iter()
        .find(|h| {
            h.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.split(',').any(|c| c == controller))
        })
        .unwrap_or_else(|| panic!("no cgroup hierarchy holds {controller}"))
}

/// A crun container made (`crun create`: its cgroup set up, its process not started) from
/// a bundle; deleted with its cgroup on drop, also when the test fails.
struct CrunContainer {
    run: CrunRun,
    id: String,
}

/// crun, in the private mount namespace it needs on this host (see the module comment); its
/// exit status and what it said on stderr. Its output goes to files, not pipes: the process
/// `crun create` leaves waiting holds them until it is deleted.
fn crun(log: &Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let script = "umount /sys/fs/cgroup/unified 2>/dev/null; exec crun \"$@\"";
    let file = std::fs::File::create(log).expect("crun log");
    let status = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file)
        .status()
        .expect("unshare");
    (status, std::fs::read_to_string(log).unwrap_or_default())
}

impl Drop for CrunContainer {
    fn drop(&mut self) {
        let state = self.run.state.to_string_lossy().into_owned();
        let log = self.run.state.with_extension("delete.log");
        let _ = crun(&log, &["--root", &state, "delete", "--force", &self.id]);
    }
}

/// `crun create` the zone's plan (its capability lists replaced by `caps`).
fn create_under_crun(s: &Scratch, plan: &str, caps: &BTreeSet<String>) -> CrunContainer {
    let mut spec: Value = serde_json::from_str(plan).expect("the plan is JSON");
    let process = spec.get_mut("process").expect("plan has a process");
    process["capabilities"] = json!({
        "bounding": caps,
        "effective": caps,
        "permitted": caps,
        "inheritable": [],
        "ambient": [],
    });
    process["args"] = json!(["/bin/sh", "-c", "exit 0"]);
    process["terminal"] = json!(false);
    let id = unique_zone("zonetest-crunres");
    let container = CrunContainer {
        run: CrunRun {
            state: s.root().join("crun-state"),
            cgroup: format!("/{id}"),
        },
        id,
    };
    spec.get_mut("linux").expect("plan has a linux section")["cgroupsPath"] =
        json!(container.run.cgroup);
    let bundle = s.root().join("crun-bundle-resources");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("config.json"), spec.to_string()).unwrap();
    let state = container.run.state.to_string_lossy().into_owned();
    let (status, stderr) = crun(
        &s.root().join("crun-create.log"),
        &[
            "--root",
            &state,
            "create",
            "--bundle",
            &bundle.to_string_lossy(),
            &container.id,
        ],
    );
    assert!(
        status.success(),
        "crun could not create the plan's container ({status}):\n{stderr}"
    );
    container
}

/// A zone with every resource control the plan carries in `linux.resources`, bound to a
/// pool on a processor set of one CPU: `zoneadm plan` shows those CPUs, and the cgroup values
/// zoneadmd gives the zone, read back from the kernel, are the plan's, and crun, running the
/// same plan, writes the same ones.
///
/// v2 only: OCI's `cpu.shares` is in v1 units, which crun converts to `cpu.weight` with its
/// own formula (1 + (shares - 2) × 9999 / 262142), while zoneadmd writes FSS shares as the
/// weight (see `cgroup::limits`); each side is checked against its own mapping.
#[test]
fn crun_and_zoneadmd_give_the_plans_cgroup_values() {
    require_root();
    crun_version().expect("crun is installed");
    let s = Scratch::new();
    s.run("pooladm", &["-e"], None).ok();
    s.run(
        "poolcfg",
        &["-dc", "create pset one (uint pset.min = 1; uint pset.max = 1) create pool p1 associate pool p1 (pset one)"],
        None,
    )
    .ok();
    let zone = unique_zone("crossres");
    s.configure(
        &zone,
        &[
            "set pool=p1",
            "set cpu-shares=20",
            "set max-processes=300",
            "add capped-cpu",
            "set ncpus=0.5",
            "end",
            "add capped-memory",
            "set physical=64m",
            "set swap=128m",
            "end",
        ],
    );
    s.zoneadm(Some(&zone), &["install"]).ok();
    let plan = s.zoneadm(Some(&zone), &["plan"]).ok().stdout;
    let spec: Value = serde_json::from_str(&plan).expect("the plan is JSON");
    let v2 = pure_v2();
    let want = planned_controls(v2, &spec);
    // The plan is the configuration's, in the cgroup layer's one mapping of shares.
    let res = &spec["linux"]["resources"];
    assert_eq!(res["memory"]["limit"], 64 << 20);
    assert_eq!(res["memory"]["swap"], 128 << 20);
    assert_eq!(res["pids"]["limit"], 300);
    assert_eq!(res["cpu"]["shares"], 20 * 4);
    assert_eq!(res["cpu"]["quota"], 50_000);
    assert_eq!(res["cpu"]["period"], 100_000);
    let cpus = res["cpu"]["cpus"].as_str().unwrap_or_default().to_string();
    assert!(cpus == "0" || cpus == "1", "one CPU of pool p1: {cpus:?}");

    s.zoneadm(Some(&zone), &["boot"]).ok();
    let record = s.record(&zone);
    let zoneadmd = read_controls(v2, |c| {
        if v2 {
            record.cgroups()[0].clone()
        } else {
            record.cgroup_dir(c)
        }
    });
    s.zoneadm(Some(&zone), &["halt"]).ok();

    let caps = repaired_caps(&record);
    let container = create_under_crun(&s, &plan, &caps);
    let crun = read_controls(v2, |c| {
        let rel = container.run.cgroup.trim_start_matches('/');
        if v2 {
            Path::new("/sys/fs/cgroup").join(rel)
        } else {
            hierarchy_of(c).join(rel)
        }
    });
    drop(container);

    let mut diffs = Vec::new();
    for (file, value) in &want {
        for (who, seen) in [("zoneadmd", &zoneadmd), ("crun", &crun)] {
            if seen.get(file) != Some(value) {
                diffs.push(format!(
                    "{file}: the plan says {value}, {who} wrote {:?}",
                    seen.get(file)
                ));
            }
        }
    }
    if v2 {
        let shares = res["cpu"]["shares"].as_u64().unwrap_or_default();
        let crun_weight = 1 + (shares - 2) * 9999 / 262_142;
        let expect = [("zoneadmd", &zoneadmd, 20), ("crun", &crun, crun_weight)];
        for (who, seen, weight) in expect {
            if seen.get("cpu.weight") != Some(&weight.to_string()) {
                diffs.push(format!(
                    "cpu.weight: {who} wrote {:?}, not {weight}",
                    seen.get("cpu.weight")
                ));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "the zone's cgroup values differ from its plan:\n  {}\nplan: {want:#?}\nzoneadmd: {zoneadmd:#?}\ncrun: {crun:#?}",
        diffs.join("\n  ")
    );
}
