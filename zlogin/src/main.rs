//! zlogin: run a command in a running zone, log in to it on a pty made inside the zone, or
//! attach to its console. Exit status: the command's (128+signal when it was killed); 1 for
//! zlogin's own failures; 2 for usage errors.

mod command;
mod console;
mod login;
mod options;
mod setup;
mod target;

use options::{Options, ParseError, USAGE};
use std::io::IsTerminal;
use std::process::exit;

const EXIT_OK: i32 = 0;
const EXIT_ERR: i32 = 1;
const EXIT_USAGE: i32 = 2;

/// Print `zlogin: <msg>` on stderr.
pub fn zerror(msg: impl std::fmt::Display) {
    eprintln!("zlogin: {msg}");
}

/// Make sure descriptors 0, 1 and 2 are open (on /dev/null if need be), so pipes and files
/// zlogin opens never land on them and get handed to the zone as its stdio by mistake.
fn ensure_stdio() {
    for fd in 0..3 {
        // SAFETY: F_GETFD only asks whether the descriptor is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            // SAFETY: open returns the lowest free descriptor, which is `fd`; we keep it open
            // for the life of the process on purpose.
            unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        }
    }
}

fn args() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .unwrap_or_else(|a| a.to_string_lossy().into_owned())
        })
        .collect()
}

fn parse_or_exit() -> Options {
    match options::parse(&args()) {
        Ok(o) => o,
        Err(ParseError::Usage(msg)) => {
            if let Some(m) = msg {
                zerror(m);
            }
            eprintln!("{USAGE}");
            exit(EXIT_USAGE)
        }
        Err(ParseError::Fatal(m)) => {
            zerror(m);
            exit(EXIT_USAGE)
        }
        Err(ParseError::Version) => {
            println!("{}", zones_cli::getopt::version_line("zlogin"));
            exit(EXIT_OK)
        }
        Err(ParseError::Help) => {
            println!("{USAGE}");
            exit(EXIT_OK)
        }
    }
}

fn main() {
    // Nothing a zone runs may open our /proc entries (the host binary, our terminal): the
    // zone entry asks for this again before it joins a namespace; from the start it also
    // covers the console client and whatever zlogin opens before.
    let _ = nix::sys::prctl::set_dumpable(false);
    let opts = parse_or_exit();
    ensure_stdio();
    if !opts.root.is_dir() {
        zerror("root path must be a directory.");
        exit(EXIT_USAGE)
    }
    if opts.zfd {
        zerror("-I is not supported: zones here have no standalone-process (zfd) devices");
        exit(EXIT_ERR)
    }
    if opts.zone == libzone::config::GLOBAL_ZONE {
        zerror("'zlogin' not applicable to the global zone");
        exit(EXIT_ERR)
    }
    // Entering namespaces and the console socket are root's alone; say so plainly rather
    // than fail half-way with EPERM.
    if !nix::unistd::geteuid().is_root() {
        zerror("You lack sufficient privilege to run this command (all privs required)");
        exit(EXIT_ERR)
    }
    let code = if opts.console {
        console::run(&opts)
    } else {
        // Interactive: no utility (or -i), and a terminal to be interactive on.
        let interactive =
            (opts.command.is_empty() || opts.interactive) && std::io::stdin().is_terminal();
        match target::running(&opts) {
            Err(code) => code,
            Ok(rec) if interactive => login::run(&opts, rec),
            Ok(rec) => command::run(&opts, rec),
        }
    };
    exit(code)
}
