//! Pool figures: the time of `pooladm -c` with many zones bound to a pool (each commit moves
//! every bound zone to its pool's new processor set), and the cgroup set-up a zone costs at
//! boot, measured on the cgroup layer itself.

use crate::cmd::Cmd;
use crate::error::{BenchError, Result};
use crate::stats;
use crate::zones::{Tools, ZoneRoot};
use libzone::cgroup::{self, devices, Controller, DeviceRule, Limits};
use std::path::Path;
use std::time::Instant;

pub struct PoolFigures {
    pub zones: usize,
    /// `pooladm -c` of a configuration that moves every bound zone, ms.
    pub commit_ms: Vec<f64>,
    /// Creating a zone's cgroup in every hierarchy with limits, µs.
    pub setup_us: Vec<f64>,
    /// Then its devices rules (v1 `devices.allow` lines, and the device program on a hybrid
    /// or v2 host), µs.
    pub devices_us: Vec<f64>,
    /// Removing them again, µs.
    pub remove_us: Vec<f64>,
}

fn poolcfg(tools_dir: &Path, root: &Path, cmd: &str, file: &Path, errlog: &Path) -> Result<()> {
    Cmd::new(tools_dir.join("poolcfg"))
        .arg("-R")
        .arg(root)
        .args(["-c", cmd])
        .arg(file)
        .run(errlog)
        .map(|_| ())
}

/// Boot `zones` zones bound to pool `web` in `root`, then time `pooladm -c` alternating
/// between two configurations that put `web` on a one-CPU set and on the default set.
pub fn measure(
    tools: &Tools,
    tools_dir: &Path,
    root: &Path,
    zones: usize,
    runs: usize,
    errlog: &Path,
) -> Result<PoolFigures> {
    let pooladm = |args: &[&str]| {
        Cmd::new(tools_dir.join("pooladm"))
            .arg("-R")
            .arg(root)
            .args(args.iter().copied())
    };
    let etc = root.join("etc");
    std::fs::create_dir_all(&etc).map_err(BenchError::io(&etc))?;
    let (a, b) = (etc.join("pools-a.conf"), etc.join("pools-b.conf"));
    pooladm(&["-e"]).run(errlog)?;
    let guard = PoolsOff {
        cmd: pooladm(&["-d"]),
        errlog: errlog.to_path_buf(),
    };
    for f in [&a, &b] {
        poolcfg(tools_dir, root, "discover", f, errlog)?;
        poolcfg(
            tools_dir,
            root,
            "create pset ps1 (uint pset.min = 1; uint pset.max = 1)",
            f,
            errlog,
        )?;
        poolcfg(tools_dir, root, "create pool web", f, errlog)?;
    }
    poolcfg(tools_dir, root, "associate pool web (pset ps1)", &a, errlog)?;
    poolcfg(
        tools_dir,
        root,
        "associate pool web (pset pset_default)",
        &b,
        errlog,
    )?;
    pooladm(&["-c"]).arg(&a).run(errlog)?;
    let zr = ZoneRoot::new(root.to_path_buf(), tools.clone(), errlog.to_path_buf());
    for i in 0..zones {
        let z = format!("pz{i}");
        zr.create_with(&z, "set pool=web")?;
        zr.boot_cmd(&z).run(errlog)?;
    }
    let mut commit_ms = Vec::new();
    for i in 0..runs {
        let conf = if i % 2 == 0 { &b } else { &a };
        let t = pooladm(&["-c"]).arg(conf).run(errlog)?;
        commit_ms.push(t.as_secs_f64() * 1e3);
    }
    drop(zr);
    drop(guard);
    let (setup_us, devices_us, remove_us) = cgroup_costs(root, runs.max(50))?;
    Ok(PoolFigures {
        zones,
        commit_ms,
        setup_us,
        devices_us,
        remove_us,
    })
}

/// Disable the pools facility of the scratch root when done (also on failure).
struct PoolsOff {
    cmd: Cmd,
    errlog: std::path::PathBuf,
}

impl Drop for PoolsOff {
    fn drop(&mut self) {
        let _ = self.cmd.run(&self.errlog);
    }
}

/// What `zone::ready` does to cgroups, timed on its own: create the zone's cgroup in every
/// hierarchy, write its limits; apply a default zone's devices rules; then remove it.
fn cgroup_costs(root: &Path, n: usize) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let backend = cgroup::probe().map_err(|e| BenchError::Setup(format!("cgroups: {e}")))?;
    let parent = cgroup::parent_name(root, "zones");
    let limits = Limits {
        cpu_shares: Some(1),
        memory_limit: Some(256 << 20),
        pids_max: Some(1000),
        ..Default::default()
    };
    let mut rules = vec![DeviceRule::DENY_ALL];
    rules.extend(devices::STANDARD);
    let (mut setup, mut devs, mut remove) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let path = format!("{parent}/cgbench{i}");
        let err = |e: cgroup::CgroupError| BenchError::Setup(format!("cgroup {path}: {e}"));
        let t = Instant::now();
        let cg = backend
            .create_everywhere(&path, &Controller::ZONE)
            .and_then(|cg| cg.apply(&limits).map(|_| cg))
            .map_err(err)?;
        setup.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let applied = cg.apply_devices(&rules);
        devs.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let removed = cg.remove();
        remove.push(t.elapsed().as_secs_f64() * 1e6);
        applied.and(removed).map_err(err)?;
    }
    if let Ok(p) = backend.open(&parent) {
        let _ = p.remove_if_empty();
    }
    Ok((setup, devs, remove))
}

pub fn report(f: &PoolFigures) -> String {
    let s = |v: &[f64]| {
        stats::summarize(v).unwrap_or(stats::Summary {
            median: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            n: 0,
        })
    };
    let (c, st, dv, rm) = (
        s(&f.commit_ms),
        s(&f.setup_us),
        s(&f.devices_us),
        s(&f.remove_us),
    );
    format!(
        "pools: pooladm -c moving {} bound zones: median {:.1} ms (min {:.1}, max {:.1}; goal <= 100 ms: {})\n\
         cgroup set-up per zone at boot (every hierarchy + limits): median {:.0} us (min {:.0}); devices rules median {:.0} us (min {:.0}); removal median {:.0} us\n",
        f.zones,
        c.median,
        c.min,
        c.max,
        if c.median <= 100.0 { "met" } else { "missed" },
        st.median,
        st.min,
        dv.median,
        dv.min,
        rm.median,
    )
}
