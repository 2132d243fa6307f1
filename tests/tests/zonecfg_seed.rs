//! The seed session (webzone, Solaris 11 style) typed at a real terminal: zonecfg on a
//! pseudo-terminal, with prompts, line editing, the unsaved-changes question, Ctrl-C and
//! Ctrl-D; then `zoneadm list -cv` shows the new zone.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use zones_tests::{bin, require_root, spawn_on_pty, unique_zone, Scratch};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A program on a pseudo-terminal, driven expect-style: everything it prints is collected,
/// escape sequences and carriage returns removed, and `expect` waits for a text to appear
/// after what was matched before.
struct Pty {
    master: std::fs::File,
    child: Child,
    /// What the program printed, cleaned.
    seen: String,
    /// Raw bytes not yet cleaned (an escape sequence may be split between reads).
    raw: Vec<u8>,
    /// Where the next `expect` starts looking.
    pos: usize,
}

/// Drops CSI (`ESC [ ... final`) and other two-byte escape sequences, and `\r`.
fn clean(raw: &mut Vec<u8>) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => i += 1,
            0x1b => {
                if i + 1 >= raw.len() {
                    break;
                }
                if raw[i + 1] == b'[' {
                    let mut j = i + 2;
                    while j < raw.len() && !(0x40..=0x7e).contains(&raw[j]) {
                        j += 1;
                    }
                    if j >= raw.len() {
                        break;
                    }
                    i = j + 1;
                } else {
                    i += 2;
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    raw.drain(..i);
    String::from_utf8_lossy(&out).into_owned()
}

impl Pty {
    fn spawn(args: &[&str]) -> Pty {
        let mut cmd = Command::new(bin("zonecfg"));
        cmd.args(args).env("TERM", "xterm");
        let (master, child) = spawn_on_pty(cmd, 40, 200);
        Pty {
            master: std::fs::File::from(master),
            child,
            seen: String::new(),
            raw: Vec::new(),
            pos: 0,
        }
    }

    /// Reads what is available within `wait`; false at end of output.
    fn fill(&mut self, wait: Duration) -> bool {
        let mut fds = [nix::poll::PollFd::new(
            self.master.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        let ms = wait.as_millis().min(10_000) as u16;
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(ms)) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return true,
            Err(e) => panic!("poll: {e}"),
        }
        let mut buf = [0u8; 4096];
        match self.master.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                self.raw.extend_from_slice(&buf[..n]);
                let text = clean(&mut self.raw);
                self.seen.push_str(&text);
                true
            }
            // EIO: the slave side is closed, the program is gone.
            Err(_) => false,
        }
    }

    /// Waits until `text` appears after the previous match; returns what came before it.
    fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(at) = self.seen[self.pos..].find(text) {
                let before = self.seen[self.pos..self.pos + at].to_string();
                self.pos += at + text.len();
                return before;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {text:?}; output so far:\n{}",
                self.seen
            );
            if !self.fill(left.min(Duration::from_millis(500))) {
                assert!(
                    self.seen[self.pos..].contains(text),
                    "output ended before {text:?}; output:\n{}",
                    self.seen
                );
            }
        }
    }

    fn send(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).expect("write pty");
        self.master.flush().expect("flush pty");
    }

    /// Types a line (Enter is a carriage return on a terminal).
    fn line(&mut self, text: &str) {
        self.send(&format!("{text}\r"));
    }

    /// Waits for the program to end, collecting the rest of its output; its exit status.
    fn finish(&mut self) -> i32 {
        let deadline = Instant::now() + TIMEOUT;
        while self.fill(Duration::from_millis(200)) {
            assert!(
                Instant::now() < deadline,
                "zonecfg did not end:\n{}",
                self.seen
            );
            if let Ok(Some(_)) = self.child.try_wait() {
                // Drain what is left.
                while self.fill(Duration::from_millis(50)) {
                    if Instant::now() > deadline {
                        break;
                    }
                }
                break;
            }
        }
        let status = self.child.wait().expect("wait zonecfg");
        status.code().unwrap_or(128)
    }

    /// Everything after the last match.
    fn rest(&self) -> &str {
        &self.seen[self.pos..]
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn zonecfg_tty(s: &Scratch, zone: &str) -> Pty {
    let root = s.root_str();
    Pty::spawn(&["-R", &root, "-z", zone])
}

#[test]
fn seed_session_verbatim() {
    require_root();
    let s = Scratch::new();
    let zone = "webzone";
    let mut t = zonecfg_tty(&s, zone);
    let prompt = "zonecfg:webzone> ";
    let greeting = t.expect(prompt);
    assert_eq!(
        greeting,
        "webzone: No such zone configured\nUse 'create' to begin configuring a new zone.\n"
    );
    let mut transcript = format!("{greeting}{prompt}");
    for (cmd, answer) in [
        (
            "create",
            "create: Using system default template 'SYSdefault'\n",
        ),
        ("set zonepath=/zones/webzone", ""),
        ("set autoboot=true", ""),
        ("commit", ""),
    ] {
        t.line(cmd);
        let out = t.expect(prompt);
        assert_eq!(out, format!("{cmd}\n{answer}"), "after {cmd}");
        transcript.push_str(&format!("{out}{prompt}"));
    }
    t.line("exit");
    assert_eq!(t.finish(), 0, "output:\n{}", t.seen);
    assert_eq!(t.rest(), "exit\n");
    transcript.push_str("exit\n");
    // The seed, lines 336-344.
    assert_eq!(
        transcript,
        "webzone: No such zone configured\n\
         Use 'create' to begin configuring a new zone.\n\
         zonecfg:webzone> create\n\
         create: Using system default template 'SYSdefault'\n\
         zonecfg:webzone> set zonepath=/zones/webzone\n\
         zonecfg:webzone> set autoboot=true\n\
         zonecfg:webzone> commit\n\
         zonecfg:webzone> exit\n"
    );

    let list = s.zoneadm(None, &["list", "-cv"]).ok();
    assert_eq!(
        list.stdout,
        "  ID NAME             STATUS     PATH                           BRAND    IP    \n\
         \x20  0 global           running    /                              linux    shared\n\
         \x20  - webzone          configured /zones/webzone                 sparse   shared\n"
    );
    let info = s.zonecfg(zone, &["info", "autoboot"], None).ok();
    assert_eq!(info.stdout, "autoboot: true\n");
}

#[test]
fn unsaved_changes_question() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("ask");
    let prompt = format!("zonecfg:{zone}> ");
    let question = "Configuration not saved; really quit (y/[n])? ";

    // A new zone without a zonepath does not verify: exit asks; "n" goes back to the prompt.
    let mut t = zonecfg_tty(&s, &zone);
    t.expect(&prompt);
    t.line("create");
    t.expect(&prompt);
    t.line("exit");
    let before = t.expect(question);
    assert!(before.contains("zonepath cannot be empty."), "{before}");
    assert!(
        before.contains(&format!("Zone {zone} failed to verify")),
        "{before}"
    );
    t.line("n");
    t.expect(&prompt);
    t.line("set zonepath=/zones/ask");
    t.expect(&prompt);
    t.line("exit");
    // Saved now; the status still reports the earlier failure, as zonecfg's does.
    assert_eq!(t.finish(), 1, "{}", t.seen);
    assert!(s.zones().contains(&zone));

    // "y" abandons the change: exit status 1, nothing saved.
    let other = unique_zone("ask");
    let prompt = format!("zonecfg:{other}> ");
    let mut t = zonecfg_tty(&s, &other);
    t.expect(&prompt);
    t.line("create");
    t.expect(&prompt);
    t.line("exit");
    t.expect(question);
    t.line("y");
    assert_eq!(t.finish(), 1, "{}", t.seen);
    assert!(!s.zones().contains(&other));
}

#[test]
fn ctrl_d_commits_and_ctrl_c_clears_the_line() {
    require_root();
    let s = Scratch::new();
    let zone = unique_zone("eof");
    let prompt = format!("zonecfg:{zone}> ");
    let mut t = zonecfg_tty(&s, &zone);
    t.expect(&prompt);
    t.line("create");
    t.expect(&prompt);
    t.line("set zonepath=/zones/eof");
    t.expect(&prompt);
    // Half a command, then Ctrl-C: the line is dropped, a fresh prompt follows.
    t.send("set autoboot=tr");
    t.send("\x03");
    t.expect(&prompt);
    t.line("info autoboot");
    let out = t.expect(&prompt);
    assert!(out.ends_with("autoboot: false\n"), "{out:?}");
    // Ctrl-D at the prompt is end of input: like exit, it commits.
    t.send("\x04");
    assert_eq!(t.finish(), 0, "{}", t.seen);
    let info = s.zonecfg(&zone, &["info", "zonepath"], None).ok();
    assert_eq!(info.stdout, "zonepath: /zones/eof\n");

    // Ctrl-D with a change that does not verify asks before losing it.
    let other = unique_zone("eof");
    let prompt = format!("zonecfg:{other}> ");
    let mut t = zonecfg_tty(&s, &other);
    t.expect(&prompt);
    t.line("create");
    t.expect(&prompt);
    t.send("\x04");
    t.expect("Configuration not saved; really quit (y/[n])? ");
    t.line("y");
    assert_eq!(t.finish(), 1, "{}", t.seen);
    assert!(!s.zones().contains(&other));
}

#[test]
fn resource_scope_prompt() {
    require_root();
    let s = Scratch::new();
    let zone = "webzone";
    let mut t = zonecfg_tty(&s, zone);
    t.expect("zonecfg:webzone> ");
    t.line("create");
    t.expect("zonecfg:webzone> ");
    t.line("add fs");
    t.expect("zonecfg:webzone:fs> ");
    t.line("set dir=/data");
    t.expect("zonecfg:webzone:fs> ");
    t.line("cancel");
    t.expect("zonecfg:webzone> ");
    t.line("add net");
    t.expect("zonecfg:webzone:net> ");
    t.line("end");
    let out = t.expect("zonecfg:webzone:net> ");
    assert!(out.contains("physical not specified"), "{out:?}");
    t.line("cancel");
    t.expect("zonecfg:webzone> ");
    // exit -F still tries to commit, but leaves without asking when that fails.
    t.line("exit -F");
    let out = t.expect("Configuration not saved.\n");
    assert!(out.contains("zonepath cannot be empty."), "{out:?}");
    assert_eq!(t.finish(), 1, "{}", t.seen);
    assert!(s.zones().is_empty());
}
