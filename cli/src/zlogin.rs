//! `zlogin [-dCEiINnQS] [-e c] [-l user] [-R root] zonename [utility [argument]...]`
//! (getopt's `dCEiINnQSe:l:R:`): options end at the zone name, so a utility's own options
//! stay its own (`zlogin z ls -l`).

use clap::Parser;
use libzone::runtime::enter::escape::{parse_escape_char, EscapeCharError};
use std::path::PathBuf;

#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "zlogin")]
pub struct Zlogin {
    /// Attach to the zone console.
    #[arg(short = 'C')]
    pub console: bool,
    /// With `-C`: disconnect when the zone halts.
    #[arg(short = 'd')]
    pub disconnect: bool,
    /// The escape character (`c`, or `\nnn` in octal).
    #[arg(short = 'e', value_parser = escape_char)]
    pub escape_char: Option<u8>,
    /// No escape sequences at all.
    #[arg(short = 'E')]
    pub no_escape: bool,
    /// Interactive (a pty) even with a utility.
    #[arg(short = 'i')]
    pub interactive: bool,
    /// Attach to the zfd devices of a standalone-process zone (a kind of console login).
    #[arg(short = 'I')]
    pub zfd: bool,
    /// With `-I`: do not pass end of file on.
    #[arg(short = 'N')]
    pub nohup: bool,
    /// Standard input from /dev/null.
    #[arg(short = 'n')]
    pub null_stdin: bool,
    /// No `[Connected ...]` banners.
    #[arg(short = 'Q')]
    pub quiet: bool,
    /// Safe (failsafe) login, bypassing the zone's account files.
    #[arg(short = 'S')]
    pub safe: bool,
    /// The user to log in as.
    #[arg(short = 'l')]
    pub user: Option<String>,
    /// Alternate root (absolute).
    #[arg(short = 'R', value_parser = absolute_root)]
    pub root: Option<PathBuf>,
    /// The zone, then the utility to run and its arguments.
    #[arg(trailing_var_arg = true)]
    pub operands: Vec<String>,
}

/// An option argument zlogin refuses as soon as it reads it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("root path must be absolute.")]
    RootNotAbsolute,
    #[error(transparent)]
    Escape(#[from] EscapeCharError),
}

fn escape_char(arg: &str) -> Result<u8, Refusal> {
    Ok(parse_escape_char(arg)?)
}

fn absolute_root(arg: &str) -> Result<PathBuf, Refusal> {
    if arg.starts_with('/') {
        Ok(PathBuf::from(arg))
    } else {
        Err(Refusal::RootNotAbsolute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::getopt::{parse, Stop};

    fn p(a: &[&str]) -> Result<Zlogin, Stop> {
        parse(a.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn options_end_at_the_zone() {
        let z = p(&["-Qe#", "-l", "-C", "z", "ls", "-l", "--", "-x"]).unwrap();
        assert!(z.quiet && !z.console);
        assert_eq!(z.escape_char, Some(b'#'));
        assert_eq!(z.user.as_deref(), Some("-C"));
        assert_eq!(z.operands, ["z", "ls", "-l", "--", "-x"]);
        assert_eq!(p(&["--", "-z", "id"]).unwrap().operands, ["-z", "id"]);
        assert_eq!(p(&["-e", "\\035", "z"]).unwrap().escape_char, Some(0o35));
    }

    #[test]
    fn refusals() {
        let stop = p(&["-R", "rel", "-x", "z"]).unwrap_err();
        assert_eq!(stop.refusal::<Refusal>(), Some(&Refusal::RootNotAbsolute));
        let stop = p(&["-e", "\\9", "z"]).unwrap_err();
        assert_eq!(
            stop.refusal::<Refusal>().map(|r| r.to_string()).as_deref(),
            Some("Unrecognized escape character option \\9")
        );
        assert!(matches!(p(&["-x", "-R", "rel"]), Err(Stop::Unknown('x'))));
        assert!(matches!(p(&["-Cl"]), Err(Stop::MissingArgument('l'))));
    }
}
