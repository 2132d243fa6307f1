//! cgroup v2: one unified tree. Controllers must be offered by the parent
//! (`cgroup.controllers`) and enabled in every ancestor's `cgroup.subtree_control`; freezing,
//! killing and CPU time are part of the core and work without any controller.

use super::controller::{Controller, V2Kind};
use super::devices::DeviceRule;
use super::error::{CgroupError, Result};
use super::layout::{read_controllers, Layout, Mode};
use super::limits::{cap_to_cfs, max_or, shares_to_v2_weight, Limits, Usage, UNCAPPED, UNLIMITED};
use super::member::{MemberDirs, MemberMounts};
use super::teardown::{self, Backoff, FREEZE_TIMEOUT, KILL_TIMEOUT};
use super::{fs, naming, Cgroup, CgroupBackend};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct V2Backend {
    mount: PathBuf,
    /// v1 hierarchies mounted beside the unified one (see `create_everywhere`).
    members: MemberMounts,
}

impl V2Backend {
    /// A back end on the cgroup2 hierarchy mounted at `mount_point` (any mount of it: the
    /// host's `/sys/fs/cgroup`, a hybrid host's `unified`, or a private mount).
    pub fn at(mount_point: &Path) -> Result<V2Backend> {
        if !fs::exists(&mount_point.join("cgroup.controllers")) {
            return Err(CgroupError::NotCgroup2 {
                path: mount_point.to_path_buf(),
            });
        }
        Ok(V2Backend {
            mount: mount_point.to_path_buf(),
            members: MemberMounts::default(),
        })
    }

    /// The back end on the layout's unified hierarchy (and its v1 hierarchies, if any).
    pub fn from_layout(layout: &Layout) -> Result<V2Backend> {
        let v2 = layout.v2.as_ref().ok_or(CgroupError::NoHierarchy)?;
        let mut b = V2Backend::at(&v2.mount_point)?;
        b.members = MemberMounts::for_v2(layout);
        Ok(b)
    }

    pub fn mount_point(&self) -> &Path {
        &self.mount
    }

    /// Create `path` and its parents, enabling each of `controllers` that v2 must enable in
    /// the `cgroup.subtree_control` of the root and every ancestor. A controller the root
    /// does not offer, or a `+controller` write the kernel refuses, is an error (and the
    /// directories made so far are removed again).
    pub fn create_cgroup(&self, path: &str, controllers: &[Controller]) -> Result<V2Cgroup> {
        self.make(path, controllers, false)
    }

    /// `create_cgroup`, and the same cgroup in every v1 hierarchy mounted beside (named ones
    /// such as `name=systemd`).
    pub fn create_everywhere(&self, path: &str, controllers: &[Controller]) -> Result<V2Cgroup> {
        self.make(path, controllers, true)
    }

    fn make(&self, path: &str, controllers: &[Controller], members: bool) -> Result<V2Cgroup> {
        let rel = naming::relative(path)?;
        let offered = read_controllers(&self.mount)?;
        let mut enable = BTreeSet::new();
        for &c in controllers {
            match c.v2_kind() {
                V2Kind::Core => {}
                V2Kind::Enable(name) if offered.iter().any(|o| o == name) => {
                    enable.insert((c, name));
                }
                V2Kind::Enable(_) | V2Kind::Absent => {
                    return Err(CgroupError::Unavailable {
                        controller: c,
                        path: self.mount.join("cgroup.controllers"),
                    })
                }
            }
        }

        let mut created = Vec::new();
        let made = self
            .make_levels(&rel, &enable, &mut created)
            .and_then(|()| match members {
                true => self.members.create(&rel, &mut created),
                false => Ok(MemberDirs::default()),
            });
        match made {
            Ok(members) => Ok(V2Cgroup {
                name: path.to_owned(),
                dir: self.mount.join(&rel),
                members,
            }),
            Err(e) => {
                for d in created.iter().rev() {
                    let _ = fs::rmdir(d);
                }
                Err(e)
            }
        }
    }

    fn make_levels(
        &self,
        rel: &Path,
        enable: &BTreeSet<(Controller, &'static str)>,
        created: &mut Vec<PathBuf>,
    ) -> Result<()> {
        let mut dir = self.mount.clone();
        for comp in rel.components() {
            // The leaf's own subtree_control stays untouched: enabling controllers there
            // would forbid processes in it ("no internal processes").
            enable_in(&dir, enable)?;
            dir.push(comp);
            if fs::mkdir(&dir)? {
                created.push(dir.clone());
            }
        }
        Ok(())
    }

    /// The cgroup `path`, which may or may not exist; creates nothing.
    pub fn open_cgroup(&self, path: &str) -> Result<V2Cgroup> {
        let rel = naming::relative(path)?;
        Ok(V2Cgroup {
            name: path.to_owned(),
            dir: self.mount.join(&rel),
            members: self.members.open(&rel),
        })
    }
}

/// Write `+name` to `dir/cgroup.subtree_control` for each controller not yet enabled there.
fn enable_in(dir: &Path, enable: &BTreeSet<(Controller, &'static str)>) -> Result<()> {
    if enable.is_empty() {
        return Ok(());
    }
    let file = dir.join("cgroup.subtree_control");
    let current = fs::read(&file)?;
    for &(controller, name) in enable {
        if current.split_whitespace().any(|w| w == name) {
            continue;
        }
        match fs::write(&file, &format!("+{name}")) {
            Ok(()) => {}
            Err(CgroupError::Io { path, source }) => {
                return Err(CgroupError::EnableController {
                    controller,
                    path,
                    source,
                })
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl CgroupBackend for V2Backend {
    fn mode(&self) -> Mode {
        Mode::V2
    }

    fn create(&self, path: &str, controllers: &[Controller]) -> Result<Box<dyn Cgroup>> {
        Ok(Box::new(self.create_cgroup(path, controllers)?))
    }

    fn create_everywhere(&self, path: &str, controllers: &[Controller]) -> Result<Box<dyn Cgroup>> {
        Ok(Box::new(self.create_everywhere(path, controllers)?))
    }

    fn open(&self, path: &str) -> Result<Box<dyn Cgroup>> {
        Ok(Box::new(self.open_cgroup(path)?))
    }

    fn move_to_root(&self, pid: u32, _controllers: &[Controller]) -> Result<()> {
        fs::write(&self.mount.join("cgroup.procs"), &pid.to_string())
    }

    fn list(&self, parent: &str) -> Result<Vec<String>> {
        let dir = if parent.is_empty() {
            self.mount.clone()
        } else {
            self.mount.join(naming::relative(parent)?)
        };
        Ok(fs::subdirs(&dir)?
            .iter()
            .filter_map(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect())
    }
}

/// One cgroup in the unified tree.
#[derive(Debug)]
pub struct V2Cgroup {
    name: String,
    dir: PathBuf,
    /// Its directories in v1 hierarchies beside the unified one.
    members: MemberDirs,
}

impl V2Cgroup {
    /// The controllers usable in this cgroup (enabled in its parent).
    fn available(&self) -> Result<Vec<String>> {
        read_controllers(&self.dir)
    }

    fn require(&self, offered: &[String], c: Controller, file: &str) -> Result<PathBuf> {
        let path = self.dir.join(file);
        match c.v2_kind() {
            V2Kind::Enable(name) if offered.iter().any(|o| o == name) => Ok(path),
            _ => Err(CgroupError::Unavailable {
                controller: c,
                path,
            }),
        }
    }

    fn events_key(&self, key: &str) -> Result<Option<u64>> {
        fs::read_key_opt(&self.dir.join("cgroup.events"), key)
    }

    fn set_freeze(&self, on: bool) -> Result<()> {
        let f = self.dir.join("cgroup.freeze");
        if !fs::exists(&f) {
            return Err(CgroupError::Unsupported { path: f });
        }
        fs::write(&f, if on { "1" } else { "0" })
    }

    fn wait_frozen(&self, want: u64) -> Result<()> {
        let mut backoff = Backoff::new(FREEZE_TIMEOUT);
        while self.events_key("frozen")? != Some(want) {
            if !backoff.wait() {
                return Err(CgroupError::Timeout {
                    path: self.dir.join("cgroup.events"),
                    what: if want == 1 { "frozen 1" } else { "frozen 0" },
                });
            }
        }
        Ok(())
    }
}

impl Cgroup for V2Cgroup {
    fn path(&self) -> &str {
        &self.name
    }

    fn dirs(&self) -> Vec<PathBuf> {
        std::iter::once(&self.dir)
            .chain(self.members.all())
            .cloned()
            .collect()
    }

    fn apply(&self, limits: &Limits) -> Result<()> {
        limits.validate()?;
        let offered = self.available()?;
        // Resolve every file first, so an unavailable controller leaves nothing half-applied.
        let mut writes: Vec<(PathBuf, String)> = Vec::new();
        if let Some(cpus) = &limits.cpus {
            writes.push((
                self.require(&offered, Controller::Cpuset, "cpuset.cpus")?,
                cpus.clone(),
            ));
        }
        if let Some(mems) = &limits.mems {
            writes.push((
                self.require(&offered, Controller::Cpuset, "cpuset.mems")?,
                mems.clone(),
            ));
        }
        if let Some(shares) = limits.cpu_shares {
            let f = self.require(&offered, Controller::Cpu, "cpu.weight")?;
            writes.push((f, shares_to_v2_weight(shares).to_string()));
        }
        if let Some(cap) = limits.cpu_cap_percent {
            let f = self.require(&offered, Controller::Cpu, "cpu.max")?;
            let (quota, period) = cap_to_cfs(cap);
            let quota = if cap == UNCAPPED {
                "max".to_string()
            } else {
                quota.to_string()
            };
            writes.push((f, format!("{quota} {period}")));
        }
        if let Some(m) = limits.memory_limit {
            let f = self.require(&offered, Controller::Memory, "memory.max")?;
            writes.push((f, max_or(m)));
        }
        if let Some(s) = limits.memory_swap_limit {
            let f = self.require(&offered, Controller::Memory, "memory.swap.max")?;
            if !fs::exists(&f) {
                return Err(CgroupError::Unsupported { path: f });
            }
            // v2 limits swap alone; our limit is memory plus swap.
            let m = match limits.memory_limit {
                Some(m) => m,
                None => fs::read(&self.dir.join("memory.max"))?
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| CgroupError::InvalidLimit {
                        name: "swap",
                        value: s.to_string(),
                        reason: "needs a memory limit on cgroup v2",
                    })?,
            };
            if s < m {
                return Err(CgroupError::InvalidLimit {
                    name: "swap",
                    value: s.to_string(),
                    reason: "smaller than the memory limit",
                });
            }
            let swap_only = if s == UNLIMITED || m == UNLIMITED {
                UNLIMITED
            } else {
                s - m
            };
            writes.push((f, max_or(swap_only)));
        }
        if let Some(max) = limits.pids_max {
            let f = self.require(&offered, Controller::Pids, "pids.max")?;
            writes.push((f, max_or(max)));
        }
        writes.iter().try_for_each(|(f, v)| fs::write(f, v))
    }

    fn add_pid(&self, pid: u32) -> Result<()> {
        fs::write(&self.dir.join("cgroup.procs"), &pid.to_string())
    }

    fn pids(&self) -> Result<Vec<u32>> {
        let mut pids = BTreeSet::new();
        for top in self.dirs() {
            for d in fs::tree(&top)? {
                pids.extend(fs::read_pids(&d.join("cgroup.procs"))?);
            }
        }
        Ok(pids.into_iter().collect())
    }

    fn usage(&self) -> Result<Usage> {
        let d = &self.dir;
        Ok(Usage {
            cpu_ns: fs::read_key_opt(&d.join("cpu.stat"), "usage_usec")?
                .map(|us| us.saturating_mul(1000)),
            memory_bytes: fs::read_u64_opt(&d.join("memory.current"))?,
            memory_peak_bytes: fs::read_u64_opt(&d.join("memory.peak"))?,
            pids_current: fs::read_u64_opt(&d.join("pids.current"))?,
            oom_kills: fs::read_key_opt(&d.join("memory.events"), "oom_kill")?,
        })
    }

    fn freeze(&self) -> Result<()> {
        self.set_freeze(true)?;
        if let Err(e) = self.wait_frozen(1) {
            let _ = self.set_freeze(false);
            return Err(e);
        }
        Ok(())
    }

    fn thaw(&self) -> Result<()> {
        self.set_freeze(false)?;
        self.wait_frozen(0)
    }

    fn kill_all(&self) -> Result<()> {
        if !self.exists() {
            return Ok(());
        }
        let kill = self.dir.join("cgroup.kill");
        if !fs::exists(&kill) {
            // Before Linux 5.14: freeze, signal, thaw until empty.
            let can_freeze = fs::exists(&self.dir.join("cgroup.freeze"));
            return teardown::kill_loop(self, can_freeze, &self.dir);
        }
        // One write kills the whole subtree, including tasks forked while it runs.
        fs::write(&kill, "1")?;
        let mut backoff = Backoff::new(KILL_TIMEOUT);
        loop {
            match self.events_key("populated")? {
                None | Some(0) => return Ok(()),
                Some(_) => {}
            }
            if !backoff.wait() {
                return Err(CgroupError::Timeout {
                    path: self.dir.clone(),
                    what: "its processes to exit",
                });
            }
        }
    }

    fn remove(&self) -> Result<()> {
        teardown::remove(self, &self.dirs())
    }

    fn exists(&self) -> bool {
        self.dirs().iter().any(|d| fs::is_dir(d))
    }

    fn apply_devices(&self, rules: &[DeviceRule]) -> Result<()> {
        if rules.is_empty() {
            return Ok(());
        }
        install_device_program(&self.dir, rules)
    }
}

/// Build the device program for `rules`, load it and attach it to the cgroup2 directory
/// `dir` (replacing a program attached before). The program stays with the cgroup until the
/// cgroup is removed.
pub(crate) fn install_device_program(dir: &Path, rules: &[DeviceRule]) -> Result<()> {
    let prog = super::devices::bpf_program(rules);
    let failed = |source, log| CgroupError::DeviceProgram {
        path: dir.to_path_buf(),
        source,
        log,
    };
    let fd = super::bpf::load_device_program(&prog).map_err(|e| failed(e.source, e.log))?;
    let cg = fs::open_dir(dir)?;
    super::bpf::attach_device_program(std::os::fd::AsFd::as_fd(&cg), std::os::fd::AsFd::as_fd(&fd))
        .map_err(|e| failed(e, String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs as stdfs;

    /// A fake unified tree: root offers `offered`, `zones/web1` has `enabled`.
    fn fake(offered: &str, enabled: &str) -> (tempfile::TempDir, V2Backend) {
        let root = tempfile::tempdir().unwrap();
        let m = root.path();
        stdfs::write(m.join("cgroup.controllers"), offered).unwrap();
        stdfs::write(m.join("cgroup.subtree_control"), "").unwrap();
        let leaf = m.join("zones/web1");
        stdfs::create_dir_all(&leaf).unwrap();
        stdfs::write(m.join("zones/cgroup.controllers"), offered).unwrap();
        stdfs::write(m.join("zones/cgroup.subtree_control"), enabled).unwrap();
        stdfs::write(leaf.join("cgroup.controllers"), enabled).unwrap();
        for f in [
            "cgroup.procs",
            "cpu.weight",
            "cpu.max",
            "cpuset.cpus",
            "cpuset.mems",
            "memory.max",
            "memory.swap.max",
            "pids.max",
        ] {
            stdfs::write(leaf.join(f), "").unwrap();
        }
        stdfs::write(
            leaf.join("cpu.stat"),
            "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n",
        )
        .unwrap();
        stdfs::write(leaf.join("memory.current"), "4096\n").unwrap();
        stdfs::write(leaf.join("memory.events"), "oom 1\noom_kill 1\n").unwrap();
        stdfs::write(leaf.join("pids.current"), "3\n").unwrap();
        let b = V2Backend::at(m).unwrap();
        (root, b)
    }

    #[test]
    fn limits_map_to_v2_files() {
        let (root, b) = fake("cpu cpuset memory pids", "cpu cpuset memory pids");
        let cg = b.open_cgroup("zones/web1").unwrap();
        cg.apply(&Limits {
            cpu_shares: Some(30),
            cpu_cap_percent: Some(50),
            cpus: Some("1".into()),
            mems: Some("0".into()),
            memory_limit: Some(64 << 20),
            memory_swap_limit: Some(96 << 20),
            pids_max: Some(50),
        })
        .unwrap();
        let leaf = root.path().join("zones/web1");
        let r = |f| stdfs::read_to_string(leaf.join(f)).unwrap();
        assert_eq!(r("cpu.weight"), "30");
        assert_eq!(r("cpu.max"), "50000 100000");
        assert_eq!(r("cpuset.cpus"), "1");
        assert_eq!(r("cpuset.mems"), "0");
        assert_eq!(r("memory.max"), "67108864");
        assert_eq!(r("memory.swap.max"), "33554432");
        assert_eq!(r("pids.max"), "50");
        assert_eq!(
            cg.usage().unwrap(),
            Usage {
                cpu_ns: Some(1_500_000),
                memory_bytes: Some(4096),
                memory_peak_bytes: None,
                pids_current: Some(3),
                oom_kills: Some(1),
            }
        );
    }

    #[test]
    fn unavailable_controller_is_named_with_its_file() {
        let (root, b) = fake("hugetlb", "hugetlb");
        let cg = b.open_cgroup("zones/web1").unwrap();
        let e = cg
            .apply(&Limits {
                pids_max: Some(5),
                memory_limit: Some(1 << 20),
                ..Limits::default()
            })
            .unwrap_err();
        let file = root.path().join("zones/web1/memory.max");
        assert_eq!(
            e.to_string(),
            format!("controller not available: memory: {}", file.display())
        );
        // Nothing was written.
        assert_eq!(
            stdfs::read_to_string(root.path().join("zones/web1/pids.max")).unwrap(),
            ""
        );
        // Creating with a controller the root does not offer fails before any mkdir.
        let e = b
            .create_cgroup("zones/web2", &[Controller::Pids])
            .unwrap_err();
        assert!(matches!(
            e,
            CgroupError::Unavailable {
                controller: Controller::Pids,
                ..
            }
        ));
        assert!(!root.path().join("zones/web2").exists());
        let e = b
            .create_cgroup("zones/web2", &[Controller::Devices])
            .unwrap_err();
        assert!(e
            .to_string()
            .starts_with("controller not available: devices"));
    }

    #[test]
    fn create_enables_controllers_in_every_ancestor_only() {
        let root = tempfile::tempdir().unwrap();
        let m = root.path();
        stdfs::write(m.join("cgroup.controllers"), "cpu memory pids\n").unwrap();
        stdfs::write(m.join("cgroup.subtree_control"), "memory\n").unwrap();
        // The fake kernel does not make files in new directories; pre-make the parent's.
        stdfs::create_dir(m.join("zones-t")).unwrap();
        stdfs::write(m.join("zones-t/cgroup.subtree_control"), "").unwrap();
        let b = V2Backend::at(m).unwrap();
        let cg = b
            .create_cgroup(
                "zones-t/web",
                &[Controller::Memory, Controller::Pids, Controller::Freezer],
            )
            .unwrap();
        assert!(cg.exists());
        // Already-enabled `memory` is not rewritten; a fake file keeps only the last write.
        assert_eq!(
            stdfs::read_to_string(m.join("cgroup.subtree_control")).unwrap(),
            "+pids"
        );
        assert_eq!(
            stdfs::read_to_string(m.join("zones-t/cgroup.subtree_control")).unwrap(),
            "+pids"
        );
        assert!(!m.join("zones-t/web/cgroup.subtree_control").exists());
        assert_eq!(b.list("zones-t").unwrap(), ["web"]);
        cg.remove().unwrap();
        assert!(!cg.exists());
    }

    #[test]
    fn failed_enable_is_reported_and_undone() {
        let root = tempfile::tempdir().unwrap();
        let m = root.path();
        stdfs::write(m.join("cgroup.controllers"), "pids\n").unwrap();
        stdfs::write(m.join("cgroup.subtree_control"), "").unwrap();
        // A control file the kernel refuses to write (EACCES even for root).
        stdfs::create_dir(m.join("zones-u")).unwrap();
        std::os::unix::fs::symlink(
            "/proc/sys/kernel/osrelease",
            m.join("zones-u/cgroup.subtree_control"),
        )
        .unwrap();
        let b = V2Backend::at(m).unwrap();
        let e = b
            .create_cgroup("zones-u/web", &[Controller::Pids])
            .unwrap_err();
        assert!(matches!(e, CgroupError::EnableController { .. }), "{e}");
        assert!(
            e.to_string().starts_with(&format!(
                "cannot enable controller pids in {}/zones-u/cgroup.subtree_control: ",
                m.display()
            )),
            "{e}"
        );
        assert!(!m.join("zones-u/web").exists());

        // zones-v is made, then its (fake, missing) subtree_control fails: zones-v goes again.
        let e = b
            .create_cgroup("zones-v/a/b", &[Controller::Pids])
            .unwrap_err();
        assert_eq!(e.errno(), Some(libc::ENOENT), "{e}");
        assert!(!m.join("zones-v").exists());
    }

    /// A fake of the tree systemd hands a zone: the root and `zones.slice` enable what the
    /// delegated scope needs; the scope's own subtree_control is ours.
    fn fake_scope() -> (tempfile::TempDir, V2Backend) {
        let root = tempfile::tempdir().unwrap();
        let m = root.path();
        let all = "cpuset cpu io memory pids\n";
        stdfs::write(m.join("cgroup.controllers"), all).unwrap();
        stdfs::write(m.join("cgroup.subtree_control"), all).unwrap();
        let slice = m.join("zones.slice");
        let scope = slice.join("zone-web.scope");
        stdfs::create_dir_all(scope.join("supervisor")).unwrap();
        for d in [&slice, &scope] {
            stdfs::write(d.join("cgroup.controllers"), all).unwrap();
        }
        stdfs::write(slice.join("cgroup.subtree_control"), all).unwrap();
        stdfs::write(scope.join("cgroup.subtree_control"), "").unwrap();
        let b = V2Backend::at(m).unwrap();
        (root, b)
    }

    #[test]
    fn a_zone_in_its_delegated_scope_enables_controllers_only_in_the_scope() {
        let (root, b) = fake_scope();
        let m = root.path();
        let cg = b
            .create_everywhere("zones.slice/zone-web.scope/zone", &Controller::ZONE)
            .unwrap();
        assert_eq!(cg.dirs(), [m.join("zones.slice/zone-web.scope/zone")]);
        // systemd's levels are left as they were (everything was enabled there); the scope's
        // gets the zone's controllers (a fake file keeps the last write only); the zone's
        // own stays untouched so its init may live in it.
        let r = |f: &str| stdfs::read_to_string(m.join(f)).unwrap();
        assert_eq!(r("cgroup.subtree_control"), "cpuset cpu io memory pids\n");
        assert_eq!(
            r("zones.slice/cgroup.subtree_control"),
            "cpuset cpu io memory pids\n"
        );
        assert_eq!(
            r("zones.slice/zone-web.scope/cgroup.subtree_control"),
            "+pids"
        );
        assert!(!m
            .join("zones.slice/zone-web.scope/zone/cgroup.subtree_control")
            .exists());
        // Removing the zone leaves the scope and its supervisor leaf to systemd.
        cg.remove().unwrap();
        assert!(m.join("zones.slice/zone-web.scope/supervisor").is_dir());
    }

    #[test]
    fn lifted_limits_are_written_as_v2_max() {
        let (root, b) = fake("cpu cpuset memory pids", "cpu cpuset memory pids");
        let cg = b.open_cgroup("zones/web1").unwrap();
        // What `zoneadm apply` writes for a zone whose caps were all removed.
        cg.apply(&Limits {
            cpu_shares: Some(1),
            cpu_cap_percent: Some(UNCAPPED),
            cpus: None,
            mems: None,
            memory_limit: Some(UNLIMITED),
            memory_swap_limit: Some(UNLIMITED),
            pids_max: Some(UNLIMITED),
        })
        .unwrap();
        let leaf = root.path().join("zones/web1");
        let r = |f| stdfs::read_to_string(leaf.join(f)).unwrap();
        assert_eq!(r("cpu.weight"), "1");
        assert_eq!(r("cpu.max"), "max 100000");
        assert_eq!(r("memory.max"), "max");
        assert_eq!(r("memory.swap.max"), "max");
        assert_eq!(r("pids.max"), "max");
        // Untouched: no cpuset given.
        assert_eq!(r("cpuset.cpus"), "");
    }

    #[test]
    fn v2_values_of_the_zone_caps() {
        let (root, b) = fake("cpu cpuset memory pids", "cpu cpuset memory pids");
        let cg = b.open_cgroup("zones/web1").unwrap();
        let leaf = root.path().join("zones/web1");
        let r = |f| stdfs::read_to_string(leaf.join(f)).unwrap();
        // capped-cpu ncpus=2.5, cpu-shares above the weight range, a pool of CPUs 2-3.
        cg.apply(&Limits {
            cpu_shares: Some(65_535),
            cpu_cap_percent: Some(250),
            cpus: Some("2-3".into()),
            ..Limits::default()
        })
        .unwrap();
        assert_eq!(r("cpu.max"), "250000 100000");
        assert_eq!(r("cpu.weight"), "10000");
        assert_eq!(r("cpuset.cpus"), "2-3");
        // Swap alone is the swap beyond the memory already limited.
        stdfs::write(leaf.join("memory.max"), "134217728\n").unwrap();
        cg.apply(&Limits {
            memory_swap_limit: Some(256 << 20),
            ..Limits::default()
        })
        .unwrap();
        assert_eq!(r("memory.swap.max"), "134217728");
        // A swap cap below the memory cap cannot be expressed.
        let e = cg
            .apply(&Limits {
                memory_swap_limit: Some(64 << 20),
                ..Limits::default()
            })
            .unwrap_err();
        assert!(
            matches!(e, CgroupError::InvalidLimit { name: "swap", .. }),
            "{e}"
        );
    }

    #[test]
    fn freeze_without_kernel_support_is_unsupported() {
        let (_root, b) = fake("", "");
        let cg = b.open_cgroup("zones/web1").unwrap();
        assert!(matches!(cg.freeze(), Err(CgroupError::Unsupported { .. })));
    }

    #[test]
    fn not_a_cgroup2_mount() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(
            V2Backend::at(d.path()),
            Err(CgroupError::NotCgroup2 { .. })
        ));
    }
}
