//! `zoneadm [-R root] [-z zone] [-u uuid-match] subcommand [options]`, read as illumos reads
//! it: the global options first (getopt's `?R:u:z:`, ending at the subcommand), then the
//! subcommand's name, then the subcommand's own options ([`SubcommandLine`]). Two steps, so
//! a misused subcommand is told apart from an unknown one: the first gets its own usage,
//! the second zoneadm's.

use crate::getopt::{parse_part, Stop};
use clap::{ArgAction, Args, Parser};
use std::path::PathBuf;

#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "zoneadm")]
pub struct Zoneadm {
    /// Alternate root.
    #[arg(short = 'R')]
    pub root: Option<PathBuf>,
    /// The zone to act on.
    #[arg(short = 'z')]
    pub zone: Option<String>,
    /// The zone to act on, by its UUID.
    #[arg(short = 'u')]
    pub uuid: Option<String>,
    /// `-?`: the full usage, asked for (stops the reading, as `--help`).
    #[arg(short = '?', action = ArgAction::Help)]
    pub usage_asked_for: Option<bool>,
    /// The subcommand's name and its arguments, read by [`SubcommandLine`].
    #[arg(trailing_var_arg = true)]
    pub subcommand: Vec<String>,
}

/// The subcommand's words (its name first).
#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(name = "zoneadm")]
pub struct SubcommandLine {
    #[command(subcommand)]
    pub subcommand: Subcommand,
}

impl SubcommandLine {
    /// Read the subcommand's words (its name first). The words after `install` are handed
    /// on exactly as given: whoever reads them (the brand's installer) tells `-- -x` from
    /// `-x`, and clap would drop that `--`.
    pub fn read(words: Vec<String>) -> Result<Subcommand, Stop> {
        let after_name = words.get(1..).unwrap_or_default().to_vec();
        let mut sub = parse_part::<SubcommandLine>("zoneadm", words)?.subcommand;
        if let Some(raw) = sub.raw_words_mut() {
            raw.args = after_name;
        }
        Ok(sub)
    }

    /// Whether `name` is one of zoneadm's subcommands, hidden ones included.
    pub fn knows(name: &str) -> bool {
        use clap::CommandFactory;
        SubcommandLine::command().find_subcommand(name).is_some()
    }
}

#[derive(clap::Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Subcommand {
    /// `help`: the full usage (whatever follows).
    Help {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        topics: Vec<String>,
    },
    /// `boot [-- boot_arguments]`.
    Boot(BootArgs),
    /// `halt`.
    Halt,
    /// `ready`.
    Ready,
    /// `shutdown [-r [-- boot_arguments]]`.
    Shutdown {
        /// Reboot after the shutdown.
        #[arg(short = 'r')]
        reboot: bool,
        #[command(flatten)]
        boot: BootArgs,
    },
    /// `reboot [-- boot_arguments]`.
    Reboot(BootArgs),
    /// `list [-cipv]`.
    List(ListArgs),
    /// `verify`.
    Verify,
    /// `install [brand-specific args]`.
    Install(BrandArgs),
    /// `uninstall [-F]`.
    Uninstall {
        /// No confirmation asked.
        #[arg(short = 'F')]
        force: bool,
    },
    /// `clone [-m method] [-s <ZFS snapshot>] zonename`.
    Clone(CloneArgs),
    /// `move zonepath`.
    Move(MoveArgs),
    /// `detach [-n]`.
    Detach(DetachArgs),
    /// `attach [-F] [-n <path>]`.
    Attach(AttachArgs),
    /// `mark incomplete`.
    Mark {
        /// The state to mark the zone with (only `incomplete`).
        state: String,
    },
    /// Apply the zone's configuration to it while it runs (internal).
    #[command(hide = true)]
    Apply,
    /// Print the zone's compiled plan as an OCI `config.json` (diagnosis).
    #[command(hide = true)]
    Plan,
}

impl Subcommand {
    /// The words of a subcommand that reads none of them here ([`BrandArgs`]).
    fn raw_words_mut(&mut self) -> Option<&mut BrandArgs> {
        match self {
            Subcommand::Install(b) => Some(b),
            Subcommand::Help { .. }
            | Subcommand::Boot(_)
            | Subcommand::Halt
            | Subcommand::Ready
            | Subcommand::Shutdown { .. }
            | Subcommand::Reboot(_)
            | Subcommand::List(_)
            | Subcommand::Verify
            | Subcommand::Uninstall { .. }
            | Subcommand::Clone(_)
            | Subcommand::Move(_)
            | Subcommand::Detach(_)
            | Subcommand::Attach(_)
            | Subcommand::Mark { .. }
            | Subcommand::Apply
            | Subcommand::Plan => None,
        }
    }
}

/// `install [-a archive | -d path]`, Solaris 11's install sources, read from the words
/// [`Subcommand::Install`] hands on (after the zone is known to be one install may act on,
/// as Solaris checks the zone before its brand reads the options). No option: the brand's
/// own source (the skeleton of a sparse zone, a bootstrap of the host's distribution for a
/// whole-root zone).
#[derive(Parser, Debug, Clone, PartialEq, Eq, Default)]
#[command(name = "install")]
pub struct InstallArgs {
    /// A tar archive (plain, gzip, xz or zstd), an `oci-archive` tar or an OCI image
    /// layout directory.
    #[arg(short = 'a', value_name = "archive", conflicts_with = "dir")]
    pub archive: Option<PathBuf>,
    /// A directory tree to copy.
    #[arg(short = 'd', value_name = "path")]
    pub dir: Option<PathBuf>,
}

impl InstallArgs {
    /// Read install's words (those after `install`).
    pub fn read(words: &[String]) -> Result<InstallArgs, Stop> {
        parse_part::<InstallArgs>("install", words.to_vec())
    }

    /// The source the options name.
    pub fn source(&self) -> libzone::install::InstallSource {
        use libzone::install::InstallSource;
        match (&self.archive, &self.dir) {
            (Some(a), _) => InstallSource::Archive(a.clone()),
            (None, Some(d)) => InstallSource::Directory(d.clone()),
            (None, None) => InstallSource::Default,
        }
    }
}

/// Boot arguments: only after `--`, passed on to the zone's init.
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
pub struct BootArgs {
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// The words after a subcommand that zoneadm hands on unread, as Solaris' zoneadm hands
/// them to the brand (`install -a archive`, `attach -F`, `clone -m copy zone`, ...): every
/// word as given, `--` included ([`SubcommandLine::read`]).
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
pub struct BrandArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// `clone [-m method] [-s <ZFS snapshot>] zonename`: the zone to copy, and how.
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
pub struct CloneArgs {
    /// The method: only `copy`.
    #[arg(short = 'm')]
    pub method: Option<String>,
    /// A ZFS snapshot of the source zone to clone from.
    #[arg(short = 's')]
    pub snapshot: Option<String>,
    /// The source zone.
    pub source: String,
}

/// `move zonepath`.
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
pub struct MoveArgs {
    /// The new zonepath.
    pub zonepath: String,
}

/// `detach [-n]`.
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
pub struct DetachArgs {
    /// Print the manifest; detach nothing.
    #[arg(short = 'n')]
    pub dry_run: bool,
}

/// `attach [-F] [-n <path>]`.
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachArgs {
    /// Attach without checking the zonepath.
    #[arg(short = 'F')]
    pub force: bool,
    /// Only validate the detached zone at this path (`-`: a manifest on standard input).
    #[arg(short = 'n')]
    pub dry_run: Option<String>,
}

#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
pub struct ListArgs {
    /// Configured zones too.
    #[arg(short = 'c')]
    pub configured: bool,
    /// Installed zones too.
    #[arg(short = 'i')]
    pub installed: bool,
    /// Machine-parsable output.
    #[arg(short = 'p')]
    pub parsable: bool,
    /// Verbose output.
    #[arg(short = 'v')]
    pub verbose: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::getopt::parse;

    fn words(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn global(a: &[&str]) -> Result<Zoneadm, Stop> {
        parse(words(a))
    }

    fn sub(a: &[&str]) -> Result<Subcommand, Stop> {
        SubcommandLine::read(words(a))
    }

    #[test]
    fn global_options_end_at_the_subcommand() {
        let z = global(&["-R", "/r", "-zweb", "boot", "--", "-s"]).unwrap();
        assert_eq!(z.root, Some(PathBuf::from("/r")));
        assert_eq!(z.zone.as_deref(), Some("web"));
        assert_eq!(z.subcommand, words(&["boot", "--", "-s"]));
        assert_eq!(global(&["--", "list"]).unwrap().subcommand, ["list"]);
        assert_eq!(
            global(&["-z", "a", "list", "-z", "b"])
                .unwrap()
                .zone
                .as_deref(),
            Some("a")
        );
        assert!(matches!(global(&["-?", "-k"]), Err(Stop::Help)));
        assert!(matches!(global(&["-k", "-?"]), Err(Stop::Unknown('k'))));
        assert!(matches!(global(&["-z"]), Err(Stop::MissingArgument('z'))));
    }

    #[test]
    fn install_options() {
        use libzone::install::InstallSource;
        let read = |a: &[&str]| InstallArgs::read(&words(a));
        assert_eq!(read(&[]).unwrap().source(), InstallSource::Default);
        assert_eq!(
            read(&["-a", "/x.tar.gz"]).unwrap().source(),
            InstallSource::Archive("/x.tar.gz".into())
        );
        assert_eq!(
            read(&["-d/tree"]).unwrap().source(),
            InstallSource::Directory("/tree".into())
        );
        // getopt: the argument is the next word, the last of a repeated option wins.
        assert_eq!(
            read(&["-a", "-d"]).unwrap().source(),
            InstallSource::Archive("-d".into())
        );
        assert_eq!(
            read(&["-a", "x", "-a", "y"]).unwrap().source(),
            InstallSource::Archive("y".into())
        );
        assert!(matches!(read(&["--bogus"]), Err(Stop::Unknown('-'))));
        assert!(matches!(read(&["-x"]), Err(Stop::Unknown('x'))));
        assert!(matches!(read(&["-a"]), Err(Stop::MissingArgument('a'))));
        assert!(matches!(
            read(&["-a", "x", "extra"]),
            Err(Stop::UnexpectedOperand(_))
        ));
        assert!(matches!(read(&["-a", "x", "-d", "y"]), Err(Stop::Usage)));
        assert!(matches!(read(&["-V"]), Err(Stop::Unknown('V'))));
    }

    #[test]
    fn subcommands() {
        assert!(matches!(
            sub(&["boot", "--", "-s", "--", "x"]),
            Ok(Subcommand::Boot(b)) if b.args == ["-s", "--", "x"]
        ));
        assert!(matches!(sub(&["boot", "-s"]), Err(Stop::Unknown('s'))));
        assert!(matches!(sub(&["boot", "x"]), Err(Stop::UnexpectedOperand(w)) if w == "x"));
        assert!(matches!(
            sub(&["shutdown", "-r", "--", "-s"]),
            Ok(Subcommand::Shutdown { reboot: true, boot }) if boot.args == ["-s"]
        ));
        assert!(matches!(
            sub(&["list", "-pv", "-c"]),
            Ok(Subcommand::List(ListArgs {
                configured: true,
                installed: false,
                parsable: true,
                verbose: true
            }))
        ));
        assert!(matches!(
            sub(&["install", "-a", "/x.tar", "--bogus", "-V"]),
            Ok(Subcommand::Install(b)) if b.args == ["-a", "/x.tar", "--bogus", "-V"]
        ));
        // Handed on word for word, a leading `--` too.
        for rest in [
            &[][..],
            &["--"],
            &["--", "-x"],
            &["-n", "-", "--", "y"],
            &["-", "--help"],
            &["x", "--", "-V"],
        ] {
            let line: Vec<&str> = std::iter::once("install")
                .chain(rest.iter().copied())
                .collect();
            assert_eq!(
                sub(&line).unwrap(),
                Subcommand::Install(BrandArgs { args: words(rest) }),
                "{line:?}"
            );
        }
        // clone, move, detach and attach read their options as Solaris' getopt does.
        assert_eq!(
            sub(&["clone", "-m", "copy", "src"]).unwrap(),
            Subcommand::Clone(CloneArgs {
                method: Some("copy".into()),
                snapshot: None,
                source: "src".into()
            })
        );
        assert!(matches!(
            sub(&["clone", "-s", "snap", "--", "-src"]),
            Ok(Subcommand::Clone(c)) if c.snapshot.as_deref() == Some("snap") && c.source == "-src"
        ));
        assert!(matches!(sub(&["clone"]), Err(Stop::Usage)));
        assert!(matches!(sub(&["clone", "a", "b"]), Err(Stop::UnexpectedOperand(w)) if w == "b"));
        assert!(matches!(
            sub(&["clone", "-x", "a"]),
            Err(Stop::Unknown('x'))
        ));
        assert!(matches!(
            sub(&["clone", "-m"]),
            Err(Stop::MissingArgument('m'))
        ));
        assert!(matches!(
            sub(&["move", "/z/new"]),
            Ok(Subcommand::Move(m)) if m.zonepath == "/z/new"
        ));
        assert!(matches!(sub(&["move"]), Err(Stop::Usage)));
        assert!(matches!(
            sub(&["move", "-F", "/z"]),
            Err(Stop::Unknown('F'))
        ));
        assert_eq!(
            sub(&["detach", "-n"]).unwrap(),
            Subcommand::Detach(DetachArgs { dry_run: true })
        );
        assert_eq!(
            sub(&["detach"]).unwrap(),
            Subcommand::Detach(DetachArgs { dry_run: false })
        );
        assert!(matches!(
            sub(&["detach", "x"]),
            Err(Stop::UnexpectedOperand(_))
        ));
        assert_eq!(
            sub(&["attach", "-F"]).unwrap(),
            Subcommand::Attach(AttachArgs {
                force: true,
                dry_run: None
            })
        );
        assert_eq!(
            sub(&["attach", "-n", "-"]).unwrap(),
            Subcommand::Attach(AttachArgs {
                force: false,
                dry_run: Some("-".into())
            })
        );
        assert!(matches!(
            sub(&["attach", "-n"]),
            Err(Stop::MissingArgument('n'))
        ));
        assert!(matches!(sub(&["attach", "-u"]), Err(Stop::Unknown('u'))));
        assert!(matches!(
            sub(&["help", "-x", "boot"]),
            Ok(Subcommand::Help { .. })
        ));
        assert!(
            matches!(sub(&["mark", "incomplete"]), Ok(Subcommand::Mark { state }) if state == "incomplete")
        );
        assert!(matches!(sub(&["mark"]), Err(Stop::Usage)));
        assert!(matches!(sub(&["verify", "--"]), Ok(Subcommand::Verify)));
        assert!(
            matches!(sub(&["frobnicate"]), Err(Stop::UnexpectedOperand(w)) if w == "frobnicate")
        );
        // No help of clap's own, no abbreviations.
        assert!(matches!(sub(&["halt", "--help"]), Err(Stop::Unknown('-'))));
        assert!(matches!(sub(&["verify", "-h"]), Err(Stop::Unknown('h'))));
        assert!(sub(&["ver"]).is_err());
        assert!(SubcommandLine::knows("plan") && SubcommandLine::knows("attach"));
        assert!(!SubcommandLine::knows("frobnicate"));
    }
}
