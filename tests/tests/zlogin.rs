//! zlogin against real zones: command mode (output, status, stdin, environment, users, safe
//! mode, the zone's namespaces/cgroups/capabilities, terminals kept out of the zone),
//! interactive logins on a pty made inside the zone (window sizes, escapes, banners, a
//! restored terminal), the console (attach, detach, busy, waiting for boot, logging in,
//! staying attached across a halt) and zones halted under attached sessions; option and
//! state errors with Solaris' messages. Each test has its own scratch root and zone;
//! terminals are ptys the test drives.

use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use zones_tests::{
    bin, require_root, run, run_command, set_winsize, spawn_on_pty, unique_zone, Run, Scratch,
};

const WAIT: Duration = Duration::from_secs(15);

// ----------------------------------------------------------------------------------------
// Local helpers

/// A scratch root with one booted zone.
fn booted(prefix: &str) -> (Scratch, String) {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone(prefix);
    s.boot(&zone, &[]);
    (s, zone)
}

fn zone_root(s: &Scratch, zone: &str) -> PathBuf {
    s.root().join(format!("zones/{zone}/root"))
}

/// `zlogin -R root <args>` with an empty environment.
fn zlogin_command(s: &Scratch, args: &[&str]) -> Command {
    let mut cmd = s.command("zlogin");
    cmd.args(args).env_clear();
    cmd
}

/// zlogin with a clean, known environment (plus `env`), stdin from `stdin` text or null.
fn zlogin_env(s: &Scratch, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
    let mut cmd = zlogin_command(s, args);
    cmd.envs(env.iter().copied());
    run_command(cmd, stdin)
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// A terminal the test drives: zlogin runs with a pty slave as its controlling terminal and
/// stdio; the test holds the master.
struct Tty {
    master: OwnedFd,
    child: Child,
    seen: Vec<u8>,
}

impl Tty {
    fn spawn(s: &Scratch, args: &[&str], rows: u16, cols: u16) -> Tty {
        use nix::fcntl::OFlag;
        let mut cmd = zlogin_command(s, args);
        cmd.env("TERM", "vt100").env("LANG", "C");
        let (master, child) = spawn_on_pty(cmd, rows, cols);
        let flags = nix::fcntl::fcntl(&master, nix::fcntl::FcntlArg::F_GETFL).unwrap();
        nix::fcntl::fcntl(
            &master,
            nix::fcntl::FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        )
        .unwrap();
        Tty {
            master,
            child,
            seen: Vec::new(),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }

    /// Read what is there within `limit`; false once the terminal hung up.
    fn pump(&mut self, limit: Duration) -> bool {
        let mut fds = [nix::poll::PollFd::new(
            self.master.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        let ms = u16::try_from(limit.as_millis()).unwrap_or(u16::MAX);
        if nix::poll::poll(&mut fds, ms).unwrap_or(0) == 0 {
            return true;
        }
        let mut buf = [0u8; 4096];
        match nix::unistd::read(&self.master, &mut buf) {
            Ok(0) => false,
            Ok(n) => {
                self.seen.extend_from_slice(&buf[..n]);
                true
            }
            Err(nix::errno::Errno::EAGAIN) => true,
            Err(_) => false,
        }
    }

    /// Take what is left to read, until a quiet moment or the hang-up.
    fn drain(&mut self) {
        loop {
            let mut fds = [nix::poll::PollFd::new(
                self.master.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            if nix::poll::poll(&mut fds, 200u16).unwrap_or(0) == 0 {
                return;
            }
            let mut buf = [0u8; 4096];
            match nix::unistd::read(&self.master, &mut buf) {
                Ok(n) if n > 0 => self.seen.extend_from_slice(&buf[..n]),
                _ => return,
            }
        }
    }

    /// Wait until `needle` shows up after `from` (a byte offset in what was seen); the offset
    /// just past it.
    fn expect_after(&mut self, from: usize, needle: &str) -> usize {
        let end = Instant::now() + WAIT;
        loop {
            if let Some(i) = find(&self.seen[from.min(self.seen.len())..], needle.as_bytes()) {
                return from + i + needle.len();
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {needle:?}; terminal shows:\n{}",
                self.text()
            );
            if !self.pump(left.min(Duration::from_millis(200))) {
                assert!(
                    find(&self.seen[from.min(self.seen.len())..], needle.as_bytes()).is_some(),
                    "terminal hung up before {needle:?}; it showed:\n{}",
                    self.text()
                );
            }
        }
    }

    fn expect(&mut self, needle: &str) -> usize {
        self.expect_after(0, needle)
    }

    fn send(&mut self, bytes: &[u8]) {
        let mut left = bytes;
        while !left.is_empty() {
            match nix::unistd::write(&self.master, left) {
                Ok(n) => left = &left[n..],
                Err(nix::errno::Errno::EAGAIN) => {
                    self.pump(Duration::from_millis(10));
                }
                Err(e) => panic!("write to terminal: {e}"),
            }
        }
    }

    /// Type a line and wait for `needle` in what follows.
    fn run_line(&mut self, line: &str, needle: &str) -> usize {
        let from = self.seen.len();
        self.send(format!("{line}\r").as_bytes());
        self.expect_after(from, needle)
    }

    fn resize(&self, rows: u16, cols: u16) {
        set_winsize(&self.master, rows, cols);
    }

    /// Wait for zlogin to exit (reading the terminal meanwhile).
    fn finish(&mut self) -> ExitStatus {
        let end = Instant::now() + WAIT;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                self.drain();
                return st;
            }
            assert!(
                Instant::now() < end,
                "zlogin did not exit; terminal shows:\n{}",
                self.text()
            );
            self.pump(Duration::from_millis(50));
        }
    }

    /// Whether the terminal is back in cooked mode with echo (zlogin restored it).
    fn cooked(&self) -> bool {
        // On a pty master, the terminal ioctls act on the slave.
        let t = nix::sys::termios::tcgetattr(&self.master).unwrap();
        use nix::sys::termios::LocalFlags;
        t.local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG)
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A child of `parent` whose command name is `comm`.
fn child_named(parent: i32, comm: &str) -> Option<i32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
        let ppid: i32 = rest.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == parent && name == comm).then_some(pid)
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ----------------------------------------------------------------------------------------
// Command mode

#[test]
fn command_output_and_exit_status() {
    let (s, z) = booted("zlc");
    let r = s.zlogin(&[&z, "echo", "hello"], None).ok();
    assert_eq!(r.stdout, "hello\n");
    let r = s.zlogin(&[&z, "echo out; echo err >&2; exit 7"], None);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (7, "out\n", "err\n")
    );
    assert_eq!(s.zlogin(&[&z, "false"], None).code, 1);
    // Killed by a signal: 128 + the signal number.
    assert_eq!(s.zlogin(&[&z, "kill -KILL $$"], None).code, 137);
    assert_eq!(s.zlogin(&[&z, "kill -TERM $$"], None).code, 143);
    // Several words: those with blanks stay whole (quoted for the shell).
    let r = s
        .zlogin(&[&z, "sh", "-c", "echo \"[$1]\"", "x", "a b"], None)
        .ok();
    assert_eq!(r.stdout, "[a b]\n");
    // One word is a command line of its own.
    let r = s.zlogin(&[&z, "echo a | tr a b; echo c"], None).ok();
    assert_eq!(r.stdout, "b\nc\n");
    // Not found: the shell's own message and status.
    let r = s.zlogin(&[&z, "no-such-command-here"], None);
    assert_eq!(r.code, 127, "{}", r.stderr);
    // A closed pipe kills the command as anywhere else (SIGPIPE is not left ignored).
    let r = s
        .zlogin(&[&z, "yes | head -n 2; echo ${PIPESTATUS[0]}"], None)
        .ok();
    assert_eq!(r.stdout, "y\ny\n141\n");
}

#[test]
fn stdin_passes_through_and_n_reads_null() {
    let (s, z) = booted("zli");
    let r = zlogin_env(&s, &[&z, "tr", "a-z", "A-Z"], &[], Some(b"hello\n")).ok();
    assert_eq!(r.stdout, "HELLO\n");
    let big = vec![b'x'; 3 << 20];
    let r = zlogin_env(&s, &[&z, "wc", "-c"], &[], Some(&big)).ok();
    assert_eq!(r.stdout.trim(), (3 << 20).to_string());
    let r = zlogin_env(&s, &["-n", &z, "cat"], &[], Some(b"not read\n")).ok();
    assert_eq!(r.stdout, "");
    // Without a command and without a terminal: the login shell reads its commands.
    let r = zlogin_env(&s, &[&z], &[], Some(b"echo from-stdin\n")).ok();
    assert_eq!(r.stdout, "from-stdin\n");
}

#[test]
fn environment_is_clean() {
    let (s, z) = booted("zle");
    let env = [
        ("TERM", "vt220"),
        ("LANG", "C"),
        ("LC_MESSAGES", "C"),
        ("SECRET", "leak"),
        ("PATH", "/host/only"),
        ("HOME", "/host/home"),
        ("LD_PRELOAD", "/x.so"),
    ];
    for cmd in ["env", "env | cat"] {
        let r = zlogin_env(&s, &[&z, cmd], &env, None).ok();
        let vars: Vec<(&str, &str)> = r.stdout.lines().filter_map(|l| l.split_once('=')).collect();
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        assert_eq!(get("PATH"), Some("/usr/sbin:/usr/bin:/sbin:/bin"), "{cmd}");
        assert_eq!(get("HOME"), Some("/root"));
        assert_eq!(get("LOGNAME"), Some("root"));
        assert_eq!(get("TERM"), Some("vt220"));
        assert_eq!(get("LANG"), Some("C"));
        assert_eq!(get("LC_MESSAGES"), Some("C"));
        for (k, _) in &vars {
            assert!(
                [
                    "PATH",
                    "HOME",
                    "LOGNAME",
                    "USER",
                    "SHELL",
                    "MAIL",
                    "TERM",
                    "LANG",
                    "LC_MESSAGES",
                    // Set by the shell itself when one runs the line.
                    "PWD",
                    "SHLVL",
                    "_",
                ]
                .contains(k),
                "{k} leaked into the zone ({cmd}):\n{}",
                r.stdout
            );
        }
    }
    // The command starts in the user's home directory.
    let r = s.zlogin(&[&z, "pwd"], None).ok();
    assert_eq!(r.stdout, "/root\n");
}

#[test]
fn another_user_with_l() {
    let (s, z) = booted("zlu");
    let etc = zone_root(&s, &z).join("etc");
    let mut passwd = std::fs::read_to_string(etc.join("passwd")).unwrap();
    passwd.push_str("zuser:x:4321:4322:test user:/tmp:/bin/sh\n");
    std::fs::write(etc.join("passwd"), passwd).unwrap();
    let mut group = std::fs::read_to_string(etc.join("group")).unwrap();
    group.push_str("ztest:x:4323:zuser\n");
    std::fs::write(etc.join("group"), group).unwrap();
    let r = s
        .zlogin(
            &[
                "-l",
                "zuser",
                &z,
                "id -u; id -g; id -G; echo $HOME $LOGNAME $SHELL; pwd",
            ],
            None,
        )
        .ok();
    assert_eq!(
        r.stdout,
        "4321\n4322\n4322 4323\n/tmp zuser /bin/sh\n/tmp\n"
    );
    let r = s
        .zlogin(
            &[
                "-l",
                "zuser",
                &z,
                "grep -E 'Cap(Eff|Prm)' /proc/self/status",
            ],
            None,
        )
        .ok();
    assert!(
        r.stdout.lines().all(|l| l.ends_with("0000000000000000")),
        "a user keeps no capabilities:\n{}",
        r.stdout
    );
    let env = zlogin_env(&s, &["-l", "zuser", &z, "env"], &[], None).ok();
    assert!(
        env.stdout.contains("PATH=/usr/bin:/bin\n"),
        "{}",
        env.stdout
    );
    let r = s.zlogin(&["-l", "nosuchuser", &z, "id"], None);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("nosuchuser"), "{}", r.stderr);
}

#[test]
fn safe_mode_needs_no_account_files() {
    let (s, z) = booted("zls");
    let r = zlogin_env(
        &s,
        &["-S", &z, "echo $HOME $SHELL; pwd; id -u"],
        &[("TERM", "vt100")],
        None,
    )
    .ok();
    assert_eq!(r.stdout, "/ /bin/sh\n/\n0\n");
    // With the zone's passwd gone, only a safe login still works.
    let passwd = zone_root(&s, &z).join("etc/passwd");
    std::fs::rename(&passwd, passwd.with_extension("away")).unwrap();
    let broken = s.zlogin(&[&z, "id", "-u"], None);
    let safe = s.zlogin(&["-S", &z, "id", "-u"], None);
    std::fs::rename(passwd.with_extension("away"), &passwd).unwrap();
    assert_eq!(broken.code, 1, "{}", broken.stderr);
    assert_eq!(
        (safe.code, safe.stdout.as_str()),
        (0, "0\n"),
        "{}",
        safe.stderr
    );
}

#[test]
fn command_runs_in_the_zone_namespaces_cgroups_and_capabilities() {
    let (s, z) = booted("zln");
    let init = s.record(&z).init_pid().expect("init pid");
    let mut zl = s
        .command("zlogin")
        .args([&z, "sleep", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command is zlogin's child (host pid), once past its exec.
    let end = Instant::now() + WAIT;
    let pid: i32 = loop {
        if let Some(p) = child_named(zl.id() as i32, "sleep") {
            break p;
        }
        assert!(Instant::now() < end, "no command under zlogin");
        std::thread::sleep(Duration::from_millis(20));
    };
    for ns in ["mnt", "uts", "ipc", "net", "pid", "cgroup"] {
        let link = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/{ns}")).unwrap();
        assert_eq!(
            link(&pid.to_string()),
            link(&init.to_string()),
            "{ns} namespace"
        );
    }
    let mnt = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/mnt")).unwrap();
    assert_ne!(
        mnt("self"),
        mnt(&pid.to_string()),
        "not the host's mount namespace"
    );
    let read = |p: i32, f: &str| std::fs::read_to_string(format!("/proc/{p}/{f}")).unwrap();
    assert_eq!(read(pid, "cgroup"), read(init, "cgroup"), "cgroups");
    let caps = |p: i32| -> Vec<String> {
        read(p, "status")
            .lines()
            .filter(|l| l.starts_with("CapEff") || l.starts_with("CapBnd"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(caps(pid), caps(init), "capability sets");
    // Only the standard descriptors reach the zone.
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        fds.iter().all(|f| ["0", "1", "2"].contains(&f.as_str())),
        "descriptors in the zone: {fds:?}"
    );
    // SIGTERM to zlogin goes to the command; zlogin reports how it ended.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(zl.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let st = wait_timeout(&mut zl, WAIT).expect("zlogin ends with its command");
    assert_eq!(st.code(), Some(143));
}

#[test]
fn terminal_descriptors_stay_out_of_the_zone() {
    let (s, z) = booted("zlt");
    let mut t = Tty::spawn(
        &s,
        &[
            &z,
            "ls -l /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; tty; read x; echo got $x",
        ],
        24,
        80,
    );
    t.expect("not a tty");
    t.send(b"abc\n");
    t.expect("got abc");
    assert!(t.finish().success());
    let out = t.text();
    assert_eq!(out.matches("pipe:[").count(), 3, "{out}");
    assert!(!out.contains("/dev/pts"), "{out}");
}

// ----------------------------------------------------------------------------------------
// Interactive mode

#[test]
fn interactive_login_window_size_and_escape() {
    let (s, z) = booted("zlp");
    let mut t = Tty::spawn(&s, &[&z], 24, 80);
    t.expect(&format!("[Connected to zone '{z}' pts/"));
    t.expect(&format!("{z}# "));
    t.run_line("echo MARK$((6*7))", "MARK42");
    t.run_line("stty size", "24 80");
    t.resize(40, 100);
    std::thread::sleep(Duration::from_millis(200));
    t.run_line("stty size", "40 100");
    t.run_line("tty", "/dev/pts/");
    t.run_line("echo $TERM $LANG $HOME", "vt100 C /root");
    // A ~ inside a line is just a character.
    t.run_line("echo a~.b | tr ab AB", "A~.B");
    // ~~ at the start of a line sends one ~: the shell runs `~`, the home directory
    // (status 126); `~~` would not have been found (127).
    t.send(b"~~ 2>/dev/null\r");
    t.run_line("echo R$?", "R126");
    let from = t.seen.len();
    t.send(b"~.");
    t.expect_after(from, &format!("[Connection to zone '{z}' pts/"));
    let st = t.finish();
    assert_eq!(st.code(), Some(0));
    assert!(t.cooked(), "terminal left raw");
}

#[test]
fn interactive_shell_exit_status_quiet_and_escape_char() {
    let (s, z) = booted("zlq");
    // The shell's exit ends the session with its status; -Q: no banners.
    let mut t = Tty::spawn(&s, &["-Q", &z], 24, 80);
    t.expect(&format!("{z}# "));
    t.send(b"exit 5\r");
    assert_eq!(t.finish().code(), Some(5));
    assert!(!t.text().contains("[Conn"), "{}", t.text());
    assert!(t.cooked());
    // -e #: ~. is plain text, #. disconnects.
    let mut t = Tty::spawn(&s, &["-e", "#", &z], 24, 80);
    t.expect(&format!("{z}# "));
    t.run_line("~. 2>/dev/null; echo S$((3+4))", "S7");
    t.send(b"#.");
    t.expect("closed]");
    assert_eq!(t.finish().code(), Some(0));
    // -E: no escapes at all.
    let mut t = Tty::spawn(&s, &["-E", &z], 24, 80);
    t.expect(&format!("{z}# "));
    t.run_line("~. 2>/dev/null; echo N$((4+4))", "N8");
    t.send(b"exit\r");
    t.expect("closed]");
    assert_eq!(t.finish().code(), Some(0));
    // -i: a command on a zone pty.
    let mut t = Tty::spawn(&s, &["-i", &z, "tty"], 24, 80);
    let out_at = t.expect("/dev/pts/");
    assert_eq!(t.finish().code(), Some(0));
    assert!(t.text()[out_at..].contains("closed]"));
}

#[test]
fn signals_end_sessions_with_the_terminal_restored() {
    let (s, z) = booted("zlg");
    for (args, sig) in [
        (vec![z.as_str()], nix::sys::signal::Signal::SIGTERM),
        (vec![z.as_str()], nix::sys::signal::Signal::SIGHUP),
        (vec!["-C", z.as_str()], nix::sys::signal::Signal::SIGTERM),
    ] {
        let mut t = Tty::spawn(&s, &args, 24, 80);
        t.expect("[Connected to zone");
        if args.len() == 1 {
            t.expect(&format!("{z}# "));
        }
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(t.child.id() as i32), sig).unwrap();
        let st = t.finish();
        assert_eq!(st.code(), Some(128 + sig as i32), "{args:?} {sig:?}");
        assert!(t.cooked(), "{args:?} {sig:?}: terminal left raw");
        assert!(t.text().contains("closed]"), "{}", t.text());
    }
}

// ----------------------------------------------------------------------------------------
// Console

#[test]
fn console_attach_detach_window_size_and_busy() {
    let (s, z) = booted("zlk");
    for round in 0..3 {
        let mut t = Tty::spawn(&s, &["-C", &z], 30, 90 + round);
        t.expect(&format!("[Connected to zone '{z}' console]"));
        // The zone's console output reaches the client; the window size was sent at attach.
        let mark = format!("FROM-ZONE-{round}");
        let end = Instant::now() + WAIT;
        loop {
            s.zlogin(&[&z, &format!("echo {mark} > /dev/console")], None)
                .ok();
            t.pump(Duration::from_millis(300));
            if t.text().contains(&mark) {
                break;
            }
            assert!(
                Instant::now() < end,
                "console output missing:\n{}",
                t.text()
            );
        }
        let size = s.zlogin(&[&z, "stty size < /dev/console"], None).ok();
        assert_eq!(size.stdout.trim(), format!("30 {}", 90 + round));
        // A second client is turned away, naming the holder.
        let other = s.zlogin(&["-C", &z], None);
        assert_eq!(other.code, 1);
        assert_eq!(
            other.stderr,
            format!(
                "zlogin: Console is already in use by process ID {}.\n",
                t.child.id()
            )
        );
        let from = t.seen.len();
        t.send(b"\r~.");
        t.expect_after(from, &format!("[Connection to zone '{z}' console closed]"));
        assert_eq!(t.finish().code(), Some(0));
        assert!(t.cooked());
    }
    // A reboot keeps the client attached; the new console has the client's size.
    let mut t = Tty::spawn(&s, &["-C", &z], 33, 99);
    t.expect("console]");
    s.zlogin(&[&z, "echo BEFORE > /dev/console"], None).ok();
    t.expect("BEFORE");
    s.zoneadm(Some(&z), &["reboot"]).ok();
    t.expect("[NOTICE: Zone rebooting]");
    t.expect("[NOTICE: Zone booting up]");
    let size = s.zlogin(&[&z, "stty size < /dev/console"], None).ok();
    assert_eq!(size.stdout.trim(), "33 99");
    s.zlogin(&[&z, "echo AFTER > /dev/console"], None).ok();
    t.expect("AFTER");
    t.send(b"~.");
    assert_eq!(t.finish().code(), Some(0));
    // A client that died without detaching does not keep the console.
    let mut t = Tty::spawn(&s, &["-C", &z], 24, 80);
    t.expect("console]");
    t.child.kill().unwrap();
    t.child.wait().unwrap();
    let mut again = Tty::spawn(&s, &["-C", &z], 24, 80);
    again.expect("console]");
    again.send(b"~.");
    assert_eq!(again.finish().code(), Some(0));
}

#[test]
fn console_waits_for_the_zone_to_boot() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("zlw");
    s.configure(&z, &[]);
    s.zoneadm(Some(&z), &["install"]).ok();
    let mut t = Tty::spawn(&s, &["-C", &z], 24, 80);
    t.expect(&format!("[Connected to zone '{z}' console]"));
    std::thread::sleep(Duration::from_millis(300));
    s.zoneadm(Some(&z), &["boot"]).ok();
    t.expect(&format!("{z} console login: "));
    t.send(b"~.");
    t.expect("console closed]");
    assert_eq!(t.finish().code(), Some(0));
    // Before boot, ~. leaves too.
    s.zoneadm(Some(&z), &["halt"]).ok();
    let mut t = Tty::spawn(&s, &["-C", &z], 24, 80);
    t.expect("console]");
    t.send(b"~.");
    assert_eq!(t.finish().code(), Some(0));
    assert!(t.cooked());
}

#[test]
fn console_login_as_root() {
    let (s, z) = booted("zlr");
    let mut t = Tty::spawn(&s, &["-C", &z], 24, 80);
    t.expect("console]");
    t.send(b"\r");
    t.expect(&format!("{z} console login: "));
    t.run_line("root", &format!("{z}# "));
    t.run_line("echo CONS$((2+3))", "CONS5");
    let from = t.seen.len();
    t.send(b"\r~.");
    t.expect_after(from, "console closed]");
    assert_eq!(t.finish().code(), Some(0));
    // The session is still there on the next attach.
    let mut t = Tty::spawn(&s, &["-C", &z], 24, 80);
    t.expect("console]");
    t.run_line("echo AGAIN$((1+1))", "AGAIN2");
    t.send(b"\r~.");
    assert_eq!(t.finish().code(), Some(0));
}

/// Without `-d` the console session outlives a halt: it waits for the next boot and goes on
/// with the zone's new console, as on Solaris.
#[test]
fn console_stays_attached_across_halt_and_boot() {
    let (s, z) = booted("zls");
    let mut con = Tty::spawn(&s, &["-C", &z], 24, 80);
    con.expect("console]");
    let end = Instant::now() + WAIT;
    while !con.text().contains("ATTACHED") {
        s.zlogin(&[&z, "echo ATTACHED > /dev/console"], None).ok();
        con.pump(Duration::from_millis(300));
        assert!(Instant::now() < end, "console never attached");
    }
    s.zoneadm(Some(&z), &["halt"]).ok();
    let halted = con.expect("[NOTICE: Zone halted]");
    // Still there a while later, waiting.
    let quiet = Instant::now() + Duration::from_secs(1);
    while Instant::now() < quiet {
        con.pump(Duration::from_millis(100));
    }
    assert!(
        con.child.try_wait().unwrap().is_none(),
        "zlogin -C left when the zone halted:\n{}",
        con.text()
    );
    assert!(!con.text()[halted..].contains("console closed]"));
    s.zoneadm(Some(&z), &["boot"]).ok();
    con.expect_after(halted, "[NOTICE: Zone booting up]");
    con.expect_after(halted, &format!("{z} console login: "));
    // The keyboard reaches the new zone's console.
    con.run_line("root", &format!("{z}# "));
    con.run_line("echo BACK$((40+2))", "BACK42");
    let from = con.seen.len();
    con.send(b"\r~.");
    con.expect_after(from, "console closed]");
    assert_eq!(con.finish().code(), Some(0));
    assert!(con.cooked());
}

// ----------------------------------------------------------------------------------------
// Halting under attached sessions

#[test]
fn halt_ends_attached_sessions_cleanly() {
    let (s, z) = booted("zlh");
    let mut pts = Tty::spawn(&s, &[&z], 24, 80);
    pts.expect(&format!("{z}# "));
    pts.run_line("echo READY$((1))", "READY1");
    // -d: the console session ends when the zone halts.
    let mut con = Tty::spawn(&s, &["-C", "-d", &z], 24, 80);
    con.expect("console]");
    // Make sure the console client is attached, not just connected.
    let end = Instant::now() + WAIT;
    while !con.text().contains("ATTACHED") {
        s.zlogin(&[&z, "echo ATTACHED > /dev/console"], None).ok();
        con.pump(Duration::from_millis(300));
        assert!(Instant::now() < end, "console never attached");
    }
    let started = Instant::now();
    s.zoneadm(Some(&z), &["halt"]).ok();
    let pst = pts.finish();
    let cst = con.finish();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "sessions took {:?} to end",
        started.elapsed()
    );
    assert!(pts
        .text()
        .contains(&format!("[Connection to zone '{z}' pts/")));
    assert!(pts.cooked() && con.cooked(), "terminal left raw");
    // The shell was killed with its zone.
    assert_eq!(pst.code(), Some(137));
    assert!(
        con.text().contains("[NOTICE: Zone halted]"),
        "{}",
        con.text()
    );
    assert!(con.text().contains("console closed]"));
    assert_eq!(cst.code(), Some(0));
}

// ----------------------------------------------------------------------------------------
// Errors

#[test]
fn usage_and_state_errors() {
    require_root();
    let s = Scratch::new();
    let root = s.root_str();
    let usage =
        "usage: zlogin [ -nQCES ] [ -e cmdchar ] [-l user] zonename [command [args ...] ]\n";
    let r = run("zlogin", &[], None);
    assert_eq!((r.code, r.stderr.as_str()), (2, usage));
    for (args, msg) in [
        (
            &["-C", "-l", "root", "z"][..],
            "-l may not be specified for console login",
        ),
        (
            &["-C", "z", "ls"],
            "Commands may not be specified for console login.",
        ),
        (&["-d", "z"], "-d may only be specified with console login"),
        (
            &["-S", "-l", "bob", "z", "id"],
            "-l may not be specified for failsafe login",
        ),
        (
            &["-n", "z"],
            "-n may not be specified for interactive login",
        ),
        (&["-x", "z"], "illegal option -- x"),
    ] {
        let r = s.zlogin(args, None);
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(r.stderr, format!("zlogin: {msg}\n{usage}"), "{args:?}");
    }
    let r = run("zlogin", &["-R", "relative", "z"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (2, "zlogin: root path must be absolute.\n")
    );
    let r = s.zlogin(&["nosuch", "id"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "zlogin: zone 'nosuch' unknown\n")
    );
    let r = s.zlogin(&["-C", "nosuch"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "zlogin: zone 'nosuch' unknown\n")
    );
    let r = s.zlogin(&["global", "id"], None);
    assert_eq!(r.code, 1);
    let z = unique_zone("zlx");
    s.configure(&z, &[]);
    for args in [&[z.as_str(), "id"][..], &["-C", &z]] {
        let r = s.zlogin(args, None);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (1, "zlogin: cannot login to a zone which is 'configured'\n")
        );
    }
    s.zoneadm(Some(&z), &["install"]).ok();
    let r = s.zlogin(&[&z, "id"], None);
    assert_eq!(
        (r.code, r.stderr),
        (
            1,
            format!("zlogin: login allowed only to running zones ({z} is 'installed').\n")
        )
    );
    let r = zlogin_env(&s, &["-I", &z], &[], None);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not supported"), "{}", r.stderr);
    // Only root may use zlogin.
    let nobody = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin("zlogin"))
        .args(["-R", &root, &z, "id"])
        .stdin(Stdio::null())
        .output();
    if let Ok(out) = nobody {
        let r: Run = out.into();
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (
                1,
                "zlogin: You lack sufficient privilege to run this command (all privs required)\n"
            )
        );
    }
}
