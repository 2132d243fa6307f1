//! libpool's table of managed properties (`pool_internal.c`): for each element class the
//! properties libpool knows, in the order `info` prints them, with their types, flags and the
//! rule `pool_put_property()` applies before storing a value.

use super::error::PoolErrorCode;
use super::value::PropType;

/// The kinds of element in a pools configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElemClass {
    System,
    Pool,
    Pset,
    Cpu,
}

impl ElemClass {
    /// The class name, also the property namespace (`pool.importance`).
    pub fn as_str(self) -> &'static str {
        match self {
            ElemClass::System => "system",
            ElemClass::Pool => "pool",
            ElemClass::Pset => "pset",
            ElemClass::Cpu => "cpu",
        }
    }
}

/// The extra rule a property's setter enforces (libpool's `ppo_set_value` interceptors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Stored as given (after the type check).
    Plain,
    /// `[A-Za-z][A-Za-z0-9,._-]*`, unique among elements of the class.
    Name,
    /// `importance based` or `surplus to default`.
    AllocateMethod,
    /// A scheduling class known to the system.
    Scheduler,
    /// Pools can only be active.
    Active,
    /// Not above `max`; at least 1 on the default pset.
    Min,
    /// Not below `min`.
    Max,
    /// One of the processor states.
    CpuStatus,
}

/// The error a wrongly typed value gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeError {
    BadParam,
    PutProp,
}

impl From<TypeError> for PoolErrorCode {
    fn from(e: TypeError) -> PoolErrorCode {
        match e {
            TypeError::BadParam => PoolErrorCode::BadParam,
            TypeError::PutProp => PoolErrorCode::PutProp,
        }
    }
}

/// A managed property.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PropSpec {
    pub name: &'static str,
    /// The type a value must have; `None` when libpool does not check it.
    pub ty: Option<PropType>,
    /// The error a value of another type gets: the interceptors say "Error putting
    /// property", the attribute type check says "Bad parameter supplied".
    pub type_error: TypeError,
    pub readonly: bool,
    /// Not printed by `info` (internal bookkeeping).
    pub hidden: bool,
    /// May be removed with `~`.
    pub optional: bool,
    pub rule: Rule,
}

const fn spec(name: &'static str, ty: PropType) -> PropSpec {
    PropSpec {
        name,
        ty: Some(ty),
        type_error: TypeError::BadParam,
        readonly: false,
        hidden: false,
        optional: false,
        rule: Rule::Plain,
    }
}

const fn ro(name: &'static str, ty: PropType) -> PropSpec {
    PropSpec {
        readonly: true,
        ..spec(name, ty)
    }
}

const fn optional(name: &'static str, ty: PropType) -> PropSpec {
    PropSpec {
        optional: true,
        ..spec(name, ty)
    }
}

const fn ruled(name: &'static str, ty: PropType, rule: Rule) -> PropSpec {
    PropSpec {
        rule,
        type_error: TypeError::PutProp,
        ..spec(name, ty)
    }
}

const fn hidden_ro(name: &'static str) -> PropSpec {
    PropSpec {
        hidden: true,
        ..ro(name, PropType::Str)
    }
}

use PropType::{Bool, Int, Str, Uint};

static SYSTEM_PROPS: [PropSpec; 11] = [
    PropSpec {
        type_error: TypeError::BadParam,
        ..ruled("system.name", Str, Rule::Name)
    },
    hidden_ro("system.ref_id"),
    spec("system.comment", Str),
    ro("system.version", Int),
    spec("system.bind-default", Bool),
    PropSpec {
        optional: true,
        ..ruled("system.allocate-method", Str, Rule::AllocateMethod)
    },
    optional("system.poold.log-level", Str),
    optional("system.poold.log-location", Str),
    optional("system.poold.monitor-interval", Uint),
    optional("system.poold.history-file", Str),
    optional("system.poold.objectives", Str),
];

static POOL_PROPS: [PropSpec; 9] = [
    ro("pool.sys_id", Int),
    PropSpec {
        type_error: TypeError::BadParam,
        ..ruled("pool.name", Str, Rule::Name)
    },
    hidden_ro("pool.res"),
    hidden_ro("pool.ref_id"),
    PropSpec {
        type_error: TypeError::BadParam,
        ..ruled("pool.active", Bool, Rule::Active)
    },
    ro("pool.default", Bool),
    PropSpec {
        optional: true,
        ..ruled("pool.scheduler", Str, Rule::Scheduler)
    },
    spec("pool.importance", Int),
    spec("pool.comment", Str),
];

static PSET_PROPS: [PropSpec; 11] = [
    ro("pset.sys_id", Int),
    PropSpec {
        type_error: TypeError::BadParam,
        ..ruled("pset.name", Str, Rule::Name)
    },
    hidden_ro("pset.ref_id"),
    ro("pset.default", Bool),
    ruled("pset.min", Uint, Rule::Min),
    ruled("pset.max", Uint, Rule::Max),
    ro("pset.units", Str),
    ro("pset.load", Uint),
    ro("pset.size", Uint),
    spec("pset.comment", Str),
    optional("pset.poold.objectives", Str),
];

static CPU_PROPS: [PropSpec; 5] = [
    ro("cpu.sys_id", Int),
    hidden_ro("cpu.ref_id"),
    spec("cpu.comment", Str),
    ruled("cpu.status", Str, Rule::CpuStatus),
    optional("cpu.pinned", Bool),
];

/// Read-only properties outside libpool's display table: they print after the table's.
const EXTRA_READONLY: [(ElemClass, &str); 5] = [
    (ElemClass::Pool, "pool.temporary"),
    (ElemClass::Pset, "pset.temporary"),
    (ElemClass::Pset, "pset.type"),
    (ElemClass::Pset, "type"),
    (ElemClass::Cpu, "type"),
];

/// The managed properties of a class, in display order.
pub(crate) fn table(class: ElemClass) -> &'static [PropSpec] {
    match class {
        ElemClass::System => &SYSTEM_PROPS,
        ElemClass::Pool => &POOL_PROPS,
        ElemClass::Pset => &PSET_PROPS,
        ElemClass::Cpu => &CPU_PROPS,
    }
}

pub(crate) fn lookup(class: ElemClass, name: &str) -> Option<&'static PropSpec> {
    table(class).iter().find(|p| p.name == name)
}

pub(crate) fn is_extra_readonly(class: ElemClass, name: &str) -> bool {
    EXTRA_READONLY
        .iter()
        .any(|(c, n)| *c == class && *n == name)
}

/// `[A-Za-z][A-Za-z0-9,._-]*`: names of pools, psets and the system.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, ',' | '.' | '_' | '-'))
}

/// `[A-Za-z_][A-Za-z0-9,._-]*`: property names (a leading `_` hides the property).
pub fn is_valid_prop_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, ',' | '.' | '_' | '-'))
}

/// Properties whose last component starts with `_` are libpool's private bookkeeping.
pub(crate) fn is_private_name(name: &str) -> bool {
    match name.rfind('.') {
        Some(i) => name[i + 1..].starts_with('_'),
        None => name.starts_with('_'),
    }
}

/// Scheduling classes `pool.scheduler` accepts (those `priocntl -l` lists on Solaris).
pub const SCHEDULERS: [&str; 5] = ["FSS", "TS", "IA", "FX", "RT"];

/// Values of `system.allocate-method`.
pub const ALLOCATE_METHODS: [&str; 2] = ["importance based", "surplus to default"];

/// Values of `cpu.status`.
pub const CPU_STATES: [&str; 5] = ["on-line", "off-line", "no-intr", "spare", "faulted"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("pool_default"));
        assert!(is_valid_name("small-1"));
        assert!(is_valid_name("a,b.c_d-e"));
        assert!(!is_valid_name("1pool"));
        assert!(!is_valid_name("_pool"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("a b"));
        assert!(is_valid_prop_name("_next_id"));
        assert!(!is_valid_prop_name("9x"));
    }

    #[test]
    fn private_names() {
        assert!(is_private_name("system._next_id"));
        assert!(is_private_name("_x"));
        assert!(!is_private_name("pool.comment"));
        assert!(!is_private_name("a_b"));
    }

    #[test]
    fn table_flags() {
        assert!(lookup(ElemClass::Pset, "pset.size").is_some_and(|p| p.readonly));
        assert!(lookup(ElemClass::Pool, "pool.res").is_some_and(|p| p.hidden));
        assert!(lookup(ElemClass::Pool, "pool.scheduler").is_some_and(|p| p.optional));
        assert!(lookup(ElemClass::Cpu, "cpu.status").is_some_and(|p| !p.optional));
        assert!(lookup(ElemClass::Pool, "pset.min").is_none());
        assert!(is_extra_readonly(ElemClass::Pool, "pool.temporary"));
    }
}
