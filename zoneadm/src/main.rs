//! zoneadm: administer zones (list, verify, install, boot, halt, ...). The command line is
//! `zones_cli::zoneadm`'s clap structs, read as illumos reads it (global options, then the
//! subcommand and its own options); usage errors print Solaris' usage texts (`usage.rs`);
//! each subcommand is a thin module of `commands/` calling libzone.

mod commands;
mod usage;

use libzone::admin::AdminError;
use libzone::store::{Store, StoreError};
use std::process::exit;
use zones_cli::getopt::{self, Stop};
use zones_cli::zoneadm::{SubcommandLine, Zoneadm};

const EXIT_OK: i32 = 0;
const EXIT_ERR: i32 = 1;
const EXIT_USAGE: i32 = 2;

pub struct Ctx {
    pub store: Store,
    pub zone: Option<String>,
}

impl Ctx {
    /// `zoneadm: zone 'z': msg` (or `zoneadm: msg` without a zone), as illumos zerror().
    pub fn zerror(&self, msg: &str) {
        match &self.zone {
            Some(z) => eprintln!("zoneadm: zone '{z}': {msg}"),
            None => eprintln!("zoneadm: {msg}"),
        }
    }

    pub fn fail(&self, e: AdminError) -> i32 {
        match e {
            AdminError::Store(StoreError::NoSuchZone { zone }) => {
                eprintln!("zoneadm: {zone}: No such zone configured")
            }
            AdminError::Store(e) => self.zerror(&e.to_string()),
            other => self.zerror(&other.to_string()),
        }
        EXIT_ERR
    }

    /// Report what a lifecycle step noted on the way (`Ok(Some(note))`).
    pub fn noted(&self, result: Result<Option<String>, AdminError>) -> Result<(), AdminError> {
        result.map(|note| {
            if let Some(n) = note {
                self.zerror(&n);
            }
        })
    }
}

/// zoneadm's usage: asked for (`help`, `-?`, `--help`: stdout, exit 0) or after a misuse
/// (stderr, exit 2).
pub fn usage_exit(explicit: bool) -> ! {
    if explicit {
        print!("{}", usage::usage(true));
        exit(EXIT_OK)
    }
    eprint!("{}", usage::usage(false));
    exit(EXIT_USAGE)
}

/// A subcommand's usage after its misuse (zoneadm's for a hidden subcommand).
fn sub_usage_exit(name: &str) -> ! {
    eprint!("{}", usage::sub_usage(name));
    exit(EXIT_USAGE)
}

/// The global options; a misuse of them gets zoneadm's usage.
fn global_options(argv: Vec<String>) -> Zoneadm {
    match getopt::parse::<Zoneadm>(argv) {
        Ok(z) if z.subcommand.is_empty() => usage_exit(false),
        Ok(z) => z,
        Err(Stop::Version) => {
            println!("{}", getopt::version_line("zoneadm"));
            exit(EXIT_OK)
        }
        Err(Stop::Help) => usage_exit(true),
        Err(_) => usage_exit(false),
    }
}

/// The subcommand and its options: a misused subcommand gets its own usage, an unknown one
/// zoneadm's.
fn subcommand(words: Vec<String>) -> zones_cli::zoneadm::Subcommand {
    let name = words.first().cloned().unwrap_or_default();
    match SubcommandLine::read(words) {
        Ok(sub) => sub,
        Err(_) if SubcommandLine::knows(&name) => sub_usage_exit(&name),
        Err(_) => usage_exit(false),
    }
}

fn main() {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let global = global_options(argv);
    let store = Store::new(global.root.unwrap_or_else(|| "/".into()));
    // Damaged index lines are reported; the zones of the good lines are served as usual.
    for w in store.index_warnings() {
        eprintln!("zoneadm: warning: {w}");
    }
    let mut zone = global.zone;
    if let Some(u) = global.uuid {
        match store.index().map(|v| v.into_iter().find(|e| e.uuid == u)) {
            Ok(Some(e)) if zone.as_ref().is_none_or(|z| *z == e.name) => zone = Some(e.name),
            Ok(_) => {
                eprintln!("zoneadm: {u}: No such zone configured");
                exit(EXIT_ERR);
            }
            Err(e) => {
                eprintln!("zoneadm: {e}");
                exit(EXIT_ERR);
            }
        }
    }
    let sub = subcommand(global.subcommand);
    let ctx = Ctx { store, zone };
    exit(commands::run(&ctx, sub));
}
