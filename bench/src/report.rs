//! The printed results: the timing table, the exact command lines behind it, and the memory
//! breakdown.

use crate::memory::MemReport;
use crate::stats::{ratios, summarize, Summary};
use crate::whole::WholeReport;

/// One line of the timing table.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    /// What A and B run, for the legend under the table.
    pub a_cmd: String,
    pub b_cmd: Option<String>,
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    /// The ratio A/B must not exceed this (median of the per-pair ratios).
    pub target: Option<f64>,
}

impl Row {
    pub fn ratio(&self) -> Option<Summary> {
        summarize(&ratios(&self.a, &self.b))
    }

    /// `Some(true)` when the target is met, `None` when the row has none.
    pub fn met(&self) -> Option<bool> {
        Some(self.ratio()?.median <= self.target?)
    }
}

fn ms(s: Option<Summary>) -> String {
    match s {
        Some(s) => format!("{:.2} ({:.2}–{:.2})", s.median, s.min, s.max),
        None => "—".into(),
    }
}

fn ratio(s: Option<Summary>) -> String {
    match s {
        Some(s) => format!("{:.3} ({:.2}–{:.2})", s.median, s.min, s.max),
        None => "—".into(),
    }
}

/// Pad to `w` characters (not bytes: the table has en dashes).
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

/// The table, aligned, with a legend of the exact commands.
pub fn table(rows: &[Row]) -> String {
    let head = [
        "row",
        "A median ms (min–max)",
        "B median ms (min–max)",
        "ratio A/B median (min–max)",
        "target",
        "result",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                ms(summarize(&r.a)),
                ms(summarize(&r.b)),
                ratio(r.ratio()),
                r.target
                    .map(|t| format!("≤ {t}×"))
                    .unwrap_or_else(|| "—".into()),
                match r.met() {
                    Some(true) => "met".into(),
                    Some(false) => "missed".into(),
                    None => "—".into(),
                },
            ]
        })
        .collect();
    let mut w = head.map(|h| h.chars().count());
    for c in &cells {
        for (i, s) in c.iter().enumerate() {
            w[i] = w[i].max(s.chars().count());
        }
    }
    let line = |c: &[String]| {
        c.iter()
            .enumerate()
            .map(|(i, s)| pad(s, w[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = String::new();
    out.push_str(&line(&head.map(String::from)));
    out.push('\n');
    out.push_str(&line(&w.map(|n| "-".repeat(n))));
    out.push('\n');
    for c in &cells {
        out.push_str(&line(c));
        out.push('\n');
    }
    out.push_str("\ncommands (n = runs per side):\n");
    for r in rows {
        out.push_str(&format!(
            "  {} (n = {}):\n    A: {}\n",
            r.name,
            r.a.len(),
            r.a_cmd
        ));
        if let Some(b) = &r.b_cmd {
            out.push_str(&format!("    B: {b}\n"));
        }
    }
    out
}

fn kib(v: i64, k: usize) -> String {
    format!("{v:>9} {:>10.1}", v as f64 / k.max(1) as f64)
}

/// The memory breakdown: every part, total and per zone, and the verdict against `target_kib`.
pub fn memory(r: &MemReport, target_kib: f64) -> String {
    let k = r.zones;
    let mut out = format!(
        "memory of {k} idle running zones ({} round(s), idle {} s before reading; Δ = median of {} estimates)\n{:<50} {:>9} {:>10}  {}\n",
        r.rounds,
        r.idle.as_secs(),
        2 * r.rounds,
        "part",
        "total KiB",
        "per zone",
        "estimates per zone, min..max",
    );
    let per = |v: i64| v as f64 / k.max(1) as f64;
    let mut line = |name: String, v: i64, range: Option<(i64, i64)>| {
        let spread = range
            .map(|(lo, hi)| format!("  {:.0}..{:.0}", per(lo), per(hi)))
            .unwrap_or_default();
        out.push_str(&format!("{:<50} {}{}\n", name, kib(v, k), spread));
    };
    line(
        format!("PSS of zoneadmd ({k} processes)"),
        r.supervisor_pss,
        None,
    );
    line(
        format!("PSS of the zones' processes ({} processes)", r.zone_procs),
        r.zone_pss,
        None,
    );
    for f in ["Slab", "SUnreclaim", "SReclaimable"] {
        let name = if f == "Slab" {
            "Δ Slab".to_string()
        } else {
            format!("  of which Δ {f}")
        };
        line(name, r.delta(f), Some(r.range(f)));
    }
    line(
        "Δ KernelStack".into(),
        r.delta("KernelStack"),
        Some(r.range("KernelStack")),
    );
    line(
        "Δ PageTables".into(),
        r.delta("PageTables"),
        Some(r.range("PageTables")),
    );
    let total = r.total();
    line(
        "total = PSS + Δ Slab + Δ KernelStack + Δ PageTables".into(),
        total,
        None,
    );
    let pz = per(total);
    out.push_str(&format!(
        "per zone: {:.0} KiB = {:.2} MiB; target ≤ {:.0} KiB (1 MiB): {}\n",
        pz,
        pz / 1024.0,
        target_kib,
        if pz <= target_kib { "met" } else { "missed" }
    ));
    // MemAvailable falls by what the zones take; shown as a cost, like the other parts.
    let (lo, hi) = r.range("MemAvailable");
    out.push_str(&format!(
        "cross-checks per zone: MemAvailable fell by {:.0} KiB ({:.0}..{:.0}; other work moves it most); Δ Shmem {:+.0} KiB\n",
        -per(r.delta("MemAvailable")),
        -per(hi),
        -per(lo),
        per(r.delta("Shmem")),
    ));
    out
}

/// The whole-root part below its timing row: what was skipped, and the memory of idle
/// systemd zones.
pub fn whole(r: &WholeReport, tree: &std::path::Path) -> String {
    let mut out = format!("whole-root zones: tree {}\n", tree.display());
    if let Some(why) = &r.nspawn_skipped {
        out.push_str(&format!("  systemd-nspawn -b: skipped: {why}\n"));
    }
    if let Some(m) = &r.mem {
        let k = m.zones.max(1) as f64;
        out.push_str(&format!(
            "memory of {} idle systemd zones (idle {} s after the login prompt; {:.1} processes per zone)\n",
            m.zones,
            m.idle.as_secs(),
            m.procs_per_zone
        ));
        for (name, v) in [
            ("PSS of the zones' processes", m.zone_pss),
            ("PSS of zoneadmd", m.supervisor_pss),
            ("Δ Slab + KernelStack + PageTables", m.kernel),
            ("Δ Shmem (tmpfs: the zones' /run, journal)", m.shmem),
        ] {
            out.push_str(&format!(
                "  {name:<46} {v:>9} KiB {:>10.1} per zone\n",
                v as f64 / k
            ));
        }
        out.push_str(&format!(
            "  {:<46} {:>9} {:>14.1} KiB per idle systemd zone\n",
            "total",
            "",
            m.per_zone()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(target: Option<f64>) -> Row {
        Row {
            name: "boot".into(),
            a_cmd: "zoneadm boot".into(),
            b_cmd: Some("crun run".into()),
            a: vec![1.0, 2.0, 3.0],
            b: vec![4.0, 4.0, 4.0],
            target,
        }
    }

    #[test]
    fn verdict_on_median_ratio() {
        assert_eq!(row(Some(0.5)).met(), Some(true));
        assert_eq!(row(Some(0.4)).met(), Some(false));
        assert_eq!(row(None).met(), None);
    }

    #[test]
    fn table_lines_up() {
        let t = table(&[row(Some(0.5))]);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("row "));
        assert!(lines[2].contains("2.00 (1.00–3.00)"), "{t}");
        assert!(lines[2].contains("0.500 (0.25–0.75)"), "{t}");
        assert!(lines[2].ends_with("met"), "{t}");
        // Columns start at the same character offset on every line.
        let col = |l: &str| l.chars().position(|c| c == 'A' || c == '2');
        assert_eq!(col(lines[0]), col(lines[2]));
        assert!(t.contains("    B: crun run"));
    }
}
