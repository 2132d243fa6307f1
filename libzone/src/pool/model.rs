//! The pools configuration: one system, its pools, its processor sets and their CPUs. Every
//! element keeps its properties as an ordered list of typed values (names included, as
//! `pool.name`), the way libpool's XML store does, so property rules, `info` and the file
//! format all work on the same data.

use super::props::ElemClass;
use super::value::PropValue;

/// A property and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    pub name: String,
    pub value: PropValue,
}

/// An element's properties in the order they were first set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Props(Vec<Prop>);

impl Props {
    pub fn new() -> Props {
        Props(Vec::new())
    }

    pub fn get(&self, name: &str) -> Option<&PropValue> {
        self.0.iter().find(|p| p.name == name).map(|p| &p.value)
    }

    /// Set a value, keeping the property's position when it exists.
    pub fn set(&mut self, name: &str, value: PropValue) {
        match self.0.iter_mut().find(|p| p.name == name) {
            Some(p) => p.value = value,
            None => self.0.push(Prop {
                name: name.to_string(),
                value,
            }),
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<PropValue> {
        let i = self.0.iter().position(|p| p.name == name)?;
        Some(self.0.remove(i).value)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Prop> {
        self.0.iter()
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(PropValue::as_str)
    }

    pub fn uint(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(PropValue::as_uint)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(PropValue::as_int)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.get(name).and_then(PropValue::as_bool).unwrap_or(false)
    }

    /// Put libpool's managed properties in table order, the others after them in the order
    /// they were set: one canonical order, whatever the history, so equal configurations
    /// compare equal.
    pub(crate) fn normalize(&mut self, class: ElemClass) {
        let table = super::props::table(class);
        self.0.sort_by_key(|p| {
            table
                .iter()
                .position(|s| s.name == p.name)
                .unwrap_or(table.len())
        });
    }
}

/// The `system` element.
#[derive(Debug, Clone, PartialEq)]
pub struct System {
    pub ref_id: String,
    pub props: Props,
}

/// A pool: a set of processes bound to one processor set.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub ref_id: String,
    pub props: Props,
    /// `ref_id` of the associated processor set.
    pub res: String,
}

/// A processor set and the CPUs it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Pset {
    pub ref_id: String,
    pub props: Props,
    pub cpus: Vec<Cpu>,
}

/// A CPU (component), identified by `cpu.sys_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cpu {
    pub ref_id: String,
    pub props: Props,
}

/// A whole configuration, static (`/etc/pooladm.conf`) or dynamic (the kernel's).
#[derive(Debug, Clone, PartialEq)]
pub struct PoolConfig {
    pub system: System,
    pub pools: Vec<Pool>,
    pub psets: Vec<Pset>,
    /// The dynamic configuration: `pset.min`/`pset.max` changes are checked against the CPUs
    /// really present. Not stored in files.
    pub dynamic: bool,
}

/// Names of the elements every dynamic configuration has.
pub const DEFAULT_POOL: &str = "pool_default";
pub const DEFAULT_PSET: &str = "pset_default";
/// `pset.max` of the default processor set.
pub const DEFAULT_PSET_MAX: u64 = 65536;
/// `sys_id` of the default processor set (`PS_NONE`).
pub const DEFAULT_PSET_SYS_ID: i64 = -1;
/// `sys_id` of processor sets not yet instantiated (`POOL_SYSID_BAD`).
pub const UNSET_SYS_ID: i64 = -2;
/// Prefix of the temporary pool and processor set of a zone with `dedicated-cpu`.
pub const TEMPORARY_PREFIX: &str = "SUNWtmp_";

/// Where an element is in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElemRef {
    System,
    Pool(usize),
    Pset(usize),
    /// CPU `cpu` of processor set `pset`.
    Cpu {
        pset: usize,
        cpu: usize,
    },
}

impl ElemRef {
    pub fn class(self) -> ElemClass {
        match self {
            ElemRef::System => ElemClass::System,
            ElemRef::Pool(_) => ElemClass::Pool,
            ElemRef::Pset(_) => ElemClass::Pset,
            ElemRef::Cpu { .. } => ElemClass::Cpu,
        }
    }
}

impl Pool {
    pub fn name(&self) -> &str {
        self.props.str("pool.name").unwrap_or("")
    }

    pub fn is_default(&self) -> bool {
        self.props.flag("pool.default")
    }

    pub fn is_temporary(&self) -> bool {
        self.props.flag("pool.temporary")
    }

    pub fn importance(&self) -> i64 {
        self.props.int("pool.importance").unwrap_or(1)
    }

    pub fn sys_id(&self) -> Option<i64> {
        self.props.int("pool.sys_id")
    }
}

impl Pset {
    pub fn name(&self) -> &str {
        self.props.str("pset.name").unwrap_or("")
    }

    pub fn is_default(&self) -> bool {
        self.props.flag("pset.default")
    }

    pub fn is_temporary(&self) -> bool {
        self.props.flag("pset.temporary")
    }

    pub fn sys_id(&self) -> i64 {
        self.props.int("pset.sys_id").unwrap_or(UNSET_SYS_ID)
    }

    pub fn min(&self) -> u64 {
        self.props.uint("pset.min").unwrap_or(0)
    }

    pub fn max(&self) -> u64 {
        self.props.uint("pset.max").unwrap_or(0)
    }

    /// CPU ids of the set, in the order they are listed.
    pub fn cpu_ids(&self) -> Vec<u32> {
        self.cpus.iter().filter_map(Cpu::sys_id).collect()
    }

    /// Keep `pset.size` equal to the number of CPUs.
    pub(crate) fn update_size(&mut self) {
        self.props
            .set("pset.size", PropValue::Uint(self.cpus.len() as u64));
    }
}

impl Cpu {
    /// A CPU with libpool's initial properties.
    pub fn new(sys_id: u32) -> Cpu {
        let mut props = Props::new();
        props.set("cpu.sys_id", PropValue::Int(sys_id as i64));
        props.set("cpu.comment", PropValue::Str(String::new()));
        props.set("cpu.status", PropValue::Str("on-line".into()));
        Cpu {
            ref_id: format!("cpu_{sys_id}"),
            props,
        }
    }

    pub fn sys_id(&self) -> Option<u32> {
        self.props
            .int("cpu.sys_id")
            .and_then(|i| u32::try_from(i).ok())
    }

    pub fn is_pinned(&self) -> bool {
        self.props.flag("cpu.pinned")
    }
}

impl PoolConfig {
    /// A configuration holding only a system element, as `create system <name>` makes it.
    pub fn new(name: &str) -> PoolConfig {
        let mut props = Props::new();
        props.set("system.name", PropValue::Str(name.to_string()));
        props.set("system.comment", PropValue::Str(String::new()));
        props.set("system.version", PropValue::Int(1));
        props.set("system.bind-default", PropValue::Bool(true));
        PoolConfig {
            system: System {
                ref_id: "dummy".into(),
                props,
            },
            pools: Vec::new(),
            psets: Vec::new(),
            dynamic: false,
        }
    }

    /// The configuration of a system without user pools: `pool_default` bound to
    /// `pset_default`, which holds every CPU. This is what the kernel has when the facility
    /// is enabled and what `discover` writes (named after the host).
    pub fn with_defaults(name: &str, cpus: &[u32]) -> PoolConfig {
        let mut cfg = PoolConfig::new(name);
        let mut pset_props = Props::new();
        pset_props.set("pset.sys_id", PropValue::Int(DEFAULT_PSET_SYS_ID));
        pset_props.set("pset.name", PropValue::Str(DEFAULT_PSET.into()));
        pset_props.set("pset.default", PropValue::Bool(true));
        pset_props.set("pset.min", PropValue::Uint(1));
        pset_props.set("pset.max", PropValue::Uint(DEFAULT_PSET_MAX));
        pset_props.set("pset.units", PropValue::Str("population".into()));
        pset_props.set("pset.load", PropValue::Uint(0));
        pset_props.set("pset.size", PropValue::Uint(cpus.len() as u64));
        pset_props.set("pset.comment", PropValue::Str(String::new()));
        let mut sorted = cpus.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut pset = Pset {
            ref_id: format!("pset_{DEFAULT_PSET_SYS_ID}"),
            props: pset_props,
            cpus: sorted.into_iter().map(Cpu::new).collect(),
        };
        pset.update_size();
        let mut pool_props = Props::new();
        pool_props.set("pool.sys_id", PropValue::Int(0));
        pool_props.set("pool.name", PropValue::Str(DEFAULT_POOL.into()));
        pool_props.set("pool.active", PropValue::Bool(true));
        pool_props.set("pool.default", PropValue::Bool(true));
        pool_props.set("pool.importance", PropValue::Int(1));
        pool_props.set("pool.comment", PropValue::Str(String::new()));
        cfg.pools.push(Pool {
            ref_id: "pool_0".into(),
            props: pool_props,
            res: pset.ref_id.clone(),
        });
        cfg.psets.push(pset);
        cfg
    }

    pub fn name(&self) -> &str {
        self.system.props.str("system.name").unwrap_or("")
    }

    pub fn find_pool(&self, name: &str) -> Option<usize> {
        self.pools.iter().position(|p| p.name() == name)
    }

    pub fn find_pset(&self, name: &str) -> Option<usize> {
        self.psets.iter().position(|p| p.name() == name)
    }

    pub fn pset_by_ref(&self, ref_id: &str) -> Option<usize> {
        self.psets.iter().position(|p| p.ref_id == ref_id)
    }

    /// The processor set a pool is bound to.
    pub fn pool_pset(&self, pool: usize) -> Option<usize> {
        self.pools.get(pool).and_then(|p| self.pset_by_ref(&p.res))
    }

    pub fn default_pool(&self) -> Option<usize> {
        self.pools.iter().position(Pool::is_default)
    }

    pub fn default_pset(&self) -> Option<usize> {
        self.psets.iter().position(Pset::is_default)
    }

    /// The CPU with this `cpu.sys_id`, if exactly one element has it.
    pub fn find_cpu(&self, sys_id: i64) -> Option<ElemRef> {
        let mut found = None;
        for (pi, pset) in self.psets.iter().enumerate() {
            for (ci, cpu) in pset.cpus.iter().enumerate() {
                if cpu.props.int("cpu.sys_id") == Some(sys_id) {
                    if found.is_some() {
                        return None;
                    }
                    found = Some(ElemRef::Cpu { pset: pi, cpu: ci });
                }
            }
        }
        found
    }

    /// The properties of an element, if it exists.
    pub fn props(&self, elem: ElemRef) -> Option<&Props> {
        match elem {
            ElemRef::System => Some(&self.system.props),
            ElemRef::Pool(i) => self.pools.get(i).map(|p| &p.props),
            ElemRef::Pset(i) => self.psets.get(i).map(|p| &p.props),
            ElemRef::Cpu { pset, cpu } => self
                .psets
                .get(pset)
                .and_then(|p| p.cpus.get(cpu))
                .map(|c| &c.props),
        }
    }

    pub(crate) fn props_mut(&mut self, elem: ElemRef) -> Option<&mut Props> {
        match elem {
            ElemRef::System => Some(&mut self.system.props),
            ElemRef::Pool(i) => self.pools.get_mut(i).map(|p| &mut p.props),
            ElemRef::Pset(i) => self.psets.get_mut(i).map(|p| &mut p.props),
            ElemRef::Cpu { pset, cpu } => self
                .psets
                .get_mut(pset)
                .and_then(|p| p.cpus.get_mut(cpu))
                .map(|c| &mut c.props),
        }
    }

    /// Pools bound to a processor set.
    pub fn pools_of_pset(&self, pset: usize) -> Vec<usize> {
        let Some(p) = self.psets.get(pset) else {
            return Vec::new();
        };
        self.pools
            .iter()
            .enumerate()
            .filter(|(_, pool)| pool.res == p.ref_id)
            .map(|(i, _)| i)
            .collect()
    }

    /// A fresh `ref_id` (`id_<n>`, hexadecimal), counted in the hidden `system._next_id`.
    pub(crate) fn new_ref_id(&mut self) -> String {
        let mut next = self.system.props.uint("system._next_id").unwrap_or(0);
        let mut id = format!("id_{next:x}");
        // Files written by other tools may already use the id: never hand out a duplicate.
        while self.ref_id_in_use(&id) {
            next += 1;
            id = format!("id_{next:x}");
        }
        self.system
            .props
            .set("system._next_id", PropValue::Uint(next + 1));
        id
    }

    fn ref_id_in_use(&self, id: &str) -> bool {
        self.system.ref_id == id
            || self.pools.iter().any(|p| p.ref_id == id)
            || self
                .psets
                .iter()
                .any(|p| p.ref_id == id || p.cpus.iter().any(|c| c.ref_id == id))
    }

    /// Check what libpool's strict validation checks: unique names and ids, every pool bound
    /// to an existing processor set, at most one default pool and processor set, each CPU in
    /// one set only.
    pub fn validate(&self) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        let mut check_id = |id: &str| {
            if ids.insert(id.to_string()) {
                Ok(())
            } else {
                Err(format!("duplicate ref_id '{id}'"))
            }
        };
        check_id(&self.system.ref_id)?;
        for p in &self.pools {
            check_id(&p.ref_id)?;
        }
        for p in &self.psets {
            check_id(&p.ref_id)?;
            for c in &p.cpus {
                check_id(&c.ref_id)?;
            }
        }
        let mut names = std::collections::HashSet::new();
        for p in &self.pools {
            if !names.insert(p.name()) {
                return Err(format!("duplicate pool name '{}'", p.name()));
            }
            if self.pset_by_ref(&p.res).is_none() {
                return Err(format!("pool '{}' has no processor set", p.name()));
            }
        }
        let mut names = std::collections::HashSet::new();
        let mut cpus = std::collections::HashSet::new();
        for p in &self.psets {
            if !names.insert(p.name()) {
                return Err(format!("duplicate pset name '{}'", p.name()));
            }
            if p.min() > p.max() {
                return Err(format!("pset '{}' has pset.min above pset.max", p.name()));
            }
            for c in &p.cpus {
                if let Some(id) = c.props.int("cpu.sys_id") {
                    if !cpus.insert(id) {
                        return Err(format!("cpu {id} is in more than one pset"));
                    }
                }
            }
        }
        if self.pools.iter().filter(|p| p.is_default()).count() > 1 {
            return Err("more than one default pool".into());
        }
        if self.psets.iter().filter(|p| p.is_default()).count() > 1 {
            return Err("more than one default pset".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn props_keep_order_and_replace_in_place() {
        let mut p = Props::new();
        p.set("a", PropValue::Int(1));
        p.set("b", PropValue::Int(2));
        p.set("a", PropValue::Int(3));
        let names: Vec<_> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(p.int("a"), Some(3));
        assert_eq!(p.remove("a"), Some(PropValue::Int(3)));
        assert!(p.get("a").is_none());
    }

    #[test]
    fn defaults_hold_all_cpus() {
        let cfg = PoolConfig::with_defaults("host", &[3, 1, 2, 0]);
        assert_eq!(cfg.name(), "host");
        assert_eq!(cfg.default_pool(), Some(0));
        assert_eq!(cfg.default_pset(), Some(0));
        assert_eq!(cfg.psets[0].cpu_ids(), [0, 1, 2, 3]);
        assert_eq!(cfg.psets[0].props.uint("pset.size"), Some(4));
        assert_eq!(cfg.psets[0].sys_id(), -1);
        assert_eq!(cfg.pool_pset(0), Some(0));
        assert!(cfg.validate().is_ok());
        assert_eq!(cfg.find_cpu(2), Some(ElemRef::Cpu { pset: 0, cpu: 2 }));
        assert_eq!(cfg.find_cpu(9), None);
    }

    #[test]
    fn ref_ids_are_fresh() {
        let mut cfg = PoolConfig::new("t");
        assert_eq!(cfg.new_ref_id(), "id_0");
        assert_eq!(cfg.new_ref_id(), "id_1");
        assert_eq!(cfg.system.props.uint("system._next_id"), Some(2));
    }
}
