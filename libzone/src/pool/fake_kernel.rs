//! An in-memory `PoolKernel` for tests: it checks that layouts are consistent, remembers
//! them and the process bindings, and can be told to fail.

use super::error::PoolError;
use super::kernel::{KernelLayout, PoolKernel, PsetUsage};
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Debug, Default)]
pub(crate) struct FakeKernel {
    pub online: Vec<u32>,
    pub nodename: String,
    pub layout: Option<KernelLayout>,
    pub bindings: HashMap<i32, String>,
    pub live_pids: HashSet<i32>,
    pub usage: HashMap<String, PsetUsage>,
    pub fail_apply: bool,
    pub applies: usize,
}

impl FakeKernel {
    pub fn new(ncpus: u32) -> FakeKernel {
        FakeKernel {
            online: (0..ncpus).collect(),
            nodename: "testhost".into(),
            live_pids: [1, 100, 200].into_iter().collect(),
            ..Default::default()
        }
    }

    pub fn cpus_of(&self, pset: &str) -> Vec<u32> {
        self.layout
            .as_ref()
            .and_then(|l| l.psets.iter().find(|p| p.name == pset))
            .map(|p| p.cpus.clone())
            .unwrap_or_default()
    }
}

impl PoolKernel for FakeKernel {
    fn online_cpus(&self) -> Result<Vec<u32>, PoolError> {
        Ok(self.online.clone())
    }

    fn nodename(&self) -> Result<String, PoolError> {
        Ok(self.nodename.clone())
    }

    fn apply(&mut self, layout: &KernelLayout) -> Result<(), PoolError> {
        if self.fail_apply {
            return Err(PoolError::System("Device busy".into()));
        }
        let mut seen = BTreeSet::new();
        for p in &layout.psets {
            for c in &p.cpus {
                assert!(self.online.contains(c), "cpu {c} is not online");
                assert!(seen.insert(*c), "cpu {c} in two sets");
            }
        }
        assert_eq!(seen.len(), self.online.len(), "every CPU must be in a set");
        assert_eq!(layout.psets.iter().filter(|p| p.is_default).count(), 1);
        assert_eq!(layout.pools.iter().filter(|p| p.is_default).count(), 1);
        for pool in &layout.pools {
            assert!(
                layout.psets.iter().any(|p| p.name == pool.pset),
                "pool {} bound to missing set {}",
                pool.name,
                pool.pset
            );
        }
        self.bindings
            .retain(|_, pool| layout.pools.iter().any(|p| p.name == *pool));
        self.layout = Some(layout.clone());
        self.applies += 1;
        Ok(())
    }

    fn teardown(&mut self) -> Result<(), PoolError> {
        self.layout = None;
        self.bindings.clear();
        Ok(())
    }

    fn bind_pid(&mut self, pid: i32, pool: &str) -> Result<(), PoolError> {
        let layout = self.layout.as_ref().ok_or(PoolError::NotActive)?;
        if !self.live_pids.contains(&pid) {
            return Err(PoolError::System("No such process".into()));
        }
        if !layout.pools.iter().any(|p| p.name == pool) {
            return Err(PoolError::System("Invalid argument".into()));
        }
        self.bindings.insert(pid, pool.to_string());
        Ok(())
    }

    fn pool_of_pid(&self, pid: i32) -> Result<Option<String>, PoolError> {
        if !self.live_pids.contains(&pid) {
            return Err(PoolError::System("No such process".into()));
        }
        Ok(self.bindings.get(&pid).cloned())
    }

    fn pset_usage(&self, pset: &str) -> Result<PsetUsage, PoolError> {
        Ok(self.usage.get(pset).copied().unwrap_or_default())
    }
}
