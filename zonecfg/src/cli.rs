//! zonecfg's command line, read the way illumos reads it: `help` as the first word, then the
//! options of `zones_cli::zonecfg` (getopt's `?f:R:z:`, ending at the first word that is not
//! one), then either nothing (interactive), `-f file`, or the words of a one-shot command.

use libzone::zonecfg::help::{self, flags};
use libzone::zonecfg::session::not_supported;
use zones_cli::getopt::{self, Stop};
use zones_cli::zonecfg::{Refusal, Zonecfg};

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `zonecfg help [topic...]`.
    Help(Vec<String>),
    /// Edit `zone`'s configuration under `root`.
    Edit(Edit),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub zone: String,
    /// `-R`, when given.
    pub root: Option<String>,
    /// `-f`, when given (`-` is standard input).
    pub file: Option<String>,
    /// The words of a one-shot command; empty for interactive and `-f` use.
    pub words: Vec<String>,
}

/// A command line zonecfg refuses, or a request that ends it: the texts to print and the
/// exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

const EXIT_OK: i32 = 0;
const EXIT_ERR: i32 = 1;
const EXIT_USAGE: i32 = 2;

fn usage_error(stderr: String) -> Refused {
    Refused {
        stdout: String::new(),
        stderr,
        code: EXIT_USAGE,
    }
}

/// The full usage, as `-?` prints it.
fn full_usage(program: &str) -> String {
    help::usage(program, flags::USAGE | flags::SUBCMDS, true, None)
}

/// What zonecfg prints where getopt, or one of its option checks, stopped.
fn refused(program: &str, stop: Stop) -> Refused {
    let short_usage = || help::cli_usage_short(program);
    match stop {
        Stop::Version => Refused {
            stdout: format!("{}\n", getopt::version_line(program)),
            stderr: String::new(),
            code: EXIT_OK,
        },
        Stop::Help => Refused {
            stdout: full_usage(program),
            stderr: String::new(),
            code: EXIT_OK,
        },
        Stop::Unknown(c) => usage_error(format!(
            "{program}: illegal option -- {c}\n{}",
            short_usage()
        )),
        Stop::MissingArgument(c) => usage_error(format!(
            "{program}: option requires an argument -- {c}\n{}",
            short_usage()
        )),
        Stop::Refused(_) => match stop.refusal::<Refusal>() {
            // Asked for: the full usage on stdout, yet still zonecfg's usage status.
            Some(Refusal::UsageAskedFor) => Refused {
                stdout: full_usage(program),
                stderr: String::new(),
                code: EXIT_USAGE,
            },
            Some(Refusal::NotSupported(c)) => Refused {
                stdout: String::new(),
                stderr: format!("{}\n", not_supported(program, &format!("-{c}"))),
                code: EXIT_ERR,
            },
            Some(r @ Refusal::BogusZoneName(_)) => usage_error(format!(
                "{r}\n{}",
                help::usage(program, flags::SYNTAX, false, None)
            )),
            Some(r @ (Refusal::RootNotAbsolute(_) | Refusal::RootNotDirectory(_))) => {
                usage_error(format!("{r}\n"))
            }
            None => usage_error(short_usage()),
        },
        Stop::UnexpectedOperand(_) | Stop::Usage => usage_error(short_usage()),
    }
}

/// Reads `args` (without argv\[0\]); `program` is the basename zonecfg was run as.
pub fn parse(program: &str, args: &[String]) -> Result<Invocation, Refused> {
    if args.is_empty() {
        return Err(usage_error(help::cli_usage(program)));
    }
    if args[0] == "help" {
        return Ok(Invocation::Help(args[1..].to_vec()));
    }
    let z: Zonecfg = getopt::parse(args.to_vec()).map_err(|stop| refused(program, stop))?;
    let Some(zone) = z.zone else {
        return Err(usage_error(help::cli_usage_short(program)));
    };
    Ok(Invocation::Edit(Edit {
        zone,
        root: z.root,
        file: z.file,
        words: z.words,
    }))
}

/// Whether this user may change the zone's configuration: the zone's file when it exists,
/// else the configuration directory when that exists (zonecfg_access()). A store that does
/// not exist yet will be created by the first commit, so it counts as writable; whether that
/// is allowed shows then.
pub fn writable(config_dir: &std::path::Path, zone_file: &std::path::Path) -> Result<bool, String> {
    use nix::unistd::{access, AccessFlags};
    let target = if zone_file.exists() {
        zone_file
    } else if config_dir.exists() {
        config_dir
    } else {
        return Ok(true);
    };
    match access(target, AccessFlags::W_OK) {
        Ok(()) => Ok(true),
        Err(nix::errno::Errno::EACCES | nix::errno::Errno::EROFS) => Ok(false),
        Err(e) => Err(e.desc().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn edit(a: &[&str]) -> Edit {
        match parse("zonecfg", &args(a)) {
            Ok(Invocation::Edit(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn modes() {
        let e = edit(&["-z", "web"]);
        assert_eq!((e.zone.as_str(), e.file, e.words.len()), ("web", None, 0));
        let e = edit(&["-zweb", "-f", "-"]);
        assert_eq!(e.file.as_deref(), Some("-"));
        let e = edit(&["-R", "/", "-z", "web", "create", "-b", ";", "commit"]);
        assert_eq!(e.root.as_deref(), Some("/"));
        assert_eq!(e.words, args(&["create", "-b", ";", "commit"]));
        let e = edit(&["-z", "web", "--", "-x"]);
        assert_eq!(e.words, args(&["-x"]));
        assert_eq!(edit(&["-z", "global"]).zone, "global");
        assert_eq!(
            parse("zonecfg", &args(&["help", "create"])),
            Ok(Invocation::Help(args(&["create"])))
        );
    }

    #[test]
    fn refusals() {
        let r = parse("zonecfg", &[]).unwrap_err();
        assert_eq!(r.code, 2);
        assert!(r.stderr.starts_with("usage:\tzonecfg help\n"));
        assert!(r.stderr.contains("Commands:"));
        let r = parse("zonecfg", &args(&["-q"])).unwrap_err();
        assert_eq!(r.code, 2);
        assert!(r
            .stderr
            .starts_with("zonecfg: illegal option -- q\nusage:\tzonecfg help\n"));
        let r = parse("zonecfg", &args(&["-z"])).unwrap_err();
        assert!(r
            .stderr
            .starts_with("zonecfg: option requires an argument -- z\n"));
        let r = parse("zonecfg", &args(&["-z", "bad name"])).unwrap_err();
        assert_eq!(r.code, 2);
        assert!(r
            .stderr
            .starts_with("bad name: Bogus zone name\n\n<zone> :="));
        let r = parse("zonecfg", &args(&["-f", "x"])).unwrap_err();
        assert_eq!(r.stderr, help::cli_usage_short("zonecfg"));
        let r = parse("zonecfg", &args(&["-R", "rel", "-z", "a"])).unwrap_err();
        assert_eq!(r.stderr, "root path must be absolute: rel\n");
        let r = parse("zonecfg", &args(&["-R", "/nonexistent/x", "-z", "a"])).unwrap_err();
        assert_eq!(r.stderr, "root path must be a directory: /nonexistent/x\n");
        let r = parse("zonecfg", &args(&["-z", "a", "-r"])).unwrap_err();
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (1, "zonecfg: -r: not supported\n")
        );
        let r = parse("zonecfg", &args(&["-?"])).unwrap_err();
        assert_eq!(r.code, 2);
        assert!(r.stdout.starts_with("usage:\tzonecfg help\n"));
    }

    #[test]
    fn getopt_corners() {
        // The first problem in the order of the words is the one reported.
        let r = parse("zonecfg", &args(&["-r", "-q"])).unwrap_err();
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (1, "zonecfg: -r: not supported\n")
        );
        let r = parse("zonecfg", &args(&["-q", "-r"])).unwrap_err();
        assert!(r.stderr.starts_with("zonecfg: illegal option -- q\n"));
        let r = parse("zonecfg", &args(&["-z", "bad name", "-q"])).unwrap_err();
        assert!(r.stderr.starts_with("bad name: Bogus zone name\n"));
        let r = parse("zonecfg", &args(&["-?", "-q"])).unwrap_err();
        assert_eq!((r.code, r.stderr.as_str()), (2, ""));
        // An option's argument is the next word whatever it looks like.
        let r = parse("zonecfg", &args(&["-z", "-f"])).unwrap_err();
        assert!(r.stderr.starts_with("-f: Bogus zone name\n"));
        assert_eq!(edit(&["-f", "-z", "-z", "a"]).file.as_deref(), Some("-z"));
        // An attached argument is taken whole.
        let r = parse("zonecfg", &args(&["-z=a"])).unwrap_err();
        assert!(r.stderr.starts_with("=a: Bogus zone name\n"));
        // A long option is an illegal `-`, as getopt sees it.
        let r = parse("zonecfg", &args(&["--zone", "a"])).unwrap_err();
        assert!(r.stderr.starts_with("zonecfg: illegal option -- -\n"));
        // The last of a repeated option wins; `help` counts only as the first word.
        assert_eq!(edit(&["-z", "a", "-z", "b"]).zone, "b");
        assert_eq!(edit(&["-z", "a", "help"]).words, args(&["help"]));
        let r = parse("zonecfg", &args(&["--", "help"])).unwrap_err();
        assert_eq!(r.stderr, help::cli_usage_short("zonecfg"));
    }

    #[test]
    fn version_and_help() {
        for a in [&["-V"][..], &["--version"], &["-z", "a", "-V", "-q"]] {
            let r = parse("zonecfg", &args(a)).unwrap_err();
            assert_eq!(
                (r.code, r.stdout, r.stderr.as_str()),
                (
                    0,
                    format!("zonecfg (zones) {}\n", env!("CARGO_PKG_VERSION")),
                    ""
                ),
                "{a:?}"
            );
        }
        let r = parse("zonecfg", &args(&["--help"])).unwrap_err();
        assert_eq!((r.code, r.stderr.as_str()), (0, ""));
        assert_eq!(r.stdout, full_usage("zonecfg"));
        // After the options it is a word of the one-shot command.
        assert_eq!(
            edit(&["-z", "a", "info", "-V"]).words,
            args(&["info", "-V"])
        );
    }

    #[test]
    fn write_access() {
        let base = std::env::temp_dir().join(format!("zonecfg-cli-{}", std::process::id()));
        let dir = base.join("etc/zones");
        assert_eq!(writable(&dir, &dir.join("z.xml")), Ok(true));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(writable(&dir, &dir.join("z.xml")), Ok(true));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
