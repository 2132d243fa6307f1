//! Zones at host start and stop: what Solaris' `svc:/system/zones` and `svc:/system/pools`
//! services do (their methods `svc-zones` and `svc-pools`). At start the static pools
//! configuration comes back first, then every installed zone with `autoboot=true` boots,
//! in parallel, a failure logged and the others booted all the same. At stop every zone
//! still up is brought down as its `autoshutdown` property says: `shutdown` (the default)
//! asks its init to stop and halts it after the shutdown timeout, `halt` halts it at once.
//!
//! These are the entry points of the host's service manager (the `zones.service` and
//! `zones-pools.service` units call them through `zones-autoboot`) and of an init script
//! alike: nothing here needs systemd. Which zones are acted on, and how, is decided by pure
//! functions over the zones' facts (`start_plan`, `stop_plan`), tested without root.

use super::{lifecycle, status, verify, AdminError};
use crate::pool::{Facility, PoolError, PoolKernel};
use crate::state::ZoneState;
use crate::store::{Repository, Store};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How many zones boot at once: enough to overlap their waits, few enough not to have every
/// zone of a large host compete for the CPUs at the same moment.
pub const BOOT_PARALLEL: usize = 8;

/// How a running zone is brought down when the host stops: the zone's `autoshutdown`
/// property. `Shutdown` (`zoneadm shutdown`, the default) asks the zone's init to stop and
/// halts it if it has not after the shutdown timeout; `Halt` (`zoneadm halt`) kills its
/// processes at once.
pub type StopAction = crate::config::AutoShutdown;

/// What the entry points know of a zone before acting on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFacts {
    pub name: String,
    pub state: ZoneState,
    /// `autoboot`, or why the zone's configuration could not be read.
    pub autoboot: Result<bool, String>,
    pub autoshutdown: StopAction,
}

/// One zone of the start plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartStep {
    Boot(String),
    /// Not booted, and why (worth a line in the log, not a failure).
    Skip(String, String),
    /// Cannot tell whether to boot it: a failure.
    Fail(String, String),
}

/// The zones to boot at host start, by name: installed (or ready) zones with `autoboot`.
/// Zones already up are left alone; an autoboot zone that is not installed is named.
pub fn start_plan(zones: &[ZoneFacts]) -> Vec<StartStep> {
    let mut zones: Vec<&ZoneFacts> = zones
        .iter()
        .filter(|z| z.name != crate::config::GLOBAL_ZONE)
        .collect();
    zones.sort_by(|a, b| a.name.cmp(&b.name));
    zones
        .into_iter()
        .filter_map(|z| {
            let name = z.name.clone();
            let autoboot = match &z.autoboot {
                Ok(a) => *a,
                // Only an installed zone could have booted: say why it did not.
                Err(why) if matches!(z.state, ZoneState::Installed | ZoneState::Ready) => {
                    return Some(StartStep::Fail(name, why.clone()))
                }
                Err(_) => return None,
            };
            if !autoboot {
                return None;
            }
            Some(match z.state {
                ZoneState::Installed | ZoneState::Ready => StartStep::Boot(name),
                ZoneState::Running | ZoneState::ShuttingDown | ZoneState::Down => {
                    StartStep::Skip(name, "already running".into())
                }
                other => StartStep::Skip(
                    name,
                    format!("autoboot is set but the zone is {}", other.as_str()),
                ),
            })
        })
        .collect()
}

/// The zones to bring down at host stop, by name, with how: every zone that exists in the
/// kernel, whether autoboot booted it or an administrator did. A running zone as its
/// `autoshutdown` says; a ready zone has no init to ask and is halted; a zone already
/// shutting down or down is halted, which waits for the command in progress and then
/// removes whatever is left.
pub fn stop_plan(zones: &[ZoneFacts]) -> Vec<(String, StopAction)> {
    let mut out: Vec<(String, StopAction)> = zones
        .iter()
        .filter(|z| z.name != crate::config::GLOBAL_ZONE)
        .filter_map(|z| match z.state {
            ZoneState::Running => Some((z.name.clone(), z.autoshutdown)),
            ZoneState::Ready | ZoneState::ShuttingDown | ZoneState::Down => {
                Some((z.name.clone(), StopAction::Halt))
            }
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The facts of every zone of the store.
pub fn zone_facts(store: &Store) -> Result<Vec<ZoneFacts>, AdminError> {
    Ok(status::all(store)?
        .into_iter()
        .filter(|st| st.entry.name != crate::config::GLOBAL_ZONE)
        .map(|st| {
            let name = st.entry.name.clone();
            // A zone whose configuration cannot be read is not booted (the reason is
            // logged) and is shut down, the default, if it is up.
            let (autoboot, autoshutdown) = match store.load(&name) {
                Ok(Some(cfg)) => (Ok(cfg.autoboot), cfg.autoshutdown),
                Ok(None) => (
                    Err("its configuration file is missing".to_string()),
                    StopAction::default(),
                ),
                Err(e) => (Err(e.to_string()), StopAction::default()),
            };
            ZoneFacts {
                autoshutdown,
                name,
                state: st.state,
                autoboot,
            }
        })
        .collect())
}

/// What became of one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub zone: String,
    /// What was done: `boot`, `shutdown`, `halt`.
    pub verb: &'static str,
    /// `Err` with the reason when the zone did not end up as asked.
    pub result: Result<(), String>,
}

/// What a start or a stop did, zone by zone in the plan's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn failed(&self) -> Vec<&Outcome> {
        self.outcomes.iter().filter(|o| o.result.is_err()).collect()
    }
}

fn why(e: AdminError) -> String {
    e.to_string()
}

/// Run `work` on every item, at most `limit` at once; the results in the items' order.
fn in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    limit: usize,
    work: &(dyn Fn(T) -> R + Sync),
) -> Vec<R> {
    let n = items.len();
    let queue = Mutex::new(items.into_iter().enumerate().collect::<VecDeque<_>>());
    let results = Mutex::new((0..n).map(|_| None).collect::<Vec<Option<R>>>());
    std::thread::scope(|s| {
        for _ in 0..limit.clamp(1, n.max(1)) {
            s.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                let Some((i, item)) = next else { break };
                let r = work(item);
                if let Ok(mut res) = results.lock() {
                    res[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// Boot one zone as `zoneadm -z zone boot` does: verified first, then started by its
/// supervisor.
fn boot_one(
    store: &Store,
    zone: &str,
    zoneadmd: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Result<(), String> {
    let report = verify::verify(store, zone).map_err(why)?;
    for line in report.lines.iter().filter(|_| report.ok) {
        log(&format!("zone '{zone}': {}", line.text()));
    }
    if !report.ok {
        let mut lines: Vec<String> = report.lines.iter().map(|l| l.text().to_string()).collect();
        lines.extend(report.summary());
        let text = lines.join("; ");
        lifecycle::log_failure(store, zone, "boot", &text);
        return Err(text);
    }
    let mut say = |msg: &str| log(&format!("zone '{zone}': {msg}"));
    let note = lifecycle::boot(store, zone, &[], false, zoneadmd, &mut say).map_err(why)?;
    if let Some(n) = note {
        say(&n);
    }
    Ok(())
}

/// Host start: boot every installed zone with `autoboot=true`, `parallel` at a time. Each
/// failure is logged and the others boot all the same; the report says which failed.
pub fn boot_autoboot(
    store: &Store,
    zoneadmd: &Path,
    parallel: usize,
    log: &(dyn Fn(&str) + Sync),
) -> Result<Report, AdminError> {
    let facts = zone_facts(store)?;
    let mut outcomes = Vec::new();
    let mut to_boot = Vec::new();
    for step in start_plan(&facts) {
        match step {
            StartStep::Boot(z) => to_boot.push(z),
            StartStep::Skip(z, why) => log(&format!("zone '{z}': not booted: {why}")),
            StartStep::Fail(z, why) => {
                log(&format!("zone '{z}': boot failed: {why}"));
                outcomes.push(Outcome {
                    zone: z,
                    verb: "boot",
                    result: Err(why),
                });
            }
        }
    }
    let booted = in_parallel(to_boot, parallel, &|zone: String| {
        log(&format!("zone '{zone}': booting"));
        let result = boot_one(store, &zone, zoneadmd, log);
        match &result {
            Ok(()) => log(&format!("zone '{zone}': booted")),
            Err(e) => log(&format!("zone '{zone}': boot failed: {e}")),
        }
        Outcome {
            zone,
            verb: "boot",
            result,
        }
    });
    outcomes.extend(booted);
    outcomes.sort_by(|a, b| a.zone.cmp(&b.zone));
    Ok(Report { outcomes })
}

/// Bring one zone down as `action` says. A shutdown that fails (the supervisor does not
/// answer, another command holds the zone) ends in a halt: at host stop every zone goes.
fn stop_one(
    store: &Store,
    zone: &str,
    action: StopAction,
    zoneadmd: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Result<(), String> {
    let mut say = |msg: &str| log(&format!("zone '{zone}': {msg}"));
    if action == StopAction::Shutdown {
        match lifecycle::shutdown(store, zone, false, &[], zoneadmd, &mut say) {
            Ok(()) => return Ok(()),
            Err(e) => say(&format!("shutdown failed: {}; halting it", why(e))),
        }
    }
    lifecycle::halt(store, zone, zoneadmd, &mut say)
        .map(|_| ())
        .map_err(why)
}

/// Host stop: every zone that is up comes down, all at once (each waits for its own init,
/// so none waits for another's shutdown timeout), each as its `autoshutdown` says.
pub fn shutdown_all(
    store: &Store,
    zoneadmd: &Path,
    log: &(dyn Fn(&str) + Sync),
) -> Result<Report, AdminError> {
    let plan = stop_plan(&zone_facts(store)?);
    let n = plan.len();
    let outcomes = in_parallel(plan, n, &|(zone, action): (String, StopAction)| {
        log(&format!("zone '{zone}': {}", action.as_str()));
        let result = stop_one(store, &zone, action, zoneadmd, log);
        match &result {
            Ok(()) => log(&format!("zone '{zone}': down")),
            Err(e) => log(&format!("zone '{zone}': {} failed: {e}", action.as_str())),
        }
        Outcome {
            zone,
            verb: action.as_str(),
            result,
        }
    });
    Ok(Report { outcomes })
}

/// What the pools step at host start found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolsAtStart {
    /// No static configuration: the facility stays as it is.
    NoConfiguration,
    /// The facility is enabled and runs the static configuration at this path.
    Applied(PathBuf),
}

/// Host start, before any zone boots: a saved static pools configuration
/// (`/etc/pooladm.conf`, written by `pooladm -s`) is what the host runs again, as
/// Solaris' `svc-pools` does with `pooladm -e` and `pooladm -c`. A configuration that cannot
/// be committed leaves the facility disabled (`pooladm -d`), and the error says why.
pub fn restore_pools<K: PoolKernel>(facility: &mut Facility<K>) -> Result<PoolsAtStart, PoolError> {
    let path = facility.static_conf_path();
    if !path.exists() {
        return Ok(PoolsAtStart::NoConfiguration);
    }
    let was_enabled = facility.is_enabled()?;
    let result = (|| {
        let cfg = crate::pool::facility::load_static(&path)?;
        facility.validate_static(&cfg)?;
        facility.enable()?;
        facility.commit_static(&cfg)
    })();
    match result {
        Ok(()) => Ok(PoolsAtStart::Applied(path)),
        Err(e) => {
            if !was_enabled {
                let _ = facility.disable();
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str, state: ZoneState, autoboot: bool) -> ZoneFacts {
        ZoneFacts {
            name: name.into(),
            state,
            autoboot: Ok(autoboot),
            autoshutdown: StopAction::Shutdown,
        }
    }

    #[test]
    fn start_boots_installed_autoboot_zones_in_name_order() {
        let zones = [
            zone("web", ZoneState::Installed, true),
            zone("db", ZoneState::Installed, true),
            zone("build", ZoneState::Installed, false),
            zone("cache", ZoneState::Ready, true),
            zone("global", ZoneState::Running, true),
        ];
        assert_eq!(
            start_plan(&zones),
            [
                StartStep::Boot("cache".into()),
                StartStep::Boot("db".into()),
                StartStep::Boot("web".into()),
            ]
        );
    }

    #[test]
    fn start_leaves_running_zones_and_names_uninstalled_autoboot_ones() {
        let zones = [
            zone("a", ZoneState::Running, true),
            zone("b", ZoneState::Configured, true),
            zone("c", ZoneState::Incomplete, true),
            zone("d", ZoneState::Configured, false),
            zone("e", ZoneState::ShuttingDown, true),
        ];
        assert_eq!(
            start_plan(&zones),
            [
                StartStep::Skip("a".into(), "already running".into()),
                StartStep::Skip(
                    "b".into(),
                    "autoboot is set but the zone is configured".into()
                ),
                StartStep::Skip(
                    "c".into(),
                    "autoboot is set but the zone is incomplete".into()
                ),
                StartStep::Skip("e".into(), "already running".into()),
            ]
        );
    }

    #[test]
    fn an_installed_zone_whose_configuration_is_unreadable_is_a_failure() {
        let mut broken = zone("bad", ZoneState::Installed, true);
        broken.autoboot = Err("bad.xml: line 3: not XML".into());
        let mut gone = zone("gone", ZoneState::Configured, true);
        gone.autoboot = Err("missing".into());
        let ok = zone("ok", ZoneState::Installed, true);
        assert_eq!(
            start_plan(&[ok, broken, gone]),
            [
                StartStep::Fail("bad".into(), "bad.xml: line 3: not XML".into()),
                StartStep::Boot("ok".into()),
            ]
        );
    }

    #[test]
    fn stop_takes_every_zone_that_is_up_as_autoshutdown_says() {
        let mut halted = zone("b", ZoneState::Running, false);
        halted.autoshutdown = StopAction::Halt;
        let zones = [
            zone("e", ZoneState::Installed, true),
            zone("a", ZoneState::Running, true),
            halted,
            zone("c", ZoneState::Ready, true),
            zone("d", ZoneState::ShuttingDown, false),
            zone("f", ZoneState::Configured, true),
            zone("global", ZoneState::Running, false),
        ];
        assert_eq!(
            stop_plan(&zones),
            [
                ("a".to_string(), StopAction::Shutdown),
                ("b".to_string(), StopAction::Halt),
                ("c".to_string(), StopAction::Halt),
                ("d".to_string(), StopAction::Halt),
            ]
        );
    }

    #[test]
    fn autoshutdown_comes_from_the_configuration() {
        use crate::config::{AutoShutdown, ZoneConfig};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let commit = |name: &str, autoshutdown: AutoShutdown| {
            let cfg = ZoneConfig {
                name: name.into(),
                zonepath: format!("/zones/{name}"),
                autoboot: true,
                autoshutdown,
                ..ZoneConfig::default()
            };
            store.commit(None, &cfg).unwrap();
        };
        commit("h", AutoShutdown::Halt);
        commit("s", AutoShutdown::Shutdown);
        commit("x", AutoShutdown::Halt);
        // A value this implementation lacks, written by hand: the file does not read.
        let path = store.zone_xml_path("x");
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = text.replace("autoshutdown=\"halt\"", "autoshutdown=\"suspend\"");
        assert_ne!(text, edited);
        std::fs::write(&path, edited).unwrap();
        let facts = zone_facts(&store).unwrap();
        let get = |n: &str| facts.iter().find(|f| f.name == n).unwrap();
        assert_eq!(get("h").autoshutdown, StopAction::Halt);
        assert_eq!(get("h").autoboot, Ok(true));
        assert_eq!(get("s").autoshutdown, StopAction::Shutdown);
        assert_eq!(get("x").autoshutdown, StopAction::Shutdown);
        let why = get("x").autoboot.clone().unwrap_err();
        assert!(why.contains("must be shutdown or halt"), "{why}");
    }

    #[test]
    fn parallel_work_keeps_the_order_and_the_limit() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Barrier;
        // The first three meet at a barrier: the work only ends if three run at once.
        let meet = Barrier::new(3);
        let (running, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let out = in_parallel((0..20).collect(), 3, &|i: u32| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            if i < 3 {
                meet.wait();
            }
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        assert!(in_parallel(Vec::<u32>::new(), 0, &|i| i).is_empty());
    }

    mod pools {
        use super::super::*;
        use crate::pool::fake_kernel::FakeKernel;
        use crate::pool::model::ElemRef;
        use crate::pool::{PoolConfig, PropValue};

        fn facility(ncpus: u32) -> (tempfile::TempDir, Facility<FakeKernel>) {
            let dir = tempfile::tempdir().unwrap();
            let f = Facility::new(dir.path(), FakeKernel::new(ncpus));
            (dir, f)
        }

        /// A static configuration with one pool `pool_db` on a set of `ncpus` CPUs.
        fn save_db_pool(f: &Facility<FakeKernel>, ncpus: u64) {
            let mut c = PoolConfig::with_defaults("host", &[0, 1, 2, 3]);
            let ps = c.create_pset("db").unwrap();
            c.put_property(ElemRef::Pset(ps), "pset.max", PropValue::Uint(ncpus))
                .unwrap();
            c.put_property(ElemRef::Pset(ps), "pset.min", PropValue::Uint(ncpus))
                .unwrap();
            let p = c.create_pool("pool_db").unwrap();
            c.associate(p, ps).unwrap();
            let path = f.static_conf_path();
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            crate::pool::facility::save_static(&path, &c).unwrap();
        }

        #[test]
        fn without_a_static_configuration_nothing_changes() {
            let (_d, mut f) = facility(4);
            assert_eq!(
                restore_pools(&mut f).unwrap(),
                PoolsAtStart::NoConfiguration
            );
            assert!(!f.is_enabled().unwrap());
            assert_eq!(f.kernel().applies, 0);
        }

        #[test]
        fn the_static_configuration_comes_back() {
            let (_d, mut f) = facility(4);
            save_db_pool(&f, 2);
            assert_eq!(
                restore_pools(&mut f).unwrap(),
                PoolsAtStart::Applied(f.static_conf_path())
            );
            assert!(f.is_enabled().unwrap());
            assert_eq!(f.kernel().cpus_of("db").len(), 2);
            let dynamic = f.dynamic_config().unwrap();
            assert!(dynamic.find_pool("pool_db").is_some());
        }

        #[test]
        fn a_configuration_that_does_not_fit_leaves_pools_disabled() {
            let (_d, mut f) = facility(2);
            // Two CPUs for the set and at least one for the default set: three.
            save_db_pool(&f, 2);
            assert!(restore_pools(&mut f).is_err());
            assert!(!f.is_enabled().unwrap());
            assert!(f.kernel().layout.is_none());
        }
    }
}
