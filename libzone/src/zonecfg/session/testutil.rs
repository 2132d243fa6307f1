//! Test helpers: an in-memory repository, a recording UI, and a small reader for zonecfg
//! command lines (enough for the tests and for re-reading `export` output until the real
//! parser is available).

use super::{Flow, Mode, Options, Session, Ui};
use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::ZoneConfig;
use crate::state::ZoneState;
use crate::store::{Repository, StoreError};
use crate::zonecfg::command::{CmdKind, Command, ListItem, PropValue, Target};
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

/// A repository in memory.
#[derive(Default)]
pub(crate) struct MemRepo {
    pub zones: RefCell<BTreeMap<String, (ZoneConfig, ZoneState)>>,
    pub templates: BTreeMap<String, ZoneConfig>,
    pub detached: BTreeMap<String, ZoneConfig>,
    /// Every commit: (old name, new name).
    pub commits: RefCell<Vec<(Option<String>, String)>>,
    /// Make every commit fail.
    pub fail_commit: bool,
}

impl MemRepo {
    /// A repository with the two system templates (both empty, like illumos').
    pub fn new() -> MemRepo {
        let mut r = MemRepo::default();
        r.templates
            .insert("SYSdefault".into(), ZoneConfig::default());
        r.templates.insert("SYSblank".into(), ZoneConfig::default());
        r
    }

    pub fn with_zone(self, cfg: ZoneConfig, state: ZoneState) -> MemRepo {
        self.zones
            .borrow_mut()
            .insert(cfg.name.clone(), (cfg, state));
        self
    }

    pub fn get(&self, zone: &str) -> Option<ZoneConfig> {
        self.zones.borrow().get(zone).map(|(c, _)| c.clone())
    }
}

impl Repository for MemRepo {
    fn load(&self, zone: &str) -> Result<Option<ZoneConfig>, StoreError> {
        Ok(self.get(zone))
    }

    fn template(&self, name: &str) -> Result<Option<ZoneConfig>, StoreError> {
        let name = match name {
            "SUNWdefault" => "SYSdefault",
            "SUNWblank" => "SYSblank",
            n => n,
        };
        Ok(self.templates.get(name).cloned().or_else(|| self.get(name)))
    }

    fn state(&self, zone: &str) -> Result<Option<ZoneState>, StoreError> {
        Ok(self.zones.borrow().get(zone).map(|(_, s)| *s))
    }

    fn commit(&self, old_name: Option<&str>, cfg: &ZoneConfig) -> Result<(), StoreError> {
        if self.fail_commit {
            return Err(StoreError::Io {
                path: PathBuf::from("/etc/zones/index"),
                source: std::io::Error::from_raw_os_error(libc::EACCES),
            });
        }
        let mut zones = self.zones.borrow_mut();
        let mut state = ZoneState::Configured;
        if let Some(old) = old_name {
            if zones.contains_key(&cfg.name) {
                return Err(StoreError::NameInUse {
                    zone: cfg.name.clone(),
                });
            }
            if let Some((_, s)) = zones.remove(old) {
                state = s;
            }
        } else if let Some((_, s)) = zones.get(&cfg.name) {
            state = *s;
        }
        zones.insert(cfg.name.clone(), (cfg.clone(), state));
        self.commits
            .borrow_mut()
            .push((old_name.map(str::to_string), cfg.name.clone()));
        Ok(())
    }

    fn delete(&self, zone: &str) -> Result<(), StoreError> {
        self.zones.borrow_mut().remove(zone);
        Ok(())
    }

    fn detached(&self, zonepath: &str) -> Result<Option<ZoneConfig>, StoreError> {
        Ok(self.detached.get(zonepath).cloned())
    }
}

/// A UI that records what is printed and answers questions from a queue (no when empty).
#[derive(Default)]
pub(crate) struct RecUi {
    pub out: String,
    pub err: String,
    /// Both streams in order, stderr lines marked with `!`.
    pub all: String,
    pub answers: VecDeque<bool>,
    pub prompts: Vec<String>,
    pub files: BTreeMap<String, String>,
    pub unwritable: bool,
}

impl Ui for RecUi {
    fn out(&mut self, text: &str) {
        self.out.push_str(text);
        self.all.push_str(text);
    }

    fn err(&mut self, text: &str) {
        self.err.push_str(text);
        for l in text.split_inclusive('\n') {
            self.all.push('!');
            self.all.push_str(l);
        }
    }

    fn confirm(&mut self, prompt: &str) -> bool {
        self.prompts.push(prompt.to_string());
        self.out.push_str(prompt);
        self.answers.pop_front().unwrap_or(false)
    }

    fn write_file(&mut self, path: &str, text: &str) -> std::io::Result<()> {
        if self.unwritable {
            return Err(std::io::Error::from_raw_os_error(libc::EACCES));
        }
        self.files.insert(path.to_string(), text.to_string());
        Ok(())
    }
}

/// A token of a command line.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Sym(char),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    // Inside [...] and (...) a comma separates; elsewhere it is part of a word.
    let mut depth = 0usize;
    while let Some(&c) = chars.peek() {
        if c == ' ' || c == '\t' {
            chars.next();
        } else if "=[](),".contains(c) && (c != ',' || depth > 0) {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            out.push(Tok::Sym(c));
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut w = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                w.push(c);
            }
            out.push(Tok::Quoted(w));
        } else {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if " \t\"=[]()".contains(c) || (c == ',' && depth > 0) {
                    break;
                }
                w.push(c);
                chars.next();
            }
            out.push(Tok::Word(w));
        }
    }
    out
}

/// Splits a line at `;` outside quotes, dropping comments.
fn split_commands(line: &str) -> Vec<String> {
    let mut cmds = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ';' if !quoted => cmds.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    cmds.push(cur);
    cmds.into_iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty() && !c.starts_with('#'))
        .collect()
}

fn text(t: &Tok) -> String {
    match t {
        Tok::Word(w) | Tok::Quoted(w) => w.clone(),
        Tok::Sym(c) => c.to_string(),
    }
}

/// Reads a value starting at `toks[*i]`.
fn value(toks: &[Tok], i: &mut usize) -> PropValue {
    match toks.get(*i) {
        Some(Tok::Sym('[')) => {
            *i += 1;
            let mut items = Vec::new();
            while let Some(t) = toks.get(*i) {
                match t {
                    Tok::Sym(']') => {
                        *i += 1;
                        break;
                    }
                    Tok::Sym(',') => *i += 1,
                    Tok::Sym('(') => items.push(ListItem::Complex(complex(toks, i))),
                    t => {
                        items.push(ListItem::Simple(text(t)));
                        *i += 1;
                    }
                }
            }
            PropValue::List(items)
        }
        Some(Tok::Sym('(')) => PropValue::Complex(complex(toks, i)),
        Some(t) => {
            *i += 1;
            PropValue::Simple(text(t))
        }
        None => PropValue::Simple(String::new()),
    }
}

fn complex(toks: &[Tok], i: &mut usize) -> Vec<(PropName, String)> {
    *i += 1; // (
    let mut pieces = Vec::new();
    while let Some(t) = toks.get(*i) {
        match t {
            Tok::Sym(')') => {
                *i += 1;
                break;
            }
            Tok::Sym(',') => *i += 1,
            t => {
                let name = PropName::parse(&text(t)).unwrap_or(PropName::Value);
                *i += 2; // name =
                let v = toks.get(*i).map(text).unwrap_or_default();
                *i += 1;
                pieces.push((name, v));
            }
        }
    }
    pieces
}

/// Parses one command.
fn command(src: &str, line: usize) -> Command {
    let toks = tokenize(src);
    let kind = toks
        .first()
        .and_then(|t| CmdKind::parse(&text(t)))
        .unwrap_or(CmdKind::Help);
    let mut cmd = Command::new(kind, line);
    let mut i = 1;
    let structured = matches!(
        kind,
        CmdKind::Add
            | CmdKind::Remove
            | CmdKind::Select
            | CmdKind::Info
            | CmdKind::Set
            | CmdKind::Clear
    );
    if !structured {
        cmd.argv = toks[1..].iter().map(text).collect();
        return cmd;
    }
    while let Some(Tok::Word(w)) = toks.get(i) {
        if w.starts_with('-') {
            cmd.argv.push(w.clone());
            i += 1;
        } else {
            break;
        }
    }
    if let Some(Tok::Word(w)) = toks.get(i) {
        let next_is_eq = toks.get(i + 1) == Some(&Tok::Sym('='));
        if let (Some(rt), false) = (ResourceType::parse(w), next_is_eq) {
            cmd.target = Some(Target::Resource(rt));
            i += 1;
        } else if let Some(p) = PropName::parse(w) {
            if !next_is_eq {
                i += 1;
                if toks.get(i).is_some() && matches!(kind, CmdKind::Add | CmdKind::Remove) {
                    let v = value(&toks, &mut i);
                    cmd.props.push((p, v));
                } else {
                    cmd.target = Some(Target::Property(p));
                }
            }
        } else if toks.len() > i && !next_is_eq {
            cmd.argv.push(w.clone());
            i += 1;
        }
    }
    while let Some(t) = toks.get(i) {
        let Some(p) = PropName::parse(&text(t)) else {
            cmd.argv.push(text(t));
            i += 1;
            continue;
        };
        i += 1;
        if toks.get(i) == Some(&Tok::Sym('=')) {
            i += 1;
        }
        let v = value(&toks, &mut i);
        cmd.props.push((p, v));
    }
    cmd
}

/// Parses a line of input (several commands separated by `;`).
pub(crate) fn parse_line(line: &str, line_no: usize) -> Vec<Command> {
    split_commands(line)
        .iter()
        .map(|c| command(c, line_no))
        .collect()
}

/// Parses one command (for building test input).
pub(crate) fn cmd(src: &str) -> Command {
    command(src, 1)
}

/// The outcome of feeding input to a session.
pub(crate) struct Run {
    pub ui: RecUi,
    pub code: i32,
    pub draft: Option<ZoneConfig>,
    pub prompt: String,
}

/// Runs `input` (lines of commands) against `zone` in `mode`, then ends the input.
pub(crate) fn run_with(
    repo: &MemRepo,
    zone: &str,
    opts: Options,
    mut ui: RecUi,
    input: &str,
) -> Run {
    let mut s = match Session::open(repo, zone, opts, &mut ui) {
        Ok(s) => s,
        Err(e) => {
            ui.err(&format!("{e}\n"));
            return Run {
                ui,
                code: 2,
                draft: None,
                prompt: String::new(),
            };
        }
    };
    let mut done = false;
    'lines: for (n, line) in input.lines().enumerate() {
        for c in parse_line(line, n + 1) {
            if s.execute(&c, &mut ui) == Flow::Exit {
                done = true;
                break 'lines;
            }
        }
    }
    if !done {
        // An interactive user declining to quit would go on typing; here there is nothing
        // more, so ask again a few times at most.
        for _ in 0..3 {
            if s.eof(&mut ui) == Flow::Exit {
                break;
            }
        }
    }
    Run {
        code: s.exit_code(),
        draft: s.config().cloned(),
        prompt: s.prompt(),
        ui,
    }
}

/// [`run_with`] in `mode` with a default UI.
pub(crate) fn run(repo: &MemRepo, zone: &str, mode: Mode, input: &str) -> Run {
    run_with(repo, zone, Options::new(mode), RecUi::default(), input)
}
