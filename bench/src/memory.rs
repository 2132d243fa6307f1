//! What an idle running zone costs the host in memory: the proportional set size of its
//! supervisor (zoneadmd) and of every process in the zone (zinit when idle), plus what the
//! kernel holds for it (slab objects: namespaces, mounts, cgroups, pty, sockets, dentries and
//! inodes; kernel stacks; page tables), as the difference of `/proc/meminfo` before and after
//! booting K zones, divided by K. `MemAvailable` is the cross-check that sees everything.

use crate::error::{BenchError, Result};
use crate::zones::ZoneRoot;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The `/proc/meminfo` fields we report, in kB.
pub const FIELDS: [&str; 7] = [
    "MemAvailable",
    "Slab",
    "SReclaimable",
    "SUnreclaim",
    "KernelStack",
    "PageTables",
    "Shmem",
];

/// `name: value kB` lines of `/proc/meminfo` (values in kB).
pub fn parse_meminfo(text: &str) -> BTreeMap<String, i64> {
    text.lines()
        .filter_map(|l| {
            let (k, rest) = l.split_once(':')?;
            let v = rest.split_whitespace().next()?.parse().ok()?;
            Some((k.trim().to_string(), v))
        })
        .collect()
}

/// The `Pss:` line of a `smaps_rollup`, in kB.
pub fn parse_pss(text: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

pub(crate) fn pss_of(pid: i32) -> Result<i64> {
    let path = format!("/proc/{pid}/smaps_rollup");
    let text = std::fs::read_to_string(&path).map_err(BenchError::io(&path))?;
    parse_pss(&text).ok_or_else(|| BenchError::Setup(format!("{path}: no Pss line")))
}

/// The median of `samples` readings of `/proc/meminfo`, `gap` apart, field by field (one
/// reading can catch another program's burst; the median of five rarely does).
pub(crate) fn meminfo_median(samples: usize, gap: Duration) -> Result<BTreeMap<String, i64>> {
    let mut seen: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for i in 0..samples {
        if i > 0 {
            crate::stop::sleep(gap)?;
        }
        let text =
            std::fs::read_to_string("/proc/meminfo").map_err(BenchError::io("/proc/meminfo"))?;
        let m = parse_meminfo(&text);
        for f in FIELDS {
            if let Some(v) = m.get(f) {
                seen.entry(f.to_string()).or_default().push(*v);
            }
        }
    }
    Ok(seen
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_unstable();
            let mid = v[v.len() / 2];
            (k, mid)
        })
        .collect())
}

/// The memory figures of K idle zones over several rounds (totals over the K zones, kB).
#[derive(Debug, Clone)]
pub struct MemReport {
    pub zones: usize,
    pub idle: Duration,
    pub rounds: usize,
    /// Sum of the zoneadmd PSS, median over the rounds.
    pub supervisor_pss: i64,
    /// Sum of the PSS of every process in the zones' cgroups, median over the rounds.
    pub zone_pss: i64,
    /// How many processes ran in the zones (all of them), in the last round.
    pub zone_procs: usize,
    /// Per meminfo field, every estimate of what the K zones cost: one from booting them
    /// (after − before) and one from halting them (after − after halt) per round.
    pub estimates: BTreeMap<String, Vec<i64>>,
}

fn median(v: &[i64]) -> i64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => 0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

impl MemReport {
    /// The median estimate of a meminfo field's growth, kB.
    pub fn delta(&self, field: &str) -> i64 {
        self.estimates.get(field).map(|v| median(v)).unwrap_or(0)
    }

    /// The smallest and largest estimate of a field's growth, kB.
    pub fn range(&self, field: &str) -> (i64, i64) {
        let v = self.estimates.get(field).cloned().unwrap_or_default();
        (
            v.iter().copied().min().unwrap_or(0),
            v.iter().copied().max().unwrap_or(0),
        )
    }

    /// What the zones cost, kB: PSS of their processes and supervisors, plus the growth of
    /// slab, kernel stacks and page tables.
    pub fn total(&self) -> i64 {
        self.supervisor_pss
            + self.zone_pss
            + self.delta("Slab")
            + self.delta("KernelStack")
            + self.delta("PageTables")
    }
}

/// The pids in a cgroup directory.
fn cgroup_pids(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Configure and install `k` zones; then, `rounds` times: read meminfo, boot them, let them
/// idle for `idle`, read meminfo and the PSS of their processes, halt them, read meminfo again.
/// Other work on the machine moves these counters too; several rounds, and estimates from both
/// the boot and the halt, let the median stand apart from one burst.
pub fn measure(
    zr: &ZoneRoot,
    k: usize,
    rounds: usize,
    idle: Duration,
    errlog: &Path,
) -> Result<MemReport> {
    let names: Vec<String> = (0..k).map(|i| format!("idle{i}")).collect();
    for z in &names {
        crate::stop::check()?;
        zr.create(z)?;
    }
    let settle = Duration::from_secs(1);
    let sample = |n| meminfo_median(n, Duration::from_millis(100));
    let (mut sup, mut zon) = (Vec::new(), Vec::new());
    let mut zone_procs = 0;
    let mut estimates: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    // Let the install's writeback and slab settle before the first baseline.
    crate::stop::sleep(settle)?;
    let mut before = sample(5)?;
    for _ in 0..rounds.max(1) {
        for z in &names {
            crate::stop::check()?;
            zr.boot_cmd(z).run(errlog)?;
        }
        crate::stop::sleep(idle)?;
        let after = sample(5)?;
        let (mut s, mut zp) = (0, 0);
        zone_procs = 0;
        for z in &names {
            let p = zr.procs(z)?;
            s += pss_of(p.supervisor)?;
            // Every process of the zone is in each of its cgroups; the first one will do.
            let pids = match p.cgroups.first() {
                Some(dir) => cgroup_pids(dir),
                None => vec![p.init],
            };
            for pid in pids {
                // A process may exit between the listing and the read; it then costs nothing.
                if let Ok(kb) = pss_of(pid) {
                    zp += kb;
                    zone_procs += 1;
                }
            }
        }
        sup.push(s);
        zon.push(zp);
        for z in &names {
            zr.halt_cmd(z).run(errlog)?;
        }
        crate::stop::sleep(settle)?;
        let post = sample(5)?;
        for f in FIELDS {
            let (b, a, p) = (
                before.get(f).copied().unwrap_or(0),
                after.get(f).copied().unwrap_or(0),
                post.get(f).copied().unwrap_or(0),
            );
            let e = estimates.entry(f.to_string()).or_default();
            e.push(a - b);
            e.push(a - p);
        }
        before = post;
    }
    Ok(MemReport {
        zones: k,
        idle,
        rounds: rounds.max(1),
        supervisor_pss: median(&sup),
        zone_pss: median(&zon),
        zone_procs,
        estimates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_fields_in_kb() {
        let m = parse_meminfo("MemTotal:       24 kB\nSlab:  292704 kB\nHugePages_Total:  0\n");
        assert_eq!(m.get("Slab"), Some(&292704));
        assert_eq!(m.get("HugePages_Total"), Some(&0));
    }

    #[test]
    fn pss_from_rollup() {
        let t = "5650-7ffd ---p 00000000 00:00 0   [rollup]\nRss:  1628 kB\nPss:  264 kB\nPss_Anon: 112 kB\n";
        assert_eq!(parse_pss(t), Some(264));
        assert_eq!(parse_pss("Rss: 1 kB\n"), None);
    }

    #[test]
    fn total_adds_pss_and_median_kernel_growth() {
        let est = |v: &[i64]| v.to_vec();
        let r = MemReport {
            zones: 2,
            idle: Duration::ZERO,
            rounds: 2,
            supervisor_pss: 100,
            zone_pss: 50,
            zone_procs: 2,
            estimates: [
                ("Slab", est(&[300, 280, 5000, 320])),
                ("KernelStack", est(&[64, 64, 64, 64])),
                ("PageTables", est(&[20, -900, 20, 20])),
                ("MemAvailable", est(&[-600, -500, -700])),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        };
        // One burst of other work (5000, -900) does not move the medians.
        assert_eq!(r.delta("Slab"), 310);
        assert_eq!(r.delta("PageTables"), 20);
        assert_eq!(r.delta("MemAvailable"), -600);
        assert_eq!(r.range("Slab"), (280, 5000));
        assert_eq!(r.total(), 100 + 50 + 310 + 64 + 20);
        assert_eq!(r.delta("Shmem"), 0);
    }
}
