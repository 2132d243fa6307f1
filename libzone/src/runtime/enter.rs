//! Enter a running zone (`zlogin`): join its namespaces through a pidfd of its pid 1 (checked
//! against the recorded start time first, so a recycled pid is never entered), fork into its
//! pid namespace, join its cgroups and cgroup namespace, become the user with the zone's
//! capability set, and run the command or a login shell. Depends on nothing inside the zone
//! but its `/etc/passwd` and the shell.

use super::account::{self, User};
use super::caps;
use super::record::ZoneRecord;
use super::sys;
use nix::sched::CloneFlags;
use nix::unistd::{ForkResult, Pid};
use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum EnterError {
    #[error("zone '{0}' is not running")]
    NotRunning(String),
    #[error("{step}: {errno}")]
    Sys {
        step: &'static str,
        errno: nix::errno::Errno,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("user {user} unknown in zone '{zone}'")]
    NoUser { zone: String, user: String },
}

fn sys_err(step: &'static str) -> impl FnOnce(nix::errno::Errno) -> EnterError {
    move |errno| EnterError::Sys { step, errno }
}

/// What to run inside the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterSpec {
    /// Login name (`-l user`), `root` by default.
    pub user: String,
    /// The command words; empty = an interactive login shell.
    pub command: Vec<String>,
    /// `-S`: bypass the zone's account files; run `/bin/sh` as root with HOME=/.
    pub safe: bool,
    /// Run on a new pty made inside the zone (interactive mode).
    pub pty: bool,
    /// The caller's environment (only TERM, LANG and LC_* pass through).
    pub env: Vec<(String, String)>,
}

/// The process started inside the zone.
pub struct Entered {
    pub pid: Pid,
    /// The master side of the zone pty, in interactive mode.
    pub pty_master: Option<OwnedFd>,
    /// The pty's name inside the zone (`pts/N`), for the banner.
    pub pty_name: Option<String>,
}

/// Resolve the user and the argv/env to run, inside the zone's mount namespace.
fn resolve(
    zone: &str,
    spec: &EnterSpec,
) -> Result<(User, Vec<CString>, Vec<CString>, String), EnterError> {
    let user = if spec.safe {
        User {
            name: "root".into(),
            uid: 0,
            gid: 0,
            home: "/".into(),
            shell: "/bin/sh".into(),
        }
    } else {
        account::lookup(Path::new("/"), &spec.user).ok_or_else(|| EnterError::NoUser {
            zone: zone.to_string(),
            user: spec.user.clone(),
        })?
    };
    let argv: Vec<String> = if spec.command.is_empty() {
        vec![account::login_argv0(&user.shell)]
    } else {
        // As `su - user -c "cmd"`: the words joined into one shell command.
        vec![user.shell.clone(), "-c".to_string(), spec.command.join(" ")]
    };
    let env = if spec.safe {
        vec![
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            "HOME=/".to_string(),
            "SHELL=/bin/sh".to_string(),
            "LOGNAME=root".to_string(),
        ]
        .into_iter()
        .chain(
            spec.env
                .iter()
                .filter(|(k, _)| k == "TERM")
                .map(|(k, v)| format!("{k}={v}")),
        )
        .collect()
    } else {
        account::login_env(&user, &spec.env)
    };
    let c = |v: Vec<String>| -> Vec<CString> {
        v.into_iter().filter_map(|s| CString::new(s).ok()).collect()
    };
    let shell = user.shell.clone();
    Ok((user, c(argv), c(env), shell))
}

fn open_pty_in_zone() -> Result<(OwnedFd, PathBuf), EnterError> {
    use nix::fcntl::OFlag;
    let m = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .map_err(sys_err("open /dev/ptmx in zone"))?;
    nix::pty::grantpt(&m).map_err(sys_err("grantpt"))?;
    nix::pty::unlockpt(&m).map_err(sys_err("unlockpt"))?;
    let name = nix::pty::ptsname_r(&m).map_err(sys_err("ptsname"))?;
    Ok((OwnedFd::from(m), PathBuf::from(name)))
}

/// Join the zone of `rec` and start `spec` there. The caller (zlogin) must be
/// single-threaded; afterwards it lives in the zone's mount, uts, ipc and net namespaces but
/// keeps its own pid namespace, cgroups and open files (its terminal).
pub fn enter(rec: &ZoneRecord, spec: &EnterSpec, stdio: [RawFd; 3]) -> Result<Entered, EnterError> {
    let init = rec
        .init
        .filter(|i| i.alive())
        .ok_or_else(|| EnterError::NotRunning(rec.zone.clone()))?;
    let pidfd = sys::pidfd_open(init.pid).map_err(|_| EnterError::NotRunning(rec.zone.clone()))?;
    // The pidfd pins the process we checked; check again that the pid was not reused between.
    if !init.alive() {
        return Err(EnterError::NotRunning(rec.zone.clone()));
    }
    // Opened now, written by the child: after setns our /sys is the zone's.
    let mut procs = Vec::new();
    for dir in &rec.cgroups {
        let p = dir.join("cgroup.procs");
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .map_err(|source| EnterError::Io { path: p, source })?;
        procs.push(f);
    }
    let flags = CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC
        | CloneFlags::CLONE_NEWNET
        | CloneFlags::CLONE_NEWPID;
    nix::sched::setns(pidfd.as_fd(), flags).map_err(sys_err("join zone namespaces"))?;
    let (user, argv, env, _shell) = resolve(&rec.zone, spec)?;
    let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let keep = caps::parse_set(&rec.capabilities).map_err(|_| EnterError::Sys {
        step: "zone capabilities",
        errno: nix::errno::Errno::EINVAL,
    })?;
    let (pty_master, pty_path) = if spec.pty {
        let (m, p) = open_pty_in_zone()?;
        (Some(m), Some(p))
    } else {
        (None, None)
    };
    let prog = argv
        .first()
        .and_then(|_| CString::new(user.shell.clone()).ok())
        .ok_or(EnterError::Sys {
            step: "shell",
            errno: nix::errno::Errno::EINVAL,
        })?;
    // SAFETY: single-threaded caller; the child uses only async-signal-safe calls until exec
    // (plus small allocations that cannot contend on a lock in a single-threaded process).
    match unsafe { nix::unistd::fork() }.map_err(sys_err("fork"))? {
        ForkResult::Parent { child } => Ok(Entered {
            pid: child,
            pty_master,
            pty_name: pty_path.map(|p| p.to_string_lossy().trim_start_matches("/dev/").to_string()),
        }),
        ForkResult::Child => {
            let err = child_exec(
                &pidfd,
                &mut procs,
                &user,
                &groups,
                &keep,
                rec.no_new_privs,
                pty_path.as_deref(),
                stdio,
                &prog,
                &argv,
                &env,
            );
            let _ = writeln!(std::io::stderr(), "zlogin: {err}");
            // SAFETY: end the child without running the parent's destructors.
            unsafe { libc::_exit(126) }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn child_exec(
    pidfd: &OwnedFd,
    procs: &mut [std::fs::File],
    user: &User,
    groups: &str,
    keep: &caps::CapsHashSet,
    no_new_privs: bool,
    pty: Option<&Path>,
    stdio: [RawFd; 3],
    prog: &CString,
    argv: &[CString],
    env: &[CString],
) -> String {
    for f in procs.iter_mut() {
        if let Err(e) = f.write_all(b"0") {
            return format!("join zone cgroup: {e}");
        }
    }
    if let Err(e) = nix::sched::setns(pidfd.as_fd(), CloneFlags::CLONE_NEWCGROUP) {
        return format!("join zone cgroup namespace: {e}");
    }
    if let Err(e) = nix::unistd::setsid() {
        return format!("setsid: {e}");
    }
    if let Some(p) = pty {
        let fd = match nix::fcntl::open(p, nix::fcntl::OFlag::O_RDWR, nix::sys::stat::Mode::empty())
        {
            Ok(fd) => fd,
            Err(e) => return format!("{}: {e}", p.display()),
        };
        // SAFETY: make the zone pty our controlling terminal.
        unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSCTTY, 0) };
        for target in 0..3 {
            // SAFETY: dup2 onto the standard descriptors.
            unsafe { libc::dup2(fd.as_raw_fd(), target) };
        }
    } else {
        for (target, fd) in stdio.iter().enumerate() {
            if *fd != target as RawFd {
                // SAFETY: dup2 of descriptors the caller handed us onto 0..2.
                unsafe { libc::dup2(*fd, target as RawFd) };
            }
        }
    }
    if user.uid == 0 {
        if let Err(e) = caps::limit_to(keep) {
            return e.to_string();
        }
    } else {
        // Bounding set first (that needs CAP_SETPCAP), so a set-uid program run by the user
        // can never regain more than the zone's set; the uid change drops the rest.
        if let Err(e) = caps::limit_bounding(keep) {
            return e.to_string();
        }
        if let Err(e) = account::become_user(user, groups) {
            return format!("cannot become {}: {e}", user.name);
        }
    }
    if no_new_privs {
        if let Err(e) = nix::sys::prctl::set_no_new_privs() {
            return format!("no_new_privs: {e}");
        }
    }
    if std::env::set_current_dir(&user.home).is_err() {
        let _ = std::env::set_current_dir("/");
    }
    match nix::unistd::execve(prog, argv, env) {
        Err(e) => format!("{}: {e}", prog.to_string_lossy()),
        Ok(never) => match never {},
    }
}
