//! How the zone store scales with the number of zones: a scratch store with 10,000
//! configured zones (index and zone files written directly), then
//!
//! - `list -c`: the rows of `zoneadm list -c` (index, runtime records), and `list -cv`
//!   (plus each zone's file for its brand and ip-type), in-process;
//! - 1,000 commits of new zones into that index, and 1,000 recommits of existing zones
//!   (each one a whole `Store::commit`: index lock, read, check, zone file, index file, with
//!   their fsyncs);
//! - lookups: one zone's index entry, one zone's configuration;
//! - a 200,000-line index whose every line is damaged, read;
//! - when the release binaries are built (`cargo build --release`), `zoneadm list -c`,
//!   `list -cv` and a one-shot `zonecfg` commit as processes.
//!
//! Minimum, median and maximum are printed. Goals: 10,000 zones listed ≤ 50 ms; each commit
//! into an index of 10,000 zones ≤ 5 ms.
//!
//! `cargo bench -p libzone --bench index_scale` (`-- ZONES` for another count)

use libzone::admin::list;
use libzone::config::ZoneConfig;
use libzone::state::ZoneState;
use libzone::store::{to_xml, Index, IndexEntry, Repository, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ZONES: usize = 10_000;
const COMMITS: usize = 1_000;
const LIST_RUNS: usize = 15;
const LOOKUPS: usize = 200;
const DAMAGED_LINES: usize = 200_000;
const PROCESS_RUNS: usize = 10;

fn zone(name: &str) -> ZoneConfig {
    ZoneConfig {
        name: name.to_string(),
        zonepath: format!("/zones/{name}"),
        brand: "sparse".to_string(),
        ..ZoneConfig::default()
    }
}

/// A store holding `n` configured zones `z0`..: the files as zonecfg would leave them,
/// written directly (committing them one by one would measure the same thing as below).
fn populate(root: &Path, n: usize) -> Store {
    let store = Store::new(root);
    // One commit installs the templates and writes a real index to start from.
    store.commit(None, &zone("z0")).expect("first commit");
    let mut index = store.read_index().expect("index");
    for i in 1..n {
        let name = format!("z{i}");
        std::fs::write(store.zone_xml_path(&name), to_xml(&zone(&name))).expect("zone file");
        index
            .entries
            .push(IndexEntry::configured(&name, &format!("/zones/{name}")));
    }
    std::fs::write(store.index_path(), index.format().expect("format")).expect("index");
    // The timings are of the commands, not of the write-back of these files.
    sync_all(root);
    store
}

/// Flush the file system holding `root` (`syncfs` of its root directory).
fn sync_all(root: &Path) {
    use std::os::fd::AsRawFd;
    let dir = std::fs::File::open(root).expect("open root");
    // SAFETY: syncfs only reads the descriptor, which `dir` keeps open.
    let rc = unsafe { libc::syncfs(dir.as_raw_fd()) };
    assert_eq!(rc, 0, "syncfs: {}", std::io::Error::last_os_error());
}

struct Stats {
    min: Duration,
    median: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Stats {
        min: v[0],
        median: at(0.5),
        p99: at(0.99),
        max: v[v.len() - 1],
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(what: &str, v: Vec<Duration>, goal_ms: Option<f64>) {
    let n = v.len();
    let s = stats(v);
    let goal = match goal_ms {
        Some(g) => format!(
            "  goal ≤ {g} ms: {}",
            if ms(s.median) <= g { "met" } else { "MISSED" }
        ),
        None => String::new(),
    };
    println!(
        "  {what:<44} n={n:<5} min {:>8.3}  median {:>8.3}  p99 {:>8.3}  max {:>8.3} ms{goal}",
        ms(s.min),
        ms(s.median),
        ms(s.p99),
        ms(s.max)
    );
}

fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let t = Instant::now();
    std::hint::black_box(f());
    t.elapsed()
}

/// The release binaries, when built: `target/release` next to this workspace.
fn release_bin(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/release")
        .join(name);
    p.exists().then_some(p)
}

fn time_process(bin: &Path, args: &[&str]) -> Duration {
    let t = Instant::now();
    let st = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn");
    let d = t.elapsed();
    assert!(st.success(), "{} {args:?} failed", bin.display());
    d
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(ZONES);
    let dir = tempfile::Builder::new()
        .prefix("zones-index-bench-")
        .tempdir()
        .expect("temp dir");
    let t = Instant::now();
    let store = populate(dir.path(), n);
    println!(
        "index_scale: {n} configured zones in {} (made in {:.0} ms)",
        dir.path().display(),
        ms(t.elapsed())
    );
    let bytes = std::fs::metadata(store.index_path()).map_or(0, |m| m.len());
    println!("  index: {bytes} bytes");

    let rows = list::name_rows(&store, ZoneState::Configured, None).expect("list");
    assert_eq!(rows.len(), n + 1);
    report(
        &format!("list -c ({n} zones, in-process)"),
        (0..LIST_RUNS)
            .map(|_| time(|| list::name_rows(&store, ZoneState::Configured, None)))
            .collect(),
        Some(50.0),
    );
    report(
        &format!("list -cv ({n} zones, in-process)"),
        (0..LIST_RUNS)
            .map(|_| time(|| list::rows(&store, ZoneState::Configured, None)))
            .collect(),
        None,
    );

    report(
        &format!("index entry lookup ({n} zones)"),
        (0..LOOKUPS)
            .map(|i| time(|| store.entry(&format!("z{}", i * 37 % n))))
            .collect(),
        None,
    );
    report(
        &format!("zone load ({n} zones)"),
        (0..LOOKUPS)
            .map(|i| time(|| store.load(&format!("z{}", i * 37 % n))))
            .collect(),
        None,
    );

    report(
        &format!("commit of a new zone (index of {n}+)"),
        (0..COMMITS)
            .map(|i| {
                let cfg = zone(&format!("new{i}"));
                time(|| store.commit(None, &cfg).expect("commit"))
            })
            .collect(),
        Some(5.0),
    );
    report(
        &format!("recommit of a zone (index of {})", n + COMMITS),
        (0..COMMITS)
            .map(|i| {
                let name = format!("z{}", i * 7 % n);
                let mut cfg = zone(&name);
                cfg.bootargs = format!("r{i}");
                time(|| store.commit(Some(&name), &cfg).expect("commit"))
            })
            .collect(),
        Some(5.0),
    );

    let damaged: String = (0..DAMAGED_LINES)
        .map(|i| format!("z{i}:bogus:/zones/z{i}:\n"))
        .collect();
    report(
        &format!("parse of a {DAMAGED_LINES}-line damaged index"),
        (0..5)
            .map(|_| time(|| Index::parse(&damaged).damaged.len()))
            .collect(),
        None,
    );

    let root = dir.path().to_string_lossy().into_owned();
    match (release_bin("zoneadm"), release_bin("zonecfg")) {
        (Some(zoneadm), Some(zonecfg)) => {
            let total = n + COMMITS;
            report(
                &format!("zoneadm list -c ({total} zones, process)"),
                (0..PROCESS_RUNS)
                    .map(|_| time_process(&zoneadm, &["-R", &root, "list", "-c"]))
                    .collect(),
                Some(50.0),
            );
            report(
                &format!("zoneadm list -cv ({total} zones, process)"),
                (0..PROCESS_RUNS)
                    .map(|_| time_process(&zoneadm, &["-R", &root, "list", "-cv"]))
                    .collect(),
                None,
            );
            report(
                &format!("zonecfg one-shot commit ({total} zones, process)"),
                (0..PROCESS_RUNS)
                    .map(|i| {
                        let set = format!("set bootargs=p{i}");
                        time_process(&zonecfg, &["-R", &root, "-z", "z1", &set])
                    })
                    .collect(),
                None,
            );
        }
        _ => println!("  (process timings skipped: build the release binaries first)"),
    }
}
