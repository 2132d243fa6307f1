//! Zone resource controls (spec §6): the table of zone rctls, the zonecfg aliases that stand
//! for them, parsing and checking of `(priv=...,limit=...,action=...)` values, and the
//! `max-lwps` / `max-processes` coupling the runtime applies.
//!
//! Two levels of checking exist, as on Solaris. zonecfg only insists that a value is well
//! formed, privileged, and uses `none` or `deny` ([`parse_value`], [`check_value_form`]);
//! whether the action and limit suit the particular rctl is checked by `zoneadm verify` and at
//! boot ([`validate_for_zone`]).

use crate::config::keywords::PropName;
use crate::config::model::{Rctl, RctlValue};

/// What an rctl's limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RctlUnit {
    /// A number of things (processes, LWPs, IPC ids).
    Count,
    /// Bytes of memory.
    Bytes,
    /// Fair-share-scheduler shares.
    Shares,
    /// Percent of one CPU (100 = one CPU).
    Percent,
}

/// Which local actions an rctl accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionPolicy {
    /// `none` only (`RCTL_GLOBAL_DENY_NEVER`).
    NoneOnly,
    /// `deny` only (`RCTL_GLOBAL_DENY_ALWAYS`).
    DenyOnly,
    /// `none` or `deny`.
    NoneOrDeny,
}

/// One zone-wide resource control the system knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneRctl {
    pub name: &'static str,
    pub unit: RctlUnit,
    /// The largest limit the kernel accepts.
    pub max: u64,
    pub actions: ActionPolicy,
}

/// The zone rctls of spec §6.
pub const ZONE_RCTLS: &[ZoneRctl] = &[
    ZoneRctl {
        name: "zone.cpu-shares",
        unit: RctlUnit::Shares,
        max: 65535,
        actions: ActionPolicy::NoneOnly,
    },
    ZoneRctl {
        name: "zone.cpu-cap",
        unit: RctlUnit::Percent,
        max: u64::MAX,
        actions: ActionPolicy::DenyOnly,
    },
    ZoneRctl {
        name: "zone.max-lwps",
        unit: RctlUnit::Count,
        max: 2_147_483_647,
        actions: ActionPolicy::NoneOrDeny,
    },
    ZoneRctl {
        name: "zone.max-processes",
        unit: RctlUnit::Count,
        max: 2_147_483_647,
        actions: ActionPolicy::NoneOrDeny,
    },
    ZoneRctl {
        name: "zone.max-msg-ids",
        unit: RctlUnit::Count,
        max: 1 << 24,
        actions: ActionPolicy::DenyOnly,
    },
    ZoneRctl {
        name: "zone.max-sem-ids",
        unit: RctlUnit::Count,
        max: 1 << 24,
        actions: ActionPolicy::DenyOnly,
    },
    ZoneRctl {
        name: "zone.max-shm-ids",
        unit: RctlUnit::Count,
        max: 1 << 24,
        actions: ActionPolicy::DenyOnly,
    },
    ZoneRctl {
        name: "zone.max-shm-memory",
        unit: RctlUnit::Bytes,
        max: u64::MAX,
        actions: ActionPolicy::DenyOnly,
    },
    ZoneRctl {
        name: "zone.max-locked-memory",
        unit: RctlUnit::Bytes,
        max: u64::MAX,
        actions: ActionPolicy::DenyOnly,
    },
    ZoneRctl {
        name: "zone.max-swap",
        unit: RctlUnit::Bytes,
        max: u64::MAX,
        actions: ActionPolicy::DenyOnly,
    },
    ZoneRctl {
        name: "zone.max-lofi",
        unit: RctlUnit::Count,
        max: u64::MAX,
        actions: ActionPolicy::DenyOnly,
    },
];

/// The table entry for `name`, if the system knows such an rctl.
pub fn lookup(name: &str) -> Option<&'static ZoneRctl> {
    ZONE_RCTLS.iter().find(|r| r.name == name)
}

/// `zonecfg_valid_rctlname()`: `zone.` followed by letters and `-`. Unknown names of that
/// shape are accepted by zonecfg (zoneadm warns about them).
pub fn is_valid_rctl_name(name: &str) -> bool {
    match name.strip_prefix("zone.") {
        Some(rest) => !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphabetic() || c == '-'),
        None => false,
    }
}

/// A zonecfg shorthand for a zone rctl (libzonecfg's `aliases[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    /// The short name (`cpu-shares`, `swap`, `cpu-cap`, ...).
    pub name: &'static str,
    /// The rctl it stands for.
    pub rctl: &'static str,
    pub privilege: &'static str,
    pub action: &'static str,
    /// The smallest limit accepted through the alias.
    pub min: u64,
}

/// The aliases, in libzonecfg's order. `swap` and `locked` belong to `capped-memory`,
/// `cpu-cap` to `capped-cpu` (as ncpus x 100); the others are global properties.
pub const ALIASES: [Alias; 10] = [
    alias("max-lwps", "zone.max-lwps", "deny", 100),
    alias("max-shm-memory", "zone.max-shm-memory", "deny", 0),
    alias("max-shm-ids", "zone.max-shm-ids", "deny", 0),
    alias("max-msg-ids", "zone.max-msg-ids", "deny", 0),
    alias("max-sem-ids", "zone.max-sem-ids", "deny", 0),
    alias("locked", "zone.max-locked-memory", "deny", 0),
    alias("swap", "zone.max-swap", "deny", 0),
    alias("cpu-shares", "zone.cpu-shares", "none", 0),
    alias("cpu-cap", "zone.cpu-cap", "deny", 0),
    alias("max-processes", "zone.max-processes", "deny", 100),
];

const fn alias(name: &'static str, rctl: &'static str, action: &'static str, min: u64) -> Alias {
    Alias {
        name,
        rctl,
        privilege: "privileged",
        action,
        min,
    }
}

pub const MAX_LWPS: &Alias = &ALIASES[0];
pub const MAX_SHM_MEMORY: &Alias = &ALIASES[1];
pub const MAX_SHM_IDS: &Alias = &ALIASES[2];
pub const MAX_MSG_IDS: &Alias = &ALIASES[3];
pub const MAX_SEM_IDS: &Alias = &ALIASES[4];
pub const LOCKED: &Alias = &ALIASES[5];
pub const SWAP: &Alias = &ALIASES[6];
pub const CPU_SHARES: &Alias = &ALIASES[7];
pub const CPU_CAP: &Alias = &ALIASES[8];
pub const MAX_PROCESSES: &Alias = &ALIASES[9];

/// The alias with the given short name.
pub fn alias_named(name: &str) -> Option<&'static Alias> {
    ALIASES.iter().find(|a| a.name == name)
}

/// The alias a global property stands for (`cpu-shares`, `max-lwps`, ...).
pub fn alias_for_prop(prop: PropName) -> Option<&'static Alias> {
    match prop {
        PropName::MaxLwps => Some(MAX_LWPS),
        PropName::MaxProcesses => Some(MAX_PROCESSES),
        PropName::MaxShmMemory => Some(MAX_SHM_MEMORY),
        PropName::MaxShmIds => Some(MAX_SHM_IDS),
        PropName::MaxMsgIds => Some(MAX_MSG_IDS),
        PropName::MaxSemIds => Some(MAX_SEM_IDS),
        PropName::CpuShares => Some(CPU_SHARES),
        PropName::Swap => Some(SWAP),
        PropName::Locked => Some(LOCKED),
        _ => None,
    }
}

/// The alias whose rctl is `rctl`.
pub fn alias_for_rctl(rctl: &str) -> Option<&'static Alias> {
    ALIASES.iter().find(|a| a.rctl == rctl)
}

/// What the configuration holds for an alias (libzonecfg `zonecfg_get_aliased_rctl()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasState {
    /// No rctl of that name.
    Absent,
    /// Exactly one rctl with exactly one value of the alias' priv and action: its limit.
    Set(u64),
    /// The rctl exists but cannot be shown or changed through the alias (several rctls or
    /// values, or another priv/action): `An incompatible rctl already exists for this property`.
    Incompatible,
}

/// The state of `alias` in `rctls`.
pub fn get_alias(rctls: &[Rctl], alias: &Alias) -> AliasState {
    let mut found: Option<&Rctl> = None;
    for r in rctls.iter().filter(|r| r.name == alias.rctl) {
        if found.is_some() {
            return AliasState::Incompatible;
        }
        found = Some(r);
    }
    let Some(r) = found else {
        return AliasState::Absent;
    };
    match r.values.as_slice() {
        [v] if v.privilege == alias.privilege && v.action == alias.action => {
            AliasState::Set(crate::config::units::leading_number(&v.limit))
        }
        _ => AliasState::Incompatible,
    }
}

/// Setting an alias over an incompatible rctl.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("An incompatible rctl already exists for this property")]
pub struct IncompatibleRctl;

/// Creates or replaces the rctl behind `alias` with the single value `(privileged, limit,
/// action)`. Like libzonecfg, the new rctl goes to the end of the list.
pub fn set_alias(rctls: &mut Vec<Rctl>, alias: &Alias, limit: u64) -> Result<(), IncompatibleRctl> {
    if get_alias(rctls, alias) == AliasState::Incompatible {
        return Err(IncompatibleRctl);
    }
    remove_alias(rctls, alias);
    rctls.push(Rctl {
        name: alias.rctl.to_string(),
        values: vec![RctlValue {
            privilege: alias.privilege.to_string(),
            limit: limit.to_string(),
            action: alias.action.to_string(),
        }],
    });
    Ok(())
}

/// Removes the rctl behind `alias` when it is alias-compatible; leaves anything else alone.
pub fn remove_alias(rctls: &mut Vec<Rctl>, alias: &Alias) {
    if let AliasState::Set(_) = get_alias(rctls, alias) {
        if let Some(pos) = rctls.iter().position(|r| r.name == alias.rctl) {
            rctls.remove(pos);
        }
    }
}

/// `zonecfg_valid_alias_limit()`: an unsigned decimal integer not below the alias' minimum.
pub fn valid_alias_limit(alias: &Alias, s: &str) -> Option<u64> {
    let n = parse_uint(s)?;
    (n >= alias.min).then_some(n)
}

/// libzonecfg's `valid_uint()`: decimal digits (an optional `+`), no sign, no junk, no
/// overflow.
pub fn parse_uint(s: &str) -> Option<u64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Why a `(priv=...,limit=...,action=...)` value is refused by zonecfg (spec §1.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// A field given twice: `priv already specified`.
    AlreadySpecified(PropName),
    /// A field that does not belong in an rctl value: zonecfg prints
    /// `value: No such property type` and the usage of `add`.
    UnknownField(PropName),
    /// Fields left out; one `<field> not specified` line each.
    Missing(Vec<PropName>),
    /// Well formed but not acceptable: `Invalid rctl value specification`.
    Invalid,
}

impl ValueError {
    /// The message lines zonecfg prints for this error (the usage text that follows an
    /// unknown field is the session's business).
    pub fn lines(&self) -> Vec<String> {
        match self {
            ValueError::AlreadySpecified(p) => vec![format!("{p} already specified")],
            ValueError::UnknownField(_) => vec!["value: No such property type".to_string()],
            ValueError::Missing(ps) => ps.iter().map(|p| format!("{p} not specified")).collect(),
            ValueError::Invalid => vec!["Invalid rctl value specification".to_string()],
        }
    }
}

/// Builds an rctl value from the pieces of a complex value, with zonecfg's checks
/// (`do_complex_rctl_val()`): each of priv, limit and action exactly once, then
/// [`check_value_form`].
pub fn parse_value(pieces: &[(PropName, String)]) -> Result<RctlValue, ValueError> {
    let mut privilege = None;
    let mut limit = None;
    let mut action = None;
    for (name, value) in pieces {
        let slot = match name {
            PropName::Priv => &mut privilege,
            PropName::Limit => &mut limit,
            PropName::Action => &mut action,
            other => return Err(ValueError::UnknownField(*other)),
        };
        if slot.is_some() {
            return Err(ValueError::AlreadySpecified(*name));
        }
        *slot = Some(value.clone());
    }
    let mut missing = Vec::new();
    if privilege.is_none() {
        missing.push(PropName::Priv);
    }
    if limit.is_none() {
        missing.push(PropName::Limit);
    }
    if action.is_none() {
        missing.push(PropName::Action);
    }
    let (Some(privilege), Some(limit), Some(action)) = (privilege, limit, action) else {
        return Err(ValueError::Missing(missing));
    };
    let value = RctlValue {
        privilege,
        limit,
        action,
    };
    if check_value_form(&value) {
        Ok(value)
    } else {
        Err(ValueError::Invalid)
    }
}

/// The action of a value as the kernel sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    None,
    Signal,
    Deny,
}

/// `zonecfg_construct_rctlblk()`: priv `basic` or `privileged`, a non-negative integer limit
/// (decimal, `0x` hex or `0` octal, as `strtoull(.., 0)` reads it), action `none`, `signal`
/// or `deny`. Returns the limit and action when the value can be built at all.
fn construct(value: &RctlValue) -> Option<(bool, u64, Action)> {
    let privileged = match value.privilege.as_str() {
        "basic" => false,
        "privileged" => true,
        _ => return None,
    };
    let limit = parse_c_uint(&value.limit)?;
    let action = match value.action.as_str() {
        "none" => Action::None,
        "signal" => Action::Signal,
        "deny" => Action::Deny,
        _ => return None,
    };
    Some((privileged, limit, action))
}

/// `strtoull(s, &end, 0)` with the whole string consumed and no minus sign.
fn parse_c_uint(s: &str) -> Option<u64> {
    if s.starts_with('-') {
        return None;
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16)
            .ok()
            .filter(|_| !hex.is_empty());
    }
    if s.len() > 1 && s.starts_with('0') {
        return u64::from_str_radix(&s[1..], 8).ok();
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The form zonecfg requires of every zone rctl value (`zonecfg_valid_rctlblk()`): it can be
/// built, its priv is `privileged` and its action `none` or `deny`.
pub fn check_value_form(value: &RctlValue) -> bool {
    matches!(
        construct(value),
        Some((true, _, Action::None | Action::Deny))
    )
}

/// Why `zoneadm verify` refuses an rctl value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RctlCheckError {
    /// The value cannot be built at all.
    #[error("invalid rctl value: (priv={privilege},limit={limit},action={action})")]
    Malformed {
        privilege: String,
        limit: String,
        action: String,
    },
    /// The value is well formed but not acceptable for this rctl.
    #[error(
        "(priv={privilege},limit={limit},action={action}) is not a valid value for rctl '{name}'"
    )]
    NotValidFor {
        privilege: String,
        limit: String,
        action: String,
        name: String,
    },
}

/// The zoneadm-level check of one value of rctl `name` (`zonecfg_valid_rctl()`): the value
/// must have zonecfg's form, the name must be a valid zone rctl name, the limit must not
/// exceed the kernel's maximum and the action must be one the rctl allows. Names the system
/// does not know pass (zoneadm warns about them separately, see [`lookup`]).
pub fn validate_for_zone(name: &str, value: &RctlValue) -> Result<(), RctlCheckError> {
    let Some((privileged, limit, action)) = construct(value) else {
        return Err(RctlCheckError::Malformed {
            privilege: value.privilege.clone(),
            limit: value.limit.clone(),
            action: value.action.clone(),
        });
    };
    let not_valid = || RctlCheckError::NotValidFor {
        privilege: value.privilege.clone(),
        limit: value.limit.clone(),
        action: value.action.clone(),
        name: name.to_string(),
    };
    if !privileged || action == Action::Signal || !is_valid_rctl_name(name) {
        return Err(not_valid());
    }
    let Some(known) = lookup(name) else {
        return Ok(());
    };
    if limit > known.max {
        return Err(not_valid());
    }
    let action_ok = match known.actions {
        ActionPolicy::NoneOnly => action == Action::None,
        ActionPolicy::DenyOnly => action == Action::Deny,
        ActionPolicy::NoneOrDeny => true,
    };
    if action_ok {
        Ok(())
    } else {
        Err(not_valid())
    }
}

/// The smallest `deny` limit among the privileged values of rctl `name`, i.e. the limit the
/// kernel would enforce; `None` when the rctl is absent or never denies.
pub fn enforced_limit(rctls: &[Rctl], name: &str) -> Option<u64> {
    rctls
        .iter()
        .filter(|r| r.name == name)
        .flat_map(|r| r.values.iter())
        .filter_map(|v| match construct(v) {
            Some((true, limit, Action::Deny)) => Some(limit),
            _ => None,
        })
        .min()
}

/// The LWP and process limits a zone runs with once zonecfg(8)'s coupling is applied: when
/// only `max-lwps` is set, `max-processes` defaults to the same value; when only
/// `max-processes` is set, `max-lwps` defaults to ten times that value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaskLimits {
    pub max_lwps: Option<u64>,
    pub max_processes: Option<u64>,
}

/// [`TaskLimits`] for a zone's rctls.
pub fn task_limits(rctls: &[Rctl]) -> TaskLimits {
    let lwps = enforced_limit(rctls, MAX_LWPS.rctl);
    let procs = enforced_limit(rctls, MAX_PROCESSES.rctl);
    match (lwps, procs) {
        (Some(l), None) => TaskLimits {
            max_lwps: Some(l),
            max_processes: Some(l),
        },
        (None, Some(p)) => TaskLimits {
            max_lwps: Some(p.saturating_mul(10)),
            max_processes: Some(p),
        },
        (l, p) => TaskLimits {
            max_lwps: l,
            max_processes: p,
        },
    }
}

/// The limit for Linux's `pids` controller. `pids.max` counts tasks, i.e. threads, which are
/// Solaris' LWPs; so the effective LWP limit is what the controller enforces. (A separate
/// process count cannot be enforced by the kernel; every process has at least one LWP, so
/// the LWP limit bounds it too.)
pub fn effective_pids_limit(rctls: &[Rctl]) -> Option<u64> {
    task_limits(rctls).max_lwps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(p: &str, l: &str, a: &str) -> RctlValue {
        RctlValue {
            privilege: p.into(),
            limit: l.into(),
            action: a.into(),
        }
    }

    fn rctl(name: &str, values: Vec<RctlValue>) -> Rctl {
        Rctl {
            name: name.into(),
            values,
        }
    }

    #[test]
    fn names() {
        assert!(is_valid_rctl_name("zone.cpu-shares"));
        assert!(is_valid_rctl_name("zone.foo"));
        assert!(!is_valid_rctl_name("zone."));
        assert!(!is_valid_rctl_name("project.cpu-shares"));
        assert!(!is_valid_rctl_name("zone.max_lwps"));
        assert!(!is_valid_rctl_name("zone.x1"));
        assert_eq!(
            lookup("zone.max-swap").map(|r| r.unit),
            Some(RctlUnit::Bytes)
        );
        assert!(lookup("zone.foo").is_none());
        assert_eq!(alias_for_prop(PropName::CpuShares), Some(CPU_SHARES));
        assert_eq!(alias_named("swap").map(|a| a.rctl), Some("zone.max-swap"));
        assert_eq!(alias_for_rctl("zone.cpu-cap"), Some(CPU_CAP));
    }

    #[test]
    fn parse_values() {
        let p = |v: &[(PropName, &str)]| {
            parse_value(
                &v.iter()
                    .map(|(n, s)| (*n, s.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        use PropName::*;
        assert_eq!(
            p(&[(Priv, "privileged"), (Limit, "5"), (Action, "none")]),
            Ok(val("privileged", "5", "none"))
        );
        assert_eq!(
            p(&[(Priv, "privileged"), (Priv, "basic")]),
            Err(ValueError::AlreadySpecified(Priv))
        );
        assert_eq!(
            p(&[(Limit, "5")]),
            Err(ValueError::Missing(vec![Priv, Action]))
        );
        assert_eq!(
            ValueError::Missing(vec![Priv, Action]).lines(),
            vec!["priv not specified", "action not specified"]
        );
        assert_eq!(
            p(&[(Priv, "basic"), (Limit, "5"), (Action, "none")]),
            Err(ValueError::Invalid)
        );
        assert_eq!(
            p(&[(Priv, "privileged"), (Limit, "5"), (Action, "signal")]),
            Err(ValueError::Invalid)
        );
        assert_eq!(
            p(&[(Priv, "privileged"), (Limit, "-5"), (Action, "deny")]),
            Err(ValueError::Invalid)
        );
        assert_eq!(
            p(&[(Priv, "privileged"), (Limit, "0x10"), (Action, "deny")]),
            Ok(val("privileged", "0x10", "deny"))
        );
        assert_eq!(p(&[(Name, "x")]), Err(ValueError::UnknownField(Name)));
        assert_eq!(
            ValueError::Invalid.lines(),
            vec!["Invalid rctl value specification"]
        );
    }

    #[test]
    fn zoneadm_level_checks() {
        // The man page example: zone.cpu-cap is deny-only.
        let e = validate_for_zone("zone.cpu-cap", &val("privileged", "300", "none"));
        assert_eq!(
            e.unwrap_err().to_string(),
            "(priv=privileged,limit=300,action=none) is not a valid value for rctl 'zone.cpu-cap'"
        );
        assert!(validate_for_zone("zone.cpu-cap", &val("privileged", "300", "deny")).is_ok());
        assert!(validate_for_zone("zone.cpu-shares", &val("privileged", "5", "deny")).is_err());
        assert!(validate_for_zone("zone.cpu-shares", &val("privileged", "65536", "none")).is_err());
        assert!(validate_for_zone("zone.max-lwps", &val("privileged", "100", "none")).is_ok());
        assert!(validate_for_zone("zone.unknown", &val("privileged", "1", "none")).is_ok());
        assert_eq!(
            validate_for_zone("zone.max-lwps", &val("privileged", "x", "deny"))
                .unwrap_err()
                .to_string(),
            "invalid rctl value: (priv=privileged,limit=x,action=deny)"
        );
    }

    #[test]
    fn aliases() {
        let mut rctls = Vec::new();
        assert_eq!(get_alias(&rctls, CPU_SHARES), AliasState::Absent);
        set_alias(&mut rctls, CPU_SHARES, 5).unwrap();
        assert_eq!(
            rctls,
            vec![rctl(
                "zone.cpu-shares",
                vec![val("privileged", "5", "none")]
            )]
        );
        assert_eq!(get_alias(&rctls, CPU_SHARES), AliasState::Set(5));
        set_alias(&mut rctls, MAX_LWPS, 300).unwrap();
        set_alias(&mut rctls, CPU_SHARES, 7).unwrap();
        // Replacing moves the rctl to the end, as libzonecfg does.
        assert_eq!(rctls[0].name, "zone.max-lwps");
        assert_eq!(get_alias(&rctls, CPU_SHARES), AliasState::Set(7));
        remove_alias(&mut rctls, CPU_SHARES);
        assert_eq!(get_alias(&rctls, CPU_SHARES), AliasState::Absent);

        let mut two = vec![rctl(
            "zone.cpu-shares",
            vec![
                val("privileged", "5", "none"),
                val("privileged", "9", "none"),
            ],
        )];
        assert_eq!(get_alias(&two, CPU_SHARES), AliasState::Incompatible);
        assert_eq!(set_alias(&mut two, CPU_SHARES, 1), Err(IncompatibleRctl));
        remove_alias(&mut two, CPU_SHARES);
        assert_eq!(two.len(), 1);
        let other_action = vec![rctl(
            "zone.cpu-shares",
            vec![val("privileged", "5", "deny")],
        )];
        assert_eq!(
            get_alias(&other_action, CPU_SHARES),
            AliasState::Incompatible
        );

        assert_eq!(valid_alias_limit(MAX_LWPS, "99"), None);
        assert_eq!(valid_alias_limit(MAX_LWPS, "100"), Some(100));
        assert_eq!(valid_alias_limit(CPU_SHARES, "0"), Some(0));
        assert_eq!(valid_alias_limit(CPU_SHARES, "-1"), None);
        assert_eq!(valid_alias_limit(CPU_SHARES, "1.5"), None);
    }

    #[test]
    fn task_coupling() {
        let lwps = vec![rctl(
            "zone.max-lwps",
            vec![val("privileged", "500", "deny")],
        )];
        assert_eq!(
            task_limits(&lwps),
            TaskLimits {
                max_lwps: Some(500),
                max_processes: Some(500)
            }
        );
        let procs = vec![rctl(
            "zone.max-processes",
            vec![val("privileged", "200", "deny")],
        )];
        assert_eq!(
            task_limits(&procs),
            TaskLimits {
                max_lwps: Some(2000),
                max_processes: Some(200)
            }
        );
        assert_eq!(effective_pids_limit(&procs), Some(2000));
        let mut both = lwps.clone();
        both.extend(procs);
        assert_eq!(effective_pids_limit(&both), Some(500));
        assert_eq!(effective_pids_limit(&[]), None);
        let none_action = vec![rctl(
            "zone.max-lwps",
            vec![val("privileged", "500", "none")],
        )];
        assert_eq!(effective_pids_limit(&none_action), None);
    }
}
