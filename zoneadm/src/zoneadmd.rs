//! zoneadmd: the supervisor of one zone (see libzone::runtime::supervisor). Started by
//! zoneadm (or zlogin) as `zoneadmd -R <root> -z <zone> ready|boot [args...]`, or `adopt` to
//! take over a running zone whose supervisor died, with the outcome of that first request
//! reported on file descriptor 3 when it is open. Its log lines (stderr) start with an
//! ISO 8601 time in UTC.

use libzone::runtime::supervisor::proto::Request;
use libzone::runtime::supervisor::{self, handover, SupervisorArgs};
use libzone::store::Store;
use std::io::Write;
use std::path::PathBuf;

fn usage() -> ! {
    eprintln!("usage: zoneadmd [-R root] -z zone ready|boot [boot_arguments...]|adopt");
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut root = PathBuf::from("/");
    let mut zone = None;
    let mut rest = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-R" => root = args.next().map(PathBuf::from).unwrap_or_else(|| usage()),
            "-z" => zone = Some(args.next().unwrap_or_else(|| usage())),
            _ => {
                rest.push(a);
                rest.extend(args.by_ref());
            }
        }
    }
    let zone = zone.unwrap_or_else(|| usage());
    let first = match rest.first().map(String::as_str) {
        Some("ready") => Request::Ready,
        Some("boot") => Request::Boot {
            args: rest[1..].to_vec(),
        },
        Some("adopt") if rest.len() == 1 => Request::Adopt,
        _ => usage(),
    };
    // Descriptors 3 and 4 from our starter (see `handover`); nothing else it had open.
    let handover::Inherited { notify, lock } = handover::take();
    // A supervisor outlives the terminal and the zoneadm that started it.
    let _ = nix::unistd::setsid();
    // SAFETY: ignoring SIGPIPE and SIGHUP: console clients may vanish mid-write.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
    let zinit = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("zinit")))
        .unwrap_or_else(|| PathBuf::from("/usr/lib/zones/zinit"));
    let store = Store::new(root.clone());
    let mut log = |msg: &str| {
        let now = libzone::clock::now_iso8601();
        let _ = writeln!(
            std::io::stderr(),
            "{now} zoneadmd[{}]: {msg}",
            std::process::id()
        );
    };
    let code = supervisor::run(
        SupervisorArgs {
            altroot: root,
            zone,
            zinit,
            first,
            notify,
            lock,
        },
        &store,
        &mut log,
    );
    std::process::exit(code);
}
