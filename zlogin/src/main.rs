//! zlogin: run a command in a running zone, or log in to it (pty or console).

use libzone::runtime::enter::{self, EnterSpec};
use libzone::runtime::record::RunDir;
use std::path::PathBuf;
use std::process::exit;

const USAGE: &str =
    "usage: zlogin [ -nQCES ] [ -e cmdchar ] [-l user] zonename [command [args ...] ]";

fn usage() -> ! {
    eprintln!("{USAGE}");
    exit(2)
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut root = PathBuf::from("/");
    let mut user = "root".to_string();
    let mut safe = false;
    let mut i = 0;
    while i < argv.len() && argv[i].starts_with('-') {
        match argv[i].as_str() {
            "-R" => {
                i += 1;
                root = argv.get(i).map(PathBuf::from).unwrap_or_else(|| usage());
            }
            "-l" => {
                i += 1;
                user = argv.get(i).cloned().unwrap_or_else(|| usage());
            }
            "-S" => safe = true,
            _ => usage(),
        }
        i += 1;
    }
    let Some(zone) = argv.get(i).cloned() else {
        usage()
    };
    let command = argv[i + 1..].to_vec();
    let run = RunDir::new(&root);
    let Some(rec) = run.read(&zone) else {
        eprintln!("zlogin: zone '{zone}' unknown");
        exit(1)
    };
    let spec = EnterSpec {
        user,
        command,
        safe,
        pty: false,
        env: std::env::vars().collect(),
    };
    match enter::enter(&rec, &spec, [0, 1, 2]) {
        Ok(e) => {
            let code = match nix::sys::wait::waitpid(e.pid, None) {
                Ok(nix::sys::wait::WaitStatus::Exited(_, c)) => c,
                Ok(nix::sys::wait::WaitStatus::Signaled(_, s, _)) => 128 + s as i32,
                _ => 1,
            };
            exit(code)
        }
        Err(e) => {
            eprintln!("zlogin: {e}");
            exit(1)
        }
    }
}
