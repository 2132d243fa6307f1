//! `add`: at global scope begins a new resource; inside a resource adds to a list property
//! (`add options ro`, `add value (priv=...,limit=...,action=...)`, `add auths manage`).

use super::scope::{Res, Scope};
use super::{Session, Ui};
use crate::config::keywords::{PropName, ResourceType};
use crate::config::rctl::{self, AliasState};
use crate::zonecfg::command::{CmdKind, Command, ComplexValue, ListItem, PropValue, Target};
use crate::zonecfg::help;

/// The warning zonecfg prints when rctls of the global zone are changed.
pub(super) const GLOBAL_RCTL_WARNING: &str = "WARNING: Setting a global zone resource control too low could deny\nservice to even the root user; this could render the system impossible\nto administer.  Please use caution.";

const GLOBAL_MCAP_WARNING: &str = "WARNING: Setting a global zone memory cap too low could deny\nservice to even the root user; this could render the system impossible\nto administer.  Please use caution.";

impl Session<'_> {
    pub(super) fn cmd_add(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.flags(ui, cmd, "", false).is_none() {
            return;
        }
        if self.refuse_read_only(ui, CmdKind::Add) {
            return;
        }
        if !self.initialize(ui, true) {
            return;
        }
        if self.scope.is_none() {
            match cmd.target {
                Some(Target::Resource(rt)) => self.add_resource(ui, rt),
                _ => self.long_usage(ui, CmdKind::Add),
            }
        } else {
            self.add_property(ui, cmd);
        }
    }

    /// Begins a new resource of type `rt`, after the checks zonecfg makes at `add`.
    fn add_resource(&mut self, ui: &mut dyn Ui, rt: ResourceType) {
        if self.global_zone && !rt.valid_in_global_zone() {
            self.zerr(
                ui,
                &format!("Cannot add a {rt} resource to the global zone."),
            );
            return;
        }
        if rt == ResourceType::InheritPkgDir && self.refuse_if_installed(ui, "add inherit-pkg-dir")
        {
            return;
        }
        if rt == ResourceType::Rctl && self.global_zone {
            self.message(ui, GLOBAL_RCTL_WARNING);
        }
        let refusal = singleton_refusal(self.cfg(), rt);
        if refusal.is_none() && rt == ResourceType::CappedMemory && self.global_zone {
            self.message(ui, GLOBAL_MCAP_WARNING);
        }
        match refusal {
            Some(msg) => self.zerr(ui, &msg),
            None => self.scope = Some(Scope::add(rt)),
        }
    }

    /// `add <prop> <value>` inside a resource scope.
    fn add_property(&mut self, ui: &mut dyn Ui, cmd: &Command) {
        let [(prop, value)] = cmd.props.as_slice() else {
            self.long_usage(ui, CmdKind::Add);
            return;
        };
        let Some(scope) = self.scope.as_ref() else {
            return;
        };
        match (scope.rt, prop) {
            (ResourceType::Fs, PropName::Options) => {
                let Some(options) = self.option_words(ui, value) else {
                    return;
                };
                if let Some(Res::Fs(fs)) = self.scope.as_mut().map(|s| &mut s.res) {
                    fs.options.extend(options);
                }
            }
            (ResourceType::Rctl, PropName::Value) => self.add_rctl_values(ui, value),
            (ResourceType::Admin, PropName::Auths) => {
                let words: Vec<String> = match value {
                    PropValue::Simple(s) => vec![s.clone()],
                    PropValue::List(items) => items
                        .iter()
                        .filter_map(|i| match i {
                            ListItem::Simple(s) => Some(s.clone()),
                            ListItem::Complex(_) => None,
                        })
                        .collect(),
                    PropValue::Complex(_) => {
                        self.zerr(ui, "A simple or list value was expected here.");
                        return;
                    }
                };
                if let Some(Res::Admin(a)) = self.scope.as_mut().map(|s| &mut s.res) {
                    for w in words {
                        if !a.auths.is_empty() {
                            a.auths.push(',');
                        }
                        a.auths.push_str(&w);
                    }
                }
            }
            // A resource with list properties has no other; one without has none.
            (rt, _) if rt.list_properties().next().is_some() => {
                self.no_such_property(ui, prop.as_str(), CmdKind::Add)
            }
            (rt, _) => self.no_such_resource_type(ui, rt.as_str(), CmdKind::Add),
        }
    }

    /// The words of a simple or list value, as zonecfg reads `options`: a list up to its
    /// first complex item. `None`, after zonecfg's complaint, for a complex value.
    pub(super) fn option_words(
        &mut self,
        ui: &mut dyn Ui,
        value: &PropValue,
    ) -> Option<Vec<String>> {
        match value {
            PropValue::Simple(s) => Some(vec![s.clone()]),
            PropValue::List(items) => Some(
                items
                    .iter()
                    .map_while(|i| match i {
                        ListItem::Simple(s) => Some(s.clone()),
                        ListItem::Complex(_) => None,
                    })
                    .collect(),
            ),
            PropValue::Complex(_) => {
                self.zerr(ui, "A simple or list value was expected here.");
                None
            }
        }
    }

    /// The rctl values of a complex value or a list (where a plain word counts as a value
    /// with nothing in it); a simple value is refused.
    pub(super) fn add_rctl_values(&mut self, ui: &mut dyn Ui, value: &PropValue) {
        match value {
            PropValue::Complex(pieces) => self.add_rctl_value(ui, pieces),
            PropValue::List(items) => {
                for item in items {
                    match item {
                        ListItem::Complex(pieces) => self.add_rctl_value(ui, pieces),
                        ListItem::Simple(_) => self.add_rctl_value(ui, &Vec::new()),
                    }
                }
            }
            PropValue::Simple(_) => {
                self.zerr(ui, "A complex or list value was expected here.");
            }
        }
    }

    /// zonecfg's `do_complex_rctl_val()`: one `(priv=...,limit=...,action=...)` value.
    pub(super) fn add_rctl_value(&mut self, ui: &mut dyn Ui, pieces: &ComplexValue) {
        match rctl::parse_value(pieces) {
            Ok(v) => {
                if let Some(Res::Rctl(r)) = self.scope.as_mut().map(|s| &mut s.res) {
                    r.values.push(v);
                }
            }
            Err(rctl::ValueError::UnknownField(_)) => {
                self.perror(ui, "value", "No such property type");
                self.long_usage(ui, CmdKind::Add);
                self.usage_err(ui, help::flags::PROPS);
            }
            Err(e) => {
                for line in e.lines() {
                    self.zerr(ui, &line);
                }
            }
        }
    }
}

/// Why `add <rt>` is refused for a resource a zone can have only once (or that conflicts
/// with one it has).
fn singleton_refusal(cfg: &crate::config::ZoneConfig, rt: ResourceType) -> Option<String> {
    let refuse = |s: &str| Some(s.to_string());
    match rt {
        ResourceType::DedicatedCpu => {
            if cfg.dedicated_cpu.is_some() {
                refuse("The dedicated-cpu resource already exists.")
            } else if rctl::get_alias(&cfg.rctls, rctl::CPU_CAP) != AliasState::Absent {
                refuse("The capped-cpu resource already exists.")
            } else if !cfg.pool.is_empty() {
                refuse("The pool property is already set.  A persistent pool is incompatible with\nthe dedicated-cpu resource.")
            } else {
                None
            }
        }
        ResourceType::CappedCpu => {
            if cfg.dedicated_cpu.is_some() {
                return refuse("The dedicated-cpu resource already exists.");
            }
            match rctl::get_alias(&cfg.rctls, rctl::CPU_CAP) {
                AliasState::Incompatible => {
                    refuse("capped-cpu: An incompatible rctl already exists for this property")
                }
                AliasState::Set(_) => refuse("The capped-cpu resource already exists."),
                AliasState::Absent => None,
            }
        }
        ResourceType::CappedMemory => {
            let set = |a| matches!(rctl::get_alias(&cfg.rctls, a), AliasState::Set(_));
            if cfg.mcap.is_some() || set(rctl::SWAP) || set(rctl::LOCKED) {
                refuse("The capped-memory resource or a related resource control already exists.")
            } else {
                None
            }
        }
        ResourceType::SecurityFlags if cfg.security_flags.is_some() => {
            refuse("The security-flags resource already exists.")
        }
        ResourceType::SecurityFlags => None,
        // A zone has any number of these.
        ResourceType::Fs
        | ResourceType::InheritPkgDir
        | ResourceType::Net
        | ResourceType::Anet
        | ResourceType::Device
        | ResourceType::Rctl
        | ResourceType::Attr
        | ResourceType::Dataset
        | ResourceType::Admin => None,
    }
}
