//! Test helpers: an in-memory repository, a recording UI, and a driver that feeds input
//! through the zonecfg parser to a session the way the `zonecfg` binary does.

use super::{Flow, Mode, Options, Session, Ui};
use crate::config::model::ZoneConfig;
use crate::state::ZoneState;
use crate::store::{Repository, StoreError};
use crate::zonecfg::command::Command;
use crate::zonecfg::parser;
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
    /// A repository with the two system templates, as shipped in `templates/`: empty but
    /// for the brand.
    pub fn new() -> MemRepo {
        let mut r = MemRepo::default();
        let template = ZoneConfig {
            brand: "sparse".into(),
            ..Default::default()
        };
        r.templates.insert("SYSdefault".into(), template.clone());
        r.templates.insert("SYSblank".into(), template);
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

/// Parses one command (for building test input).
pub(crate) fn cmd(src: &str) -> Command {
    match parser::parse_line(src, 1).into_iter().next() {
        Some(Ok(c)) => c,
        other => panic!("{src:?} does not parse: {other:?}"),
    }
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
    let file_mode = matches!(s.opts.mode, Mode::File(_));
    let mut done = false;
    'lines: for (n, line) in input.lines().enumerate() {
        let parsed = if file_mode {
            parser::parse_line(line, n + 1)
        } else {
            parser::parse_line_recovering(line, n + 1)
        };
        for item in parsed {
            let flow = match item {
                Ok(c) => s.execute(&c, &mut ui),
                Err(e) => s.parse_error(&e, &mut ui),
            };
            if flow == Flow::Exit {
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
