//! zoneadm: administer zones (list, verify, install, boot, halt, ...). Options are parsed by
//! hand, getopt-style, so usage errors and texts are Solaris' own.

mod usage;
mod verify;

use libzone::admin::{lifecycle, list, AdminError};
use libzone::state::ZoneState;
use libzone::store::{Store, StoreError};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::exit;

const EXIT_OK: i32 = 0;
const EXIT_ERR: i32 = 1;
const EXIT_USAGE: i32 = 2;

struct Ctx {
    store: Store,
    zone: Option<String>,
}

impl Ctx {
    /// `zoneadm: zone 'z': msg` (or `zoneadm: msg` without a zone), as illumos zerror().
    fn zerror(&self, msg: &str) {
        match &self.zone {
            Some(z) => eprintln!("zoneadm: zone '{z}': {msg}"),
            None => eprintln!("zoneadm: {msg}"),
        }
    }

    fn fail(&self, e: AdminError) -> i32 {
        match e {
            AdminError::Store(StoreError::NoSuchZone { zone }) => {
                eprintln!("zoneadm: {zone}: No such zone configured")
            }
            AdminError::Store(e) => self.zerror(&e.to_string()),
            AdminError::Zone { msg, .. } => self.zerror(&msg),
        }
        EXIT_ERR
    }

    fn zone(&self) -> &str {
        self.zone.as_deref().unwrap_or_default()
    }
}

fn usage_exit(explicit: bool) -> ! {
    if explicit {
        print!("{}", usage::usage(true));
        exit(EXIT_OK)
    }
    eprint!("{}", usage::usage(false));
    exit(EXIT_USAGE)
}

fn sub_usage_exit(name: &str) -> ! {
    eprint!("{}", usage::sub_usage(name));
    exit(EXIT_USAGE)
}

/// Arguments after `--` (boot arguments); anything else before it is a usage error.
fn boot_args(name: &str, args: &[String]) -> Vec<String> {
    match args.first().map(String::as_str) {
        None => Vec::new(),
        Some("--") => args[1..].to_vec(),
        Some(_) => sub_usage_exit(name),
    }
}

fn confirm(question: &str) -> bool {
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}

fn privileged(ctx: &Ctx, verb: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    ctx.zerror(&format!("only a privileged user may {verb} a zone."));
    false
}

fn cmd_list(ctx: &Ctx, args: &[String]) -> i32 {
    let (mut min, mut parsable, mut verbose) = (ZoneState::Running, false, false);
    for a in args {
        let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) else {
            sub_usage_exit("list");
        };
        for f in flags.chars() {
            match f {
                'c' if ctx.zone.is_none() => min = ZoneState::Configured,
                'i' if ctx.zone.is_none() => min = min.min(ZoneState::Installed),
                'p' => parsable = true,
                'v' => verbose = true,
                _ => sub_usage_exit("list"),
            }
        }
    }
    if parsable && verbose {
        ctx.zerror("list -p and -v are mutually exclusive.");
        return EXIT_ERR;
    }
    let rows = if verbose || parsable {
        list::rows(&ctx.store, min, ctx.zone.as_deref())
    } else {
        list::name_rows(&ctx.store, min, ctx.zone.as_deref())
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return ctx.fail(e),
    };
    let text = if verbose {
        list::verbose(&rows)
    } else if parsable {
        list::parsable(&rows)
    } else {
        list::names(&rows)
    };
    print!("{text}");
    EXIT_OK
}

/// Hidden `plan`: print the zone's compiled plan as an OCI runtime `config.json` (for
/// diagnosis, and for running a zone's plan under another OCI runtime).
fn cmd_plan(ctx: &Ctx, zone: &str) -> i32 {
    match lifecycle::plan(&ctx.store, zone) {
        Ok(p) => match serde_json::to_string_pretty(&p.spec) {
            Ok(json) => {
                println!("{json}");
                EXIT_OK
            }
            Err(e) => {
                ctx.zerror(&e.to_string());
                EXIT_ERR
            }
        },
        Err(e) => ctx.fail(e),
    }
}

fn run(ctx: &Ctx, sub: &str, args: &[String]) -> i32 {
    if ctx.zone.is_none() {
        ctx.zerror("no zone specified");
        usage_exit(false);
    }
    let zone = ctx.zone().to_string();
    if zone == libzone::config::GLOBAL_ZONE {
        ctx.zerror(&format!("{sub} operation is invalid for the global zone."));
        return EXIT_ERR;
    }
    if zone.starts_with("SUNW") {
        ctx.zerror(&format!(
            "{sub} operation is invalid for zones starting with SUNW."
        ));
        return EXIT_ERR;
    }
    if !privileged(ctx, sub) {
        return EXIT_ERR;
    }
    let zoneadmd = libzone::admin::helper("zoneadmd");
    // Progress notes (what zoneadm waits for) go to stderr at once.
    let mut say = |msg: &str| ctx.zerror(msg);
    let precheck = match sub {
        "install" => Some(libzone::state::Op::Install),
        "ready" => Some(libzone::state::Op::Ready),
        "boot" => Some(libzone::state::Op::Boot),
        _ => None,
    };
    if let Some(op) = precheck {
        if !verify::precheck(ctx, &zone, op) {
            return EXIT_ERR;
        }
    }
    let result = match sub {
        "boot" | "ready" => {
            let bargs = boot_args(sub, args);
            if sub == "ready" && !args.is_empty() {
                sub_usage_exit(sub);
            }
            let ready = sub == "ready";
            lifecycle::boot(&ctx.store, &zone, &bargs, ready, &zoneadmd, &mut say).map(|note| {
                if let Some(n) = note {
                    ctx.zerror(&n);
                }
            })
        }
        "halt" => {
            if !args.is_empty() {
                sub_usage_exit(sub);
            }
            lifecycle::halt(&ctx.store, &zone, &zoneadmd, &mut say).map(|note| {
                if let Some(n) = note {
                    ctx.zerror(&n);
                }
            })
        }
        "reboot" => {
            let bargs = boot_args(sub, args);
            lifecycle::reboot(&ctx.store, &zone, &bargs, &zoneadmd, &mut say)
        }
        "shutdown" => {
            let (reboot, rest) = match args.first().map(String::as_str) {
                Some("-r") => (true, &args[1..]),
                _ => (false, args),
            };
            let bargs = boot_args(sub, rest);
            if !reboot && !bargs.is_empty() {
                sub_usage_exit(sub);
            }
            lifecycle::shutdown(&ctx.store, &zone, reboot, &bargs, &zoneadmd, &mut say)
        }
        "install" => lifecycle::install(&ctx.store, &zone, &mut |log| {
            println!("Progress being logged to {}", log.display());
        }),
        "uninstall" => {
            let force = match args {
                [] => false,
                [f] if f == "-F" => true,
                _ => sub_usage_exit(sub),
            };
            if !force {
                if !std::io::stdin().is_terminal() {
                    ctx.zerror("Input not from terminal and -F not specified: uninstall not done.");
                    return EXIT_ERR;
                }
                if !confirm(&format!(
                    "Are you sure you want to uninstall zone {zone} (y/[n])? "
                )) {
                    return EXIT_OK;
                }
            }
            lifecycle::uninstall(&ctx.store, &zone)
        }
        "plan" => return cmd_plan(ctx, &zone),
        "verify" => return verify::cmd_verify(ctx, &zone, args),
        "apply" => {
            if !args.is_empty() {
                usage_exit(false);
            }
            lifecycle::apply(&ctx.store, &zone, &zoneadmd, &mut say).map(|note| {
                if let Some(n) = note {
                    ctx.zerror(&n);
                }
            })
        }
        "mark" => match args {
            [s] if s == "incomplete" => lifecycle::mark_incomplete(&ctx.store, &zone),
            _ => sub_usage_exit(sub),
        },
        _ => usage_exit(false),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => ctx.fail(e),
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut root = PathBuf::from("/");
    let mut zone = None;
    let mut uuid = None;
    let mut i = 0;
    while i < argv.len() && argv[i].starts_with('-') && argv[i] != "--" {
        let (opt, inline) = argv[i].split_at(2.min(argv[i].len()));
        let mut value = || -> String {
            if !inline.is_empty() {
                return inline.to_string();
            }
            i += 1;
            argv.get(i).cloned().unwrap_or_else(|| usage_exit(false))
        };
        match opt {
            "-R" => root = PathBuf::from(value()),
            "-z" => zone = Some(value()),
            "-u" => uuid = Some(value()),
            "-?" => usage_exit(true),
            _ => usage_exit(false),
        }
        i += 1;
    }
    let Some(sub) = argv.get(i).cloned() else {
        usage_exit(false);
    };
    let args = &argv[i + 1..];
    let store = Store::new(root);
    // Damaged index lines are reported; the zones of the good lines are served as usual.
    for w in store.index_warnings() {
        eprintln!("zoneadm: warning: {w}");
    }
    if let Some(u) = uuid {
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
    let ctx = Ctx { store, zone };
    let code = match sub.as_str() {
        "help" => usage_exit(true),
        "list" => cmd_list(&ctx, args),
        _ => run(&ctx, &sub, args),
    };
    exit(code);
}
