//! poolcfg: create and modify resource pools configuration files (or, with `-d`, the
//! running configuration).

#[path = "../common.rs"]
mod common;

use common::{die, E_ERROR, E_SUCCESS, E_USAGE};
use libzone::pool::error::io_reason;
use libzone::pool::poolcfg::{default_static_path, run_script, DynamicTarget, StaticTarget};
use libzone::pool::Facility;
use std::io::{Read, Write};
use zones_cli::getopt;
use zones_cli::poolcfg::Poolcfg;

const PROG: &str = "poolcfg";

const USAGE1: &str = "Usage:\n\
poolcfg -h\n\
poolcfg -c command [ -d | [ file ] ]\n\
poolcfg -f command-file [-d | [ file ] ]\n\n";

const USAGE2: &str = "command:\n\
\x20 info [entity name]\n\
\x20        display configuration (or specified portion) in readable form\n\
\x20 create entity name [property-list]\n\
\x20        make an entity of the specified type and name\n\
\x20 destroy entity name\n\
\x20        remove the specified entity\n\
\x20 modify entity name [property-list]\n\
\x20        change the listed properties on the named entity\n\
\x20 associate pool name [resource-list]\n\
\x20        connect one or more resources to a pool, or replace one or more\n\
\x20        existing connections\n\
\x20 transfer to resource name [component-list]\n\
\x20        transfer one or more discreet components to a resource\n\
\x20 transfer [quantity] from resource src to tgt\n\
\x20        transfer a resource quantity from src to tgt\n\
\x20 transfer [quantity] to resource tgt from src\n\
\x20        transfer a resource quantity to tgt from src\n\
\x20 discover\n\
\x20        create a system entity, with one pool entity and resources to\n\
\x20        match current system configuration\n\
\x20 rename entity old_name to new_name\n\
\x20        change the name of the entity on the system to its new name\n\n\
property-list:\n\
\x20 ( proptype name = value [ ; proptype name = value ]* )\n\
\x20        where multiple definitions in the sentence for a given\n\
\x20        proptype, name pair are ignored; the last one provided is used.\n\
\x20        For property deletion, use \"~ proptype name\"\n\n\
resource-list:\n\
\x20 ( resource name [; resource name ] )\n\
\x20        where multiple uses of a resource are ignored; the last provided\n\
\x20        is the one used.\n\
\x20        There is no deletion syntax for resource lists.\n\
component-list:\n\
\x20 ( cpu id [; cpu id ] )\n\
\x20        where multiple uses of the same component cause the last provided\n\
\x20        to be the one used.\n\
\x20        There is no deletion syntax for component lists.\n\
entity:\n\
\x20 system | pool | pset | cpu\n\
\x20        where cpu is only valid for transfer, info and modify commands.\n\
resource:\n\
\x20 pset\n\n\
proptype:\n\
\x20 boolean | int | uint | string | float\n\n";

fn usage(full: bool) -> ! {
    eprint!("{USAGE1}");
    if full {
        eprint!("{USAGE2}");
    }
    std::process::exit(E_USAGE)
}

/// Where the commands come from.
enum Script {
    Text(Vec<u8>),
    Stdin,
}

fn main() {
    let parsed = match getopt::parse_in_order::<Poolcfg>(common::args()) {
        Ok(parsed) => parsed,
        Err(stop) => {
            common::answer_requests(PROG, &stop, &format!("{USAGE1}{USAGE2}"));
            common::report_bad_option(PROG, &stop);
            usage(false)
        }
    };
    let args = parsed.args;
    let mut script: Option<Script> = None;
    let mut from_file = false;
    let mut from_command = false;
    let mut commands = args.commands.into_iter();
    let mut command_files = args.command_files.into_iter();
    // Each option as poolcfg meets it: a command file is read at once, and -c and -f
    // exclude each other from where the second one stands.
    for opt in parsed.order {
        match opt {
            'c' => {
                if from_file {
                    usage(false);
                }
                let Some(cmd) = commands.next() else {
                    usage(false)
                };
                script = Some(Script::Text(cmd.into_bytes()));
                from_command = true;
            }
            'f' => {
                if from_command {
                    usage(false);
                }
                let Some(file) = command_files.next() else {
                    usage(false)
                };
                script = Some(if file == "-" {
                    Script::Stdin
                } else {
                    match std::fs::read(&file) {
                        Ok(bytes) => Script::Text(bytes),
                        Err(e) => die(
                            PROG,
                            &format!("cannot initialise command sequence: {}", io_reason(&e)),
                        ),
                    }
                });
                from_file = true;
            }
            'h' => usage(true),
            // -d and -R: their values are all there is to them.
            _ => {}
        }
    }
    if let Some(stop) = &parsed.stop {
        common::report_bad_option(PROG, stop);
        usage(false);
    }
    let dynamic = args.dynamic;
    let Some(script) = script else { usage(false) };
    let root = common::root(args.root);
    let operands = args.operands;
    let file = match operands.as_slice() {
        [] => default_static_path(&root),
        [f] if !dynamic => f.into(),
        _ => usage(false),
    };
    let script = match script {
        Script::Text(bytes) => bytes,
        Script::Stdin => {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                die(
                    PROG,
                    &format!("cannot initialise command sequence: {}", io_reason(&e)),
                );
            }
            bytes
        }
    };

    let mut facility = Facility::new(&root, common::kernel(PROG, &root));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = if dynamic {
        let mut target = DynamicTarget {
            facility: &mut facility,
        };
        run_script(&script, from_file, &mut target, &mut out)
    } else {
        let mut target = StaticTarget::new(file, &facility);
        run_script(&script, from_file, &mut target, &mut out)
    };
    let _ = out.flush();
    match result {
        Ok(()) => std::process::exit(E_SUCCESS),
        Err(e) => {
            for line in e.messages() {
                common::warn(PROG, &line);
            }
            std::process::exit(E_ERROR)
        }
    }
}
