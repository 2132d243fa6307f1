//! Helpers shared by the integration tests: the built binaries, a scratch alternate root that
//! cleans up after itself (halting every zone it holds, even when the test fails), unique
//! zone names, a root check, zones configured with zonecfg or by hand-written files, their
//! runtime records, what of them is left on the host, and capability sets by name.

mod attack;
mod caps;
mod debian;
mod pty;
mod record;
mod traces;

pub use attack::{attack_in_zone, attack_on_host, install_attacker, outcome, Outcome, ATTACKER};
pub use caps::{cap_names, cap_sets, host_bounding, CAP_NAMES};
pub use debian::{apt_mirrors, debian_root, host_mirror, target_dir, DEBIAN_KEY};
pub use pty::{read_until, set_winsize, spawn_on_pty};
pub use record::{json_strings, record_path, Record};
pub use traces::{
    alive, cgroup_hierarchies, cgroup_parent, cgroups_named, eventually, gone_within, traces,
    zone_ns, ZoneNs,
};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The directory holding the workspace's binaries (`target/<profile>`), found from the test
/// executable (`target/<profile>/deps/<test>`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps dir");
    deps.parent().expect("profile dir").to_path_buf()
}

/// Path of one of our binaries; panics with a hint when it was not built.
pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} not built: run `cargo build --workspace` before the tests (scripts/test does)",
        p.display()
    );
    p
}

/// Integration tests create namespaces, mounts and cgroups: they need root.
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "integration tests must run as root (scripts/test)"
    );
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A zone name no other test (or earlier run) uses: `<prefix><pid>x<n>`.
pub fn unique_zone(prefix: &str) -> String {
    format!(
        "{prefix}{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Text of a finished command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(128),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panic with the full output unless the command succeeded.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "command failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Run a binary with arguments (and optional stdin text).
pub fn run(name: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(bin(name));
    cmd.args(args);
    run_command(cmd, stdin.map(str::as_bytes))
}

/// Run a prepared command with `stdin` as its input (`None`: `/dev/null`); its status and
/// output.
pub fn run_command(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    if let Some(data) = stdin {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        let data = data.to_vec();
        // A writer thread, so a command that does not read cannot deadlock the test.
        std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
    }
    child.wait_with_output().expect("wait").into()
}

/// The zone file of a sparse, shared-IP zone at `/zones/<zone>` as libzone's store lays it
/// out, with `limitpriv` if given and `body` (whole lines: the resources) inside `<zone>`.
pub fn zone_xml(zone: &str, autoboot: bool, limitpriv: Option<&str>, body: &str) -> String {
    let limitpriv = limitpriv
        .map(|l| format!(" limitpriv=\"{l}\""))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <zone name=\"{zone}\" zonepath=\"/zones/{zone}\" autoboot=\"{autoboot}\" \
         brand=\"sparse\" ip-type=\"shared\"{limitpriv}>\n{body}</zone>\n"
    )
}

/// A scratch alternate root (`-R`) in a temp dir. On drop it halts every zone of its index
/// (killing their processes and removing their cgroups) and deletes the tree, so a failing
/// test leaves nothing behind.
pub struct Scratch {
    dir: Option<tempfile::TempDir>,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix("zones-test-")
            .tempdir()
            .expect("temp dir");
        Scratch { dir: Some(dir) }
    }

    pub fn root(&self) -> &Path {
        self.dir.as_ref().expect("scratch dir").path()
    }

    pub fn root_str(&self) -> String {
        self.root().to_string_lossy().into_owned()
    }

    /// `<name> -R root`: one of our binaries, for the caller to complete and start.
    pub fn command(&self, name: &str) -> Command {
        let mut cmd = Command::new(bin(name));
        cmd.arg("-R").arg(self.root());
        cmd
    }

    /// `zonecfg -R root -z zone <args...>`.
    pub fn zonecfg(&self, zone: &str, args: &[&str], stdin: Option<&str>) -> Run {
        let mut a = vec!["-z", zone];
        a.extend_from_slice(args);
        self.run("zonecfg", &a, stdin)
    }

    /// `zoneadm -R root [-z zone] <args...>`.
    pub fn zoneadm(&self, zone: Option<&str>, args: &[&str]) -> Run {
        let mut a = Vec::new();
        if let Some(z) = zone {
            a.extend_from_slice(&["-z", z]);
        }
        a.extend_from_slice(args);
        self.run("zoneadm", &a, None)
    }

    /// `zlogin -R root <args...>`.
    pub fn zlogin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        self.run("zlogin", args, stdin)
    }

    /// `<name> -R root <args...>`, for any of our binaries.
    pub fn run(&self, name: &str, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(name);
        cmd.args(args);
        run_command(cmd, stdin.map(str::as_bytes))
    }

    /// Configure a sparse zone at `/zones/<zone>` (inside the scratch root), with extra
    /// zonecfg commands, committed.
    pub fn configure(&self, zone: &str, extra: &[&str]) {
        let mut script = format!("create\nset zonepath=/zones/{zone}\n");
        for line in extra {
            script.push_str(line);
            script.push('\n');
        }
        script.push_str("commit\n");
        self.zonecfg(zone, &["-f", "-"], Some(&script)).ok();
    }

    /// Configure a zone with `zonecfg` (`create`, the zonepath, then `lines`).
    pub fn configure_lines(&self, zone: &str, lines: &[String]) {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        self.configure(zone, &refs);
    }

    /// Configure a default sparse zone at `/zones/<zone>`.
    pub fn configure_default(&self, zone: &str) {
        self.configure(zone, &[]);
    }

    /// Add `zone` (configured, at `/zones/<zone>`) to the index and write its zone file as
    /// `xml` says, as zonecfg would; also for settings zonecfg itself refuses, as if edited
    /// by hand. Not for concurrent use on one root.
    pub fn write_zone(&self, zone: &str, xml: &str) {
        let dir = self.root().join("etc/zones");
        std::fs::create_dir_all(&dir).expect("etc/zones");
        let index = dir.join("index");
        let mut text =
            std::fs::read_to_string(&index).unwrap_or_else(|_| "global:installed:/\n".to_string());
        text.push_str(&format!("{zone}:configured:/zones/{zone}:\n"));
        std::fs::write(&index, text).expect("write index");
        std::fs::write(self.zone_file(zone), xml).expect("write zone file");
    }

    /// The zone's file in the store: `etc/zones/<zone>.xml`.
    pub fn zone_file(&self, zone: &str) -> PathBuf {
        self.root().join(format!("etc/zones/{zone}.xml"))
    }

    /// `(zone id, state)` from `zoneadm list -p -z <zone>`.
    pub fn listed(&self, zone: &str) -> (Option<u32>, String) {
        let out = self.zoneadm(Some(zone), &["list", "-p"]).ok().stdout;
        let f: Vec<&str> = out.trim().split(':').collect();
        assert_eq!(f.get(1), Some(&zone), "{out}");
        (f[0].parse().ok(), f[2].to_string())
    }

    /// The runtime record of `zone`, which must exist in the kernel.
    pub fn record(&self, zone: &str) -> Record {
        let path = record_path(self.root(), zone);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Record::parse(&text).unwrap_or_else(|| panic!("{}: not JSON:\n{text}", path.display()))
    }

    /// Configure, install and boot a zone.
    pub fn boot(&self, zone: &str, extra: &[&str]) {
        self.configure(zone, extra);
        self.zoneadm(Some(zone), &["install"]).ok();
        self.zoneadm(Some(zone), &["boot"]).ok();
    }

    /// Zone names in the scratch index (the global zone excluded).
    pub fn zones(&self) -> Vec<String> {
        let index = self.root().join("etc/zones/index");
        std::fs::read_to_string(index)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split(':').next())
            .filter(|n| !n.is_empty() && *n != "global")
            .map(str::to_string)
            .collect()
    }

    /// Halt every zone and disable the pools facility (ignoring errors): the cleanup of a
    /// test that may have failed. Zones with `dedicated-cpu` enable pools on their own.
    pub fn halt_all(&self) {
        for z in self.zones() {
            let _ = self.zoneadm(Some(&z), &["halt"]);
        }
        if bin_dir().join("pooladm").exists() {
            let _ = self.run("pooladm", &["-d"], None);
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.dir.is_some() && bin_dir().join("zoneadm").exists() {
            self.halt_all();
        }
        if let Some(d) = self.dir.take() {
            // Zone roots are root-owned trees with read-only modes; remove_dir_all copes.
            let _ = std::fs::remove_dir_all(d.path());
            let _ = d.close();
        }
    }
}
