//! libzone: Solaris zones for Linux. All logic lives here; the binaries parse arguments, call
//! into this crate, print and map errors to exit codes.

pub mod cgroup;
pub mod config;
pub mod fsio;
pub mod pool;
pub mod state;
pub mod store;
pub mod zonecfg;

pub use config::ZoneConfig;
pub use state::ZoneState;
pub mod admin;
pub mod brand;
pub mod clock;
pub mod host;
pub mod install;
#[cfg(test)]
mod layers_tests;
pub mod net;
pub mod plan;
pub mod runtime;
pub mod seccomp;
mod xml_text;
