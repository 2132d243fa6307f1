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
        Pty::spawn_on(args, "xterm")
    }

    /// On a terminal of type `term`.
    fn spawn_on(args: &[&str], term: &str) -> Pty {
        let mut cmd = Command::new(bin("zonecfg"));
        cmd.args(args).env("TERM", term);
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

/// The seed's session (lines 339-344): the commands typed at the prompt, each with what it
/// prints, and the whole transcript a terminal shows.
const SEED: [(&str, &str); 5] = [
    (
        "create",
        "create: Using system default template 'SYSdefault'\n",
    ),
    ("set zonepath=/zones/webzone", ""),
    ("set autoboot=true", ""),
    ("commit", ""),
    ("exit", ""),
];

const SEED_TRANSCRIPT: &str = "webzone: No such zone configured\n\
     Use 'create' to begin configuring a new zone.\n\
     zonecfg:webzone> create\n\
     create: Using system default template 'SYSdefault'\n\
     zonecfg:webzone> set zonepath=/zones/webzone\n\
     zonecfg:webzone> set autoboot=true\n\
     zonecfg:webzone> commit\n\
     zonecfg:webzone> exit\n";

const WEBZONE_PROMPT: &str = "zonecfg:webzone> ";

/// The seed's session typed line by line, each after its prompt: the transcript.
fn type_seed_session(s: &Scratch) -> String {
    let mut t = zonecfg_tty(s, "webzone");
    let greeting = t.expect(WEBZONE_PROMPT);
    assert_eq!(
        greeting,
        "webzone: No such zone configured\nUse 'create' to begin configuring a new zone.\n"
    );
    let mut transcript = format!("{greeting}{WEBZONE_PROMPT}");
    for (cmd, answer) in &SEED[..4] {
        t.line(cmd);
        let out = t.expect(WEBZONE_PROMPT);
        assert_eq!(out, format!("{cmd}\n{answer}"), "after {cmd}");
        transcript.push_str(&format!("{out}{WEBZONE_PROMPT}"));
    }
    t.line("exit");
    assert_eq!(t.finish(), 0, "output:\n{}", t.seen);
    assert_eq!(t.rest(), "exit\n");
    transcript.push_str("exit\n");
    transcript
}

/// `zonecfg -z webzone export` in `s`.
fn webzone_export(s: &Scratch) -> String {
    let out = s.zonecfg("webzone", &["export"], None).ok().stdout;
    assert!(out.contains("set autoboot=true"), "{out}");
    out
}

/// The seed's commands as one block of keys, each line ended by Enter.
fn seed_keys() -> String {
    SEED.iter().map(|(cmd, _)| format!("{cmd}\r")).collect()
}

#[test]
fn seed_session_verbatim() {
    require_root();
    let s = Scratch::new();
    let transcript = type_seed_session(&s);
    assert_eq!(transcript, SEED_TRANSCRIPT);

    let list = s.zoneadm(None, &["list", "-cv"]).ok();
    assert_eq!(
        list.stdout,
        "  ID NAME             STATUS     PATH                           BRAND    IP    \n\
         \x20  0 global           running    /                              linux    shared\n\
         \x20  - webzone          configured /zones/webzone                 sparse   shared\n"
    );
    let info = s.zonecfg("webzone", &["info", "autoboot"], None).ok();
    assert_eq!(info.stdout, "autoboot: true\n");
}

/// A terminal, `screen` or `expect` pasting the seed's block unbracketed: every line runs,
/// in order, after its own prompt, and the zone is committed exactly as when typed.
#[test]
fn seed_session_pasted_as_one_block() {
    require_root();
    let typed = Scratch::new();
    type_seed_session(&typed);

    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    t.send(&seed_keys());
    assert_eq!(t.finish(), 0, "output:\n{}", t.seen);
    assert_eq!(t.seen, SEED_TRANSCRIPT);
    assert_eq!(webzone_export(&s), webzone_export(&typed));
}

/// Typing ahead, key by key, faster than zonecfg answers: no line is lost and each gets its
/// prompt (keys typed while a command runs are also echoed by the terminal itself).
#[test]
fn typed_ahead_lines_all_run() {
    require_root();
    let typed = Scratch::new();
    type_seed_session(&typed);

    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    for key in seed_keys().chars() {
        t.send(&key.to_string());
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(t.finish(), 0, "output:\n{}", t.seen);
    assert_eq!(
        t.seen.matches(WEBZONE_PROMPT).count(),
        SEED.len(),
        "one prompt per line:\n{}",
        t.seen
    );
    assert!(t
        .seen
        .contains("create: Using system default template 'SYSdefault'\n"));
    assert_eq!(webzone_export(&s), webzone_export(&typed));
}

/// A bracketed paste runs at once, line by line, without waiting for another Enter.
#[test]
fn bracketed_paste_runs_every_line() {
    require_root();
    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    let block: String = SEED[..4]
        .iter()
        .map(|(cmd, _)| format!("{cmd}\r"))
        .collect();
    t.send(&format!("\x1b[200~{block}\x1b[201~"));
    for _ in 0..4 {
        t.expect(WEBZONE_PROMPT);
    }
    t.line("exit");
    assert_eq!(t.finish(), 0, "output:\n{}", t.seen);
    assert_eq!(t.seen, SEED_TRANSCRIPT);
    let info = s.zonecfg("webzone", &["info", "autoboot"], None).ok();
    assert_eq!(info.stdout, "autoboot: true\n");
}

/// Tab twice lists what can follow `typed`: the listing (the line is then dropped).
fn listing(t: &mut Pty, prompt: &str, typed: &str) -> String {
    t.send(&format!("{typed}\t"));
    // An ambiguous Tab rings the bell; a second one lists the choices and redraws the line.
    t.expect("\x07");
    t.send("\t");
    let list = t.expect(&format!("{prompt}{typed}"));
    // Ctrl-C drops the half-typed line; a fresh prompt follows.
    t.send("\x03");
    t.expect(prompt);
    list
}

/// The words of a listing.
fn words(list: &str) -> Vec<&str> {
    list.split_whitespace().collect()
}

/// Runs `info <what>` and returns what it printed before the next `prompt`.
fn info(t: &mut Pty, prompt: &str, what: &str) -> String {
    let cmd = format!("info {what}").trim_end().to_string();
    t.line(&cmd);
    t.expect(&format!("{cmd}\n"));
    t.expect(prompt)
}

#[test]
fn completion_of_commands_per_scope() {
    require_root();
    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    assert_eq!(
        words(&listing(&mut t, WEBZONE_PROMPT, "c")),
        ["clear", "commit", "create"]
    );
    t.send("cr\t\r");
    t.expect("create: Using system default template 'SYSdefault'\n");
    t.expect(WEBZONE_PROMPT);
    t.line("add fs");
    let fs = "zonecfg:webzone:fs> ";
    t.expect(fs);
    // Inside a resource: cancel and end, no commit or create.
    assert_eq!(words(&listing(&mut t, fs, "c")), ["cancel", "clear"]);
    assert_eq!(words(&listing(&mut t, fs, "e")), ["end", "exit"]);
    t.send("canc\t\r");
    t.expect(WEBZONE_PROMPT);
    // No zonepath yet: leave without the question about unsaved changes.
    t.line("exit -F");
    t.finish();
}

#[test]
fn completion_of_resource_types() {
    require_root();
    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    t.line("create");
    t.expect(WEBZONE_PROMPT);
    t.send("add capped-m\t\r");
    t.expect("zonecfg:webzone:capped-memory> ");
    t.line("cancel");
    t.expect(WEBZONE_PROMPT);
    assert_eq!(
        words(&listing(&mut t, WEBZONE_PROMPT, "select d")),
        ["dataset", "dedicated-cpu", "device"]
    );
    assert_eq!(
        words(&listing(&mut t, WEBZONE_PROMPT, "remove capped-")),
        ["capped-cpu", "capped-memory"]
    );
    // info also takes the zone's properties.
    assert_eq!(
        words(&listing(&mut t, WEBZONE_PROMPT, "info a")),
        ["admin", "anet", "attr", "autoboot", "autoshutdown"]
    );
    t.line("exit -F");
    t.finish();
}

#[test]
fn completion_of_property_names() {
    require_root();
    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    t.line("create");
    t.expect(WEBZONE_PROMPT);
    t.send("set zonep\t/zones/webzone\r");
    t.expect(WEBZONE_PROMPT);
    assert_eq!(
        info(&mut t, WEBZONE_PROMPT, "zonepath"),
        "zonepath: /zones/webzone\n"
    );
    assert_eq!(
        words(&listing(&mut t, WEBZONE_PROMPT, "set max-s")),
        ["max-sem-ids=", "max-shm-ids=", "max-shm-memory="]
    );
    t.send("clear autob\t\r");
    t.expect(WEBZONE_PROMPT);
    t.line("add fs");
    let fs = "zonecfg:webzone:fs> ";
    t.expect(fs);
    // The properties of the resource being edited, not the zone's.
    assert_eq!(
        words(&listing(&mut t, fs, "set ")),
        ["dir=", "options=", "raw=", "special=", "type="]
    );
    t.send("set sp\t/dev/sdz1\r");
    t.expect(fs);
    let out = info(&mut t, fs, "");
    assert!(out.contains("special: /dev/sdz1"), "{out:?}");
    t.line("cancel");
    t.expect(WEBZONE_PROMPT);
    t.line("exit");
    assert_eq!(t.finish(), 0, "{}", t.seen);
    let info = s.zonecfg("webzone", &["info", "zonepath"], None).ok();
    assert_eq!(info.stdout, "zonepath: /zones/webzone\n");
}

#[test]
fn completion_of_values() {
    require_root();
    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    t.line("create");
    t.expect(WEBZONE_PROMPT);
    t.line("set zonepath=/zones/webzone");
    t.expect(WEBZONE_PROMPT);
    assert_eq!(
        words(&listing(&mut t, WEBZONE_PROMPT, "set ip-type=")),
        ["exclusive", "shared"]
    );
    t.send("set ip-type=ex\t\r");
    // The editor may redraw the completed line (prompt included) before Enter ends it.
    t.expect("exclusive");
    t.expect(WEBZONE_PROMPT);
    t.send("set autoboot=t\t\r");
    // The editor may redraw the completed line (prompt included) before Enter ends it.
    t.expect("true");
    t.expect(WEBZONE_PROMPT);
    // Brands come from the brand templates.
    assert_eq!(
        words(&listing(&mut t, WEBZONE_PROMPT, "set brand=")),
        ["sparse", "whole"]
    );
    t.send("set brand=wh\t\r");
    // The editor may redraw the completed line (prompt included) before Enter ends it.
    t.expect("whole");
    t.expect(WEBZONE_PROMPT);
    assert_eq!(
        info(&mut t, WEBZONE_PROMPT, "ip-type"),
        "ip-type: exclusive\n"
    );
    assert_eq!(info(&mut t, WEBZONE_PROMPT, "autoboot"), "autoboot: true\n");
    assert_eq!(info(&mut t, WEBZONE_PROMPT, "brand"), "brand: whole\n");
    t.line("add attr");
    let attr = "zonecfg:webzone:attr> ";
    t.expect(attr);
    assert_eq!(
        words(&listing(&mut t, attr, "set type=")),
        ["boolean", "int", "string", "uint"]
    );
    t.line("cancel");
    t.expect(WEBZONE_PROMPT);
    t.line("exit");
    assert_eq!(t.finish(), 0, "{}", t.seen);
}

/// Up recalls the lines typed before (zonecfg keeps a history), also pasted ones.
#[test]
fn history_recalls_earlier_lines() {
    require_root();
    let s = Scratch::new();
    let mut t = zonecfg_tty(&s, "webzone");
    t.expect(WEBZONE_PROMPT);
    t.send("create\rset autoboot=true\rinfo autoboot\r");
    t.expect("autoboot: true\n");
    t.expect(WEBZONE_PROMPT);
    t.line("set autoboot=false");
    t.expect(WEBZONE_PROMPT);
    // Up twice: `info autoboot` again.
    t.send("\x1b[A\x1b[A\r");
    t.expect("autoboot: false\n");
    t.expect(WEBZONE_PROMPT);
    t.line("exit -F");
    t.finish();
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

/// A terminal no line editor can drive (`TERM=dumb`, an Emacs shell buffer): every line
/// still runs after its prompt and the session ends, as on a plain serial line.
#[test]
fn seed_session_on_a_dumb_terminal() {
    require_root();
    let s = Scratch::new();
    let root = s.root_str();
    let mut t = Pty::spawn_on(&["-R", &root, "-z", "webzone"], "dumb");
    t.expect("Use 'create' to begin configuring a new zone.");
    t.expect(WEBZONE_PROMPT);
    for (cmd, answer) in &SEED[..4] {
        t.line(cmd);
        let out = t.expect(WEBZONE_PROMPT);
        assert!(out.contains(answer), "after {cmd}: {out:?}");
    }
    t.line("info zonepath");
    assert!(t
        .expect(WEBZONE_PROMPT)
        .contains("zonepath: /zones/webzone"));
    t.line("exit");
    assert_eq!(t.finish(), 0, "output:\n{}", t.seen);
    webzone_export(&s);
}
