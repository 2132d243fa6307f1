//! Solaris' getopt(3C) read by clap.
//!
//! The commands' option syntax is getopt's, and users' scripts depend on it: one-letter
//! options, grouped (`-dc cmd`), an option's argument attached (`-ccmd`, `-e=`) or the next
//! word even when that starts with `-` (`-l -C`), options ending at `--` or at the first
//! operand (what follows belongs to the operand: `zlogin zone ls -l`), a lone `-` an operand,
//! a repeated option's last argument winning. The structs of this crate declare the options;
//! [`parse`] reads a command line with them and turns clap's errors into what getopt reports
//! ([`Stop`]), so each command prints Solaris' own message and usage text, never clap's.
//!
//! Two things every command gets here rather than in its struct: `-V`/`--version` (the
//! program's version, [`version_line`]) and `--help` (the command's usage text on standard
//! output). Neither exists in Solaris; both stop reading the command line where they stand,
//! as an explicit request does.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory, FromArgMatches};

/// Why reading a command line stopped before it gave the command's arguments.
#[derive(Debug)]
pub enum Stop {
    /// `-V` or `--version`: print [`version_line`], exit 0.
    Version,
    /// `--help`, or an option the command declares as its help (zoneadm's `-?`).
    Help,
    /// An option letter the command does not have (getopt: `illegal option -- c`); `-` for a
    /// long option (`--foo`), as getopt sees a word starting with `--`.
    Unknown(char),
    /// An option given without its argument (getopt: `option requires an argument -- c`).
    MissingArgument(char),
    /// An operand the command does not take.
    UnexpectedOperand(String),
    /// An argument refused by its value parser; [`Stop::refusal`] gives the parser's error.
    Refused(clap::Error),
    /// Any other misuse clap found (a missing operand, a missing subcommand, ...).
    Usage,
}

impl Stop {
    /// The error of the value parser that refused an argument, when it is an `R`.
    pub fn refusal<R: std::error::Error + 'static>(&self) -> Option<&R> {
        match self {
            Stop::Refused(e) => std::error::Error::source(e)?.downcast_ref::<R>(),
            _ => None,
        }
    }

    fn from_clap(e: clap::Error) -> Stop {
        let arg = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => Some(s.clone()),
            _ => None,
        };
        match e.kind() {
            ErrorKind::DisplayVersion => Stop::Version,
            ErrorKind::DisplayHelp => Stop::Help,
            ErrorKind::UnknownArgument => match arg {
                Some(word) if word.len() > 1 && word.starts_with('-') => {
                    Stop::Unknown(option_letter(&word))
                }
                Some(word) => Stop::UnexpectedOperand(word),
                None => Stop::Usage,
            },
            ErrorKind::InvalidSubcommand => match e.get(ContextKind::InvalidSubcommand) {
                Some(ContextValue::String(s)) => Stop::UnexpectedOperand(s.clone()),
                _ => Stop::Usage,
            },
            // The only values clap itself checks here are "is there one": no option has a
            // list of possible values, so an invalid value is a missing one.
            ErrorKind::InvalidValue => match arg {
                Some(a) => Stop::MissingArgument(option_letter(&a)),
                None => Stop::Usage,
            },
            ErrorKind::ValueValidation => Stop::Refused(e),
            _ => Stop::Usage,
        }
    }
}

/// The letter getopt names for the option clap describes as `word` (`-x`, `-l <USER>`): the
/// one after the first `-`, which is `-` itself for a long option.
fn option_letter(word: &str) -> char {
    word.chars().nth(1).unwrap_or('-')
}

/// `<command> (zones) <version>`, what `-V` prints.
pub fn version_line(command: &str) -> String {
    format!("{command} (zones) {}", env!("CARGO_PKG_VERSION"))
}

/// The command `T` declares, with getopt's rules and no option of clap's own; with
/// `standard`, plus `-V`/`--version` and `--help`.
fn command<T: CommandFactory>(standard: bool) -> Command {
    let cmd = T::command()
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .args_override_self(true)
        // An option's argument is the next word, whatever it looks like.
        .mut_args(|a| {
            if a.get_short().is_some() && a.get_action().takes_values() {
                a.allow_hyphen_values(true)
            } else {
                a
            }
        });
    if !standard {
        return cmd;
    }
    cmd.version(env!("CARGO_PKG_VERSION"))
        .arg(
            Arg::new("zones-version")
                .short('V')
                .long("version")
                .action(ArgAction::Version),
        )
        .arg(Arg::new("zones-help").long("help").action(ArgAction::Help))
}

/// Each option's argument rewritten into the `-o=argument` form, for two reasons: clap
/// drops a leading `=` from an attached argument (`-o=v` is `v` to clap, `=v` to getopt), and
/// it checks an argument given as the next word only when it reads the word after, dropping
/// the check when that word is an unknown option; getopt reports the first problem in the
/// order of the words. Only the words getopt reads as options are rewritten (up to `--` or
/// the first operand); an option missing its argument is left for clap to report.
fn attach_arguments(cmd: &Command, args: Vec<String>) -> Vec<String> {
    let takes_value = |c: char| {
        cmd.get_arguments()
            .any(|a| a.get_short() == Some(c) && a.get_action().takes_values())
    };
    let mut out = Vec::with_capacity(args.len());
    let mut words = args.into_iter();
    while let Some(word) = words.next() {
        if word == "--" || word == "-" || !word.starts_with('-') {
            out.push(word);
            break;
        }
        if word.starts_with("--") {
            out.push(word);
            continue;
        }
        let option_end = word
            .char_indices()
            .skip(1)
            .find(|&(_, c)| takes_value(c))
            .map(|(at, c)| at + c.len_utf8());
        match option_end {
            None => out.push(word),
            Some(end) if end < word.len() => out.push(format!("{}={}", &word[..end], &word[end..])),
            Some(_) => match words.next() {
                Some(argument) => out.push(format!("{word}={argument}")),
                None => out.push(word),
            },
        }
    }
    out.extend(words);
    out
}

fn matches<T: CommandFactory>(
    standard: bool,
    program: &str,
    args: Vec<String>,
    ignore_errors: bool,
) -> (Command, Result<ArgMatches, clap::Error>) {
    let cmd = command::<T>(standard).ignore_errors(ignore_errors);
    let args = attach_arguments(&cmd, args);
    let result = cmd
        .clone()
        .try_get_matches_from(std::iter::once(program.to_string()).chain(args));
    (cmd, result)
}

fn from_matches<T: FromArgMatches>(m: &ArgMatches) -> Result<T, Stop> {
    T::from_arg_matches(m).map_err(Stop::from_clap)
}

/// Read `args` (without the program name) as command `T`, with `-V`/`--version` and
/// `--help`.
pub fn parse<T: CommandFactory + FromArgMatches>(args: Vec<String>) -> Result<T, Stop> {
    let (_, m) = matches::<T>(true, "", args, false);
    from_matches(&m.map_err(Stop::from_clap)?)
}

/// Read `args` (without the program name) as a part of a command line that has no
/// `-V`/`--version` or `--help` of its own (zoneadm's subcommands); `program` names it.
pub fn parse_part<T: CommandFactory + FromArgMatches>(
    program: &str,
    args: Vec<String>,
) -> Result<T, Stop> {
    let (_, m) = matches::<T>(false, program, args, false);
    from_matches(&m.map_err(Stop::from_clap)?)
}

/// A command line read up to where getopt would stop, for commands whose checks depend on
/// the order of the options (`poolbind -p pool -q` is refused as soon as `-q` is seen).
#[derive(Debug)]
pub struct InOrder<T> {
    /// The options read, and the operands when nothing stopped the reading.
    pub args: T,
    /// Each option letter given, in command-line order: every occurrence of an option that
    /// takes an argument, the last one of a flag.
    pub order: Vec<char>,
    /// Where getopt would have stopped with an error, after the options in `order`: a
    /// command runs its checks over `order` first, as getopt's caller would have before it
    /// met the error.
    pub stop: Option<Stop>,
}

/// Like [`parse`], but an error does not hide the options before it: [`InOrder`].
/// `-V`/`--version` and `--help` stop at once.
pub fn parse_in_order<T: CommandFactory + FromArgMatches>(
    args: Vec<String>,
) -> Result<InOrder<T>, Stop> {
    let (cmd, result) = matches::<T>(true, "", args.clone(), false);
    let (m, stop) = match result {
        Ok(m) => (m, None),
        Err(e) => {
            let stop = Stop::from_clap(e);
            if matches!(stop, Stop::Version | Stop::Help) {
                return Err(stop);
            }
            // clap stops at the error and keeps what it read before it.
            match matches::<T>(true, "", args, true).1 {
                Ok(partial) => (partial, Some(stop)),
                Err(_) => return Err(stop),
            }
        }
    };
    let order = order(&cmd, &m);
    Ok(InOrder {
        args: from_matches(&m)?,
        order,
        stop,
    })
}

/// The option letters of `m` in command-line order.
fn order(cmd: &Command, m: &ArgMatches) -> Vec<char> {
    let mut seen: Vec<(usize, char)> = Vec::new();
    for arg in cmd.get_arguments() {
        let (Some(letter), id) = (arg.get_short(), arg.get_id().as_str()) else {
            continue;
        };
        if m.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        if let Some(indices) = m.indices_of(id) {
            seen.extend(indices.map(|i| (i, letter)));
        }
    }
    seen.sort_unstable();
    seen.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// A command with getopt's usual kinds of options: flags, options with an argument, a
    /// repeatable one, and operands that end the options.
    #[derive(Parser, Debug)]
    struct Demo {
        #[arg(short = 'a')]
        a: bool,
        #[arg(short = 'b')]
        b: bool,
        #[arg(short = 'o')]
        o: Option<String>,
        #[arg(short = 'm', action = ArgAction::Append)]
        m: Vec<String>,
        #[arg(trailing_var_arg = true)]
        operands: Vec<String>,
    }

    fn words(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn demo(a: &[&str]) -> Result<Demo, Stop> {
        parse::<Demo>(words(a))
    }

    #[test]
    fn reads_like_getopt() {
        let d = demo(&["-ab", "-ofoo", "x", "-a", "--", "y"]).unwrap();
        assert!(d.a && d.b);
        assert_eq!(d.o.as_deref(), Some("foo"));
        assert_eq!(d.operands, words(&["x", "-a", "--", "y"]));
        // The argument is the next word, whatever it looks like.
        assert_eq!(demo(&["-o", "-a"]).unwrap().o.as_deref(), Some("-a"));
        assert_eq!(demo(&["-o", "--"]).unwrap().o.as_deref(), Some("--"));
        assert_eq!(demo(&["-bo-"]).unwrap().o.as_deref(), Some("-"));
        // An attached argument is kept whole, `=` and all.
        assert_eq!(demo(&["-o=x"]).unwrap().o.as_deref(), Some("=x"));
        assert_eq!(demo(&["-bo=", "z"]).unwrap().o.as_deref(), Some("="));
        assert_eq!(demo(&["-o", "=x"]).unwrap().o.as_deref(), Some("=x"));
        assert_eq!(demo(&["-o", ""]).unwrap().o.as_deref(), Some(""));
        assert_eq!(demo(&["-o", "a b"]).unwrap().o.as_deref(), Some("a b"));
        assert_eq!(demo(&["-o", "x", "-o=y"]).unwrap().o.as_deref(), Some("=y"));
        // `--` ends the options and is dropped; a lone `-` is an operand.
        assert_eq!(demo(&["--", "-a"]).unwrap().operands, words(&["-a"]));
        assert_eq!(
            demo(&["-a", "-", "-b"]).unwrap().operands,
            words(&["-", "-b"])
        );
        // The last of a repeated option wins.
        assert_eq!(
            demo(&["-o1", "-aa", "-o2"]).unwrap().o.as_deref(),
            Some("2")
        );
        // An operand that only looks like an `=` case is left alone.
        assert_eq!(
            demo(&["x", "-o=y"]).unwrap().operands,
            words(&["x", "-o=y"])
        );
    }

    #[test]
    fn errors_are_getopts() {
        assert!(matches!(demo(&["-x"]), Err(Stop::Unknown('x'))));
        assert!(matches!(demo(&["-ax", "z"]), Err(Stop::Unknown('x'))));
        assert!(matches!(demo(&["-a-"]), Err(Stop::Unknown('-'))));
        assert!(matches!(demo(&["--foo"]), Err(Stop::Unknown('-'))));
        assert!(matches!(demo(&["--foo=1"]), Err(Stop::Unknown('-'))));
        assert!(matches!(demo(&["-é"]), Err(Stop::Unknown('é'))));
        assert!(matches!(demo(&["-o"]), Err(Stop::MissingArgument('o'))));
        assert!(matches!(demo(&["-ao"]), Err(Stop::MissingArgument('o'))));
        // Options are read in order: the first problem is the one reported.
        assert!(matches!(demo(&["-x", "-o"]), Err(Stop::Unknown('x'))));
        // No abbreviations of the long options.
        assert!(matches!(demo(&["--vers"]), Err(Stop::Unknown('-'))));
    }

    #[test]
    fn version_and_help_stop_where_they_stand() {
        assert!(matches!(demo(&["-V"]), Err(Stop::Version)));
        assert!(matches!(demo(&["-aV", "-x"]), Err(Stop::Version)));
        assert!(matches!(demo(&["--version"]), Err(Stop::Version)));
        assert!(matches!(demo(&["--help", "-x"]), Err(Stop::Help)));
        assert!(matches!(demo(&["-x", "-V"]), Err(Stop::Unknown('x'))));
        // After the options they are operands like any other word.
        assert_eq!(demo(&["z", "-V"]).unwrap().operands, words(&["z", "-V"]));
        // clap's own -h is not there.
        assert!(matches!(demo(&["-h"]), Err(Stop::Unknown('h'))));
        assert_eq!(
            version_line("cmd"),
            format!("cmd (zones) {}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn order_of_options_is_kept() {
        let r = parse_in_order::<Demo>(words(&["-b", "-m", "1", "-a", "-m2", "x", "-b"])).unwrap();
        assert_eq!(r.order, ['b', 'm', 'a', 'm']);
        assert_eq!(r.args.m, words(&["1", "2"]));
        assert_eq!(r.args.operands, words(&["x", "-b"]));
        assert!(r.stop.is_none());
        // An error keeps what came before it, and says where getopt stopped.
        let r = parse_in_order::<Demo>(words(&["-m", "1", "-b", "-x", "-a"])).unwrap();
        assert_eq!(r.order, ['m', 'b']);
        assert!(!r.args.a);
        assert!(matches!(r.stop, Some(Stop::Unknown('x'))));
        let r = parse_in_order::<Demo>(words(&["-a", "-m"])).unwrap();
        assert_eq!(r.order, ['a']);
        assert!(matches!(r.stop, Some(Stop::MissingArgument('m'))));
        assert!(matches!(
            parse_in_order::<Demo>(words(&["-a", "--version"])),
            Err(Stop::Version)
        ));
    }

    #[derive(Debug, thiserror::Error)]
    #[error("no")]
    struct No;

    #[derive(Parser, Debug)]
    struct Checked {
        #[arg(short = 'n', value_parser = |v: &str| if v == "ok" { Ok(v.to_string()) } else { Err(No) })]
        n: Option<String>,
        #[arg(short = 'q')]
        q: bool,
    }

    #[test]
    fn refusals_carry_their_error_and_come_in_order() {
        let stop = parse::<Checked>(words(&["-n", "bad", "-x"])).unwrap_err();
        assert!(stop.refusal::<No>().is_some());
        let stop = parse::<Checked>(words(&["-x", "-n", "bad"])).unwrap_err();
        assert!(stop.refusal::<No>().is_none());
        assert_eq!(
            parse::<Checked>(words(&["-qn", "ok"]))
                .unwrap()
                .n
                .as_deref(),
            Some("ok")
        );
        // Extra operands of a command that takes none.
        assert!(matches!(
            parse::<Checked>(words(&["x"])),
            Err(Stop::UnexpectedOperand(w)) if w == "x"
        ));
    }

    #[test]
    fn commands_are_well_formed() {
        command::<Demo>(true).debug_assert();
        command::<Checked>(true).debug_assert();
    }
}
