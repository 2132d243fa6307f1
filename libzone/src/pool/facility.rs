//! The pools facility: the dynamic configuration (what Solaris keeps in the kernel behind
//! `/dev/pool`) and the operations of `pooladm`, `poolcfg -d`, `poolbind` and zones. The
//! configuration lives in the state file (see `state`); every change is planned in memory
//! (sys ids, CPU allocation), applied to the kernel through `PoolKernel`, and only then
//! recorded, under the state lock. Every change that moves zones' CPUs first takes the
//! bindings lock alone, so no zone boots half on the old configuration (see `zones`).

use super::alloc::{allocate, PsetDemand, Surplus};
use super::error::{PoolError, PoolErrorCode};
use super::kernel::{KernelLayout, KernelPool, KernelPset, PoolKernel};
use super::model::{Cpu, Pool, PoolConfig, Pset, DEFAULT_PSET_SYS_ID, TEMPORARY_PREFIX};
use super::state::{write_atomic, StateFiles, StateLock, STATIC_CONF};
use super::value::PropValue;
use super::xml::{self, Scope};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The pools facility of one alternate root.
pub struct Facility<K: PoolKernel> {
    root: PathBuf,
    files: StateFiles,
    kernel: K,
    /// The caller holds the bindings lock alone already (a zone boot making its temporary
    /// pool): changes do not take it again.
    bindings_locked: bool,
}

impl<K: PoolKernel> Facility<K> {
    pub fn new(root: &Path, kernel: K) -> Facility<K> {
        Facility {
            root: root.to_path_buf(),
            files: StateFiles::new(root),
            kernel,
            bindings_locked: false,
        }
    }

    /// For a caller that holds the bindings lock exclusively.
    pub(crate) fn with_bindings_locked(mut self) -> Facility<K> {
        self.bindings_locked = true;
        self
    }

    /// The bindings lock for a change, unless the caller holds it.
    fn serialise(&self) -> Result<Option<super::bindings::BindingLock>, PoolError> {
        if self.bindings_locked {
            return Ok(None);
        }
        super::bindings::lock_bindings(&self.root, true).map(Some)
    }

    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    pub fn kernel_mut(&mut self) -> &mut K {
        &mut self.kernel
    }

    /// `/etc/pooladm.conf` under the alternate root.
    pub fn static_conf_path(&self) -> PathBuf {
        self.root.join(STATIC_CONF)
    }

    pub fn is_enabled(&self) -> Result<bool, PoolError> {
        match self.files.lock(false, false) {
            Ok(lock) => Ok(self.files.read(&lock)?.is_some()),
            Err(PoolError::NotActive) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn read_locked(&self, lock: &StateLock) -> Result<PoolConfig, PoolError> {
        self.files.read(lock)?.ok_or(PoolError::NotActive)
    }

    /// `pooladm -e`: the default pool and processor set, holding every online CPU. Nothing
    /// happens when the facility is already enabled.
    pub fn enable(&mut self) -> Result<(), PoolError> {
        let _turn = self.serialise()?;
        let dir = self.files.state_path().parent().map(Path::to_path_buf);
        let fresh = dir.as_ref().is_some_and(|d| !d.exists());
        let lock = self.files.lock(true, true)?;
        if self.files.read(&lock)?.is_some() {
            return Ok(());
        }
        let result = (|| {
            let cpus = self.kernel.online_cpus()?;
            let mut cfg = PoolConfig::with_defaults(&self.kernel.nodename()?, &cpus);
            cfg.dynamic = true;
            self.install(&lock, &cfg, None)
        })();
        if result.is_err() && fresh {
            // Leave no trace of a failed first enable.
            let _ = std::fs::remove_file(self.files.lock_path());
            if let Some(d) = dir {
                let _ = std::fs::remove_dir(d);
            }
        }
        result
    }

    /// `pooladm -d`: every set and pool goes, all processes run on all CPUs again.
    pub fn disable(&mut self) -> Result<(), PoolError> {
        if !self.is_enabled()? {
            return Ok(());
        }
        let _turn = self.serialise()?;
        let lock = match self.files.lock(true, false) {
            Ok(lock) => lock,
            Err(PoolError::NotActive) => return Ok(()),
            Err(e) => return Err(e),
        };
        if self.files.read(&lock)?.is_none() {
            return Ok(());
        }
        self.kernel.teardown()?;
        self.files.remove(&lock)
    }

    /// The dynamic configuration, with the live `pset.load` of each processor set.
    pub fn dynamic_config(&self) -> Result<PoolConfig, PoolError> {
        let lock = self.files.lock(false, false)?;
        let mut cfg = self.read_locked(&lock)?;
        drop(lock);
        for pset in &mut cfg.psets {
            if let Ok(usage) = self.kernel.pset_usage(pset.name()) {
                let load = (usage.load * 1000.0).round().max(0.0) as u64;
                pset.props.set("pset.load", PropValue::Uint(load));
            }
            pset.update_size();
        }
        Ok(cfg)
    }

    /// What `pooladm` prints: the dynamic configuration in `info` format.
    pub fn info(&self) -> Result<String, PoolError> {
        Ok(super::info::conf_info(&self.dynamic_config()?))
    }

    /// The dynamic configuration `cfg` would become if committed now (`pooladm -n -c`):
    /// fails with `PoolError::Allocation` when it does not fit the online CPUs. Works with
    /// the facility disabled too.
    pub fn validate_static(&self, cfg: &PoolConfig) -> Result<PoolConfig, PoolError> {
        cfg.validate().map_err(|_| PoolErrorCode::InvalidConf)?;
        let current = match self.files.lock(false, false) {
            Ok(lock) => self.files.read(&lock)?,
            Err(PoolError::NotActive) => None,
            Err(e) => return Err(e),
        };
        let online = self.kernel.online_cpus()?;
        let name = self.kernel.nodename()?;
        plan_static(cfg, current.as_ref(), &online, &name)
    }

    /// `pooladm -c`: make the dynamic configuration what the static one says. Temporary
    /// pools and sets (zones with `dedicated-cpu`) stay.
    pub fn commit_static(&mut self, cfg: &PoolConfig) -> Result<(), PoolError> {
        cfg.validate().map_err(|_| PoolErrorCode::InvalidConf)?;
        let _turn = self.serialise()?;
        let lock = self.files.lock(true, false)?;
        let current = self.read_locked(&lock)?;
        let online = self.kernel.online_cpus()?;
        let name = self.kernel.nodename()?;
        let new = plan_static(cfg, Some(&current), &online, &name)?;
        self.install(&lock, &new, Some(&current))
    }

    /// `pooladm -s`: write the dynamic configuration, without temporary elements, to `path`.
    pub fn save(&self, path: &Path) -> Result<(), PoolError> {
        let cfg = self.dynamic_config()?;
        write_atomic(path, xml::to_xml(&cfg, Scope::Static).as_bytes())
    }

    /// `pooladm -x`: destroy every pool and processor set but the defaults.
    pub fn remove_dynamic(&mut self) -> Result<(), PoolError> {
        let _turn = self.serialise()?;
        let lock = self.files.lock(true, false)?;
        let current = self.read_locked(&lock)?;
        let mut new = current.clone();
        new.pools.retain(Pool::is_default);
        let default_ref = new
            .psets
            .iter()
            .find(|p| p.is_default())
            .map(|p| p.ref_id.clone())
            .ok_or(PoolErrorCode::InvalidConf)?;
        new.psets.retain(Pset::is_default);
        for pool in &mut new.pools {
            pool.res = default_ref.clone();
        }
        let online = self.kernel.online_cpus()?;
        let new = plan(new, Some(&current), &online)?;
        self.install(&lock, &new, Some(&current))
    }

    /// The dynamic configuration for editing (`poolcfg -d`).
    pub fn load_dynamic(&self) -> Result<PoolConfig, PoolError> {
        let lock = self.files.lock(false, false)?;
        self.read_locked(&lock)
    }

    /// Commit an edited dynamic configuration (`poolcfg -d`): where its CPUs are is where
    /// they should be, as far as every set's bounds allow.
    pub fn commit_dynamic(&mut self, edited: &PoolConfig) -> Result<(), PoolError> {
        edited.validate().map_err(|_| PoolErrorCode::InvalidConf)?;
        let _turn = self.serialise()?;
        let lock = self.files.lock(true, false)?;
        let current = self.read_locked(&lock)?;
        let online = self.kernel.online_cpus()?;
        let new = plan(edited.clone(), Some(&current), &online)?;
        self.install(&lock, &new, Some(&current))
    }

    /// What `poolcfg -c discover` writes: the current dynamic configuration (or, with the
    /// facility disabled, the default one), without temporary elements, named after the
    /// host.
    pub fn discover(&self) -> Result<PoolConfig, PoolError> {
        let name = self.kernel.nodename()?;
        let mut cfg = match self.load_dynamic() {
            Ok(cfg) => cfg,
            Err(PoolError::NotActive) => {
                PoolConfig::with_defaults(&name, &self.kernel.online_cpus()?)
            }
            Err(e) => return Err(e),
        };
        cfg.dynamic = false;
        cfg.pools.retain(|p| !p.is_temporary());
        let kept: BTreeSet<String> = cfg
            .psets
            .iter()
            .filter(|p| !p.is_temporary())
            .map(|p| p.ref_id.clone())
            .collect();
        let default_ref = cfg
            .psets
            .iter()
            .find(|p| p.is_default())
            .map(|p| p.ref_id.clone());
        let mut orphans = Vec::new();
        for p in cfg.psets.iter_mut().filter(|p| p.is_temporary()) {
            orphans.append(&mut p.cpus);
        }
        cfg.psets.retain(|p| kept.contains(&p.ref_id));
        if let Some(d) = default_ref.and_then(|r| cfg.pset_by_ref(&r)) {
            cfg.psets[d].cpus.extend(orphans);
            cfg.psets[d].cpus.sort_by_key(|c| c.sys_id());
            cfg.psets[d].update_size();
        }
        cfg.system.props.set("system.name", PropValue::Str(name));
        Ok(cfg)
    }

    /// Bind a process to a pool (`poolbind -p`).
    pub fn bind_pid(&mut self, pid: i32, pool: &str) -> Result<(), PoolError> {
        let cfg = self.load_dynamic()?;
        cfg.find_pool(pool).ok_or(PoolErrorCode::InvalidSearch)?;
        self.kernel.bind_pid(pid, pool)
    }

    /// The pool a process is bound to (`poolbind -q`).
    pub fn pool_of_pid(&self, pid: i32) -> Result<String, PoolError> {
        let cfg = self.load_dynamic()?;
        let pool = match self.kernel.pool_of_pid(pid)? {
            Some(p) => cfg.find_pool(&p).ok_or(PoolErrorCode::InvalidConf)?,
            None => cfg.default_pool().ok_or(PoolErrorCode::InvalidConf)?,
        };
        Ok(cfg.pools[pool].name().to_string())
    }

    /// The processor set a process runs on (`poolbind -Q`).
    pub fn pset_of_pid(&self, pid: i32) -> Result<String, PoolError> {
        let cfg = self.load_dynamic()?;
        let pool = self.pool_of_pid(pid)?;
        let i = cfg.find_pool(&pool).ok_or(PoolErrorCode::InvalidConf)?;
        let pset = cfg.pool_pset(i).ok_or(PoolErrorCode::InvalidConf)?;
        Ok(cfg.psets[pset].name().to_string())
    }

    /// Create (or reuse, when identical) the temporary pool and processor set
    /// `SUNWtmp_<zone>` of a zone with `dedicated-cpu`; returns the CPUs it gets. The
    /// facility must be enabled.
    pub fn create_temporary(
        &mut self,
        zone: &str,
        min: u64,
        max: u64,
        importance: Option<i64>,
    ) -> Result<Vec<u32>, PoolError> {
        let _turn = self.serialise()?;
        let lock = self.files.lock(true, false)?;
        let current = self.read_locked(&lock)?;
        let online = self.kernel.online_cpus()?;
        let (new, cpus) = with_temporary(&current, zone, min, max, importance, &online)?;
        if let Some(new) = new {
            self.install(&lock, &new, Some(&current))?;
        }
        Ok(cpus)
    }

    /// The CPUs `create_temporary` would give `zone`'s temporary pool now (enabling the
    /// facility first when it is not), changing nothing: what a plan shows before the boot.
    pub fn preview_temporary(
        &self,
        zone: &str,
        min: u64,
        max: u64,
        importance: Option<i64>,
    ) -> Result<Vec<u32>, PoolError> {
        let online = self.kernel.online_cpus()?;
        let current = match self.load_dynamic() {
            Ok(cfg) => cfg,
            Err(PoolError::NotActive) => {
                // What `enable` installs.
                let mut cfg = PoolConfig::with_defaults(&self.kernel.nodename()?, &online);
                cfg.dynamic = true;
                cfg
            }
            Err(e) => return Err(e),
        };
        Ok(with_temporary(&current, zone, min, max, importance, &online)?.1)
    }

    /// Remove a zone's temporary pool and processor set; its CPUs go back to the default
    /// set. Nothing to do when the facility is disabled or the zone has none.
    pub fn destroy_temporary(&mut self, zone: &str) -> Result<(), PoolError> {
        let name = format!("{TEMPORARY_PREFIX}{zone}");
        if !self.is_enabled()? {
            return Ok(());
        }
        let _turn = self.serialise()?;
        let lock = match self.files.lock(true, false) {
            Ok(lock) => lock,
            Err(PoolError::NotActive) => return Ok(()),
            Err(e) => return Err(e),
        };
        let Some(current) = self.files.read(&lock)? else {
            return Ok(());
        };
        if current.find_pool(&name).is_none() && current.find_pset(&name).is_none() {
            return Ok(());
        }
        let new = without_temporary(&current, &name);
        let online = self.kernel.online_cpus()?;
        let new = plan(new, Some(&current), &online)?;
        self.install(&lock, &new, Some(&current))
    }

    /// Apply a planned configuration to the kernel, then record it. If recording fails the
    /// kernel is put back as it was (as far as it lets itself).
    fn install(
        &mut self,
        lock: &StateLock,
        new: &PoolConfig,
        old: Option<&PoolConfig>,
    ) -> Result<(), PoolError> {
        self.kernel.apply(&layout(new))?;
        if let Err(e) = self.files.write(lock, new) {
            match old {
                Some(old) => {
                    let _ = self.kernel.apply(&layout(old));
                }
                None => {
                    let _ = self.kernel.teardown();
                }
            }
            return Err(e);
        }
        Ok(())
    }
}

/// `current` with the temporary pool and set of `zone` as `dedicated-cpu` asks for them, and
/// the CPUs that set gets; no new configuration when `current` has them already.
fn with_temporary(
    current: &PoolConfig,
    zone: &str,
    min: u64,
    max: u64,
    importance: Option<i64>,
    online: &[u32],
) -> Result<(Option<PoolConfig>, Vec<u32>), PoolError> {
    let name = format!("{TEMPORARY_PREFIX}{zone}");
    let importance = importance.unwrap_or(1);
    if let (Some(pool), Some(pset)) = (current.find_pool(&name), current.find_pset(&name)) {
        let same = current.psets[pset].min() == min
            && current.psets[pset].max() == max
            && current.pools[pool].importance() == importance
            && current.pool_pset(pool) == Some(pset);
        if same {
            return Ok((None, current.psets[pset].cpu_ids()));
        }
    }
    let mut new = without_temporary(current, &name);
    let ps = new.create_pset(&name)?;
    let pset_props = &mut new.psets[ps].props;
    pset_props.set("pset.min", PropValue::Uint(min));
    pset_props.set("pset.max", PropValue::Uint(max));
    pset_props.set("pset.temporary", PropValue::Bool(true));
    let pool = new.create_pool(&name)?;
    new.associate(pool, ps)?;
    let pool_props = &mut new.pools[pool].props;
    pool_props.set("pool.importance", PropValue::Int(importance));
    pool_props.set("pool.temporary", PropValue::Bool(true));
    let new = plan(new, Some(current), online)?;
    let cpus = new
        .find_pset(&name)
        .map(|i| new.psets[i].cpu_ids())
        .unwrap_or_default();
    Ok((Some(new), cpus))
}

/// `current` without the temporary pool and set called `name` (the set's CPUs go to the
/// default set, the pool's processes to the default pool).
fn without_temporary(current: &PoolConfig, name: &str) -> PoolConfig {
    let mut new = current.clone();
    if let Some(i) = new.find_pool(name) {
        new.pools.remove(i);
    }
    if let Some(i) = new.find_pset(name) {
        let cpus = std::mem::take(&mut new.psets[i].cpus);
        let gone = new.psets[i].ref_id.clone();
        new.psets.remove(i);
        if let Some(d) = new.default_pset() {
            new.psets[d].cpus.extend(cpus);
            let default_ref = new.psets[d].ref_id.clone();
            for p in new.pools.iter_mut().filter(|p| p.res == gone) {
                p.res = default_ref.clone();
            }
        }
    }
    new
}

/// The kernel's view of a configuration.
pub fn layout(cfg: &PoolConfig) -> KernelLayout {
    KernelLayout {
        psets: cfg
            .psets
            .iter()
            .map(|p| KernelPset {
                name: p.name().to_string(),
                cpus: p.cpu_ids(),
                is_default: p.is_default(),
            })
            .collect(),
        pools: cfg
            .pools
            .iter()
            .enumerate()
            .map(|(i, p)| KernelPool {
                name: p.name().to_string(),
                pset: cfg
                    .pool_pset(i)
                    .map(|s| cfg.psets[s].name().to_string())
                    .unwrap_or_default(),
                is_default: p.is_default(),
            })
            .collect(),
    }
}

/// The dynamic configuration a static one becomes: temporary elements of the current
/// dynamic configuration are carried over, missing defaults are added.
fn plan_static(
    cfg: &PoolConfig,
    current: Option<&PoolConfig>,
    online: &[u32],
    nodename: &str,
) -> Result<PoolConfig, PoolError> {
    let mut new = cfg.clone();
    new.pools.retain(|p| !p.is_temporary());
    new.psets.retain(|p| !p.is_temporary());
    if new.name().is_empty() {
        new.system
            .props
            .set("system.name", PropValue::Str(nodename.to_string()));
    }
    if let Some(cur) = current {
        for pset in cur.psets.iter().filter(|p| p.is_temporary()) {
            if new.find_pset(pset.name()).is_some() {
                return Err(PoolErrorCode::InvalidConf.into());
            }
            let mut copy = pset.clone();
            copy.ref_id = new.new_ref_id();
            for p in cur.pools.iter().filter(|p| p.res == pset.ref_id) {
                if new.find_pool(p.name()).is_some() {
                    return Err(PoolErrorCode::InvalidConf.into());
                }
                let mut pool = p.clone();
                pool.ref_id = new.new_ref_id();
                pool.res = copy.ref_id.clone();
                new.pools.push(pool);
            }
            // The CPUs a temporary set holds are requested for it.
            new.psets.push(copy);
        }
    }
    // A CPU listed twice (in a temporary set and in the static file) stays in the
    // temporary set: zones keep their CPUs across commits.
    let mut seen = BTreeSet::new();
    for pset in new.psets.iter().filter(|p| p.is_temporary()) {
        seen.extend(pset.cpu_ids());
    }
    for pset in new.psets.iter_mut().filter(|p| !p.is_temporary()) {
        pset.cpus
            .retain(|c| c.sys_id().is_none_or(|id| !seen.contains(&id)));
    }
    plan(new, current, online)
}

/// Turn a configuration into a dynamic one that fits the machine: defaults present, sys
/// ids assigned (kept for elements the current configuration already has), CPUs allocated
/// (where they are listed now counts as requested), every online CPU in exactly one set.
fn plan(
    mut new: PoolConfig,
    current: Option<&PoolConfig>,
    online: &[u32],
) -> Result<PoolConfig, PoolError> {
    new.dynamic = true;
    ensure_defaults(&mut new);
    assign_sys_ids(&mut new, current);

    let surplus = match new.system.props.str("system.allocate-method") {
        Some("surplus to default") => Surplus::ToDefault,
        _ => Surplus::ByImportance,
    };
    let mut importance: HashMap<String, i64> = HashMap::new();
    for (i, pool) in new.pools.iter().enumerate() {
        if let Some(ps) = new.pool_pset(i) {
            let e = importance
                .entry(new.psets[ps].ref_id.clone())
                .or_insert(i64::MIN);
            *e = (*e).max(pool.importance());
        }
    }
    let demands: Vec<PsetDemand> = new
        .psets
        .iter()
        .map(|p| {
            let listed: Vec<u32> = p.cpu_ids();
            PsetDemand {
                name: p.name().to_string(),
                min: p.min(),
                max: p.max(),
                importance: importance.get(&p.ref_id).copied().unwrap_or(i64::MIN),
                has_pools: importance.contains_key(&p.ref_id),
                is_default: p.is_default(),
                current: current
                    .and_then(|c| c.find_pset(p.name()).map(|i| c.psets[i].cpu_ids()))
                    .unwrap_or_default(),
                pinned: p
                    .cpus
                    .iter()
                    .filter(|c| c.is_pinned())
                    .filter_map(Cpu::sys_id)
                    .collect(),
                requested: listed,
            }
        })
        .collect();
    let assignment = allocate(&demands, online, surplus)?;

    // Keep each CPU's properties from wherever it is described.
    let mut cpu_props: HashMap<u32, Cpu> = HashMap::new();
    if let Some(cur) = current {
        for c in cur.psets.iter().flat_map(|p| p.cpus.iter()) {
            if let Some(id) = c.sys_id() {
                cpu_props.insert(id, c.clone());
            }
        }
    }
    for c in new.psets.iter().flat_map(|p| p.cpus.iter()) {
        if let Some(id) = c.sys_id() {
            cpu_props.insert(id, c.clone());
        }
    }
    for (pset, (_, cpus)) in new.psets.iter_mut().zip(assignment) {
        pset.cpus = cpus
            .into_iter()
            .map(|id| {
                let mut c = cpu_props.remove(&id).unwrap_or_else(|| Cpu::new(id));
                c.ref_id = format!("cpu_{id}");
                c
            })
            .collect();
        pset.update_size();
    }
    new.validate()
        .map_err(|_| PoolError::Code(PoolErrorCode::InvalidConf))?;
    if new.default_pool().is_none() {
        return Err(PoolErrorCode::InvalidConf.into());
    }
    Ok(new)
}

/// The kernel always has a default processor set (`pset_default`, min at least 1) and a
/// default pool bound to it.
fn ensure_defaults(cfg: &mut PoolConfig) {
    if cfg.default_pset().is_none() && cfg.psets.is_empty() {
        let defaults = PoolConfig::with_defaults("", &[]);
        let mut pset = defaults.psets[0].clone();
        if cfg.pset_by_ref(&pset.ref_id).is_some() {
            pset.ref_id = cfg.new_ref_id();
        }
        cfg.psets.push(pset);
    }
    if let Some(d) = cfg.default_pset() {
        if cfg.psets[d].max() >= 1 {
            let min = cfg.psets[d].min().max(1);
            cfg.psets[d].props.set("pset.min", PropValue::Uint(min));
        }
        if cfg.default_pool().is_none() {
            let defaults = PoolConfig::with_defaults("", &[]);
            let mut pool = defaults.pools[0].clone();
            if cfg.find_pool(pool.name()).is_some() {
                return;
            }
            pool.ref_id = cfg.new_ref_id();
            pool.res = cfg.psets[d].ref_id.clone();
            cfg.pools.insert(0, pool);
        }
    }
}

/// Kernel ids: the default set is -1 and the default pool 0; others keep the id they have
/// in the current configuration (matched by name) or get the lowest free one.
fn assign_sys_ids(cfg: &mut PoolConfig, current: Option<&PoolConfig>) {
    let mut used_psets: BTreeSet<i64> = BTreeSet::new();
    let mut used_pools: BTreeSet<i64> = BTreeSet::new();
    let mut pset_ids: Vec<Option<i64>> = Vec::new();
    for p in &cfg.psets {
        let id = if p.is_default() {
            Some(DEFAULT_PSET_SYS_ID)
        } else {
            current
                .and_then(|c| c.find_pset(p.name()).map(|i| c.psets[i].sys_id()))
                .filter(|&id| id >= 1 && !used_psets.contains(&id))
        };
        if let Some(id) = id {
            used_psets.insert(id);
        }
        pset_ids.push(id);
    }
    let mut next = 1;
    for (p, id) in cfg.psets.iter_mut().zip(pset_ids) {
        let id = id.unwrap_or_else(|| {
            while used_psets.contains(&next) {
                next += 1;
            }
            used_psets.insert(next);
            next
        });
        p.props.set("pset.sys_id", PropValue::Int(id));
        p.props.normalize(super::props::ElemClass::Pset);
    }
    let mut pool_ids: Vec<Option<i64>> = Vec::new();
    for p in &cfg.pools {
        let id = if p.is_default() {
            Some(0)
        } else {
            current
                .and_then(|c| c.find_pool(p.name()).and_then(|i| c.pools[i].sys_id()))
                .filter(|&id| id >= 1 && !used_pools.contains(&id))
        };
        if let Some(id) = id {
            used_pools.insert(id);
        }
        pool_ids.push(id);
    }
    let mut next = 1;
    for (p, id) in cfg.pools.iter_mut().zip(pool_ids) {
        let id = id.unwrap_or_else(|| {
            while used_pools.contains(&next) {
                next += 1;
            }
            used_pools.insert(next);
            next
        });
        p.props.set("pool.sys_id", PropValue::Int(id));
        p.props.normalize(super::props::ElemClass::Pool);
    }
}

/// Read a static configuration file (`/etc/pooladm.conf`).
pub fn load_static(path: &Path) -> Result<PoolConfig, PoolError> {
    xml::read_file(path)
}

/// Write a static configuration file atomically; temporary elements are left out.
pub fn save_static(path: &Path, cfg: &PoolConfig) -> Result<(), PoolError> {
    write_atomic(path, xml::to_xml(cfg, Scope::Static).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::fake_kernel::FakeKernel;
    use crate::pool::model::ElemRef;
    use crate::pool::value::PropValue::Uint;

    fn facility(ncpus: u32) -> (tempfile::TempDir, Facility<FakeKernel>) {
        let dir = tempfile::tempdir().unwrap();
        let f = Facility::new(dir.path(), FakeKernel::new(ncpus));
        (dir, f)
    }

    fn static_with(psets: &[(&str, u64, u64, i64)]) -> PoolConfig {
        let mut c = PoolConfig::with_defaults("host", &[0, 1, 2, 3]);
        for (name, min, max, imp) in psets {
            let ps = c.create_pset(name).unwrap();
            c.put_property(ElemRef::Pset(ps), "pset.max", Uint(*max))
                .unwrap();
            c.put_property(ElemRef::Pset(ps), "pset.min", Uint(*min))
                .unwrap();
            let p = c.create_pool(&format!("pool_{name}")).unwrap();
            c.associate(p, ps).unwrap();
            c.put_property(ElemRef::Pool(p), "pool.importance", PropValue::Int(*imp))
                .unwrap();
        }
        c
    }

    #[test]
    fn enable_disable() {
        let (_d, mut f) = facility(4);
        assert!(!f.is_enabled().unwrap());
        assert!(matches!(f.info(), Err(PoolError::NotActive)));
        f.enable().unwrap();
        assert!(f.is_enabled().unwrap());
        assert_eq!(f.kernel().cpus_of("pset_default"), [0, 1, 2, 3]);
        let cfg = f.dynamic_config().unwrap();
        assert_eq!(cfg.name(), "testhost");
        assert_eq!(cfg.psets[0].sys_id(), -1);
        assert_eq!(cfg.psets[0].min(), 1);
        assert_eq!(cfg.psets[0].max(), 65536);
        let info = f.info().unwrap();
        assert!(info.starts_with("\nsystem testhost\n"));
        assert!(info.contains("\t\tuint\tpset.size 4\n"));
        // enabling twice changes nothing
        f.enable().unwrap();
        assert_eq!(f.kernel().applies, 1);
        f.disable().unwrap();
        assert!(!f.is_enabled().unwrap());
        assert!(f.kernel().layout.is_none());
        f.disable().unwrap();
    }

    #[test]
    fn enable_fails_cleanly() {
        let (d, mut f) = facility(2);
        f.kernel_mut().fail_apply = true;
        assert!(matches!(f.enable(), Err(PoolError::System(_))));
        assert!(!f.is_enabled().unwrap());
        assert!(!d.path().join("var/run/pools").exists());
    }

    #[test]
    fn stub_kernel_cannot_enable() {
        let d = tempfile::tempdir().unwrap();
        let mut f = Facility::new(d.path(), crate::pool::kernel::StubKernel);
        assert!(matches!(f.enable(), Err(PoolError::Unsupported)));
        assert!(!f.is_enabled().unwrap());
        assert!(!d.path().join("var/run/pools").exists());
        f.disable().unwrap();
        assert!(matches!(f.info(), Err(PoolError::NotActive)));
        // discovery and validation still work
        let c = f.discover().unwrap();
        assert_eq!(c.psets.len(), 1);
        assert!(f.validate_static(&c).is_ok());
    }

    #[test]
    fn commit_static_allocates() {
        let (_d, mut f) = facility(4);
        f.enable().unwrap();
        let cfg = static_with(&[("db", 2, 2, 5)]);
        f.commit_static(&cfg).unwrap();
        assert_eq!(f.kernel().cpus_of("db").len(), 2);
        assert_eq!(f.kernel().cpus_of("pset_default").len(), 2);
        let dynamic = f.dynamic_config().unwrap();
        let db = dynamic.find_pset("db").unwrap();
        assert_eq!(dynamic.psets[db].sys_id(), 1);
        let pool = dynamic.find_pool("pool_db").unwrap();
        assert_eq!(dynamic.pools[pool].sys_id(), Some(1));
        // committing again moves nothing and keeps ids
        let before = f.kernel().cpus_of("db");
        f.commit_static(&cfg).unwrap();
        assert_eq!(f.kernel().cpus_of("db"), before);
        assert_eq!(f.dynamic_config().unwrap().psets[db].sys_id(), 1);
    }

    #[test]
    fn commit_that_does_not_fit() {
        let (_d, mut f) = facility(4);
        f.enable().unwrap();
        let cfg = static_with(&[("a", 2, 2, 1), ("b", 2, 2, 1)]);
        assert!(matches!(
            f.validate_static(&cfg),
            Err(PoolError::Allocation(_))
        ));
        assert!(matches!(
            f.commit_static(&cfg),
            Err(PoolError::Allocation(_))
        ));
        assert_eq!(f.kernel().applies, 1);
        // validation works with the facility disabled
        f.disable().unwrap();
        let ok = static_with(&[("a", 1, 2, 1)]);
        let planned = f.validate_static(&ok).unwrap();
        assert_eq!(planned.psets.len(), 2);
        assert!(matches!(f.commit_static(&ok), Err(PoolError::NotActive)));
    }

    #[test]
    fn commit_of_bare_system_keeps_defaults() {
        let (_d, mut f) = facility(2);
        f.enable().unwrap();
        let mut cfg = PoolConfig::new("tester");
        f.commit_static(&cfg).unwrap();
        let d = f.dynamic_config().unwrap();
        assert_eq!(d.name(), "tester");
        assert_eq!(d.pools[0].name(), "pool_default");
        assert_eq!(d.psets[0].cpu_ids(), [0, 1]);
        // a static config whose only set is its default set: with max 0 it cannot hold
        // the CPUs
        let ps = cfg.create_pset("only").unwrap();
        cfg.create_pool("p").unwrap();
        assert!(cfg.psets[ps].is_default());
        assert!(matches!(
            f.commit_static(&cfg),
            Err(PoolError::Allocation(
                crate::pool::alloc::AllocError::TooManyCpus { .. }
            ))
        ));
        cfg.put_property(ElemRef::Pset(ps), "pset.max", Uint(8))
            .unwrap();
        f.commit_static(&cfg).unwrap();
        let d = f.dynamic_config().unwrap();
        let only = d.find_pset("only").unwrap();
        assert_eq!(d.psets[only].sys_id(), -1);
        assert_eq!(d.psets[only].min(), 1);
        assert_eq!(d.psets[only].cpu_ids(), [0, 1]);
        assert!(d.find_pool("pool_default").is_some());
    }

    #[test]
    fn save_and_remove() {
        let (dir, mut f) = facility(4);
        f.enable().unwrap();
        f.commit_static(&static_with(&[("db", 1, 1, 5)])).unwrap();
        f.create_temporary("z1", 1, 1, None).unwrap();
        let out = dir.path().join("saved.conf");
        f.save(&out).unwrap();
        let saved = load_static(&out).unwrap();
        assert!(saved.find_pset("db").is_some());
        assert!(saved.find_pset("SUNWtmp_z1").is_none());
        f.remove_dynamic().unwrap();
        let d = f.dynamic_config().unwrap();
        assert_eq!(d.psets.len(), 1);
        assert_eq!(d.pools.len(), 1);
        assert_eq!(f.kernel().cpus_of("pset_default"), [0, 1, 2, 3]);
    }

    #[test]
    fn temporaries() {
        let (_d, mut f) = facility(4);
        assert!(matches!(
            f.create_temporary("z1", 1, 2, None),
            Err(PoolError::NotActive)
        ));
        f.destroy_temporary("z1").unwrap();
        f.enable().unwrap();
        let cpus = f.create_temporary("z1", 1, 2, Some(5)).unwrap();
        assert_eq!(cpus.len(), 2);
        let d = f.dynamic_config().unwrap();
        let pool = d.find_pool("SUNWtmp_z1").unwrap();
        assert!(d.pools[pool].is_temporary());
        assert_eq!(d.pools[pool].importance(), 5);
        assert!(d.psets[d.find_pset("SUNWtmp_z1").unwrap()].is_temporary());
        // identical request: reused, nothing applied
        let applies = f.kernel().applies;
        assert_eq!(f.create_temporary("z1", 1, 2, Some(5)).unwrap(), cpus);
        assert_eq!(f.kernel().applies, applies);
        // different bounds: recreated
        let cpus2 = f.create_temporary("z1", 1, 1, Some(5)).unwrap();
        assert_eq!(cpus2.len(), 1);
        // a commit keeps temporaries and their CPUs
        f.commit_static(&static_with(&[("db", 1, 1, 1)])).unwrap();
        assert_eq!(f.kernel().cpus_of("SUNWtmp_z1"), cpus2);
        // too big: refused, nothing changes
        assert!(matches!(
            f.create_temporary("z2", 3, 3, None),
            Err(PoolError::Allocation(_))
        ));
        assert!(f
            .dynamic_config()
            .unwrap()
            .find_pool("SUNWtmp_z2")
            .is_none());
        f.destroy_temporary("z1").unwrap();
        let d = f.dynamic_config().unwrap();
        assert!(d.find_pool("SUNWtmp_z1").is_none());
        assert!(d.find_pset("SUNWtmp_z1").is_none());
        f.destroy_temporary("z1").unwrap();
    }

    #[test]
    fn bindings() {
        let (_d, mut f) = facility(4);
        assert!(matches!(
            f.bind_pid(100, "pool_default"),
            Err(PoolError::NotActive)
        ));
        f.enable().unwrap();
        f.commit_static(&static_with(&[("db", 1, 1, 5)])).unwrap();
        assert_eq!(f.pool_of_pid(100).unwrap(), "pool_default");
        f.bind_pid(100, "pool_db").unwrap();
        assert_eq!(f.pool_of_pid(100).unwrap(), "pool_db");
        assert_eq!(f.pset_of_pid(100).unwrap(), "db");
        assert!(matches!(
            f.bind_pid(100, "nope"),
            Err(PoolError::Code(PoolErrorCode::InvalidSearch))
        ));
        assert!(matches!(
            f.bind_pid(4242, "pool_db"),
            Err(PoolError::System(_))
        ));
        // removing the pool sends its processes back to the default pool
        f.remove_dynamic().unwrap();
        assert_eq!(f.pool_of_pid(100).unwrap(), "pool_default");
    }

    #[test]
    fn dynamic_edits() {
        let (_d, mut f) = facility(4);
        f.enable().unwrap();
        let mut cfg = f.load_dynamic().unwrap();
        let ps = cfg.create_pset("web").unwrap();
        cfg.put_property(ElemRef::Pset(ps), "pset.max", Uint(3))
            .unwrap();
        cfg.transfer(0, ps, 2).unwrap();
        let moved = cfg.psets[ps].cpu_ids();
        f.commit_dynamic(&cfg).unwrap();
        assert_eq!(f.kernel().cpus_of("web"), moved);
        let d = f.dynamic_config().unwrap();
        assert_eq!(d.psets[d.find_pset("web").unwrap()].sys_id(), 1);
    }

    #[test]
    fn discover_names_the_host() {
        let (_d, mut f) = facility(3);
        let c = f.discover().unwrap();
        assert_eq!(c.name(), "testhost");
        assert!(!c.dynamic);
        assert_eq!(c.psets[0].cpu_ids(), [0, 1, 2]);
        f.enable().unwrap();
        f.create_temporary("z", 1, 1, None).unwrap();
        let c = f.discover().unwrap();
        assert!(c.find_pool("SUNWtmp_z").is_none());
        assert_eq!(c.psets.len(), 1);
        assert_eq!(c.psets[0].cpu_ids(), [0, 1, 2]);
    }

    #[test]
    fn pinned_and_requested_from_static() {
        let (_d, mut f) = facility(4);
        f.enable().unwrap();
        let mut cfg = static_with(&[("db", 0, 2, 1)]);
        let db = cfg.find_pset("db").unwrap();
        let cpu3 = cfg.find_cpu(3).unwrap();
        cfg.transfer_cpu(cpu3, db).unwrap();
        let cpu0 = cfg.find_cpu(0).unwrap();
        cfg.put_property(cpu0, "cpu.pinned", PropValue::Bool(true))
            .unwrap();
        f.commit_static(&cfg).unwrap();
        assert!(f.kernel().cpus_of("db").contains(&3));
        assert!(f.kernel().cpus_of("pset_default").contains(&0));
        let d = f.dynamic_config().unwrap();
        let c0 = d.find_cpu(0).unwrap();
        assert!(d.props(c0).unwrap().flag("cpu.pinned"));
    }
}
