//! `info`, `export` and `help`: the commands that only print.

use super::scope::Res;
use super::{Session, Ui};
use crate::config::keywords::PropName;
use crate::zonecfg::command::{CmdKind, Command, PropValue, Target};
use crate::zonecfg::{export, help, info};

/// `strerror()` for an I/O error.
fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => e.to_string(),
    }
}

impl Session<'_> {
    pub(super) fn cmd_info(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if !self.initialize(ui, true) {
            return;
        }
        let cfg = self.cfg().clone();
        if let Some(scope) = &self.scope {
            let text = match &scope.res {
                Res::Fs(f) => info::fs_block(f),
                Res::Ipd(d) => info::block(d),
                Res::Net(n) => info::block(n),
                Res::Anet(a) => info::block(a),
                Res::Device(d) => info::block(d),
                Res::Rctl(r) => info::rctl_block(r),
                Res::Attr(a) => info::block(a),
                Res::Dataset(d) => info::block(d),
                Res::Pset(p) => info::pset_block(p),
                Res::Pcap => info::pcap_block(&cfg.rctls),
                Res::Mcap(m) => info::mcap_block(&m.physcap, &cfg.rctls),
                Res::Admin(a) => info::block(a),
                Res::SecFlags(f) => info::secflags_block(f),
            };
            ui.out(&text);
            return;
        }
        match cmd.target {
            None => ui.out(&info::info_all(&cfg)),
            Some(Target::Property(p)) => {
                if self.refuse_global_property(ui, p) {
                    return;
                }
                match info::global_property(&cfg, p) {
                    Some(text) => ui.out(&text),
                    None => self.perror(ui, p.as_str(), "No such resource type"),
                }
            }
            Some(Target::Resource(rt)) => {
                if self.refuse_global_resource(ui, rt) {
                    return;
                }
                let instances = info::count(&cfg, rt);
                let mut filters: Vec<(PropName, String)> = Vec::new();
                for (p, v) in &cmd.props {
                    match v {
                        PropValue::Simple(s) => filters.push((*p, s.clone())),
                        _ if rt.is_singleton() => {}
                        _ => {
                            // zonecfg complains once for every resource it tries.
                            for _ in 0..instances {
                                self.zerr(ui, "A simple value was expected here.");
                            }
                            ui.out(&format!("No such {rt} resource.\n"));
                            return;
                        }
                    }
                }
                let found = info::filtered(&cfg, rt, &filters);
                if let Some(bad) = found.bad_property {
                    for _ in 0..instances {
                        self.perror(ui, bad.as_str(), "No such property type");
                    }
                }
                ui.out(&found.text);
                if found.no_match && !filters.is_empty() {
                    ui.out(&format!("No such {rt} resource.\n"));
                }
            }
        }
    }

    pub(super) fn cmd_export(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        let Some(opts) = self.flags(ui, cmd, "f:", false) else {
            return;
        };
        if self.scope.is_some() {
            self.scope_usage(ui, CmdKind::Export);
            return;
        }
        let file = opts.into_iter().filter_map(|(_, a)| a).next_back();
        if let Some(path) = &file {
            // Like zonecfg, create (or truncate) the file before looking at the zone.
            if let Err(e) = ui.write_file(path, "") {
                self.zerr(ui, &format!("opening file {path}: {}", strerror(&e)));
                return;
            }
        }
        if !self.initialize(ui, true) {
            return;
        }
        let text = export::export(self.cfg());
        match &file {
            None => ui.out(&text),
            Some(path) => {
                if let Err(e) = ui.write_file(path, &text) {
                    self.zerr(ui, &format!("opening file {path}: {}", strerror(&e)));
                }
            }
        }
    }

    pub(super) fn cmd_help(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        let topic: Option<String> = cmd.argv.first().cloned().or(match cmd.target {
            Some(Target::Resource(rt)) => Some(rt.as_str().to_string()),
            Some(Target::Property(p)) => Some(p.as_str().to_string()),
            None => None,
        });
        let scope = self.scope.as_ref().map(|s| s.rt);
        let text = help::help_topic(&self.opts.program, topic.as_deref(), scope);
        ui.out(&text.stdout);
        ui.err(&text.stderr);
    }
}
