//! `set` and `clear`: global properties (with their checks, spec §1.6), aliased rctls, and
//! the properties of the resource being edited (spec §1.7, §1.8).

use super::add::GLOBAL_RCTL_WARNING;
use super::scope::Res;
use super::{Session, Ui};
use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::{AutoShutdown, IpType, SecurityFlags};
use crate::config::rctl::{self, Alias, AliasState};
use crate::config::resources::ListResource;
use crate::config::verify::{self as checks, AddressError, FsAllowedError, HostidError};
use crate::config::{names, units};
use crate::state::ZoneState;
use crate::zonecfg::command::{CmdKind, Command, PropValue, Target};
use crate::zonecfg::help;

const INCOMPATIBLE: &str = "An incompatible rctl already exists for this property";

/// Why renaming failed (libzonecfg `zonecfg_set_name()`).
enum RenameError {
    Bogus,
    InUse,
    BadState,
}

impl Session<'_> {
    pub(super) fn cmd_set(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.refuse_read_only(ui, CmdKind::Set) {
            return;
        }
        let Some(opts) = self.flags(ui, cmd, "F", true) else {
            return;
        };
        let force = !opts.is_empty();
        let Some((prop, value)) = cmd.props.first() else {
            self.long_usage(ui, CmdKind::Set);
            return;
        };
        let prop = *prop;
        let rt = self.scope.as_ref().map(|s| s.rt);
        if rt.is_none() {
            if self.refuse_global_property(ui, prop) {
                return;
            }
            if !prop.is_global() {
                self.zerr(
                    ui,
                    "Cannot set a resource-specific property from the global scope.",
                );
                return;
            }
        }
        if force {
            if rt.is_some() || prop != PropName::Zonepath {
                self.zerr(ui, "Only zonepath setting can be forced.");
                return;
            }
            if !self.opts.alt_root {
                self.zerr(ui, "Zonepath is changeable only in an alternate root.");
                return;
            }
        }
        let list_ok = matches!(
            (rt, prop),
            (Some(ResourceType::Fs), PropName::Options)
                | (Some(ResourceType::Rctl), PropName::Value)
        );
        let simple = match value {
            PropValue::Simple(s) => s.clone(),
            _ if list_ok => String::new(),
            _ => {
                self.zerr(ui, "A simple value was expected here.");
                return;
            }
        };
        if rt.is_none() && prop == PropName::Zonename && !self.got_handle {
            // Before `create` the name of the zone to create may still be changed.
            match self.state_at_least(ui, ZoneState::Configured) {
                Err(()) => return,
                Ok(false) => {
                    if names::validate_zone_name(&simple).is_err()
                        || names::is_read_only_name(&simple)
                    {
                        // Inside a session the error line says it all; the command-line
                        // grammar of zone names would only bury it.
                        self.perror(ui, &simple, "Bogus zone name");
                    } else {
                        self.zone = simple;
                    }
                    return;
                }
                Ok(true) => {}
            }
        }
        if !self.initialize(ui, true) {
            return;
        }
        match rt {
            None => self.set_global(ui, prop, &simple, force),
            Some(rt) => self.set_resource_prop(ui, rt, prop, value, &simple),
        }
    }

    fn set_global(&mut self, ui: &mut dyn Ui, prop: PropName, value: &str, force: bool) {
        let zone = self.zone.clone();
        match prop {
            PropName::Zonename => match self.rename(ui, value) {
                Ok(()) => {
                    self.need_to_commit = true;
                    self.zone = value.to_string();
                }
                Err(Some(e)) => {
                    let text = match e {
                        RenameError::Bogus => "Bogus zone name",
                        RenameError::InUse => "Zone name already in use",
                        RenameError::BadState => {
                            "Zone state is invalid for the requested operation"
                        }
                    };
                    self.perror(ui, value, text);
                }
                Err(None) => {}
            },
            PropName::Zonepath => {
                if !force && self.refuse_if_installed(ui, "set zonepath") {
                    return;
                }
                if let Err(e) = names::check_zonepath(value) {
                    self.zerr(ui, &e.to_string());
                    return;
                }
                self.cfg().zonepath = value.to_string();
                self.need_to_commit = true;
            }
            PropName::Brand => {
                if self.refuse_if_installed(ui, "set brand") {
                    return;
                }
                if !names::is_known_brand(value) {
                    self.zerr(ui, &format!("{value}: unknown brand."));
                    return;
                }
                self.cfg().brand = value.to_string();
                self.need_to_commit = true;
            }
            PropName::Autoboot => {
                let v = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        self.zerr(ui, "autoboot value must be 'true' or 'false'.");
                        return;
                    }
                };
                self.cfg().autoboot = v;
                self.need_to_commit = true;
            }
            PropName::Autoshutdown => match AutoShutdown::parse(value) {
                Some(a) => {
                    self.cfg().autoshutdown = a;
                    self.need_to_commit = true;
                }
                None if value == "suspend" => {
                    let msg = super::not_supported(&self.opts.program, "autoshutdown=suspend");
                    self.zerr(ui, &msg);
                }
                None => self.zerr(
                    ui,
                    "autoshutdown value must be 'shutdown', 'halt' or 'suspend'.",
                ),
            },
            PropName::Pool => {
                if names::is_reserved_pool_name(value) {
                    self.zerr(ui, "pool names starting with SUNW are reserved.");
                    return;
                }
                if self.cfg().dedicated_cpu.is_some() {
                    self.zerr(ui, "The dedicated-cpu resource already exists.  A persistent pool is incompatible\nwith the dedicated-cpu resource.");
                    return;
                }
                self.cfg().pool = value.to_string();
                self.need_to_commit = true;
            }
            PropName::Limitpriv => {
                self.cfg().limitpriv = value.to_string();
                self.need_to_commit = true;
            }
            PropName::Bootargs => {
                self.cfg().bootargs = value.to_string();
                self.need_to_commit = true;
            }
            PropName::SchedulingClass => {
                self.cfg().scheduling_class = value.to_string();
                self.need_to_commit = true;
            }
            PropName::IpType => {
                let Some(ip) = IpType::parse(value) else {
                    self.zerr(ui, "ip-type value must be 'shared' or 'exclusive'.");
                    return;
                };
                let brand = self.cfg().brand.clone();
                if ip == IpType::Exclusive && !names::brand_allows_exclusive(&brand) {
                    self.zerr(
                        ui,
                        &format!(
                            "ip-type cannot be 'exclusive' when brand is '{}'.",
                            names::effective_brand(&brand)
                        ),
                    );
                    return;
                }
                self.cfg().ip_type = ip;
                self.need_to_commit = true;
            }
            PropName::Hostid => match checks::check_hostid(value) {
                Ok(()) => {
                    self.cfg().hostid = value.to_string();
                    self.need_to_commit = true;
                }
                Err(HostidError::TooLarge) => {
                    self.zerr(ui, &format!("hostid string is too large: {value}"))
                }
                Err(HostidError::Invalid) => {
                    self.perror(ui, "hostid", "Specified property is invalid")
                }
            },
            PropName::FsAllowed => match checks::check_fs_allowed(value) {
                Ok(()) => {
                    self.cfg().fs_allowed = value.to_string();
                    self.need_to_commit = true;
                }
                Err(FsAllowedError::TooLong) => self.perror(ui, &zone, "Argument list too long"),
                Err(FsAllowedError::Invalid) => {
                    self.perror(ui, &zone, "Specified property is invalid")
                }
            },
            p => {
                if let Some(alias) = rctl::alias_for_prop(p) {
                    self.set_alias_property(ui, p, alias, value);
                }
            }
        }
    }

    /// zonecfg's `set_aliased_rctl()`: `set cpu-shares=5` and friends.
    fn set_alias_property(&mut self, ui: &mut dyn Ui, prop: PropName, alias: &Alias, value: &str) {
        if self.global_zone && prop != PropName::CpuShares {
            self.message(ui, GLOBAL_RCTL_WARNING);
        }
        let text = if prop == PropName::MaxShmMemory {
            match units::parse_bytes(value) {
                Ok(bytes) => bytes.to_string(),
                Err(_) => {
                    self.zerr(ui, units::NON_NEGATIVE_EXPECTED);
                    return;
                }
            }
        } else {
            value.to_string()
        };
        if rctl::get_alias(&self.cfg().rctls, alias) == AliasState::Incompatible {
            self.perror(ui, prop.as_str(), INCOMPATIBLE);
            return;
        }
        let Some(limit) = rctl::valid_alias_limit(alias, &text) else {
            self.zerr(ui, &format!("{prop} property is out of range."));
            return;
        };
        match rctl::set_alias(&mut self.cfg().rctls, alias, limit) {
            Ok(()) => self.need_to_commit = true,
            Err(_) => {
                let zone = self.zone.clone();
                self.perror(ui, &zone, INCOMPATIBLE);
            }
        }
    }

    /// libzonecfg's `zonecfg_set_name()`. `Err(None)` means the error was already printed.
    fn rename(&mut self, ui: &mut dyn Ui, name: &str) -> Result<(), Option<RenameError>> {
        let current = self.cfg().name.clone();
        if name == current {
            return Ok(());
        }
        if names::is_read_only_name(name) || names::validate_zone_name(name).is_err() {
            return Err(Some(RenameError::Bogus));
        }
        if self.delete_name.as_deref() == Some(name) {
            self.cfg().name = name.to_string();
            self.delete_name = None;
            return Ok(());
        }
        if self.zone_state(ui, name).map_err(|()| None)?.is_some() {
            return Err(Some(RenameError::InUse));
        }
        let old = match &self.delete_name {
            Some(d) => d.clone(),
            None if self.is_new => String::new(),
            None => current.clone(),
        };
        if !old.is_empty() {
            if let Some(s) = self.zone_state(ui, &old).map_err(|()| None)? {
                // Only a zone with nothing installed may change its name: its zonepath and
                // running instance go by the name.
                if s != ZoneState::Configured {
                    return Err(Some(RenameError::BadState));
                }
            }
            self.delete_name = Some(old);
        }
        self.cfg().name = name.to_string();
        Ok(())
    }

    /// `set <prop>=<value>` inside a resource scope.
    fn set_resource_prop(
        &mut self,
        ui: &mut dyn Ui,
        rt: ResourceType,
        prop: PropName,
        value: &PropValue,
        v: &str,
    ) {
        use PropName as P;
        let ip_type = self.cfg().ip_type;
        let global = self.global_zone;
        // Checks that need the session come first; the plain assignments follow.
        match (rt, prop) {
            (ResourceType::Fs, P::Type) if !checks::is_valid_fs_type(v) => {
                self.zerr(ui, &format!("\"{v}\" is not a valid type."));
                return;
            }
            (ResourceType::Fs, P::Options) => {
                let Some(options) = self.option_words(ui, value) else {
                    return;
                };
                if let Some(Res::Fs(fs)) = self.scope.as_mut().map(|s| &mut s.res) {
                    fs.options = options;
                }
                return;
            }
            (ResourceType::Net, P::Address | P::AllowedAddress | P::Defrouter) => {
                let checked = if prop == P::Address {
                    checks::check_net_address_resolves(v, &self.opts.resolver)
                } else {
                    checks::check_net_address(v, prop == P::Defrouter)
                };
                match checked {
                    Ok(Some(warning)) => self.message(ui, &warning),
                    Ok(None) => {}
                    Err(e) => {
                        self.zerr(ui, &e.to_string());
                        if let AddressError::BogusHost(_) = e {
                            self.usage_err(ui, help::flags::NETADDR);
                        }
                        return;
                    }
                }
            }
            (ResourceType::Net, P::Physical) => {
                if let Err(e) = checks::check_physical(v, ip_type) {
                    self.zerr(ui, &e.to_string());
                    return;
                }
            }
            (ResourceType::Anet, _) => {
                // The open scope is an anet resource (`rt` says so).
                let result = if let Some(Res::Anet(a)) = self.scope.as_mut().map(|s| &mut s.res) {
                    a.set(prop, v)
                } else {
                    None
                };
                match result {
                    None => self.no_such_property(ui, prop.as_str(), CmdKind::Set),
                    Some(Ok(warnings)) => {
                        for w in warnings {
                            self.message(ui, &w);
                        }
                    }
                    Some(Err(e)) => self.zerr(ui, &e.to_string()),
                }
                return;
            }
            (ResourceType::Rctl, P::Name) if !rctl::is_valid_rctl_name(v) => {
                self.zerr(ui, &format!("'{v}' is not a valid zone rctl name."));
                return;
            }
            (ResourceType::Rctl, P::Value) => {
                // A simple value is refused and leaves the values as they were.
                if !matches!(value, PropValue::Simple(_)) {
                    if let Some(Res::Rctl(r)) = self.scope.as_mut().map(|s| &mut s.res) {
                        r.values.clear();
                    }
                }
                self.add_rctl_values(ui, value);
                return;
            }
            (ResourceType::DedicatedCpu, P::Ncpus) => {
                let Some((lo, hi)) = checks::parse_ncpus(v) else {
                    self.zerr(ui, "ncpus property is out of range.");
                    return;
                };
                if let Some(Res::Pset(p)) = self.scope.as_mut().map(|s| &mut s.res) {
                    p.ncpu_min = lo;
                    p.ncpu_max = hi;
                }
                return;
            }
            (ResourceType::DedicatedCpu, P::Importance) if !checks::is_valid_importance(v) => {
                self.zerr(ui, "importance property is out of range.");
                return;
            }
            (ResourceType::CappedCpu, P::Ncpus) => {
                let Some(cap) = checks::parse_cpu_cap(v) else {
                    self.zerr(ui, "ncpus property is out of range.");
                    return;
                };
                match rctl::set_alias(&mut self.cfg().rctls, rctl::CPU_CAP, cap) {
                    Ok(()) => self.need_to_commit = true,
                    Err(_) => {
                        let zone = self.zone.clone();
                        self.perror(ui, &zone, INCOMPATIBLE);
                    }
                }
                return;
            }
            (ResourceType::CappedMemory, P::Physical) => {
                match units::parse_bytes(v) {
                    Err(_) => self.zerr(ui, units::POSITIVE_EXPECTED),
                    Ok(b) if b < units::MIB => {
                        self.zerr(ui, "physical value is too small.  It must be at least 1M.")
                    }
                    Ok(b) => {
                        if let Some(Res::Mcap(m)) = self.scope.as_mut().map(|s| &mut s.res) {
                            m.physcap = b.to_string();
                        }
                    }
                }
                return;
            }
            (ResourceType::CappedMemory, P::Swap | P::Locked) => {
                let swap = prop == P::Swap;
                let alias = if swap { rctl::SWAP } else { rctl::LOCKED };
                if rctl::get_alias(&self.cfg().rctls, alias) == AliasState::Incompatible {
                    self.perror(ui, prop.as_str(), INCOMPATIBLE);
                    return;
                }
                let min = match (swap, global) {
                    (false, _) => 0,
                    (true, true) => 100 * units::MIB,
                    (true, false) => 50 * units::MIB,
                };
                let bytes = match units::parse_bytes(v) {
                    Ok(b) => b,
                    Err(_) if swap => {
                        self.zerr(ui, units::POSITIVE_EXPECTED);
                        return;
                    }
                    Err(_) => {
                        self.zerr(ui, units::NON_NEGATIVE_EXPECTED);
                        return;
                    }
                };
                if bytes < min {
                    self.zerr(
                        ui,
                        &format!(
                            "swap value is too small.  It must be at least {}.",
                            units::bytes_to_units(min)
                        ),
                    );
                    return;
                }
                match rctl::set_alias(&mut self.cfg().rctls, alias, bytes) {
                    Ok(()) => self.need_to_commit = true,
                    Err(_) => {
                        let zone = self.zone.clone();
                        self.perror(ui, &zone, INCOMPATIBLE);
                    }
                }
                return;
            }
            // The other properties are stored as they are given.
            (
                ResourceType::Fs
                | ResourceType::InheritPkgDir
                | ResourceType::Net
                | ResourceType::Device
                | ResourceType::Rctl
                | ResourceType::Attr
                | ResourceType::Dataset
                | ResourceType::DedicatedCpu
                | ResourceType::CappedCpu
                | ResourceType::CappedMemory
                | ResourceType::Admin
                | ResourceType::SecurityFlags,
                _,
            ) => {}
        }
        let Some(scope) = self.scope.as_mut() else {
            return;
        };
        match text_slot(&mut scope.res, prop) {
            Some(s) => *s = v.to_string(),
            None => self.no_such_property(ui, prop.as_str(), CmdKind::Set),
        }
    }

    pub(super) fn cmd_clear(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.refuse_read_only(ui, CmdKind::Clear) {
            return;
        }
        let prop = match cmd.target {
            Some(Target::Property(p)) => p,
            _ => match cmd.props.first() {
                Some((p, _)) => *p,
                None => {
                    self.long_usage(ui, CmdKind::Clear);
                    return;
                }
            },
        };
        match self.scope.as_ref().map(|s| s.rt) {
            None => self.clear_global(ui, prop),
            Some(rt) => self.clear_resource_prop(ui, rt, prop),
        }
    }

    fn clear_global(&mut self, ui: &mut dyn Ui, prop: PropName) {
        if self.refuse_global_property(ui, prop) {
            return;
        }
        if !self.initialize(ui, true) {
            return;
        }
        let cfg = self.cfg();
        match prop {
            p if p.is_global() && !p.may_be_cleared() => {
                self.perror(ui, prop.as_str(), "Clearing this property is not allowed");
                return;
            }
            PropName::Autoboot => cfg.autoboot = false,
            PropName::Autoshutdown => cfg.autoshutdown = AutoShutdown::default(),
            PropName::Pool => cfg.pool.clear(),
            PropName::Limitpriv => cfg.limitpriv.clear(),
            PropName::Bootargs => cfg.bootargs.clear(),
            PropName::SchedulingClass => cfg.scheduling_class.clear(),
            PropName::IpType => cfg.ip_type = IpType::Shared,
            PropName::Hostid => cfg.hostid.clear(),
            PropName::FsAllowed => cfg.fs_allowed.clear(),
            p if p.is_global() => {
                if let Some(alias) = rctl::alias_for_prop(p) {
                    self.clear_alias(ui, p, alias);
                }
                return;
            }
            p => {
                self.no_such_property(ui, p.as_str(), CmdKind::Clear);
                return;
            }
        }
        self.need_to_commit = true;
    }

    /// zonecfg's `remove_aliased_rctl()`.
    fn clear_alias(&mut self, ui: &mut dyn Ui, prop: PropName, alias: &Alias) {
        match rctl::get_alias(&self.cfg().rctls, alias) {
            AliasState::Absent => self.zerr(ui, &format!("clear {prop}: No such entry")),
            AliasState::Incompatible => self.zerr(ui, &format!("clear {prop}: {INCOMPATIBLE}")),
            AliasState::Set(_) => {
                rctl::remove_alias(&mut self.cfg().rctls, alias);
                self.need_to_commit = true;
            }
        }
    }

    fn clear_resource_prop(&mut self, ui: &mut dyn Ui, rt: ResourceType, prop: PropName) {
        if !self.initialize(ui, true) {
            return;
        }
        let Some(scope) = self.scope.as_mut() else {
            return;
        };
        let cleared = match &mut scope.res {
            Res::Fs(f) if prop == PropName::Raw => {
                f.raw.clear();
                true
            }
            Res::Anet(a) => a.clear(prop),
            Res::Pset(p) if prop == PropName::Importance => {
                p.importance.clear();
                true
            }
            Res::Mcap(m) if prop == PropName::Physical => {
                m.physcap.clear();
                true
            }
            Res::SecFlags(f) => match text_slot_secflags(f, prop) {
                Some(v) => {
                    v.clear();
                    true
                }
                None => false,
            },
            Res::Fs(_)
            | Res::Ipd(_)
            | Res::Net(_)
            | Res::Device(_)
            | Res::Rctl(_)
            | Res::Attr(_)
            | Res::Dataset(_)
            | Res::Pset(_)
            | Res::Pcap
            | Res::Mcap(_)
            | Res::Admin(_) => false,
        };
        if cleared {
            self.need_to_commit = true;
            return;
        }
        match (rt, prop) {
            (ResourceType::CappedMemory, PropName::Swap) => self.clear_alias(ui, prop, rctl::SWAP),
            (ResourceType::CappedMemory, PropName::Locked) => {
                self.clear_alias(ui, prop, rctl::LOCKED)
            }
            (_, prop) => self.perror(ui, prop.as_str(), "Clearing this property is not allowed"),
        }
    }
}

/// The text a property of the resource being edited is stored in as given, by `set`;
/// `None` for a property the resource does not have or stores otherwise (typed, computed
/// or a list).
fn text_slot(res: &mut Res, prop: PropName) -> Option<&mut String> {
    match res {
        Res::Fs(f) => f.slot(prop),
        Res::Ipd(d) => d.slot(prop),
        Res::Net(n) => n.slot(prop),
        Res::Anet(a) => a.slot(prop),
        Res::Device(d) => d.slot(prop),
        Res::Rctl(r) => r.slot(prop),
        Res::Attr(a) => a.slot(prop),
        Res::Dataset(d) => d.slot(prop),
        Res::Admin(a) => a.slot(prop),
        Res::Pset(p) => (prop == PropName::Importance).then_some(&mut p.importance),
        Res::SecFlags(f) => text_slot_secflags(f, prop),
        Res::Pcap | Res::Mcap(_) => None,
    }
}

fn text_slot_secflags(f: &mut SecurityFlags, prop: PropName) -> Option<&mut String> {
    match prop {
        PropName::Lower => Some(&mut f.lower),
        PropName::Default => Some(&mut f.default),
        PropName::Upper => Some(&mut f.upper),
        _ => None,
    }
}
