//! zones-autoboot: what the host's service manager runs when the host starts and stops
//! (`zones-pools.service`, `zones.service`, or `/etc/init.d/zones`), as Solaris runs
//! `svc-pools` and `svc-zones`. The work is libzone's (`admin::autoboot`); this parses the
//! command line, logs each step on standard error (the journal, under systemd) and maps
//! the outcome to the exit status.

use libzone::admin::autoboot::{self, PoolsAtStart, Report};
use libzone::store::Store;
use std::io::Write;
use std::process::exit;
use zones_cli::autoboot::{Args, Step};

const EXIT_OK: i32 = 0;
const EXIT_ERR: i32 = 1;
/// Some zones failed and the others were done: the service itself did its work.
const EXIT_SOME_FAILED: i32 = 3;

fn log(msg: &str) {
    // One write per line, so lines of zones working in parallel do not mix.
    let line = format!("zones-autoboot: {msg}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// The summary line and exit status of a start or a stop.
fn finish(what: &str, report: &Report) -> i32 {
    let failed = report.failed();
    let names: Vec<&str> = failed.iter().map(|o| o.zone.as_str()).collect();
    if failed.is_empty() {
        log(&format!("{what}: {} zone(s)", report.outcomes.len()));
        EXIT_OK
    } else {
        log(&format!(
            "{what}: {} zone(s), {} failed: {}",
            report.outcomes.len(),
            failed.len(),
            names.join(" ")
        ));
        EXIT_SOME_FAILED
    }
}

fn main() {
    let args = Args::from_env();
    let store = Store::new(args.root.clone());
    let zoneadmd = libzone::admin::helper("zoneadmd");
    let code = match args.step {
        Step::Start { parallel } => {
            match autoboot::boot_autoboot(&store, &zoneadmd, parallel, &log) {
                Ok(report) => finish("booted", &report),
                Err(e) => {
                    log(&format!("cannot boot zones: {e}"));
                    EXIT_ERR
                }
            }
        }
        Step::Stop => match autoboot::shutdown_all(&store, &zoneadmd, &log) {
            Ok(report) => finish("brought down", &report),
            Err(e) => {
                log(&format!("cannot bring zones down: {e}"));
                EXIT_ERR
            }
        },
        Step::Pools => {
            let result = libzone::pool::CpusetKernel::new(&args.root).and_then(|k| {
                autoboot::restore_pools(&mut libzone::pool::Facility::new(&args.root, k))
            });
            match result {
                Ok(PoolsAtStart::NoConfiguration) => {
                    log("pools: no static configuration; nothing to do");
                    EXIT_OK
                }
                Ok(PoolsAtStart::Applied(path)) => {
                    log(&format!("pools: enabled, running {}", path.display()));
                    EXIT_OK
                }
                Err(e) => {
                    log(&format!(
                        "pools: the static configuration cannot be committed; pools stay \
                         disabled: {}",
                        e.reason()
                    ));
                    EXIT_ERR
                }
            }
        }
    };
    exit(code);
}
