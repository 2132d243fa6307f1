//! zonecfg's command line, read the way illumos reads it: `help` as the first word, then
//! getopt(3C) with `?f:R:z:` (options end at the first word that is not one), then either
//! nothing (interactive), `-f file`, or the words of a one-shot command.

use libzone::config::names;
use libzone::zonecfg::help::{self, flags};
use libzone::zonecfg::session::not_supported;

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

/// A command line zonecfg refuses: the texts to print and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

const EXIT_ERR: i32 = 1;
const EXIT_USAGE: i32 = 2;

fn usage_error(stderr: String) -> Refused {
    Refused {
        stdout: String::new(),
        stderr,
        code: EXIT_USAGE,
    }
}

/// Solaris 11 options this zonecfg does not have (`-r`: edit the live configuration of a
/// running zone): refused by name rather than as unknown options.
const SOLARIS_11_ONLY: &[char] = &['r'];

/// Options that take an argument.
const WITH_ARGUMENT: &[char] = &['f', 'R', 'z'];

/// Reads `args` (without argv\[0\]); `program` is the basename zonecfg was run as.
pub fn parse(program: &str, args: &[String]) -> Result<Invocation, Refused> {
    if args.is_empty() {
        return Err(usage_error(help::cli_usage(program)));
    }
    if args[0] == "help" {
        return Ok(Invocation::Help(args[1..].to_vec()));
    }
    let short_usage = || help::cli_usage_short(program);
    let mut zone: Option<String> = None;
    let mut root = None;
    let mut file = None;
    let mut optind = 0;
    while optind < args.len() {
        let word = &args[optind];
        if word == "--" {
            optind += 1;
            break;
        }
        let Some(cluster) = word.strip_prefix('-').filter(|c| !c.is_empty()) else {
            break;
        };
        optind += 1;
        // Every option zonecfg has but `-?` takes an argument, so a word holds one option,
        // its argument possibly glued on (`-zname`).
        let Some(opt) = cluster.chars().next() else {
            break;
        };
        if !WITH_ARGUMENT.contains(&opt) {
            if opt == '?' {
                // Asked for: the full usage on stdout, yet still zonecfg's usage status.
                return Err(Refused {
                    stdout: help::usage(program, flags::USAGE | flags::SUBCMDS, true, None),
                    stderr: String::new(),
                    code: EXIT_USAGE,
                });
            }
            if SOLARIS_11_ONLY.contains(&opt) {
                return Err(Refused {
                    stdout: String::new(),
                    stderr: format!("{}\n", not_supported(program, &format!("-{opt}"))),
                    code: EXIT_ERR,
                });
            }
            return Err(usage_error(format!(
                "{program}: illegal option -- {opt}\n{}",
                short_usage()
            )));
        }
        let rest = &cluster[opt.len_utf8()..];
        let value = if !rest.is_empty() {
            rest.to_string()
        } else if let Some(next) = args.get(optind) {
            optind += 1;
            next.clone()
        } else {
            return Err(usage_error(format!(
                "{program}: option requires an argument -- {opt}\n{}",
                short_usage()
            )));
        };
        match opt {
            'f' => file = Some(value),
            'R' => root = Some(check_root(&value)?),
            _ => {
                if names::validate_cli_zone_name(&value).is_err() {
                    return Err(usage_error(format!(
                        "{value}: Bogus zone name\n{}",
                        help::usage(program, flags::SYNTAX, false, None)
                    )));
                }
                zone = Some(value);
            }
        }
    }
    let Some(zone) = zone else {
        return Err(usage_error(short_usage()));
    };
    Ok(Invocation::Edit(Edit {
        zone,
        root,
        file,
        words: args[optind..].to_vec(),
    }))
}

/// `-R`: an absolute path to a directory.
fn check_root(root: &str) -> Result<String, Refused> {
    if !root.starts_with('/') {
        return Err(usage_error(format!("root path must be absolute: {root}\n")));
    }
    if !std::path::Path::new(root).is_dir() {
        return Err(usage_error(format!(
            "root path must be a directory: {root}\n"
        )));
    }
    Ok(root.to_string())
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
    fn write_access() {
        let base = std::env::temp_dir().join(format!("zonecfg-cli-{}", std::process::id()));
        let dir = base.join("etc/zones");
        assert_eq!(writable(&dir, &dir.join("z.xml")), Ok(true));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(writable(&dir, &dir.join("z.xml")), Ok(true));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
