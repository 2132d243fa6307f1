//! `zonecfg [-R root] -z zone [-f file | command...]` (getopt's `?f:R:z:`): options end at
//! the first word of a one-shot command, so `zonecfg -z z create -b` passes `-b` to
//! `create`. `zonecfg help [topic]` is read before the options, as illumos does, and the
//! in-language options (`create -t`, `export -f`, ...) are the session's own.

use clap::Parser;
use libzone::config::names;

#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "zonecfg")]
pub struct Zonecfg {
    /// The zone whose configuration to edit (`global` for the global zone's).
    #[arg(short = 'z', value_parser = zone_name)]
    pub zone: Option<String>,
    /// Alternate root: an absolute path to a directory.
    #[arg(short = 'R', value_parser = root_dir)]
    pub root: Option<String>,
    /// A command file (`-` for standard input).
    #[arg(short = 'f')]
    pub file: Option<String>,
    /// `-?`: the usage, asked for. Never true: reading stops there
    /// ([`Refusal::UsageAskedFor`]).
    #[arg(short = '?', value_parser = usage_asked_for)]
    pub usage_asked_for: bool,
    /// Solaris 11's `-r` (edit the live configuration of a running zone), which this zonecfg
    /// does not have: refused by name rather than as an unknown option. Never true.
    #[arg(short = 'r', value_parser = live_edit)]
    pub live: bool,
    /// The words of a one-shot command.
    #[arg(trailing_var_arg = true)]
    pub words: Vec<String>,
}

/// What zonecfg refuses as soon as it reads it, before any later option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}: Bogus zone name")]
    BogusZoneName(String),
    #[error("root path must be absolute: {0}")]
    RootNotAbsolute(String),
    #[error("root path must be a directory: {0}")]
    RootNotDirectory(String),
    #[error("usage asked for")]
    UsageAskedFor,
    #[error("-{0}: not supported")]
    NotSupported(char),
}

fn zone_name(name: &str) -> Result<String, Refusal> {
    names::validate_cli_zone_name(name)
        .map(|()| name.to_string())
        .map_err(|_| Refusal::BogusZoneName(name.to_string()))
}

fn root_dir(root: &str) -> Result<String, Refusal> {
    if !root.starts_with('/') {
        return Err(Refusal::RootNotAbsolute(root.to_string()));
    }
    if !std::path::Path::new(root).is_dir() {
        return Err(Refusal::RootNotDirectory(root.to_string()));
    }
    Ok(root.to_string())
}

/// A flag that stops the reading where it stands: clap hands a flag's value parser `true`
/// when it meets the flag, `false` for the default after the last word.
fn stop_at(refusal: Refusal, value: &str) -> Result<bool, Refusal> {
    match value {
        "false" => Ok(false),
        _ => Err(refusal),
    }
}

fn usage_asked_for(value: &str) -> Result<bool, Refusal> {
    stop_at(Refusal::UsageAskedFor, value)
}

fn live_edit(value: &str) -> Result<bool, Refusal> {
    stop_at(Refusal::NotSupported('r'), value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::getopt::{parse, Stop};

    fn p(a: &[&str]) -> Result<Zonecfg, Stop> {
        parse(a.iter().map(|s| s.to_string()).collect())
    }

    fn refusal(a: &[&str]) -> Option<Refusal> {
        p(a).err()?.refusal::<Refusal>().cloned()
    }

    #[test]
    fn options_end_at_the_command() {
        let z = p(&["-R", "/", "-zweb", "create", "-b", ";", "commit"]).unwrap();
        assert_eq!(
            (z.zone.as_deref(), z.root.as_deref()),
            (Some("web"), Some("/"))
        );
        assert_eq!(z.words, ["create", "-b", ";", "commit"]);
        assert!(!z.usage_asked_for && !z.live);
        assert_eq!(
            p(&["-z", "w", "-f", "-"]).unwrap().file.as_deref(),
            Some("-")
        );
    }

    #[test]
    fn refusals_in_the_order_of_the_words() {
        assert_eq!(
            refusal(&["-z", "bad name", "-q"]),
            Some(Refusal::BogusZoneName("bad name".into()))
        );
        assert_eq!(
            refusal(&["-z", "-leading"]),
            Some(Refusal::BogusZoneName("-leading".into()))
        );
        assert_eq!(
            refusal(&["-R", "rel", "-z", "bad name"]),
            Some(Refusal::RootNotAbsolute("rel".into()))
        );
        assert_eq!(refusal(&["-r", "-q"]), Some(Refusal::NotSupported('r')));
        assert_eq!(refusal(&["-?", "-z"]), Some(Refusal::UsageAskedFor));
        assert!(matches!(p(&["-q", "-r"]), Err(Stop::Unknown('q'))));
        assert!(matches!(p(&["-z"]), Err(Stop::MissingArgument('z'))));
    }
}
