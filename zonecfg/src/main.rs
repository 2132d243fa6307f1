//! zonecfg: configure zones. This binary only reads the command line and input lines and
//! hands them to libzone's editing session (`libzone::zonecfg::session`), which holds every
//! rule and message; it exits 0 on success, 1 on an error, 2 on a usage error.

mod cli;
mod console;
mod driver;

use cli::Invocation;
use console::Console;
use libzone::store::Store;
use libzone::zonecfg::help;
use std::io::{IsTerminal, Write};
use std::process::exit;

const EXIT_OK: i32 = 0;
const EXIT_ERR: i32 = 1;

/// The basename zonecfg was run as (prompts and usage texts use it).
fn program_name() -> String {
    std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "zonecfg".to_string())
}

/// `zonecfg help [topic]`: the help command, exit status 0 whatever the topic.
fn help(program: &str, topic: &[String]) -> i32 {
    let text = help::help_topic(program, topic.first().map(String::as_str), None);
    print!("{}", text.stdout);
    let _ = std::io::stdout().flush();
    eprint!("{}", text.stderr);
    EXIT_OK
}

fn main() {
    let program = program_name();
    // Words that are not UTF-8 are read lossily rather than refused with a panic.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let edit = match cli::parse(&program, &args) {
        Ok(Invocation::Help(topic)) => exit(help(&program, &topic)),
        Ok(Invocation::Edit(e)) => e,
        // Refused, or -V / --help answered.
        Err(refused) => {
            print!("{}", refused.stdout);
            let _ = std::io::stdout().flush();
            eprint!("{}", refused.stderr);
            exit(refused.code);
        }
    };
    // zonecfg ignores SIGINT: Ctrl-C at the prompt clears the line (the line editor sees it
    // as a key), and it never kills a commit half way.
    // SAFETY: installing SIG_IGN runs no code of ours in signal context.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGINT,
            nix::sys::signal::SigHandler::SigIgn,
        );
    }
    let root = edit.root.clone();
    let store = Store::new(root.clone().unwrap_or_else(|| "/".to_string()));
    let read_only = if nix::unistd::geteuid().is_root() {
        false
    } else {
        match cli::writable(&store.config_dir(), &store.zone_xml_path(&edit.zone)) {
            Ok(w) => !w,
            Err(e) => {
                eprintln!("{program}: Could not access zone configuration store: {e}");
                exit(EXIT_ERR);
            }
        }
    };
    let stdin_tty = std::io::stdin().is_terminal();
    let mut console = Console::new(stdin_tty && edit.words.is_empty());
    let run = driver::Run {
        program: &program,
        zone: &edit.zone,
        alt_root: root.is_some(),
        read_only,
        stdin_tty,
    };
    let code = if !edit.words.is_empty() {
        run.one_shot(&store, &edit.words, &mut console)
    } else if let Some(file) = &edit.file {
        run.command_file(&store, file, &mut console)
    } else {
        run.interactive(&store, &mut console)
    };
    exit(code);
}
