//! `verify`, `commit` and `exit`, and the end-of-session cleanup that commits pending
//! changes (zonecfg's `verify_func()`, `commit_func()`, `exit_func()`, `cleanup()`).

use super::getopt::{getopt, OptError};
use super::{Flow, Mode, Session, Ui};
use crate::config::verify::{self, Outcome, VerifyOptions};
use crate::zonecfg::command::{CmdKind, Command};

impl Session<'_> {
    pub(super) fn cmd_commit(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.flags(ui, cmd, "", false).is_none() {
            return;
        }
        if self.refuse_read_only(ui, CmdKind::Commit) {
            return;
        }
        self.verify_config(ui, true);
    }

    pub(super) fn cmd_verify(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.flags(ui, cmd, "", false).is_none() {
            return;
        }
        if self.refuse_read_only(ui, CmdKind::Verify) {
            return;
        }
        self.verify_config(ui, false);
    }

    /// Verifies the draft, printing every problem; with `save`, writes it to the repository
    /// when it verifies.
    fn verify_config(&mut self, ui: &mut dyn Ui, save: bool) {
        if !self.initialize(ui, true) {
            return;
        }
        let zone = self.zone.clone();
        let open_resource = self.scope.is_some();
        let report = verify::verify(
            self.cfg(),
            &VerifyOptions {
                zone: &zone,
                open_resource,
            },
        );
        for line in &report.lines {
            self.message(ui, line);
        }
        match report.outcome {
            Outcome::Ok => {
                if save {
                    self.save(ui);
                }
            }
            Outcome::Failed(_) => {
                if save {
                    self.zerr(ui, &format!("Zone {zone} failed to verify"));
                }
                if let Some(summary) = report.summary(&zone) {
                    self.zerr(ui, &summary);
                }
            }
            Outcome::Aborted => self.saw_error = true,
        }
    }

    /// Writes the draft (and its index entry) to the repository.
    fn save(&mut self, ui: &mut dyn Ui) {
        let cfg = self.cfg().clone();
        match self.repo.commit(self.delete_name.as_deref(), &cfg) {
            Ok(()) => {
                self.need_to_commit = false;
                self.revert_zone = self.zone.clone();
                self.delete_name = None;
                self.is_new = false;
            }
            Err(e) => self.zerr(ui, &e.to_string()),
        }
    }

    pub(super) fn cmd_exit(&mut self, cmd: &Command, ui: &mut dyn Ui) -> Flow {
        let opts = match getopt(&cmd.argv, "F") {
            Err(OptError::Help) => {
                self.longer_usage(ui, CmdKind::Exit);
                return self.after_command();
            }
            Err(OptError::Bad) => {
                self.short_usage(ui, CmdKind::Exit);
                return self.after_command();
            }
            Ok((_, optind)) if optind < cmd.argv.len() => {
                self.short_usage(ui, CmdKind::Exit);
                return self.after_command();
            }
            Ok((opts, _)) => opts,
        };
        if !opts.is_empty() {
            self.force_exit = true;
        }
        if self.scope.is_some() && !self.force_exit {
            match self.ask(ui, "Resource incomplete; really quit") {
                None => {
                    self.zerr(ui, "Resource incomplete, input not from terminal and -F not specified:\nexit command ignored, but exiting anyway.");
                    self.abort();
                    return Flow::Exit;
                }
                Some(false) => return self.after_command(),
                Some(true) => {}
            }
        }
        self.time_to_exit = true;
        self.cleanup(ui)
    }

    /// zonecfg's `cleanup()`, run at `exit` and at the end of input: asks before abandoning
    /// an open resource, commits pending changes, and asks before losing them when they do
    /// not verify. Returns `Continue` when an interactive user chose to go on.
    pub(super) fn cleanup(&mut self, ui: &mut dyn Ui) -> Flow {
        if self.opts.mode == Mode::Args {
            // Nothing more can be read after the arguments, so asking makes no sense.
            self.ok_to_prompt = false;
        }
        if self.scope.is_some() {
            if self.time_to_exit {
                self.saw_error = true;
            } else {
                match self.ask(ui, "Resource incomplete; really quit") {
                    None => {
                        self.zerr(ui, "Resource incomplete.");
                        self.finished = true;
                        return Flow::Exit;
                    }
                    Some(false) => return self.repeat(),
                    Some(true) => {}
                }
            }
        }
        if self.need_to_commit && self.draft.is_some() {
            if self.refuse_read_only(ui, CmdKind::Commit) {
                self.finished = true;
                return Flow::Exit;
            }
            self.verify_config(ui, true);
            if self.need_to_commit {
                if self.force_exit {
                    self.zerr(ui, "Configuration not saved.");
                    self.finished = true;
                    return Flow::Exit;
                }
                match self.ask(ui, "Configuration not saved; really quit") {
                    None => {
                        self.zerr(ui, "Configuration not saved.");
                        self.finished = true;
                        return Flow::Exit;
                    }
                    Some(false) => {
                        self.time_to_exit = false;
                        return self.repeat();
                    }
                    Some(true) => {}
                }
            }
        }
        self.finished = true;
        Flow::Exit
    }

    /// The user chose not to quit: go on reading commands. A command file has nothing more
    /// to read, so there this ends the session with an error.
    fn repeat(&mut self) -> Flow {
        if self.file_mode {
            self.saw_error = true;
            self.finished = true;
            return Flow::Exit;
        }
        self.time_to_exit = false;
        Flow::Continue
    }
}
