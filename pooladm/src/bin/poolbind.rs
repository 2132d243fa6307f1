//! poolbind: bind processes to a pool, run a command bound to a pool, or show bindings.

#[path = "../common.rs"]
mod common;

use common::{die, warn, E_ERROR, E_SUCCESS, E_USAGE};
use libzone::pool::{Facility, PoolKernel};
use std::os::unix::process::CommandExt;
use zones_cli::getopt;
use zones_cli::poolbind::Poolbind;

const PROG: &str = "poolbind";

const USAGE: &str = "Usage:\n\
                     \x20   poolbind -p pool_name -e command [arguments...]\n\
                     \x20   poolbind -p pool_name [-i pid | -i taskid | -i projid | -i zoneid] id ...\n\
                     \x20   poolbind -q pid ...\n\
                     \x20   poolbind -Q pid ... \n";

fn usage() -> ! {
    eprint!("{USAGE}");
    std::process::exit(E_USAGE)
}

#[derive(PartialEq, Eq)]
enum Mode {
    Bind,
    Query,
    QueryResources,
}

fn main() {
    let parsed = match getopt::parse_in_order::<Poolbind>(common::args()) {
        Ok(parsed) => parsed,
        Err(stop) => {
            common::answer_requests(PROG, &stop, USAGE);
            common::report_bad_option(PROG, &stop);
            usage()
        }
    };
    let args = parsed.args;
    let (mut e, mut i, mut p, mut q, mut big_q) = (false, false, false, false, false);
    let mut idtype = "pid".to_string();
    let mut pool: Option<String> = None;
    let mut idtypes = args.idtypes.into_iter();
    let mut pools = args.pools.into_iter();
    // Each option as poolbind meets it: one that an earlier one excludes is refused there.
    for opt in parsed.order {
        match opt {
            'Q' => {
                if q || i || p {
                    usage();
                }
                big_q = true;
            }
            'e' => {
                if i || q || big_q {
                    usage();
                }
                e = true;
            }
            'i' => {
                let Some(t) = idtypes.next() else { usage() };
                let known = ["pid", "taskid", "projid", "project", "zoneid"].contains(&t.as_str());
                if i || q || big_q || !known {
                    usage();
                }
                idtype = t;
                i = true;
            }
            'p' => {
                let Some(name) = pools.next() else { usage() };
                if p || q || big_q {
                    usage();
                }
                pool = Some(name);
                p = true;
            }
            'q' => {
                if p || i || big_q {
                    usage();
                }
                q = true;
            }
            // -R: its value is all there is to it.
            _ => {}
        }
    }
    if let Some(stop) = &parsed.stop {
        common::report_bad_option(PROG, stop);
        usage();
    }
    let ids = args.operands;
    if e && pool.is_none() {
        usage();
    }
    if ids.is_empty() || !(p || q || big_q) {
        usage();
    }

    let root = common::root(args.root);
    let mut facility = Facility::new(&root, common::kernel(PROG, &root));
    match facility.is_enabled() {
        Ok(true) => {}
        Ok(false) => die(
            PROG,
            "couldn't open pools state file: Facility is not active",
        ),
        Err(err) => die(
            PROG,
            &format!("couldn't open pools state file: {}", err.reason()),
        ),
    }

    if e {
        let pool = pool.unwrap_or_default();
        if let Err(err) = facility.bind_pid(std::process::id() as i32, &pool) {
            warn(PROG, &format!("binding to pool '{pool}': {}", err.reason()));
            std::process::exit(E_ERROR);
        }
        let err = std::process::Command::new(&ids[0]).args(&ids[1..]).exec();
        die(
            PROG,
            &format!(
                "exec of {} failed: {}",
                ids[0],
                libzone::pool::error::io_reason(&err)
            ),
        );
    }

    if idtype == "zoneid" && p {
        std::process::exit(bind_zones(&root, pool.as_deref().unwrap_or(""), &ids));
    }
    if idtype != "pid" {
        die(
            PROG,
            &format!("binding by {idtype} is not supported; use -i pid or -i zoneid"),
        );
    }
    let mode = if p {
        Mode::Bind
    } else if q {
        Mode::Query
    } else {
        Mode::QueryResources
    };
    let status = process_ids(&mut facility, mode, pool.as_deref().unwrap_or(""), &ids);
    std::process::exit(status)
}

fn process_ids<K: PoolKernel>(
    facility: &mut Facility<K>,
    mode: Mode,
    pool: &str,
    ids: &[String],
) -> i32 {
    let mut status = E_SUCCESS;
    for arg in ids {
        let Ok(pid) = arg.parse::<i32>() else {
            warn(PROG, &format!("invalid pid '{arg}'"));
            status = E_ERROR;
            continue;
        };
        match mode {
            Mode::Bind => {
                if let Err(err) = facility.bind_pid(pid, pool) {
                    warn(
                        PROG,
                        &format!("binding pid {pid} to pool '{pool}': {}", err.reason()),
                    );
                    status = E_ERROR;
                }
            }
            Mode::Query => match facility.pool_of_pid(pid) {
                Ok(name) => println!("{pid}\t{name}"),
                Err(err) => {
                    warn(
                        PROG,
                        &format!("couldn't determine binding for pid {pid}: {}", err.reason()),
                    );
                    status = E_ERROR;
                }
            },
            Mode::QueryResources => match facility.pset_of_pid(pid) {
                Ok(name) => println!("{pid}\tpset\t{name}"),
                Err(err) => {
                    warn(
                        PROG,
                        &format!("getting 'pset' binding for {pid}: {}", err.reason()),
                    );
                    status = E_ERROR;
                }
            },
        }
    }
    status
}

/// `-i zoneid`: each id is a zone name or zone id; the zone's supervisor moves the whole
/// zone onto the pool's processor set.
fn bind_zones(root: &std::path::Path, pool: &str, ids: &[String]) -> i32 {
    let store = libzone::store::Store::new(root);
    let mut status = E_SUCCESS;
    for id in ids {
        if let Err(e) = libzone::admin::lifecycle::bind_pool(&store, id, pool) {
            let msg = match e {
                libzone::admin::AdminError::Zone { msg, .. }
                    if msg.starts_with("invalid zone") || msg.contains("is not active") =>
                {
                    msg
                }
                other => format!("binding zoneid {id} to pool '{pool}': {other}"),
            };
            warn(PROG, &msg);
            status = E_ERROR;
        }
    }
    status
}
