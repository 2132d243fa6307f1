//! How long zonecfg takes over a large command file: a 10,000-line script using every
//! resource type is parsed line by line (`parse_line`), run through a `Session` against an
//! in-memory repository, and the result exported. Each phase is timed on its own, over
//! several repetitions; the minimum and median are printed. Goal: total ≤ 50 ms (release).
//!
//! `cargo bench -p libzone --bench zonecfg_parse`

use libzone::config::ZoneConfig;
use libzone::state::ZoneState;
use libzone::store::{Repository, StoreError};
use libzone::zonecfg::export::export;
use libzone::zonecfg::parser::parse_line;
use libzone::zonecfg::session::{Flow, Mode, Options, Session, Ui};
use libzone::zonecfg::{Command, ParseError};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const LINES: usize = 10_000;
const REPETITIONS: usize = 15;
const ZONE: &str = "benchzone";

/// A repository holding one zone in memory; templates are empty configurations.
#[derive(Default)]
struct MemRepo {
    zone: RefCell<Option<ZoneConfig>>,
}

impl Repository for MemRepo {
    fn load(&self, zone: &str) -> Result<Option<ZoneConfig>, StoreError> {
        Ok(self.zone.borrow().clone().filter(|c| c.name == zone))
    }
    fn template(&self, name: &str) -> Result<Option<ZoneConfig>, StoreError> {
        Ok(match name {
            "SYSdefault" | "SYSblank" | "SUNWdefault" | "SUNWblank" => Some(ZoneConfig::default()),
            other => self.load(other)?,
        })
    }
    fn state(&self, zone: &str) -> Result<Option<ZoneState>, StoreError> {
        Ok(self.load(zone)?.map(|_| ZoneState::Configured))
    }
    fn commit(&self, _old: Option<&str>, cfg: &ZoneConfig) -> Result<(), StoreError> {
        *self.zone.borrow_mut() = Some(cfg.clone());
        Ok(())
    }
    fn delete(&self, _zone: &str) -> Result<(), StoreError> {
        *self.zone.borrow_mut() = None;
        Ok(())
    }
    fn detached(&self, _zonepath: &str) -> Result<Option<ZoneConfig>, StoreError> {
        Ok(None)
    }
}

/// Collects what the session prints.
#[derive(Default)]
struct Sink {
    out: usize,
    err: String,
}

impl Ui for Sink {
    fn out(&mut self, text: &str) {
        self.out += text.len();
    }
    fn err(&mut self, text: &str) {
        self.err.push_str(text);
    }
    fn confirm(&mut self, _prompt: &str) -> bool {
        false
    }
}

/// The command file: global properties and aliases, every singleton (capped-cpu is added
/// and removed again, since it excludes dedicated-cpu), then repeated blocks of every
/// multi-instance resource type until `LINES` lines.
fn script() -> Vec<String> {
    let mut l: Vec<String> = [
        "# zonecfg bench: every resource type",
        "create -b",
        "set zonepath=/zones/benchzone",
        "set brand=sparse",
        "set autoboot=true",
        "set bootargs=\"-m verbose\"",
        "set limitpriv=default,sys_time",
        "set scheduling-class=FSS",
        "set ip-type=shared",
        "set hostid=0x1234abcd",
        "set fs-allowed=ext4,xfs",
        "set max-lwps=5000",
        "set max-processes=4000",
        "set max-shm-memory=1G",
        "set max-shm-ids=100",
        "set max-msg-ids=100",
        "set max-sem-ids=100",
        "add capped-cpu",
        "set ncpus=1.5",
        "end",
        "remove capped-cpu",
        "add dedicated-cpu",
        "set ncpus=1-2",
        "set importance=2",
        "end",
        "add capped-memory",
        "set physical=1G",
        "set swap=2G",
        "set locked=512M",
        "end",
        "add security-flags",
        "set lower=none",
        "set default=aslr",
        "set upper=all",
        "end",
        "add rctl",
        "set name=zone.max-lofi",
        "add value (priv=privileged,limit=10,action=deny)",
        "end",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut i = 0;
    while l.len() < LINES - 2 {
        let block = [
            "add fs".to_string(),
            format!("set dir=/data/d{i}"),
            format!("set special=/export/d{i}"),
            "set type=lofs".to_string(),
            "add options ro".to_string(),
            "add options [nodevices,nosetuid]".to_string(),
            "end".to_string(),
            "add inherit-pkg-dir".to_string(),
            format!("set dir=/opt/pkg{i}"),
            "end".to_string(),
            "add net".to_string(),
            format!("set address=10.{}.{}.1/24", i / 250, i % 250),
            format!("set physical=eth{}", i % 4),
            "end".to_string(),
            "add device".to_string(),
            format!("set match=/dev/dsk/c0t{i}d0s*"),
            "end".to_string(),
            "add attr".to_string(),
            format!("set name=comment-{i}"),
            "set type=string".to_string(),
            format!("set value=\"entry number {i}\""),
            "end".to_string(),
            "add dataset".to_string(),
            format!("set name=tank/zones/ds{i}"),
            "end".to_string(),
            "add admin".to_string(),
            format!("set user=user{i}"),
            "set auths=login,manage".to_string(),
            "end".to_string(),
            "remove rctl name=zone.max-lofi".to_string(),
            "add rctl".to_string(),
            "set name=zone.max-lofi".to_string(),
            format!("add value (priv=privileged,limit={},action=deny)", 1000 + i),
            "end".to_string(),
            "select rctl name=zone.max-lofi".to_string(),
            format!("add value (priv=privileged,limit={},action=none)", 2000 + i),
            "end".to_string(),
        ];
        l.extend(block);
        i += 1;
    }
    while l.len() < LINES - 1 {
        l.push("# padding".to_string());
    }
    l.push("verify".to_string());
    l.truncate(LINES);
    l
}

type Parsed = Vec<Vec<Result<Command, ParseError>>>;

fn parse_all(lines: &[String]) -> Parsed {
    lines
        .iter()
        .enumerate()
        .map(|(n, line)| parse_line(line, n + 1))
        .collect()
}

fn run_session(parsed: &Parsed) -> (ZoneConfig, Sink) {
    let repo = MemRepo::default();
    let mut sink = Sink::default();
    let mut opts = Options::new(Mode::File("bench".to_string()));
    opts.stdin_is_tty = false;
    let mut session = match Session::open(&repo, ZONE, opts, &mut sink) {
        Ok(s) => s,
        Err(e) => panic!("cannot open a session: {e}"),
    };
    'lines: for line in parsed {
        for item in line {
            let flow = match item {
                Ok(cmd) => session.execute(cmd, &mut sink),
                Err(e) => session.parse_error(e, &mut sink),
            };
            if flow == Flow::Exit {
                break 'lines;
            }
        }
    }
    let cfg = session.config().cloned().unwrap_or_default();
    (cfg, sink)
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let lines = script();
    assert_eq!(lines.len(), LINES);
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();

    // Check once, untimed, that every command was accepted, so the timings are of the work
    // and not of error paths.
    let parsed = parse_all(&lines);
    let (cfg, sink) = run_session(&parsed);
    assert!(sink.err.is_empty(), "the script has errors:\n{}", sink.err);
    let exported = export(&cfg);
    let mut summary = String::new();
    let _ = write!(
        summary,
        "{} fs, {} inherit-pkg-dir, {} net, {} device, {} attr, {} dataset, {} admin, {} rctl ({} values), dedicated-cpu: {}, capped-memory: {}, security-flags: {}",
        cfg.fs.len(),
        cfg.inherit_pkg_dirs.len(),
        cfg.nets.len(),
        cfg.devices.len(),
        cfg.attrs.len(),
        cfg.datasets.len(),
        cfg.admins.len(),
        cfg.rctls.len(),
        cfg.rctls.iter().map(|r| r.values.len()).sum::<usize>(),
        cfg.dedicated_cpu.is_some(),
        cfg.mcap.is_some(),
        cfg.security_flags.is_some(),
    );

    let (mut tp, mut ts, mut te, mut tt) = (vec![], vec![], vec![], vec![]);
    for _ in 0..REPETITIONS {
        let t0 = Instant::now();
        let parsed = parse_all(&lines);
        let t1 = Instant::now();
        let (cfg, _sink) = run_session(&parsed);
        let t2 = Instant::now();
        let text = export(&cfg);
        let t3 = Instant::now();
        std::hint::black_box(text);
        tp.push(t1 - t0);
        ts.push(t2 - t1);
        te.push(t3 - t2);
        tt.push(t3 - t0);
    }
    println!(
        "zonecfg_parse: {LINES} lines ({bytes} bytes), {REPETITIONS} repetitions; export {} lines",
        exported.lines().count()
    );
    println!("  config: {summary}");
    for (name, v) in [
        ("parse", tp),
        ("session", ts),
        ("export", te),
        ("total", tt),
    ] {
        let (min, median) = stats(v);
        println!(
            "  {name:<8} min {:>8.3} ms   median {:>8.3} ms",
            ms(min),
            ms(median)
        );
    }
}
