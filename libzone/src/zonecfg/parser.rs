//! The zonecfg parser: one input line to [`Command`]s, following illumos
//! `zonecfg_grammar.y`.
//!
//! The grammar is small and nearly LL(1), so it is parsed by hand; what has to match the yacc
//! parser is *which* token an error is reported at and *when* a production's action prints a
//! short usage instead. yacc never shifts a token that cannot continue a valid command, so a
//! syntax error names the first such token. Productions whose action prints a usage and
//! raises `YYERROR` (bare `add`, `remove`, `select`, `set`, `clear`, `info TOKEN`,
//! `remove TOKEN`, `select <rt>` without filters) are reduced by default, that is for *any*
//! look-ahead the parser cannot shift, so e.g. `add =` and `remove -F dir` are usage errors,
//! not syntax errors. This parser mirrors that state by state.
//!
//! `ParseError::Usage::with_res_props` is set exactly where the C action follows the short
//! usage with `usage(B_FALSE, HELP_RES_PROPS)` (`add`, `remove`, bare `select`, `info TOKEN`).
//! The `set` and `clear` actions follow it with `HELP_PROPS` (the property list alone), which
//! the flag cannot say; their usage errors carry `false`, and the caller adds that list for
//! `CmdKind::Set`/`CmdKind::Clear`. `select <rt>` without a filter prints the short usage only.
//!
//! Mapping onto [`Command`] (the way the C grammar fills `cmd_t`): plain words go to `argv`,
//! the resource type (or, for `info` and `clear`, the property) to `target`, and property
//! values to `props`.
//!
//! Error recovery: zonecfg's grammar resynchronises after the terminator (`;` or newline)
//! following an error, and interactive and one-shot zonecfg carry on with the next command on
//! the line, while command-file mode stops at the first error. [`parse_line`] stops at the
//! first error; [`parse_line_recovering`] carries on like interactive zonecfg.

use super::command::{CmdKind, Command, ComplexValue, ListItem, ParseError, PropValue, Target};
use super::lexer::{is_word_byte, LexState, Lexer, TokKind, Token};
use crate::config::keywords::{is_unsupported, PropName, ResourceType};

/// Most `prop=value` filters `info`, `remove` and `select` take (`MAX_EQ_PROP_PAIRS`).
const MAX_FILTERS: usize = 3;

/// Parse one input line (without its trailing newline). Returns the line's commands in order;
/// parsing stops at the first error, which is then the last element. Blank and comment-only
/// lines give an empty Vec. `line_no` is stored in every Command/ParseError.
pub fn parse_line(line: &str, line_no: usize) -> Vec<Result<Command, ParseError>> {
    let mut parser = Parser::new(line, line_no);
    let mut out = Vec::new();
    while let Some(result) = parser.next_command() {
        let failed = result.is_err();
        out.push(result);
        if failed {
            break;
        }
    }
    out
}

/// Like [`parse_line`], but after an error carries on with the command after the next `;`,
/// as interactive and one-shot zonecfg do (`set autoboot=true; bogus; commit` still commits).
/// Input that ends inside a command (an unclosed quote, a NUL byte) ends the line.
pub fn parse_line_recovering(line: &str, line_no: usize) -> Vec<Result<Command, ParseError>> {
    let mut parser = Parser::new(line, line_no);
    let mut out = Vec::new();
    while let Some(result) = parser.next_command() {
        let at_end = matches!(result, Err(ParseError::TokenExpected { .. }));
        if result.is_err() {
            parser.skip_to_terminator();
        }
        out.push(result);
        if at_end {
            break;
        }
    }
    out
}

/// Quote `s` the way `export` writes a value so that it reads back as the same single word in
/// token state (`set prop=...`, `add prop ...`): unchanged when it is a non-empty run of word
/// characters, otherwise in double quotes. Unlike illumos' `quoteit()`, which only quotes
/// values with a blank, this also quotes `[ ] ( ) ; =` and tabs, so `set match="/dev/a[0-3]"`
/// re-imports.
///
/// Not representable at all (zonecfg's lexer has no escapes): values containing a double
/// quote, a newline or a NUL byte; such a value is still quoted but will not read back the
/// same. Values inside a complex value `( ... )` cannot be quoted (lex has no quote rule
/// there), and list items additionally need quoting for `,`; this function is for simple
/// values only.
pub fn quote_value(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| is_word_byte(LexState::Token, b)) {
        s.to_owned()
    } else {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        out
    }
}

/// Resource types that `select` accepts without a filter. The C grammar lists
/// dedicated-cpu, capped-cpu and capped-memory; security-flags (also one per zone, added to
/// the grammar later without a bare `select`) is accepted too, since it has no property that
/// could identify it.
fn selectable_without_filter(rt: ResourceType) -> bool {
    rt.is_singleton()
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    ahead: Option<Token<'a>>,
    line: usize,
}

type Parsed<T> = Result<T, ParseError>;

impl<'a> Parser<'a> {
    fn new(line: &'a str, line_no: usize) -> Parser<'a> {
        Parser {
            lexer: Lexer::new(line),
            ahead: None,
            line: line_no,
        }
    }

    fn peek(&mut self) -> Token<'a> {
        match self.ahead {
            Some(t) => t,
            None => {
                let t = self.lexer.next_token();
                self.ahead = Some(t);
                t
            }
        }
    }

    fn bump(&mut self) -> Token<'a> {
        let t = self.peek();
        self.ahead = None;
        t
    }

    /// The error for an unexpected token (which is left unconsumed, as yacc leaves it).
    fn unexpected(&self, t: Token<'a>) -> ParseError {
        match t.kind {
            TokKind::Eof | TokKind::Nul => ParseError::TokenExpected { line: self.line },
            _ => ParseError::Syntax {
                token: t.shown(),
                line: self.line,
            },
        }
    }

    /// A Solaris 11 property or resource type we lack, named where zonecfg expects a
    /// keyword, is reported as such rather than as whatever error the grammar would give.
    fn unsupported(&self, t: Token<'a>) -> Parsed<()> {
        if t.kind == TokKind::Word && is_unsupported(t.value) {
            return Err(ParseError::NotSupported {
                name: t.value_string(),
                line: self.line,
            });
        }
        Ok(())
    }

    fn usage(&self, kind: CmdKind, with_res_props: bool) -> ParseError {
        ParseError::Usage {
            kind,
            with_res_props,
            line: self.line,
        }
    }

    /// yacc's recovery: drop tokens up to and including the next terminator.
    fn skip_to_terminator(&mut self) {
        loop {
            match self.bump().kind {
                TokKind::Newline | TokKind::Semicolon | TokKind::Eof | TokKind::Nul => return,
                _ => {}
            }
        }
    }

    /// The next command, skipping empty ones (bare terminators); `None` at the end of line.
    fn next_command(&mut self) -> Option<Parsed<Command>> {
        loop {
            let t = self.peek();
            match t.kind {
                TokKind::Newline | TokKind::Semicolon => {
                    self.bump();
                }
                TokKind::Eof => return None,
                TokKind::Cmd(kind) => {
                    self.bump();
                    return Some(self.command(kind));
                }
                _ => return Some(Err(self.unexpected(t))),
            }
        }
    }

    fn command(&mut self, kind: CmdKind) -> Parsed<Command> {
        let mut cmd = Command::new(kind, self.line);
        match kind {
            CmdKind::Cancel
            | CmdKind::Commit
            | CmdKind::Delete
            | CmdKind::End
            | CmdKind::Exit
            | CmdKind::Help
            | CmdKind::Revert
            | CmdKind::Verify => self.words(&mut cmd, 1),
            CmdKind::Create => self.words(&mut cmd, 3),
            CmdKind::Export => self.words(&mut cmd, 2),
            CmdKind::Add => self.add(&mut cmd)?,
            CmdKind::Clear => self.clear(&mut cmd)?,
            CmdKind::Info => self.info(&mut cmd)?,
            CmdKind::Remove => self.remove(&mut cmd)?,
            CmdKind::Select => self.select(&mut cmd)?,
            CmdKind::Set => self.set(&mut cmd)?,
        }
        self.terminator()?;
        Ok(cmd)
    }

    fn terminator(&mut self) -> Parsed<()> {
        let t = self.peek();
        match t.kind {
            TokKind::Newline | TokKind::Semicolon => {
                self.bump();
                Ok(())
            }
            _ => Err(self.unexpected(t)),
        }
    }

    /// Up to `max` plain words into argv (`create -F -t tmpl`, `exit -F`, `help topic`).
    fn words(&mut self, cmd: &mut Command, max: usize) {
        while cmd.argv.len() < max && self.peek().kind == TokKind::Word {
            let t = self.bump();
            cmd.argv.push(t.value_string());
        }
    }

    /// `add TOKEN | add <rt> | add <prop> <value>`; anything else: usage.
    fn add(&mut self, cmd: &mut Command) -> Parsed<()> {
        let t = self.peek();
        self.unsupported(t)?;
        match t.kind {
            TokKind::Word => {
                self.bump();
                cmd.argv.push(t.value_string());
            }
            TokKind::Res(rt) => {
                self.bump();
                cmd.target = Some(Target::Resource(rt));
            }
            TokKind::Prop(p) => {
                self.bump();
                let value = self.property_value()?;
                cmd.props.push((p, value));
            }
            _ => return Err(self.usage(CmdKind::Add, true)),
        }
        Ok(())
    }

    /// `clear <prop>`; anything else: usage (C adds the property list, `HELP_PROPS`).
    fn clear(&mut self, cmd: &mut Command) -> Parsed<()> {
        let t = self.peek();
        self.unsupported(t)?;
        match self.peek().kind {
            TokKind::Prop(p) => {
                self.bump();
                cmd.target = Some(Target::Property(p));
                Ok(())
            }
            _ => Err(self.usage(CmdKind::Clear, false)),
        }
    }

    /// `info | info <rt> [filters] | info <global-prop>`; `info TOKEN`: usage.
    fn info(&mut self, cmd: &mut Command) -> Parsed<()> {
        let t = self.peek();
        self.unsupported(t)?;
        match t.kind {
            TokKind::Word => return Err(self.usage(CmdKind::Info, true)),
            TokKind::Res(rt) => {
                self.bump();
                cmd.target = Some(Target::Resource(rt));
                self.filters(cmd)?;
            }
            TokKind::Prop(p) if p.is_global() => {
                self.bump();
                cmd.target = Some(Target::Property(p));
            }
            // Plain `info`; whatever follows is checked as its terminator.
            _ => {}
        }
        Ok(())
    }

    /// `remove <rt> [filters] | remove TOKEN <rt> | remove <prop> <value>`; usage otherwise.
    fn remove(&mut self, cmd: &mut Command) -> Parsed<()> {
        let t = self.peek();
        self.unsupported(t)?;
        match t.kind {
            TokKind::Word => {
                self.bump();
                let next = self.peek();
                self.unsupported(next)?;
                match next.kind {
                    TokKind::Res(rt) => {
                        self.bump();
                        cmd.argv.push(t.value_string());
                        cmd.target = Some(Target::Resource(rt));
                    }
                    _ => return Err(self.usage(CmdKind::Remove, true)),
                }
            }
            TokKind::Res(rt) => {
                self.bump();
                cmd.target = Some(Target::Resource(rt));
                self.filters(cmd)?;
            }
            TokKind::Prop(p) => {
                self.bump();
                let value = self.property_value()?;
                cmd.props.push((p, value));
            }
            _ => return Err(self.usage(CmdKind::Remove, true)),
        }
        Ok(())
    }

    /// `select <rt> filter [filter [filter]]`, or a one-per-zone resource type alone.
    fn select(&mut self, cmd: &mut Command) -> Parsed<()> {
        let t = self.peek();
        self.unsupported(t)?;
        let TokKind::Res(rt) = self.peek().kind else {
            return Err(self.usage(CmdKind::Select, true));
        };
        self.bump();
        cmd.target = Some(Target::Resource(rt));
        match self.peek().kind {
            TokKind::Prop(_) => self.filters(cmd),
            TokKind::Newline | TokKind::Semicolon if selectable_without_filter(rt) => Ok(()),
            _ => Err(self.usage(CmdKind::Select, false)),
        }
    }

    /// `set <prop>=<value> | set <prop>=[] | set TOKEN zonepath=<value>`; bare: usage.
    fn set(&mut self, cmd: &mut Command) -> Parsed<()> {
        let t = self.peek();
        self.unsupported(t)?;
        match t.kind {
            TokKind::Prop(p) => {
                self.bump();
                self.expect(TokKind::Equal)?;
                let value = if self.peek().kind == TokKind::OpenBracket {
                    self.bump();
                    if self.peek().kind == TokKind::CloseBracket {
                        self.bump();
                        PropValue::List(Vec::new())
                    } else {
                        PropValue::List(self.list_items()?)
                    }
                } else {
                    self.property_value()?
                };
                cmd.props.push((p, value));
            }
            TokKind::Word => {
                self.bump();
                self.expect(TokKind::Prop(PropName::Zonepath))?;
                self.expect(TokKind::Equal)?;
                let value = self.property_value()?;
                cmd.argv.push(t.value_string());
                cmd.props.push((PropName::Zonepath, value));
            }
            _ => return Err(self.usage(CmdKind::Set, false)),
        }
        Ok(())
    }

    fn expect(&mut self, kind: TokKind) -> Parsed<()> {
        let t = self.peek();
        if t.kind == kind {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected(t))
        }
    }

    /// Up to three `prop=value` filters after a resource type.
    fn filters(&mut self, cmd: &mut Command) -> Parsed<()> {
        while cmd.props.len() < MAX_FILTERS {
            let TokKind::Prop(p) = self.peek().kind else {
                break;
            };
            self.bump();
            self.expect(TokKind::Equal)?;
            let value = self.property_value()?;
            cmd.props.push((p, value));
        }
        Ok(())
    }

    /// A value in token state: a word (keywords read as their spelling), `(...)` or `[...]`.
    fn property_value(&mut self) -> Parsed<PropValue> {
        let t = self.peek();
        let value = match t.kind {
            TokKind::Word => PropValue::Simple(t.value_string()),
            TokKind::Res(rt) => PropValue::Simple(rt.as_str().to_owned()),
            TokKind::Prop(p) => PropValue::Simple(p.as_str().to_owned()),
            TokKind::OpenParen => {
                self.bump();
                return Ok(PropValue::Complex(self.complex_items()?));
            }
            TokKind::OpenBracket => {
                self.bump();
                return Ok(PropValue::List(self.list_items()?));
            }
            _ => return Err(self.unexpected(t)),
        };
        self.bump();
        Ok(value)
    }

    /// After `[`: one or more words or complex values separated by `,`, then `]`.
    fn list_items(&mut self) -> Parsed<Vec<ListItem>> {
        let mut items = Vec::new();
        loop {
            let t = self.peek();
            match t.kind {
                TokKind::Word => {
                    self.bump();
                    items.push(ListItem::Simple(t.value_string()));
                }
                TokKind::OpenParen => {
                    self.bump();
                    items.push(ListItem::Complex(self.complex_items()?));
                }
                _ => return Err(self.unexpected(t)),
            }
            let t = self.peek();
            match t.kind {
                TokKind::Comma => {
                    self.bump();
                }
                TokKind::CloseBracket => {
                    self.bump();
                    return Ok(items);
                }
                _ => return Err(self.unexpected(t)),
            }
        }
    }

    /// After `(`: one or more `prop=value` separated by `,`, then `)`.
    fn complex_items(&mut self) -> Parsed<ComplexValue> {
        let mut pieces = Vec::new();
        loop {
            let t = self.peek();
            let TokKind::Prop(name) = t.kind else {
                return Err(self.unexpected(t));
            };
            self.bump();
            self.expect(TokKind::Equal)?;
            let t = self.peek();
            let value = match t.kind {
                TokKind::Word => t.value_string(),
                TokKind::Prop(p) => p.as_str().to_owned(),
                TokKind::Res(rt) => rt.as_str().to_owned(),
                _ => return Err(self.unexpected(t)),
            };
            self.bump();
            pieces.push((name, value));
            let t = self.peek();
            match t.kind {
                TokKind::Comma => {
                    self.bump();
                }
                TokKind::CloseParen => {
                    self.bump();
                    return Ok(pieces);
                }
                _ => return Err(self.unexpected(t)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keywords::PropName as P;
    use crate::config::keywords::ResourceType as R;
    use proptest::prelude::*;

    const LINE: usize = 7;

    fn simple(v: &str) -> PropValue {
        PropValue::Simple(v.to_owned())
    }

    fn cmd(
        kind: CmdKind,
        argv: &[&str],
        target: Option<Target>,
        props: Vec<(PropName, PropValue)>,
    ) -> Command {
        Command {
            kind,
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            target,
            props,
            line: LINE,
        }
    }

    fn bare(kind: CmdKind) -> Command {
        cmd(kind, &[], None, vec![])
    }

    fn one(line: &str) -> Command {
        let mut parsed = parse_line(line, LINE);
        assert_eq!(parsed.len(), 1, "{line:?} gave {parsed:?}");
        match parsed.pop() {
            Some(Ok(c)) => c,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn err(line: &str) -> ParseError {
        let parsed = parse_line(line, LINE);
        match parsed.last() {
            Some(Err(e)) => e.clone(),
            _ => panic!("{line:?} gave {parsed:?}"),
        }
    }

    fn syntax(token: &str) -> ParseError {
        ParseError::Syntax {
            token: token.to_owned(),
            line: LINE,
        }
    }

    fn usage(kind: CmdKind, with_res_props: bool) -> ParseError {
        ParseError::Usage {
            kind,
            with_res_props,
            line: LINE,
        }
    }

    fn res(rt: ResourceType) -> Option<Target> {
        Some(Target::Resource(rt))
    }

    #[test]
    fn commands_with_plain_words() {
        use CmdKind::*;
        let cases: Vec<(&str, Command)> = vec![
            ("create", bare(Create)),
            ("create -b", cmd(Create, &["-b"], None, vec![])),
            (
                "create -t SUNWlx",
                cmd(Create, &["-t", "SUNWlx"], None, vec![]),
            ),
            (
                "create -a /path",
                cmd(Create, &["-a", "/path"], None, vec![]),
            ),
            (
                "create -F -t tmpl",
                cmd(Create, &["-F", "-t", "tmpl"], None, vec![]),
            ),
            ("delete", bare(Delete)),
            ("delete -F", cmd(Delete, &["-F"], None, vec![])),
            ("exit", bare(Exit)),
            ("exit -F", cmd(Exit, &["-F"], None, vec![])),
            ("export", bare(Export)),
            (
                "export -f /tmp/x",
                cmd(Export, &["-f", "/tmp/x"], None, vec![]),
            ),
            ("help", bare(Help)),
            ("?", bare(Help)),
            ("help commands", cmd(Help, &["commands"], None, vec![])),
            ("help usage", cmd(Help, &["usage"], None, vec![])),
            ("help set", cmd(Help, &["set"], None, vec![])),
            ("cancel", bare(Cancel)),
            ("cancel foo", cmd(Cancel, &["foo"], None, vec![])),
            ("commit", bare(Commit)),
            ("end", bare(End)),
            ("revert", bare(Revert)),
            ("revert -F", cmd(Revert, &["-F"], None, vec![])),
            ("verify", bare(Verify)),
            ("  verify\t", bare(Verify)),
        ];
        for (line, expected) in cases {
            assert_eq!(one(line), expected, "{line}");
        }
    }

    #[test]
    fn add_remove_select_info() {
        use CmdKind::*;
        let rctl_value = PropValue::Complex(vec![
            (P::Priv, "privileged".to_owned()),
            (P::Limit, "5".to_owned()),
            (P::Action, "none".to_owned()),
        ]);
        let ro_nodev = PropValue::List(vec![
            ListItem::Simple("ro".to_owned()),
            ListItem::Simple("nodevices".to_owned()),
        ]);
        let cases: Vec<(&str, Command)> = vec![
            ("add fs", cmd(Add, &[], res(R::Fs), vec![])),
            (
                "add inherit-pkg-dir",
                cmd(Add, &[], res(R::InheritPkgDir), vec![]),
            ),
            (
                "add security-flags",
                cmd(Add, &[], res(R::SecurityFlags), vec![]),
            ),
            ("add net0", cmd(Add, &["net0"], None, vec![])),
            (
                "add options ro",
                cmd(Add, &[], None, vec![(P::Options, simple("ro"))]),
            ),
            (
                "add options [ro,nodevices]",
                cmd(Add, &[], None, vec![(P::Options, ro_nodev.clone())]),
            ),
            (
                "add value (priv=privileged,limit=5,action=none)",
                cmd(Add, &[], None, vec![(P::Value, rctl_value.clone())]),
            ),
            (
                "add auths manage",
                cmd(Add, &[], None, vec![(P::Auths, simple("manage"))]),
            ),
            (
                "add options \"retry=5\"",
                cmd(Add, &[], None, vec![(P::Options, simple("retry=5"))]),
            ),
            ("remove fs", cmd(Remove, &[], res(R::Fs), vec![])),
            ("remove -F fs", cmd(Remove, &["-F"], res(R::Fs), vec![])),
            (
                "remove capped-memory",
                cmd(Remove, &[], res(R::CappedMemory), vec![]),
            ),
            (
                "remove fs dir=/usr/local",
                cmd(
                    Remove,
                    &[],
                    res(R::Fs),
                    vec![(P::Dir, simple("/usr/local"))],
                ),
            ),
            (
                "remove net physical=eri0 address=192.168.0.1/24",
                cmd(
                    Remove,
                    &[],
                    res(R::Net),
                    vec![
                        (P::Physical, simple("eri0")),
                        (P::Address, simple("192.168.0.1/24")),
                    ],
                ),
            ),
            (
                "remove options ro",
                cmd(Remove, &[], None, vec![(P::Options, simple("ro"))]),
            ),
            (
                "remove value (priv=privileged,limit=5,action=none)",
                cmd(Remove, &[], None, vec![(P::Value, rctl_value)]),
            ),
            (
                "select fs dir=/usr/local",
                cmd(
                    Select,
                    &[],
                    res(R::Fs),
                    vec![(P::Dir, simple("/usr/local"))],
                ),
            ),
            (
                "select rctl name=zone.cpu-shares",
                cmd(
                    Select,
                    &[],
                    res(R::Rctl),
                    vec![(P::Name, simple("zone.cpu-shares"))],
                ),
            ),
            (
                "select attr name=a type=string value=\"x y\"",
                cmd(
                    Select,
                    &[],
                    res(R::Attr),
                    vec![
                        (P::Name, simple("a")),
                        (P::Type, simple("string")),
                        (P::Value, simple("x y")),
                    ],
                ),
            ),
            (
                "select dedicated-cpu",
                cmd(Select, &[], res(R::DedicatedCpu), vec![]),
            ),
            (
                "select capped-cpu",
                cmd(Select, &[], res(R::CappedCpu), vec![]),
            ),
            (
                "select capped-memory",
                cmd(Select, &[], res(R::CappedMemory), vec![]),
            ),
            (
                "select security-flags",
                cmd(Select, &[], res(R::SecurityFlags), vec![]),
            ),
            (
                "select dedicated-cpu ncpus=1-3",
                cmd(
                    Select,
                    &[],
                    res(R::DedicatedCpu),
                    vec![(P::Ncpus, simple("1-3"))],
                ),
            ),
            ("info", bare(Info)),
            ("info fs", cmd(Info, &[], res(R::Fs), vec![])),
            (
                "info net physical=eri0",
                cmd(Info, &[], res(R::Net), vec![(P::Physical, simple("eri0"))]),
            ),
            (
                "info zonepath",
                cmd(Info, &[], Some(Target::Property(P::Zonepath)), vec![]),
            ),
            (
                "info cpu-shares",
                cmd(Info, &[], Some(Target::Property(P::CpuShares)), vec![]),
            ),
            (
                "info fs-allowed",
                cmd(Info, &[], Some(Target::Property(P::FsAllowed)), vec![]),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(one(line), expected, "{line}");
        }
    }

    #[test]
    fn set_and_clear() {
        use CmdKind::*;
        let set = |p: PropName, v: PropValue| cmd(Set, &[], None, vec![(p, v)]);
        let list = |items: &[&str]| {
            PropValue::List(
                items
                    .iter()
                    .map(|i| ListItem::Simple((*i).to_owned()))
                    .collect(),
            )
        };
        let cases: Vec<(&str, Command)> = vec![
            ("set zonepath=/export/home/my-zone3", set(P::Zonepath, simple("/export/home/my-zone3"))),
            ("set zonepath = /x", set(P::Zonepath, simple("/x"))),
            ("set -F zonepath=/x", cmd(Set, &["-F"], None, vec![(P::Zonepath, simple("/x"))])),
            ("set options=[ro,nodevices]", set(P::Options, list(&["ro", "nodevices"]))),
            ("set options=[]", set(P::Options, PropValue::List(vec![]))),
            ("set options=[ \"a,b\" , c ]", set(P::Options, list(&["a,b", "c"]))),
            ("set match=\"/dev/cua/a00[2-5]\"", set(P::Match, simple("/dev/cua/a00[2-5]"))),
            ("set bootargs=\"-m verbose\"", set(P::Bootargs, simple("-m verbose"))),
            ("set bootargs=\"\"", set(P::Bootargs, simple(""))),
            ("set type=lofs", set(P::Type, simple("lofs"))),
            // keywords are accepted where a value is expected
            ("set limitpriv=default", set(P::Limitpriv, simple("default"))),
            ("set type=fs", set(P::Type, simple("fs"))),
            ("set name=value", set(P::Name, simple("value"))),
            ("set limitpriv=default,sys_time", set(P::Limitpriv, simple("default,sys_time"))),
            ("set ip-type=exclusive", set(P::IpType, simple("exclusive"))),
            ("set hostid=0x1234", set(P::Hostid, simple("0x1234"))),
            ("set fs-allowed=ufs,pcfs", set(P::FsAllowed, simple("ufs,pcfs"))),
            ("set max-lwps=1000", set(P::MaxLwps, simple("1000"))),
            ("set scheduling-class=FSS", set(P::SchedulingClass, simple("FSS"))),
            ("set allowed-address=10.0.0.2/24", set(P::AllowedAddress, simple("10.0.0.2/24"))),
            ("set defrouter=10.0.0.1", set(P::Defrouter, simple("10.0.0.1"))),
            ("set user=zadmin", set(P::User, simple("zadmin"))),
            ("set lower=none", set(P::Lower, simple("none"))),
            ("set upper=all", set(P::Upper, simple("all"))),
            (
                "set value=[(priv=privileged,limit=5,action=none),(priv=privileged,limit=9,action=deny)]",
                set(
                    P::Value,
                    PropValue::List(vec![
                        ListItem::Complex(vec![
                            (P::Priv, "privileged".into()),
                            (P::Limit, "5".into()),
                            (P::Action, "none".into()),
                        ]),
                        ListItem::Complex(vec![
                            (P::Priv, "privileged".into()),
                            (P::Limit, "9".into()),
                            (P::Action, "deny".into()),
                        ]),
                    ]),
                ),
            ),
            // the value of a complex piece may be a property keyword; brackets are words there
            (
                "set value=(name=limit,type=[x])",
                set(P::Value, PropValue::Complex(vec![(P::Name, "limit".into()), (P::Type, "[x]".into())])),
            ),
            ("clear pool", cmd(Clear, &[], Some(Target::Property(P::Pool)), vec![])),
            ("clear cpu-shares", cmd(Clear, &[], Some(Target::Property(P::CpuShares)), vec![])),
            ("clear raw", cmd(Clear, &[], Some(Target::Property(P::Raw)), vec![])),
        ];
        for (line, expected) in cases {
            assert_eq!(one(line), expected, "{line}");
        }
    }

    #[test]
    fn several_commands_comments_and_blank_lines() {
        let parsed = parse_line("add net; set physical=eri0; end", LINE);
        assert_eq!(
            parsed,
            vec![
                Ok(cmd(CmdKind::Add, &[], res(R::Net), vec![])),
                Ok(cmd(
                    CmdKind::Set,
                    &[],
                    None,
                    vec![(P::Physical, simple("eri0"))]
                )),
                Ok(bare(CmdKind::End)),
            ]
        );
        let parsed = parse_line("set autoboot=true; commit", LINE);
        assert_eq!(
            parsed,
            vec![
                Ok(cmd(
                    CmdKind::Set,
                    &[],
                    None,
                    vec![(P::Autoboot, simple("true"))]
                )),
                Ok(bare(CmdKind::Commit)),
            ]
        );
        for blank in [
            "",
            "   ",
            "\t",
            "# a comment",
            "   # set zonepath=/x",
            ";",
            ";;  ;",
            "#",
        ] {
            assert_eq!(parse_line(blank, LINE), vec![], "{blank:?}");
        }
        // a comment may start any command, also after `;`
        assert_eq!(
            parse_line("commit; # done", LINE),
            vec![Ok(bare(CmdKind::Commit))]
        );
        // a quoted `;` does not end the command
        assert_eq!(one("set bootargs=\"a;b\"").props[0].1, simple("a;b"));
    }

    #[test]
    fn export_text_reads_back() {
        use CmdKind::*;
        let text = "create -b
set zonepath=/export/home/my-zone3
set brand=ipkg
set autoboot=true
set bootargs=\"-m verbose\"
set pool=mypool
set limitpriv=default,sys_time
set scheduling-class=FSS
set ip-type=shared
set hostid=0x12345678
set fs-allowed=ufs,pcfs
add fs
set dir=/usr/local
set special=/opt/local
set type=lofs
add options ro
add options nodevices
end
add net
set address=192.168.0.1/24
set physical=eri0
end
add device
set match=\"/dev/cua/a00[2-5]\"
end
add capped-memory
set physical=50M
end
add rctl
set name=zone.cpu-shares
add value (priv=privileged,limit=5,action=none)
end
add rctl
set name=zone.max-swap
add value (priv=privileged,limit=104857600,action=deny)
end
add attr
set name=comment
set type=string
set value=\"hello world\"
end
add dataset
set name=tank/zone1
end
add dedicated-cpu
set ncpus=1-3
set importance=2
end
add capped-cpu
set ncpus=3.5
end
add admin
set user=zadmin
set auths=login,manage
end
add security-flags
set lower=none
set default=aslr
set upper=all
end
add inherit-pkg-dir
set dir=/opt/sfw
end";
        let mut kinds = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let parsed = parse_line(line, i + 1);
            assert_eq!(parsed.len(), 1, "{line}");
            match &parsed[0] {
                Ok(c) => {
                    assert_eq!(c.line, i + 1);
                    kinds.push(c.kind);
                }
                Err(e) => panic!("{line}: {e:?}"),
            }
        }
        assert_eq!(kinds.iter().filter(|k| **k == Add).count(), 17);
        assert_eq!(kinds.iter().filter(|k| **k == End).count(), 13);
        assert_eq!(
            one("set match=\"/dev/cua/a00[2-5]\"").props[0].1,
            simple("/dev/cua/a00[2-5]")
        );
        assert_eq!(
            one("add value (priv=privileged,limit=104857600,action=deny)").props[0].1,
            PropValue::Complex(vec![
                (P::Priv, "privileged".into()),
                (P::Limit, "104857600".into()),
                (P::Action, "deny".into()),
            ])
        );
    }

    #[test]
    fn syntax_errors_name_the_token_zonecfg_reports() {
        let cases = [
            ("bogus", "bogus"),
            ("crete", "crete"),
            ("Add fs", "Add"),
            ("-F", "-F"),
            ("é", "é"),
            ("set zonepath", "\\n"),
            ("set zonepath=", "\\n"),
            ("set zonepath=/x /y", "/y"),
            ("set zonepath=/x # comment", "#"),
            ("set zonepath=/x]", "]"),
            ("set zonepath=)", ")"),
            ("set foo=bar", "="),
            ("set ZONEPATH=/x", "="),
            ("set -F dir=/x", "dir"),
            ("set -F zonepath=[]", "]"),
            // the illumos export quirk: an unquoted bracket does not re-parse
            ("set match=/dev/cua/a00[2-5]", "["),
            ("set options=[ro,]", "]"),
            ("set options=[,ro]", ","),
            ("set options=[ro nodevices]", "nodevices"),
            ("set options=[a=b]", "="),
            ("set options=[ro", "\\n"),
            ("add options []", "]"),
            ("add options", "\\n"),
            ("add value (priv=privileged", "\\n"),
            ("add value (foo=bar)", "foo"),
            ("add value ()", ")"),
            ("add value (priv=x,)", ")"),
            ("add value (priv=\"x\")", "\""),
            ("add value (priv=(x))", "("),
            ("add fs dir=/x", "dir"),
            ("add foo bar", "bar"),
            ("cancel fs", "fs"),
            ("create -t net", "net"),
            ("create a b c d", "d"),
            ("export -f x y", "y"),
            ("help fs", "fs"),
            ("exit -F now", "now"),
            ("info dir", "dir"),
            ("info zonepath=/x", "="),
            ("info fs dir", "\\n"),
            ("info fs dir=/a type=b special=c raw=d", "raw"),
            ("remove -F fs dir=/x", "dir"),
            ("remove fs dir", "\\n"),
            ("select fs dir=/x bogus", "bogus"),
            ("clear pool now", "now"),
            ("commit; bogus", "bogus"),
        ];
        for (line, token) in cases {
            assert_eq!(err(line), syntax(token), "{line}");
        }
    }

    #[test]
    fn usage_errors_follow_the_grammar_actions() {
        use CmdKind::*;
        let cases = [
            ("add", usage(Add, true)),
            ("add;", usage(Add, true)),
            ("add =", usage(Add, true)),
            ("add (", usage(Add, true)),
            ("remove", usage(Remove, true)),
            ("remove -F", usage(Remove, true)),
            ("remove -F dir", usage(Remove, true)),
            ("remove =x", usage(Remove, true)),
            ("select", usage(Select, true)),
            ("select foo", usage(Select, true)),
            ("select dir=/x", usage(Select, true)),
            ("select fs", usage(Select, false)),
            ("select net foo", usage(Select, false)),
            ("select dedicated-cpu foo", usage(Select, false)),
            ("info foo", usage(Info, true)),
            ("info foo bar", usage(Info, true)),
            ("set", usage(Set, false)),
            ("set fs=x", usage(Set, false)),
            ("set =x", usage(Set, false)),
            ("clear", usage(Clear, false)),
            ("clear foo", usage(Clear, false)),
            ("clear fs", usage(Clear, false)),
        ];
        for (line, expected) in cases {
            assert_eq!(err(line), expected, "{line}");
        }
    }

    #[test]
    fn solaris_11_names_we_lack_are_not_supported() {
        let ns = |name: &str| ParseError::NotSupported {
            name: name.to_owned(),
            line: LINE,
        };
        for (line, name) in [
            (
                "set file-mac-profile=fixed-configuration",
                "file-mac-profile",
            ),
            ("clear global-time", "global-time"),
            ("info host-compatible", "host-compatible"),
            ("add rootzpool", "rootzpool"),
            ("add zpool", "zpool"),
            ("select virtual-cpu", "virtual-cpu"),
            ("remove -F keysource", "keysource"),
            ("remove suspend", "suspend"),
            ("info verified-boot", "verified-boot"),
        ] {
            assert_eq!(err(line), ns(name), "{line}");
        }
        // `anet` and `autoshutdown` are ours.
        assert!(parse_line("add anet", LINE)[0].is_ok());
        assert!(parse_line("set autoshutdown=halt", LINE)[0].is_ok());
        // Recovery goes on after the terminator.
        assert_eq!(
            parse_line_recovering("set file-mac-profile=none; commit", LINE),
            vec![Err(ns("file-mac-profile")), Ok(bare(CmdKind::Commit))]
        );
    }

    #[test]
    fn input_ending_inside_a_command() {
        let expected = ParseError::TokenExpected { line: LINE };
        assert_eq!(err("set bootargs=\"-m verbose"), expected);
        assert_eq!(err("set bootargs=\"-m verbose; commit"), expected);
        assert_eq!(err("set zonepath=\0/x"), expected);
        assert_eq!(err("\0"), expected);
        // an unclosed quote swallows the rest of the line, so nothing follows it
        assert_eq!(
            parse_line_recovering("commit; set a=\"x; verify", LINE).len(),
            2
        );
    }

    #[test]
    fn first_error_ends_the_line_or_is_recovered_from() {
        let line = "set autoboot=true; bogus; commit";
        let set_autoboot = cmd(CmdKind::Set, &[], None, vec![(P::Autoboot, simple("true"))]);
        assert_eq!(
            parse_line(line, LINE),
            vec![Ok(set_autoboot.clone()), Err(syntax("bogus"))]
        );
        assert_eq!(
            parse_line_recovering(line, LINE),
            vec![
                Ok(set_autoboot),
                Err(syntax("bogus")),
                Ok(bare(CmdKind::Commit))
            ]
        );
        // a usage error resumes after the terminator that ended it
        assert_eq!(
            parse_line_recovering("add; verify", LINE),
            vec![Err(usage(CmdKind::Add, true)), Ok(bare(CmdKind::Verify))]
        );
        // tokens skipped while recovering are still lexed in their state: the quoted `;`
        // does not end the bad command
        assert_eq!(
            parse_line_recovering("set x y \"a;b\"; end", LINE),
            vec![Err(syntax("y")), Ok(bare(CmdKind::End))]
        );
        // an error at a terminator consumes that terminator only
        assert_eq!(
            parse_line_recovering("set zonepath; end; exit", LINE),
            vec![
                Err(syntax(";")),
                Ok(bare(CmdKind::End)),
                Ok(bare(CmdKind::Exit))
            ]
        );
    }

    #[test]
    fn command_words_are_matched_like_lex_does() {
        // lex has no word rule in command state, so a command word glued to more text is
        // that command followed by a word (zonecfg accepts `exit-F` as `exit -F`).
        assert_eq!(one("exit-F"), cmd(CmdKind::Exit, &["-F"], None, vec![]));
        assert_eq!(one("addfs"), cmd(CmdKind::Add, &[], res(R::Fs), vec![]));
        assert_eq!(
            one("?commands"),
            cmd(CmdKind::Help, &["commands"], None, vec![])
        );
    }

    #[test]
    fn line_numbers_are_kept() {
        for r in parse_line_recovering("add fs; bogus; info; add", 4242) {
            match r {
                Ok(c) => assert_eq!(c.line, 4242),
                Err(e) => assert_eq!(e.line(), 4242),
            }
        }
    }

    #[test]
    fn quote_value_quotes_only_when_needed() {
        assert_eq!(quote_value("/usr/local"), "/usr/local");
        assert_eq!(quote_value("default,sys_time"), "default,sys_time");
        assert_eq!(quote_value("net"), "net");
        assert_eq!(quote_value("-m verbose"), "\"-m verbose\"");
        assert_eq!(quote_value("/dev/cua/a00[2-5]"), "\"/dev/cua/a00[2-5]\"");
        assert_eq!(quote_value("retry=5"), "\"retry=5\"");
        assert_eq!(quote_value("a;b"), "\"a;b\"");
        assert_eq!(quote_value("(x)"), "\"(x)\"");
        assert_eq!(quote_value("a\tb"), "\"a\tb\"");
        assert_eq!(quote_value(""), "\"\"");
    }

    /// Speed is measured by `benches/zonecfg_parse.rs`; this only checks a long mixed file.
    #[test]
    fn ten_thousand_lines_parse() {
        let sample = [
            "add fs",
            "set dir=/usr/local",
            "set special=/opt/local",
            "set type=lofs",
            "add options [ro,nodevices]",
            "end",
            "add rctl",
            "set name=zone.cpu-shares",
            "add value (priv=privileged,limit=5,action=none)",
            "end",
            "set bootargs=\"-m verbose\"",
            "# comment",
        ];
        let lines: Vec<&str> = sample.iter().copied().cycle().take(10_000).collect();
        let mut commands = 0;
        for (i, line) in lines.iter().enumerate() {
            for r in parse_line(line, i + 1) {
                assert!(r.is_ok());
                commands += 1;
            }
        }
        assert_eq!(commands, 10_000 - 10_000 / 12);
    }

    /// Words, keywords, punctuation and oddities the lexer treats specially.
    fn fragment() -> impl Strategy<Value = String> {
        let mut pieces: Vec<String> = [
            "=",
            "[",
            "]",
            "(",
            ")",
            ",",
            ";",
            "\"",
            "#",
            "\n",
            "\0",
            " ",
            "\t",
            "-F",
            "-b",
            "-t",
            "/x",
            "net0",
            "\"a b\"",
            "\"",
            "é",
            "\u{fffd}",
            "?",
            "[]",
            "()",
            "zone.cpu-shares",
            "privileged",
            "5",
            "none",
            "ro",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        pieces.extend(CmdKind::ALL.iter().map(|c| c.as_str().to_owned()));
        pieces.extend(ResourceType::ALL.iter().map(|r| r.as_str().to_owned()));
        pieces.extend(PropName::ALL.iter().map(|p| p.as_str().to_owned()));
        prop::sample::select(pieces)
    }

    fn check_total(line: &str, line_no: usize) {
        let stopping = parse_line(line, line_no);
        for (i, r) in stopping.iter().enumerate() {
            match r {
                Ok(c) => assert_eq!(c.line, line_no),
                Err(e) => {
                    assert_eq!(e.line(), line_no);
                    assert_eq!(i + 1, stopping.len(), "an error must end the list");
                }
            }
        }
        for r in parse_line_recovering(line, line_no) {
            match r {
                Ok(c) => assert_eq!(c.line, line_no),
                Err(e) => assert_eq!(e.line(), line_no),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..200),
            line_no in 1usize..1_000_000,
        ) {
            check_total(&String::from_utf8_lossy(&bytes), line_no);
        }

        #[test]
        fn token_streams_never_panic(
            pieces in prop::collection::vec((fragment(), prop::bool::ANY), 0..24),
            line_no in 1usize..1_000_000,
        ) {
            let mut line = String::new();
            for (piece, spaced) in pieces {
                line.push_str(&piece);
                if spaced {
                    line.push(' ');
                }
            }
            check_total(&line, line_no);
        }

        #[test]
        fn quoted_values_read_back(value in "[^\"\\p{Cc}]*|[^\"\n\0]*") {
            let line = format!("set bootargs={}", quote_value(&value));
            let parsed = parse_line(&line, 1);
            prop_assert_eq!(parsed.len(), 1);
            let Ok(c) = &parsed[0] else {
                return Err(TestCaseError::fail(format!("{line:?}: {parsed:?}")));
            };
            prop_assert_eq!(&c.props, &vec![(PropName::Bootargs, PropValue::Simple(value.clone()))]);
        }
    }
}
