//! A zone that exists in the kernel, as its supervisor holds it: the plan it was made from, its
//! cgroup and its pid 1 (the console is the supervisor's: it outlives reboots). `ready` builds
//! it step by step and undoes every step already done when a later one fails; `halt` takes it
//! all down.

use super::spawn::{self, OnSpawn, SpawnArgs, ZoneProcess};
use crate::cgroup::{self, Cgroup, CgroupBackend, Controller, Limits};
use crate::plan::{Plan, ZoneLimits};
use crate::runtime::kernel::sealed::{self, SealError};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Which step of making a zone failed.
#[derive(Debug, thiserror::Error)]
pub enum ZoneError {
    #[error("cgroup {path}: {source}")]
    Cgroup {
        path: String,
        #[source]
        source: cgroup::CgroupError,
    },
    #[error("{path}: {source}")]
    Init {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Spawn(#[from] spawn::SpawnError),
    #[error(transparent)]
    Seccomp(#[from] crate::seccomp::SeccompError),
    #[error(transparent)]
    Sealed(#[from] SealError),
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
}

/// The cgroup path of a zone: `<parent>/<zone>` where the parent is per alternate root.
pub fn cgroup_path(altroot: &Path, zone: &str) -> String {
    format!("{}/{}", cgroup::parent_name(altroot, "zones"), zone)
}

/// The cgroup limits of a zone. Zones without `cpu-shares` get Solaris' default of one share,
/// so every zone competes with its siblings on the same scale.
pub fn cgroup_limits(l: &ZoneLimits, cpus: Option<String>) -> Limits {
    Limits {
        cpu_shares: Some(l.cpu_shares.unwrap_or(1).min(cgroup::MAX_SHARES as u64) as u32),
        cpu_cap_percent: l.cpu_cap.map(|c| c.min(u32::MAX as u64) as u32),
        cpus,
        mems: None,
        memory_limit: l.memory,
        memory_swap_limit: l.swap,
        pids_max: l.pids,
    }
}

/// The limits of a running zone after `apply`: like `cgroup_limits`, but every control that
/// is not configured is lifted explicitly (it may have been set before).
pub fn cgroup_limits_full(l: &ZoneLimits, cpus: Option<String>) -> Limits {
    let mut limits = cgroup_limits(l, cpus);
    limits.cpu_cap_percent = limits.cpu_cap_percent.or(Some(cgroup::UNCAPPED));
    limits.memory_limit = limits.memory_limit.or(Some(cgroup::UNLIMITED));
    limits.memory_swap_limit = limits.memory_swap_limit.or(Some(cgroup::UNLIMITED));
    limits.pids_max = limits.pids_max.or(Some(cgroup::UNLIMITED));
    limits
}

/// Apply `plan`'s resource controls to the running zone `live`: cgroup limits, the IPC
/// sysctls (inside the zone's IPC namespace) and the locked-memory rlimit of every process.
pub fn apply_limits(live: &LiveZone, plan: &Plan, cpus: Option<String>) -> Result<(), ZoneError> {
    let path = live.cgroup.path().to_string();
    let cgerr = |source| ZoneError::Cgroup {
        path: path.clone(),
        source,
    };
    let mut limits = cgroup_limits_full(&plan.zone.limits, cpus);
    if let Err(e) = live.cgroup.apply(&limits) {
        // Hosts without swap accounting have no memory+swap limit to lift.
        if !matches!(e, cgroup::CgroupError::Unsupported { .. }) || plan.zone.limits.swap.is_some()
        {
            return Err(cgerr(e));
        }
        limits.memory_swap_limit = None;
        live.cgroup.apply(&limits).map_err(cgerr)?;
    }
    if let Some(sysctl) = plan.spec.linux().as_ref().and_then(|l| l.sysctl().as_ref()) {
        crate::runtime::kernel::sysctl::write_in_zone(live.process.pidfd.as_fd(), sysctl).map_err(
            |source| ZoneError::Init {
                path: PathBuf::from("/proc/sys/kernel"),
                source,
            },
        )?;
    }
    let memlock = plan.zone.limits.locked.unwrap_or(libc::RLIM_INFINITY);
    for pid in live.cgroup.pids().unwrap_or_default() {
        let lim = libc::rlimit {
            rlim_cur: memlock,
            rlim_max: memlock,
        };
        // SAFETY: prlimit reads the rlimit we pass; a vanished pid just fails.
        unsafe {
            libc::prlimit(
                pid as libc::pid_t,
                libc::RLIMIT_MEMLOCK,
                &lim,
                std::ptr::null_mut(),
            )
        };
    }
    Ok(())
}

/// A zone in state ready or running.
pub struct LiveZone {
    pub plan: Plan,
    pub cgroup: Box<dyn Cgroup>,
    pub process: ZoneProcess,
    /// The zone's compiled seccomp filter, for the processes that enter it.
    pub seccomp: PathBuf,
    zinit: Option<OwnedFd>,
    /// The zone's links and addresses (see `net`), released before its processes end.
    net: Option<crate::net::Network>,
}

/// Everything `ready` needs from the supervisor.
pub struct ReadyArgs<'a> {
    pub altroot: &'a Path,
    pub plan: Plan,
    pub backend: &'a dyn CgroupBackend,
    /// Our built-in init binary (for brands with `InitKind::Builtin`).
    pub zinit: &'a Path,
    /// CPUs of the processor set the zone is bound to, if not the default.
    pub cpus: Option<String>,
    /// Go on to boot with these arguments (see `SpawnArgs::boot_now`).
    pub boot_now: Option<Vec<String>>,
    /// Host path of the console pty slave (the zone's `/dev/console`).
    pub console: &'a Path,
    /// See `SpawnArgs::on_spawn`.
    pub on_spawn: Option<&'a OnSpawn<'a>>,
}

/// Bring a zone to `ready`: cgroup, console, namespaces and root, init not yet started.
pub fn ready(args: ReadyArgs<'_>) -> Result<LiveZone, ZoneError> {
    let name = args.plan.zone.name.clone();
    let run = crate::store::record::RunDir::new(args.altroot);
    let (seccomp, seccomp_path) = crate::runtime::kernel::filter::prepare(&run, &args.plan)?;
    let path = cgroup_path(args.altroot, &name);
    let cgerr = |source| ZoneError::Cgroup {
        path: path.clone(),
        source,
    };
    let cg = args
        .backend
        .create_everywhere(&path, &Controller::ZONE)
        .map_err(cgerr)?;
    // From here on, failure removes the cgroup again.
    let undo_cgroup = |e: ZoneError, cg: &dyn Cgroup| {
        let _ = cg.remove();
        e
    };
    if let Err(e) = cg.apply(&cgroup_limits(&args.plan.zone.limits, args.cpus.clone())) {
        return Err(undo_cgroup(cgerr(e), cg.as_ref()));
    }
    if let Err(e) = cgroup::devices::from_spec(&args.plan.spec).and_then(|r| cg.apply_devices(&r)) {
        return Err(undo_cgroup(cgerr(e), cg.as_ref()));
    }
    // What the zone's pid 1 executes: sealed copies, never a host file (see `sealed`).
    let zinit = match args.plan.zone.init {
        crate::brand::InitKind::Builtin => {
            match sealed::shared_copy_of(args.zinit, c"zinit", running_inits(args.altroot)) {
                Ok(fd) => Some(fd),
                Err(e) => return Err(undo_cgroup(e.into(), cg.as_ref())),
            }
        }
        crate::brand::InitKind::Program(_) => None,
    };
    let launcher = match sealed::launcher() {
        Ok(fd) => fd,
        Err(e) => return Err(undo_cgroup(e.into(), cg.as_ref())),
    };
    let join = match super::cgjoin::Join::open(&cg.dirs()) {
        Ok(files) => files,
        Err((path, source)) => {
            return Err(undo_cgroup(ZoneError::Init { path, source }, cg.as_ref()))
        }
    };
    // The network is made once the zone's process (and so its namespace) exists, before it
    // may run anything: `net::apply` from the plan.
    let net = std::cell::RefCell::new(None);
    let net_error = std::cell::RefCell::new(None);
    let with_net = |pid: nix::unistd::Pid, pidfd: std::os::fd::BorrowedFd<'_>| {
        if let Some(hook) = args.on_spawn {
            hook(pid, pidfd)?;
        }
        match crate::net::apply::apply(args.altroot, &name, &args.plan.zone.net, pid.as_raw()) {
            Ok(n) => {
                *net.borrow_mut() = Some(n);
                Ok(())
            }
            Err(e) => {
                let text = e.to_string();
                *net_error.borrow_mut() = Some(e);
                Err(text)
            }
        }
    };
    let spawn_args = SpawnArgs {
        plan: &args.plan,
        console: Some(args.console),
        zinit: zinit.as_ref().map(|f| f.as_fd()),
        launcher: launcher.as_fd(),
        cgroups: &join,
        boot_now: args.boot_now.clone(),
        seccomp: &seccomp,
        on_spawn: Some(&with_net),
    };
    let process = match spawn::spawn(&spawn_args) {
        Ok(p) => p,
        Err(e) => {
            // Whatever network was made goes (the namespace is still held open).
            if let Some(n) = net.borrow_mut().take() {
                let _ = n.release();
            }
            let e = match net_error.borrow_mut().take() {
                Some(ne) => ZoneError::Net(ne),
                None => e.into(),
            };
            return Err(undo_cgroup(e, cg.as_ref()));
        }
    };
    let net = net.into_inner();
    Ok(LiveZone {
        plan: args.plan,
        cgroup: cg,
        process,
        seccomp: seccomp_path,
        zinit,
        net,
    })
}

/// `/proc/<pid>/exe` of the init of every running zone under `altroot`, read lazily: where
/// a sealed copy of zinit that a new zone can share may be found.
fn running_inits(altroot: &Path) -> impl Iterator<Item = PathBuf> {
    let run = crate::store::record::RunDir::new(altroot);
    let names: Vec<String> = std::fs::read_dir(run.dir())
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let zone = name.strip_suffix(".state")?;
                    (!zone.starts_with('.')).then(|| zone.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    names.into_iter().filter_map(move |zone| {
        let init = run.read(&zone)?.init.filter(|i| i.alive())?;
        Some(PathBuf::from(format!("/proc/{}/exe", init.pid)))
    })
}

impl LiveZone {
    /// A running zone whose supervisor died, as the supervisor that adopts it holds it.
    pub fn adopted(
        plan: Plan,
        cgroup: Box<dyn Cgroup>,
        process: ZoneProcess,
        seccomp: PathBuf,
        net: Option<crate::net::Network>,
    ) -> LiveZone {
        LiveZone {
            plan,
            cgroup,
            process,
            seccomp,
            zinit: None,
            net,
        }
    }

    /// Start init (`ready` → `running`). On failure the zone's processes are gone; the
    /// caller halts.
    pub fn boot(&self, args: Vec<String>) -> Result<(), ZoneError> {
        Ok(self.process.boot(args)?)
    }

    /// Release the zone's network (moved NICs go back while its namespace lives), kill every
    /// process of the zone and remove its cgroup.
    pub fn halt(mut self) -> Result<(), ZoneError> {
        let net = self.net.take().map(|n| n.release()).unwrap_or(Ok(()));
        self.process.kill();
        let path = self.cgroup.path().to_string();
        drop(self.zinit);
        self.cgroup
            .remove()
            .map_err(|source| ZoneError::Cgroup { path, source })?;
        Ok(net?)
    }

    /// The zone's cgroup directories (for the runtime record).
    pub fn cgroup_dirs(&self) -> Vec<PathBuf> {
        self.cgroup.dirs()
    }
}

/// Halt a zone without its supervisor (dead, or killed half-way through a boot): kill its
/// pid 1 if it still is the recorded process, then everything in its cgroup, and remove the
/// cgroup. Works from the configuration alone when there is no record.
pub fn force_halt(
    altroot: &Path,
    zone: &str,
    init: Option<crate::store::record::ProcId>,
    backend: &dyn CgroupBackend,
) -> Result<(), ZoneError> {
    // The network first: a NIC moved into the zone goes back while its namespace lives.
    let live = init.filter(|i| i.alive()).map(|i| i.pid);
    let net = crate::net::release_orphan(altroot, zone, live);
    if let Some(init) = init.filter(|i| i.alive()) {
        if let Ok(fd) = crate::runtime::kernel::sys::pidfd_open(init.pid) {
            // The pidfd refers to the process we checked, even if it exits and its pid is
            // reused right now.
            if init.alive() {
                let _ = crate::runtime::kernel::sys::pidfd_kill(fd.as_fd(), libc::SIGKILL);
            }
        }
    }
    let path = cgroup_path(altroot, zone);
    let cg = backend.open(&path).map_err(|source| ZoneError::Cgroup {
        path: path.clone(),
        source,
    })?;
    cg.remove().map_err(|source| ZoneError::Cgroup {
        path: path.clone(),
        source,
    })?;
    // The per-root parent goes with the last zone (rmdir only: a zone being made under it
    // keeps it).
    let parent = cgroup::parent_name(altroot, "zones");
    if let Ok(p) = backend.open(&parent) {
        let _ = p.remove_if_empty();
    }
    Ok(net?)
}
