//! Create a zone's process: a child in new pid, mount, uts, ipc and net namespaces that
//! joins the zone's cgroups, builds the zone root, takes the console, reports `Ready`, and on
//! `Boot` drops to the zone's capabilities, loads its seccomp filter and executes init (pid 1
//! of the zone). Errors in the child come back as data and the child is reaped, so a failed
//! ready leaves nothing behind.
//!
//! The child is non-dumpable from its first step (nothing in the zone may open its
//! `/proc/<pid>/exe`, the host's zoneadmd, or its descriptors), and never executes a program
//! of the zone itself: zinit runs from a sealed memfd copy, any other init through the
//! sealed launcher (see `sealed`), so `/proc/1/exe` never leads to a host file.

use super::child;
use super::rootfs::{self, RootSetup};
use crate::brand::InitKind;
use crate::plan::Plan;
use crate::runtime::kernel::caps;
use crate::runtime::kernel::sys;
use crate::runtime::kernel::syscall::Syscall;
use nix::sched::CloneFlags;
use nix::sys::socket::{self, AddressFamily, SockFlag, SockType};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// Failure to create or boot a zone's process: the step and the reason.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// A system call of ours (the supervisor's side) failed.
    #[error("{step}: {errno}")]
    Sys {
        step: &'static str,
        #[source]
        errno: nix::errno::Errno,
    },
    /// A step failed as the set-up child reported it (its reason arrives as text), or
    /// recording the process failed.
    #[error("{step}: {error}")]
    Step { step: String, error: String },
    #[error("zone process exited during set-up")]
    Vanished,
}

fn sys_step(step: &'static str) -> impl FnOnce(nix::errno::Errno) -> SpawnError {
    move |errno| SpawnError::Sys { step, errno }
}

/// The supervisor's handle on a zone's process.
pub struct ZoneProcess {
    pub pid: Pid,
    pub pidfd: OwnedFd,
    /// The set-up channel; `None` for a zone adopted from a supervisor that died.
    channel: Option<OwnedFd>,
}

/// Called in the supervisor once the zone's process exists (its pid and pidfd), before that
/// process may outlive the supervisor: it waits for the go-ahead sent after this returns,
/// with its parent-death signal still set. The place to record it.
pub type OnSpawn<'a> = dyn Fn(Pid, BorrowedFd<'_>) -> Result<(), String> + 'a;

/// What the child needs besides the plan.
pub struct SpawnArgs<'a> {
    /// The system calls of the set-up (see `kernel::syscall`).
    pub syscall: &'a dyn Syscall,
    pub plan: &'a Plan,
    /// Host path of the console pty slave.
    pub console: Option<&'a Path>,
    /// A sealed copy of our init binary, made before the fork (for `InitKind::Builtin`).
    pub zinit: Option<BorrowedFd<'a>>,
    /// A sealed copy of the launcher, which executes any other init.
    pub launcher: BorrowedFd<'a>,
    /// What the child joins the zone's cgroups through (see `cgjoin`).
    pub cgroups: &'a super::cgjoin::Join,
    /// Boot at once with these arguments instead of stopping at `Ready` (what `zoneadm boot`
    /// of a halted zone wants: one round trip less).
    pub boot_now: Option<Vec<String>>,
    /// The plan's seccomp filter, compiled: init runs under it.
    pub seccomp: &'a crate::seccomp::CompiledFilter,
    /// See [`OnSpawn`].
    pub on_spawn: Option<&'a OnSpawn<'a>>,
}

fn packet_send<T: serde::Serialize>(fd: BorrowedFd<'_>, msg: &T) -> Result<(), nix::errno::Errno> {
    let body = serde_json::to_vec(msg).map_err(|_| nix::errno::Errno::EINVAL)?;
    socket::send(fd.as_raw_fd(), &body, socket::MsgFlags::empty()).map(|_| ())
}

/// Receive one packet; `Ok(None)` on EOF (the peer closed or exec'd).
fn packet_recv<T: for<'de> serde::Deserialize<'de>>(
    fd: BorrowedFd<'_>,
) -> Result<Option<T>, nix::errno::Errno> {
    let mut buf = vec![0u8; 64 * 1024];
    let n = loop {
        match socket::recv(fd.as_raw_fd(), &mut buf, socket::MsgFlags::empty()) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => break other?,
        }
    };
    if n == 0 {
        return Ok(None);
    }
    serde_json::from_slice(&buf[..n])
        .map(Some)
        .map_err(|_| nix::errno::Errno::EPROTO)
}

/// Fork the zone's process and bring it to `Ready`. The child moves itself into the zone's
/// cgroups before it does anything else (so nothing it starts can escape them).
pub fn spawn(args: &SpawnArgs<'_>) -> Result<ZoneProcess, SpawnError> {
    let (parent, child) = socket::socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(sys_step("socketpair"))?;
    let mut flags = CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC;
    if super::net::own_network(args.plan) {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    let pid = args
        .cgroups
        .fork_pid(args.syscall, flags)
        .map_err(sys_step("clone"))?;
    if pid == 0 {
        drop(parent);
        child_main(args, child);
    }
    drop(child);
    let pid = Pid::from_raw(pid);
    let pidfd = match sys::pidfd_open(pid.as_raw()) {
        Ok(fd) => fd,
        Err(e) => {
            kill_and_reap(pid);
            return Err(sys_step("pidfd_open")(e));
        }
    };
    let zp = ZoneProcess {
        pid,
        pidfd,
        channel: Some(parent),
    };
    // From here on, a failure kills and reaps the process again (also on a panic).
    let guard = ProcessGuard::new(&zp);
    bring_up(args, &zp)?;
    guard.disarm();
    Ok(zp)
}

/// The parent's part of the set-up once the process exists: record it, give the go-ahead
/// when booting at once, and wait for its report.
fn bring_up(args: &SpawnArgs<'_>, zp: &ZoneProcess) -> Result<(), SpawnError> {
    if let Some(hook) = args.on_spawn {
        hook(zp.pid, zp.pidfd.as_fd()).map_err(|error| SpawnError::Step {
            step: "record the zone process".to_string(),
            error,
        })?;
    }
    let channel = zp.channel()?;
    // Booting at once: the order is the go-ahead, sent now that the process is recorded.
    if let Some(boot) = &args.boot_now {
        packet_send(channel, &SetupOrder::Boot { args: boot.clone() })
            .map_err(sys_step("send boot"))?;
    }
    match packet_recv::<SetupReport>(channel) {
        Ok(Some(SetupReport::Ready)) if args.boot_now.is_none() => Ok(()),
        // Booting at once: the channel closes when init is executing.
        Ok(None) if args.boot_now.is_some() => Ok(()),
        Ok(Some(SetupReport::Ready)) | Ok(None) => Err(SpawnError::Vanished),
        Ok(Some(SetupReport::Failed { step, error })) => Err(SpawnError::Step { step, error }),
        Err(e) => Err(sys_step("read set-up report")(e)),
    }
}

/// Kills and reaps a zone's process unless disarmed: what a failed `spawn` leaves behind.
struct ProcessGuard<'a> {
    process: &'a ZoneProcess,
    armed: bool,
}

impl<'a> ProcessGuard<'a> {
    fn new(process: &'a ZoneProcess) -> ProcessGuard<'a> {
        ProcessGuard {
            process,
            armed: true,
        }
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for ProcessGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.process.kill();
        }
    }
}

fn kill_and_reap(pid: Pid) {
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    let _ = waitpid(pid, None);
}

impl ZoneProcess {
    /// The running init of a zone whose supervisor died, taken over by a new one.
    pub fn adopted(pid: Pid, pidfd: OwnedFd) -> ZoneProcess {
        ZoneProcess {
            pid,
            pidfd,
            channel: None,
        }
    }

    fn channel(&self) -> Result<BorrowedFd<'_>, SpawnError> {
        self.channel
            .as_ref()
            .map(|c| c.as_fd())
            .ok_or(SpawnError::Vanished)
    }

    /// Start init. Returns once init is executing (the channel closes on a successful exec).
    pub fn boot(&self, args: Vec<String>) -> Result<(), SpawnError> {
        let channel = self.channel()?;
        packet_send(channel, &SetupOrder::Boot { args }).map_err(sys_step("send boot"))?;
        match packet_recv::<SetupReport>(channel) {
            Ok(None) => Ok(()),
            Ok(Some(SetupReport::Failed { step, error })) => {
                self.kill();
                Err(SpawnError::Step { step, error })
            }
            Ok(Some(SetupReport::Ready)) => Err(SpawnError::Vanished),
            Err(e) => {
                self.kill();
                Err(sys_step("boot")(e))
            }
        }
    }

    /// Kill the zone's pid 1 (the kernel then kills every process of the zone's pid
    /// namespace) and reap it.
    pub fn kill(&self) {
        let _ = sys::pidfd_kill(self.pidfd.as_fd(), libc::SIGKILL);
        let _ = waitpid(self.pid, None);
    }
}

/// The child: never returns.
fn child_main(args: &SpawnArgs<'_>, chan: OwnedFd) -> ! {
    let code = match setup(args, chan.as_fd()) {
        Ok(()) => 0,
        Err((step, error)) => {
            let _ = packet_send(chan.as_fd(), &SetupReport::Failed { step, error });
            1
        }
    };
    // SAFETY: _exit never returns and runs no destructors or atexit handlers that could touch
    // state shared with the parent.
    unsafe { libc::_exit(code) }
}

type StepResult<T> = Result<T, (String, String)>;

fn at<T, E: std::fmt::Display>(step: &str, r: Result<T, E>) -> StepResult<T> {
    r.map_err(|e| (step.to_string(), e.to_string()))
}

fn setup(args: &SpawnArgs<'_>, chan: BorrowedFd<'_>) -> StepResult<()> {
    let plan = args.plan;
    // First of all: until init is executed we are the host's zoneadmd, inside the zone.
    at("set non-dumpable", nix::sys::prctl::set_dumpable(false))?;
    at("set parent-death signal", sys::die_with_parent())?;
    at(
        "join the zone's cgroups",
        args.cgroups.join_self(args.syscall),
    )?;
    let mut keep = vec![chan.as_raw_fd(), args.launcher.as_raw_fd()];
    keep.extend(args.zinit.map(|f| f.as_raw_fd()));
    at("close inherited descriptors", child::close_inherited(&keep))?;
    // Now that we are in the zone's cgroups, they become the root of our cgroup view.
    at(
        "cgroup namespace",
        args.syscall.unshare(CloneFlags::CLONE_NEWCGROUP),
    )?;
    if let Some(h) = plan.spec.hostname() {
        at("set hostname", args.syscall.sethostname(h))?;
    }
    if super::net::own_network(plan) {
        at("bring up loopback", super::net::loopback_up())?;
    }
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let setup = RootSetup {
        spec: &plan.spec,
        console: args.console,
    };
    at("build zone root", rootfs::enter_root(args.syscall, &setup))?;
    if plan.zone.machine_id {
        if let Some(id) = plan.uuid().and_then(crate::plan::machine_id_of) {
            at("set machine ID", super::whole::fill_machine_id(&id))?;
        }
    }
    at("new session", nix::unistd::setsid())?;
    if args.console.is_some() {
        take_console().map_err(|e| ("open console".to_string(), e.to_string()))?;
    }
    if args.boot_now.is_none() {
        at("report ready", packet_send(chan, &SetupReport::Ready))?;
    }
    // Even when booting at once: the order comes once the supervisor has recorded us, and
    // only then may we drop the parent-death signal (a zone must never run unrecorded).
    let order: Option<SetupOrder> = at("wait for boot", packet_recv(chan))?;
    let boot_args = match order {
        Some(SetupOrder::Boot { args }) => args,
        Some(SetupOrder::Abort) | None => {
            // SAFETY: as in child_main.
            unsafe { libc::_exit(0) }
        }
    };
    set_rlimits(plan)?;
    let keep = at("capabilities", caps::parse_set(&plan.capabilities()))?;
    child::confine(
        plan.no_new_privs(),
        args.seccomp,
        || {
            at("drop capabilities", caps::limit_to(&keep))?;
            // The zone must outlive a supervisor that crashes: zoneadm can still halt it.
            at(
                "clear parent-death signal",
                nix::sys::prctl::set_pdeathsig(None::<nix::sys::signal::Signal>),
            )
        },
        |step, error| (step.to_string(), error),
    )?;
    child::reset_signals();
    exec_init(args, boot_args)
}

/// The plan's resource limits (`zone.max-locked-memory` is RLIMIT_MEMLOCK), set while we
/// still may: raising one needs the capability the zone may not keep.
fn set_rlimits(plan: &Plan) -> StepResult<()> {
    let rlimits = plan
        .spec
        .process()
        .as_ref()
        .and_then(|p| p.rlimits().clone())
        .unwrap_or_default();
    for r in rlimits {
        let resource = match r.typ() {
            oci_spec::runtime::PosixRlimitType::RlimitMemlock => libc::RLIMIT_MEMLOCK,
            oci_spec::runtime::PosixRlimitType::RlimitNofile => libc::RLIMIT_NOFILE,
            oci_spec::runtime::PosixRlimitType::RlimitNproc => libc::RLIMIT_NPROC,
            _ => continue,
        };
        // A limit is a cap: never above what the host gives us (raising one past its hard
        // limit needs CAP_SYS_RESOURCE, which a host may not grant).
        // SAFETY: zeroed rlimit is valid; getrlimit writes into it.
        let mut cur: libc::rlimit = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        unsafe { libc::getrlimit(resource, &mut cur) };
        let lim = libc::rlimit {
            rlim_cur: r.soft().min(cur.rlim_max),
            rlim_max: r.hard().min(cur.rlim_max),
        };
        // SAFETY: setrlimit reads the struct we pass.
        if unsafe { libc::setrlimit(resource, &lim) } < 0 {
            return Err((
                "set resource limits".to_string(),
                nix::errno::Errno::last().to_string(),
            ));
        }
    }
    Ok(())
}

fn take_console() -> Result<(), nix::errno::Errno> {
    let fd = nix::fcntl::open(
        "/dev/console",
        nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_NOCTTY,
        nix::sys::stat::Mode::empty(),
    )?;
    child::take_terminal(fd.as_fd())
}

fn cstrings(v: &[String]) -> StepResult<Vec<CString>> {
    v.iter()
        .map(|s| {
            CString::new(s.as_bytes())
                .map_err(|_| ("exec".to_string(), format!("bad argument {s:?}")))
        })
        .collect()
}

/// Solaris' `-i <altinit>` boot argument: run that program inside the zone as init (e.g.
/// `zoneadm boot -- -i /sbin/init` for a sparse zone with its own init). Returns the
/// program and the other arguments.
pub fn alternate_init(argv: &[String]) -> Option<(String, Vec<String>)> {
    let args = argv.get(1..)?;
    let i = args.iter().position(|a| a == "-i")?;
    let program = args.get(i + 1)?.clone();
    let rest = args[..i].iter().chain(&args[i + 2..]).cloned().collect();
    Some((program, rest))
}

/// Whether `path` (inside the zone) is a file we may execute, as `execve` would judge it.
fn runnable(path: &str) -> Result<(), nix::errno::Errno> {
    use nix::unistd::{access, AccessFlags};
    let meta = std::fs::metadata(path)
        .map_err(|e| nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::ENOENT)))?;
    if !meta.is_file() {
        return Err(nix::errno::Errno::EACCES);
    }
    access(path, AccessFlags::X_OK)
}

fn exec_init(args: &SpawnArgs<'_>, boot_args: Vec<String>) -> StepResult<()> {
    let process = args.plan.spec.process().as_ref();
    let mut argv: Vec<String> = process.and_then(|p| p.args().clone()).unwrap_or_default();
    if !boot_args.is_empty() {
        argv.truncate(1);
        argv.extend(boot_args);
    }
    let env: Vec<String> = process.and_then(|p| p.env().clone()).unwrap_or_default();
    let mut init = args.plan.zone.init.clone();
    if let Some((program, rest)) = alternate_init(&argv) {
        init = InitKind::Program(program.clone());
        argv = std::iter::once(program).chain(rest).collect();
    }
    let (argv_c, env_c) = (cstrings(&argv)?, cstrings(&env)?);
    let errno = match (&init, args.zinit) {
        (InitKind::Builtin, Some(fd)) => sys::execveat_fd(fd, &argv_c, &env_c),
        (InitKind::Builtin, None) => nix::errno::Errno::ENOENT,
        (InitKind::Program(path), _) => {
            let prog =
                CString::new(path.as_bytes()).map_err(|_| ("exec".to_string(), path.clone()))?;
            // The launcher executes it; what would keep the exec from working is reported
            // from here, while zoneadm still waits for the outcome.
            match runnable(path) {
                Err(e) => e,
                Ok(()) => child::exec_with_launcher(args.launcher, &prog, &argv_c, None, &env_c),
            }
        }
    };
    let what = argv.first().cloned().unwrap_or_default();
    Err((format!("exec {what}"), errno.to_string()))
}

/// What the zone's setup child tells its supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupReport {
    /// Namespaces, mounts and console are in place; waiting for `boot`.
    Ready,
    /// A step failed; the child exits after sending this.
    Failed { step: String, error: String },
}

/// What the supervisor tells the setup child after `Ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupOrder {
    Boot { args: Vec<String> },
    Abort,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn altinit_boot_argument() {
        assert_eq!(alternate_init(&v(&["zinit", "-s"])), None);
        assert_eq!(
            alternate_init(&v(&["zinit", "-s", "-i", "/sbin/init", "-m", "verbose"])),
            Some(("/sbin/init".to_string(), v(&["-s", "-m", "verbose"])))
        );
        assert_eq!(alternate_init(&v(&["zinit", "-i"])), None);
        assert_eq!(alternate_init(&v(&[])), None);
    }
}
