//! Shared by the pool commands: what getopt(3C) says where it stops, the answers to
//! `-V`/`--help`, messages and exit codes. The command lines themselves are the clap structs
//! of `zones_cli` (`pooladm`, `poolcfg`, `poolbind`, `poolstat`).

#![allow(dead_code)]

use std::path::PathBuf;
use zones_cli::getopt::{self, Stop};

pub const E_SUCCESS: i32 = 0;
pub const E_ERROR: i32 = 1;
pub const E_USAGE: i32 = 2;

/// What getopt(3C) itself prints where it stopped at a bad option (commands whose option
/// string does not start with `:`); nothing for other stops.
pub fn report_bad_option(prog: &str, stop: &Stop) {
    match stop {
        Stop::Unknown(c) => eprintln!("{prog}: illegal option -- {c}"),
        Stop::MissingArgument(c) => eprintln!("{prog}: option requires an argument -- {c}"),
        _ => {}
    }
}

/// Answer `-V`/`--version` and `--help` (`usage` on standard output), which end the command
/// with status 0; other stops are the caller's.
pub fn answer_requests(prog: &str, stop: &Stop, usage: &str) {
    match stop {
        Stop::Version => {
            println!("{}", getopt::version_line(prog));
            std::process::exit(E_SUCCESS)
        }
        Stop::Help => {
            print!("{usage}");
            std::process::exit(E_SUCCESS)
        }
        _ => {}
    }
}

/// The program's arguments without its name.
pub fn args() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// Print `<prog>: <msg>` on stderr.
pub fn warn(prog: &str, msg: &str) {
    eprintln!("{prog}: {msg}");
}

/// Print `<prog>: <msg>` on stderr and exit 1.
pub fn die(prog: &str, msg: &str) -> ! {
    warn(prog, msg);
    std::process::exit(E_ERROR)
}

/// The alternate root given with `-R` (default `/`).
pub fn root(arg: Option<PathBuf>) -> PathBuf {
    arg.unwrap_or_else(|| PathBuf::from("/"))
}

/// Whether the caller may change the pools configuration (Solaris' `PRIV_SYS_RES_CONFIG`).
pub fn privileged() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The kernel side of pools: cpuset cgroups of this host (per alternate root).
pub fn kernel(prog: &str, root: &std::path::Path) -> libzone::pool::CpusetKernel {
    match libzone::pool::CpusetKernel::new(root) {
        Ok(k) => k,
        Err(e) => die(prog, &format!("cannot use cgroups: {e}")),
    }
}
