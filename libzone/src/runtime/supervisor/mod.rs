//! zoneadmd: the per-zone supervisor. It makes the zone (`ready`, `boot`), serves the console
//! (whose pty its keeper holds too, see `keeper`), answers zoneadm's requests on the zone's
//! control socket, reaps the zone's init and takes the zone down again, removing every
//! process and cgroup, when it halts. A supervisor started with `adopt` takes over the running
//! zone of one that died. One single-threaded poll loop; every request is served in order.
//!
//! Like illumos' zoneadmd.c beside zcons.c: `console` is the zone console (its pty and
//! log), `keeper` the process that holds it across supervisors, `proto` what zoneadm and
//! `zlogin -C` say to us, `handover` how our starter passes us descriptors 3 and 4. Making
//! the zone is `platform`'s, from the plan alone: `planning` is where the configuration is
//! read, the zone bound to its pool and the plan compiled; nothing else here sees the
//! configuration.

pub mod console;
pub mod error;
pub mod handover;
pub mod keeper;
pub mod planning;
pub mod proto;

use self::console::{ConsoleLog, ConsolePty};
use self::error::SupervisorError;
use self::keeper::Keeper;
use self::planning::{Config, Planned};
use self::proto::{ConsoleDecoder, ConsoleFrame, Request, Response};
use crate::cgroup::CgroupBackend;
use crate::plan;
use crate::runtime::platform::spawn::ZoneProcess;
use crate::runtime::platform::zone::{self, LiveZone, ReadyArgs};
use crate::state::ZoneState;
use crate::store::record::{self, ProcId, RunDir, ZoneRecord};
use crate::store::Repository;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long `shutdown` waits for init to stop before halting the zone.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// What the supervisor is started with.
pub struct SupervisorArgs {
    pub altroot: PathBuf,
    pub zone: String,
    /// Path of the built-in init binary.
    pub zinit: PathBuf,
    /// The request that started it: `Ready`, `Boot` or `Adopt`.
    pub first: Request,
    /// Where to report the outcome of `first` (one JSON `Response` line), then closed.
    pub notify: Option<OwnedFd>,
    /// The zone's zoneadm lock, held until `first` is answered.
    pub lock: Option<OwnedFd>,
}

/// The one `zlogin -C` attached to the console.
struct ConsoleClient {
    stream: UnixStream,
    decoder: ConsoleDecoder,
    /// Console output (and notices) not yet taken by the client.
    pending: Vec<u8>,
    /// The client's process id, for `BUSY` answers to others.
    pid: i32,
    /// The client's window size, for the new console of a rebooted zone.
    winsize: Option<(u16, u16)>,
}

/// Console output kept for a client that does not read: beyond this the oldest goes, so the
/// zone never waits for a slow client and the client sees the latest output.
const CONSOLE_BACKLOG: usize = 1 << 20;
/// Longest a keystroke write may wait for a zone that does not read its console; after that
/// the input is dropped (as on an overrun serial line) rather than stall the supervisor.
const CONSOLE_INPUT_WAIT: Duration = Duration::from_millis(50);
/// Longest the final flush to a departing client (halt notice) may take.
const CONSOLE_FLUSH_WAIT: Duration = Duration::from_millis(500);

struct Shutdown {
    deadline: Instant,
    reboot: bool,
    args: Vec<String>,
}

struct Supervisor<'a> {
    args: SupervisorArgs,
    run: RunDir,
    repo: &'a dyn Repository,
    backend: Box<dyn CgroupBackend>,
    log: &'a mut dyn FnMut(&str),
    live: Option<LiveZone>,
    /// The zone's console, the same pty across reboots; `None` only for a zone adopted
    /// without its keeper (until its next boot makes a new one).
    console: Option<ConsolePty>,
    keeper: Option<Keeper>,
    console_log: ConsoleLog,
    zoneid: u32,
    state: ZoneState,
    control: UnixListener,
    console_listener: UnixListener,
    client: Option<ConsoleClient>,
    /// The console's latest output, replayed to a client when it attaches (so one that comes
    /// a moment late still sees the login prompt).
    history: Vec<u8>,
    waiters: Vec<UnixStream>,
    shutdown: Option<Shutdown>,
    /// The pool the zone is bound to, when pools are active.
    pool: Option<String>,
    /// A warning for the administrator from the last ready (e.g. pool not found).
    warning: Option<String>,
    done: bool,
}

/// The zone's console pty and its keeper.
fn start_console(
    run: &RunDir,
    altroot: &std::path::Path,
    zone: &str,
    log: &mut dyn FnMut(&str),
) -> Result<(ConsolePty, Keeper), SupervisorError> {
    let console = ConsolePty::open().map_err(SupervisorError::Console)?;
    let keeper = Keeper::start(run, altroot, zone, &console, log)?;
    Ok((console, keeper))
}

fn bind(path: &std::path::Path) -> std::io::Result<UnixListener> {
    let _ = std::fs::remove_file(path);
    let l = UnixListener::bind(path)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// Run the supervisor of one zone until the zone is halted. Returns the process exit code.
pub fn run(args: SupervisorArgs, repo: &dyn Repository, log: &mut dyn FnMut(&str)) -> i32 {
    let run = RunDir::new(&args.altroot);
    let mut notify = args
        .notify
        .as_ref()
        .and_then(|fd| fd.try_clone().ok())
        .map(std::fs::File::from);
    let fail = |notify: &mut Option<std::fs::File>, msg: String| {
        if let Some(n) = notify.as_mut() {
            let _ = proto::send(n, &Response::error("installed", msg));
        }
        1
    };
    if let Err(e) = std::fs::create_dir_all(run.dir()) {
        return fail(&mut notify, format!("{}: {e}", run.dir().display()));
    }
    let backend = match crate::cgroup::probe() {
        Ok(b) => b,
        Err(e) => return fail(&mut notify, format!("cgroups: {e}")),
    };
    let adopting = args.first == Request::Adopt;
    // The keeper comes first: from here on, whatever we make of the zone has an owner even if
    // we are killed (an adopting supervisor takes over the dead one's keeper instead).
    let (console, keeper) = if adopting {
        (None, None)
    } else {
        match start_console(&run, &args.altroot, &args.zone, log) {
            Ok((c, k)) => (Some(c), Some(k)),
            Err(e) => return fail(&mut notify, e.to_string()),
        }
    };
    let (control, console_listener) = match (
        bind(&run.control_socket(&args.zone)),
        bind(&run.console_socket(&args.zone)),
    ) {
        (Ok(c), Ok(l)) => (c, l),
        (Err(e), _) | (_, Err(e)) => {
            if !adopting {
                run.remove(&args.zone);
            }
            if let Some(k) = keeper {
                k.stop();
            }
            return fail(&mut notify, format!("control sockets: {e}"));
        }
    };
    let console_log = ConsoleLog::open(ConsoleLog::path(&args.altroot, &args.zone));
    let mut sup = Supervisor {
        args,
        run,
        repo,
        backend,
        log,
        live: None,
        console,
        keeper,
        console_log,
        zoneid: 0,
        state: ZoneState::Installed,
        control,
        console_listener,
        client: None,
        history: Vec::new(),
        waiters: Vec::new(),
        shutdown: None,
        pool: None,
        warning: None,
        done: false,
    };
    let first = sup.args.first.clone();
    let resp = sup.handle(&first);
    // A failed start is cleaned up before zoneadm hears of it (and before the zone's lock
    // goes), so whoever looks next finds the zone installed and nothing of it left. A failed
    // adoption leaves the zone as it found it (zoneadm halts it without a supervisor).
    if !resp.ok && adopting {
        for p in [
            sup.run.control_socket(&sup.args.zone),
            sup.run.console_socket(&sup.args.zone),
        ] {
            let _ = std::fs::remove_file(p);
        }
        // The keeper keeps the console for the next try.
        drop(sup.keeper.take());
    } else if !resp.ok {
        sup.teardown();
    }
    // The lock goes before the answer: the zoneadm waiting for it exits on the answer, and a
    // command run right after must find the zone's lock free, not still held by us.
    sup.args.lock = None;
    if let Some(n) = notify.as_mut() {
        let _ = proto::send(n, &resp);
    }
    drop(notify);
    sup.args.notify = None;
    if !resp.ok {
        return 1;
    }
    sup.serve();
    0
}

impl Supervisor<'_> {
    fn logf(&mut self, msg: &str) {
        (self.log)(&format!("{}: {msg}", self.args.zone));
    }

    fn record(&self) -> Option<ZoneRecord> {
        let supervisor = ProcId::of(std::process::id() as i32)?;
        Some(ZoneRecord {
            zone: self.args.zone.clone(),
            zoneid: self.zoneid,
            state: self.state.as_str().to_string(),
            supervisor,
            init: self
                .live
                .as_ref()
                .and_then(|l| ProcId::of(l.process.pid.as_raw())),
            cgroups: self
                .live
                .as_ref()
                .map(|l| l.cgroup_dirs())
                .unwrap_or_default(),
            capabilities: self
                .live
                .as_ref()
                .map(|l| l.plan.capabilities())
                .unwrap_or_default(),
            no_new_privs: self.live.as_ref().is_some_and(|l| l.plan.no_new_privs()),
            brand: self
                .live
                .as_ref()
                .map(|l| l.plan.zone.brand.clone())
                .unwrap_or_default(),
            pool: self.pool.clone(),
            seccomp: self.live.as_ref().map(|l| l.seccomp.clone()),
            keeper: self.keeper.as_ref().map(|k| k.id),
        })
    }

    fn save_record(&mut self) {
        if let Some(rec) = self.record() {
            if let Err(e) = self.run.write(&rec) {
                self.logf(&format!("cannot write runtime record: {e}"));
            }
        }
    }

    /// Pick a zone id and claim it with our record, under the id lock.
    fn claim_zoneid(&mut self) -> Result<(), SupervisorError> {
        let lock_path = self.run.zoneid_lock();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| SupervisorError::Io {
                path: lock_path.clone(),
                source,
            })?;
        let _lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(
            |(_, errno)| SupervisorError::Lock {
                path: lock_path.clone(),
                errno,
            },
        )?;
        let used: Vec<u32> = self.run.ids_in_use().into_iter().filter(|_| true).collect();
        self.zoneid = record::free_zoneid(&used).ok_or(SupervisorError::NoZoneId)?;
        self.state = ZoneState::Ready;
        self.save_record();
        Ok(())
    }

    fn handle(&mut self, req: &Request) -> Response {
        let r = match req {
            Request::Status => Ok(()),
            Request::Adopt => self.do_adopt(),
            Request::Apply => self.do_apply(),
            Request::Bind { pool } => self.do_bind(pool),
            Request::Ready => self.do_ready(None),
            Request::Boot { args } => self.do_boot(args.clone()),
            Request::Halt => {
                self.teardown();
                Ok(())
            }
            Request::Reboot { args } => self.do_reboot(args.clone()),
            Request::Shutdown { .. } => Err(SupervisorError::Asynchronous),
        };
        match r {
            Ok(()) => {
                let mut resp = Response::ok(self.state.as_str());
                if req == &Request::Status {
                    resp.message = self.zoneid.to_string();
                } else if let Some(w) = self.warning.take() {
                    resp.message = w;
                }
                resp
            }
            Err(e) => {
                let msg = e.to_string();
                self.logf(&format!("{} failed: {msg}", req.verb()));
                Response::error(self.state.as_str(), msg)
            }
        }
    }

    /// Take over the running zone of a supervisor that died: its init (by pidfd, checked
    /// against the recorded start time), its cgroup, its console from the keeper, its id and
    /// pool from the record.
    fn do_adopt(&mut self) -> Result<(), SupervisorError> {
        let zone = self.args.zone.clone();
        let not_running = || SupervisorError::ZoneNotRunning(zone.clone());
        let rec = self.run.read(&zone).ok_or_else(not_running)?;
        if rec.supervisor.alive() {
            return Err(SupervisorError::Supervised(rec.supervisor.pid));
        }
        let init = rec.init.filter(|i| i.alive()).ok_or_else(not_running)?;
        let pidfd = crate::runtime::kernel::sys::pidfd_open(init.pid).map_err(|_| not_running())?;
        // The pidfd is checked after it is open: it cannot stand for a later process.
        if !init.alive() {
            return Err(not_running());
        }
        let plan =
            Config::load(self.repo, &zone)?.plan_adopted(&self.args.altroot, rec.pool.clone())?;
        let path = zone::cgroup_path(&self.args.altroot, &zone);
        let cgroup = self
            .backend
            .open(&path)
            .map_err(|source| SupervisorError::Cgroup {
                path: path.clone(),
                source,
            })?;
        if !cgroup.exists() {
            return Err(SupervisorError::CgroupGone(path));
        }
        match Keeper::adopt(&self.run, &zone) {
            Ok((keeper, console, recent)) => {
                remember(&mut self.history, &recent);
                self.keeper = Some(keeper);
                self.console = Some(console);
            }
            Err(e) => self.logf(&format!(
                "the console is lost ({e}); it comes back with the next boot"
            )),
        }
        self.zoneid = rec.zoneid;
        self.pool = rec.pool.clone();
        // Only a booted zone outlives its supervisor (a ready one waits for its boot order
        // and ends with the supervisor): whatever the record last said, it runs.
        self.state = ZoneState::Running;
        let process = ZoneProcess::adopted(nix::unistd::Pid::from_raw(init.pid), pidfd);
        // The compiled filter its first supervisor wrote stays valid for the zone's life.
        let seccomp = rec
            .seccomp
            .clone()
            .unwrap_or_else(|| self.run.seccomp_program(&self.args.zone));
        let net = crate::net::Network::adopt(&self.args.altroot, &zone, init.pid);
        self.live = Some(LiveZone::adopted(plan, cgroup, process, seccomp, net));
        self.save_record();
        self.logf(&format!(
            "adopted the running zone (init pid {}) of zoneadmd pid {}",
            init.pid, rec.supervisor.pid
        ));
        Ok(())
    }

    /// A console for the next boot, if the zone has none (it was adopted without one).
    fn ensure_console(&mut self) -> Result<(), SupervisorError> {
        if self.console.is_some() {
            return Ok(());
        }
        if let Some(k) = self.keeper.take() {
            k.stop();
        }
        let (console, keeper) =
            start_console(&self.run, &self.args.altroot, &self.args.zone, self.log)?;
        self.console = Some(console);
        self.keeper = Some(keeper);
        Ok(())
    }

    /// Make the zone (`ready`); with `boot_now`, boot it in the same go.
    fn do_ready(&mut self, boot_now: Option<Vec<String>>) -> Result<(), SupervisorError> {
        if self.live.is_some() {
            return Ok(());
        }
        let zone = self.args.zone.clone();
        let cfg = Config::load(self.repo, &zone)?;
        self.ensure_console()?;
        if self.zoneid == 0 {
            self.claim_zoneid()?;
        }
        // The pool binding comes before the plan, so the plan carries the zone's CPUs; it is
        // held (`pending`) until the zone's cgroup has them and the record names its pool.
        // From here on the zone is made from its plan alone.
        let Planned {
            plan,
            warning,
            binding: pending,
        } = cfg.plan(&self.args.altroot)?;
        let bound_pool = plan.zone.bound_pool.clone();
        let console = self
            .console
            .as_ref()
            .map(|c| c.slave_path.clone())
            .ok_or(SupervisorError::NoConsole)?;
        // The zone's process is recorded (and its keeper told) before it may outlive us.
        let template = self.record();
        let (run, keeper) = (&self.run, self.keeper.as_ref());
        let booting = boot_now.is_some();
        let on_spawn = |pid: nix::unistd::Pid, pidfd: std::os::fd::BorrowedFd<'_>| {
            if let Some(k) = keeper {
                k.watch(pidfd).map_err(|e| e.to_string())?;
            }
            let mut rec = template
                .clone()
                .ok_or("no process identity for the record")?;
            // Still `ready` while we live; should we die, a live init makes it `running`.
            rec.init = ProcId::of(pid.as_raw());
            run.write(&rec)
                .map_err(|e| format!("{}: {e}", run.record_path(&rec.zone).display()))
        };
        let made = zone::ready(ReadyArgs {
            syscall: &crate::runtime::kernel::syscall::LINUX,
            altroot: &self.args.altroot,
            plan,
            backend: self.backend.as_ref(),
            zinit: &self.args.zinit,
            boot_now: boot_now.clone(),
            console: &console,
            on_spawn: Some(&on_spawn),
        });
        // A zone not made releases its temporary pool again (`pending`, dropped).
        let live = made?;
        let turn = pending.keep();
        self.pool = bound_pool;
        if let Some(w) = &warning {
            self.logf(w);
        }
        self.warning = warning;
        self.live = Some(live);
        self.state = if booting {
            ZoneState::Running
        } else {
            ZoneState::Ready
        };
        self.save_record();
        drop(turn);
        self.balance_global();
        if booting {
            self.logf("zone booted");
        } else {
            self.console_notice("[NOTICE: Zone readied]");
            self.logf("zone ready");
        }
        Ok(())
    }

    fn do_boot(&mut self, args: Vec<String>) -> Result<(), SupervisorError> {
        if self.state == ZoneState::Running {
            return Err(SupervisorError::AlreadyBooted);
        }
        if self.live.is_none() {
            self.do_ready(Some(args))?;
            self.console_notice("[NOTICE: Zone booting up]");
            return Ok(());
        }
        let Some(live) = self.live.as_ref() else {
            return Err(SupervisorError::NotReady);
        };
        if let Err(e) = live.boot(args) {
            self.halt_processes();
            return Err(e.into());
        }
        self.state = ZoneState::Running;
        self.save_record();
        self.console_notice("[NOTICE: Zone booting up]");
        self.logf("zone booted");
        Ok(())
    }

    /// `zoneadm apply`: the configuration's current resource controls and pool binding on
    /// the running zone. Controls removed from the configuration are lifted.
    fn do_apply(&mut self) -> Result<(), SupervisorError> {
        let zone = self.args.zone.clone();
        let altroot = self.args.altroot.clone();
        let Some(live) = self.live.as_mut() else {
            return Err(SupervisorError::NotRunning);
        };
        let cfg = Config::load(self.repo, &zone)?;
        let old = live.plan.zone.pool.clone();
        if old != cfg.pool_binding() {
            let _ = planning::unbind(&altroot, &zone, &old);
        }
        let Planned {
            plan,
            warning,
            binding,
        } = cfg.plan(&altroot)?;
        // The binding stays even if applying fails: the zone runs on (its old controls).
        let turn = binding.keep();
        zone::apply_limits(live, &plan)?;
        self.pool = plan.zone.bound_pool.clone();
        live.plan = plan;
        self.warning = warning;
        self.save_record();
        drop(turn);
        self.logf("resource controls applied");
        Ok(())
    }

    /// `poolbind -i zoneid`: run the zone on `pool`'s CPUs until it halts.
    fn do_bind(&mut self, pool: &str) -> Result<(), SupervisorError> {
        let Some(live) = self.live.as_ref() else {
            return Err(SupervisorError::NotRunning);
        };
        let _turn = crate::pool::zones::lock_bindings(&self.args.altroot, false)?;
        let kernel = crate::pool::CpusetKernel::new(&self.args.altroot)?;
        let cpus = crate::pool::zones::pool_cpus_now(&self.args.altroot, kernel, pool)
            .map_err(SupervisorError::PoolCpus)?;
        live.cgroup.apply(&crate::cgroup::Limits {
            cpus: Some(crate::host::format_cpu_list(&cpus)),
            ..Default::default()
        })?;
        self.pool = Some(pool.to_string());
        self.save_record();
        self.logf(&format!("bound to pool {pool}"));
        Ok(())
    }

    fn do_reboot(&mut self, args: Vec<String>) -> Result<(), SupervisorError> {
        self.console_notice("[NOTICE: Zone rebooting]");
        self.halt_processes();
        self.do_boot(args)
    }

    fn console_notice(&mut self, text: &str) {
        // A client may be waiting to be accepted (attached before boot): it gets the notice.
        if self.client.is_none() {
            self.accept_console();
        }
        // The console takes the attached client's window size (it may be new: a zone adopted
        // without its keeper gets one at its next boot).
        if let (Some(c), Some(con)) = (self.client.as_ref(), self.console.as_ref()) {
            if let Some((rows, cols)) = c.winsize {
                let _ = console::set_winsize(con.master(), rows, cols);
            }
        }
        let line = format!("\r\n{text}\r\n");
        // Part of the console's output: logged, and replayed to a client that comes later.
        self.console_log.write(line.as_bytes());
        remember(&mut self.history, line.as_bytes());
        if let Some(c) = self.client.as_mut() {
            c.queue(line.as_bytes());
        }
    }

    /// Kill the zone's processes and remove its cgroup; the supervisor keeps running.
    fn halt_processes(&mut self) {
        if let Some(live) = self.live.take() {
            // An adopted zone's plan is today's configuration: its record says where it is.
            let temporary = matches!(live.plan.zone.pool, plan::PoolBinding::Dedicated { .. })
                || self
                    .pool
                    .as_deref()
                    .is_some_and(|p| crate::pool::zones::is_temporary_of(p, &self.args.zone));
            if let Err(e) = live.halt() {
                self.logf(&format!("halt: {e}"));
            }
            if temporary {
                let released = crate::pool::CpusetKernel::new(&self.args.altroot).and_then(|k| {
                    crate::pool::zones::release_temporary(&self.args.altroot, k, &self.args.zone)
                });
                if let Err(e) = released {
                    self.logf(&format!("halt: temporary pool: {e}"));
                }
            }
        }
        self.pool = None;
        self.state = ZoneState::Installed;
        self.balance_global();
    }

    /// The global zone's cpu-shares against the zones that run now.
    fn balance_global(&mut self) {
        let store = crate::store::Store::new(self.args.altroot.clone());
        if let Err(e) = crate::runtime::platform::global::balance(&store, self.backend.as_ref()) {
            self.logf(&format!("global zone cpu-shares: {e}"));
        }
    }

    /// Everything down, runtime files removed; the loop ends.
    fn teardown(&mut self) {
        self.console_notice("[NOTICE: Zone halted]");
        self.flush_client();
        self.halt_processes();
        // Anything a crashed earlier supervisor left in our cgroup goes too.
        let _ = zone::force_halt(
            &self.args.altroot,
            &self.args.zone,
            None,
            self.backend.as_ref(),
        );
        self.run.remove(&self.args.zone);
        // Last: had we died before this, the keeper would have cleaned up after us.
        if let Some(k) = self.keeper.take() {
            k.stop();
        }
        self.done = true;
        self.logf("zone halted");
    }

    fn start_shutdown(&mut self, reboot: bool, args: Vec<String>, waiter: UnixStream) {
        let Some(live) = self.live.as_ref() else {
            let mut w = waiter;
            let _ = proto::send(
                &mut w,
                &Response::error(self.state.as_str(), "zone is not running"),
            );
            return;
        };
        // The brand's: our init stops on SIGTERM, systemd powers off on SIGRTMIN+3.
        let sig = live.plan.zone.stop_signal;
        let _ = crate::runtime::kernel::sys::pidfd_kill(live.process.pidfd.as_fd(), sig);
        self.state = ZoneState::ShuttingDown;
        self.save_record();
        self.console_notice("[NOTICE: Zone shutting down]");
        self.waiters.push(waiter);
        if self.shutdown.is_none() {
            self.shutdown = Some(Shutdown {
                deadline: Instant::now() + SHUTDOWN_TIMEOUT,
                reboot,
                args,
            });
        }
    }

    /// The zone's init is gone (it exited, or shutdown timed out and we killed it).
    fn init_exited(&mut self) {
        use nix::sys::wait::WaitStatus;
        let status = self.live.as_ref().and_then(|live| {
            nix::sys::wait::waitpid(live.process.pid, Some(nix::sys::wait::WaitPidFlag::WNOHANG))
                .ok()
        });
        // Whether init stopped on its own (a shutdown that worked) is worth a line.
        match status {
            Some(WaitStatus::Exited(_, code)) => self.logf(&format!("init exited: status {code}")),
            Some(WaitStatus::Signaled(_, sig, _)) => {
                self.logf(&format!("init exited: killed by {sig}"))
            }
            _ => {}
        }
        let shutdown = self.shutdown.take();
        let resp = match shutdown {
            Some(Shutdown {
                reboot: true, args, ..
            }) => {
                self.halt_processes();
                match self.do_boot(args) {
                    Ok(()) => Response::ok(self.state.as_str()),
                    Err(e) => {
                        self.logf(&format!("reboot failed: {e}"));
                        self.teardown();
                        Response::error("installed", e.to_string())
                    }
                }
            }
            _ => {
                self.teardown();
                Response::ok("installed")
            }
        };
        for mut w in std::mem::take(&mut self.waiters) {
            let _ = proto::send(&mut w, &resp);
        }
    }

    fn serve(&mut self) {
        let mut buf = vec![0u8; 16 * 1024];
        while !self.done {
            let timeout = match &self.shutdown {
                Some(s) => {
                    let left = s.deadline.saturating_duration_since(Instant::now());
                    PollTimeout::try_from(left.as_millis().min(60_000) as i32)
                        .unwrap_or(PollTimeout::MAX)
                }
                None => PollTimeout::NONE,
            };
            let (ctl_ev, con_ev, master_ev, client_ev, init_ev) = {
                let mut fds = vec![
                    PollFd::new(self.control.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.console_listener.as_fd(), PollFlags::POLLIN),
                ];
                let master_i = self.console.as_ref().map(|c| {
                    fds.push(PollFd::new(c.master(), PollFlags::POLLIN));
                    fds.len() - 1
                });
                let client_i = self.client.as_ref().map(|c| {
                    let mut ev = PollFlags::POLLIN;
                    if !c.pending.is_empty() {
                        ev |= PollFlags::POLLOUT;
                    }
                    fds.push(PollFd::new(c.stream.as_fd(), ev));
                    fds.len() - 1
                });
                let init_i = self
                    .live
                    .as_ref()
                    .filter(|_| self.state >= ZoneState::Running)
                    .map(|l| {
                        fds.push(PollFd::new(l.process.pidfd.as_fd(), PollFlags::POLLIN));
                        fds.len() - 1
                    });
                match poll(&mut fds, timeout) {
                    Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                    Err(e) => {
                        (self.log)(&format!("poll: {e}"));
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    }
                }
                let ev = |i: Option<usize>| {
                    i.and_then(|i| fds[i].revents())
                        .unwrap_or(PollFlags::empty())
                };
                (
                    ev(Some(0)),
                    ev(Some(1)),
                    ev(master_i),
                    ev(client_i),
                    ev(init_i),
                )
            };
            if !init_ev.is_empty() {
                self.init_exited();
                continue;
            }
            if let Some(s) = &self.shutdown {
                if Instant::now() >= s.deadline {
                    self.logf("shutdown timed out; halting");
                    if let Some(l) = self.live.as_ref() {
                        l.process.kill();
                    }
                    self.init_exited();
                    continue;
                }
            }
            if !master_ev.is_empty() {
                self.console_output(&mut buf);
            }
            if !client_ev.is_empty() {
                self.client_io(client_ev, &mut buf);
            }
            if !con_ev.is_empty() {
                self.accept_console();
            }
            if !ctl_ev.is_empty() {
                self.accept_control();
            }
        }
        self.flush_client();
    }

    /// Console output is always read, so the zone never blocks on its console; it goes to
    /// the console log and the attached client.
    fn console_output(&mut self, buf: &mut [u8]) {
        let Some(con) = self.console.as_ref() else {
            return;
        };
        let Ok(n) = nix::unistd::read(con.master(), buf) else {
            return;
        };
        remember(&mut self.history, &buf[..n]);
        self.console_log.write(&buf[..n]);
        // Output is only lost when nobody listens: not when a client waits to be accepted.
        if self.client.is_none() && n > 0 {
            self.accept_console();
        }
        if let Some(c) = self.client.as_mut() {
            c.queue(&buf[..n]);
        }
    }

    fn client_io(&mut self, ev: PollFlags, buf: &mut [u8]) {
        let Some(c) = self.client.as_mut() else {
            return;
        };
        if ev.contains(PollFlags::POLLOUT) && !c.pending.is_empty() {
            match c.stream.write(&c.pending) {
                Ok(n) => {
                    c.pending.drain(..n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    self.client = None;
                    return;
                }
            }
        }
        if !ev.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            return;
        }
        let frames = match c.stream.read(buf) {
            Ok(0) => None,
            Ok(n) => c.decoder.feed(&buf[..n]).ok(),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Some(Vec::new()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Some(Vec::new()),
            Err(_) => None,
        };
        // Gone, or speaking something else than the console protocol: drop it.
        let Some(frames) = frames else {
            self.client = None;
            return;
        };
        for f in &frames {
            if let ConsoleFrame::Winsize { rows, cols } = f {
                c.winsize = Some((*rows, *cols));
            }
        }
        // Keystrokes reach a zone that exists; between boots they are dropped.
        let Some(master) = self
            .console
            .as_ref()
            .filter(|_| self.live.is_some())
            .map(|c| c.master())
        else {
            return;
        };
        for f in frames {
            match f {
                ConsoleFrame::Data(d) => write_all_fd(master, &d),
                ConsoleFrame::Winsize { rows, cols } => {
                    let _ = console::set_winsize(master, rows, cols);
                }
            }
        }
    }

    /// Hand the client what is pending (the halt notice, typically) before the supervisor
    /// goes away, waiting at most `CONSOLE_FLUSH_WAIT` for a slow client.
    fn flush_client(&mut self) {
        let Some(c) = self.client.as_mut() else {
            return;
        };
        let deadline = Instant::now() + CONSOLE_FLUSH_WAIT;
        let _ = c.stream.set_nonblocking(true);
        while !c.pending.is_empty() {
            match c.stream.write(&c.pending) {
                Ok(n) => {
                    c.pending.drain(..n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    let mut fds = [PollFd::new(c.stream.as_fd(), PollFlags::POLLOUT)];
                    let _ = poll(
                        &mut fds,
                        PollTimeout::try_from(left).unwrap_or(PollTimeout::ZERO),
                    );
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        c.pending.clear();
    }

    /// A new console client: it gets the console (`OK`), or, while another live client holds
    /// it, `BUSY <pid>` and is closed. A client that went away without us noticing yet (it
    /// died, or detached a moment ago) does not keep the console busy.
    fn accept_console(&mut self) {
        let Ok((mut stream, _)) = self.console_listener.accept() else {
            return;
        };
        if self
            .client
            .as_ref()
            .is_some_and(|c| client_departed(&c.stream))
        {
            self.client = None;
        }
        let _ = stream.set_write_timeout(Some(CONSOLE_FLUSH_WAIT));
        if let Some(c) = self.client.as_ref() {
            let busy = proto::ConsoleGreeting::Busy(c.pid.to_string());
            let _ = stream.write_all(busy.line().as_bytes());
            return;
        }
        if stream
            .write_all(proto::ConsoleGreeting::Ok.line().as_bytes())
            .is_err()
            || stream.set_nonblocking(true).is_err()
        {
            return;
        }
        let pid = peer_pid(&stream).unwrap_or(0);
        self.client = Some(ConsoleClient {
            stream,
            decoder: ConsoleDecoder::default(),
            pending: self.history.clone(),
            pid,
            winsize: None,
        });
    }

    fn accept_control(&mut self) {
        let Ok((mut stream, _)) = self.control.accept() else {
            return;
        };
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let Ok(req) = proto::recv::<Request>(&mut stream) else {
            return;
        };
        match req {
            Request::Shutdown { reboot, args } => {
                let _ = stream.set_read_timeout(None);
                self.start_shutdown(reboot, args, stream);
            }
            other => {
                let resp = self.handle(&other);
                let _ = proto::send(&mut stream, &resp);
            }
        }
    }
}

impl ConsoleClient {
    /// Queue output for the client, dropping the oldest beyond `CONSOLE_BACKLOG`.
    fn queue(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > CONSOLE_BACKLOG {
            let excess = self.pending.len() - CONSOLE_BACKLOG;
            self.pending.drain(..excess);
        }
    }
}

/// Whether a console client's end is closed (POLLHUP/POLLERR without waiting). A unix
/// stream socket whose peer closed reports POLLHUP. (Not POLLRDHUP: nix has no name for it,
/// and `revents()` is `None` for bits it does not know, which hid every departure.)
fn client_departed(s: &UnixStream) -> bool {
    // Raw poll: nix knows no POLLRDHUP, and its `revents()` gives `None` (no event at all)
    // exactly when the kernel reports one.
    let mut p = libc::pollfd {
        fd: s.as_raw_fd(),
        events: libc::POLLIN | libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: one valid pollfd, for the length we pass.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n > 0 && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLRDHUP) != 0
}

/// Keystrokes for the zone console. The master is non-blocking; when the zone does not read
/// its console and the pty is full, wait at most `CONSOLE_INPUT_WAIT`, then drop the rest.
/// How much recent console output a new client is shown.
const HISTORY: usize = 2048;

/// Keep the last `HISTORY` bytes of console output.
fn remember(history: &mut Vec<u8>, out: &[u8]) {
    history.extend_from_slice(out);
    if history.len() > HISTORY {
        let cut = history.len() - HISTORY;
        history.drain(..cut);
    }
}

fn write_all_fd(fd: std::os::fd::BorrowedFd<'_>, mut data: &[u8]) {
    let deadline = Instant::now() + CONSOLE_INPUT_WAIT;
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::EAGAIN) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return;
                }
                let mut fds = [PollFd::new(fd, PollFlags::POLLOUT)];
                let _ = poll(
                    &mut fds,
                    PollTimeout::try_from(left).unwrap_or(PollTimeout::ZERO),
                );
            }
            Err(_) => return,
        }
    }
}

fn peer_pid(s: &UnixStream) -> Option<i32> {
    nix::sys::socket::getsockopt(&s.as_fd(), nix::sys::socket::sockopt::PeerCredentials)
        .ok()
        .map(|c| c.pid())
        .filter(|_| s.as_raw_fd() >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_console_client_is_seen_as_departed() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        assert!(!client_departed(&ours));
        // Unread input does not make a live client look gone.
        (&theirs).write_all(b"typed").unwrap();
        assert!(!client_departed(&ours));
        drop(theirs);
        assert!(client_departed(&ours));
    }

    #[test]
    fn history_keeps_the_latest_output() {
        let mut h = Vec::new();
        remember(&mut h, &[b'a'; HISTORY]);
        remember(&mut h, b"tail");
        assert_eq!(h.len(), HISTORY);
        assert!(h.ends_with(b"tail"));
    }
}
