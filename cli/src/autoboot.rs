//! `zones-autoboot [-R DIR] start [-j N] | stop | pools`: what the host's service manager
//! runs as the host starts and stops (an internal command, so clap's own texts serve).

use clap::{Parser, Subcommand};
use libzone::admin::autoboot;
use std::path::PathBuf;

/// Boot zones with autoboot=true, bring every zone down, or restore the static pools
/// configuration, as the host starts and stops.
#[derive(Parser)]
#[command(name = "zones-autoboot")]
pub struct Args {
    /// Alternate root.
    #[arg(short = 'R', value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    #[command(subcommand)]
    pub step: Step,
}

#[derive(Subcommand)]
pub enum Step {
    /// Boot every installed zone with autoboot=true, in parallel.
    Start {
        /// How many zones boot at once.
        #[arg(short = 'j', default_value_t = autoboot::BOOT_PARALLEL)]
        parallel: usize,
    },
    /// Bring every zone that is up down, as its autoshutdown property says.
    Stop,
    /// Enable pools and commit /etc/pooladm.conf, if there is one.
    Pools,
}

impl Args {
    /// The process's command line; clap reports misuse itself (exit 2).
    pub fn from_env() -> Args {
        Args::parse()
    }
}
