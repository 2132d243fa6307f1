//! poolstat: report statistics of the active pools and their processor sets.

#[path = "../common.rs"]
mod common;

use common::{die, Getopt, Opt, E_SUCCESS, E_USAGE};
use libzone::pool::stat::{
    parse_fields, pool_report, pset_report, rows, Field, Sampler, ALL_FIELDS,
};
use libzone::pool::{Facility, PoolError};
use std::io::Write;

const PROG: &str = "poolstat";

fn usage() -> ! {
    eprint!(
        "Usage:\n\
         poolstat [-p pool-list] [-r rset-list] [-T d|u] [interval [count]]\n\
         poolstat [-p pool-list] [-o format -r rset-list] [-T d|u] [interval [count]]\n\
         \x20 'pool-list' is a space-separated list of pool IDs or names\n\
         \x20 'rset-list' is 'all' or 'pset'\n\
         \x20 'format' for all resource types is one or more of:\n\
         \tid pool type rid rset min max size used load\n"
    );
    std::process::exit(E_USAGE)
}

/// `strtol()` of the whole word, as poolstat's `Atoi`.
fn atoi(s: &str) -> Option<i64> {
    s.parse::<i64>().ok()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stamp {
    None,
    Unix,
    Date,
}

fn print_timestamp(stamp: Stamp) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    match stamp {
        Stamp::None => {}
        Stamp::Unix => println!("{now}"),
        Stamp::Date => println!("{}", local_date(now)),
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
    let mut getopt = Getopt::new(common::args(), ":p:r:o:T:R:");
    let mut pools: Vec<String> = Vec::new();
    let mut rtypes: Vec<String> = Vec::new();
    let mut fields: Option<Vec<Field>> = None;
    let mut rflag = false;
    let mut stamp = Stamp::None;
    let mut root = None;
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag('p', Some(list)) => pools.extend(
                list.split([' ', '\t'])
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            ),
            Opt::Flag('r', Some(list)) => {
                rflag = true;
                rtypes.extend(
                    list.split([' ', '\t', ','])
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            }
            Opt::Flag('o', Some(spec)) => match parse_fields(&spec) {
                Ok(f) if !f.is_empty() => fields = Some(f),
                Ok(_) => usage(),
                Err(bad) => {
                    eprintln!("unsupported statistic field: {bad}");
                    usage();
                }
            },
            Opt::Flag('T', Some(t)) => {
                stamp = match t.chars().next() {
                    Some('u') => Stamp::Unix,
                    Some('d') => Stamp::Date,
                    _ => usage(),
                }
            }
            Opt::Flag('R', Some(r)) => root = Some(r),
            Opt::MissingArgument(c) => {
                eprintln!("Option -{c} requires an argument");
                usage();
            }
            Opt::Unknown(c) | Opt::Flag(c, _) => {
                eprintln!("poolstat: illegal option -- {c}");
                usage();
            }
        }
    }
    let operands = getopt.operands();
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

    let root = common::root(root);
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
