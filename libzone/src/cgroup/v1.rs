//! cgroup v1: one directory per controller hierarchy (co-mounted controllers share one).
//! Also used on hybrid hosts, where the controllers live in v1 and cgroup2 sits on the side.

use super::controller::Controller;
use super::devices::DeviceRule;
use super::error::{CgroupError, Result};
use super::layout::{Layout, Mode};
use super::limits::{
    cap_to_cfs, max_or, memsw_order, shares_to_v1, v1_bytes, Limits, MemswOrder, Usage, UNCAPPED,
};
use super::member::{MemberDirs, MemberMounts};
use super::teardown::{self, Backoff, FREEZE_TIMEOUT};
use super::{fs, naming, Cgroup, CgroupBackend};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const CPUSET_FILES: [&str; 2] = ["cpuset.cpus", "cpuset.mems"];
const MEMSW: &str = "memory.memsw.limit_in_bytes";

#[derive(Debug, Clone)]
pub struct V1Backend {
    /// Mount point of each controller's hierarchy.
    mounts: Arc<BTreeMap<Controller, PathBuf>>,
    /// The hierarchies a zone's cgroup is only a member of (see `create_everywhere`).
    members: Arc<MemberMounts>,
}

impl V1Backend {
    /// A back end over the layout's v1 hierarchies; fails when there are none.
    pub fn new(layout: &Layout) -> Result<V1Backend> {
        if layout.v1.is_empty() {
            return Err(CgroupError::NoHierarchy);
        }
        Ok(V1Backend {
            mounts: Arc::new(layout.v1.clone()),
            members: Arc::new(MemberMounts::for_v1(layout)),
        })
    }

    /// Create `path` (and its parents) in the hierarchy of each of `controllers`. A new cpuset
    /// gets `cpuset.cpus`/`cpuset.mems` from its nearest non-empty ancestor at once, because a
    /// task cannot join a cpuset whose lists are empty (ENOSPC). On failure the directories
    /// made so far are removed again.
    pub fn create_cgroup(&self, path: &str, controllers: &[Controller]) -> Result<V1Cgroup> {
        self.make(path, controllers, false)
    }

    /// `create_cgroup` in the hierarchy of every mounted controller (`controllers` must be
    /// among them), and in every other hierarchy too: the named and unused v1 ones and a
    /// hybrid host's unified tree.
    pub fn create_everywhere(&self, path: &str, controllers: &[Controller]) -> Result<V1Cgroup> {
        if let Some(c) = controllers.iter().find(|c| !self.mounts.contains_key(c)) {
            return Err(CgroupError::NotMounted(*c));
        }
        let all: Vec<Controller> = self.mounts.keys().copied().collect();
        self.make(path, &all, true)
    }

    fn make(&self, path: &str, controllers: &[Controller], members: bool) -> Result<V1Cgroup> {
        let rel = naming::relative(path)?;
        let mut dirs = BTreeMap::new();
        let mut by_mount: BTreeMap<&Path, BTreeSet<Controller>> = BTreeMap::new();
        for &c in controllers {
            let mount = self.mounts.get(&c).ok_or(CgroupError::NotMounted(c))?;
            by_mount.entry(mount.as_path()).or_default().insert(c);
            dirs.insert(c, mount.join(&rel));
        }

        let mut created = Vec::new();
        let made = by_mount
            .iter()
            .try_for_each(|(mount, ctrls)| {
                let levels = fs::mkdir_levels(mount, &rel, &mut created)?;
                if ctrls.contains(&Controller::Cpuset) {
                    inherit_cpuset(mount, &levels)?;
                }
                Ok(())
            })
            .and_then(|()| match members {
                true => self.members.create(&rel, &mut created),
                false => Ok(MemberDirs::default()),
            });
        match made {
            Ok(member_dirs) => Ok(self.handle(path, dirs, member_dirs)),
            Err(e) => {
                for d in created.iter().rev() {
                    let _ = fs::rmdir(d);
                }
                Err(e)
            }
        }
    }

    /// The cgroup `path` in every hierarchy where it exists; creates nothing. A cgroup that
    /// exists nowhere gives a handle on which `exists()` is false and `remove()` is a no-op.
    pub fn open_cgroup(&self, path: &str) -> Result<V1Cgroup> {
        let rel = naming::relative(path)?;
        let dirs = self
            .mounts
            .iter()
            .map(|(c, m)| (*c, m.join(&rel)))
            .filter(|(_, d)| fs::is_dir(d))
            .collect();
        Ok(self.handle(path, dirs, self.members.open(&rel)))
    }

    fn handle(
        &self,
        path: &str,
        dirs: BTreeMap<Controller, PathBuf>,
        members: MemberDirs,
    ) -> V1Cgroup {
        V1Cgroup {
            name: path.to_owned(),
            dirs,
            members,
            mounts: Arc::clone(&self.mounts),
        }
    }

    fn unique_mounts(&self) -> BTreeSet<&Path> {
        self.mounts.values().map(PathBuf::as_path).collect()
    }
}

impl CgroupBackend for V1Backend {
    fn mode(&self) -> Mode {
        Mode::V1
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

    fn move_to_root(&self, pid: u32, controllers: &[Controller]) -> Result<()> {
        let roots: BTreeSet<&Path> = controllers
            .iter()
            .filter_map(|c| self.mounts.get(c).map(PathBuf::as_path))
            .collect();
        for root in roots {
            fs::write(&root.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    fn list(&self, parent: &str) -> Result<Vec<String>> {
        let rel = if parent.is_empty() {
            PathBuf::new()
        } else {
            naming::relative(parent)?
        };
        let mut names = BTreeSet::new();
        for mount in self.unique_mounts() {
            for d in fs::subdirs(&mount.join(&rel))? {
                if let Some(n) = d.file_name() {
                    names.insert(n.to_string_lossy().into_owned());
                }
            }
        }
        Ok(names.into_iter().collect())
    }
}

/// Fill empty `cpuset.cpus`/`cpuset.mems` of `levels` (top first, all under `mount`) from
/// the nearest ancestor whose list is not empty.
pub(crate) fn inherit_cpuset(mount: &Path, levels: &[PathBuf]) -> Result<()> {
    for dir in levels {
        for file in CPUSET_FILES {
            let own = dir.join(file);
            if !fs::read(&own)?.trim().is_empty() {
                continue;
            }
            let mut ancestor = dir.parent();
            let value = loop {
                let Some(a) = ancestor.filter(|a| a.starts_with(mount)) else {
                    return Err(CgroupError::io(
                        &own,
                        std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "no ancestor cpuset has a non-empty list",
                        ),
                    ));
                };
                let v = fs::read(&a.join(file))?;
                if !v.trim().is_empty() {
                    break v.trim().to_owned();
                }
                ancestor = a.parent();
            };
            fs::write(&own, &value)?;
        }
    }
    Ok(())
}

/// One cgroup: its directory in each hierarchy it was created or found in.
#[derive(Debug)]
pub struct V1Cgroup {
    name: String,
    dirs: BTreeMap<Controller, PathBuf>,
    /// Its directories in the membership-only hierarchies (see `create_everywhere`).
    members: MemberDirs,
    mounts: Arc<BTreeMap<Controller, PathBuf>>,
}

impl V1Cgroup {
    fn dir(&self, c: Controller) -> Result<&Path> {
        match self.dirs.get(&c) {
            Some(d) => Ok(d),
            None if self.mounts.contains_key(&c) => Err(CgroupError::NotAttached {
                controller: c,
                cgroup: self.name.clone(),
            }),
            None => Err(CgroupError::NotMounted(c)),
        }
    }

    /// Every directory: one per controller hierarchy, then the membership-only ones.
    fn unique_dirs(&self) -> Vec<PathBuf> {
        let set: BTreeSet<&PathBuf> = self.dirs.values().collect();
        set.into_iter().chain(self.members.all()).cloned().collect()
    }

    fn freezer_state(&self) -> Result<String> {
        let f = self.dir(Controller::Freezer)?.join("freezer.state");
        Ok(fs::read(&f)?.trim().to_owned())
    }

    fn set_freezer(&self, state: &str) -> Result<()> {
        fs::write(&self.dir(Controller::Freezer)?.join("freezer.state"), state)
    }

    fn write_memory(&self, limits: &Limits) -> Result<()> {
        if limits.memory_limit.is_none() && limits.memory_swap_limit.is_none() {
            return Ok(());
        }
        let dir = self.dir(Controller::Memory)?;
        let mem_file = dir.join("memory.limit_in_bytes");
        let swap_file = dir.join(MEMSW);
        if limits.memory_swap_limit.is_some() && !fs::exists(&swap_file) {
            return Err(CgroupError::Unsupported { path: swap_file });
        }
        match (limits.memory_limit, limits.memory_swap_limit) {
            (Some(m), Some(s)) => {
                let current = fs::read(&mem_file)?;
                let current = current.trim().parse::<u64>().unwrap_or(u64::MAX);
                match memsw_order(current, s) {
                    MemswOrder::SwapFirst => {
                        fs::write(&swap_file, &v1_bytes(s))?;
                        fs::write(&mem_file, &v1_bytes(m))
                    }
                    MemswOrder::MemoryFirst => {
                        fs::write(&mem_file, &v1_bytes(m))?;
                        fs::write(&swap_file, &v1_bytes(s))
                    }
                }
            }
            (Some(m), None) => fs::write(&mem_file, &v1_bytes(m)),
            (None, Some(s)) => fs::write(&swap_file, &v1_bytes(s)),
            (None, None) => Ok(()),
        }
    }
}

impl Cgroup for V1Cgroup {
    fn path(&self) -> &str {
        &self.name
    }

    fn dirs(&self) -> Vec<PathBuf> {
        self.unique_dirs()
    }

    fn apply(&self, limits: &Limits) -> Result<()> {
        limits.validate()?;
        // Refuse before writing anything, so a missing controller leaves no half-applied set.
        for c in limits.controllers() {
            self.dir(c)?;
        }
        if let Some(cpus) = &limits.cpus {
            fs::write(&self.dir(Controller::Cpuset)?.join("cpuset.cpus"), cpus)?;
        }
        if let Some(mems) = &limits.mems {
            fs::write(&self.dir(Controller::Cpuset)?.join("cpuset.mems"), mems)?;
        }
        if let Some(shares) = limits.cpu_shares {
            let f = self.dir(Controller::Cpu)?.join("cpu.shares");
            fs::write(&f, &shares_to_v1(shares).to_string())?;
        }
        if let Some(cap) = limits.cpu_cap_percent {
            let dir = self.dir(Controller::Cpu)?;
            let (quota, period) = cap_to_cfs(cap);
            fs::write(&dir.join("cpu.cfs_period_us"), &period.to_string())?;
            let quota = if cap == UNCAPPED {
                "-1".to_string()
            } else {
                quota.to_string()
            };
            fs::write(&dir.join("cpu.cfs_quota_us"), &quota)?;
        }
        self.write_memory(limits)?;
        if let Some(max) = limits.pids_max {
            fs::write(&self.dir(Controller::Pids)?.join("pids.max"), &max_or(max))?;
        }
        Ok(())
    }

    fn add_pid(&self, pid: u32) -> Result<()> {
        // cgroup.procs moves the whole thread group (tasks would move one thread).
        for dir in self.unique_dirs() {
            fs::write(&dir.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    fn pids(&self) -> Result<Vec<u32>> {
        let mut pids = BTreeSet::new();
        for dir in self.unique_dirs() {
            for d in fs::tree(&dir)? {
                pids.extend(fs::read_pids(&d.join("cgroup.procs"))?);
            }
        }
        Ok(pids.into_iter().collect())
    }

    fn usage(&self) -> Result<Usage> {
        let mut u = Usage::default();
        if let Some(d) = self.dirs.get(&Controller::Cpuacct) {
            u.cpu_ns = fs::read_u64_opt(&d.join("cpuacct.usage"))?;
        }
        if let Some(d) = self.dirs.get(&Controller::Memory) {
            u.memory_bytes = fs::read_u64_opt(&d.join("memory.usage_in_bytes"))?;
            u.memory_peak_bytes = fs::read_u64_opt(&d.join("memory.max_usage_in_bytes"))?;
            u.oom_kills = fs::read_key_opt(&d.join("memory.oom_control"), "oom_kill")?;
        }
        if let Some(d) = self.dirs.get(&Controller::Pids) {
            u.pids_current = fs::read_u64_opt(&d.join("pids.current"))?;
        }
        Ok(u)
    }

    fn freeze(&self) -> Result<()> {
        let mut backoff = Backoff::new(FREEZE_TIMEOUT);
        loop {
            // Rewriting FROZEN restarts the freeze of tasks that were forked meanwhile.
            self.set_freezer("FROZEN")?;
            if self.freezer_state()? == "FROZEN" {
                return Ok(());
            }
            if !backoff.wait() {
                let _ = self.set_freezer("THAWED");
                return Err(CgroupError::Timeout {
                    path: self.dir(Controller::Freezer)?.join("freezer.state"),
                    what: "FROZEN",
                });
            }
        }
    }

    fn thaw(&self) -> Result<()> {
        self.set_freezer("THAWED")?;
        let mut backoff = Backoff::new(FREEZE_TIMEOUT);
        while self.freezer_state()? != "THAWED" {
            if !backoff.wait() {
                return Err(CgroupError::Timeout {
                    path: self.dir(Controller::Freezer)?.join("freezer.state"),
                    what: "THAWED",
                });
            }
        }
        Ok(())
    }

    fn kill_all(&self) -> Result<()> {
        if !self.exists() {
            return Ok(());
        }
        let can_freeze = self.dirs.contains_key(&Controller::Freezer);
        let path = self.unique_dirs().into_iter().next().unwrap_or_default();
        teardown::kill_loop(self, can_freeze, &path)
    }

    fn remove(&self) -> Result<()> {
        teardown::remove(self, &self.unique_dirs())
    }

    fn exists(&self) -> bool {
        self.unique_dirs().iter().any(|d| fs::is_dir(d))
    }

    fn apply_devices(&self, rules: &[DeviceRule]) -> Result<()> {
        if rules.is_empty() {
            return Ok(());
        }
        let v1 = self.mounts.contains_key(&Controller::Devices);
        if !v1 && self.members.unified.is_none() {
            return Err(CgroupError::NotMounted(Controller::Devices));
        }
        if v1 {
            write_device_rules(self.dir(Controller::Devices)?, rules)?;
        }
        // A hybrid host checks a device program of the unified tree as well as the v1
        // controller: the zone gets the same rules in both.
        if let Some(u) = &self.members.unified {
            super::v2::install_device_program(u, rules)?;
        }
        Ok(())
    }
}

/// `devices.deny a`, then a `devices.allow` line per rule (see [`devices::v1_lines`]), in
/// order, each line one write(2) on a file opened once (the kernel takes one rule per write).
fn write_device_rules(dir: &Path, rules: &[DeviceRule]) -> Result<()> {
    let mut open: BTreeMap<&str, fs::Writer> = BTreeMap::new();
    for (file, line) in super::devices::v1_lines(rules) {
        let w = match open.entry(file) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(fs::Writer::open(&dir.join(file))?)
            }
        };
        w.write(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs as stdfs;

    /// A fake v1 cgroupfs: one directory per hierarchy under a tempdir, with the control
    /// files the kernel would show, for `zones/web1`.
    struct Fake {
        root: tempfile::TempDir,
        layout: Layout,
    }

    const FILES: &[(Controller, &[(&str, &str)])] = &[
        (
            Controller::Cpu,
            &[
                ("cpu.shares", "1024\n"),
                ("cpu.cfs_period_us", "100000\n"),
                ("cpu.cfs_quota_us", "-1\n"),
            ],
        ),
        (Controller::Cpuacct, &[("cpuacct.usage", "123456789\n")]),
        (
            Controller::Cpuset,
            &[("cpuset.cpus", "\n"), ("cpuset.mems", "\n")],
        ),
        (
            Controller::Memory,
            &[
                ("memory.limit_in_bytes", "9223372036854771712\n"),
                (MEMSW, "9223372036854771712\n"),
                ("memory.usage_in_bytes", "4096\n"),
                ("memory.max_usage_in_bytes", "8192\n"),
                (
                    "memory.oom_control",
                    "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
                ),
            ],
        ),
        (
            Controller::Pids,
            &[("pids.max", "max\n"), ("pids.current", "2\n")],
        ),
        (Controller::Freezer, &[("freezer.state", "THAWED\n")]),
    ];

    impl Fake {
        fn new(comount_cpu: bool) -> Fake {
            let root = tempfile::tempdir().unwrap();
            let mut layout = Layout::default();
            for (c, _) in FILES {
                let name = match c {
                    Controller::Cpu | Controller::Cpuacct if comount_cpu => "cpu,cpuacct",
                    c => c.name(),
                };
                let m = root.path().join(name);
                stdfs::create_dir_all(&m).unwrap();
                layout.v1.insert(*c, m);
            }
            Fake { root, layout }
        }

        fn populate(&self, rel: &str) {
            for (c, files) in FILES {
                let d = self.layout.v1[c].join(rel);
                stdfs::create_dir_all(&d).unwrap();
                stdfs::write(d.join("cgroup.procs"), "").unwrap();
                for (f, v) in *files {
                    stdfs::write(d.join(f), v).unwrap();
                }
            }
        }

        fn read(&self, c: Controller, rel: &str, file: &str) -> String {
            stdfs::read_to_string(self.layout.v1[&c].join(rel).join(file))
                .unwrap()
                .trim()
                .to_owned()
        }
    }

    #[test]
    fn limits_map_to_v1_files() {
        let fake = Fake::new(false);
        fake.populate("zones/web1");
        let b = V1Backend::new(&fake.layout).unwrap();
        let cg = b.open_cgroup("zones/web1").unwrap();
        assert!(cg.exists());
        cg.apply(&Limits {
            cpu_shares: Some(10),
            cpu_cap_percent: Some(150),
            cpus: Some("0-1".into()),
            mems: Some("0".into()),
            memory_limit: Some(64 << 20),
            memory_swap_limit: Some(128 << 20),
            pids_max: Some(20),
        })
        .unwrap();
        let r = |c, f| fake.read(c, "zones/web1", f);
        assert_eq!(r(Controller::Cpu, "cpu.shares"), "40");
        assert_eq!(r(Controller::Cpu, "cpu.cfs_period_us"), "100000");
        assert_eq!(r(Controller::Cpu, "cpu.cfs_quota_us"), "150000");
        assert_eq!(r(Controller::Cpuset, "cpuset.cpus"), "0-1");
        assert_eq!(r(Controller::Cpuset, "cpuset.mems"), "0");
        assert_eq!(r(Controller::Memory, "memory.limit_in_bytes"), "67108864");
        assert_eq!(r(Controller::Memory, MEMSW), "134217728");
        assert_eq!(r(Controller::Pids, "pids.max"), "20");

        let u = cg.usage().unwrap();
        assert_eq!(
            u,
            Usage {
                cpu_ns: Some(123_456_789),
                memory_bytes: Some(4096),
                memory_peak_bytes: Some(8192),
                pids_current: Some(2),
                oom_kills: Some(3),
            }
        );
    }

    #[test]
    fn missing_memsw_is_unsupported_and_nothing_is_written() {
        let fake = Fake::new(false);
        fake.populate("z/a");
        stdfs::remove_file(fake.layout.v1[&Controller::Memory].join("z/a").join(MEMSW)).unwrap();
        let cg = V1Backend::new(&fake.layout)
            .unwrap()
            .open_cgroup("z/a")
            .unwrap();
        let e = cg
            .apply(&Limits {
                memory_limit: Some(1 << 20),
                memory_swap_limit: Some(2 << 20),
                ..Limits::default()
            })
            .unwrap_err();
        assert!(matches!(e, CgroupError::Unsupported { .. }), "{e}");
        assert!(e.to_string().ends_with(MEMSW));
        assert_eq!(
            fake.read(Controller::Memory, "z/a", "memory.limit_in_bytes"),
            "9223372036854771712"
        );
    }

    #[test]
    fn unmounted_and_unattached_controllers_are_named() {
        let mut fake = Fake::new(false);
        fake.populate("z/a");
        let pids_mount = fake.layout.v1.remove(&Controller::Pids).unwrap();
        let b = V1Backend::new(&fake.layout).unwrap();
        let e = b.create_cgroup("z/b", &[Controller::Pids]).unwrap_err();
        assert_eq!(e.to_string(), "controller not mounted: pids");
        let cg = b.open_cgroup("z/a").unwrap();
        let e = cg
            .apply(&Limits {
                pids_max: Some(3),
                ..Limits::default()
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "controller not mounted: pids");
        drop(pids_mount);

        // Created only in memory: cpu limits are refused before anything is written.
        let cg = b.create_cgroup("z/c", &[Controller::Memory]).unwrap();
        let e = cg
            .apply(&Limits {
                memory_limit: Some(1 << 20),
                cpu_shares: Some(1),
                ..Limits::default()
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "controller not attached to cgroup z/c: cpu");
    }

    #[test]
    fn comounted_hierarchies_get_one_directory() {
        let fake = Fake::new(true);
        fake.populate("z/a");
        let b = V1Backend::new(&fake.layout).unwrap();
        let cg = b.open_cgroup("z/a").unwrap();
        let dirs = cg.dirs();
        assert_eq!(dirs.len(), 5, "{dirs:?}");
        assert!(dirs.iter().any(|d| d.ends_with("cpu,cpuacct/z/a")));
        cg.add_pid(4242).unwrap();
        assert_eq!(fake.read(Controller::Cpu, "z/a", "cgroup.procs"), "4242");
        assert_eq!(fake.read(Controller::Memory, "z/a", "cgroup.procs"), "4242");
        assert_eq!(cg.pids().unwrap(), [4242]);
        assert_eq!(b.list("z").unwrap(), ["a"]);
        assert_eq!(b.list("").unwrap(), ["z"]);
        assert!(b.list("nope").unwrap().is_empty());
    }

    #[test]
    fn cpuset_inherits_from_nearest_non_empty_ancestor() {
        let d = tempfile::tempdir().unwrap();
        let mount = d.path().join("cpuset");
        let levels: Vec<PathBuf> = ["zones", "zones/web", "zones/web/inner"]
            .iter()
            .map(|l| mount.join(l))
            .collect();
        stdfs::create_dir_all(&levels[2]).unwrap();
        stdfs::write(mount.join("cpuset.cpus"), "0-3\n").unwrap();
        stdfs::write(mount.join("cpuset.mems"), "0\n").unwrap();
        // `zones` exists with its own list (a pool restricted it); the new ones are empty.
        stdfs::write(levels[0].join("cpuset.cpus"), "2-3\n").unwrap();
        stdfs::write(levels[0].join("cpuset.mems"), "\n").unwrap();
        for l in &levels[1..] {
            stdfs::write(l.join("cpuset.cpus"), "\n").unwrap();
            stdfs::write(l.join("cpuset.mems"), "").unwrap();
        }
        inherit_cpuset(&mount, &levels).unwrap();
        let r = |p: &Path, f| stdfs::read_to_string(p.join(f)).unwrap();
        assert_eq!(r(&levels[0], "cpuset.cpus"), "2-3\n");
        assert_eq!(r(&levels[0], "cpuset.mems"), "0");
        for l in &levels[1..] {
            assert_eq!(r(l, "cpuset.cpus"), "2-3");
            assert_eq!(r(l, "cpuset.mems"), "0");
        }
    }

    #[test]
    fn cpuset_without_any_list_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let mount = d.path().join("cpuset");
        let leaf = mount.join("z");
        stdfs::create_dir_all(&leaf).unwrap();
        for p in [&mount, &leaf] {
            stdfs::write(p.join("cpuset.cpus"), "\n").unwrap();
            stdfs::write(p.join("cpuset.mems"), "\n").unwrap();
        }
        let e = inherit_cpuset(&mount, &[leaf]).unwrap_err();
        assert!(e.to_string().contains("no ancestor cpuset"), "{e}");
    }

    #[test]
    fn create_failure_removes_what_it_made() {
        let fake = Fake::new(false);
        let b = V1Backend::new(&fake.layout).unwrap();
        // The fake root cpuset has no cpuset.cpus file, so inheritance fails after mkdir.
        let e = b
            .create_cgroup("zones-x/web", &[Controller::Memory, Controller::Cpuset])
            .unwrap_err();
        assert_eq!(e.errno(), Some(libc::ENOENT), "{e}");
        for m in fake.layout.v1.values() {
            assert!(!m.join("zones-x").exists(), "{m:?}");
        }
        drop(fake.root);
    }

    #[test]
    fn open_missing_cgroup() {
        let fake = Fake::new(false);
        let b = V1Backend::new(&fake.layout).unwrap();
        let cg = b.open_cgroup("zones/gone").unwrap();
        assert!(!cg.exists());
        assert!(cg.pids().unwrap().is_empty());
        cg.remove().unwrap();
        cg.kill_all().unwrap();
        assert!(b.open_cgroup("../x").is_err());
    }

    #[test]
    fn remove_leaf_first_in_every_hierarchy() {
        let fake = Fake::new(false);
        let b = V1Backend::new(&fake.layout).unwrap();
        let cg = b
            .create_cgroup("zones/a/b", &[Controller::Memory, Controller::Pids])
            .unwrap();
        stdfs::create_dir_all(fake.layout.v1[&Controller::Memory].join("zones/a/b/child")).unwrap();
        assert!(cg.exists());
        cg.remove().unwrap();
        assert!(!cg.exists());
        assert!(fake.layout.v1[&Controller::Memory].join("zones/a").is_dir());
    }

    #[test]
    fn v1_needs_a_hierarchy() {
        assert!(matches!(
            V1Backend::new(&Layout::default()),
            Err(CgroupError::NoHierarchy)
        ));
    }
}
