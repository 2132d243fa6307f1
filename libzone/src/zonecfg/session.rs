//! The zonecfg editing session: the semantics of every zonecfg subcommand, with Solaris'
//! messages (spec §1, illumos `usr/src/cmd/zonecfg/zonecfg.c`).
//!
//! A [`Session`] holds the configuration being edited (the "draft", loaded lazily from the
//! [`Repository`] or made by `create`), the current scope (global, or a resource being added
//! or modified), and the flags zonecfg keeps: whether there are unsaved changes, whether an
//! error was seen. The binary reads and parses input, then hands each [`Command`] to
//! [`Session::execute`], each [`ParseError`] to [`Session::parse_error`], and calls
//! [`Session::eof`] at the end of input; all output goes through the [`Ui`] trait.
//!
//! Driver contract: when `execute`, `parse_error` or `eof` return [`Flow::Exit`] the session
//! is over (any automatic commit has been done) and the process should exit with
//! [`Session::exit_code`]. `eof` returns [`Flow::Continue`] when an interactive user decided
//! not to quit after all; reading then goes on.

mod add;
#[cfg(test)]
mod anet_tests;
mod create;
mod end;
mod getopt;
mod lifecycle;
mod output;
pub(crate) mod refuse;
#[cfg(test)]
mod roundtrip_tests;
mod scope;
mod select;
mod set;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

use crate::config::keywords::ResourceType;
use crate::config::model::ZoneConfig;
use crate::config::names::{self, NameError};
use crate::state::ZoneState;
use crate::store::Repository;
use crate::zonecfg::command::{CmdKind, Command, ParseError};
use crate::zonecfg::help;
use scope::Scope;

/// Where the session's output goes and how it asks questions.
pub trait Ui {
    /// Writes `text` to standard output as it is (it ends with a newline where one belongs).
    fn out(&mut self, text: &str);
    /// Writes `text` to standard error as it is.
    fn err(&mut self, text: &str);
    /// Asks a yes/no question: prints `prompt` (the complete prompt, ending in
    /// `(y/[n])? `) and reads the answer; `y`/`Y...` is yes, anything else (an empty line,
    /// end of input) no. Only called when the input is a terminal.
    fn confirm(&mut self, prompt: &str) -> bool;
    /// Writes the output of `export -f file`, creating or truncating the file.
    fn write_file(&mut self, path: &str, text: &str) -> std::io::Result<()> {
        std::fs::write(path, text)
    }
}

/// Where the commands come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Typed at a terminal (`zonecfg -z zone`).
    Interactive,
    /// Read from a command file (`-f FILE`); the name as given, `-` for standard input.
    File(String),
    /// Given as arguments (`zonecfg -z zone cmd ...`).
    Args,
}

/// How the session was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    /// The leading word of prompts and usage texts (the basename of argv\[0\]).
    pub program: String,
    /// Standard input is a terminal, so questions can be asked.
    pub stdin_is_tty: bool,
    /// An alternate root was given (`-R`); enables `set -F zonepath=`.
    pub alt_root: bool,
    /// The user may not write the zone's configuration: every change is refused.
    pub read_only: bool,
    /// Whether a host name given to `set address=` resolves.
    pub resolver: crate::config::verify::HostResolver,
}

impl Options {
    pub fn new(mode: Mode) -> Options {
        let stdin_is_tty = mode == Mode::Interactive;
        Options {
            mode,
            program: "zonecfg".to_string(),
            stdin_is_tty,
            alt_root: false,
            read_only: false,
            resolver: Default::default(),
        }
    }
}

/// How zonecfg refuses a Solaris 11 feature this implementation does not have (a property,
/// a resource type, a command-line option): `zonecfg: <name>: not supported`.
pub fn not_supported(program: &str, name: &str) -> String {
    format!("{program}: {name}: not supported")
}

/// What the driver should do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Exit,
}

/// Why a session cannot start. The binary prints the message followed by the zone name
/// syntax and its usage, and exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    BogusName(#[from] NameError),
}

/// A zonecfg editing session.
pub struct Session<'r> {
    repo: &'r dyn Repository,
    opts: Options,
    /// The zone being edited (changes with `set zonename=`).
    zone: String,
    /// The name `revert` reloads (the committed name).
    revert_zone: String,
    /// The configuration being edited; `None` until loaded or created.
    draft: Option<ZoneConfig>,
    /// A configuration was loaded or created at some point.
    got_handle: bool,
    /// The draft was made by `create` and never committed.
    is_new: bool,
    /// The committed name of a zone being renamed.
    delete_name: Option<String>,
    scope: Option<Scope>,
    need_to_commit: bool,
    saw_error: bool,
    global_zone: bool,
    interactive: bool,
    file_mode: bool,
    ok_to_prompt: bool,
    time_to_exit: bool,
    force_exit: bool,
    /// The session is over; nothing more is executed.
    finished: bool,
    /// An exit status decided by a command (zonecfg's `exit(Z_ERR)`).
    forced_status: Option<i32>,
    /// The input line of the command being executed.
    line: usize,
    /// The line an `On line N` header was last printed for.
    header_line: usize,
}

impl<'r> Session<'r> {
    /// Starts a session on `zone`. In interactive mode the configuration is loaded at once,
    /// so that a zone that does not exist yet is reported with the hint to use `create`.
    pub fn open(
        repo: &'r dyn Repository,
        zone: &str,
        opts: Options,
        ui: &mut dyn Ui,
    ) -> Result<Session<'r>, OpenError> {
        names::validate_cli_zone_name(zone)?;
        let file_mode = matches!(opts.mode, Mode::File(_));
        let interactive = match &opts.mode {
            Mode::Interactive => true,
            Mode::File(name) => name == "-" && opts.stdin_is_tty,
            Mode::Args => false,
        };
        let ok_to_prompt = opts.stdin_is_tty && !matches!(&opts.mode, Mode::File(n) if n != "-");
        let mut s = Session {
            repo,
            zone: zone.to_string(),
            revert_zone: zone.to_string(),
            draft: None,
            got_handle: false,
            is_new: false,
            delete_name: None,
            scope: None,
            need_to_commit: false,
            saw_error: false,
            global_zone: zone == names::GLOBAL,
            interactive,
            file_mode,
            ok_to_prompt,
            time_to_exit: false,
            force_exit: false,
            finished: false,
            forced_status: None,
            line: 0,
            header_line: 0,
            opts,
        };
        if s.opts.read_only && s.opts.mode != Mode::Args {
            ui.err("WARNING: you do not have write access to this zone's configuration file;\ngoing into read-only mode.\n");
        }
        if s.opts.mode == Mode::Interactive && !s.opts.read_only {
            s.initialize(ui, false);
        }
        Ok(s)
    }

    /// The prompt for the next command: `zonecfg:<zone>> ` or `zonecfg:<zone>:<rt>> `.
    pub fn prompt(&self) -> String {
        match &self.scope {
            None => format!("{}:{}> ", self.opts.program, self.zone),
            Some(sc) => format!("{}:{}:{}> ", self.opts.program, self.zone, sc.rt),
        }
    }

    /// The zone being edited.
    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// The configuration being edited, if one is loaded or created.
    pub fn config(&self) -> Option<&ZoneConfig> {
        self.draft.as_ref()
    }

    /// The resource type being edited, if a resource scope is open.
    pub fn resource_scope(&self) -> Option<ResourceType> {
        self.scope.as_ref().map(|s| s.rt)
    }

    /// What tab completion offers now: the current scope, and whether this is the global
    /// zone.
    pub fn completion_context(&self) -> crate::zonecfg::complete::Context {
        crate::zonecfg::complete::Context {
            resource: self.resource_scope(),
            global_zone: self.global_zone,
        }
    }

    /// There are changes not committed yet.
    pub fn needs_commit(&self) -> bool {
        self.need_to_commit
    }

    /// The session is over.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The exit status: 0, or 1 when an error was seen or changes were left unsaved.
    pub fn exit_code(&self) -> i32 {
        match self.forced_status {
            Some(code) => code,
            None if self.saw_error || self.need_to_commit => 1,
            None => 0,
        }
    }

    /// Runs one command.
    pub fn execute(&mut self, cmd: &Command, ui: &mut dyn Ui) -> Flow {
        if self.finished {
            return Flow::Exit;
        }
        self.line = cmd.line;
        match cmd.kind {
            CmdKind::Add => self.cmd_add(cmd, ui),
            CmdKind::Cancel => self.cmd_cancel(cmd, ui),
            CmdKind::Clear => self.cmd_clear(cmd, ui),
            CmdKind::Commit => self.cmd_commit(cmd, ui),
            CmdKind::Create => self.cmd_create(cmd, ui),
            CmdKind::Delete => self.cmd_delete(cmd, ui),
            CmdKind::End => self.cmd_end(cmd, ui),
            CmdKind::Exit => return self.cmd_exit(cmd, ui),
            CmdKind::Export => self.cmd_export(cmd, ui),
            CmdKind::Help => self.cmd_help(cmd, ui),
            CmdKind::Info => self.cmd_info(cmd, ui),
            CmdKind::Remove => self.cmd_remove(cmd, ui),
            CmdKind::Revert => self.cmd_revert(cmd, ui),
            CmdKind::Select => self.cmd_select(cmd, ui),
            CmdKind::Set => self.cmd_set(cmd, ui),
            CmdKind::Verify => self.cmd_verify(cmd, ui),
        }
        self.after_command()
    }

    /// Reports a piece of input that is not a command.
    pub fn parse_error(&mut self, err: &ParseError, ui: &mut dyn Ui) -> Flow {
        if self.finished {
            return Flow::Exit;
        }
        self.line = err.line();
        self.saw_error = true;
        match err {
            ParseError::Syntax { token, line } => {
                let shown = if token == "\n" { "\\n" } else { token.as_str() };
                if self.file_mode {
                    ui.err(&format!("syntax error on line {line} at '{shown}'\n"));
                } else {
                    ui.err(&format!("syntax error at '{shown}'\n"));
                }
                ui.err(&help::usage(
                    &self.opts.program,
                    help::flags::SUBCMDS,
                    false,
                    None,
                ));
            }
            ParseError::TokenExpected { .. } => ui.err("syntax error, token expected\n"),
            ParseError::NotSupported { name, .. } => {
                let msg = not_supported(&self.opts.program, name);
                self.zerr(ui, &msg);
            }
            ParseError::Usage {
                kind,
                with_res_props,
                ..
            } => {
                self.short_usage(ui, *kind);
                // Bare `set` and `clear` are followed by the property list, the usage errors
                // of add, info, remove and select (when flagged) by resources and properties.
                let f = match kind {
                    CmdKind::Set | CmdKind::Clear => Some(help::flags::PROPS),
                    _ if *with_res_props => Some(help::flags::RES_PROPS),
                    _ => None,
                };
                if let Some(f) = f {
                    ui.err("\n");
                    ui.err(&help::usage(&self.opts.program, f, false, None));
                }
            }
        }
        self.after_command()
    }

    /// End of input: like `exit` (commit pending changes, ask before losing work).
    pub fn eof(&mut self, ui: &mut dyn Ui) -> Flow {
        if self.finished {
            return Flow::Exit;
        }
        self.cleanup(ui)
    }

    /// After each command: stop at the first error of a command file (nothing is saved).
    fn after_command(&mut self) -> Flow {
        if self.finished {
            return Flow::Exit;
        }
        if self.saw_error && self.file_mode && !self.interactive {
            self.finished = true;
            return Flow::Exit;
        }
        Flow::Continue
    }

    /// Ends the session with zonecfg's `exit(Z_ERR)`: at once, nothing saved.
    fn abort(&mut self) {
        self.finished = true;
        self.forced_status = Some(1);
    }

    // ----- output -----

    /// zonecfg's `zerr()`: an error line on stderr, preceded in `-f` mode by
    /// `On line N of FILE:` the first time the line has a message. Marks the session failed.
    fn zerr(&mut self, ui: &mut dyn Ui, msg: &str) {
        self.saw_error = true;
        self.message(ui, msg);
    }

    /// A line on stderr with the `-f` header, not counted as an error (warnings).
    fn message(&mut self, ui: &mut dyn Ui, msg: &str) {
        if let Mode::File(name) = &self.opts.mode {
            if self.line > self.header_line {
                if name == "-" {
                    ui.err(&format!("On line {}:\n", self.line));
                } else {
                    ui.err(&format!("On line {} of {}:\n", self.line, name));
                }
                self.header_line = self.line;
            }
        }
        ui.err(&format!("{msg}\n"));
    }

    /// `zone_perror()`: `<prefix>: <libzonecfg error text>`.
    fn perror(&mut self, ui: &mut dyn Ui, prefix: &str, text: &str) {
        self.zerr(ui, &format!("{prefix}: {text}"));
    }

    /// `short_usage()` after malformed arguments.
    fn short_usage(&mut self, ui: &mut dyn Ui, kind: CmdKind) {
        self.saw_error = true;
        let file = match &self.opts.mode {
            Mode::File(name) => Some((self.line, name.as_str())),
            _ => None,
        };
        ui.err(&help::short_usage_text(kind, file));
    }

    /// `long_usage(cmd, B_TRUE)`: the command's usage and explanation on stderr.
    fn long_usage(&mut self, ui: &mut dyn Ui, kind: CmdKind) {
        self.saw_error = true;
        ui.err(&help::long_usage_text(kind));
    }

    /// `longer_usage()` for `<cmd> -?`: the command's help on stdout.
    fn longer_usage(&mut self, ui: &mut dyn Ui, kind: CmdKind) {
        ui.out(&help::longer_usage_text(&self.opts.program, kind));
    }

    /// `usage(B_FALSE, flags)`: help sections on stderr after an error.
    fn usage_err(&mut self, ui: &mut dyn Ui, flags: u32) {
        let scope = self.scope.as_ref().map(|s| s.rt);
        ui.err(&help::usage(&self.opts.program, flags, false, scope));
    }

    /// `<prop>: No such property type` followed by the command's usage and the property list.
    fn no_such_property(&mut self, ui: &mut dyn Ui, prop: &str, kind: CmdKind) {
        self.perror(ui, prop, "No such property type");
        self.long_usage(ui, kind);
        self.usage_err(ui, help::flags::PROPS);
    }

    /// `<rt>: No such resource type` followed by the command's usage and the resource list.
    fn no_such_resource_type(&mut self, ui: &mut dyn Ui, rt: &str, kind: CmdKind) {
        self.perror(ui, rt, "No such resource type");
        self.long_usage(ui, kind);
        self.usage_err(ui, help::flags::RESOURCES);
    }

    /// zonecfg's `ask_yesno()` with default no: `None` when no question can be asked (which
    /// counts as an error).
    fn ask(&mut self, ui: &mut dyn Ui, question: &str) -> Option<bool> {
        if !self.ok_to_prompt {
            self.saw_error = true;
            return None;
        }
        Some(ui.confirm(&format!("{question} (y/[n])? ")))
    }

    /// `zone_is_read_only()`: `SUNW*` zones and read-only mode refuse changes.
    fn refuse_read_only(&mut self, ui: &mut dyn Ui, kind: CmdKind) -> bool {
        if names::is_read_only_name(&self.zone) {
            let msg = format!("{}: zones beginning with SUNW are read-only.", self.zone);
            self.zerr(ui, &msg);
            return true;
        }
        if self.opts.read_only {
            let msg = format!("{}: cannot {} in read-only mode.", self.zone, kind);
            self.zerr(ui, &msg);
            return true;
        }
        false
    }

    /// `scope_usage()`: the command does not belong to the current scope.
    fn scope_usage(&mut self, ui: &mut dyn Ui, kind: CmdKind) {
        let which = if self.scope.is_none() {
            "resource"
        } else {
            "global"
        };
        self.zerr(
            ui,
            &format!("The {kind} command only makes sense in the {which} scope."),
        );
    }

    // ----- the configuration -----

    /// zonecfg's `initialize()`: makes sure a configuration is loaded. Prints
    /// `<zone>: No such zone configured` (and, interactively, the hint to use `create`) when
    /// there is none; that counts as an error when `expected`.
    fn initialize(&mut self, ui: &mut dyn Ui, expected: bool) -> bool {
        if self.draft.is_some() {
            return true;
        }
        let loaded = match self.repo.load(&self.zone) {
            Ok(None) if names::is_read_only_name(&self.zone) => self.repo.template(&self.zone),
            other => other,
        };
        match loaded {
            Ok(Some(cfg)) => {
                self.draft = Some(cfg);
                self.got_handle = true;
                self.is_new = false;
                self.delete_name = None;
                true
            }
            Ok(None) if self.global_zone && !self.got_handle && !self.opts.read_only => {
                // The global zone's configuration is made implicitly when it does not exist.
                match self.repo.template("SYSblank") {
                    Ok(Some(mut cfg)) => {
                        cfg.name = names::GLOBAL.to_string();
                        self.draft = Some(cfg);
                        self.got_handle = true;
                        self.is_new = true;
                        self.need_to_commit = true;
                        true
                    }
                    Ok(None) => {
                        self.perror(ui, "SYSblank", "No such zone configured");
                        false
                    }
                    Err(e) => {
                        self.zerr(ui, &e.to_string());
                        false
                    }
                }
            }
            Ok(None) => {
                let counts = expected || self.got_handle;
                let msg = format!("{}: No such zone configured", self.zone);
                if counts {
                    self.zerr(ui, &msg);
                } else {
                    self.message(ui, &msg);
                }
                if !self.got_handle && self.interactive && !self.opts.read_only {
                    ui.out("Use 'create' to begin configuring a new zone.\n");
                }
                false
            }
            Err(e) => {
                let msg = e.to_string();
                if expected || self.got_handle {
                    self.zerr(ui, &msg);
                } else {
                    self.message(ui, &msg);
                }
                false
            }
        }
    }

    /// The zone's state from the index (`None` when not configured). A failure to read it
    /// ends the session, as in zonecfg.
    fn zone_state(&mut self, ui: &mut dyn Ui, zone: &str) -> Result<Option<ZoneState>, ()> {
        match self.repo.state(zone) {
            Ok(s) => Ok(s),
            Err(e) => {
                let msg = format!("Unexpectedly failed to determine state of zone {zone}: {e}");
                self.zerr(ui, &msg);
                self.abort();
                Err(())
            }
        }
    }

    /// `state_atleast()` for the zone being edited.
    fn state_at_least(&mut self, ui: &mut dyn Ui, state: ZoneState) -> Result<bool, ()> {
        let zone = self.zone.clone();
        Ok(self.zone_state(ui, &zone)?.is_some_and(|s| s >= state))
    }

    /// The draft, which the caller has made sure exists.
    fn cfg(&mut self) -> &mut ZoneConfig {
        self.draft.get_or_insert_with(ZoneConfig::default)
    }
}
