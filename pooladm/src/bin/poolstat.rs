//! poolstat: report statistics of the active pools and their processor sets.

#[path = "../common.rs"]
mod common;

use common::{die, E_SUCCESS, E_USAGE};
use libzone::pool::stat::{pool_report, pset_report, rows, Sampler, ALL_FIELDS};
use libzone::pool::{Facility, PoolError};
use std::io::Write;
use zones_cli::getopt::{self, Stop};
use zones_cli::poolstat::{Fields, Poolstat, Refusal, Stamp};

const PROG: &str = "poolstat";

const USAGE: &str = "Usage:\n\
                     poolstat [-p pool-list] [-r rset-list] [-T d|u] [interval [count]]\n\
                     poolstat [-p pool-list] [-o format -r rset-list] [-T d|u] [interval [count]]\n\
                     \x20 'pool-list' is a space-separated list of pool IDs or names\n\
                     \x20 'rset-list' is 'all' or 'pset'\n\
                     \x20 'format' for all resource types is one or more of:\n\
                     \tid pool type rid rset min max size used load\n";

fn usage() -> ! {
    eprint!("{USAGE}");
    std::process::exit(E_USAGE)
}

/// What poolstat says where reading its options stopped (its option string starts with
/// `:`, so getopt says nothing itself), before the usage.
fn refused(stop: Stop) -> ! {
    common::answer_requests(PROG, &stop, USAGE);
    match &stop {
        Stop::MissingArgument(c) => eprintln!("Option -{c} requires an argument"),
        Stop::Unknown(c) => eprintln!("{PROG}: illegal option -- {c}"),
        _ => {
            if let Some(r @ Refusal::UnsupportedField(_)) = stop.refusal::<Refusal>() {
                eprintln!("{r}");
            }
        }
    }
    usage()
}

/// `strtol()` of the whole word, as poolstat's `Atoi`.
fn atoi(s: &str) -> Option<i64> {
    s.parse::<i64>().ok()
}

fn print_timestamp(stamp: Option<Stamp>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    match stamp {
        None => {}
        Some(Stamp::Unix) => println!("{now}"),
        Some(Stamp::Date) => println!("{}", local_date(now)),
    }
}

/// The date as `date(1)` prints it in the C locale (`%a %b %e %H:%M:%S %Z %Y`).
fn local_date(t: i64) -> String {
    let time: libc::time_t = t as libc::time_t;
    // SAFETY: `tm` is plain data filled by localtime_r; strftime writes at most the buffer
    // length and the format is a NUL-terminated literal.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&time, &mut tm).is_null() {
            return t.to_string();
        }
        let mut buf = [0u8; 128];
        let fmt = b"%a %b %e %H:%M:%S %Z %Y\0";
        let n = libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            fmt.as_ptr() as *const libc::c_char,
            &tm,
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

fn main() {
    let args = getopt::parse::<Poolstat>(common::args()).unwrap_or_else(|stop| refused(stop));
    let pools: Vec<String> = args
        .pools
        .iter()
        .flat_map(|list| list.split([' ', '\t']))
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let rflag = !args.rsets.is_empty();
    let mut rtypes: Vec<String> = args
        .rsets
        .iter()
        .flat_map(|list| list.split([' ', '\t', ',']))
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let fields = args.fields.map(|Fields(f)| f);
    let stamp = args.stamp;
    let operands = args.operands;
    let mut interval: u64 = 0;
    let mut count: i64 = 1;
    let mut rest = operands.iter();
    if let Some(word) = rest.next() {
        match atoi(word) {
            Some(v) if v >= 1 => interval = v as u64,
            _ => usage(),
        }
        count = -1;
    }
    if let Some(word) = rest.next() {
        match atoi(word) {
            Some(v) if v >= 1 => count = v,
            _ => usage(),
        }
    }
    if rest.next().is_some() {
        usage();
    }
    if fields.is_some() && !rflag {
        usage();
    }
    if rtypes.first().is_none_or(|t| t == "all") {
        rtypes = vec!["pset".into()];
    }
    let fields = fields.unwrap_or_else(|| ALL_FIELDS.to_vec());

    let root = common::root(args.root);
    let facility = Facility::new(&root, common::kernel(PROG, &root));
    let mut sampler = Sampler::new();
    let stdout = std::io::stdout();
    loop {
        let sample = match sampler.sample(&facility) {
            Ok(s) => s,
            Err(err) => die(PROG, &open_error(&err)),
        };
        print_timestamp(stamp);
        let mut out = String::new();
        if sample.changed {
            out.push_str("<<State change>>\n");
        }
        let rows = match rows(&sample.config, &sample.used, &pools) {
            Ok(r) => r,
            Err(err) => die(PROG, &err.to_string()),
        };
        if rflag {
            for rtype in &rtypes {
                if rtype != "pset" {
                    die(PROG, &format!("unsupported resource type: {rtype}"));
                }
                out.push_str(&pset_report(&rows, &fields, sample.changed));
            }
        } else {
            out.push_str(&pool_report(&rows));
        }
        {
            let mut lock = stdout.lock();
            let _ = lock.write_all(out.as_bytes());
            let _ = lock.flush();
        }
        if count > 0 {
            count -= 1;
        }
        if count == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(interval));
        if rflag {
            println!();
        }
    }
    std::process::exit(E_SUCCESS)
}

fn open_error(err: &PoolError) -> String {
    format!("couldn't open pools state file: {}", err.reason())
}
