//! The zone store and pools files under misuse, concurrency and kill -9: deleting or renaming
//! a zone that is installed or running, many zonecfg and poolcfg processes editing one zone
//! or one file at once, an interactive session committing over a newer commit, a damaged
//! index line, and commands killed at random points of their commits.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zones_tests::{bin, require_root, spawn_on_pty, unique_zone, Scratch};

/// The zone store of a scratch root.
fn zones_dir(s: &Scratch) -> PathBuf {
    s.root().join("etc/zones")
}

/// `(zonepath, state)` of each zone `zoneadm list -cp` shows, the global zone left out.
fn listed(s: &Scratch) -> Vec<(String, String, String)> {
    s.zoneadm(None, &["list", "-cp"])
        .ok()
        .stdout
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f[1].to_string(), f[3].to_string(), f[2].to_string())
        })
        .filter(|(n, _, _)| n != "global")
        .collect()
}

/// Kills and reaps children a failed test leaves.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A small pseudo-random sequence (xorshift), seeded from the clock; the seed is printed
/// so a failing run can be read back.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            | 1;
        eprintln!("seed {seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

// ----- delete and rename of zones that are not only configured -----

/// Neither `delete -F` nor a rename touches `zone`, which is installed or running.
fn refuses_delete_and_rename(s: &Scratch, zone: &str, state: &str) {
    let r = s.zonecfg(zone, &["delete", "-F"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            format!("Zone {zone} not in configured state; delete not allowed.\n").as_str()
        ),
        "{state}"
    );
    let renamed = format!("{zone}r");
    let r = s.zonecfg(zone, &[&format!("set zonename={renamed}; commit")], None);
    assert_eq!(r.code, 1, "{state}: {}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!(
            "{renamed}: Zone state is invalid for the requested operation\n"
        )),
        "{state}: {}",
        r.stderr
    );
    assert!(s.zone_file(zone).exists(), "{state}");
    assert!(!s.zone_file(&renamed).exists(), "{state}");
    assert_eq!(s.listed(zone).1, state);
    assert_eq!(
        s.zonecfg(zone, &["info", "zonename"], None).ok().stdout,
        format!("zonename: {zone}\n")
    );
}

#[test]
fn installed_and_running_zones_are_not_deleted_or_renamed() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("keep");
    s.configure_default(&z);
    s.zoneadm(Some(&z), &["install"]).ok();
    refuses_delete_and_rename(&s, &z, "installed");
    s.zoneadm(Some(&z), &["boot"]).ok();
    refuses_delete_and_rename(&s, &z, "running");
    // The zone is still whole: it halts, uninstalls, and then it may go.
    s.zoneadm(Some(&z), &["halt"]).ok();
    assert_eq!(s.listed(&z).1, "installed");
    s.zoneadm(Some(&z), &["uninstall", "-F"]).ok();
    let renamed = unique_zone("keep");
    s.zonecfg(&z, &[&format!("set zonename={renamed}; commit")], None)
        .ok();
    s.zonecfg(&renamed, &["delete", "-F"], None).ok();
    assert!(listed(&s).is_empty());
}

// ----- concurrent edits -----

#[test]
fn concurrent_one_shot_edits_of_one_zone_lose_nothing() {
    require_root();
    const WRITERS: usize = 64;
    let s = Scratch::new();
    let z = unique_zone("many");
    s.configure_default(&z);
    let mut children = Children(Vec::new());
    for i in 0..WRITERS {
        let mut cmd = s.command("zonecfg");
        cmd.args([
            "-z",
            &z,
            &format!("add attr; set name=a{i}; set type=string; set value=v{i}; end"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        children.0.push(cmd.spawn().unwrap());
    }
    for c in children.0.drain(..) {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let export = s.zonecfg(&z, &["export"], None).ok().stdout;
    let missing: Vec<usize> = (0..WRITERS)
        .filter(|i| !export.contains(&format!("set name=a{i}\n")))
        .collect();
    assert!(missing.is_empty(), "lost {missing:?}:\n{export}");
}

#[test]
fn concurrent_poolcfg_edits_of_one_file_lose_nothing() {
    require_root();
    const WRITERS: usize = 64;
    let s = Scratch::new();
    let dir = s.root().join("pools");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pools.conf");
    let f = file.to_str().unwrap();
    s.run("poolcfg", &["-c", "discover", f], None).ok();
    let mut children = Children(Vec::new());
    for i in 0..WRITERS {
        let mut cmd = s.command("poolcfg");
        cmd.args(["-c", &format!("create pool p{i}"), f])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        children.0.push(cmd.spawn().unwrap());
    }
    for c in children.0.drain(..) {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let info = s.run("poolcfg", &["-c", "info", f], None).ok().stdout;
    let missing: Vec<usize> = (0..WRITERS)
        .filter(|i| !info.contains(&format!("pool p{i}\n")))
        .collect();
    assert!(missing.is_empty(), "lost {missing:?}:\n{info}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "temp files left"
    );
}

/// zonecfg on a terminal, driven expect-style.
struct Tty {
    master: std::fs::File,
    child: Child,
    /// Everything read so far.
    raw: Vec<u8>,
    /// Where the next `expect` starts looking in the cleaned text.
    pos: usize,
}

/// The terminal output without escape sequences (`ESC [ ... final`, `ESC x`) and `\r`.
fn clean(raw: &[u8]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => i += 1,
            0x1b if raw.get(i + 1) == Some(&b'[') => {
                let mut j = i + 2;
                while j < raw.len() && !(0x40..=0x7e).contains(&raw[j]) {
                    j += 1;
                }
                i = j + 1;
            }
            0x1b => i += 2,
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Tty {
    fn spawn(s: &Scratch, zone: &str) -> Tty {
        let mut cmd = s.command("zonecfg");
        cmd.args(["-z", zone]).env("TERM", "xterm");
        let (master, child) = spawn_on_pty(cmd, 40, 200);
        Tty {
            master: std::fs::File::from(master),
            child,
            raw: Vec::new(),
            pos: 0,
        }
    }

    fn seen(&self) -> String {
        clean(&self.raw)
    }

    /// Waits for `text` after the previous match.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let seen = self.seen();
            if let Some(at) = seen[self.pos.min(seen.len())..].find(text) {
                self.pos += at + text.len();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}:\n{seen}"
            );
            let mut fds = [nix::poll::PollFd::new(
                self.master.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            if nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(200u16)).unwrap_or(0) == 0 {
                continue;
            }
            let mut buf = [0u8; 4096];
            match self.master.read(&mut buf) {
                Ok(n) if n > 0 => self.raw.extend_from_slice(&buf[..n]),
                _ => panic!("zonecfg ended before {text:?}:\n{seen}"),
            }
        }
    }

    /// Types `line` and waits for the next prompt.
    fn line(&mut self, line: &str, prompt: &str) {
        self.master
            .write_all(format!("{line}\r").as_bytes())
            .unwrap();
        self.expect(prompt);
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn interactive_commit_over_a_newer_commit_is_refused() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("conf");
    s.configure_default(&z);
    let prompt = format!("zonecfg:{z}> ");
    let mut tty = Tty::spawn(&s, &z);
    tty.expect(&prompt);
    tty.line("set autoboot=true", &prompt);
    // Someone else commits in the meantime.
    s.zonecfg(&z, &["set bootargs=theirs"], None).ok();
    tty.master.write_all(b"commit\r").unwrap();
    tty.expect(&format!(
        "Zone {z} was changed by another zonecfg since this session loaded it; use 'revert' to load the current configuration."
    ));
    tty.expect(&prompt);
    // Nothing was overwritten.
    assert_eq!(
        s.zonecfg(&z, &["info", "bootargs"], None).ok().stdout,
        "bootargs: theirs\n"
    );
    assert_eq!(
        s.zonecfg(&z, &["info", "autoboot"], None).ok().stdout,
        "autoboot: false\n"
    );
    // revert loads the current configuration; the change made again then commits.
    tty.line("revert -F", &prompt);
    tty.line("set autoboot=true", &prompt);
    tty.line("commit", &prompt);
    tty.master.write_all(b"exit\r").unwrap();
    // The refused commit was an error of the session: it ends with status 1, as zonecfg
    // does after any error.
    let status = tty.child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{}", tty.seen());
    let export = s.zonecfg(&z, &["export"], None).ok().stdout;
    assert!(export.contains("set autoboot=true\n"), "{export}");
    assert!(export.contains("set bootargs=theirs\n"), "{export}");
}

// ----- a damaged index line -----

#[test]
fn damaged_index_line_leaves_the_other_zones_working() {
    require_root();
    let s = Scratch::new();
    let (a, b, c) = (unique_zone("da"), unique_zone("db"), unique_zone("dc"));
    s.configure_default(&a);
    s.boot(&b, &[]);
    s.configure_default(&c);
    let index = zones_dir(&s).join("index");
    let text = std::fs::read_to_string(&index).unwrap();
    let damaged = text.replace(&format!("{a}:configured:"), &format!("{a}:confgured:"));
    assert_ne!(damaged, text);
    std::fs::write(&index, &damaged).unwrap();
    let line = damaged
        .lines()
        .position(|l| l.starts_with(&format!("{a}:")))
        .unwrap()
        + 1;
    let warning = format!(
        "zoneadm: warning: {}:{line}: bad index entry: unknown zone state 'confgured'; line ignored\n",
        index.display()
    );
    let r = s.zoneadm(None, &["list", "-c"]).ok();
    assert_eq!(r.stdout, format!("global\n{b}\n{c}\n"));
    assert_eq!(r.stderr, warning);
    assert_eq!(s.listed(&b).1, "running");
    // The running zone halts and boots again; the damaged line is kept as it was.
    let r = s.zoneadm(Some(&b), &["halt"]).ok();
    assert_eq!(r.stderr, warning);
    assert_eq!(s.listed(&b).1, "installed");
    s.zoneadm(Some(&b), &["boot"]).ok();
    s.zonecfg(&c, &["set autoboot=true"], None).ok();
    let now = std::fs::read_to_string(&index).unwrap();
    assert!(
        now.contains(&format!("\n{a}:confgured:/zones/{a}:\n")),
        "{now}"
    );

    // Even the running zone's own line damaged: it is still halted.
    std::fs::write(
        &index,
        now.replace(&format!("{b}:installed:"), &format!("{b}:instaled:")),
    )
    .unwrap();
    assert_eq!(
        s.zoneadm(None, &["list", "-c"]).ok().stdout,
        format!("global\n{c}\n")
    );
    s.zoneadm(Some(&b), &["halt"]).ok();
    // Halted, it is the damaged line that zoneadm and zonecfg name.
    let bline = now
        .lines()
        .position(|l| l.starts_with(&format!("{b}:")))
        .unwrap()
        + 1;
    let r = s.zoneadm(Some(&b), &["list", "-p"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with(&format!(
            "zoneadm: zone '{b}': {}:{bline}: bad index entry: unknown zone state 'instaled'\n",
            index.display()
        )),
        "{}",
        r.stderr
    );
    let r = s.zonecfg(&b, &["info"], None);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("bad index entry"), "{}", r.stderr);
    // Repaired by hand, both zones are back.
    std::fs::write(&index, &text).unwrap();
    assert_eq!(s.listed(&b).1, "installed");
    assert_eq!(s.listed(&a).1, "configured");
}

// ----- kill -9 during commits -----

/// How long a command takes, for choosing kill times inside it.
fn duration_of(mut cmd: Command) -> Duration {
    let t = Instant::now();
    let st = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    t.elapsed()
}

/// Start `cmd` and kill -9 it after `after` (or let it finish first).
fn kill_after(mut cmd: Command, after: Duration) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

/// After the next command: no temp file in `etc/zones`, every zone file has an index line,
/// and zonecfg and zoneadm agree on each zone (exists, zonepath).
fn store_is_whole(s: &Scratch, zones: &[String], what: &str) {
    let rows = listed(s);
    for entry in std::fs::read_dir(zones_dir(s)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with("zonecfg."),
            "{what}: temp file {name} left"
        );
        if let Some(zone) = name.strip_suffix(".xml") {
            if !zone.starts_with("SYS") {
                assert!(
                    rows.iter().any(|(n, _, _)| n == zone),
                    "{what}: {name} without an index line"
                );
            }
        }
    }
    for z in zones {
        let r = s.zonecfg(z, &["info", "zonepath"], None);
        match rows.iter().find(|(n, _, _)| n == z) {
            Some((_, path, _)) => {
                assert_eq!(
                    r.code, 0,
                    "{what}: zoneadm lists {z}, zonecfg: {}",
                    r.stderr
                );
                assert_eq!(r.stdout, format!("zonepath: {path}\n"), "{what}: {z}");
            }
            None => assert_eq!(
                r.stderr,
                format!("{z}: No such zone configured\n"),
                "{what}: zoneadm does not list {z}"
            ),
        }
    }
}

#[test]
fn zonecfg_killed_mid_commit_leaves_old_or_new_state() {
    require_root();
    const ROUNDS: usize = 120;
    let s = Scratch::new();
    let mut rng = Rng::new();
    let keep = unique_zone("kk");
    s.configure_default(&keep);
    let mut zones = vec![keep.clone()];
    let mut probe = s.command("zonecfg");
    probe.args(["-z", &keep, "set bootargs=probe"]);
    let span = duration_of(probe).as_micros() as u64 * 3 / 2;
    for round in 0..ROUNDS {
        let fresh = format!("kn{round}");
        let mut cmd = s.command("zonecfg");
        let what = match rng.below(4) {
            0 => {
                cmd.args([
                    "-z",
                    &fresh,
                    &format!("create; set zonepath=/zones/{fresh}"),
                ]);
                zones.push(fresh);
                "create"
            }
            1 => {
                cmd.args([
                    "-z",
                    &keep,
                    &format!("set zonepath=/zones/p{round}; set bootargs=r{round}"),
                ]);
                "recommit"
            }
            2 => {
                // Rename a zone made earlier (its new name is new).
                let Some(from) = zones.iter().skip(1).last().cloned() else {
                    continue;
                };
                let to = format!("kr{round}");
                cmd.args(["-z", &from, &format!("set zonename={to}")]);
                zones.push(to);
                "rename"
            }
            _ => {
                let Some(victim) = zones.iter().skip(1).last().cloned() else {
                    continue;
                };
                cmd.args(["-z", &victim, "delete -F"]);
                "delete"
            }
        };
        kill_after(cmd, Duration::from_micros(rng.below(span)));
        store_is_whole(&s, &zones, &format!("round {round} ({what})"));
    }
}

#[test]
fn poolcfg_killed_mid_commit_leaves_old_or_new_state() {
    require_root();
    const ROUNDS: usize = 80;
    let s = Scratch::new();
    let mut rng = Rng::new();
    let dir = s.root().join("pools");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pools.conf");
    let f = file.to_str().unwrap().to_string();
    s.run("poolcfg", &["-c", "discover", &f], None).ok();
    let mut probe = s.command("poolcfg");
    probe.args(["-c", "create pool probe", &f]);
    let span = duration_of(probe).as_micros() as u64 * 3 / 2;
    let mut done: Vec<String> = vec!["probe".into()];
    for round in 0..ROUNDS {
        let pool = format!("k{round}");
        let mut cmd = s.command("poolcfg");
        cmd.args(["-c", &format!("create pool {pool}"), &f]);
        kill_after(cmd, Duration::from_micros(rng.below(span)));
        // The next poolcfg sees a whole file, with every pool a finished run made, and
        // nothing else is left in the directory.
        let info = s.run("poolcfg", &["-c", "info", &f], None);
        assert_eq!(info.code, 0, "round {round}: {}", info.stderr);
        for p in &done {
            assert!(
                info.stdout.contains(&format!("pool {p}\n")),
                "round {round}: lost {p}"
            );
        }
        if info.stdout.contains(&format!("pool {pool}\n")) {
            done.push(pool);
        }
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["pools.conf"], "round {round}");
    }
}

#[test]
fn poolcfg_creates_a_missing_file_once() {
    require_root();
    // Parallel `create system` of a file that does not exist: one wins, the others fail on
    // the existing system or succeed after it; the file is whole either way.
    let s = Scratch::new();
    let dir = s.root().join("pools");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("new.conf").to_str().unwrap().to_string();
    let mut children = Children(Vec::new());
    for i in 0..16 {
        let mut cmd = Command::new(bin("poolcfg"));
        cmd.args([
            "-R",
            &s.root_str(),
            "-c",
            &format!("create system s{i}"),
            &f,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        children.0.push(cmd.spawn().unwrap());
    }
    for c in &mut children.0 {
        c.wait().unwrap();
    }
    let info = s.run("poolcfg", &["-c", "info", &f], None).ok().stdout;
    assert!(info.starts_with("\nsystem s"), "{info}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}
