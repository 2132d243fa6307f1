//! The global zone's resource controls. Host processes are not in a cgroup we own, so the
//! global zone's `cpu-shares` is honoured the other way round: the cgroup that holds every
//! zone of a root (`zones[-<hash>]`) gets the weight that gives the host its share against
//! the running zones, as Solaris' fair-share scheduler would between the global zone and
//! the others (one busy host process against all zones).

use crate::cgroup::{self, CgroupBackend, Limits};
use crate::config::GLOBAL_ZONE;
use crate::store::record::RunDir;
use crate::store::{Repository, Store};

/// The FSS shares of a zone configuration (`zone.cpu-shares`, Solaris' default 1).
fn shares_of(store: &Store, zone: &str) -> u64 {
    store
        .load(zone)
        .ok()
        .flatten()
        .and_then(|c| {
            c.rctl("zone.cpu-shares")
                .and_then(|r| r.values.first().and_then(|v| v.limit.parse().ok()))
        })
        .unwrap_or(1)
}

/// The shares the zones' parent cgroup needs so the host gets `global / (global + zones)` of
/// contended CPU time. Host tasks weigh one default share (1024 in v1 terms = 256 of our
/// FSS units times 4), so the parent gets `256 × zones / global` FSS units.
pub fn parent_shares(global: u64, zones_total: u64) -> u32 {
    let g = global.max(1);
    (256 * zones_total / g).clamp(1, cgroup::MAX_SHARES as u64) as u32
}

/// Set the zones' parent weight from the global zone's `cpu-shares` and the running zones.
/// Nothing happens when the global zone has no `cpu-shares` or no zone runs.
pub fn balance(store: &Store, backend: &dyn CgroupBackend) -> Result<(), cgroup::CgroupError> {
    let Some(global) = store.load(GLOBAL_ZONE).ok().flatten().and_then(|c| {
        c.rctl("zone.cpu-shares")
            .and_then(|r| r.values.first().and_then(|v| v.limit.parse::<u64>().ok()))
    }) else {
        return Ok(());
    };
    let run = RunDir::new(store.root());
    let total: u64 = store
        .index()
        .unwrap_or_default()
        .iter()
        .filter(|e| e.name != GLOBAL_ZONE)
        .filter(|e| {
            run.read(&e.name)
                .is_some_and(|r| r.init.is_some_and(|i| i.alive()))
        })
        .map(|e| shares_of(store, &e.name))
        .sum();
    if total == 0 {
        return Ok(());
    }
    // On a systemd host the zones' parent is systemd's slice: systemd sets its weight.
    let weight = cgroup::shares_to_v2_weight(parent_shares(global, total));
    if crate::systemd::set_zones_cpu_weight(store.root(), weight)
        .map_err(|e| cgroup::CgroupError::Systemd(e.to_string()))?
    {
        return Ok(());
    }
    let parent = backend.open(&cgroup::parent_name(store.root(), "zones"))?;
    if !parent.exists() {
        return Ok(());
    }
    parent.apply(&Limits {
        cpu_shares: Some(parent_shares(global, total)),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_weight_gives_the_host_its_share() {
        // Global 1 share against two zones of 1: the zones together weigh 2 host tasks.
        assert_eq!(parent_shares(1, 2), 512);
        // Global 3 against one zone of 1: the zones weigh a third of a host task.
        assert_eq!(parent_shares(3, 1), 85);
        assert_eq!(parent_shares(1000, 1), 1);
        assert_eq!(parent_shares(1, 1_000_000), cgroup::MAX_SHARES);
    }
}
