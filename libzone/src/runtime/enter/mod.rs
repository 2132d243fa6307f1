//! Enter a running zone (`zlogin`): join its namespaces through a pidfd of its pid 1 (checked
//! against the recorded start time first, so a recycled pid is never entered), fork into its
//! pid namespace, join its cgroups and cgroup namespace, become the user with the zone's
//! capability set, and run the command or a login shell. Depends on nothing inside the zone
//! but its `/etc/passwd` and the shell. The started process gets no descriptor of ours beyond
//! the three standard ones, an empty signal mask and default signal dispositions.
//!
//! No way leads from the zone back to the host's zlogin (see `sealed`): we are non-dumpable
//! before we join any namespace, so a zone process cannot open our child's `/proc/<pid>/exe`,
//! descriptors or memory while it runs as the host binary; and the child runs the zone's
//! program through the launcher, executed from a sealed memfd, so `/proc/self/exe` of what
//! runs in the zone is never the host's file.

pub mod escape;
pub mod relay;

use crate::runtime::kernel::account::{self, User};
use crate::runtime::kernel::caps;
use crate::runtime::kernel::sealed;
use crate::runtime::kernel::sys;
use crate::runtime::kernel::syscall::{Syscall, LINUX};
use crate::runtime::platform::child;
use crate::store::record::ZoneRecord;
use nix::sched::CloneFlags;
use nix::sys::termios::Termios;
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
    #[error("zone '{zone}': {source} (rebooting the zone writes it anew)")]
    Seccomp {
        zone: String,
        #[source]
        source: crate::seccomp::SeccompError,
    },
    #[error(transparent)]
    Sealed(#[from] sealed::SealError),
}

/// The zone's compiled seccomp filter, which its supervisor wrote when it made the zone.
/// Without it nobody enters: no process runs in a zone unfiltered.
fn zone_filter(rec: &ZoneRecord) -> Result<crate::seccomp::CompiledFilter, EnterError> {
    let err = |source| EnterError::Seccomp {
        zone: rec.zone.clone(),
        source,
    };
    let path = rec.seccomp.as_deref().ok_or_else(|| {
        err(crate::seccomp::SeccompError::Filter(
            "no compiled filter recorded".to_string(),
        ))
    })?;
    crate::seccomp::CompiledFilter::read(path).map_err(err)
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
    /// Settings for that pty: the caller's terminal settings (from before raw mode), so
    /// erase, kill and the like stay what the user is used to.
    pub termios: Option<Termios>,
    /// The initial window size of that pty, `(rows, cols)`.
    pub winsize: Option<(u16, u16)>,
    /// The caller's environment (only TERM, LANG and LC_* pass through).
    pub env: Vec<(String, String)>,
}

/// The shell of `-S` (safe) logins: no account files are read.
pub const SAFE_SHELL: &str = "/bin/sh";

/// The command words as one shell command, the way Solaris' zlogin hands them to `su -c`: a
/// single word goes as it is (so `zlogin z 'ls | wc -l'` runs a pipeline); of several words,
/// those holding blanks (or nothing) are quoted, so `zlogin z sh -c 'echo a b'` keeps its
/// argument whole.
pub fn command_string(words: &[String]) -> String {
    if let [only] = words {
        return only.clone();
    }
    words
        .iter()
        .map(|w| {
            if w.is_empty() || w.contains([' ', '\t', '\n']) {
                format!("'{}'", w.replace('\'', "'\\''"))
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The process started inside the zone.
pub struct Entered {
    pub pid: Pid,
    /// The master side of the zone pty, in interactive mode.
    pub pty_master: Option<OwnedFd>,
    /// The pty's name inside the zone (`pts/N`), for the banner.
    pub pty_name: Option<String>,
}

/// What the child executes: `prog` with `argv`; when that cannot be executed, `fallback` (the
/// same command line through the user's shell, which then reports the error its own way).
struct Launch {
    user: User,
    prog: CString,
    argv: Vec<CString>,
    env: Vec<CString>,
    fallback: Option<(CString, Vec<CString>)>,
}

/// Shells whose `-c` runs a line of plain words exactly like exec'ing them would.
const POSIX_SHELLS: [&str; 8] = ["sh", "bash", "dash", "ksh", "ksh93", "mksh", "zsh", "ash"];

/// Words a shell gives a meaning of its own as the first word of a line: keywords and the
/// builtins that have no program of the same name (or must not be replaced by one).
const SHELL_WORDS: &[&str] = &[
    "!", "{", "}", "[[", "]]", "case", "do", "done", "elif", "else", "esac", "fi", "for",
    "function", "if", "in", "select", "then", "time", "until", "while", ".", ":", "alias", "bg",
    "break", "builtin", "cd", "command", "continue", "declare", "enable", "eval", "exec", "exit",
    "export", "fc", "fg", "getopts", "hash", "jobs", "let", "local", "read", "readonly", "return",
    "set", "shift", "source", "times", "trap", "type", "typeset", "ulimit", "umask", "unalias",
    "unset", "wait",
];

/// The words of a command line that means the same exec'd directly as run by `sh -c`: plain
/// words only (no quoting, expansion, globbing, redirection or operators, no assignment in
/// front), the first not a shell keyword or builtin. `None`: the line needs the shell.
pub fn plain_words(line: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = line.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
    let first = *words.first()?;
    let plain = |w: &str| {
        w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./,:+@%=".contains(&b))
    };
    if !words.iter().all(|w| plain(w)) || first.contains('=') || SHELL_WORDS.contains(&first) {
        return None;
    }
    Some(words.into_iter().map(str::to_string).collect())
}

/// Find `name` the way the shell would, in `path` (relative to our root, the zone's).
fn find_program(name: &str, path: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return runnable(Path::new(name)).then(|| name.to_string());
    }
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| format!("{d}/{name}"))
        .find(|p| runnable(Path::new(p)))
}

/// Resolve the user, and what to execute with which environment, inside the zone's mount
/// namespace.
fn resolve(zone: &str, spec: &EnterSpec) -> Result<Launch, EnterError> {
    let user = if spec.safe {
        User {
            name: "root".into(),
            uid: 0,
            gid: 0,
            home: "/".into(),
            shell: SAFE_SHELL.into(),
        }
    } else {
        account::lookup(Path::new("/"), &spec.user).ok_or_else(|| EnterError::NoUser {
            zone: zone.to_string(),
            user: spec.user.clone(),
        })?
    };
    let env =
        if spec.safe {
            // Only what Solaris' failsafe login sets, plus the caller's terminal and locale.
            let inherited = account::login_env(&user, &spec.env);
            vec![
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
                "HOME=/".to_string(),
                format!("SHELL={SAFE_SHELL}"),
            ]
            .into_iter()
            .chain(inherited.into_iter().filter(|e| {
                e.starts_with("TERM=") || e.starts_with("LANG=") || e.starts_with("LC_")
            }))
            .collect()
        } else {
            account::login_env(&user, &spec.env)
        };
    let c = |v: Vec<String>| -> Vec<CString> {
        v.into_iter().filter_map(|s| CString::new(s).ok()).collect()
    };
    let shell = CString::new(user.shell.clone()).map_err(|_| EnterError::Sys {
        step: "shell",
        errno: nix::errno::Errno::EINVAL,
    })?;
    if spec.command.is_empty() {
        // Solaris' failsafe login is a plain shell; a normal one a login shell.
        let argv0 = if spec.safe {
            user.shell.clone()
        } else {
            account::login_argv0(&user.shell)
        };
        return Ok(Launch {
            user,
            prog: shell,
            argv: c(vec![argv0]),
            env: c(env),
            fallback: None,
        });
    }
    // As `su user -c "cmd"`: the words joined into one shell command line.
    let line = command_string(&spec.command);
    let through_shell = c(vec![user.shell.clone(), "-c".to_string(), line.clone()]);
    // A line of plain words, run by root's POSIX shell, means exactly exec'ing those words:
    // skip the shell (it is most of the cost of a short command). Other users go through
    // their shell, which also checks they may run it.
    let path = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or_default();
    let posix_shell = Path::new(&user.shell)
        .file_name()
        .is_some_and(|n| POSIX_SHELLS.iter().any(|s| n == *s));
    let direct = (user.uid == 0 && posix_shell)
        .then(|| plain_words(&line))
        .flatten()
        .and_then(|words| Some((find_program(&words[0], path)?, words)));
    let launch = match direct {
        Some((program, words)) => match CString::new(program) {
            Ok(prog) => Launch {
                prog,
                argv: c(words),
                env: c(env),
                fallback: Some((shell, through_shell)),
                user,
            },
            Err(_) => Launch {
                prog: shell,
                argv: through_shell,
                env: c(env),
                fallback: None,
                user,
            },
        },
        None => Launch {
            prog: shell,
            argv: through_shell,
            env: c(env),
            fallback: None,
            user,
        },
    };
    Ok(launch)
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
    // Before anything of the zone can see us: from here on (and in the child, which inherits
    // it) only the host's root may open our /proc entries, where the host binary, our
    // terminal, the host's cgroup files and the pidfd would be within the zone's reach.
    nix::sys::prctl::set_dumpable(false).map_err(sys_err("set non-dumpable"))?;
    // What the child executes in the zone (made in the host, before we join anything),
    // above the standard descriptors the child is about to replace.
    let launcher = above_stdio(sealed::launcher()?)?;
    let init = rec
        .init
        .filter(|i| i.alive())
        .ok_or_else(|| EnterError::NotRunning(rec.zone.clone()))?;
    let pidfd = sys::pidfd_open(init.pid).map_err(|_| EnterError::NotRunning(rec.zone.clone()))?;
    // The pidfd pins the process we checked; check again that the pid was not reused between.
    if !init.alive() {
        return Err(EnterError::NotRunning(rec.zone.clone()));
    }
    take_zone_rlimits(init.pid);
    // Read now: after setns our file system is the zone's.
    let seccomp = zone_filter(rec)?;
    // Opened now, written by the child: after setns our /sys is the zone's.
    let join = crate::runtime::platform::cgjoin::Join::open(&rec.cgroups)
        .map_err(|(path, source)| EnterError::Io { path, source })?;
    join_namespaces(&LINUX, pidfd.as_fd())?;
    let launch = resolve(&rec.zone, spec)?;
    // Supplementary groups matter only when we become someone else than root.
    let groups = if launch.user.uid != 0 {
        std::fs::read_to_string("/etc/group").unwrap_or_default()
    } else {
        String::new()
    };
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
    // Single-threaded caller (what forking needs); the child uses only async-signal-safe
    // calls until exec (plus small allocations that cannot contend on a lock in a
    // single-threaded process).
    match join.fork(&LINUX).map_err(sys_err("fork"))? {
        ForkResult::Parent { child } => Ok(Entered {
            pid: child,
            pty_master,
            pty_name: pty_path.map(|p| p.to_string_lossy().trim_start_matches("/dev/").to_string()),
        }),
        ForkResult::Child => {
            let pty = pty_path.as_deref().map(|path| ChildPty {
                path,
                termios: spec.termios.as_ref(),
                winsize: spec.winsize,
            });
            let err = child_exec(
                &launcher,
                &pidfd,
                &join,
                &groups,
                &keep,
                rec.no_new_privs,
                &seccomp,
                pty,
                stdio,
                &launch,
            );
            let _ = writeln!(std::io::stderr(), "zlogin: {err}");
            // SAFETY: end the child without running the parent's destructors. Exit status 1,
            // as every failure of zlogin's own.
            unsafe { libc::_exit(1) }
        }
    }
}

/// The namespaces zlogin joins before it forks (the pid namespace applies to the child):
/// everything of the zone's init but its cgroup namespace, which the child joins once it is
/// in the zone's cgroups (`join_cgroups`).
pub const JOINED_NAMESPACES: CloneFlags = CloneFlags::CLONE_NEWNS
    .union(CloneFlags::CLONE_NEWUTS)
    .union(CloneFlags::CLONE_NEWIPC)
    .union(CloneFlags::CLONE_NEWNET)
    .union(CloneFlags::CLONE_NEWPID);

/// In zlogin: join the namespaces of the zone whose init `pidfd` is.
fn join_namespaces(sc: &dyn Syscall, pidfd: std::os::fd::BorrowedFd<'_>) -> Result<(), EnterError> {
    sc.setns(pidfd, JOINED_NAMESPACES)
        .map_err(sys_err("join zone namespaces"))
}

/// In zlogin's child: join the zone's cgroups (every hierarchy), then its cgroup namespace,
/// so the zone's cgroups are the root of what the process sees.
fn join_cgroups(
    sc: &dyn Syscall,
    join: &crate::runtime::platform::cgjoin::Join,
    pidfd: std::os::fd::BorrowedFd<'_>,
) -> Result<(), String> {
    join.join_self(sc)
        .map_err(|e| format!("join zone cgroup: {e}"))?;
    sc.setns(pidfd, CloneFlags::CLONE_NEWCGROUP)
        .map_err(|e| format!("join zone cgroup namespace: {e}"))
}

/// `fd`, moved above descriptor 2 if it is one of the standard ones (a caller that started
/// us with one of them closed).
fn above_stdio(fd: OwnedFd) -> Result<OwnedFd, EnterError> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let raw = nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(3))
        .map_err(sys_err("move the launcher descriptor"))?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(raw) })
}

/// The zone pty the child is to take as its terminal.
struct ChildPty<'a> {
    path: &'a Path,
    termios: Option<&'a Termios>,
    winsize: Option<(u16, u16)>,
}

/// The resource limits the zone's processes have (its init's, e.g. the locked-memory cap of
/// `capped-memory locked`), taken on by us so the process we start inherits them. Limits are
/// only ever lowered.
fn take_zone_rlimits(init: i32) {
    for resource in [
        libc::RLIMIT_MEMLOCK,
        libc::RLIMIT_NOFILE,
        libc::RLIMIT_NPROC,
    ] {
        // SAFETY: zeroed rlimits are valid; prlimit/getrlimit write into them.
        let (mut zone, mut ours): (libc::rlimit, libc::rlimit) =
            unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
        // SAFETY: reading another process's limit, writing into our struct.
        if unsafe { libc::prlimit(init, resource, std::ptr::null(), &mut zone) } < 0 {
            continue;
        }
        // SAFETY: as above, for ourselves.
        unsafe { libc::getrlimit(resource, &mut ours) };
        let lim = libc::rlimit {
            rlim_cur: zone.rlim_cur.min(ours.rlim_max),
            rlim_max: zone.rlim_max.min(ours.rlim_max),
        };
        // SAFETY: setrlimit reads the struct we pass; a refusal leaves ours as they were.
        unsafe { libc::setrlimit(resource, &lim) };
    }
}

#[allow(clippy::too_many_arguments)]
fn child_exec(
    launcher: &OwnedFd,
    pidfd: &OwnedFd,
    join: &crate::runtime::platform::cgjoin::Join,
    groups: &str,
    keep: &caps::CapsHashSet,
    no_new_privs: bool,
    seccomp: &crate::seccomp::CompiledFilter,
    pty: Option<ChildPty<'_>>,
    stdio: [RawFd; 3],
    launch: &Launch,
) -> String {
    let user = &launch.user;
    if let Err(e) = join_cgroups(&LINUX, join, pidfd.as_fd()) {
        return e;
    }
    if let Err(e) = nix::unistd::setsid() {
        return format!("setsid: {e}");
    }
    if let Some(p) = pty {
        let fd = match nix::fcntl::open(
            p.path,
            nix::fcntl::OFlag::O_RDWR,
            nix::sys::stat::Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(e) => return format!("{}: {e}", p.path.display()),
        };
        if let Some(t) = p.termios {
            let _ = nix::sys::termios::tcsetattr(&fd, nix::sys::termios::SetArg::TCSANOW, t);
        }
        if let Some((rows, cols)) = p.winsize {
            let _ = crate::runtime::supervisor::console::set_winsize(fd.as_fd(), rows, cols);
        }
        if let Err(e) = child::take_terminal(fd.as_fd()) {
            return format!("{}: {e}", p.path.display());
        }
    } else {
        for (target, fd) in stdio.iter().enumerate() {
            if *fd != target as RawFd {
                // SAFETY: dup2 of descriptors the caller handed us onto 0..2.
                unsafe { libc::dup2(*fd, target as RawFd) };
            }
        }
    }
    // The zone's seccomp filter as late as we can, around the drop of privileges (see
    // `child::confine`).
    let confined = child::confine(
        no_new_privs,
        seccomp,
        || {
            if user.uid == 0 {
                return caps::limit_to(keep).map_err(|e| e.to_string());
            }
            // Bounding set first (that needs CAP_SETPCAP), so a set-uid program run by the
            // user can never regain more than the zone's set; the uid change drops the rest.
            caps::limit_bounding(keep).map_err(|e| e.to_string())?;
            account::become_user(user, groups)
                .map_err(|e| format!("cannot become {}: {e}", user.name))?;
            // A change of uid resets dumpability to fs.suid_dumpable, which a host may have
            // set to 1 (everything dumpable): not for us.
            nix::sys::prctl::set_dumpable(false).map_err(|e| format!("set non-dumpable: {e}"))
        },
        |step, e| format!("{step}: {e}"),
    );
    if let Err(e) = confined {
        return e;
    }
    if std::env::set_current_dir(&user.home).is_err() {
        let _ = std::env::set_current_dir("/");
    }
    child::reset_signals();
    // Nothing of the global zone may reach the zone: all but the launcher, closed by its exec.
    let _ = child::close_inherited(&[launcher.as_raw_fd()]);
    // The launcher executes the program (or the fallback) and reports why not the way we
    // would. Never the program directly: that would resolve it, /proc/self/exe included,
    // while our exe is the host's zlogin.
    let e = child::exec_with_launcher(
        launcher.as_fd(),
        &launch.prog,
        &launch.argv,
        launch
            .fallback
            .as_ref()
            .map(|(prog, argv)| (prog.as_c_str(), argv.as_slice())),
        &launch.env,
    );
    format!("cannot start the zone launcher: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::kernel::fake::Recorder;
    use crate::runtime::platform::cgjoin::Join;

    /// What zlogin joins: the zone's mount, uts, ipc, net and pid namespaces (through the
    /// pidfd of the zone's init) before it forks; in the child, the zone's cgroup in every
    /// hierarchy, and only then its cgroup namespace.
    #[test]
    fn zlogin_joins_the_zones_namespaces_then_its_cgroups_then_its_cgroup_namespace() {
        let t = tempfile::tempdir().unwrap();
        let (v1, v2) = (
            t.path().join("cpu/zones/web"),
            t.path().join("unified/zones/web"),
        );
        for d in [&v1, &v2] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("cgroup.procs"), "").unwrap();
        }
        std::fs::write(v1.join("tasks"), "").unwrap();
        let join = Join::open(&[v1.clone(), v2.clone()]).unwrap();
        let pidfd = sys::pidfd_open(std::process::id() as i32).unwrap();
        let rec = Recorder::new(t.path());
        join_namespaces(&rec, pidfd.as_fd()).unwrap();
        join_cgroups(&rec, &join, pidfd.as_fd()).unwrap();
        let pidfd_shown = "host:anon_inode:[pidfd]";
        assert_eq!(
            rec.calls(),
            [
                format!("setns {pidfd_shown} mnt,uts,ipc,net,pid"),
                "write /cpu/zones/web/tasks 0".to_string(),
                "write /unified/zones/web/cgroup.procs 0".to_string(),
                format!("setns {pidfd_shown} cgroup"),
            ]
        );

        // A cgroup that cannot be joined: the cgroup namespace is not joined either.
        let rec = Recorder::new(t.path()).fail_first("write", nix::errno::Errno::ENOENT);
        let err = join_cgroups(&rec, &join, pidfd.as_fd()).unwrap_err();
        assert_eq!(
            err,
            "join zone cgroup: No such file or directory (os error 2)"
        );
        assert_eq!(rec.calls(), ["write /cpu/zones/web/tasks 0"]);
        let rec = Recorder::new(t.path()).fail_first("setns", nix::errno::Errno::EPERM);
        let err = join_namespaces(&rec, pidfd.as_fd()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "join zone namespaces: EPERM: Operation not permitted"
        );
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn commands_are_joined_like_solaris() {
        assert_eq!(command_string(&words(&["ls -l | wc"])), "ls -l | wc");
        assert_eq!(command_string(&words(&["echo", "a", "b"])), "echo a b");
        assert_eq!(
            command_string(&words(&["sh", "-c", "echo a b"])),
            "sh -c 'echo a b'"
        );
        assert_eq!(
            command_string(&words(&["echo", "it's here", ""])),
            "echo 'it'\\''s here' ''"
        );
        assert_eq!(command_string(&words(&["echo", "$HOME"])), "echo $HOME");
    }

    fn spec(command: &[&str], safe: bool) -> EnterSpec {
        EnterSpec {
            user: "root".into(),
            command: words(command),
            safe,
            pty: false,
            termios: None,
            winsize: None,
            env: vec![
                ("TERM".into(), "vt100".into()),
                ("SECRET".into(), "x".into()),
                ("LC_ALL".into(), "C".into()),
            ],
        }
    }

    #[test]
    fn safe_mode_reads_no_accounts() {
        // No /etc/passwd is consulted in safe mode, whatever the host has.
        let l = resolve("z", &spec(&[], true)).unwrap();
        assert_eq!((l.user.uid, l.user.home.as_str()), (0, "/"));
        assert_eq!(l.argv, vec![CString::new(SAFE_SHELL).unwrap()]);
        let env: Vec<String> = l
            .env
            .iter()
            .map(|e| e.to_string_lossy().into_owned())
            .collect();
        assert!(env.contains(&"HOME=/".to_string()));
        assert!(env.contains(&format!("SHELL={SAFE_SHELL}")));
        assert!(env.contains(&"TERM=vt100".to_string()));
        assert!(env.contains(&"LC_ALL=C".to_string()));
        assert!(!env.iter().any(|e| e.starts_with("SECRET")));
        let l = resolve("z", &spec(&["echo hi; exit 3"], true)).unwrap();
        let argv: Vec<String> = l
            .argv
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(argv, vec![SAFE_SHELL, "-c", "echo hi; exit 3"]);
        assert!(l.fallback.is_none());
    }

    #[test]
    fn plain_lines_skip_the_shell() {
        assert_eq!(
            plain_words("ls  -l\t/tmp"),
            Some(words(&["ls", "-l", "/tmp"]))
        );
        assert_eq!(
            plain_words("dd if=/dev/zero of=/x bs=1k"),
            Some(words(&["dd", "if=/dev/zero", "of=/x", "bs=1k"]))
        );
        for line in [
            "",
            "  ",
            "exit 3",
            "cd /tmp",
            "FOO=1 env",
            "echo $HOME",
            "echo a > b",
            "ls *",
            "a | b",
            "a; b",
            "echo 'x y'",
            "echo ~",
            "for i in 1; do :; done",
            "echo `id`",
            "a && b",
        ] {
            assert_eq!(plain_words(line), None, "{line:?}");
        }
    }

    #[test]
    fn programs_are_found_on_the_path() {
        let t = tempfile::tempdir().unwrap();
        let bin = t.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let prog = bin.join("tool");
        std::fs::write(&prog, "#!/bin/sh\n").unwrap();
        std::fs::write(bin.join("data"), "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("/nonexistent:{}", bin.display());
        assert_eq!(
            find_program("tool", &path),
            Some(prog.to_string_lossy().into_owned())
        );
        assert_eq!(find_program("data", &path), None);
        assert_eq!(find_program("missing", &path), None);
        let abs = prog.to_string_lossy().into_owned();
        assert_eq!(find_program(&abs, ""), Some(abs.clone()));
    }
}
