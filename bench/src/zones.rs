//! A scratch alternate root (`-R`) holding the benchmark's zones, driven through the real
//! command-line tools. On drop it halts every zone it configured and removes any cgroup a
//! zone left behind, so a failed or interrupted run leaves the host as it found it.

use crate::cmd::Cmd;
use crate::error::{BenchError, Result};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Our zone binaries.
#[derive(Debug, Clone)]
pub struct Tools {
    pub zonecfg: PathBuf,
    pub zoneadm: PathBuf,
    pub zlogin: PathBuf,
}

impl Tools {
    /// The tools in `dir`; every one of them (and zoneadm's helpers) must be there.
    pub fn in_dir(dir: &Path) -> Result<Tools> {
        for name in ["zonecfg", "zoneadm", "zoneadmd", "zinit", "zlogin"] {
            if !dir.join(name).is_file() {
                return Err(BenchError::Setup(format!(
                    "{}: not built (run `cargo build --workspace --release`, or scripts/bench)",
                    dir.join(name).display()
                )));
            }
        }
        Ok(Tools {
            zonecfg: dir.join("zonecfg"),
            zoneadm: dir.join("zoneadm"),
            zlogin: dir.join("zlogin"),
        })
    }
}

/// What a running zone's runtime record says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneProcs {
    pub supervisor: i32,
    pub init: i32,
    pub cgroups: Vec<PathBuf>,
}

/// Parse a runtime record (`var/run/zones/<zone>.state`).
pub fn parse_record(text: &str) -> Option<ZoneProcs> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let pid = |k: &str| {
        v.get(k)?
            .get("pid")?
            .as_i64()
            .and_then(|p| i32::try_from(p).ok())
    };
    let cgroups = v
        .get("cgroups")
        .and_then(|c| c.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(PathBuf::from))
                .collect()
        })
        .unwrap_or_default();
    Some(ZoneProcs {
        supervisor: pid("supervisor")?,
        init: pid("init")?,
        cgroups,
    })
}

pub struct ZoneRoot {
    root: PathBuf,
    tools: Tools,
    errlog: PathBuf,
    zones: RefCell<Vec<String>>,
}

impl ZoneRoot {
    /// Use `root` (an empty directory the caller owns) as alternate root.
    pub fn new(root: PathBuf, tools: Tools, errlog: PathBuf) -> ZoneRoot {
        ZoneRoot {
            root,
            tools,
            errlog,
            zones: RefCell::new(Vec::new()),
        }
    }

    fn zoneadm(&self, zone: Option<&str>) -> Cmd {
        let c = Cmd::new(&self.tools.zoneadm).arg("-R").arg(&self.root);
        match zone {
            Some(z) => c.arg("-z").arg(z),
            None => c,
        }
    }

    pub fn boot_cmd(&self, zone: &str) -> Cmd {
        self.zoneadm(Some(zone)).arg("boot")
    }

    pub fn halt_cmd(&self, zone: &str) -> Cmd {
        self.zoneadm(Some(zone)).arg("halt")
    }

    pub fn list_cmd(&self) -> Cmd {
        self.zoneadm(None).args(["list", "-cv"])
    }

    pub fn zlogin_cmd(&self, zone: &str, argv: &[&str]) -> Cmd {
        Cmd::new(&self.tools.zlogin)
            .arg("-R")
            .arg(&self.root)
            .arg(zone)
            .args(argv.iter().copied())
    }

    /// Configure (`zonecfg -R`, from the default template) and install a sparse zone at
    /// `/zones/<zone>` inside the alternate root.
    pub fn create(&self, zone: &str) -> Result<()> {
        self.configure_and_install(zone, &format!("create; set zonepath=/zones/{zone}; commit"))
    }

    /// Like `create`, with one more zonecfg command (e.g. `set pool=web`).
    pub fn create_with(&self, zone: &str, extra: &str) -> Result<()> {
        let script = format!("create; set zonepath=/zones/{zone}; {extra}; commit");
        self.configure_and_install(zone, &script)
    }

    /// `zonecfg -R root -z zone <script>`, then `zoneadm install`; the zone is remembered,
    /// so `halt_all` halts it.
    fn configure_and_install(&self, zone: &str, script: &str) -> Result<()> {
        self.zones.borrow_mut().push(zone.to_string());
        Cmd::new(&self.tools.zonecfg)
            .arg("-R")
            .arg(&self.root)
            .args(["-z", zone, script])
            .run(&self.errlog)?;
        self.zoneadm(Some(zone))
            .arg("install")
            .run(&self.errlog)
            .map(|_| ())
    }

    /// The runtime record of a running zone.
    pub fn procs(&self, zone: &str) -> Result<ZoneProcs> {
        let path = self.root.join(format!("var/run/zones/{zone}.state"));
        let text = std::fs::read_to_string(&path).map_err(BenchError::io(&path))?;
        parse_record(&text)
            .ok_or_else(|| BenchError::Setup(format!("{}: not a runtime record", path.display())))
    }

    /// Halt every zone we made (errors ignored: this is the clean-up path) and remove any
    /// cgroup left behind.
    pub fn halt_all(&self) {
        let zones = self.zones.borrow().clone();
        let mut dirs = Vec::new();
        for z in &zones {
            if let Ok(p) = self.procs(z) {
                dirs.extend(p.cgroups);
            }
            let _ = self.halt_cmd(z).run(&self.errlog);
        }
        remove_cgroups(&dirs);
    }
}

impl Drop for ZoneRoot {
    fn drop(&mut self) {
        self.halt_all();
    }
}

/// Kill what is still in these cgroup directories and remove them, then their parents when
/// empty (the per-root `zones-<hash>` directory).
fn remove_cgroups(dirs: &[PathBuf]) {
    for d in dirs.iter().filter(|d| d.exists()) {
        if let Ok(procs) = std::fs::read_to_string(d.join("cgroup.procs")) {
            for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
        for _ in 0..50 {
            if std::fs::remove_dir(d).is_ok() || !d.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    for d in dirs {
        if let Some(parent) = d.parent() {
            let _ = std::fs::remove_dir(parent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_gives_pids_and_cgroups() {
        let text = r#"{"zone":"z","zoneid":1,"state":"running",
            "supervisor":{"pid":10,"start_time":5},"init":{"pid":11,"start_time":6},
            "cgroups":["/sys/fs/cgroup/pids/zones-1/z"],"capabilities":[],"no_new_privs":false}"#;
        assert_eq!(
            parse_record(text),
            Some(ZoneProcs {
                supervisor: 10,
                init: 11,
                cgroups: vec![PathBuf::from("/sys/fs/cgroup/pids/zones-1/z")],
            })
        );
    }

    #[test]
    fn record_of_a_ready_zone_has_no_init() {
        let text = r#"{"supervisor":{"pid":10,"start_time":5},"init":null,"cgroups":[]}"#;
        assert_eq!(parse_record(text), None);
        assert_eq!(parse_record("not json"), None);
    }
}
