//! The zoneadm lifecycle commands. Each takes the zone's lock, checks the transition table,
//! and either talks to the zone's supervisor or, when there is none, starts one (`ready`,
//! `boot`; `adopt` for a running zone whose supervisor died, as Solaris' zoneadm starts
//! zoneadmd on demand) or cleans up directly (`halt` of a zone no supervisor answers for).
//! `say` gets progress notes for the administrator (what zoneadm is waiting for).

use super::status::{self, ZoneStatus};
use super::AdminError;
use crate::config::ZoneConfig;
use crate::install::{self, InstallLog, InstallSource, Progress};
use crate::runtime::platform::zone;
use crate::runtime::supervisor::keeper;
use crate::runtime::supervisor::proto::{self, Request, Response};
use crate::state::{self, Op, ZoneState};
use crate::store::record::{ProcId, RunDir};
use crate::store::{Repository, Store, StoreError, ZoneLock};
use std::io::BufRead;
use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Take the zone's zoneadm lock, or say another zoneadm holds it.
pub fn lock(store: &Store, zone: &str) -> Result<ZoneLock, AdminError> {
    store.try_lock_zone(zone).map_err(|e| match e {
        StoreError::ZoneBusy { .. } => AdminError::zone(zone, e.to_string()),
        other => other.into(),
    })
}

pub(crate) fn refuse(zone: &str, op: Op, st: &ZoneStatus, force: bool) -> Result<(), AdminError> {
    state::check(op, st.state, force).map_err(|r| AdminError::zone(zone, r.0))
}

fn install_err(zone: &str, source: install::InstallError) -> AdminError {
    AdminError::Install {
        zone: zone.to_string(),
        source: Box::new(source),
    }
}

pub(crate) fn load(store: &Store, zone: &str) -> Result<ZoneConfig, AdminError> {
    store
        .load(zone)?
        .ok_or_else(|| StoreError::NoSuchZone { zone: zone.into() }.into())
}

/// `zoneadm install` from `source`: `progress` gets the log path (printed as `Progress
/// being logged to ...`) before the work starts, then the milestones and the counts.
pub fn install(
    store: &Store,
    zone: &str,
    source: &InstallSource,
    progress: &mut dyn Progress,
) -> Result<(), AdminError> {
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Install, &st, false)?;
    let cfg = load(store, zone)?;
    let mut log = InstallLog::create(store, zone).map_err(|source| install_err(zone, source))?;
    progress.log_opened(&log.path);
    install::install(store, &cfg, source, &mut log, progress)
        .map_err(|source| install_err(zone, source))
}

/// `zoneadm uninstall` (the caller has asked for confirmation unless `-F`).
pub fn uninstall(store: &Store, zone: &str) -> Result<(), AdminError> {
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Uninstall, &st, false)?;
    if st.is_stale() {
        clean_stale(store, zone, &st)?;
    }
    let cfg = load(store, zone)?;
    install::uninstall(store, &cfg).map_err(|source| install_err(zone, source))
}

/// Remove what a zone whose supervisor is gone left behind (processes, cgroup, temporary
/// pool, keeper, record). The caller holds the zone's lock.
fn clean_stale(store: &Store, zone: &str, st: &ZoneStatus) -> Result<(), AdminError> {
    keeper::remove_remains(store.root(), zone, st.record.as_ref()).map_err(|source| {
        AdminError::Remains {
            zone: zone.to_string(),
            source: Box::new(source),
        }
    })
}

/// How long zoneadm waits for a supervisor's answer (shutdown waits longer: its timeout).
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `halt` waits for zoneadmd before it kills it and halts the zone itself (a
/// supervisor halts a zone in well under a second; a stopped or wedged one never answers).
pub const HALT_PATIENCE: Duration = Duration::from_secs(5);
/// After this long without an answer zoneadm says what it is waiting for.
const WAIT_NOTE: Duration = Duration::from_secs(1);

/// Ask the zone's supervisor (process `sup`) and wait at most `patience` for its answer,
/// saying after `WAIT_NOTE` what it waits for.
fn call(
    store: &Store,
    zone: &str,
    req: &Request,
    sup: Option<ProcId>,
    patience: Duration,
    say: &mut dyn FnMut(&str),
) -> Result<Response, AdminError> {
    let sock = RunDir::new(store.root()).control_socket(zone);
    let mut s = std::os::unix::net::UnixStream::connect(&sock)
        .map_err(AdminError::io(zone, "cannot reach zoneadmd"))?;
    let who = match sup {
        Some(p) => format!("zoneadmd (pid {})", p.pid),
        None => "zoneadmd".to_string(),
    };
    proto::send(&mut s, req).map_err(AdminError::io(zone, "zoneadmd"))?;
    let start = Instant::now();
    let answered = |s: &std::os::unix::net::UnixStream, wait: Duration| {
        let mut fds = [nix::poll::PollFd::new(
            s.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        let t = nix::poll::PollTimeout::try_from(wait).unwrap_or(nix::poll::PollTimeout::MAX);
        loop {
            match nix::poll::poll(&mut fds, t) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => return !matches!(other, Ok(0)),
            }
        }
    };
    if !answered(&s, WAIT_NOTE.min(patience)) {
        let stopped_who = match sup {
            Some(p) if p.stopped() => format!("zoneadmd (pid {}, stopped)", p.pid),
            _ => who.clone(),
        };
        let left = patience.saturating_sub(start.elapsed());
        say(&format!(
            "waiting for {stopped_who} to answer {} (at most {} more seconds)...",
            req.verb(),
            left.as_secs_f64().round()
        ));
        if !answered(&s, left) {
            return Err(AdminError::zone(
                zone,
                format!(
                    "{who} did not answer {} within {} seconds",
                    req.verb(),
                    patience.as_secs()
                ),
            ));
        }
    }
    let left = patience.saturating_sub(start.elapsed()).max(WAIT_NOTE);
    let _ = s.set_read_timeout(Some(left));
    proto::recv(&mut s).map_err(AdminError::io(zone, "zoneadmd"))
}

/// The supervisor of a zone, as its record names it.
fn supervisor(st: &ZoneStatus) -> Option<ProcId> {
    st.record.as_ref().map(|r| r.supervisor)
}

/// A running zone whose supervisor died gets a new one that adopts it; the zone's status
/// afterwards. When adoption fails the zone stays as it was (and `halt` still works).
fn supervise(
    store: &Store,
    zone: &str,
    st: ZoneStatus,
    lock: &ZoneLock,
    zoneadmd: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<ZoneStatus, AdminError> {
    if st.supervised || st.zoneid.is_none() || st.entry.name == crate::config::GLOBAL_ZONE {
        return Ok(st);
    }
    match start_supervisor(store, zone, zoneadmd, &["adopt".to_string()], lock) {
        Ok(_) => status::status(store, zone),
        Err(e) => {
            say(&format!("zoneadmd could not adopt the zone: {e}"));
            Ok(st)
        }
    }
}

/// Start a zoneadmd that adopts `zone` if it runs without one (what `zlogin -C` does before
/// it attaches to the console). `Ok(false)` when there was nothing to adopt, or another
/// command holds the zone right now.
pub fn adopt(store: &Store, zone: &str, zoneadmd: &Path) -> Result<bool, AdminError> {
    let lock = match store.try_lock_zone(zone) {
        Ok(l) => l,
        Err(StoreError::ZoneBusy { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let st = status::status(store, zone)?;
    if st.supervised || st.zoneid.is_none() {
        return Ok(false);
    }
    start_supervisor(store, zone, zoneadmd, &["adopt".to_string()], &lock)?;
    Ok(true)
}

fn answer(zone: &str, resp: Response) -> Result<(), AdminError> {
    answer_note(zone, resp).map(|_| ())
}

/// A successful answer may carry a note for the administrator (e.g. a pool warning).
fn answer_note(zone: &str, resp: Response) -> Result<Option<String>, AdminError> {
    if !resp.ok {
        return Err(AdminError::zone(zone, resp.message));
    }
    Ok((!resp.message.is_empty()).then_some(resp.message))
}

/// The zone's supervisor log, `var/log/zones/<zone>.zoneadmd.log`.
pub fn zoneadmd_log(store: &Store, zone: &str) -> std::path::PathBuf {
    store.log_dir().join(format!("{zone}.zoneadmd.log"))
}

/// Say in the zone's supervisor log why a command on it failed before (or without) its
/// zoneadmd could say so itself: one line, with the time, as zoneadmd writes them.
pub fn log_failure(store: &Store, zone: &str, verb: &str, why: &str) {
    use std::io::Write;
    if store.ensure_log_dir().is_err() {
        return;
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(zoneadmd_log(store, zone))
    {
        let _ = writeln!(
            f,
            "{} zoneadm[{}]: {zone}: {verb} failed: {why}",
            crate::clock::now_iso8601(),
            std::process::id()
        );
    }
}

/// Start a supervisor for `zone` with its first request, and wait for its outcome.
fn start_supervisor(
    store: &Store,
    zone: &str,
    zoneadmd: &Path,
    first: &[String],
    lock: &ZoneLock,
) -> Result<Option<String>, AdminError> {
    store.ensure_log_dir()?;
    let log_path = zoneadmd_log(store, zone);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(AdminError::io(zone, log_path.display()))?;
    let log2 = log
        .try_clone()
        .map_err(AdminError::io(zone, log_path.display()))?;
    let (rd, wr) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| AdminError::io(zone, "pipe")(e.into()))?;
    let wr_raw = wr.as_raw_fd();
    let lock_raw = lock.as_fd().as_raw_fd();
    let mut cmd = Command::new(zoneadmd);
    cmd.arg("-R")
        .arg(store.root())
        .arg("-z")
        .arg(zone)
        .args(first)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2);
    crate::runtime::supervisor::handover::pass(&mut cmd, wr_raw, lock_raw);
    let child = cmd
        .spawn()
        .map_err(AdminError::io(zone, zoneadmd.display()))?;
    drop(wr);
    // One line: the supervisor answers, then keeps running.
    let mut text = String::new();
    let f = std::fs::File::from(rd);
    let _ = std::io::BufReader::new(f).read_line(&mut text);
    // The supervisor lives on (it called setsid); we only wanted its first answer.
    drop(child);
    match serde_json::from_str::<Response>(text.trim()) {
        Ok(resp) => answer_note(zone, resp),
        Err(_) => {
            let verb = first.first().map_or("start", String::as_str);
            log_failure(store, zone, verb, "zoneadmd exited before it answered");
            Err(AdminError::zone(
                zone,
                format!("zoneadmd failed to start; see {}", log_path.display()),
            ))
        }
    }
}

/// `zoneadm ready` / `zoneadm boot [-- args]`.
pub fn boot(
    store: &Store,
    zone: &str,
    args: &[String],
    ready_only: bool,
    zoneadmd: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<Option<String>, AdminError> {
    let op = if ready_only { Op::Ready } else { Op::Boot };
    let lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, op, &st, false)?;
    let st = supervise(store, zone, st, &lock, zoneadmd, say)?;
    if st.supervised {
        return match (st.state, ready_only) {
            (ZoneState::Ready, true) => Ok(None),
            (ZoneState::Ready, false) => answer_note(
                zone,
                call(
                    store,
                    zone,
                    &Request::Boot {
                        args: args.to_vec(),
                    },
                    supervisor(&st),
                    CALL_TIMEOUT,
                    say,
                )?,
            ),
            (_, true) => Err(AdminError::zone(zone, "zone is already ready")),
            _ => Err(AdminError::zone(zone, "zone is already booted")),
        };
    }
    if st.zoneid.is_some() {
        // Running without a supervisor: it must be halted before it can be booted again.
        return Err(AdminError::zone(zone, "zone is already booted"));
    }
    if st.is_stale() {
        clean_stale(store, zone, &st)?;
    }
    let mut first = vec![if ready_only { "ready" } else { "boot" }.to_string()];
    first.extend(args.iter().cloned());
    start_supervisor(store, zone, zoneadmd, &first, &lock)
}

/// `zoneadm halt`: always brings the zone down and cleans up, supervisor or not.
/// Returns `Some(note)` when there was nothing to do (`zone is already halted`).
pub fn halt(
    store: &Store,
    zone: &str,
    zoneadmd: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<Option<String>, AdminError> {
    // Halt waits for a command in progress (a boot's supervisor holds the lock until the
    // zone is up), so it never misses a zone that is being made.
    let lock = store.lock_zone(zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Halt, &st, false)?;
    let st = supervise(store, zone, st, &lock, zoneadmd, say)?;
    if st.supervised {
        let sup = supervisor(&st);
        match call(store, zone, &Request::Halt, sup, HALT_PATIENCE, say) {
            Ok(resp) => return answer(zone, resp).map(|_| None),
            Err(e) => {
                let why = e.to_string();
                say(&format!(
                    "{why}; killing it and halting the zone without it"
                ));
            }
        }
        // A supervisor that does not answer is killed with the zone.
        if let Some(sup) = sup.filter(|p| p.alive()) {
            if let Ok(fd) = crate::runtime::kernel::sys::pidfd_open(sup.pid) {
                if sup.alive() {
                    let _ = crate::runtime::kernel::sys::pidfd_kill(fd.as_fd(), libc::SIGKILL);
                }
            }
        }
    }
    let backend = crate::cgroup::probe().map_err(|source| AdminError::Cgroups {
        zone: zone.to_string(),
        source: Box::new(source),
    })?;
    let cg_exists = backend
        .open(&zone::cgroup_path(store.root(), zone))
        .map(|c| c.exists())
        .unwrap_or(false);
    let nothing = st.record.is_none() && !cg_exists;
    clean_stale(store, zone, &st)?;
    Ok(nothing.then(|| "zone is already halted".to_string()))
}

/// `zoneadm reboot [-- args]`.
pub fn reboot(
    store: &Store,
    zone: &str,
    args: &[String],
    zoneadmd: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<(), AdminError> {
    {
        let lock = lock(store, zone)?;
        let st = status::status(store, zone)?;
        refuse(zone, Op::Reboot, &st, false)?;
        let st = supervise(store, zone, st, &lock, zoneadmd, say)?;
        if st.supervised {
            let req = Request::Reboot {
                args: args.to_vec(),
            };
            return answer(
                zone,
                call(store, zone, &req, supervisor(&st), CALL_TIMEOUT, say)?,
            );
        }
    }
    halt(store, zone, zoneadmd, say)?;
    boot(store, zone, args, false, zoneadmd, say).map(|_| ())
}

/// `zoneadm shutdown [-r [-- args]]`: ask init to stop, halt after the timeout.
pub fn shutdown(
    store: &Store,
    zone: &str,
    reboot_after: bool,
    args: &[String],
    zoneadmd: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<(), AdminError> {
    {
        let lock = lock(store, zone)?;
        let st = status::status(store, zone)?;
        refuse(zone, Op::Shutdown, &st, false)?;
        let st = supervise(store, zone, st, &lock, zoneadmd, say)?;
        if st.supervised {
            let req = Request::Shutdown {
                reboot: reboot_after,
                args: args.to_vec(),
            };
            let patience = crate::runtime::supervisor::SHUTDOWN_TIMEOUT + CALL_TIMEOUT;
            return answer(
                zone,
                call(store, zone, &req, supervisor(&st), patience, say)?,
            );
        }
    }
    halt(store, zone, zoneadmd, say)?;
    if reboot_after {
        boot(store, zone, args, false, zoneadmd, say)?;
    }
    Ok(())
}

/// `zoneadm mark incomplete`: an installed zone an admin knows to be broken.
pub fn mark_incomplete(store: &Store, zone: &str) -> Result<(), AdminError> {
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Mark, &st, false)?;
    store.set_state(zone, ZoneState::Incomplete)?;
    Ok(())
}

/// The compiled plan of a zone as it would boot now: bound (on paper: nothing is enabled or
/// made) to the pool a boot would give it, so the plan shows the zone's CPUs.
pub fn plan(store: &Store, zone: &str) -> Result<crate::plan::Plan, AdminError> {
    let cfg = load(store, zone)?;
    let facts = crate::host::HostFacts::probe(!cfg.devices.is_empty());
    let want = crate::plan::pool_binding(&cfg);
    // The stub kernel reads the online CPUs and changes nothing, which is all a preview needs.
    let binding =
        crate::pool::zones::preview_zone(store.root(), crate::pool::StubKernel, zone, &want)
            .map_err(|source| AdminError::Pool {
                zone: zone.to_string(),
                source: Box::new(source),
            })?;
    let mut plan = crate::plan::compile_bound(&cfg, &facts, store.root(), &binding.placement())
        .map_err(|source| AdminError::Plan {
            zone: zone.to_string(),
            source: Box::new(source),
        })?;
    if let Some(entry) = store.entry(zone)? {
        plan.identify(&entry.uuid);
    }
    Ok(plan)
}

/// `zoneadm apply`: the configuration's resource controls and pool binding, on the running
/// zone, now.
pub fn apply(
    store: &Store,
    zone: &str,
    zoneadmd: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<Option<String>, AdminError> {
    let lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Apply, &st, false)?;
    let st = supervise(store, zone, st, &lock, zoneadmd, say)?;
    if !st.supervised {
        return Err(AdminError::zone(
            zone,
            "zoneadmd is not running; halt and boot the zone",
        ));
    }
    let sup = supervisor(&st);
    answer_note(
        zone,
        call(store, zone, &Request::Apply, sup, CALL_TIMEOUT, say)?,
    )
}

/// Bind a running zone to `pool` until it halts (`poolbind -p pool -i zoneid zone`); `zone`
/// is a zone name or a zone id.
pub fn bind_pool(store: &Store, zone: &str, pool: &str) -> Result<String, AdminError> {
    let all = status::all(store)?;
    let st = all
        .iter()
        .find(|s| {
            s.entry.name == zone
                || zone
                    .parse::<u32>()
                    .ok()
                    .is_some_and(|id| s.zoneid == Some(id))
        })
        .ok_or_else(|| AdminError::zone(zone, format!("invalid zone '{zone}'")))?;
    let name = st.entry.name.clone();
    let mut st = st.clone();
    if !st.supervised && st.zoneid.is_some() && name != crate::config::GLOBAL_ZONE {
        // Its zoneadmd died: a new one adopts it first.
        if adopt(store, &name, &super::helper("zoneadmd")).unwrap_or(false) {
            st = status::status(store, &name)?;
        }
    }
    if st.entry.name == crate::config::GLOBAL_ZONE
        || !st.supervised
        || st.state != ZoneState::Running
    {
        return Err(AdminError::zone(
            &name,
            format!("zone '{zone}' is not active"),
        ));
    }
    let req = Request::Bind {
        pool: pool.to_string(),
    };
    let sup = supervisor(&st);
    answer(
        &name,
        call(store, &name, &req, sup, CALL_TIMEOUT, &mut |_| {})?,
    )?;
    Ok(name)
}
