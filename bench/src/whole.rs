//! Whole-root zones with their own systemd: boot of a Debian 12 zone to its console login
//! prompt (systemd's console getty starts with `multi-user.target`) against `systemd-nspawn
//! -b` of the same tree to its prompt, paired; and the host memory an idle systemd zone costs.
//!
//! The tree is the one `tests/tests/whole_systemd.rs` caches (debootstrap minbase with
//! systemd and dbus, `target/debian-root/<key>`); without it, or without systemd-nspawn
//! (package systemd-container), the rows say they were skipped. Both sides boot their own
//! copy of the tree, each with a fixed machine ID, so neither takes a first boot; each round
//! is stopped gracefully (`zoneadm shutdown`; SIGTERM to nspawn, which powers its container
//! off), untimed.

use crate::cmd::Cmd;
use crate::error::{BenchError, Result};
use crate::pair::{paired, Samples};
use crate::zones::{parse_record, Tools};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The cache key of the tree (`tests/support/debian.rs` names it).
pub const DEBIAN_KEY: &str = "bookworm-minbase-systemd-dbus-1";

/// What systemd's console getty prints last.
const PROMPT: &[u8] = b"login: ";

/// How long one boot or stop may take before the run is called hung.
const HANG: Duration = Duration::from_secs(300);

/// The cached tree for a binary in `target/<profile>/`: `target/debian-root/<key>`.
pub fn default_tree(bin_dir: &Path) -> Option<PathBuf> {
    Some(bin_dir.parent()?.join("debian-root").join(DEBIAN_KEY))
}

/// The figures of this part.
#[derive(Debug, Clone)]
pub struct WholeReport {
    /// Boot to the login prompt: zone (a) and nspawn (b, empty when skipped), ms.
    pub boot: Samples,
    /// Why the nspawn side did not run.
    pub nspawn_skipped: Option<String>,
    pub zone_cmd: String,
    pub nspawn_cmd: String,
    /// Per idle systemd zone, kB: PSS of its processes, of its zoneadmd, and the growth of
    /// kernel memory and shared memory (journald's files in the zone's /run) while they run.
    pub mem: Option<WholeMem>,
}

#[derive(Debug, Clone)]
pub struct WholeMem {
    pub zones: usize,
    pub idle: Duration,
    pub procs_per_zone: f64,
    pub zone_pss: i64,
    pub supervisor_pss: i64,
    pub kernel: i64,
    pub shmem: i64,
}

impl WholeMem {
    pub fn per_zone(&self) -> f64 {
        (self.zone_pss + self.supervisor_pss + self.kernel + self.shmem) as f64
            / self.zones.max(1) as f64
    }
}

/// Copy a tree with `cp -a` (reflinks where the file system can): both sides get the same
/// bytes, laid down the same way.
fn copy_tree(from: &Path, to: &Path, errlog: &Path) -> Result<()> {
    Cmd::new("cp")
        .args(["-a", "--reflink=auto"])
        .arg(from)
        .arg(to)
        .run(errlog)
        .map(|_| ())
}

/// A machine ID of our own (so no side boots for the first time).
fn set_machine_id(root: &Path, n: usize) -> Result<()> {
    let p = root.join("etc/machine-id");
    std::fs::write(&p, format!("5a0ee5c1d0f14e5f9c0de5a0ee5c{n:04x}\n")).map_err(BenchError::io(&p))
}

/// Whole-root zones in a scratch alternate root of their own, installed from the tree.
struct WholeRoot<'a> {
    root: PathBuf,
    tools: &'a Tools,
    errlog: PathBuf,
    zones: Vec<String>,
}

impl WholeRoot<'_> {
    fn zoneadm(&self, zone: &str) -> Cmd {
        Cmd::new(&self.tools.zoneadm)
            .arg("-R")
            .arg(&self.root)
            .args(["-z", zone])
    }

    /// Configure a whole-root zone and lay the tree down as `zoneadm install` leaves a zone
    /// (root under the zonepath, owner file, index entry with a UUID).
    fn create(&mut self, zone: &str, tree: &Path) -> Result<()> {
        let script = format!("create; set brand=whole; set zonepath=/zones/{zone}; commit");
        Cmd::new(&self.tools.zonecfg)
            .arg("-R")
            .arg(&self.root)
            .args(["-z", zone, &script])
            .run(&self.errlog)?;
        self.zones.push(zone.to_string());
        let zonepath = self.root.join("zones").join(zone);
        std::fs::create_dir_all(&zonepath).map_err(BenchError::io(&zonepath))?;
        std::fs::set_permissions(
            &zonepath,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .map_err(BenchError::io(&zonepath))?;
        copy_tree(tree, &zonepath.join("root"), &self.errlog)?;
        set_machine_id(&zonepath.join("root"), self.zones.len())?;
        let uuid_path = "/proc/sys/kernel/random/uuid";
        let uuid = std::fs::read_to_string(uuid_path).map_err(BenchError::io(uuid_path))?;
        let uuid = uuid.trim();
        let owner = zonepath.join(".zone-owner");
        std::fs::write(&owner, format!("{zone}:{uuid}\n")).map_err(BenchError::io(&owner))?;
        let index = self.root.join("etc/zones/index");
        let text = std::fs::read_to_string(&index).map_err(BenchError::io(&index))?;
        let was = format!("{zone}:configured:/zones/{zone}:");
        if !text.lines().any(|l| l == was) {
            return Err(BenchError::Setup(format!(
                "{}: no entry {was}",
                index.display()
            )));
        }
        let text: String = text
            .lines()
            .map(|l| {
                if l == was {
                    format!("{zone}:installed:/zones/{zone}:{uuid}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        std::fs::write(&index, text).map_err(BenchError::io(&index))
    }

    fn console_len(&self, zone: &str) -> u64 {
        std::fs::metadata(self.console_path(zone))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    fn console_path(&self, zone: &str) -> PathBuf {
        self.root.join(format!("var/log/zones/{zone}.console"))
    }

    /// `zoneadm boot`, then wait for the login prompt on the console (in the console log,
    /// after what it held before); the time from the start of `zoneadm boot` to the prompt.
    fn boot_to_prompt(&self, zone: &str) -> Result<Duration> {
        let from = self.console_len(zone);
        let t0 = Instant::now();
        self.zoneadm(zone).arg("boot").run(&self.errlog)?;
        loop {
            crate::stop::check()?;
            if let Ok(text) = std::fs::read(self.console_path(zone)) {
                let new = text.get(from as usize..).unwrap_or_default();
                if new.windows(PROMPT.len()).any(|w| w == PROMPT) {
                    return Ok(t0.elapsed());
                }
            }
            if t0.elapsed() > HANG {
                return Err(BenchError::Setup(format!(
                    "zone {zone}: no login prompt within {HANG:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn shutdown(&self, zone: &str) -> Result<()> {
        self.zoneadm(zone)
            .arg("shutdown")
            .run(&self.errlog)
            .map(|_| ())
    }
}

impl Drop for WholeRoot<'_> {
    fn drop(&mut self) {
        for z in &self.zones {
            let _ = self.zoneadm(z).arg("halt").run(&self.errlog);
        }
    }
}

/// A program on a new pseudo-terminal (its controlling terminal, in a session of its own).
fn spawn_on_pty(mut cmd: Command) -> Result<(OwnedFd, Child)> {
    use nix::fcntl::OFlag;
    use std::os::unix::process::CommandExt;
    let sys = |step: &str| BenchError::sys(step.to_string());
    let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .map_err(sys("posix_openpt"))?;
    nix::pty::grantpt(&master).map_err(sys("grantpt"))?;
    nix::pty::unlockpt(&master).map_err(sys("unlockpt"))?;
    let name = nix::pty::ptsname_r(&master).map_err(sys("ptsname"))?;
    let slave: OwnedFd = nix::fcntl::open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(sys("open pty"))?;
    let io = |fd: &OwnedFd| -> Result<Stdio> {
        Ok(Stdio::from(
            fd.try_clone().map_err(BenchError::io("pty slave"))?,
        ))
    };
    cmd.stdin(io(&slave)?)
        .stdout(io(&slave)?)
        .stderr(io(&slave)?);
    // SAFETY: setsid and ioctl are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(|source| BenchError::Spawn {
        cmd: "systemd-nspawn".into(),
        source,
    })?;
    drop(slave);
    Ok((OwnedFd::from(master), child))
}

/// Read `master` until `needle` shows (or the terminal hangs up, or `limit` passes).
fn read_until(master: &OwnedFd, needle: &[u8], limit: Duration) -> Result<bool> {
    let end = Instant::now() + limit;
    let mut seen: Vec<u8> = Vec::new();
    loop {
        crate::stop::check()?;
        if seen.windows(needle.len()).any(|w| w == needle) {
            return Ok(true);
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        let mut fds = [nix::poll::PollFd::new(
            master.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        if nix::poll::poll(&mut fds, 100u16).unwrap_or(0) == 0 {
            continue;
        }
        let mut buf = [0u8; 4096];
        match nix::unistd::read(master, &mut buf) {
            Ok(n) if n > 0 => {
                // Keep only what a needle may straddle.
                let keep = seen.len().saturating_sub(needle.len());
                seen.drain(..keep);
                seen.extend_from_slice(&buf[..n]);
            }
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => {}
            _ => return Ok(seen.windows(needle.len()).any(|w| w == needle)),
        }
    }
}

/// Keep reading a terminal so its writer never blocks, until it hangs up.
fn drain(master: OwnedFd) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = nix::unistd::read(&master, &mut buf) {
            if n == 0 {
                break;
            }
        }
    })
}

/// One `systemd-nspawn -b` of `tree`: spawn to the login prompt; then SIGTERM (nspawn powers
/// the container off) and wait, untimed.
fn nspawn_round(nspawn: &Path, tree: &Path) -> Result<Duration> {
    let mut cmd = Command::new(nspawn);
    cmd.args(nspawn_args(tree));
    let t0 = Instant::now();
    let (master, mut child) = spawn_on_pty(cmd)?;
    let found = read_until(&master, PROMPT, HANG)?;
    let took = t0.elapsed();
    let reader = drain(master);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let stopped = wait_for(&mut child, HANG);
    if !stopped {
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = reader.join();
    crate::cmd::reap_orphans();
    if !found {
        return Err(BenchError::Setup(format!(
            "systemd-nspawn: no login prompt within {HANG:?}"
        )));
    }
    if !stopped {
        return Err(BenchError::Setup(
            "systemd-nspawn did not stop on SIGTERM".into(),
        ));
    }
    Ok(took)
}

fn nspawn_args(tree: &Path) -> Vec<String> {
    // No machined or systemd on the host to register with or get a scope from.
    vec![
        "-q".into(),
        "--register=no".into(),
        "--keep-unit".into(),
        "-b".into(),
        "-M".into(),
        "zbench".into(),
        "-D".into(),
        tree.to_string_lossy().into_owned(),
    ]
}

fn wait_for(child: &mut Child, limit: Duration) -> bool {
    let end = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) if Instant::now() < end => std::thread::sleep(Duration::from_millis(20)),
            _ => return false,
        }
    }
}

/// The options of this part.
pub struct WholeOpts<'a> {
    pub tools: &'a Tools,
    pub work: &'a Path,
    pub tree: &'a Path,
    pub nspawn: Option<PathBuf>,
    pub runs: usize,
    pub warmup: usize,
    pub mem_zones: usize,
    pub idle: Duration,
    pub errlog: &'a Path,
}

/// Boot rows, then memory of idle systemd zones.
pub fn measure(o: &WholeOpts<'_>) -> Result<WholeReport> {
    let mut wr = WholeRoot {
        root: o.work.join("whole-root"),
        tools: o.tools,
        errlog: o.errlog.to_path_buf(),
        zones: Vec::new(),
    };
    std::fs::create_dir_all(&wr.root).map_err(BenchError::io(&wr.root))?;
    wr.create("debboot", o.tree)?;
    let ntree = o.work.join("nspawn-root");
    let nspawn_skipped = match &o.nspawn {
        None => Some("systemd-nspawn missing (apt-get install systemd-container)".to_string()),
        Some(_) => {
            copy_tree(o.tree, &ntree, o.errlog)?;
            set_machine_id(&ntree, 0)?;
            None
        }
    };
    let zone_side = |wr: &WholeRoot<'_>| -> Result<Duration> {
        let t = wr.boot_to_prompt("debboot")?;
        wr.shutdown("debboot")?;
        Ok(t)
    };
    let boot = match (&o.nspawn, &nspawn_skipped) {
        (Some(n), None) => paired(
            o.warmup,
            o.runs,
            &mut || zone_side(&wr),
            Some(&mut || nspawn_round(n, &ntree)),
        )?,
        _ => paired(o.warmup, o.runs, &mut || zone_side(&wr), None)?,
    };
    let zone_cmd = "zoneadm -R ROOT -z debboot boot, until \"login: \" on the console   (then zoneadm shutdown, untimed)".to_string();
    let nspawn_cmd = format!(
        "systemd-nspawn {}, until \"login: \" on its terminal   (then SIGTERM, untimed)",
        nspawn_args(Path::new("TREE")).join(" ")
    );
    let mem = if o.mem_zones > 0 {
        Some(memory(&mut wr, o)?)
    } else {
        None
    };
    Ok(WholeReport {
        boot,
        nspawn_skipped,
        zone_cmd,
        nspawn_cmd,
        mem,
    })
}

/// Boot `mem_zones` zones to their prompt, let them idle, add up what they cost; the
/// kernel's and shared memory's part from `/proc/meminfo` before the boots and while idle.
fn memory(wr: &mut WholeRoot<'_>, o: &WholeOpts<'_>) -> Result<WholeMem> {
    let names: Vec<String> = (0..o.mem_zones).map(|i| format!("debidle{i}")).collect();
    for z in &names {
        crate::stop::check()?;
        wr.create(z, o.tree)?;
    }
    crate::stop::sleep(Duration::from_secs(1))?;
    let before = crate::memory::meminfo_median(5, Duration::from_millis(100))?;
    for z in &names {
        wr.boot_to_prompt(z)?;
    }
    crate::stop::sleep(o.idle)?;
    let after = crate::memory::meminfo_median(5, Duration::from_millis(100))?;
    let (mut zone_pss, mut supervisor_pss, mut procs) = (0, 0, 0usize);
    for z in &names {
        let path = wr.root.join(format!("var/run/zones/{z}.state"));
        let text = std::fs::read_to_string(&path).map_err(BenchError::io(&path))?;
        let p = parse_record(&text)
            .ok_or_else(|| BenchError::Setup(format!("{}: not a record", path.display())))?;
        supervisor_pss += crate::memory::pss_of(p.supervisor)?;
        // The v1 hierarchies hold every process of the zone in its own directory; the
        // unified one (where systemd makes its own cgroups) below it: walk the first.
        let dir = p.cgroups.first().cloned().unwrap_or_default();
        for pid in pids_below(&dir) {
            if let Ok(kb) = crate::memory::pss_of(pid) {
                zone_pss += kb;
                procs += 1;
            }
        }
    }
    let delta = |f: &str| after.get(f).copied().unwrap_or(0) - before.get(f).copied().unwrap_or(0);
    let kernel = delta("Slab") + delta("KernelStack") + delta("PageTables");
    let shmem = delta("Shmem");
    for z in &names {
        wr.shutdown(z)?;
    }
    Ok(WholeMem {
        zones: names.len(),
        idle: o.idle,
        procs_per_zone: procs as f64 / names.len().max(1) as f64,
        zone_pss,
        supervisor_pss,
        kernel,
        shmem,
    })
}

/// The pids in a cgroup directory and every one below it.
fn pids_below(dir: &Path) -> Vec<i32> {
    let mut out: Vec<i32> = std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    if let Ok(d) = std::fs::read_dir(dir) {
        for e in d.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(pids_below(&e.path()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_the_tests_cache() {
        assert_eq!(
            default_tree(Path::new("/w/target/release")),
            Some(PathBuf::from(
                "/w/target/debian-root/bookworm-minbase-systemd-dbus-1"
            ))
        );
    }

    #[test]
    fn pids_of_a_tree_of_cgroups() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("cgroup.procs"), "1\n2\n").unwrap();
        std::fs::create_dir_all(t.path().join("a/b")).unwrap();
        std::fs::write(t.path().join("a/cgroup.procs"), "3\n").unwrap();
        std::fs::write(t.path().join("a/b/cgroup.procs"), "4\n").unwrap();
        let mut p = pids_below(t.path());
        p.sort();
        assert_eq!(p, [1, 2, 3, 4]);
    }

    #[test]
    fn memory_per_zone_adds_the_parts() {
        let m = WholeMem {
            zones: 2,
            idle: Duration::ZERO,
            procs_per_zone: 5.0,
            zone_pss: 1000,
            supervisor_pss: 200,
            kernel: 600,
            shmem: 200,
        };
        assert_eq!(m.per_zone(), 1000.0);
    }
}
