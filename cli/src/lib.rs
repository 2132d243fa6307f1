//! The command lines of the zones commands, apart from what the commands do: one clap
//! struct per command (`zonecfg`, `zoneadm` and its subcommands, `zlogin`, `pooladm`,
//! `poolcfg`, `poolbind`, `poolstat`), read the way Solaris' getopt(3C) reads them
//! ([`getopt`]). The binaries turn what comes back into Solaris' usage texts, messages and
//! exit codes, and call libzone.

pub mod autoboot;
pub mod getopt;
pub mod pooladm;
pub mod poolbind;
pub mod poolcfg;
pub mod poolstat;
pub mod zlogin;
pub mod zoneadm;
pub mod zonecfg;
