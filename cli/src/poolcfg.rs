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
