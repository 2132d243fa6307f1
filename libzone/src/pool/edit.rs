//! Changing a configuration with libpool's rules: creating and destroying pools and processor
//! sets, putting and removing properties (`pool_put_property()`'s checks), associating pools
//! with processor sets and moving CPUs between sets (`pool_resource_transfer()`).

use super::error::PoolErrorCode;
use super::model::{Cpu, ElemRef, Pool, PoolConfig, Props, Pset, UNSET_SYS_ID};
use super::props::{
    self, is_extra_readonly, is_valid_name, is_valid_prop_name, Rule, ALLOCATE_METHODS, CPU_STATES,
    SCHEDULERS,
};
use super::value::PropValue;

type Result<T> = std::result::Result<T, PoolErrorCode>;

impl PoolConfig {
    /// `pool_create()`: a pool with the default properties, bound to the default processor
    /// set (there must be one).
    pub fn create_pool(&mut self, name: &str) -> Result<usize> {
        if !is_valid_name(name) || self.find_pool(name).is_some() {
            return Err(PoolErrorCode::BadParam);
        }
        let default_pset = self.default_pset().ok_or(PoolErrorCode::InvalidConf)?;
        let res = self.psets[default_pset].ref_id.clone();
        let mut props = Props::new();
        props.set("pool.name", PropValue::Str(name.to_string()));
        props.set("pool.active", PropValue::Bool(true));
        props.set("pool.default", PropValue::Bool(false));
        props.set("pool.importance", PropValue::Int(1));
        props.set("pool.comment", PropValue::Str(String::new()));
        let ref_id = self.new_ref_id();
        self.pools.push(Pool { ref_id, props, res });
        Ok(self.pools.len() - 1)
    }

    /// `pool_resource_create()`: an empty processor set with min and max 0. The first set of
    /// a configuration becomes its default set.
    pub fn create_pset(&mut self, name: &str) -> Result<usize> {
        if !is_valid_name(name) || self.find_pset(name).is_some() {
            return Err(PoolErrorCode::BadParam);
        }
        let is_default = self.psets.is_empty();
        let mut props = Props::new();
        props.set("pset.sys_id", PropValue::Int(UNSET_SYS_ID));
        props.set("pset.name", PropValue::Str(name.to_string()));
        props.set("pset.default", PropValue::Bool(is_default));
        props.set("pset.min", PropValue::Uint(0));
        props.set("pset.max", PropValue::Uint(0));
        props.set("pset.units", PropValue::Str("population".into()));
        props.set("pset.load", PropValue::Uint(0));
        props.set("pset.size", PropValue::Uint(0));
        props.set("pset.comment", PropValue::Str(String::new()));
        let ref_id = self.new_ref_id();
        self.psets.push(Pset {
            ref_id,
            props,
            cpus: Vec::new(),
        });
        Ok(self.psets.len() - 1)
    }

    /// `pool_destroy()`: the default pool cannot go.
    pub fn destroy_pool(&mut self, pool: usize) -> Result<()> {
        let p = self.pools.get(pool).ok_or(PoolErrorCode::BadParam)?;
        if p.is_default() {
            return Err(PoolErrorCode::BadParam);
        }
        self.pools.remove(pool);
        Ok(())
    }

    /// `pool_resource_destroy()`: pools bound to the set fall back to the default set, and so
    /// do its CPUs. The default set cannot go.
    pub fn destroy_pset(&mut self, pset: usize) -> Result<()> {
        let p = self.psets.get(pset).ok_or(PoolErrorCode::BadParam)?;
        if is_default_pset(p) {
            return Err(PoolErrorCode::BadParam);
        }
        let default = self
            .psets
            .iter()
            .position(is_default_pset)
            .ok_or(PoolErrorCode::InvalidConf)?;
        let gone_ref = p.ref_id.clone();
        let default_ref = self.psets[default].ref_id.clone();
        for pool in self.pools.iter_mut().filter(|pool| pool.res == gone_ref) {
            pool.res = default_ref.clone();
        }
        let cpus = std::mem::take(&mut self.psets[pset].cpus);
        self.psets[default].cpus.extend(cpus);
        self.psets[default].update_size();
        self.psets.remove(pset);
        Ok(())
    }

    /// `pool_put_property()`.
    pub fn put_property(&mut self, elem: ElemRef, name: &str, value: PropValue) -> Result<()> {
        if !is_valid_prop_name(name) {
            return Err(PoolErrorCode::BadParam);
        }
        let class = elem.class();
        let current = self.props(elem).ok_or(PoolErrorCode::BadParam)?;
        if is_extra_readonly(class, name) {
            return Err(PoolErrorCode::BadParam);
        }
        match props::lookup(class, name) {
            Some(spec) => {
                if spec.readonly {
                    return Err(PoolErrorCode::BadParam);
                }
                if spec.ty.is_some_and(|t| t != value.ty()) {
                    return Err(spec.type_error.into());
                }
                self.check_rule(elem, spec.rule, &value)?;
            }
            None => {
                if current.get(name).is_some_and(|old| old.ty() != value.ty()) {
                    return Err(PoolErrorCode::BadParam);
                }
            }
        }
        let props = self.props_mut(elem).ok_or(PoolErrorCode::BadParam)?;
        props.set(name, value);
        props.normalize(class);
        Ok(())
    }

    /// `pool_rm_property()`: only optional and user properties can be removed.
    pub fn rm_property(&mut self, elem: ElemRef, name: &str) -> Result<()> {
        let class = elem.class();
        if props::lookup(class, name).is_some_and(|p| !p.optional) || is_extra_readonly(class, name)
        {
            return Err(PoolErrorCode::BadParam);
        }
        self.props_mut(elem)
            .ok_or(PoolErrorCode::BadParam)?
            .remove(name)
            .map(|_| ())
            .ok_or(PoolErrorCode::BadParam)
    }

    /// `pool_associate()`: bind a pool to a processor set.
    pub fn associate(&mut self, pool: usize, pset: usize) -> Result<()> {
        let res = self
            .psets
            .get(pset)
            .ok_or(PoolErrorCode::BadParam)?
            .ref_id
            .clone();
        self.pools.get_mut(pool).ok_or(PoolErrorCode::BadParam)?.res = res;
        Ok(())
    }

    /// `pool_resource_xtransfer()` of one CPU: move it into `target`, keeping the source at
    /// or above its `pset.min` and the target at or below its `pset.max` (the default set
    /// has no upper bound).
    pub fn transfer_cpu(&mut self, cpu: ElemRef, target: usize) -> Result<()> {
        let ElemRef::Cpu { pset: source, cpu } = cpu else {
            return Err(PoolErrorCode::BadParam);
        };
        if source >= self.psets.len()
            || target >= self.psets.len()
            || cpu >= self.psets[source].cpus.len()
        {
            return Err(PoolErrorCode::BadParam);
        }
        if source == target {
            return Ok(());
        }
        self.check_transfer(source, target, 1)?;
        let moved = self.psets[source].cpus.remove(cpu);
        self.psets[target].cpus.push(moved);
        self.psets[source].update_size();
        self.psets[target].update_size();
        Ok(())
    }

    /// `pool_resource_transfer()`: move `qty` CPUs, lowest ids first, preferring CPUs that
    /// are neither requested for nor pinned to the source.
    pub fn transfer(&mut self, source: usize, target: usize, qty: u64) -> Result<()> {
        if source >= self.psets.len() || target >= self.psets.len() {
            return Err(PoolErrorCode::BadParam);
        }
        if source == target || qty == 0 {
            return Ok(());
        }
        self.check_transfer(source, target, qty)?;
        let mut order: Vec<usize> = (0..self.psets[source].cpus.len()).collect();
        order.sort_by_key(|&i| {
            let c = &self.psets[source].cpus[i];
            let sticky = c.is_pinned() || c.props.flag("cpu.requested");
            (sticky, c.props.int("cpu.sys_id").unwrap_or(i64::MAX))
        });
        let mut chosen: Vec<usize> = order.into_iter().take(qty as usize).collect();
        chosen.sort_unstable_by(|a, b| b.cmp(a));
        let mut moved: Vec<Cpu> = chosen
            .into_iter()
            .map(|i| self.psets[source].cpus.remove(i))
            .collect();
        moved.reverse();
        moved.sort_by_key(|c| c.props.int("cpu.sys_id").unwrap_or(i64::MAX));
        self.psets[target].cpus.extend(moved);
        self.psets[source].update_size();
        self.psets[target].update_size();
        Ok(())
    }

    fn check_transfer(&self, source: usize, target: usize, qty: u64) -> Result<()> {
        let src = &self.psets[source];
        let tgt = &self.psets[target];
        let src_size = src.cpus.len() as u64;
        let tgt_size = tgt.cpus.len() as u64;
        if qty > src_size || src_size - qty < src.min() {
            return Err(PoolErrorCode::InvalidConf);
        }
        if !is_default_pset(tgt) && tgt_size.saturating_add(qty) > tgt.max() {
            return Err(PoolErrorCode::InvalidConf);
        }
        Ok(())
    }

    fn check_rule(&self, elem: ElemRef, rule: Rule, value: &PropValue) -> Result<()> {
        match rule {
            Rule::Plain => Ok(()),
            Rule::Name => self.check_name(elem, value),
            Rule::AllocateMethod => one_of(value, &ALLOCATE_METHODS),
            Rule::Scheduler => one_of(value, &SCHEDULERS),
            Rule::CpuStatus => one_of(value, &CPU_STATES),
            Rule::Active => match value {
                PropValue::Bool(true) => Ok(()),
                _ => Err(PoolErrorCode::BadParam),
            },
            Rule::Min | Rule::Max => {
                let ElemRef::Pset(i) = elem else {
                    return Ok(());
                };
                let new = value.as_uint().ok_or(PoolErrorCode::PutProp)?;
                self.check_min_max(i, rule == Rule::Min, new)
            }
        }
    }

    fn check_name(&self, elem: ElemRef, value: &PropValue) -> Result<()> {
        let name = value.as_str().ok_or(PoolErrorCode::BadParam)?;
        if !is_valid_name(name) {
            return Err(PoolErrorCode::PutProp);
        }
        match elem {
            ElemRef::Pool(i) => {
                let pool = &self.pools[i];
                if pool.is_temporary() && pool.name() != name {
                    return Err(PoolErrorCode::BadParam);
                }
                if self.find_pool(name).is_some_and(|j| j != i) {
                    return Err(PoolErrorCode::PutProp);
                }
            }
            ElemRef::Pset(i) => {
                let pset = &self.psets[i];
                if pset.is_temporary() && pset.name() != name {
                    return Err(PoolErrorCode::BadParam);
                }
                if self.find_pset(name).is_some_and(|j| j != i) {
                    return Err(PoolErrorCode::PutProp);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `res_set_min()` / `res_set_max()`. In the dynamic configuration a raised minimum must
    /// still fit on the CPUs present and a lowered maximum must still hold them all.
    fn check_min_max(&self, pset: usize, is_min: bool, new: u64) -> Result<()> {
        let p = &self.psets[pset];
        if is_min {
            if p.props.get("pset.max").is_some() && new > p.max() {
                return Err(PoolErrorCode::PutProp);
            }
            if p.is_default() && new < 1 {
                return Err(PoolErrorCode::PutProp);
            }
        } else if p.props.get("pset.min").is_some() && new < p.min() {
            return Err(PoolErrorCode::PutProp);
        }
        if self.dynamic {
            let available: u128 = self.psets.iter().map(|s| s.cpus.len() as u128).sum();
            if is_min {
                let old = p.min();
                let total: u128 = self.psets.iter().map(|s| s.min() as u128).sum();
                if new > old && total - old as u128 + new as u128 > available {
                    return Err(PoolErrorCode::InvalidConf);
                }
            } else {
                let old = p.max();
                let total: u128 = self.psets.iter().map(|s| s.max() as u128).sum();
                if new < old && total - old as u128 + (new as u128) < available {
                    return Err(PoolErrorCode::InvalidConf);
                }
            }
        }
        Ok(())
    }
}

/// The default processor set: flagged `pset.default`, or the kernel's set `-1`.
pub(crate) fn is_default_pset(p: &Pset) -> bool {
    p.is_default() || p.sys_id() == super::model::DEFAULT_PSET_SYS_ID
}

fn one_of(value: &PropValue, allowed: &[&str]) -> Result<()> {
    match value.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        _ => Err(PoolErrorCode::PutProp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::value::PropValue::{Bool, Int, Str, Uint};

    fn cfg() -> PoolConfig {
        PoolConfig::with_defaults("host", &[0, 1, 2, 3])
    }

    #[test]
    fn create_pool_needs_default_pset() {
        let mut c = PoolConfig::new("t");
        assert_eq!(c.create_pool("p"), Err(PoolErrorCode::InvalidConf));
        let ps = c.create_pset("ps").unwrap();
        assert!(c.psets[ps].is_default());
        let p = c.create_pool("p").unwrap();
        assert_eq!(c.pool_pset(p), Some(ps));
        assert_eq!(c.create_pool("p"), Err(PoolErrorCode::BadParam));
        assert_eq!(c.create_pool("1p"), Err(PoolErrorCode::BadParam));
        let second = c.create_pset("ps2").unwrap();
        assert!(!c.psets[second].is_default());
        assert_eq!(c.psets[second].sys_id(), UNSET_SYS_ID);
        assert_eq!(c.create_pset("ps2"), Err(PoolErrorCode::BadParam));
    }

    #[test]
    fn put_property_rules() {
        let mut c = cfg();
        let ps = c.create_pset("ps").unwrap();
        let pset = ElemRef::Pset(ps);
        // max defaults to 0: min 2 alone fails
        assert_eq!(
            c.put_property(pset, "pset.min", Uint(2)),
            Err(PoolErrorCode::PutProp)
        );
        c.put_property(pset, "pset.max", Uint(4)).unwrap();
        c.put_property(pset, "pset.min", Uint(2)).unwrap();
        assert_eq!(
            c.put_property(pset, "pset.max", Uint(1)),
            Err(PoolErrorCode::PutProp)
        );
        assert_eq!(
            c.put_property(pset, "pset.min", Int(2)),
            Err(PoolErrorCode::PutProp)
        );
        assert_eq!(
            c.put_property(pset, "pset.size", Uint(2)),
            Err(PoolErrorCode::BadParam)
        );
        assert_eq!(
            c.put_property(pset, "pset.temporary", Bool(true)),
            Err(PoolErrorCode::BadParam)
        );
        assert_eq!(
            c.put_property(ElemRef::Pset(0), "pset.min", Uint(0)),
            Err(PoolErrorCode::PutProp)
        );
        let pool = ElemRef::Pool(0);
        assert_eq!(
            c.put_property(pool, "pool.active", Bool(false)),
            Err(PoolErrorCode::BadParam)
        );
        c.put_property(pool, "pool.active", Bool(true)).unwrap();
        assert_eq!(
            c.put_property(pool, "pool.importance", Uint(5)),
            Err(PoolErrorCode::BadParam)
        );
        c.put_property(pool, "pool.importance", Int(5)).unwrap();
        assert_eq!(
            c.put_property(pool, "pool.scheduler", Str("XX".into())),
            Err(PoolErrorCode::PutProp)
        );
        c.put_property(pool, "pool.scheduler", Str("FSS".into()))
            .unwrap();
        assert_eq!(
            c.put_property(pool, "pool.sys_id", Int(3)),
            Err(PoolErrorCode::BadParam)
        );
        assert_eq!(
            c.put_property(pool, "pool.default", Bool(false)),
            Err(PoolErrorCode::BadParam)
        );
        assert_eq!(
            c.put_property(pool, "pool.name", Str("bad name".into())),
            Err(PoolErrorCode::PutProp)
        );
        let other = c.create_pool("other").unwrap();
        assert_eq!(
            c.put_property(
                ElemRef::Pool(other),
                "pool.name",
                Str("pool_default".into())
            ),
            Err(PoolErrorCode::PutProp)
        );
        let sys = ElemRef::System;
        assert_eq!(
            c.put_property(sys, "system.allocate-method", Str("random".into())),
            Err(PoolErrorCode::PutProp)
        );
        c.put_property(
            sys,
            "system.allocate-method",
            Str("surplus to default".into()),
        )
        .unwrap();
        assert_eq!(
            c.put_property(sys, "system.version", Int(2)),
            Err(PoolErrorCode::BadParam)
        );
        assert_eq!(
            c.put_property(sys, "system.comment", Int(2)),
            Err(PoolErrorCode::BadParam)
        );
        let cpu = c.find_cpu(1).unwrap();
        assert_eq!(
            c.put_property(cpu, "cpu.status", Str("dead".into())),
            Err(PoolErrorCode::PutProp)
        );
        c.put_property(cpu, "cpu.status", Str("off-line".into()))
            .unwrap();
        assert_eq!(
            c.put_property(cpu, "cpu.pinned", Str("x".into())),
            Err(PoolErrorCode::BadParam)
        );
        c.put_property(cpu, "cpu.pinned", Bool(true)).unwrap();
        // user properties keep their first type
        c.put_property(pool, "x.y", Int(1)).unwrap();
        assert_eq!(
            c.put_property(pool, "x.y", Str("a".into())),
            Err(PoolErrorCode::BadParam)
        );
        assert_eq!(
            c.put_property(pool, "9bad", Int(1)),
            Err(PoolErrorCode::BadParam)
        );
    }

    #[test]
    fn remove_property_rules() {
        let mut c = cfg();
        let pool = ElemRef::Pool(0);
        assert_eq!(
            c.rm_property(pool, "pool.comment"),
            Err(PoolErrorCode::BadParam)
        );
        assert_eq!(
            c.rm_property(pool, "pool.scheduler"),
            Err(PoolErrorCode::BadParam)
        );
        c.put_property(pool, "pool.scheduler", Str("TS".into()))
            .unwrap();
        c.rm_property(pool, "pool.scheduler").unwrap();
        c.put_property(pool, "mine", Bool(true)).unwrap();
        c.rm_property(pool, "mine").unwrap();
        assert_eq!(c.rm_property(pool, "mine"), Err(PoolErrorCode::BadParam));
    }

    #[test]
    fn transfers_respect_min_and_max() {
        let mut c = cfg();
        let ps = c.create_pset("ps").unwrap();
        c.put_property(ElemRef::Pset(ps), "pset.max", Uint(2))
            .unwrap();
        c.transfer(0, ps, 2).unwrap();
        assert_eq!(c.psets[ps].cpu_ids(), [0, 1]);
        assert_eq!(c.psets[0].cpu_ids(), [2, 3]);
        assert_eq!(c.psets[ps].props.uint("pset.size"), Some(2));
        assert_eq!(c.transfer(0, ps, 1), Err(PoolErrorCode::InvalidConf));
        // the default set keeps its minimum of one
        assert_eq!(c.transfer(0, ps, 2), Err(PoolErrorCode::InvalidConf));
        c.transfer(ps, 0, 1).unwrap();
        let cpu3 = c.find_cpu(3).unwrap();
        c.transfer_cpu(cpu3, ps).unwrap();
        assert_eq!(c.psets[ps].cpu_ids(), [1, 3]);
        let cpu2 = c.find_cpu(2).unwrap();
        assert_eq!(c.transfer_cpu(cpu2, ps), Err(PoolErrorCode::InvalidConf));
        assert_eq!(c.transfer(ps, 0, 9), Err(PoolErrorCode::InvalidConf));
        assert_eq!(c.transfer(ps, ps, 9), Ok(()));
    }

    #[test]
    fn destroy_moves_back_to_defaults() {
        let mut c = cfg();
        let ps = c.create_pset("ps").unwrap();
        c.put_property(ElemRef::Pset(ps), "pset.max", Uint(4))
            .unwrap();
        c.transfer(0, ps, 2).unwrap();
        let p = c.create_pool("p").unwrap();
        c.associate(p, ps).unwrap();
        assert_eq!(c.destroy_pset(0), Err(PoolErrorCode::BadParam));
        assert_eq!(c.destroy_pool(0), Err(PoolErrorCode::BadParam));
        c.destroy_pset(ps).unwrap();
        assert_eq!(c.psets.len(), 1);
        assert_eq!(c.psets[0].cpus.len(), 4);
        assert_eq!(c.pool_pset(1), Some(0));
        c.destroy_pool(1).unwrap();
        assert_eq!(c.pools.len(), 1);
    }

    #[test]
    fn dynamic_min_must_fit() {
        let mut c = cfg();
        c.dynamic = true;
        let ps = c.create_pset("ps").unwrap();
        c.put_property(ElemRef::Pset(ps), "pset.max", Uint(8))
            .unwrap();
        c.put_property(ElemRef::Pset(ps), "pset.min", Uint(3))
            .unwrap();
        assert_eq!(
            c.put_property(ElemRef::Pset(ps), "pset.min", Uint(4)),
            Err(PoolErrorCode::InvalidConf)
        );
    }
}
