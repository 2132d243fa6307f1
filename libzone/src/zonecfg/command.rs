//! The parsed form of one zonecfg command, shaped like libzonecfg's `cmd_t`: the command word,
//! its plain word arguments (options such as `-F`, `-b`, `-t tmpl`, file names, help topics),
//! an optional resource type or global property, and `name=value` property pairs. Which
//! combinations make sense depends on the scope, so the session, not the parser, judges them.

use crate::config::keywords::{PropName, ResourceType};
use std::fmt;

/// The command word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmdKind {
    Add,
    Cancel,
    Clear,
    Commit,
    Create,
    Delete,
    End,
    Exit,
    Export,
    Help,
    Info,
    Remove,
    Revert,
    Select,
    Set,
    Verify,
}

impl CmdKind {
    pub const ALL: [CmdKind; 16] = [
        CmdKind::Add,
        CmdKind::Cancel,
        CmdKind::Clear,
        CmdKind::Commit,
        CmdKind::Create,
        CmdKind::Delete,
        CmdKind::End,
        CmdKind::Exit,
        CmdKind::Export,
        CmdKind::Help,
        CmdKind::Info,
        CmdKind::Remove,
        CmdKind::Revert,
        CmdKind::Select,
        CmdKind::Set,
        CmdKind::Verify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CmdKind::Add => "add",
            CmdKind::Cancel => "cancel",
            CmdKind::Clear => "clear",
            CmdKind::Commit => "commit",
            CmdKind::Create => "create",
            CmdKind::Delete => "delete",
            CmdKind::End => "end",
            CmdKind::Exit => "exit",
            CmdKind::Export => "export",
            CmdKind::Help => "help",
            CmdKind::Info => "info",
            CmdKind::Remove => "remove",
            CmdKind::Revert => "revert",
            CmdKind::Select => "select",
            CmdKind::Set => "set",
            CmdKind::Verify => "verify",
        }
    }

    /// Whether completion offers the command in the global scope (`in_resource` false) or in
    /// a resource scope, as zonecfg's tab completion does: `end` and `cancel` belong to a
    /// resource, the commands on the whole configuration to the global scope.
    pub fn offered_in(self, in_resource: bool) -> bool {
        use CmdKind::*;
        match self {
            Add | Clear | Exit | Help | Info | Remove | Set => true,
            Cancel | End => in_resource,
            Commit | Create | Delete | Export | Revert | Select | Verify => !in_resource,
        }
    }

    /// The command word as typed (`?` is `help`).
    pub fn parse(s: &str) -> Option<CmdKind> {
        if s == "?" {
            return Some(CmdKind::Help);
        }
        CmdKind::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for CmdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a command is about, after the command word: a resource type (`add fs`) or, for `info`
/// and `clear`, a global property (`info zonepath`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Resource(ResourceType),
    Property(PropName),
}

/// One `name=value` piece inside `( ... )`.
pub type ComplexValue = Vec<(PropName, String)>;

/// An element of a `[ ... ]` list: a word or a complex value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListItem {
    Simple(String),
    Complex(ComplexValue),
}

/// A property value as written: `word`, `(a=b,c=d)` or `[x,y,(a=b)]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PropValue {
    Simple(String),
    Complex(ComplexValue),
    List(Vec<ListItem>),
}

/// One parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub kind: CmdKind,
    /// Plain words after the command word (`-F`, `-b`, `-t`, `tmpl`, `-f`, `file`, topics).
    pub argv: Vec<String>,
    /// Resource type or global property the command names, if any.
    pub target: Option<Target>,
    /// `prop=value` pairs (set, select, remove, info filters) or the `prop value` of a
    /// resource-scope `add`/`remove`.
    pub props: Vec<(PropName, PropValue)>,
    /// 1-based input line the command was read from (for `On line N of FILE:`).
    pub line: usize,
}

impl Command {
    pub fn new(kind: CmdKind, line: usize) -> Command {
        Command {
            kind,
            argv: Vec::new(),
            target: None,
            props: Vec::new(),
            line,
        }
    }
}

/// Why a piece of input is not a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// `syntax error at '<token>'`; a newline token is shown as `\n`.
    Syntax { token: String, line: usize },
    /// Input ended in the middle of a command: `syntax error, token expected`.
    TokenExpected { line: usize },
    /// A Solaris 11 property or resource type this implementation does not have:
    /// `zonecfg: <name>: not supported`.
    NotSupported { name: String, line: usize },
    /// A known command with arguments of the wrong shape: print its short usage, followed by
    /// the list of resource types and properties when `with_res_props` is set.
    Usage {
        kind: CmdKind,
        with_res_props: bool,
        line: usize,
    },
}

impl ParseError {
    pub fn line(&self) -> usize {
        match self {
            ParseError::Syntax { line, .. }
            | ParseError::TokenExpected { line }
            | ParseError::NotSupported { line, .. }
            | ParseError::Usage { line, .. } => *line,
        }
    }
}
