//! A zone's true state: the index for the persistent states, the runtime record for a zone
//! that exists in the kernel, and liveness checks (pid plus start time) so a stale record is
//! recognised rather than trusted.

use super::AdminError;
use crate::state::ZoneState;
use crate::store::record::{RunDir, ZoneRecord};
use crate::store::{IndexEntry, Store};
use std::collections::HashSet;

/// What zoneadm knows about a zone.
#[derive(Debug, Clone)]
pub struct ZoneStatus {
    pub entry: IndexEntry,
    pub state: ZoneState,
    /// Kernel-side zone id while the zone exists (0 for the global zone).
    pub zoneid: Option<u32>,
    /// The runtime record, if one exists (possibly stale).
    pub record: Option<ZoneRecord>,
    /// Whether a live supervisor holds the zone.
    pub supervised: bool,
}

impl ZoneStatus {
    /// A record whose processes are all gone: the zone is really halted.
    pub fn is_stale(&self) -> bool {
        self.record.is_some() && self.zoneid.is_none()
    }
}

/// Combine an index entry with the runtime record of the zone.
pub fn combine(entry: IndexEntry, record: Option<ZoneRecord>) -> ZoneStatus {
    if entry.name == crate::config::GLOBAL_ZONE {
        return ZoneStatus {
            entry,
            state: ZoneState::Running,
            zoneid: Some(0),
            record: None,
            supervised: true,
        };
    }
    let persistent = entry.state;
    let Some(rec) = record.filter(|_| persistent == ZoneState::Installed) else {
        return ZoneStatus {
            entry,
            state: persistent,
            zoneid: None,
            record: None,
            supervised: false,
        };
    };
    let supervised = rec.supervisor.alive();
    let init_alive = rec.init.is_some_and(|i| i.alive());
    let (state, zoneid) = if supervised {
        (
            ZoneState::parse(&rec.state).unwrap_or(ZoneState::Ready),
            Some(rec.zoneid),
        )
    } else if init_alive {
        // The supervisor died but the zone runs on: report it, zoneadm halt still works.
        (ZoneState::Running, Some(rec.zoneid))
    } else {
        (ZoneState::Installed, None)
    };
    ZoneStatus {
        entry,
        state,
        zoneid,
        record: Some(rec),
        supervised,
    }
}

/// The status of `zone`; `No such zone configured` if the index does not know it and the
/// zone does not run.
pub fn status(store: &Store, zone: &str) -> Result<ZoneStatus, AdminError> {
    let entry = store.entry(zone)?;
    let record = if entry.is_some() || crate::store::storable_name(zone) {
        RunDir::new(store.root()).read(zone)
    } else {
        None
    };
    let entry = match (entry, &record) {
        (Some(e), _) => e,
        // A zone in the kernel whose index line is damaged or gone: it must stay haltable.
        (None, Some(_)) => IndexEntry {
            name: zone.to_string(),
            state: ZoneState::Installed,
            zonepath: String::new(),
            uuid: String::new(),
        },
        (None, _) => {
            // A zone whose line is damaged is reported with the line.
            let index = store.read_index()?;
            return Err(match index.damaged_line_of(zone) {
                Some(d) => d.error(&store.index_path()),
                None => crate::store::StoreError::NoSuchZone {
                    zone: zone.to_string(),
                },
            }
            .into());
        }
    };
    Ok(combine(entry, record))
}

/// The status of every zone in the index, global first.
pub fn all(store: &Store) -> Result<Vec<ZoneStatus>, AdminError> {
    let run = RunDir::new(store.root());
    let recorded = zones_with_records(&run);
    Ok(store
        .index()?
        .into_iter()
        .map(|e| {
            let rec = match &recorded {
                Some(names) if !names.contains(e.name.as_str()) => None,
                _ => run.read(&e.name),
            };
            combine(e, rec)
        })
        .collect())
}

/// The zones that have a runtime record (`<zone>.state`), from one read of the run
/// directory: few zones run, and probing every configured zone's record would cost a failed
/// open per zone. `None` when the directory cannot be read (then each record is tried).
fn zones_with_records(run: &RunDir) -> Option<HashSet<String>> {
    let rd = match std::fs::read_dir(run.dir()) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(HashSet::new()),
        Err(_) => return None,
    };
    let mut names = HashSet::new();
    for entry in rd {
        let name = entry.ok()?.file_name();
        let name = name.to_string_lossy();
        if let Some(zone) = name.strip_suffix(".state") {
            names.insert(zone.to_string());
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::record::ProcId;

    fn entry(state: ZoneState) -> IndexEntry {
        IndexEntry {
            name: "z".into(),
            state,
            zonepath: "/zones/z".into(),
            uuid: String::new(),
        }
    }

    fn rec(sup: ProcId, init: Option<ProcId>) -> ZoneRecord {
        ZoneRecord {
            zone: "z".into(),
            zoneid: 7,
            state: "running".into(),
            supervisor: sup,
            init,
            cgroups: vec![],
            capabilities: vec![],
            no_new_privs: false,
            brand: "sparse".into(),
            pool: None,
            seccomp: None,
            keeper: None,
        }
    }

    #[test]
    fn liveness_decides() {
        let me = ProcId::of(std::process::id() as i32).unwrap();
        let dead = ProcId {
            pid: me.pid,
            start_time: me.start_time + 1,
        };
        let s = combine(entry(ZoneState::Installed), Some(rec(me, None)));
        assert_eq!(
            (s.state, s.zoneid, s.supervised),
            (ZoneState::Running, Some(7), true)
        );
        let s = combine(entry(ZoneState::Installed), Some(rec(dead, Some(me))));
        assert_eq!(
            (s.state, s.zoneid, s.supervised),
            (ZoneState::Running, Some(7), false)
        );
        let s = combine(entry(ZoneState::Installed), Some(rec(dead, Some(dead))));
        assert_eq!((s.state, s.zoneid), (ZoneState::Installed, None));
        assert!(s.is_stale());
        let s = combine(entry(ZoneState::Configured), Some(rec(me, None)));
        assert_eq!(s.state, ZoneState::Configured);
        let g = combine(IndexEntry::global(), None);
        assert_eq!((g.state, g.zoneid), (ZoneState::Running, Some(0)));
    }
}
