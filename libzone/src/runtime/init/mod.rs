//! zinit: the small init of sparse zones (pid 1 inside the zone). It runs the zone's
//! `/etc/rc.d/S*` start scripts, offers a login on the zone console, reaps every orphan, and on
//! SIGTERM (zoneadm shutdown) runs the `K*` stop scripts, stops every process and exits.
//! Boot argument `-s` starts a root shell on the console instead of the login prompt.

use crate::runtime::kernel::account;
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::signalfd::SignalFd;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};
use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::time::{Duration, Instant};

const RC_DIR: &str = "/etc/rc.d";

/// How long stopping processes may take before they are killed.
const STOP_GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, PartialEq, Eq)]
enum Console {
    /// Waiting for a user name.
    User,
    /// Waiting for the password of that user.
    Password(String),
    /// A login session runs on the console.
    Session(Pid),
}

fn say(text: &str) {
    let mut out = std::io::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "zone".into())
}

fn prompt() {
    say(&format!("\n{} console login: ", hostname()));
}

fn set_echo(on: bool) {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    let stdin = std::io::stdin();
    if let Ok(mut t) = tcgetattr(stdin.as_fd()) {
        t.local_flags.set(LocalFlags::ECHO, on);
        let _ = tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &t);
    }
}

/// The scripts of the run-control directory whose names start with `prefix`, in order.
pub fn rc_scripts(dir: &Path, prefix: char) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

fn run_scripts(prefix: char, arg: &str) {
    for script in rc_scripts(Path::new(RC_DIR), prefix) {
        let status = std::process::Command::new(&script).arg(arg).status();
        if let Err(e) = status {
            say(&format!("zinit: {}: {e}\n", script.display()));
        }
    }
}

/// Start a login session for `user` on the console; returns its pid.
fn start_session(user: &account::User) -> Option<Pid> {
    let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let envp: Vec<CString> = account::login_env(user, &env)
        .into_iter()
        .filter_map(|e| CString::new(e).ok())
        .collect();
    let shell = CString::new(user.shell.clone()).ok()?;
    let argv0 = CString::new(account::login_argv0(&user.shell)).ok()?;
    // SAFETY: zinit is single-threaded; the child only calls async-signal-safe functions and
    // exec.
    match unsafe { nix::unistd::fork() } {
        Ok(ForkResult::Parent { child }) => Some(child),
        Ok(ForkResult::Child) => {
            let _ = nix::unistd::setsid();
            let stdin = std::io::stdin();
            // SAFETY: TIOCSCTTY with argument 1 takes the console as our controlling tty.
            unsafe { libc::ioctl(stdin.as_raw_fd(), libc::TIOCSCTTY, 1) };
            let _ = nix::sys::signal::sigprocmask(
                nix::sys::signal::SigmaskHow::SIG_SETMASK,
                Some(&SigSet::empty()),
                None,
            );
            if account::become_user(user, &groups).is_ok() {
                let _ = std::env::set_current_dir(&user.home);
                let _ = nix::unistd::execve(&shell, &[argv0], &envp);
            }
            // SAFETY: leave the forked child without running parent state destructors.
            unsafe { libc::_exit(1) }
        }
        Err(_) => None,
    }
}

fn try_login(name: &str, password: Option<&str>) -> Result<Option<account::User>, ()> {
    let user = account::lookup(Path::new("/"), name).ok_or(())?;
    let shadow = std::fs::read_to_string("/etc/shadow").unwrap_or_default();
    let hash = account::shadow_hash(&shadow, name).unwrap_or_else(|| "*".into());
    match password {
        None if hash.is_empty() => Ok(Some(user)),
        None => Ok(None), // ask for the password
        Some(p) if account::verify_password(&hash, p) => Ok(Some(user)),
        Some(_) => Err(()),
    }
}

/// Stop everything: stop scripts, SIGTERM to all, SIGKILL after the grace period.
fn stop_all() {
    run_scripts('K', "stop");
    let _ = kill(Pid::from_raw(-1), Signal::SIGTERM);
    let end = Instant::now() + STOP_GRACE;
    while Instant::now() < end {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Err(nix::errno::Errno::ECHILD) => return,
            Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(20)),
            _ => {}
        }
    }
    let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
    while !matches!(waitpid(None, None), Err(nix::errno::Errno::ECHILD)) {}
}

fn reap(console: &mut Console) {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(st) => {
                if let (Some(pid), Console::Session(s)) = (st.pid(), &*console) {
                    if pid == *s {
                        *console = Console::User;
                        prompt();
                    }
                }
            }
        }
    }
}

/// Run zinit with its boot arguments. Returns the exit code (0 after a clean stop).
pub fn run(args: &[String]) -> i32 {
    let mut mask = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGPWR,
        Signal::SIGUSR1,
    ] {
        mask.add(s);
    }
    // systemd's halt signal, which zoneadmd sends to every init it does not know.
    let rtmin3 = libc::SIGRTMIN() + 3;
    let _ =
        nix::sys::signal::sigprocmask(nix::sys::signal::SigmaskHow::SIG_BLOCK, Some(&mask), None);
    // SAFETY: adding a real-time signal number to the blocked set; plain libc calls on a
    // sigset we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, rtmin3);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    // Non-blocking: the loop below drains it until it is empty.
    let sfd = match SignalFd::with_flags(
        &nix::sys::signal::SigSet::all(),
        nix::sys::signalfd::SfdFlags::SFD_NONBLOCK,
    ) {
        Ok(s) => s,
        Err(e) => {
            say(&format!("zinit: signalfd: {e}\n"));
            return 1;
        }
    };
    let stdin = std::io::stdin();
    // pid 1 must not hold the console as its controlling terminal: logins take it.
    // SAFETY: TIOCNOTTY has no argument.
    unsafe { libc::ioctl(stdin.as_raw_fd(), libc::TIOCNOTTY) };

    run_scripts('S', "start");
    let single_user = args.iter().any(|a| a == "-s");
    let mut console = Console::User;
    if single_user {
        if let Some(root) = account::lookup(Path::new("/"), "root") {
            if let Some(pid) = start_session(&root) {
                console = Console::Session(pid);
            }
        }
    }
    if console == Console::User {
        prompt();
    }
    let mut line = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let reading = !matches!(console, Console::Session(_));
        let mut fds = vec![nix::poll::PollFd::new(
            sfd.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        if reading {
            fds.push(nix::poll::PollFd::new(
                stdin.as_fd(),
                nix::poll::PollFlags::POLLIN,
            ));
        }
        if nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE).is_err() {
            continue;
        }
        let sig_ready = fds[0].revents().is_some_and(|r| !r.is_empty());
        let tty_ready = reading
            && fds
                .get(1)
                .and_then(|f| f.revents())
                .is_some_and(|r| !r.is_empty());
        if sig_ready {
            while let Ok(Some(info)) = sfd.read_signal() {
                let signo = info.ssi_signo as i32;
                if signo == libc::SIGCHLD {
                    reap(&mut console);
                } else if signo == libc::SIGTERM
                    || signo == libc::SIGINT
                    || signo == libc::SIGPWR
                    || signo == rtmin3
                {
                    stop_all();
                    return 0;
                }
            }
        }
        if tty_ready {
            match nix::unistd::read(stdin.as_fd(), &mut buf) {
                Ok(0) | Err(_) => std::thread::sleep(Duration::from_millis(200)),
                Ok(n) => line.extend_from_slice(&buf[..n]),
            }
            while let Some(pos) = line.iter().position(|&b| b == b'\n' || b == b'\r') {
                let entry: Vec<u8> = line.drain(..=pos).collect();
                let text = String::from_utf8_lossy(&entry[..entry.len() - 1])
                    .trim()
                    .to_string();
                console = match std::mem::replace(&mut console, Console::User) {
                    Console::User if text.is_empty() => {
                        prompt();
                        Console::User
                    }
                    Console::User => match try_login(&text, None) {
                        Ok(Some(u)) => session_or_prompt(&u),
                        Ok(None) | Err(()) => {
                            say("Password: ");
                            set_echo(false);
                            Console::Password(text)
                        }
                    },
                    Console::Password(name) => {
                        set_echo(true);
                        say("\n");
                        match try_login(&name, Some(&text)) {
                            Ok(Some(u)) => session_or_prompt(&u),
                            _ => {
                                say("Login incorrect\n");
                                prompt();
                                Console::User
                            }
                        }
                    }
                    s @ Console::Session(_) => s,
                };
                if matches!(console, Console::Session(_)) {
                    line.clear();
                    break;
                }
            }
        }
    }
}

fn session_or_prompt(user: &account::User) -> Console {
    match start_session(user) {
        Some(pid) => Console::Session(pid),
        None => {
            say("Login failed\n");
            prompt();
            Console::User
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_in_order_by_prefix() {
        let t = tempfile::tempdir().unwrap();
        for n in ["S20b", "S10a", "K10x", "README"] {
            std::fs::write(t.path().join(n), "").unwrap();
        }
        let s: Vec<String> = rc_scripts(t.path(), 'S')
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(s, vec!["S10a", "S20b"]);
        assert_eq!(rc_scripts(t.path(), 'K').len(), 1);
        assert!(rc_scripts(&t.path().join("missing"), 'S').is_empty());
    }
}
