//! pooladm: enable or disable the pools facility, commit a static configuration, save or
//! remove the running one, or print it.

#[path = "../common.rs"]
mod common;

use common::{die, E_SUCCESS, E_USAGE};
use libzone::pool::facility::{load_static, save_static};
use libzone::pool::{Facility, PoolError, PoolErrorCode};
use std::path::PathBuf;
use zones_cli::getopt;
use zones_cli::pooladm::Pooladm;

const PROG: &str = "pooladm";

const USAGE: &str = "Usage:\tpooladm [-n] [-s] [-c] [filename]\n\
                     Usage:\tpooladm [-n] -x\n\
                     Usage:\tpooladm -d | -e\n";

fn usage() -> ! {
    eprint!("{USAGE}");
    std::process::exit(E_USAGE)
}

/// Failures that mean "this configuration does not fit this machine".
fn cannot_instantiate(e: &PoolError) -> bool {
    matches!(
        e,
        PoolError::Allocation(_) | PoolError::Code(PoolErrorCode::InvalidConf)
    )
}

/// Die of a configuration at `loc` the facility refused: it cannot be instantiated on this
/// machine, or `what` failed for another reason.
fn refused(loc: &str, err: &PoolError, what: &str) -> ! {
    if cannot_instantiate(err) {
        die(
            PROG,
            &format!("configuration at '{loc}' cannot be instantiated on current system"),
        );
    }
    die(PROG, &format!("{what}: {}", err.reason()))
}

fn main() {
    let args = match getopt::parse::<Pooladm>(common::args()) {
        Ok(args) => args,
        Err(stop) => {
            common::answer_requests(PROG, &stop, USAGE);
            common::report_bad_option(PROG, &stop);
            usage()
        }
    };
    let (c, d, e, n, s, x) = (
        args.commit,
        args.disable,
        args.enable,
        args.dry_run,
        args.save,
        args.remove,
    );
    if (c || s || d || e) && x {
        usage();
    }
    if (d || e) && (c || s || x) {
        usage();
    }
    if d && e {
        usage();
    }
    let root = common::root(args.root);
    let mut facility = Facility::new(&root, common::kernel(PROG, &root));
    let operands = args.operands;
    let static_location: PathBuf = if !(c || s) {
        if !operands.is_empty() {
            usage();
        }
        facility.static_conf_path()
    } else {
        match operands.as_slice() {
            [] => facility.static_conf_path(),
            [f] => f.into(),
            _ => usage(),
        }
    };
    let loc = static_location.display().to_string();

    if !n && (c || d || e || x) && !common::privileged() {
        die(PROG, "insufficient privileges");
    }

    if d {
        if let Err(err) = facility.disable() {
            die(PROG, &format!("cannot disable pools: {}", err.reason()));
        }
    } else if e {
        if let Err(err) = facility.enable() {
            die(PROG, &format!("cannot enable pools: {}", err.reason()));
        }
    } else if !(c || s || x) {
        match facility.info() {
            Ok(text) => print!("{text}"),
            Err(err) => die(
                PROG,
                &format!("couldn't open pools state file: {}", err.reason()),
            ),
        }
    } else if x {
        if !n {
            match facility.remove_dynamic() {
                Ok(()) => {}
                Err(err @ PoolError::NotActive) => die(
                    PROG,
                    &format!("couldn't open pools state file: {}", err.reason()),
                ),
                Err(err) => die(
                    PROG,
                    &format!("couldn't remove dynamic configuration: {}", err.reason()),
                ),
            }
        }
    } else if c {
        let cfg = match load_static(&static_location) {
            Ok(cfg) => cfg,
            Err(err) => die(
                PROG,
                &format!("couldn't open configuration at '{loc}': {}", err.reason()),
            ),
        };
        if let Err(err) = facility.validate_static(&cfg) {
            refused(
                &loc,
                &err,
                &format!("couldn't open configuration at '{loc}'"),
            );
        }
        if !n {
            if let Err(err) = facility.commit_static(&cfg) {
                let what = format!("couldn't commit configuration changes at '{loc}'");
                refused(&loc, &err, &what);
            }
            if s {
                if let Err(err) = save_static(&static_location, &cfg) {
                    die(
                        PROG,
                        &format!(
                            "couldn't commit configuration changes at '{loc}': {}",
                            err.reason()
                        ),
                    );
                }
            }
        }
    } else if s && !n {
        match facility.save(&static_location) {
            Ok(()) => {}
            Err(err @ PoolError::NotActive) => die(
                PROG,
                &format!("couldn't open pools state file: {}", err.reason()),
            ),
            Err(err) => die(
                PROG,
                &format!(
                    "couldn't export pools state file to '{loc}': {}",
                    err.reason()
                ),
            ),
        }
    }
    std::process::exit(E_SUCCESS)
}
