//! `create`, `delete` and `revert`: the commands that replace the whole configuration.

use super::getopt::{getopt, OptError};
use super::{Session, Ui};
use crate::state::ZoneState;
use crate::store::StoreError;
use crate::zonecfg::command::{CmdKind, Command};

impl Session<'_> {
    /// Parses the flags of a command with `spec`; prints the usage and returns `None` on a
    /// mistake (`-?` prints the command's help).
    pub(super) fn flags(
        &mut self,
        ui: &mut dyn Ui,
        cmd: &Command,
        spec: &str,
        extra_args_ok: bool,
    ) -> Option<Vec<(char, Option<String>)>> {
        match getopt(&cmd.argv, spec) {
            Err(OptError::Help) => {
                self.longer_usage(ui, cmd.kind);
                None
            }
            Err(OptError::Bad) => {
                self.short_usage(ui, cmd.kind);
                None
            }
            Ok((_, optind)) if optind != cmd.argv.len() && !extra_args_ok => {
                self.short_usage(ui, cmd.kind);
                None
            }
            Ok((opts, _)) => Some(opts),
        }
    }

    pub(super) fn cmd_create(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.scope.is_some() {
            self.scope_usage(ui, CmdKind::Create);
            return;
        }
        let Some(opts) = self.flags(ui, cmd, "a:bFt:", false) else {
            return;
        };
        let mut template: Option<String> = None;
        let mut attach: Option<String> = None;
        let mut force = false;
        let mut sources = 0;
        for (flag, arg) in opts {
            match flag {
                'a' => {
                    attach = arg;
                    sources += 1;
                }
                'b' => {
                    template = Some("SYSblank".to_string());
                    sources += 1;
                }
                't' => {
                    template = arg;
                    sources += 1;
                }
                _ => force = true,
            }
        }
        if sources > 1 {
            self.short_usage(ui, CmdKind::Create);
            return;
        }
        if self.refuse_read_only(ui, CmdKind::Create) {
            return;
        }
        if !self.check_zone_may_be_created(ui, force) {
            return;
        }
        let loaded = if let Some(path) = attach {
            match self.repo.detached(&path) {
                Ok(Some(mut cfg)) => {
                    cfg.zonepath = path;
                    Some(cfg)
                }
                Ok(None) => {
                    self.saw_error = true;
                    ui.err("invalid path to detached zone\n");
                    None
                }
                Err(StoreError::BadDocument { .. }) => {
                    self.saw_error = true;
                    ui.err("Cannot attach to an earlier release of the operating system\n");
                    None
                }
                Err(e) => {
                    self.zerr(ui, &e.to_string());
                    None
                }
            }
        } else {
            let name = match template {
                Some(t) => t,
                None => {
                    ui.out("create: Using system default template 'SYSdefault'\n");
                    "SYSdefault".to_string()
                }
            };
            match self.repo.template(&name) {
                Ok(Some(cfg)) => Some(cfg),
                Ok(None) => {
                    self.perror(ui, &name, "No such zone configured");
                    None
                }
                Err(e) => {
                    self.zerr(ui, &e.to_string());
                    None
                }
            }
        };
        if let Some(mut cfg) = loaded {
            cfg.name = self.zone.clone();
            self.draft = Some(cfg);
            self.got_handle = true;
            self.is_new = true;
            self.delete_name = None;
            self.need_to_commit = true;
        }
    }

    /// zonecfg's `check_if_zone_already_exists()`: an installed zone cannot be re-created;
    /// an existing one only with `-F` or after confirmation.
    fn check_zone_may_be_created(&mut self, ui: &mut dyn Ui, force: bool) -> bool {
        let zone = self.zone.clone();
        if !matches!(self.repo.load(&zone), Ok(Some(_))) {
            return true;
        }
        if self.refuse_if_installed(ui, "create") {
            return false;
        }
        if force {
            ui.out(&format!("Zone {zone} already exists; overwriting.\n"));
            return true;
        }
        match self.ask(ui, &format!("Zone {zone} already exists; create anyway")) {
            None => {
                self.zerr(
                    ui,
                    "Zone exists, input not from terminal and -F not specified:\ncreate command ignored, exiting.",
                );
                self.abort();
                false
            }
            Some(answer) => answer,
        }
    }

    pub(super) fn cmd_delete(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.scope.is_some() {
            self.scope_usage(ui, CmdKind::Delete);
            return;
        }
        let Some(opts) = self.flags(ui, cmd, "F", false) else {
            return;
        };
        let force = !opts.is_empty();
        if self.refuse_read_only(ui, CmdKind::Delete) {
            return;
        }
        let zone = self.zone.clone();
        if !force {
            if !self.initialize(ui, true) {
                return;
            }
            match self.ask(ui, &format!("Are you sure you want to delete zone {zone}")) {
                None => {
                    self.zerr(
                        ui,
                        "Input not from terminal and -F not specified:\ndelete command ignored, exiting.",
                    );
                    self.abort();
                    return;
                }
                Some(false) => return,
                Some(true) => {}
            }
        }
        let Ok(state) = self.zone_state(ui, &zone) else {
            return;
        };
        match state {
            None => self.perror(ui, &zone, "No such zone configured"),
            // An installed or running zone's zonepath and instance would be orphaned; -F
            // does not change that (the store refuses it too).
            Some(s) if s != ZoneState::Configured => self.zerr(
                ui,
                &format!("Zone {zone} not in configured state; delete not allowed."),
            ),
            Some(_) => {
                if let Err(e) = self.repo.delete(&zone) {
                    self.zerr(ui, &e.to_string());
                }
            }
        }
        self.need_to_commit = false;
        if force && self.draft.is_none() && self.interactive {
            ui.out("Use 'create' to begin configuring a new zone.\n");
        }
        if self.got_handle {
            self.draft = None;
            self.is_new = false;
            self.delete_name = None;
            match self.repo.load(&zone) {
                Ok(Some(cfg)) => self.draft = Some(cfg),
                Ok(None) => self.got_handle = false,
                Err(e) => {
                    self.got_handle = false;
                    self.zerr(ui, &e.to_string());
                }
            }
        }
    }

    pub(super) fn cmd_revert(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        let Some(opts) = self.flags(ui, cmd, "F", false) else {
            return;
        };
        let force = !opts.is_empty();
        if self.refuse_read_only(ui, CmdKind::Revert) {
            return;
        }
        if self.scope.is_some() {
            self.zerr(
                ui,
                "You can only use revert in the global scope.\nUse 'cancel' to cancel changes to a resource specification.",
            );
            return;
        }
        if self.draft.is_none() {
            self.zerr(ui, "No changes to revert.");
            return;
        }
        if !force {
            match self.ask(ui, "Are you sure you want to revert") {
                None => {
                    self.zerr(
                        ui,
                        "Input not from terminal and -F not specified:\nrevert command ignored, exiting.",
                    );
                    self.abort();
                    return;
                }
                Some(false) => return,
                Some(true) => {}
            }
        }
        let name = self.revert_zone.clone();
        self.draft = None;
        self.is_new = false;
        self.delete_name = None;
        self.need_to_commit = false;
        match self.repo.load(&name) {
            Ok(Some(cfg)) => self.draft = Some(cfg),
            Ok(None) => {
                self.got_handle = false;
                self.zerr(ui, &format!("{name}: no such saved zone to revert to."));
            }
            Err(e) => {
                self.got_handle = false;
                self.zerr(ui, &e.to_string());
            }
        }
        self.zone = name;
    }
}
