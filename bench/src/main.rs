//! zones-bench: in one run, compare zone boot-to-first-command with `crun run`, `zlogin` with
//! `nsenter` and `crun exec`, and measure the host memory an idle running zone costs. Needs
//! root, crun, nsenter and busybox-static; makes everything it uses in a temp dir and removes
//! it again, also on Ctrl-C or failure. See bench/README.md for the method.

mod clone;
mod cmd;
mod error;
mod install;
mod memory;
mod net;
mod oci;
mod pair;
mod pools;
mod report;
mod stats;
mod stop;
mod whole;
mod zones;

use clap::Parser;
use error::{BenchError, Result};
use pair::{paired, Samples};
use report::Row;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zones::{Tools, ZoneRoot};

/// Targets (from the issue): boot to first command ≤ 0.5× crun run, zlogin ≤ 1.2× nsenter,
/// ≤ 1 MiB of host memory per idle running zone.
const TARGET_BOOT: f64 = 0.5;
const TARGET_ZLOGIN: f64 = 1.2;
const TARGET_MEM_KIB: f64 = 1024.0;
/// Boot of a Debian zone to its login prompt ≤ 1.0× `systemd-nspawn -b` of the same tree.
const TARGET_WHOLE_BOOT: f64 = 1.0;

#[derive(Parser, Debug)]
#[command(
    name = "zones-bench",
    about = "Paired A/B timings of zone boot and zlogin against crun and nsenter, and memory per idle zone"
)]
struct Opts {
    /// Paired runs per row (each side runs this often, A B A B ...).
    #[arg(short = 'n', long, default_value_t = 30)]
    runs: usize,
    /// Unrecorded warm-up rounds before each row.
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Zones booted for the memory figure.
    #[arg(short = 'k', long, default_value_t = 20)]
    zones: usize,
    /// Seconds the zones idle before memory is read.
    #[arg(long, default_value_t = 5)]
    idle: u64,
    /// Boot-measure-halt rounds of the memory figure.
    #[arg(long, default_value_t = 3)]
    mem_rounds: usize,
    /// Directory of zonecfg, zoneadm, zoneadmd, zinit and zlogin (default: next to this binary).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Leave out the timing rows.
    #[arg(long)]
    skip_timing: bool,
    /// Leave out the memory figure.
    #[arg(long)]
    skip_memory: bool,
    /// Zones bound to a pool for the `pooladm -c` figure.
    #[arg(long, default_value_t = 100)]
    pool_zones: usize,
    /// Leave out the pool figures.
    #[arg(long)]
    skip_pools: bool,
    /// Leave out the install figure (`zoneadm install -a` of a tar vs `tar -x`).
    #[arg(long)]
    skip_install: bool,
    /// Size of the install figure's archive, MiB.
    #[arg(long, default_value_t = 250)]
    install_mb: u64,
    /// Paired runs of the install figure (each writes the archive's size twice).
    #[arg(long, default_value_t = 5)]
    install_runs: usize,
    /// Leave out the clone figure (zoneadm clone vs cp -a).
    #[arg(long)]
    skip_clone: bool,
    /// Paired runs of the clone figure (each copies the whole tree).
    #[arg(long, default_value_t = 5)]
    clone_runs: usize,
    /// The tree the cloned zone's root is made of (default: part of the host's /usr).
    #[arg(long)]
    clone_tree: Option<PathBuf>,
    /// Leave out the network figures.
    #[arg(long)]
    skip_net: bool,
    /// MiB sent per TCP transfer of the network throughput rows.
    /// (256: shorter transfers end before TCP's window has grown and vary with where the
    /// scheduler puts the two ends.)
    #[arg(long, default_value_t = 256)]
    net_mib: u64,
    /// Leave out the whole-root (Debian with systemd) figures.
    #[arg(long)]
    skip_whole: bool,
    /// Paired boots of the Debian zone and of systemd-nspawn -b.
    #[arg(long, default_value_t = 5)]
    whole_runs: usize,
    /// Idle Debian zones booted for the memory figure of systemd zones.
    #[arg(long, default_value_t = 3)]
    whole_zones: usize,
    /// The Debian tree (default: the one the whole_systemd test caches under
    /// target/debian-root/).
    #[arg(long)]
    debian_root: Option<PathBuf>,
    /// systemd-nspawn to compare with (default: from $PATH).
    #[arg(long)]
    nspawn: Option<PathBuf>,
    /// Exit with status 3 when a target is missed.
    #[arg(long)]
    strict: bool,
}

/// `name` in `$PATH` (or the usual system directories, which `sudo` may have cut from it).
fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain([
            "/usr/local/sbin",
            "/usr/local/bin",
            "/usr/sbin",
            "/usr/bin",
            "/sbin",
            "/bin",
        ])
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file());
    found
}

fn need(name: &str, package: &str) -> Result<PathBuf> {
    find_in_path(name).ok_or_else(|| {
        BenchError::Setup(format!(
            "{name} not found: apt-get install {package} (scripts/bench checks this)"
        ))
    })
}

/// `YYYY-MM-DD HH:MM UTC` for a time in seconds since the epoch (no time-zone database).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02} UTC")
}

fn first_line_of(program: &Path, arg: &str) -> String {
    std::process::Command::new(program)
        .arg(arg)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "?".into())
}

fn header(opts: &Opts, crun: &Path) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let uname = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_else(|_| "?".into());
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let args: Vec<String> = std::env::args().collect();
    format!(
        "zones-bench, {}: kernel {uname}, {cpus} CPUs, {}, load average {}\ncommand: {}\n{} paired runs per row after {} warm-up round(s); times are spawn to reap, ms\n",
        utc(now),
        first_line_of(crun, "--version"),
        loadavg(),
        args.join(" "),
        opts.runs,
        opts.warmup
    )
}

/// The 1, 5 and 15 minute load averages: other work on the machine shows in every figure.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn progress(msg: &str) {
    eprintln!("zones-bench: {msg}");
}

/// The timing rows. `halts` collects the (untimed-in-the-row) halt times.
fn timing(
    opts: &Opts,
    zr: &ZoneRoot,
    crun: &oci::Crun,
    bundles: &oci::Bundles,
    nsenter: &Path,
    errlog: &Path,
) -> Result<Vec<Row>> {
    let (n, w) = (opts.runs, opts.warmup);
    let zone = "bench";
    progress("configuring and installing the zone");
    zr.create(zone)?;
    let boot = zr.boot_cmd(zone);
    let halt = zr.halt_cmd(zone);
    let zlogin = zr.zlogin_cmd(zone, &["/bin/true"]);
    let run_id = crun.id("run");
    let crun_run = crun.run_cmd(&bundles.run_true, &run_id);
    let mut rows = Vec::new();
    let mut halts = Vec::new();
    let mut halted = 0usize;
    let mut halt_after = |halts: &mut Vec<f64>| -> Result<()> {
        let t = halt.run(errlog)?;
        // The first `w` halts of each row belong to its warm-up rounds.
        if halted % (w + n) >= w {
            halts.push(t.as_secs_f64() * 1e3);
        }
        halted += 1;
        Ok(())
    };

    progress("row 1: zoneadm boot + zlogin /bin/true vs crun run");
    let s = {
        let mut a = || {
            let t = boot.run(errlog)? + zlogin.run(errlog)?;
            halt_after(&mut halts)?;
            Ok(t)
        };
        let mut b = || crun_run.run(errlog);
        paired(w, n, &mut a, Some(&mut b))?
    };
    rows.push(row(
        "boot + zlogin /bin/true vs crun run",
        format!(
            "{}; {}   (then {}, untimed)",
            boot.display(),
            zlogin.display(),
            halt.display()
        ),
        Some(crun_run.display()),
        s,
        Some(TARGET_BOOT),
    ));

    progress("row 2: zoneadm boot vs crun run");
    let s = {
        let mut a = || {
            let t = boot.run(errlog)?;
            halt_after(&mut halts)?;
            Ok(t)
        };
        let mut b = || crun_run.run(errlog);
        paired(w, n, &mut a, Some(&mut b))?
    };
    rows.push(row(
        "boot alone vs crun run",
        format!("{}   (then {}, untimed)", boot.display(), halt.display()),
        Some(crun_run.display()),
        s,
        None,
    ));

    progress("rows 3-5: zlogin, nsenter, crun exec and zoneadm list on running zone/container");
    boot.run(errlog)?;
    let init = zr.procs(zone)?.init;
    let exec_id = crun.id("exec");
    crun.start_detached(&bundles.sleeper, &exec_id)?;
    let nsenter_cmd = cmd::Cmd::new(nsenter).args(["-t", &init.to_string(), "-a", "/bin/true"]);
    let crun_exec = crun.exec_cmd(&exec_id, &["/bin/true"]);
    let s = paired(
        w,
        n,
        &mut || zlogin.run(errlog),
        Some(&mut || nsenter_cmd.run(errlog)),
    )?;
    rows.push(row(
        "zlogin /bin/true vs nsenter -a",
        zlogin.display(),
        Some(nsenter_cmd.display()),
        s,
        Some(TARGET_ZLOGIN),
    ));
    let s = paired(
        w,
        n,
        &mut || zlogin.run(errlog),
        Some(&mut || crun_exec.run(errlog)),
    )?;
    rows.push(row(
        "zlogin /bin/true vs crun exec",
        zlogin.display(),
        Some(crun_exec.display()),
        s,
        None,
    ));
    let list = zr.list_cmd();
    let s = paired(w, n, &mut || list.run(errlog), None)?;
    rows.push(row(
        "zoneadm list -cv (1 zone running)",
        list.display(),
        None,
        s,
        None,
    ));
    halt.run(errlog)?;
    crun.delete(&exec_id);
    rows.push(row(
        "zoneadm halt (after rows 1-2)",
        halt.display(),
        None,
        Samples {
            a: halts,
            b: Vec::new(),
        },
        None,
    ));

    progress("noise row: crun run vs crun run");
    let s = paired(
        w,
        n,
        &mut || crun_run.run(errlog),
        Some(&mut || crun_run.run(errlog)),
    )?;
    rows.push(row(
        "noise: crun run vs crun run",
        crun_run.display(),
        Some(crun_run.display()),
        s,
        None,
    ));
    Ok(rows)
}

/// The network rows (see `net`), a summary in absolute terms and whether its goals are met.
fn net_rows(
    opts: &Opts,
    zr: &ZoneRoot,
    work: &Path,
    errlog: &Path,
) -> Result<(Vec<Row>, String, bool)> {
    let (n, w) = (opts.runs, opts.warmup);
    let lan = net::Lan::new()?;
    let altroot = work.join("net-root");
    std::fs::create_dir_all(&altroot).map_err(BenchError::io(&altroot))?;
    let mut rows = Vec::new();
    let setup = net::setup_row(&lan, &altroot, w, n)?;
    let setup_ms = stats::summarize(&setup.a)
        .map(|s| s.median)
        .unwrap_or(f64::NAN);
    rows.push(row(
        "net set-up, 1 shared-IP interface vs bare veth",
        format!(
            "libzone::net::apply (macvlan over {} into a new netns, address, shim, host route)",
            lan.nic
        ),
        Some("one veth made into a new netns, address, up (rtnetlink)".into()),
        setup,
        None,
    ));
    let zone = "benchnet";
    zr.create_with(
        zone,
        &format!(
            "add net; set address={}/24; set physical={}; end",
            net::ZONE,
            lan.nic
        ),
    )?;
    zr.boot_cmd(zone).run(errlog)?;
    let zone_ns = net::zone_netns(zr, zone)?;
    let bytes = opts.net_mib.max(1) * 1024 * 1024;
    let measured = net::throughput_rows(&lan, std::os::fd::AsFd::as_fd(&zone_ns), bytes, w, n);
    drop(zone_ns);
    zr.halt_cmd(zone).run(errlog)?;
    let (out, inn) = measured?;
    let mib = opts.net_mib.max(1);
    let mut lines = format!(
        "network set-up per boot per interface: median {setup_ms:.3} ms, goal ≤ {} ms: {}\n",
        net::TARGET_SETUP_MS,
        if setup_ms <= net::TARGET_SETUP_MS {
            "met"
        } else {
            "missed"
        }
    );
    for (name, s) in [("zone → client", &out), ("client → zone", &inn)] {
        let a = stats::summarize(&s.a).map(|x| x.median).unwrap_or(f64::NAN);
        let b = stats::summarize(&s.b).map(|x| x.median).unwrap_or(f64::NAN);
        let ratio = stats::summarize(&stats::ratios(&s.b, &s.a))
            .map(|x| x.median)
            .unwrap_or(f64::NAN);
        lines.push_str(&format!(
            "TCP {name}: {:.0} MiB/s vs {:.0} MiB/s between plain namespaces: {ratio:.3}× (goal ≥ 0.9×)\n",
            net::mib_per_s(bytes, a),
            net::mib_per_s(bytes, b)
        ));
    }
    rows.push(row(
        &format!("TCP {mib} MiB zone → client vs netns → netns"),
        format!(
            "{}:* → {}:* in-process sender/receiver, zone over macvlan on {}",
            net::ZONE,
            net::CLIENT,
            lan.nic
        ),
        Some("10.202.0.1 → 10.202.0.2 over a veth pair between two namespaces".into()),
        out,
        Some(net::TARGET_THROUGHPUT_TIME_RATIO),
    ));
    rows.push(row(
        &format!("TCP {mib} MiB client → zone vs netns → netns"),
        format!("{} → {}", net::CLIENT, net::ZONE),
        Some("10.202.0.2 → 10.202.0.1".into()),
        inn,
        Some(net::TARGET_THROUGHPUT_TIME_RATIO),
    ));
    let ok = setup_ms <= net::TARGET_SETUP_MS;
    Ok((rows, lines, ok))
}

fn row(name: &str, a_cmd: String, b_cmd: Option<String>, s: Samples, target: Option<f64>) -> Row {
    Row {
        name: name.into(),
        a_cmd,
        b_cmd,
        a: s.a,
        b: s.b,
        target,
    }
}

/// Everything, in an order whose reverse is the clean-up: temp dir, crun namespace, zones,
/// containers. Returns the exit code.
fn run(opts: &Opts) -> Result<i32> {
    if !nix::unistd::geteuid().is_root() {
        return Err(BenchError::Setup(
            "must run as root (zones and crun need namespaces, mounts and cgroups): sudo scripts/bench"
                .into(),
        ));
    }
    if opts.runs == 0 {
        return Err(BenchError::Setup("--runs must be at least 1".into()));
    }
    let bin_dir = match &opts.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .ok_or_else(|| BenchError::Setup("cannot find our own directory".into()))?,
    };
    let tools = Tools::in_dir(&bin_dir)?;
    let crun_bin = need("crun", "crun")?;
    let nsenter = need("nsenter", "util-linux")?;
    let busybox = need("busybox", "busybox-static")?;
    stop::install()?;
    cmd::become_subreaper()?;
    // Made while we are still single-threaded (setns into a mount namespace requires it).
    let ns = oci::CrunNamespace::create()?;

    let work = tempfile::Builder::new()
        .prefix("zones-bench-")
        .tempdir()
        .map_err(BenchError::io(std::env::temp_dir()))?;
    let errlog = work.path().join("stderr.log");
    let altroot = work.path().join("root");
    let state = work.path().join("crun-state");
    for d in [&altroot, &state] {
        std::fs::create_dir_all(d).map_err(BenchError::io(d))?;
    }
    print!("{}", header(opts, &crun_bin));
    println!("scratch: {}\n", work.path().display());

    let bundles = oci::make_bundles(&work.path().join("oci"), &busybox, &crun_bin, &errlog)?;
    let zr = ZoneRoot::new(altroot, tools, errlog.clone());
    let crun = oci::Crun::new(crun_bin, state, &ns, errlog.clone());

    let mut missed = false;
    if !opts.skip_timing {
        let rows = timing(opts, &zr, &crun, &bundles, &nsenter, &errlog)?;
        missed |= rows.iter().any(|r| r.met() == Some(false));
        println!("{}", report::table(&rows));
    }
    if !opts.skip_memory && opts.zones > 0 {
        progress(&format!(
            "memory: {} round(s) of booting {} zones and idling {} s",
            opts.mem_rounds, opts.zones, opts.idle
        ));
        let m = memory::measure(
            &zr,
            opts.zones,
            opts.mem_rounds,
            Duration::from_secs(opts.idle),
            &errlog,
        )?;
        missed |= (m.total() as f64 / m.zones as f64) > TARGET_MEM_KIB;
        println!("{}", report::memory(&m, TARGET_MEM_KIB));
    }
    if !opts.skip_pools {
        progress(&format!(
            "pools: {} zones bound to a pool, {} commits",
            opts.pool_zones, opts.runs
        ));
        let proot = work.path().join("pools-root");
        std::fs::create_dir_all(&proot).map_err(BenchError::io(&proot))?;
        let tools = Tools::in_dir(&bin_dir)?;
        let f = pools::measure(
            &tools,
            &bin_dir,
            &proot,
            opts.pool_zones,
            opts.runs,
            &errlog,
        )?;
        println!("{}", pools::report(&f));
    }
    if !opts.skip_install && opts.install_runs > 0 {
        let iroot = work.path().join("install-root");
        std::fs::create_dir_all(&iroot).map_err(BenchError::io(&iroot))?;
        let tools = Tools::in_dir(&bin_dir)?;
        let r = install::measure(
            &tools,
            &iroot,
            work.path(),
            opts.install_mb,
            opts.install_runs,
            opts.warmup,
            &errlog,
            &progress,
        )?;
        missed |= r.met() == Some(false);
        println!("{}", report::table(std::slice::from_ref(&r)));
    }
    if !opts.skip_clone && opts.clone_runs > 0 {
        progress(&format!(
            "clone: {} paired runs of zoneadm clone and cp -a",
            opts.clone_runs
        ));
        let croot = work.path().join("clone-root");
        std::fs::create_dir_all(&croot).map_err(BenchError::io(&croot))?;
        let tools = Tools::in_dir(&bin_dir)?;
        let row = clone::measure(
            &tools,
            &croot,
            opts.clone_tree.as_deref(),
            &busybox,
            opts.clone_runs,
            opts.warmup,
            &errlog,
        )?;
        missed |= row.met() == Some(false);
        println!("{}", report::table(&[row]));
    }
    if !opts.skip_net {
        progress("network: set-up per interface, TCP throughput zone <-> client namespace");
        let (rows, summary, ok) = net_rows(opts, &zr, work.path(), &errlog)?;
        missed |= !ok || rows.iter().any(|r| r.met() == Some(false));
        println!("{}{summary}", report::table(&rows));
    }
    if !opts.skip_whole {
        let tree = opts
            .debian_root
            .clone()
            .or_else(|| whole::default_tree(&bin_dir));
        match tree.filter(|t| t.join("etc/os-release").exists()) {
            None => println!(
                "whole-root zones: skipped: no Debian tree (run `cargo test -p zones-tests --test whole_systemd` once, or give --debian-root)\n"
            ),
            Some(tree) => {
                progress("whole-root: Debian zone boot vs systemd-nspawn -b, memory of idle systemd zones");
                let tools = Tools::in_dir(&bin_dir)?;
                let r = whole::measure(&whole::WholeOpts {
                    tools: &tools,
                    work: work.path(),
                    tree: &tree,
                    nspawn: opts.nspawn.clone().or_else(|| find_in_path("systemd-nspawn")),
                    runs: opts.whole_runs.max(1),
                    warmup: opts.warmup,
                    mem_zones: opts.whole_zones,
                    idle: Duration::from_secs(opts.idle),
                    errlog: &errlog,
                })?;
                let row = Row {
                    name: "Debian zone boot to login vs systemd-nspawn -b".into(),
                    a_cmd: r.zone_cmd.clone(),
                    b_cmd: r.nspawn_skipped.is_none().then(|| r.nspawn_cmd.clone()),
                    a: r.boot.a.clone(),
                    b: r.boot.b.clone(),
                    target: r.nspawn_skipped.is_none().then_some(TARGET_WHOLE_BOOT),
                };
                missed |= row.met() == Some(false);
                println!("{}", report::table(&[row]));
                println!("{}", report::whole(&r, &tree));
            }
        }
    }
    println!("load average at the end: {}", loadavg());
    progress("cleaning up");
    drop(crun);
    drop(zr);
    drop(ns);
    work.close().map_err(BenchError::io(std::env::temp_dir()))?;
    Ok(if missed && opts.strict { 3 } else { 0 })
}

fn main() {
    let opts = Opts::parse();
    let code = match run(&opts) {
        Ok(code) => code,
        Err(BenchError::Interrupted) => {
            eprintln!("zones-bench: interrupted; everything it made has been removed");
            130
        }
        Err(e) => {
            eprintln!("zones-bench: {e}");
            1
        }
    };
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_795_551_540), "2026-11-24 20:19 UTC");
    }

    #[test]
    fn options_default_to_the_issue() {
        let o = Opts::parse_from(["zones-bench"]);
        assert_eq!((o.runs, o.warmup, o.zones), (30, 1, 20));
        let o = Opts::parse_from(["zones-bench", "-n", "5", "-k", "3", "--skip-memory"]);
        assert_eq!((o.runs, o.zones, o.skip_memory), (5, 3, true));
    }

    #[test]
    fn finds_sh() {
        assert!(find_in_path("sh").is_some());
        assert!(find_in_path("no-such-program-zb").is_none());
    }
}
