//! Shared by the pool commands: POSIX `getopt()` (the commands' option syntax, e.g.
//! `poolcfg -dc 'cmd'`, is getopt's, which clap does not reproduce), messages and exit codes.

#![allow(dead_code)]

use std::path::PathBuf;

pub const E_SUCCESS: i32 = 0;
pub const E_ERROR: i32 = 1;
pub const E_USAGE: i32 = 2;

/// One result of `getopt()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt {
    /// An option and its argument (when the option takes one).
    Flag(char, Option<String>),
    /// An option letter not in the option string (`?`).
    Unknown(char),
    /// An option that needs an argument and has none (`:`).
    MissingArgument(char),
}

/// POSIX getopt: options stop at the first operand or at `--`; options can be grouped
/// (`-dc cmd`) and an argument can be attached (`-ccmd`) or the next word.
pub struct Getopt {
    args: Vec<String>,
    spec: &'static str,
    /// Index of the next word.
    pub optind: usize,
    /// Position inside a group of options (`-dc`).
    next_char: usize,
}

impl Getopt {
    /// `args` excludes the program name.
    pub fn new(args: Vec<String>, spec: &'static str) -> Getopt {
        Getopt {
            args,
            spec,
            optind: 0,
            next_char: 0,
        }
    }

    fn takes_argument(&self, c: char) -> Option<bool> {
        let spec = self.spec.trim_start_matches(':');
        let i = spec.find(c).filter(|_| c != ':')?;
        Some(spec[i + c.len_utf8()..].starts_with(':'))
    }

    /// The operands after the options.
    pub fn operands(&self) -> Vec<String> {
        self.args[self.optind.min(self.args.len())..].to_vec()
    }
}

impl Iterator for Getopt {
    type Item = Opt;

    fn next(&mut self) -> Option<Opt> {
        if self.next_char == 0 {
            let word = self.args.get(self.optind)?;
            if word == "--" {
                self.optind += 1;
                return None;
            }
            if !word.starts_with('-') || word == "-" {
                return None;
            }
            self.next_char = 1;
        }
        let word = self.args[self.optind].clone();
        let c = word[self.next_char..].chars().next()?;
        self.next_char += c.len_utf8();
        let rest = word[self.next_char..].to_string();
        let at_end = rest.is_empty();
        let advance = |g: &mut Getopt| {
            g.optind += 1;
            g.next_char = 0;
        };
        match self.takes_argument(c) {
            None => {
                if at_end {
                    advance(self);
                }
                Some(Opt::Unknown(c))
            }
            Some(false) => {
                if at_end {
                    advance(self);
                }
                Some(Opt::Flag(c, None))
            }
            Some(true) => {
                advance(self);
                if !at_end {
                    return Some(Opt::Flag(c, Some(rest)));
                }
                match self.args.get(self.optind).cloned() {
                    Some(arg) => {
                        self.optind += 1;
                        Some(Opt::Flag(c, Some(arg)))
                    }
                    None => Some(Opt::MissingArgument(c)),
                }
            }
        }
    }
}

/// What getopt(3C) itself prints for a bad option (commands whose option string does not
/// start with `:`).
pub fn report_bad_option(prog: &str, opt: &Opt) {
    match opt {
        Opt::Unknown(c) => eprintln!("{prog}: illegal option -- {c}"),
        Opt::MissingArgument(c) => eprintln!("{prog}: option requires an argument -- {c}"),
        Opt::Flag(..) => {}
    }
}

/// The program's arguments without its name.
pub fn args() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// Print `<prog>: <msg>` on stderr.
pub fn warn(prog: &str, msg: &str) {
    eprintln!("{prog}: {msg}");
}

/// Print `<prog>: <msg>` on stderr and exit 1.
pub fn die(prog: &str, msg: &str) -> ! {
    warn(prog, msg);
    std::process::exit(E_ERROR)
}

/// The alternate root given with `-R` (default `/`).
pub fn root(arg: Option<String>) -> PathBuf {
    PathBuf::from(arg.unwrap_or_else(|| "/".into()))
}

/// Whether the caller may change the pools configuration (Solaris' `PRIV_SYS_RES_CONFIG`).
pub fn privileged() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The kernel side of pools: cpuset cgroups of this host (per alternate root).
pub fn kernel(prog: &str, root: &std::path::Path) -> libzone::pool::CpusetKernel {
    match libzone::pool::CpusetKernel::new(root) {
        Ok(k) => k,
        Err(e) => die(prog, &format!("cannot use cgroups: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], spec: &'static str) -> (Vec<Opt>, Vec<String>) {
        let mut g = Getopt::new(args.iter().map(|s| s.to_string()).collect(), spec);
        let opts: Vec<Opt> = g.by_ref().collect();
        (opts, g.operands())
    }

    #[test]
    fn getopt_like_posix() {
        let (o, rest) = run(&["-dc", "info", "file"], "c:df:h");
        assert_eq!(
            o,
            [Opt::Flag('d', None), Opt::Flag('c', Some("info".into()))]
        );
        assert_eq!(rest, ["file"]);
        let (o, rest) = run(&["-cinfo", "-x", "--", "-d"], "c:df:h");
        assert_eq!(o, [Opt::Flag('c', Some("info".into())), Opt::Unknown('x')]);
        assert_eq!(rest, ["-d"]);
        let (o, _) = run(&["-f"], "c:df:h");
        assert_eq!(o, [Opt::MissingArgument('f')]);
        let (o, rest) = run(&["file", "-c", "x"], "c:df:h");
        assert!(o.is_empty());
        assert_eq!(rest, ["file", "-c", "x"]);
        let (o, rest) = run(&["-f", "-", "out"], "c:df:h");
        assert_eq!(o, [Opt::Flag('f', Some("-".into()))]);
        assert_eq!(rest, ["out"]);
        let (o, _) = run(&["-p"], ":p:r:");
        assert_eq!(o, [Opt::MissingArgument('p')]);
    }
}
