//! `select` and `remove`: finding resources by their properties (libzonecfg's
//! `zonecfg_lookup_*()`), entering a resource scope to modify one, deleting them, and
//! removing values from list properties inside a resource scope.

use super::scope::{Res, Scope};
use super::{Session, Ui};
use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::{IpType, RctlValue, ZoneConfig};
use crate::config::rctl::{self, AliasState};
use crate::config::resources;
use crate::zonecfg::command::{CmdKind, Command, PropValue, Target};
use crate::zonecfg::help;
use crate::zonecfg::info::same_net_address;

/// Why a lookup found no single resource; the text follows `<cmd> <rt>: `.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LookupError {
    NoSuchId,
    Insufficient,
    Invalid,
}

impl LookupError {
    fn text(self) -> &'static str {
        match self {
            LookupError::NoSuchId => "No such resource with that id",
            LookupError::Insufficient => "Insufficient specification",
            LookupError::Invalid => "Invalid argument",
        }
    }
}

/// The resource at `i` of type `rt`.
fn resource_at(cfg: &ZoneConfig, rt: ResourceType, i: usize) -> Option<Res> {
    Some(match rt {
        ResourceType::Fs => Res::Fs(cfg.fs.get(i)?.clone()),
        ResourceType::InheritPkgDir => Res::Ipd(cfg.inherit_pkg_dirs.get(i)?.clone()),
        ResourceType::Net => Res::Net(cfg.nets.get(i)?.clone()),
        ResourceType::Anet => Res::Anet(cfg.anets.get(i)?.clone()),
        ResourceType::Device => Res::Device(cfg.devices.get(i)?.clone()),
        ResourceType::Rctl => Res::Rctl(cfg.rctls.get(i)?.clone()),
        ResourceType::Attr => Res::Attr(cfg.attrs.get(i)?.clone()),
        ResourceType::Dataset => Res::Dataset(cfg.datasets.get(i)?.clone()),
        ResourceType::Admin => Res::Admin(cfg.admins.get(i)?.clone()),
        // Selected without a lookup.
        ResourceType::DedicatedCpu
        | ResourceType::CappedCpu
        | ResourceType::CappedMemory
        | ResourceType::SecurityFlags => return None,
    })
}

/// The resources of list type `rt` whose properties equal every wanted one (`want`
/// gives the filter of a property, if any).
fn matching<'a>(
    cfg: &ZoneConfig,
    rt: ResourceType,
    want: &dyn Fn(PropName) -> Option<&'a str>,
) -> Vec<usize> {
    (0..resources::list_len(cfg, rt))
        .filter(|&i| {
            resources::props_at(cfg, rt, i)
                .iter()
                .all(|(p, have)| want(*p).is_none_or(|w| w == have))
        })
        .collect()
}

/// Finds the one resource of type `rt` matching every given (non-empty) property.
fn lookup(
    cfg: &ZoneConfig,
    rt: ResourceType,
    filters: &[(PropName, String)],
) -> Result<usize, LookupError> {
    let want = |p: PropName| {
        filters
            .iter()
            .rev()
            .find(|(q, v)| *q == p && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let eq = |p: PropName, have: &str| want(p).is_none_or(|w| w == have);
    let no_filter = |props: &[PropName]| props.iter().all(|p| want(*p).is_none());
    let matches: Vec<usize> = match rt {
        ResourceType::Fs
        | ResourceType::InheritPkgDir
        | ResourceType::Device
        | ResourceType::Attr
        | ResourceType::Dataset
        | ResourceType::Anet => {
            let filters: Vec<PropName> = rt.filter_properties().collect();
            if no_filter(&filters) {
                // An anet, like a net, is named by what identifies it.
                return Err(if rt == ResourceType::Anet {
                    LookupError::Insufficient
                } else {
                    LookupError::NoSuchId
                });
            }
            matching(cfg, rt, &want)
        }
        ResourceType::Net => {
            let addr = want(PropName::Address);
            let allowed = want(PropName::AllowedAddress);
            let router = want(PropName::Defrouter);
            if addr.is_some() && allowed.is_some() {
                return Err(LookupError::Invalid);
            }
            if addr.is_none()
                && allowed.is_none()
                && router.is_none()
                && want(PropName::Physical).is_none()
            {
                return Err(LookupError::Insufficient);
            }
            let same = |w: Option<&str>, have: &str| w.is_none_or(|w| same_net_address(w, have));
            (0..cfg.nets.len())
                .filter(|&i| {
                    let n = &cfg.nets[i];
                    eq(PropName::Physical, &n.physical)
                        && (cfg.ip_type != IpType::Shared || same(addr, &n.address))
                        && (cfg.ip_type != IpType::Exclusive || same(allowed, &n.allowed_address))
                        && same(router, &n.defrouter)
                })
                .collect()
        }
        ResourceType::Rctl => match want(PropName::Name) {
            None => return Err(LookupError::Invalid),
            // libzonecfg takes the first rctl of that name.
            Some(n) => cfg
                .rctls
                .iter()
                .position(|r| r.name == n)
                .into_iter()
                .collect(),
        },
        // An admin is named by its user alone.
        ResourceType::Admin => match want(PropName::User) {
            None => return Err(LookupError::NoSuchId),
            Some(u) => (0..cfg.admins.len())
                .filter(|&i| cfg.admins[i].user == u)
                .collect(),
        },
        ResourceType::DedicatedCpu
        | ResourceType::CappedCpu
        | ResourceType::CappedMemory
        | ResourceType::SecurityFlags => return Err(LookupError::NoSuchId),
    };
    match matches.as_slice() {
        [] => Err(LookupError::NoSuchId),
        [one] => Ok(*one),
        _ => Err(LookupError::Insufficient),
    }
}

impl Session<'_> {
    /// The `prop=value` filters of a `select`/`remove`, checked like `fill_in_*tab()`.
    /// `None` after an error was printed (the caller then reports
    /// `<cmd> <rt>: Insufficient specification`).
    fn filters(
        &mut self,
        ui: &mut dyn Ui,
        rt: ResourceType,
        cmd: &Command,
    ) -> Option<Vec<(PropName, String)>> {
        let mut out = Vec::new();
        for (p, v) in &cmd.props {
            let PropValue::Simple(s) = v else {
                self.zerr(ui, "A simple value was expected here.");
                return None;
            };
            if !rt.filter_properties().any(|q| q == *p) {
                self.perror(ui, p.as_str(), "No such property type");
                return None;
            }
            out.push((*p, s.clone()));
        }
        Some(out)
    }

    /// Finds the resource a qualified `select`/`remove` names, printing
    /// `<cmd> <rt>: <why>` when there is not exactly one.
    fn find(
        &mut self,
        ui: &mut dyn Ui,
        kind: CmdKind,
        rt: ResourceType,
        cmd: &Command,
    ) -> Option<usize> {
        let result = match self.filters(ui, rt, cmd) {
            None => Err(LookupError::Insufficient),
            Some(f) => lookup(self.cfg(), rt, &f),
        };
        match result {
            Ok(i) => Some(i),
            Err(e) => {
                self.perror(ui, &format!("{kind} {rt}"), e.text());
                None
            }
        }
    }

    pub(super) fn cmd_select(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.refuse_read_only(ui, CmdKind::Select) {
            return;
        }
        if self.scope.is_some() {
            self.scope_usage(ui, CmdKind::Select);
            return;
        }
        let Some(Target::Resource(rt)) = cmd.target else {
            self.long_usage(ui, CmdKind::Select);
            return;
        };
        if !rt.is_singleton() && cmd.props.is_empty() {
            self.short_usage(ui, CmdKind::Select);
            return;
        }
        if !self.initialize(ui, true) {
            return;
        }
        if rt == ResourceType::InheritPkgDir
            && self.refuse_if_installed(ui, "select inherit-pkg-dir")
        {
            return;
        }
        let cfg = self.cfg().clone();
        let missing = |what: &str| format!("select {rt}: {what}");
        let mut index = None;
        let res = match rt {
            ResourceType::DedicatedCpu => match &cfg.dedicated_cpu {
                Some(p) => Ok(Res::Pset(p.clone())),
                None => Err(missing("No such entry")),
            },
            ResourceType::CappedCpu => match rctl::get_alias(&cfg.rctls, rctl::CPU_CAP) {
                AliasState::Set(_) => Ok(Res::Pcap),
                AliasState::Absent => Err(missing("No such entry")),
                AliasState::Incompatible => Err(missing(
                    "An incompatible rctl already exists for this property",
                )),
            },
            ResourceType::CappedMemory => {
                if crate::zonecfg::info::has_mcap(&cfg) {
                    Ok(Res::Mcap(cfg.mcap.clone().unwrap_or_default()))
                } else {
                    Err(missing("No such resource type"))
                }
            }
            ResourceType::SecurityFlags => match &cfg.security_flags {
                Some(f) => Ok(Res::SecFlags(f.clone())),
                None => Err(missing("No such entry")),
            },
            ResourceType::Fs
            | ResourceType::InheritPkgDir
            | ResourceType::Net
            | ResourceType::Anet
            | ResourceType::Device
            | ResourceType::Rctl
            | ResourceType::Attr
            | ResourceType::Dataset
            | ResourceType::Admin => match self.find(ui, CmdKind::Select, rt, cmd) {
                Some(i) => {
                    index = Some(i);
                    resource_at(&cfg, rt, i).ok_or_else(|| missing("No such resource with that id"))
                }
                None => return,
            },
        };
        match res {
            Ok(r) => self.scope = Some(Scope::select(rt, r, index)),
            Err(msg) => self.zerr(ui, &msg),
        }
    }

    pub(super) fn cmd_remove(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.refuse_read_only(ui, CmdKind::Remove) {
            return;
        }
        if self.scope.is_some() {
            self.remove_property(ui, cmd);
            return;
        }
        let Some(Target::Resource(rt)) = cmd.target else {
            self.long_usage(ui, CmdKind::Remove);
            return;
        };
        if self.refuse_global_resource(ui, rt) {
            return;
        }
        let Some(opts) = self.flags(ui, cmd, "F", true) else {
            return;
        };
        let force = !opts.is_empty();
        if !self.initialize(ui, true) {
            return;
        }
        if rt == ResourceType::InheritPkgDir
            && self.refuse_if_installed(ui, "remove inherit-pkg-dir")
        {
            return;
        }
        let prefix = format!("remove {rt}");
        let cfg = self.cfg();
        match rt {
            ResourceType::DedicatedCpu => {
                if cfg.dedicated_cpu.take().is_none() {
                    self.perror(ui, &prefix, "No such entry");
                    return;
                }
            }
            ResourceType::CappedCpu => {
                if !matches!(
                    rctl::get_alias(&cfg.rctls, rctl::CPU_CAP),
                    AliasState::Set(_)
                ) {
                    self.perror(ui, &prefix, "No such resource type");
                    return;
                }
                rctl::remove_alias(&mut cfg.rctls, rctl::CPU_CAP);
            }
            ResourceType::CappedMemory => {
                if !crate::zonecfg::info::has_mcap(cfg) {
                    self.perror(ui, &prefix, "No such resource type");
                    return;
                }
                cfg.mcap = None;
                rctl::remove_alias(&mut cfg.rctls, rctl::SWAP);
                rctl::remove_alias(&mut cfg.rctls, rctl::LOCKED);
            }
            ResourceType::SecurityFlags => {
                if cfg.security_flags.take().is_none() {
                    self.perror(ui, &prefix, "No such entry");
                    return;
                }
            }
            ResourceType::Fs
            | ResourceType::InheritPkgDir
            | ResourceType::Net
            | ResourceType::Anet
            | ResourceType::Device
            | ResourceType::Rctl
            | ResourceType::Attr
            | ResourceType::Dataset
            | ResourceType::Admin
                if !cmd.props.is_empty() =>
            {
                let Some(i) = self.find(ui, CmdKind::Remove, rt, cmd) else {
                    return;
                };
                resources::remove_at(self.cfg(), rt, i);
            }
            ResourceType::Fs
            | ResourceType::InheritPkgDir
            | ResourceType::Net
            | ResourceType::Anet
            | ResourceType::Device
            | ResourceType::Rctl
            | ResourceType::Attr
            | ResourceType::Dataset
            | ResourceType::Admin => {
                let n = resources::list_len(cfg, rt);
                if n == 0 {
                    self.perror(ui, &prefix, "No such entry");
                    return;
                }
                if n > 1 && !force {
                    if !self.interactive {
                        self.zerr(ui, "There are multiple instances of this resource.  Either qualify the resource to\nremove a single instance or use the -F option to remove all instances.");
                        return;
                    }
                    match self.ask(
                        ui,
                        &format!("Are you sure you want to remove ALL '{rt}' resources"),
                    ) {
                        None => {
                            self.zerr(ui, "Resource incomplete.");
                            return;
                        }
                        Some(false) => return,
                        Some(true) => {}
                    }
                }
                resources::remove_all(self.cfg(), rt);
            }
        }
        self.need_to_commit = true;
    }

    /// `remove <prop> <value>` inside a resource scope.
    fn remove_property(&mut self, ui: &mut dyn Ui, cmd: &Command) {
        let [(prop, value)] = cmd.props.as_slice() else {
            let kind = if cmd.props.is_empty() {
                CmdKind::Remove
            } else {
                CmdKind::Add
            };
            self.long_usage(ui, kind);
            return;
        };
        if !self.initialize(ui, true) {
            return;
        }
        let Some(rt) = self.scope.as_ref().map(|s| s.rt) else {
            return;
        };
        let prop = *prop;
        match (rt, prop) {
            (ResourceType::Fs, PropName::Options) => {
                let Some(words) = self.option_words(ui, value) else {
                    return;
                };
                for w in words {
                    // The open scope is an fs resource (`rt` says so).
                    let removed = if let Some(Res::Fs(fs)) = self.scope.as_mut().map(|s| &mut s.res)
                    {
                        remove_first(&mut fs.options, &w)
                    } else {
                        true
                    };
                    if !removed {
                        self.perror(ui, "options", "No such property with that id");
                    }
                }
            }
            (ResourceType::Rctl, PropName::Value) => {
                let PropValue::Complex(pieces) = value else {
                    self.zerr(ui, "A complex value was expected here.");
                    return;
                };
                let mut v = RctlValue::default();
                for (name, val) in pieces {
                    match name {
                        PropName::Priv => v.privilege = val.clone(),
                        PropName::Limit => v.limit = val.clone(),
                        PropName::Action => v.action = val.clone(),
                        _ => {
                            self.perror(ui, "value", "No such property type");
                            self.long_usage(ui, CmdKind::Add);
                            self.usage_err(ui, help::flags::PROPS);
                            return;
                        }
                    }
                }
                // The open scope is an rctl resource (`rt` says so).
                let removed = if let Some(Res::Rctl(r)) = self.scope.as_mut().map(|s| &mut s.res) {
                    remove_first(&mut r.values, &v)
                } else {
                    true
                };
                if !removed {
                    self.perror(ui, "value", "No such property with that id");
                }
            }
            (ResourceType::Net, PropName::Defrouter) => {
                if let Some(Res::Net(n)) = self.scope.as_mut().map(|s| &mut s.res) {
                    n.defrouter.clear();
                }
            }
            (ResourceType::Admin, PropName::Auths) => {
                let PropValue::Simple(word) = value else {
                    self.zerr(ui, "A simple value was expected here.");
                    return;
                };
                let removed = match self.scope.as_mut().map(|s| &mut s.res) {
                    Some(Res::Admin(a)) => {
                        let mut list: Vec<&str> = a.auths.split(',').collect();
                        let removed = remove_first(&mut list, &word.as_str());
                        if removed {
                            a.auths = list.join(",");
                        }
                        removed
                    }
                    _ => true,
                };
                if !removed {
                    self.perror(ui, "auths", "No such property with that id");
                }
            }
            (
                ResourceType::Fs | ResourceType::Rctl | ResourceType::Net | ResourceType::Admin,
                _,
            ) => self.no_such_property(ui, prop.as_str(), CmdKind::Remove),
            (rt, _) => self.no_such_resource_type(ui, rt.as_str(), CmdKind::Remove),
        }
    }
}

/// Removes the first item equal to `x`; whether there was one.
fn remove_first<T: PartialEq>(list: &mut Vec<T>, x: &T) -> bool {
    match list.iter().position(|i| i == x) {
        Some(i) => {
            list.remove(i);
            true
        }
        None => false,
    }
}
