//! zlogin's command line: read by the clap struct of `zones_cli::zlogin` (getopt's
//! `dCEiINnQSe:l:R:`, options stop at the zone name), then checked the way illumos' zlogin
//! checks it, with its messages.

use libzone::runtime::enter::escape::DEFAULT_ESCAPE;
use std::path::PathBuf;
use zones_cli::getopt::{self, Stop};
use zones_cli::zlogin::{Refusal, Zlogin};

pub const USAGE: &str =
    "usage: zlogin [ -nQCES ] [ -e cmdchar ] [-l user] zonename [command [args ...] ]";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `-C`: attach to the zone console.
    pub console: bool,
    /// `-d`: with `-C`, disconnect when the zone halts.
    pub disconnect: bool,
    /// `-e c`: the escape character.
    pub escape_char: u8,
    /// `-E`: no escape sequences at all.
    pub no_escape: bool,
    /// `-i`: interactive (a pty) even with a command.
    pub interactive: bool,
    /// `-I`: attach to the zfd devices of a standalone-process zone (not supported here).
    pub zfd: bool,
    /// `-N`: with `-I`, do not pass end of file on.
    pub nohup: bool,
    /// `-n`: stdin from /dev/null.
    pub null_stdin: bool,
    /// `-Q`: no `[Connected ...]` banners.
    pub quiet: bool,
    /// `-S`: safe (failsafe) login, bypassing the zone's account files.
    pub safe: bool,
    /// `-l user`.
    pub user: Option<String>,
    /// `-R root`: alternate root.
    pub root: PathBuf,
    pub zone: String,
    /// The utility and its arguments; empty for a login.
    pub command: Vec<String>,
}

impl Options {
    /// The escape character in effect, `None` with `-E`.
    pub fn escape(&self) -> Option<u8> {
        (!self.no_escape).then_some(self.escape_char)
    }

    /// The user to log in as.
    pub fn user(&self) -> &str {
        self.user.as_deref().unwrap_or("root")
    }
}

/// A command line zlogin refuses, or a request that ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Print `zlogin: <message>` (if any), then the usage line; exit 2.
    Usage(Option<String>),
    /// Print `zlogin: <message>`; exit 2.
    Fatal(String),
    /// `-V`/`--version`: print the version; exit 0.
    Version,
    /// `--help`: print the usage line on standard output; exit 0.
    Help,
}

fn usage(msg: impl Into<String>) -> ParseError {
    ParseError::Usage(Some(msg.into()))
}

/// What getopt would have said, and zlogin after it.
fn refused(stop: Stop) -> ParseError {
    match stop {
        Stop::Version => ParseError::Version,
        Stop::Help => ParseError::Help,
        Stop::Unknown(c) => usage(format!("illegal option -- {c}")),
        Stop::MissingArgument(c) => usage(format!("option requires an argument -- {c}")),
        Stop::Refused(_) => match stop.refusal::<Refusal>() {
            Some(r @ Refusal::RootNotAbsolute) => ParseError::Fatal(r.to_string()),
            Some(r @ Refusal::Escape(_)) => usage(r.to_string()),
            None => ParseError::Usage(None),
        },
        Stop::UnexpectedOperand(_) | Stop::Usage => ParseError::Usage(None),
    }
}

/// Parse the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Options, ParseError> {
    let z: Zlogin = getopt::parse(args.to_vec()).map_err(refused)?;
    let mut o = Options {
        // Like illumos: -I is a variant of console mode.
        console: z.console || z.zfd,
        disconnect: z.disconnect,
        escape_char: z.escape_char.unwrap_or(DEFAULT_ESCAPE),
        no_escape: z.no_escape,
        interactive: z.interactive,
        zfd: z.zfd,
        nohup: z.nohup,
        null_stdin: z.null_stdin,
        quiet: z.quiet,
        safe: z.safe,
        user: z.user,
        root: z.root.unwrap_or_else(|| PathBuf::from("/")),
        zone: String::new(),
        command: Vec::new(),
    };
    check(&mut o, &z.operands)?;
    Ok(o)
}

/// The combination rules, in illumos' order.
fn check(o: &mut Options, operands: &[String]) -> Result<(), ParseError> {
    if o.console {
        if o.user.is_some() {
            return Err(usage("-l may not be specified for console login"));
        }
        if o.null_stdin {
            return Err(usage("-n may not be specified for console login"));
        }
        if o.safe {
            return Err(usage("-S may not be specified for console login"));
        }
    }
    if o.interactive && o.null_stdin {
        return Err(usage("-i and -n flags are incompatible"));
    }
    if o.safe && o.user.is_some() {
        return Err(usage("-l may not be specified for failsafe login"));
    }
    if !o.console && o.disconnect {
        return Err(usage("-d may only be specified with console login"));
    }
    if !o.zfd && o.nohup {
        return Err(usage("-N may only be specified with -I"));
    }
    match operands {
        [] => Err(ParseError::Usage(None)),
        [zone] => {
            if o.null_stdin {
                return Err(usage("-n may not be specified for interactive login"));
            }
            o.zone = zone.clone();
            Ok(())
        }
        [zone, command @ ..] => {
            if o.console {
                return Err(usage("Commands may not be specified for console login."));
            }
            o.zone = zone.clone();
            o.command = command.to_vec();
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Options, ParseError> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn msg(args: &[&str]) -> String {
        match p(args) {
            Err(ParseError::Usage(Some(m))) | Err(ParseError::Fatal(m)) => m,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn command_mode() {
        let o = p(&["-R", "/alt", "-l", "bob", "z1", "ls", "-l", "/"]).unwrap();
        assert_eq!(o.root, PathBuf::from("/alt"));
        assert_eq!(o.user(), "bob");
        assert_eq!(o.zone, "z1");
        assert_eq!(o.command, vec!["ls", "-l", "/"]);
        assert_eq!(o.escape(), Some(b'~'));
        // Options stop at the zone name; the command's own options stay its own.
        let o = p(&["z1", "-C"]).unwrap();
        assert!(!o.console);
        assert_eq!(o.command, vec!["-C"]);
        let o = p(&["--", "z1", "id"]).unwrap();
        assert_eq!((o.zone.as_str(), o.user()), ("z1", "root"));
    }

    #[test]
    fn clustered_and_attached_arguments() {
        let o = p(&["-QSn", "z", "true"]).unwrap();
        assert!(o.quiet && o.safe && o.null_stdin);
        let o = p(&["-Qe#", "z"]).unwrap();
        assert_eq!(o.escape(), Some(b'#'));
        let o = p(&["-e", "\\035", "-lroot", "z"]).unwrap();
        assert_eq!(o.escape(), Some(0o35));
        assert_eq!(o.user(), "root");
        let o = p(&["-E", "-e", "#", "z"]).unwrap();
        assert_eq!(o.escape(), None);
        let o = p(&["-dC", "z"]).unwrap();
        assert!(o.console && o.disconnect);
    }

    #[test]
    fn usage_errors() {
        assert_eq!(p(&[]), Err(ParseError::Usage(None)));
        assert_eq!(p(&["-Q"]), Err(ParseError::Usage(None)));
        assert_eq!(msg(&["-x", "z"]), "illegal option -- x");
        assert_eq!(msg(&["-l"]), "option requires an argument -- l");
        assert_eq!(
            msg(&["-C", "-l", "bob", "z"]),
            "-l may not be specified for console login"
        );
        assert_eq!(
            msg(&["-C", "z", "ls"]),
            "Commands may not be specified for console login."
        );
        assert_eq!(
            msg(&["-Cn", "z"]),
            "-n may not be specified for console login"
        );
        assert_eq!(
            msg(&["-CS", "z"]),
            "-S may not be specified for console login"
        );
        assert_eq!(msg(&["-in", "z", "ls"]), "-i and -n flags are incompatible");
        assert_eq!(
            msg(&["-S", "-l", "bob", "z", "ls"]),
            "-l may not be specified for failsafe login"
        );
        assert_eq!(
            msg(&["-d", "z"]),
            "-d may only be specified with console login"
        );
        assert_eq!(msg(&["-N", "z"]), "-N may only be specified with -I");
        assert_eq!(
            msg(&["-n", "z"]),
            "-n may not be specified for interactive login"
        );
        assert_eq!(
            msg(&["-e", "\\9", "z"]),
            "Unrecognized escape character option \\9"
        );
        assert_eq!(
            msg(&["-e", "\\777", "z"]),
            "Octal escape character '\\777' too large"
        );
        assert_eq!(
            p(&["-R", "rel", "z"]),
            Err(ParseError::Fatal("root path must be absolute.".into()))
        );
    }

    #[test]
    fn getopt_corners() {
        // An argument is the next word whatever it is, or what is attached, `=` included.
        assert_eq!(p(&["-l", "-C", "z"]).unwrap().user(), "-C");
        assert_eq!(p(&["-e=", "z"]).unwrap().escape(), Some(b'='));
        assert_eq!(p(&["-e", "--", "z"]).unwrap().escape(), Some(b'-'));
        // `--` ends the options; after the zone it is the command's.
        assert_eq!(p(&["-Q", "--", "-z"]).unwrap().zone, "-z");
        assert_eq!(p(&["z", "--", "x"]).unwrap().command, vec!["--", "x"]);
        assert_eq!(p(&["z", "-V"]).unwrap().command, vec!["-V"]);
        // The last of a repeated option wins.
        assert_eq!(p(&["-l", "a", "-l", "b", "z"]).unwrap().user(), "b");
        assert_eq!(msg(&["--foo", "z"]), "illegal option -- -");
        assert_eq!(msg(&["-Cl"]), "option requires an argument -- l");
        // The first problem in the order of the words is the one reported.
        assert_eq!(
            msg(&["-e", "\\9", "-x", "z"]),
            "Unrecognized escape character option \\9"
        );
        assert_eq!(msg(&["-x", "-R", "rel", "z"]), "illegal option -- x");
        assert_eq!(
            p(&["-R", "rel", "-x", "z"]),
            Err(ParseError::Fatal("root path must be absolute.".into()))
        );
    }

    #[test]
    fn version_and_help() {
        assert_eq!(p(&["-V"]), Err(ParseError::Version));
        assert_eq!(p(&["-QV", "-x"]), Err(ParseError::Version));
        assert_eq!(p(&["--version", "z"]), Err(ParseError::Version));
        assert_eq!(p(&["--help"]), Err(ParseError::Help));
        // Solaris' zlogin has no -h or -?.
        assert_eq!(msg(&["-h", "z"]), "illegal option -- h");
        assert_eq!(msg(&["-?", "z"]), "illegal option -- ?");
    }

    #[test]
    fn zfd_mode_is_recognised() {
        let o = p(&["-I", "z"]).unwrap();
        assert!(o.zfd && o.console);
        let o = p(&["-IN", "z"]).unwrap();
        assert!(o.nohup);
    }

    #[test]
    fn odd_input_never_panics() {
        for args in [
            &["-", "z"][..],
            &["-é", "z"],
            &["-lé"],
            &["-Ré", "z"],
            &["-e", "", "z"],
            &["-eé", "z"],
        ] {
            let _ = p(args);
        }
        // A lone "-" is an operand (the zone name), as with getopt.
        assert_eq!(p(&["-", "x"]).unwrap().zone, "-");
    }
}
