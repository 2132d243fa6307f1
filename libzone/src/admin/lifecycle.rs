//! The zoneadm lifecycle commands. Each takes the zone's lock, checks the transition table,
//! and either talks to the zone's supervisor or, when there is none, starts one (`ready`,
//! `boot`) or cleans up directly (`halt` of a zone whose supervisor died).

use super::status::{self, ZoneStatus};
use super::AdminError;
use crate::config::ZoneConfig;
use crate::install::{self, InstallLog};
use crate::runtime::proto::{self, Request, Response};
use crate::runtime::record::RunDir;
use crate::runtime::zone;
use crate::state::{self, Op, ZoneState};
use crate::store::{Repository, Store, StoreError, ZoneLock};
use std::io::BufRead;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Take the zone's zoneadm lock, or say another zoneadm holds it.
pub fn lock(store: &Store, zone: &str) -> Result<ZoneLock, AdminError> {
    store.try_lock_zone(zone).map_err(|e| match e {
        StoreError::ZoneBusy { .. } => AdminError::zone(zone, e.to_string()),
        other => other.into(),
    })
}

fn refuse(zone: &str, op: Op, st: &ZoneStatus, force: bool) -> Result<(), AdminError> {
    state::check(op, st.state, force).map_err(|r| AdminError::zone(zone, r.0))
}

fn load(store: &Store, zone: &str) -> Result<ZoneConfig, AdminError> {
    store
        .load(zone)?
        .ok_or_else(|| StoreError::NoSuchZone { zone: zone.into() }.into())
}

/// `zoneadm install`: returns the log path (printed as `Progress being logged to ...`) via
/// `on_log` before the work starts.
pub fn install(store: &Store, zone: &str, on_log: &mut dyn FnMut(&Path)) -> Result<(), AdminError> {
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Install, &st, false)?;
    let cfg = load(store, zone)?;
    let mut log =
        InstallLog::create(store, zone).map_err(|e| AdminError::zone(zone, e.to_string()))?;
    on_log(&log.path);
    install::install(store, &cfg, &mut log).map_err(|e| AdminError::zone(zone, e.to_string()))
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
    install::uninstall(store, &cfg).map_err(|e| AdminError::zone(zone, e.to_string()))
}

/// Remove what a zone whose processes are gone left behind (record, cgroup).
fn clean_stale(store: &Store, zone: &str, st: &ZoneStatus) -> Result<(), AdminError> {
    let backend =
        crate::cgroup::probe().map_err(|e| AdminError::zone(zone, format!("cgroups: {e}")))?;
    let init = st.record.as_ref().and_then(|r| r.init);
    zone::force_halt(store.root(), zone, init, backend.as_ref())
        .map_err(|e| AdminError::zone(zone, e.to_string()))?;
    RunDir::new(store.root()).remove(zone);
    Ok(())
}

/// How long zoneadm waits for a supervisor's answer (shutdown waits longer: its timeout).
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

fn call(store: &Store, zone: &str, req: &Request) -> Result<Response, AdminError> {
    let sock = RunDir::new(store.root()).control_socket(zone);
    let mut s = std::os::unix::net::UnixStream::connect(&sock)
        .map_err(|e| AdminError::zone(zone, format!("cannot reach zoneadmd: {e}")))?;
    let timeout = match req {
        Request::Shutdown { .. } => crate::runtime::supervisor::SHUTDOWN_TIMEOUT + CALL_TIMEOUT,
        _ => CALL_TIMEOUT,
    };
    let _ = s.set_read_timeout(Some(timeout));
    proto::send(&mut s, req).map_err(|e| AdminError::zone(zone, format!("zoneadmd: {e}")))?;
    proto::recv(&mut s).map_err(|e| AdminError::zone(zone, format!("zoneadmd: {e}")))
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

/// Start a supervisor for `zone` with its first request, and wait for its outcome.
fn start_supervisor(
    store: &Store,
    zone: &str,
    zoneadmd: &Path,
    first: &[String],
    lock: &ZoneLock,
) -> Result<Option<String>, AdminError> {
    let log_dir = store.ensure_log_dir()?;
    let log_path = log_dir.join(format!("{zone}.zoneadmd.log"));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| AdminError::zone(zone, format!("{}: {e}", log_path.display())))?;
    let log2 = log
        .try_clone()
        .map_err(|e| AdminError::zone(zone, format!("{}: {e}", log_path.display())))?;
    let (rd, wr) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| AdminError::zone(zone, format!("pipe: {e}")))?;
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
    // SAFETY: between fork and exec only dup2 and setsid, both async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            // Either source may itself be 3 or 4: move both out of the way first.
            let wr = libc::fcntl(wr_raw, libc::F_DUPFD, 10);
            let lk = libc::fcntl(lock_raw, libc::F_DUPFD, 10);
            if wr < 0 || lk < 0 || libc::dup2(wr, 3) < 0 || libc::dup2(lk, 4) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The copies must not outlive the exec: a stray copy of the lock would hold it.
            libc::close(wr);
            libc::close(lk);
            libc::setsid();
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .map_err(|e| AdminError::zone(zone, format!("{}: {e}", zoneadmd.display())))?;
    drop(wr);
    // One line: the supervisor answers, then keeps running.
    let mut text = String::new();
    let f = std::fs::File::from(rd);
    let _ = std::io::BufReader::new(f).read_line(&mut text);
    // The supervisor lives on (it called setsid); we only wanted its first answer.
    drop(child);
    match serde_json::from_str::<Response>(text.trim()) {
        Ok(resp) => answer_note(zone, resp),
        Err(_) => Err(AdminError::zone(
            zone,
            format!("zoneadmd failed to start; see {}", log_path.display()),
        )),
    }
}

/// `zoneadm ready` / `zoneadm boot [-- args]`.
pub fn boot(
    store: &Store,
    zone: &str,
    args: &[String],
    ready_only: bool,
    zoneadmd: &Path,
) -> Result<Option<String>, AdminError> {
    let op = if ready_only { Op::Ready } else { Op::Boot };
    let lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, op, &st, false)?;
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
pub fn halt(store: &Store, zone: &str) -> Result<Option<String>, AdminError> {
    // Halt waits for a command in progress (a boot's supervisor holds the lock until the
    // zone is up), so it never misses a zone that is being made.
    let _lock = store.lock_zone(zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Halt, &st, false)?;
    if st.supervised {
        if let Ok(resp) = call(store, zone, &Request::Halt) {
            return answer(zone, resp).map(|_| None);
        }
        // A supervisor that does not answer is killed with the zone.
        if let Some(sup) = st
            .record
            .as_ref()
            .map(|r| r.supervisor)
            .filter(|p| p.alive())
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(sup.pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
    let backend =
        crate::cgroup::probe().map_err(|e| AdminError::zone(zone, format!("cgroups: {e}")))?;
    let cg_exists = backend
        .open(&zone::cgroup_path(store.root(), zone))
        .map(|c| c.exists())
        .unwrap_or(false);
    let nothing = st.record.is_none() && !cg_exists;
    let init = st.record.as_ref().and_then(|r| r.init);
    zone::force_halt(store.root(), zone, init, backend.as_ref())
        .map_err(|e| AdminError::zone(zone, e.to_string()))?;
    RunDir::new(store.root()).remove(zone);
    Ok(nothing.then(|| "zone is already halted".to_string()))
}

/// `zoneadm reboot [-- args]`.
pub fn reboot(
    store: &Store,
    zone: &str,
    args: &[String],
    zoneadmd: &Path,
) -> Result<(), AdminError> {
    {
        let _lock = lock(store, zone)?;
        let st = status::status(store, zone)?;
        refuse(zone, Op::Reboot, &st, false)?;
        if st.supervised {
            return answer(
                zone,
                call(
                    store,
                    zone,
                    &Request::Reboot {
                        args: args.to_vec(),
                    },
                )?,
            );
        }
    }
    halt(store, zone)?;
    boot(store, zone, args, false, zoneadmd).map(|_| ())
}

/// `zoneadm shutdown [-r [-- args]]`: ask init to stop, halt after the timeout.
pub fn shutdown(
    store: &Store,
    zone: &str,
    reboot_after: bool,
    args: &[String],
    zoneadmd: &Path,
) -> Result<(), AdminError> {
    {
        let _lock = lock(store, zone)?;
        let st = status::status(store, zone)?;
        refuse(zone, Op::Shutdown, &st, false)?;
        if st.supervised {
            let req = Request::Shutdown {
                reboot: reboot_after,
                args: args.to_vec(),
            };
            return answer(zone, call(store, zone, &req)?);
        }
    }
    halt(store, zone)?;
    if reboot_after {
        boot(store, zone, args, false, zoneadmd)?;
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

/// The compiled plan of a zone as it would boot now.
pub fn plan(store: &Store, zone: &str) -> Result<crate::plan::Plan, AdminError> {
    let cfg = load(store, zone)?;
    let facts = crate::host::HostFacts::probe(!cfg.devices.is_empty());
    crate::plan::compile(&cfg, &facts, store.root())
        .map_err(|e| AdminError::zone(zone, e.to_string()))
}

/// `zoneadm apply`: the configuration's resource controls and pool binding, on the running
/// zone, now.
pub fn apply(store: &Store, zone: &str) -> Result<Option<String>, AdminError> {
    let _lock = lock(store, zone)?;
    let st = status::status(store, zone)?;
    refuse(zone, Op::Apply, &st, false)?;
    if !st.supervised {
        return Err(AdminError::zone(
            zone,
            "zoneadmd is not running; halt and boot the zone",
        ));
    }
    answer_note(zone, call(store, zone, &Request::Apply)?)
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
    if st.entry.name == crate::config::GLOBAL_ZONE
        || !st.supervised
        || st.state != ZoneState::Running
    {
        return Err(AdminError::zone(
            &name,
            format!("zone '{zone}' is not active"),
        ));
    }
    answer(
        &name,
        call(
            store,
            &name,
            &Request::Bind {
                pool: pool.to_string(),
            },
        )?,
    )?;
    Ok(name)
}
