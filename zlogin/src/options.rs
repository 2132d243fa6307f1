//! zlogin's command line, parsed getopt-style (`diNnECIR:Se:l:Q`, options stop at the zone
//! name) and checked the way illumos' zlogin checks it, with its messages.

use libzone::runtime::escape::{self, DEFAULT_ESCAPE};
use std::path::PathBuf;

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

/// A command line zlogin refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Print `zlogin: <message>` (if any), then the usage line; exit 2.
    Usage(Option<String>),
    /// Print `zlogin: <message>`; exit 2.
    Fatal(String),
}

fn usage(msg: impl Into<String>) -> ParseError {
    ParseError::Usage(Some(msg.into()))
}

/// Parse the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Options, ParseError> {
    let mut o = Options {
        console: false,
        disconnect: false,
        escape_char: DEFAULT_ESCAPE,
        no_escape: false,
        interactive: false,
        zfd: false,
        nohup: false,
        null_stdin: false,
        quiet: false,
        safe: false,
        user: None,
        root: PathBuf::from("/"),
        zone: String::new(),
        command: Vec::new(),
    };
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if arg.len() < 2 || !arg.starts_with('-') {
            break;
        }
        i += 1;
        for (at, c) in arg[1..].char_indices() {
            if matches!(c, 'R' | 'e' | 'l') {
                let rest = &arg[1 + at + c.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest.to_string()
                } else if let Some(next) = args.get(i) {
                    i += 1;
                    next.clone()
                } else {
                    return Err(usage(format!("option requires an argument -- {c}")));
                };
                match c {
                    'R' => {
                        if !value.starts_with('/') {
                            return Err(ParseError::Fatal("root path must be absolute.".into()));
                        }
                        o.root = PathBuf::from(value);
                    }
                    'e' => {
                        o.escape_char =
                            escape::parse_escape_char(&value).map_err(|e| usage(e.to_string()))?;
                    }
                    _ => o.user = Some(value),
                }
                break;
            }
            match c {
                'C' => o.console = true,
                'd' => o.disconnect = true,
                'E' => o.no_escape = true,
                'i' => o.interactive = true,
                // Like illumos: -I is a variant of console mode.
                'I' => {
                    o.console = true;
                    o.zfd = true;
                }
                'N' => o.nohup = true,
                'n' => o.null_stdin = true,
                'Q' => o.quiet = true,
                'S' => o.safe = true,
                other => return Err(usage(format!("illegal option -- {other}"))),
            }
        }
    }
    check(&mut o, &args[i.min(args.len())..])?;
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
