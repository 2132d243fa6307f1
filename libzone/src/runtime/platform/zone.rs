//! A zone that exists in the kernel, as its supervisor holds it: the plan it was made from, its
//! cgroup and its pid 1 (the console is the supervisor's: it outlives reboots). `ready` builds
//! it step by step and undoes every step already done when a later one fails; `halt` takes it
//! all down.

use super::spawn::{self, OnSpawn, SpawnArgs, ZoneProcess};
use crate::cgroup::{self, Cgroup, CgroupBackend, Controller, Limits};
use crate::plan::Plan;
use crate::runtime::kernel::sealed::{self, SealError};
use crate::runtime::kernel::syscall::Syscall;
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
    /// A step failed and undoing the earlier ones failed too.
    #[error("{error} (and removing cgroup {path} failed: {cleanup})")]
    Undo {
        #[source]
        error: Box<ZoneError>,
        path: String,
        cleanup: cgroup::CgroupError,
    },
}

/// The cgroup path of a zone: `<parent>/<zone>` where the parent is per alternate root.
pub fn cgroup_path(altroot: &Path, zone: &str) -> String {
    format!("{}/{}", cgroup::parent_name(altroot, "zones"), zone)
}

/// The cgroup limits of a zone: the plan's `linux.resources`, as any OCI runtime reads them
/// (CPU shares, cap and CPUs, memory, swap, pids). Every plan has CPU shares (Solaris'
/// default of one share when none is configured), so every zone competes with its siblings
/// on the same scale.
pub fn cgroup_limits(plan: &Plan) -> Result<Limits, cgroup::CgroupError> {
    plan.resources()
        .map(Limits::from_oci)
        .unwrap_or_else(|| Ok(Limits::default()))
}

/// The limits of a running zone after `apply`: like `cgroup_limits`, but every control the
/// plan leaves out is lifted explicitly (it may have been set before): no cap, no memory,
/// swap or pids limit, every CPU in `online`.
pub fn cgroup_limits_full(plan: &Plan, online: &[u32]) -> Result<Limits, cgroup::CgroupError> {
    let mut limits = cgroup_limits(plan)?;
    limits.cpu_cap_percent = limits.cpu_cap_percent.or(Some(cgroup::UNCAPPED));
    limits.memory_limit = limits.memory_limit.or(Some(cgroup::UNLIMITED));
    limits.memory_swap_limit = limits.memory_swap_limit.or(Some(cgroup::UNLIMITED));
    limits.pids_max = limits.pids_max.or(Some(cgroup::UNLIMITED));
    limits.cpus = limits
        .cpus
        .or_else(|| Some(crate::host::format_cpu_list(online)));
    Ok(limits)
}

/// Apply `plan`'s resource controls to the running zone `live`: cgroup limits, the IPC
/// sysctls (inside the zone's IPC namespace) and the locked-memory rlimit of every process.
pub fn apply_limits(live: &LiveZone, plan: &Plan) -> Result<(), ZoneError> {
    let path = live.cgroup.path().to_string();
    let cgerr = |source| ZoneError::Cgroup {
        path: path.clone(),
        source,
    };
    let mut limits = cgroup_limits_full(plan, &crate::host::online_cpus()).map_err(cgerr)?;
    if let Err(e) = live.cgroup.apply(&limits) {
        // Hosts without swap accounting have no memory+swap limit to lift.
        if !matches!(e, cgroup::CgroupError::Unsupported { .. }) || plan.limits().swap.is_some() {
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
    let memlock = plan.limits().locked.unwrap_or(libc::RLIM_INFINITY);
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
    /// The system calls of the set-up (see `kernel::syscall`).
    pub syscall: &'a dyn Syscall,
    pub altroot: &'a Path,
    pub plan: Plan,
    pub backend: &'a dyn CgroupBackend,
    /// Our built-in init binary (for brands with `InitKind::Builtin`).
    pub zinit: &'a Path,
    /// Go on to boot with these arguments (see `SpawnArgs::boot_now`).
    pub boot_now: Option<Vec<String>>,
    /// Host path of the console pty slave (the zone's `/dev/console`).
    pub console: &'a Path,
    /// See `SpawnArgs::on_spawn`.
    pub on_spawn: Option<&'a OnSpawn<'a>>,
}

/// Bring a zone to `ready`: cgroup, console, namespaces and root, init not yet started.
/// A failed step undoes what the earlier ones made (the cgroup, through [`CgroupGuard`];
/// the zone's process is the set-up's own to kill); should the undo fail as well, the error
/// says so next to the step's.
pub fn ready(args: ReadyArgs<'_>) -> Result<LiveZone, ZoneError> {
    let run = crate::store::record::RunDir::new(args.altroot);
    let (seccomp, seccomp_path) = crate::runtime::kernel::filter::prepare(&run, &args.plan)?;
    let path = cgroup_path(args.altroot, &args.plan.zone.name);
    let cg = args
        .backend
        .create_everywhere(&path, &Controller::ZONE)
        .map_err(|source| ZoneError::Cgroup {
            path: path.clone(),
            source,
        })?;
    let guard = CgroupGuard::new(cg.as_ref());
    match make(&args, cg.as_ref(), &seccomp) {
        Ok((process, zinit, net)) => {
            guard.disarm();
            Ok(LiveZone {
                plan: args.plan,
                cgroup: cg,
                process,
                seccomp: seccomp_path,
                zinit,
                net,
            })
        }
        Err(error) => Err(guard.undo(error)),
    }
}

/// The steps of `ready` after the cgroup exists: its limits and device rules, the sealed
/// programs the zone's init runs from, and the zone's process.
fn make(
    args: &ReadyArgs<'_>,
    cg: &dyn Cgroup,
    seccomp: &crate::seccomp::CompiledFilter,
) -> Result<(ZoneProcess, Option<OwnedFd>, Option<crate::net::Network>), ZoneError> {
    let cgerr = |source| ZoneError::Cgroup {
        path: cg.path().to_string(),
        source,
    };
    cgroup_limits(&args.plan)
        .and_then(|l| cg.apply(&l))
        .map_err(cgerr)?;
    cgroup::devices::from_spec(&args.plan.spec)
        .and_then(|r| cg.apply_devices(&r))
        .map_err(cgerr)?;
    // What the zone's pid 1 executes: sealed copies, never a host file (see `sealed`).
    let zinit = match args.plan.zone.init {
        crate::brand::InitKind::Builtin => Some(sealed::shared_copy_of(
            args.zinit,
            c"zinit",
            running_inits(args.altroot),
        )?),
        crate::brand::InitKind::Program(_) => None,
    };
    let launcher = sealed::launcher()?;
    let join = super::cgjoin::Join::open(&cg.dirs())
        .map_err(|(path, source)| ZoneError::Init { path, source })?;
    // The network is made once the zone's process (and so its namespace) exists, before it
    // may run anything: `net::apply` from the plan.
    let net = std::cell::RefCell::new(None);
    let net_error = std::cell::RefCell::new(None);
    let with_net = |pid: nix::unistd::Pid, pidfd: std::os::fd::BorrowedFd<'_>| {
        if let Some(hook) = args.on_spawn {
            hook(pid, pidfd)?;
        }
        let zone = &args.plan.zone;
        match crate::net::apply::apply(args.altroot, &zone.name, &zone.net, pid.as_raw()) {
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
        syscall: args.syscall,
        plan: &args.plan,
        console: Some(args.console),
        zinit: zinit.as_ref().map(|f| f.as_fd()),
        launcher: launcher.as_fd(),
        cgroups: &join,
        boot_now: args.boot_now.clone(),
        seccomp,
        on_spawn: Some(&with_net),
    };
    let process = match spawn::spawn(&spawn_args) {
        Ok(p) => p,
        Err(e) => {
            // Whatever network was made goes (the namespace is still held open).
            if let Some(n) = net.borrow_mut().take() {
                let _ = n.release();
            }
            return Err(match net_error.borrow_mut().take() {
                Some(ne) => ZoneError::Net(ne),
                None => e.into(),
            });
        }
    };
    Ok((process, zinit, net.into_inner()))
}

/// Removes a zone's cgroup (killing what is in it) unless disarmed: what a failed or
/// abandoned `ready` leaves behind, also on a panic.
pub struct CgroupGuard<'a> {
    cgroup: &'a dyn Cgroup,
    armed: bool,
}

impl<'a> CgroupGuard<'a> {
    pub fn new(cgroup: &'a dyn Cgroup) -> CgroupGuard<'a> {
        CgroupGuard {
            cgroup,
            armed: true,
        }
    }

    /// The zone is made: the cgroup stays.
    pub fn disarm(mut self) {
        self.armed = false;
    }

    /// Remove the cgroup now, because of `error`: the error, with the removal's failure
    /// next to it if it failed too.
    pub fn undo(mut self, error: ZoneError) -> ZoneError {
        self.armed = false;
        match self.cgroup.remove() {
            Ok(()) => error,
            Err(cleanup) => ZoneError::Undo {
                error: Box::new(error),
                path: self.cgroup.path().to_string(),
                cleanup,
            },
        }
    }
}

impl Drop for CgroupGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.cgroup.remove();
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::{CgroupError, DeviceRule, Mode, Usage};
    use crate::config::{Mcap, Rctl, RctlValue, ZoneConfig};
    use crate::host::HostFacts;
    use crate::plan::{compile, compile_bound, Placement};
    use crate::runtime::kernel::fake::Recorder;
    use nix::errno::Errno;
    use std::sync::Arc;

    /// A cgroup back end that writes what it is asked into the recorder's sequence (so one
    /// list shows cgroup and system calls in their order), and fails where it says.
    #[derive(Debug)]
    struct Cgroups {
        rec: Arc<Recorder>,
        dirs: Vec<PathBuf>,
    }

    #[derive(Debug)]
    struct Group {
        rec: Arc<Recorder>,
        path: String,
        dirs: Vec<PathBuf>,
    }

    fn cgfail(path: &str, e: Errno) -> CgroupError {
        CgroupError::Io {
            path: PathBuf::from(path),
            source: std::io::Error::from_raw_os_error(e as i32),
        }
    }

    impl CgroupBackend for Cgroups {
        fn mode(&self) -> Mode {
            Mode::V1
        }
        fn create(&self, path: &str, c: &[Controller]) -> cgroup::Result<Box<dyn Cgroup>> {
            self.create_everywhere(path, c)
        }
        fn create_everywhere(
            &self,
            path: &str,
            _: &[Controller],
        ) -> cgroup::Result<Box<dyn Cgroup>> {
            self.rec
                .note(format!("cgroup create {path}"))
                .map_err(|e| cgfail(path, e))?;
            Ok(Box::new(Group {
                rec: self.rec.clone(),
                path: path.to_string(),
                dirs: self.dirs.clone(),
            }))
        }
        fn open(&self, path: &str) -> cgroup::Result<Box<dyn Cgroup>> {
            Ok(Box::new(Group {
                rec: self.rec.clone(),
                path: path.to_string(),
                dirs: self.dirs.clone(),
            }))
        }
        fn list(&self, _: &str) -> cgroup::Result<Vec<String>> {
            Ok(Vec::new())
        }
        fn move_to_root(&self, _: u32, _: &[Controller]) -> cgroup::Result<()> {
            Ok(())
        }
    }

    impl Group {
        fn note(&self, what: &str) -> cgroup::Result<()> {
            self.rec
                .note(format!("cgroup {what} {}", self.path))
                .map_err(|e| cgfail(&self.path, e))
        }
    }

    impl Cgroup for Group {
        fn path(&self) -> &str {
            &self.path
        }
        fn dirs(&self) -> Vec<PathBuf> {
            self.dirs.clone()
        }
        fn apply(&self, _: &Limits) -> cgroup::Result<()> {
            self.note("apply")
        }
        fn add_pid(&self, _: u32) -> cgroup::Result<()> {
            self.note("add")
        }
        fn pids(&self) -> cgroup::Result<Vec<u32>> {
            Ok(Vec::new())
        }
        fn usage(&self) -> cgroup::Result<Usage> {
            Ok(Usage::default())
        }
        fn freeze(&self) -> cgroup::Result<()> {
            self.note("freeze")
        }
        fn thaw(&self) -> cgroup::Result<()> {
            self.note("thaw")
        }
        fn kill_all(&self) -> cgroup::Result<()> {
            self.note("kill")
        }
        fn remove(&self) -> cgroup::Result<()> {
            self.note("remove")
        }
        fn exists(&self) -> bool {
            true
        }
        fn apply_devices(&self, _: &[DeviceRule]) -> cgroup::Result<()> {
            self.note("devices")
        }
    }

    struct Scratch {
        _dir: tempfile::TempDir,
        altroot: PathBuf,
        zinit: PathBuf,
        console: PathBuf,
        cgdir: PathBuf,
        plan: Plan,
    }

    fn scratch() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let altroot = dir.path().join("root");
        let cgdir = dir.path().join("cgroup");
        std::fs::create_dir_all(&altroot).unwrap();
        std::fs::create_dir_all(&cgdir).unwrap();
        std::fs::write(cgdir.join("tasks"), "").unwrap();
        let zinit = dir.path().join("zinit");
        std::fs::write(&zinit, b"\x7fELF stand-in for zinit").unwrap();
        let cfg = crate::config::ZoneConfig {
            name: "web".into(),
            zonepath: dir.path().join("zones/web").display().to_string(),
            brand: "sparse".into(),
            ..Default::default()
        };
        let facts = crate::host::HostFacts::one_cpu();
        let plan = crate::plan::compile(&cfg, &facts, &altroot).unwrap();
        Scratch {
            console: dir.path().join("console"),
            _dir: dir,
            altroot,
            zinit,
            cgdir,
            plan,
        }
    }

    fn ready_with(s: &Scratch, rec: &Arc<Recorder>, cgdirs: Vec<PathBuf>) -> ZoneError {
        let backend = Cgroups {
            rec: rec.clone(),
            dirs: cgdirs,
        };
        let r = ready(ReadyArgs {
            syscall: rec.as_ref(),
            altroot: &s.altroot,
            plan: s.plan.clone(),
            backend: &backend,
            zinit: &s.zinit,
            boot_now: None,
            console: &s.console,
            on_spawn: None,
        });
        match r {
            Ok(_) => panic!("the fake makes no processes: ready cannot succeed"),
            Err(e) => e,
        }
    }

    /// Every step of `ready` up to the fork, in order, and for a failure at each of them:
    /// the steps before it, the failed one, then the undo (the cgroup removed) and nothing
    /// else.
    #[test]
    fn a_failed_ready_removes_what_it_made_and_nothing_else() {
        let s = scratch();
        let path = cgroup_path(&s.altroot, "web");
        let rec = Arc::new(Recorder::new(&s.altroot));
        let err = ready_with(&s, &rec, vec![s.cgdir.clone()]);
        // Where the fake stops: it cannot fork.
        assert_eq!(err.to_string(), "clone: EAGAIN: Try again");
        let steps = vec![
            format!("cgroup create {path}"),
            format!("cgroup apply {path}"),
            format!("cgroup devices {path}"),
            "clone mnt,uts,ipc,net,pid".to_string(),
        ];
        let undo = format!("cgroup remove {path}");
        let mut all = steps.clone();
        all.push(undo.clone());
        assert_eq!(rec.calls(), all);

        for k in 0..steps.len() - 1 {
            let rec = Arc::new(Recorder::new(&s.altroot).fail_nth(k, Errno::EIO));
            let err = ready_with(&s, &rec, vec![s.cgdir.clone()]);
            let mut want = steps[..=k].to_vec();
            if k > 0 {
                want.push(undo.clone());
            }
            assert_eq!(rec.calls(), want, "failure at {}", steps[k]);
            assert_eq!(
                err.to_string(),
                format!("cgroup {path}: {path}: Input/output error (os error 5)")
            );
        }

        // Steps without a system call of their own: the sealed copy of zinit, opening the
        // cgroup's files.
        let missing = Scratch {
            zinit: s.zinit.with_file_name("no-zinit"),
            ..scratch()
        };
        let rec = Arc::new(Recorder::new(&missing.altroot));
        let err = ready_with(&missing, &rec, vec![missing.cgdir.clone()]);
        assert!(matches!(err, ZoneError::Sealed(_)), "{err}");
        let path = cgroup_path(&missing.altroot, "web");
        assert_eq!(
            rec.calls(),
            [
                format!("cgroup create {path}"),
                format!("cgroup apply {path}"),
                format!("cgroup devices {path}"),
                format!("cgroup remove {path}"),
            ]
        );
        let rec = Arc::new(Recorder::new(&s.altroot));
        let gone = s.cgdir.join("gone");
        let err = ready_with(&s, &rec, vec![gone.clone()]);
        assert!(
            matches!(err, ZoneError::Init { ref path, .. } if *path == gone),
            "{err}"
        );
        assert_eq!(rec.calls().last(), Some(&undo));
    }

    /// An undo that fails too is reported next to the failure that caused it.
    #[test]
    fn a_failed_undo_is_reported_with_the_error() {
        let s = scratch();
        let path = cgroup_path(&s.altroot, "web");
        let rec = Arc::new(Recorder::new(&s.altroot).fail_first("cgroup remove", Errno::EBUSY));
        let err = ready_with(&s, &rec, vec![s.cgdir.clone()]);
        assert_eq!(
            err.to_string(),
            format!(
                "clone: EAGAIN: Try again (and removing cgroup {path} \
                 failed: {path}: Device or resource busy (os error 16))"
            )
        );
        assert!(matches!(err, ZoneError::Undo { ref error, .. }
            if matches!(**error, ZoneError::Spawn(_))));
    }

    fn cfg(rctls: &[(&str, &str)]) -> ZoneConfig {
        ZoneConfig {
            name: "web".into(),
            zonepath: "/zones/web".into(),
            brand: "sparse".into(),
            rctls: rctls
                .iter()
                .map(|(name, limit)| Rctl {
                    name: name.to_string(),
                    values: vec![RctlValue {
                        privilege: "privileged".into(),
                        limit: limit.to_string(),
                        action: if *name == "zone.cpu-shares" {
                            "none".into()
                        } else {
                            "deny".into()
                        },
                    }],
                })
                .collect(),
            ..Default::default()
        }
    }

    /// The cgroup values a zone gets are its plan's, read where an OCI runtime reads them.
    #[test]
    fn the_zones_cgroup_limits_are_the_plans() {
        let mut c = cfg(&[
            ("zone.cpu-shares", "20"),
            ("zone.cpu-cap", "50"),
            ("zone.max-processes", "300"),
        ]);
        c.mcap = Some(Mcap {
            physcap: "67108864".into(),
        });
        let placement = Placement {
            pool: Some("p1".into()),
            cpus: Some(vec![1]),
        };
        let plan = compile_bound(&c, &HostFacts::default(), Path::new("/"), &placement).unwrap();
        assert_eq!(
            cgroup_limits(&plan).unwrap(),
            Limits {
                cpu_shares: Some(20),
                cpu_cap_percent: Some(50),
                cpus: Some("1".into()),
                mems: None,
                memory_limit: Some(67_108_864),
                memory_swap_limit: None,
                pids_max: Some(300),
            }
        );
        // A plan that says nothing of a control: Solaris' one share, nothing else set.
        let plan = compile(&cfg(&[]), &HostFacts::default(), Path::new("/")).unwrap();
        assert_eq!(
            cgroup_limits(&plan).unwrap(),
            Limits {
                cpu_shares: Some(1),
                ..Limits::default()
            }
        );
        // After `apply`, what the plan leaves out is lifted, down to the CPUs of a pool the
        // zone no longer has.
        let full = cgroup_limits_full(&plan, &[0, 1, 2]).unwrap();
        assert_eq!(full.cpu_cap_percent, Some(cgroup::UNCAPPED));
        assert_eq!(full.memory_limit, Some(cgroup::UNLIMITED));
        assert_eq!(full.memory_swap_limit, Some(cgroup::UNLIMITED));
        assert_eq!(full.pids_max, Some(cgroup::UNLIMITED));
        assert_eq!(full.cpus.as_deref(), Some("0-2"));
    }
}
