//! `poolcfg -c command [-d | [file]]`, `poolcfg -f command-file [-d | [file]]`, `poolcfg -h`
//! (getopt's `c:df:hR:`). Solaris' poolcfg acts on each option as it reads it (`-f` reads
//! its file at once; `-c` after `-f` is refused there), so the command replays
//! [`crate::getopt::InOrder::order`] over the options' values.

use clap::{ArgAction, Parser};
use std::path::PathBuf;

#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "poolcfg")]
pub struct Poolcfg {
    /// The commands to run (every `-c` given, in order).
    #[arg(short = 'c', action = ArgAction::Append)]
    pub commands: Vec<String>,
    /// Edit the running configuration instead of a file.
    #[arg(short = 'd')]
    pub dynamic: bool,
    /// Command files, `-` for standard input (every `-f` given, in order).
    #[arg(short = 'f', action = ArgAction::Append)]
    pub command_files: Vec<String>,
    /// The full usage.
    #[arg(short = 'h')]
    pub help: bool,
    /// Alternate root.
    #[arg(short = 'R')]
    pub root: Option<PathBuf>,
    /// The configuration file.
    #[arg(trailing_var_arg = true)]
    pub operands: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::getopt::{parse_in_order, InOrder, Stop};

    fn p(a: &[&str]) -> InOrder<Poolcfg> {
        parse_in_order(a.iter().map(|s| s.to_string()).collect()).unwrap()
    }

    #[test]
    fn read_like_getopt() {
        let r = p(&["-dc", "info", "file"]);
        assert_eq!(r.order, ['d', 'c']);
        assert!(r.args.dynamic && r.stop.is_none());
        assert_eq!(
            (r.args.commands, r.args.operands),
            (vec!["info".into()], vec!["file".into()])
        );
        let r = p(&["-cinfo", "-x", "--", "-d"]);
        assert_eq!((r.order, r.args.commands), (vec!['c'], vec!["info".into()]));
        assert!(matches!(r.stop, Some(Stop::Unknown('x'))));
        assert!(matches!(p(&["-f"]).stop, Some(Stop::MissingArgument('f'))));
        let r = p(&["file", "-c", "x"]);
        assert!(r.order.is_empty() && r.args.commands.is_empty());
        assert_eq!(r.args.operands, ["file", "-c", "x"]);
        let r = p(&["-f", "-", "out"]);
        assert_eq!(
            (r.args.command_files, r.args.operands),
            (vec!["-".into()], vec!["out".into()])
        );
        // Every -c and -f, in the order given.
        let r = p(&["-c", "a", "-f", "b", "-c", "c"]);
        assert_eq!(r.order, ['c', 'f', 'c']);
        assert_eq!(
            (r.args.commands, r.args.command_files),
            (vec!["a".into(), "c".into()], vec!["b".into()])
        );
    }
}
