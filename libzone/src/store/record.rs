//! The runtime record of a zone that exists in the kernel: `var/run/zones/<zone>.state`,
//! written by its supervisor (atomically) and read by zoneadm and zlogin. Pids are stored with
//! their start time so a recycled pid is never mistaken for the zone's process.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A process identity that survives pid reuse: pid plus start time (clock ticks since boot,
/// field 22 of `/proc/<pid>/stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcId {
    pub pid: i32,
    pub start_time: u64,
}

impl ProcId {
    /// The identity of a running process, `None` if there is no such process.
    pub fn of(pid: i32) -> Option<ProcId> {
        start_time(pid).map(|start_time| ProcId { pid, start_time })
    }

    /// Whether this very process still exists (and is not a zombie).
    pub fn alive(&self) -> bool {
        self.pid > 0
            && proc_state(self.pid).is_some_and(|(st, s)| st == self.start_time && s != 'Z')
    }

    /// Whether this very process exists and is stopped (SIGSTOP, or a debugger's).
    pub fn stopped(&self) -> bool {
        self.pid > 0
            && proc_state(self.pid)
                .is_some_and(|(st, s)| st == self.start_time && matches!(s, 'T' | 't'))
    }
}

/// `(start_time, state char)` from `/proc/<pid>/stat`.
fn proc_state(pid: i32) -> Option<(u64, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // comm may contain spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((start, state))
}

fn start_time(pid: i32) -> Option<u64> {
    proc_state(pid).map(|(s, _)| s)
}

/// What is recorded about a zone while it exists in the kernel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneRecord {
    pub zone: String,
    pub zoneid: u32,
    /// `ready`, `running`, `shutting_down` or `down`.
    pub state: String,
    pub supervisor: ProcId,
    pub init: Option<ProcId>,
    /// Absolute paths of the zone's cgroup directories, one per hierarchy.
    pub cgroups: Vec<PathBuf>,
    /// The capability set zone processes get (`CAP_*` names).
    pub capabilities: Vec<String>,
    pub no_new_privs: bool,
    pub brand: String,
    /// The pool the zone is bound to; `None` = the default pool (or pools disabled).
    #[serde(default)]
    pub pool: Option<String>,
    /// The zone's compiled seccomp filter, which every process entering the zone loads.
    #[serde(default)]
    pub seccomp: Option<PathBuf>,
    /// The process that holds the zone's console while the supervisor lives and after it
    /// dies (see `keeper`).
    #[serde(default)]
    pub keeper: Option<ProcId>,
}

/// The runtime files of zones under an alternate root.
#[derive(Debug, Clone)]
pub struct RunDir {
    dir: PathBuf,
}

impl RunDir {
    pub fn new(altroot: &Path) -> RunDir {
        RunDir {
            dir: altroot.join("var/run/zones"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn record_path(&self, zone: &str) -> PathBuf {
        self.dir.join(format!("{zone}.state"))
    }

    pub fn control_socket(&self, zone: &str) -> PathBuf {
        self.dir.join(format!("{zone}.zoneadmd_sock"))
    }

    pub fn console_socket(&self, zone: &str) -> PathBuf {
        self.dir.join(format!("{zone}.console_sock"))
    }

    /// The zone's compiled seccomp filter (see `seccomp::program`).
    pub fn seccomp_program(&self, zone: &str) -> PathBuf {
        self.dir.join(format!("{zone}.seccomp"))
    }

    /// Compiled seccomp filters kept from one boot to the next, by filter.
    pub fn seccomp_cache(&self) -> PathBuf {
        self.dir.join("seccomp")
    }

    /// Where the console keeper of a zone hands the console to a new supervisor.
    pub fn keeper_socket(&self, zone: &str) -> PathBuf {
        self.dir.join(format!("{zone}.keeper_sock"))
    }

    pub fn zoneid_lock(&self) -> PathBuf {
        self.dir.join("zoneid.lock")
    }

    /// The lock that orders zone boots against pool commits (see `pool::zones`).
    pub fn pools_lock(&self) -> PathBuf {
        self.dir.join("pools.lock")
    }

    /// The zone's record, `None` if there is none (or it is unreadable: a torn or foreign
    /// file is treated as absent, and the zone's processes are then found through its cgroup).
    pub fn read(&self, zone: &str) -> Option<ZoneRecord> {
        let text = std::fs::read_to_string(self.record_path(zone)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Write the record atomically: temp file, rename. No fsync: the record describes
    /// processes that do not survive a crash of the host either, and every read checks the
    /// pids it names.
    pub fn write(&self, rec: &ZoneRecord) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.record_path(&rec.zone);
        let body = serde_json::to_vec_pretty(rec).map_err(std::io::Error::other)?;
        // A reader sees the old record or the new one; temp names never end in `.state`.
        crate::fsio::atomic::write_volatile(&path, &body, &format!(".{}.state.", rec.zone), 0o644)
            .map_err(|e| e.source)
    }

    /// Remove the zone's runtime files.
    pub fn remove(&self, zone: &str) {
        for p in [
            self.record_path(zone),
            self.control_socket(zone),
            self.console_socket(zone),
            self.seccomp_program(zone),
            self.keeper_socket(zone),
        ] {
            let _ = std::fs::remove_file(p);
        }
    }

    /// Zone ids in use by live zones under this root.
    pub fn ids_in_use(&self) -> Vec<u32> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        rd.flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let zone = name.strip_suffix(".state")?;
                if zone.starts_with('.') {
                    return None;
                }
                let rec = self.read(zone)?;
                (rec.supervisor.alive() || rec.init.is_some_and(|i| i.alive()))
                    .then_some(rec.zoneid)
            })
            .collect()
    }
}

/// The smallest zone id (1..=9999, the global zone is 0) not in `used`.
pub fn free_zoneid(used: &[u32]) -> Option<u32> {
    (1..=9999).find(|id| !used.contains(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_stale_ids_are_not() {
        let me = ProcId::of(std::process::id() as i32).unwrap();
        assert!(me.alive());
        let stale = ProcId {
            pid: me.pid,
            start_time: me.start_time + 1,
        };
        assert!(!stale.alive());
        assert!(ProcId::of(-5).is_none());
    }

    #[test]
    fn record_round_trip_and_ids() {
        let t = tempfile::tempdir().unwrap();
        let run = RunDir::new(t.path());
        let me = ProcId::of(std::process::id() as i32).unwrap();
        let rec = ZoneRecord {
            zone: "z1".into(),
            zoneid: 3,
            state: "running".into(),
            supervisor: me,
            init: None,
            cgroups: vec![PathBuf::from("/sys/fs/cgroup/pids/zones/z1")],
            capabilities: vec!["CAP_CHOWN".into()],
            no_new_privs: false,
            brand: "sparse".into(),
            pool: None,
            seccomp: Some(run.seccomp_program("z1")),
            keeper: None,
        };
        run.write(&rec).unwrap();
        assert_eq!(run.read("z1"), Some(rec));
        assert_eq!(run.ids_in_use(), vec![3]);
        assert_eq!(free_zoneid(&[1, 2, 4]), Some(3));
        run.remove("z1");
        assert!(run.read("z1").is_none());
    }
}
