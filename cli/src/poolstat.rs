//! `poolstat [-p pool-list] [-r rset-list] [-o format] [-T u|d] [interval [count]]` (getopt's
//! `:p:r:o:T:R:`): `-o` and `-T` are refused as soon as they are read, as Solaris' poolstat
//! does.

use clap::{ArgAction, Parser};
use libzone::pool::stat::{parse_fields, Field};
use std::path::PathBuf;

#[derive(Parser, Debug, Clone, PartialEq)]
#[command(name = "poolstat")]
pub struct Poolstat {
    /// Pools to report, by ID or name (blank-separated lists, every `-p` given).
    #[arg(short = 'p', action = ArgAction::Append)]
    pub pools: Vec<String>,
    /// Resource sets to report (`all` or `pset`; every `-r` given).
    #[arg(short = 'r', action = ArgAction::Append)]
    pub rsets: Vec<String>,
    /// The fields of the resource set report, in order.
    #[arg(short = 'o', value_parser = fields)]
    pub fields: Option<Fields>,
    /// A time stamp before each report.
    #[arg(short = 'T', value_parser = stamp)]
    pub stamp: Option<Stamp>,
    /// Alternate root.
    #[arg(short = 'R')]
    pub root: Option<PathBuf>,
    /// `interval [count]`.
    #[arg(trailing_var_arg = true)]
    pub operands: Vec<String>,
}

/// `-o`'s fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields(pub Vec<Field>);

/// `-T u` (seconds since the epoch) or `-T d` (the date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Unix,
    Date,
}

/// An option argument poolstat refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("unsupported statistic field: {0}")]
    UnsupportedField(String),
    #[error("no statistic field")]
    NoField,
    #[error("unknown time stamp format")]
    Stamp,
}

fn fields(spec: &str) -> Result<Fields, Refusal> {
    match parse_fields(spec) {
        Ok(f) if !f.is_empty() => Ok(Fields(f)),
        Ok(_) => Err(Refusal::NoField),
        Err(bad) => Err(Refusal::UnsupportedField(bad)),
    }
}

/// `-T`: its first letter, as poolstat looks at it.
fn stamp(arg: &str) -> Result<Stamp, Refusal> {
    match arg.chars().next() {
        Some('u') => Ok(Stamp::Unix),
        Some('d') => Ok(Stamp::Date),
        _ => Err(Refusal::Stamp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::getopt::{parse, Stop};

    fn p(a: &[&str]) -> Result<Poolstat, Stop> {
        parse(a.iter().map(|s| s.to_string()).collect())
    }

    fn refusal(a: &[&str]) -> Option<Refusal> {
        p(a).err()?.refusal::<Refusal>().cloned()
    }

    #[test]
    fn read_like_getopt() {
        let s = p(&[
            "-p",
            "a b",
            "-ppool_default",
            "-r",
            "pset",
            "-Tu",
            "-o",
            "id,size",
            "1",
            "2",
        ])
        .unwrap();
        assert_eq!(s.pools, ["a b", "pool_default"]);
        assert_eq!(s.rsets, ["pset"]);
        assert_eq!(s.stamp, Some(Stamp::Unix));
        assert_eq!(s.fields.map(|f| f.0.len()), Some(2));
        assert_eq!(s.operands, ["1", "2"]);
        assert!(matches!(p(&["-p"]), Err(Stop::MissingArgument('p'))));
        assert!(matches!(p(&["-x", "-T", "x"]), Err(Stop::Unknown('x'))));
    }

    #[test]
    fn refused_as_read() {
        assert_eq!(
            refusal(&["-o", "bogus", "-x"]),
            Some(Refusal::UnsupportedField("bogus".into()))
        );
        assert_eq!(refusal(&["-o", "", "-x"]), Some(Refusal::NoField));
        assert_eq!(refusal(&["-T", "x", "-x"]), Some(Refusal::Stamp));
        assert_eq!(p(&["-T", "date"]).unwrap().stamp, Some(Stamp::Date));
    }
}
