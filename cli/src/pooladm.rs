//! `pooladm [-n] [-s] [-c] [filename]`, `pooladm [-n] -x`, `pooladm -d | -e` (getopt's
//! `cdensxR:`); which combinations are allowed is the command's to say.

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "pooladm")]
pub struct Pooladm {
    /// Commit the static configuration (the file, or /etc/pooladm.conf).
    #[arg(short = 'c')]
    pub commit: bool,
    /// Disable the pools facility.
    #[arg(short = 'd')]
    pub disable: bool,
    /// Enable the pools facility.
    #[arg(short = 'e')]
    pub enable: bool,
    /// With `-c` or `-x`: validate only, change nothing.
    #[arg(short = 'n')]
    pub dry_run: bool,
    /// Save the running configuration (to the file, or /etc/pooladm.conf).
    #[arg(short = 's')]
    pub save: bool,
    /// Remove the running configuration.
    #[arg(short = 'x')]
    pub remove: bool,
    /// Alternate root.
    #[arg(short = 'R')]
    pub root: Option<PathBuf>,
    /// The configuration file.
    #[arg(trailing_var_arg = true)]
    pub operands: Vec<String>,
}
