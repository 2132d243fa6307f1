//! `poolstat`: statistics of the active pools and their processor sets, laid out as
//! illumos' poolstat does (field widths, number formats, `K`/`M` suffixes, `-` for a usage
//! that cannot be computed after a change of configuration).

use super::error::PoolError;
use super::facility::Facility;
use super::kernel::PoolKernel;
use super::model::PoolConfig;
use std::collections::HashMap;

/// A column of the `-r` report (`-o` selects and orders them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Pool,
    Type,
    Rid,
    Rset,
    Min,
    Max,
    Size,
    Used,
    Load,
}

pub const ALL_FIELDS: [Field; 10] = [
    Field::Id,
    Field::Pool,
    Field::Type,
    Field::Rid,
    Field::Rset,
    Field::Min,
    Field::Max,
    Field::Size,
    Field::Used,
    Field::Load,
];

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Pool => "pool",
            Field::Type => "type",
            Field::Rid => "rid",
            Field::Rset => "rset",
            Field::Min => "min",
            Field::Max => "max",
            Field::Size => "size",
            Field::Used => "used",
            Field::Load => "load",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        ALL_FIELDS.iter().copied().find(|f| f.name() == name)
    }

    fn width(self) -> usize {
        match self {
            Field::Id | Field::Rid => 3,
            Field::Pool | Field::Rset => 20,
            Field::Type | Field::Min | Field::Max | Field::Size | Field::Used | Field::Load => 4,
        }
    }

    fn is_text(self) -> bool {
        matches!(self, Field::Pool | Field::Type | Field::Rset)
    }
}

/// Parse `-o`: field names separated by blanks or commas.
pub fn parse_fields(spec: &str) -> Result<Vec<Field>, String> {
    spec.split([' ', ',', '\t', '\r', '\n', '\x0b', '\x0c'])
        .filter(|s| !s.is_empty())
        .map(|s| Field::from_name(s).ok_or_else(|| s.to_string()))
        .collect()
}

/// One processor set of one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub pool_id: i64,
    pub pool: String,
    pub rid: i64,
    pub rset: String,
    pub min: u64,
    pub max: u64,
    pub size: u64,
    pub used: f64,
    pub load: f64,
}

/// What went wrong building a report.
#[derive(Debug, thiserror::Error)]
pub enum StatError {
    #[error("cannot get statistics for pool '{0}'")]
    NoSuchPool(String),
    #[error(transparent)]
    Pool(#[from] PoolError),
}

fn fixed(v: f64, width: usize) -> String {
    let decimals = if v < 10.0 {
        width.saturating_sub(2)
    } else if v < 100.0 {
        width.saturating_sub(3)
    } else if v < 1000.0 {
        width.saturating_sub(4)
    } else {
        0
    };
    format!("{v:>width$.decimals$}")
}

/// `bigno_f`: numbers of 1000 and more with a K, M, G, T, P or E suffix.
fn big_number(v: u64, width: usize) -> String {
    if v < 1000 {
        return format!("{:>width$}", format!("{:.0}", v as f64));
    }
    const TAGS: [char; 6] = ['K', 'M', 'G', 'T', 'P', 'E'];
    let mut unit: u64 = 1000;
    let mut tag = 0;
    while tag + 1 < TAGS.len() && v / unit >= 1000 {
        unit *= 1000;
        tag += 1;
    }
    let pv = v as f64 / unit as f64;
    let mut pw = width as i64 - 4;
    if v / unit >= 100 {
        pw -= 2;
    } else if v / unit >= 10 {
        pw -= 1;
    }
    let pw = pw.max(0) as usize;
    let w = width.saturating_sub(1);
    format!("{pv:>w$.pw$}{}", TAGS[tag])
}

/// `STR` fields: left-justified, too long ones cut with `...`.
fn text(s: &str, width: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let shown: String = if chars.len() > width && width >= 4 {
        let keep = width - 4;
        chars[..keep].iter().collect::<String>() + "..."
    } else {
        s.to_string()
    };
    format!("{shown:<width$}")
}

fn header(fields: &[Field]) -> String {
    let cells: Vec<String> = fields
        .iter()
        .map(|f| {
            let w = f.width();
            if f.is_text() {
                format!("{:<w$}", f.name())
            } else {
                format!("{:>w$}", f.name())
            }
        })
        .collect();
    cells.join(" ")
}

fn cell(f: Field, r: &Row, changed: bool) -> String {
    let w = f.width();
    match f {
        Field::Id => format!("{:>w$}", r.pool_id),
        Field::Pool => text(&r.pool, w),
        Field::Type => text("pset", w),
        Field::Rid => format!("{:>w$}", r.rid),
        Field::Rset => text(&r.rset, w),
        Field::Min => big_number(r.min, w),
        Field::Max => big_number(r.max, w),
        Field::Size => format!("{:>w$}", r.size),
        Field::Used if changed => format!("{:>w$}", "-"),
        Field::Used => fixed(r.used, w),
        Field::Load => fixed(r.load, w),
    }
}

/// The default report: one line per pool with its set's size, usage and load.
pub fn pool_report(rows: &[Row]) -> String {
    let mut out = format!("{:>34}\n", "pset");
    out.push_str(&header(&[
        Field::Id,
        Field::Pool,
        Field::Size,
        Field::Used,
        Field::Load,
    ]));
    out.push('\n');
    for r in rows {
        out.push_str(&format!(
            "{:>3} {} {:>4} {} {}\n",
            r.pool_id,
            text(&r.pool, 20),
            r.size,
            fixed(r.used, 4),
            fixed(r.load, 4)
        ));
    }
    out
}

/// The `-r pset` report with the given fields; `changed` shows `-` for usage.
pub fn pset_report(rows: &[Row], fields: &[Field], changed: bool) -> String {
    let mut out = String::new();
    let head = header(fields);
    if !head.trim().is_empty() {
        out.push_str(&head);
        out.push('\n');
    }
    for r in rows {
        let cells: Vec<String> = fields.iter().map(|&f| cell(f, r, changed)).collect();
        out.push_str(&cells.join(" "));
        out.push('\n');
    }
    out
}

/// The rows for the chosen pools (`-p`: names or ids, in the order given), or for all pools
/// ordered by id.
pub fn rows(
    cfg: &PoolConfig,
    used: &HashMap<String, f64>,
    pools: &[String],
) -> Result<Vec<Row>, StatError> {
    let chosen: Vec<usize> = if pools.is_empty() {
        let mut all: Vec<usize> = (0..cfg.pools.len()).collect();
        all.sort_by_key(|&i| cfg.pools[i].sys_id().unwrap_or(i64::MAX));
        all
    } else {
        pools
            .iter()
            .map(|id| {
                let found = match id.parse::<i64>() {
                    Ok(n) => cfg.pools.iter().position(|p| p.sys_id() == Some(n)),
                    Err(_) => cfg.find_pool(id),
                };
                found.ok_or_else(|| StatError::NoSuchPool(id.clone()))
            })
            .collect::<Result<_, _>>()?
    };
    let mut out = Vec::new();
    for i in chosen {
        let pool = &cfg.pools[i];
        let Some(ps) = cfg.pool_pset(i) else {
            continue;
        };
        let pset = &cfg.psets[ps];
        out.push(Row {
            pool_id: pool.sys_id().unwrap_or(-1),
            pool: pool.name().to_string(),
            rid: pset.sys_id(),
            rset: pset.name().to_string(),
            min: pset.min(),
            max: pset.max(),
            size: pset.cpus.len() as u64,
            used: used.get(pset.name()).copied().unwrap_or(0.0),
            load: pset.props.uint("pset.load").unwrap_or(0) as f64 / 1000.0,
        });
    }
    Ok(out)
}

/// One refresh of the statistics.
pub struct Sample {
    pub config: PoolConfig,
    /// CPUs busy per processor set over the last interval (0 on the first sample).
    pub used: HashMap<String, f64>,
    /// The pools or sets changed since the previous sample.
    pub changed: bool,
}

/// Takes successive samples; usage is the busy share of each set's CPUs between two.
#[derive(Default)]
pub struct Sampler {
    previous: HashMap<String, (u64, u64)>,
    layout: Option<Vec<(String, i64, Vec<u32>)>>,
}

impl Sampler {
    pub fn new() -> Sampler {
        Sampler::default()
    }

    pub fn sample<K: PoolKernel>(&mut self, facility: &Facility<K>) -> Result<Sample, PoolError> {
        let config = facility.dynamic_config()?;
        let layout: Vec<(String, i64, Vec<u32>)> = config
            .pools
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let cpus = config
                    .pool_pset(i)
                    .map(|s| config.psets[s].cpu_ids())
                    .unwrap_or_default();
                (p.name().to_string(), p.sys_id().unwrap_or(-1), cpus)
            })
            .collect();
        let changed = self.layout.as_ref().is_some_and(|old| *old != layout);
        self.layout = Some(layout);
        let mut used = HashMap::new();
        let mut counters = HashMap::new();
        for pset in &config.psets {
            let usage = facility.kernel().pset_usage(pset.name())?;
            let value = match self.previous.get(pset.name()) {
                Some(&(busy, total)) if usage.total > total => {
                    let busy = usage.busy.saturating_sub(busy) as f64;
                    busy / (usage.total - total) as f64 * pset.cpus.len() as f64
                }
                _ => 0.0,
            };
            used.insert(pset.name().to_string(), value);
            counters.insert(pset.name().to_string(), (usage.busy, usage.total));
        }
        self.previous = counters;
        Ok(Sample {
            config,
            used,
            changed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::fake_kernel::FakeKernel;
    use crate::pool::kernel::PsetUsage;

    fn row(pool_id: i64, pool: &str, size: u64, used: f64, load: f64) -> Row {
        Row {
            pool_id,
            pool: pool.into(),
            rid: -1,
            rset: "pset_default".into(),
            min: 1,
            max: 65536,
            size,
            used,
            load,
        }
    }

    #[test]
    fn default_report() {
        let out = pool_report(&[
            row(0, "pool_default", 4, 3.6, 6.2),
            row(1, "pool_sales", 4, 3.3, 8.4),
        ]);
        assert_eq!(
            out,
            "                              pset\n id pool                 size used load\n\
             \x20 0 pool_default            4 3.60 6.20\n  1 pool_sales              4 3.30 8.40\n"
        );
    }

    #[test]
    fn pset_report_columns() {
        let rows = [row(0, "pool_default", 2, 0.0, 0.0)];
        assert_eq!(
            pset_report(&rows, &ALL_FIELDS, false),
            " id pool                 type rid rset                  min  max size used load\n\
             \x20 0 pool_default         pset  -1 pset_default            1  66K    2 0.00 0.00\n"
        );
        let fields = parse_fields("pool, size used").unwrap();
        assert_eq!(
            pset_report(&rows, &fields, true),
            "pool                 size used\npool_default            2    -\n"
        );
        assert_eq!(parse_fields("id bogus"), Err("bogus".into()));
    }

    #[test]
    fn number_formats() {
        assert_eq!(fixed(0.0, 4), "0.00");
        assert_eq!(fixed(12.34, 4), "12.3");
        assert_eq!(fixed(123.4, 4), " 123");
        assert_eq!(fixed(1234.0, 4), "1234");
        assert_eq!(big_number(1, 4), "   1");
        assert_eq!(big_number(999, 4), " 999");
        assert_eq!(big_number(1500, 4), "  2K");
        assert_eq!(big_number(1500, 6), " 1.50K");
        assert_eq!(big_number(65536, 4), " 66K");
        assert_eq!(big_number(4_294_967_295, 4), "  4G");
        assert_eq!(big_number(u64::MAX, 4), " 18E");
        assert_eq!(
            text("a-very-long-pool-name-indeed", 20),
            "a-very-long-pool... "
        );
    }

    #[test]
    fn rows_pick_pools() {
        let mut cfg = PoolConfig::with_defaults("h", &[0, 1]);
        cfg.psets[0]
            .props
            .set("pset.load", crate::pool::value::PropValue::Uint(250));
        let r = rows(&cfg, &HashMap::new(), &[]).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].load, 0.25);
        assert_eq!(rows(&cfg, &HashMap::new(), &["0".into()]).unwrap().len(), 1);
        assert_eq!(
            rows(&cfg, &HashMap::new(), &["pool_default".into()])
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            rows(&cfg, &HashMap::new(), &["nope".into()])
                .unwrap_err()
                .to_string(),
            "cannot get statistics for pool 'nope'"
        );
    }

    #[test]
    fn sampling() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = Facility::new(dir.path(), FakeKernel::new(4));
        f.enable().unwrap();
        let mut s = Sampler::new();
        f.kernel_mut().usage.insert(
            "pset_default".into(),
            PsetUsage {
                busy: 100,
                total: 400,
                load: 1.5,
            },
        );
        let first = s.sample(&f).unwrap();
        assert_eq!(first.used["pset_default"], 0.0);
        assert!(!first.changed);
        assert_eq!(first.config.psets[0].props.uint("pset.load"), Some(1500));
        f.kernel_mut().usage.insert(
            "pset_default".into(),
            PsetUsage {
                busy: 300,
                total: 800,
                load: 1.5,
            },
        );
        let second = s.sample(&f).unwrap();
        assert_eq!(second.used["pset_default"], 2.0);
        f.create_temporary("z", 1, 1, None).unwrap();
        let third = s.sample(&f).unwrap();
        assert!(third.changed);
    }
}
