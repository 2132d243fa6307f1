//! `poolbind -p pool -e command [arguments...]`, `poolbind -p pool [-i idtype] id...`,
//! `poolbind -q pid...`, `poolbind -Q pid...` (getopt's `Qei:p:qR:`). Solaris' poolbind
//! refuses an option as soon as it meets it after one it excludes (`-q` after `-p`, but
//! `-i` after `-e` is fine), so the command replays [`crate::getopt::InOrder::order`].

use clap::{ArgAction, Parser};
use std::path::PathBuf;

#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "poolbind")]
pub struct Poolbind {
    /// For each pid, the resources it is bound to.
    #[arg(short = 'Q')]
    pub query_resources: bool,
    /// Run a command bound to the pool.
    #[arg(short = 'e')]
    pub exec: bool,
    /// What the ids are (`pid`, `taskid`, `projid`, `zoneid`), every `-i` given.
    #[arg(short = 'i', action = ArgAction::Append)]
    pub idtypes: Vec<String>,
    /// The pool to bind to, every `-p` given.
    #[arg(short = 'p', action = ArgAction::Append)]
    pub pools: Vec<String>,
    /// For each pid, the pool it is bound to.
    #[arg(short = 'q')]
    pub query: bool,
    /// Alternate root.
    #[arg(short = 'R')]
    pub root: Option<PathBuf>,
    /// The ids, or the command and its arguments.
    #[arg(trailing_var_arg = true)]
    pub operands: Vec<String>,
}
