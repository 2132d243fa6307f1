//! Compile a zone configuration into a plan: an OCI runtime spec (the intermediate form any OCI
//! runtime can run) plus the zone-only extras OCI cannot express (init kind, brand, zonepath,
//! network resources, the pool binding asked for). Pure: everything about the host comes in
//! through `HostFacts`, and where the zone's pool binding put it through `Placement` (pools
//! are bound before `compile`), so plans are unit-tested without root and printable for
//! diagnosis.
//!
//! The plan is the one source of truth of the runtime: capabilities, `no_new_privs`,
//! rlimits, namespaces, mounts, sysctls, the seccomp filter and every cgroup value (CPU
//! shares, cap and CPUs, memory, swap, pids, devices) are read from the spec, exactly where
//! another OCI runtime reads them. [`Plan::capabilities`], [`Plan::limits`] and the like
//! read them back in the zone's terms.

use crate::brand::{self, Brand, InitKind};
use crate::cgroup;
use crate::config::{IpType, Net, ZoneConfig};
use crate::host::{HostDir, HostFacts};
use crate::store::Store;
use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxCpuBuilder, LinuxDeviceBuilder,
    LinuxDeviceType, LinuxMemoryBuilder, LinuxNamespaceBuilder, LinuxNamespaceType,
    LinuxPidsBuilder, LinuxResources, LinuxResourcesBuilder, Mount, MountBuilder,
    PosixRlimitBuilder, PosixRlimitType, ProcessBuilder, RootBuilder, Spec, SpecBuilder,
    UserBuilder,
};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Why a configuration cannot become a plan. Messages leave the zone name out: zoneadm
/// prints them as `zoneadm: zone '<zone>': <message>`.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("unknown brand '{brand}'")]
    UnknownBrand { zone: String, brand: String },
    #[error("zonepath not specified")]
    NoZonepath { zone: String },
    #[error("{msg}")]
    Privileges { zone: String, msg: String },
    #[error("rctl {rctl}: bad limit '{limit}'")]
    BadLimit {
        zone: String,
        rctl: String,
        limit: String,
    },
    #[error("{msg}")]
    Spec { zone: String, msg: String },
}

/// How a zone is bound to processor sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolBinding {
    /// The default pool (no `pool`, no `dedicated-cpu`).
    Default,
    /// `set pool=<name>`.
    Named(String),
    /// `add dedicated-cpu`: a temporary pool `SUNWtmp_<zone>`.
    Dedicated {
        min: u32,
        max: u32,
        importance: Option<u32>,
    },
}

/// A zone's resource controls in Solaris' terms, as [`Plan::limits`] reads them back from
/// the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneLimits {
    /// Solaris FSS shares (`zone.cpu-shares`).
    pub cpu_shares: Option<u64>,
    /// Percent of one CPU (`zone.cpu-cap`, 100 = one CPU).
    pub cpu_cap: Option<u64>,
    pub memory: Option<u64>,
    pub swap: Option<u64>,
    pub locked: Option<u64>,
    /// `zone.max-processes`/`zone.max-lwps`: both are tasks on Linux.
    pub pids: Option<u64>,
}

/// Where a zone runs: what binding it to its pool gave (`pool::zones::bind_zone`, done
/// before `compile`). An input of `compile`, so the plan carries the zone's CPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// The pool the zone is bound to; `None`: the default pool, or pools inactive.
    pub pool: Option<String>,
    /// The CPUs of that pool's processor set; `None`: every CPU (pools inactive).
    pub cpus: Option<Vec<u32>>,
}

/// The zone-only part of a plan: what OCI cannot express. Everything else the runtime needs
/// is in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneExtras {
    pub name: String,
    pub zonepath: PathBuf,
    pub brand: String,
    pub init: InitKind,
    pub exclusive_ip: bool,
    pub nets: Vec<Net>,
    /// The binding the configuration asks for (a temporary pool goes at halt).
    /// The zone's links, addresses and routes, as the runtime applies them.
    pub net: crate::net::NetPlan,
    pub pool: PoolBinding,
    /// The pool the zone was bound to (`Placement::pool`), for its runtime record.
    pub bound_pool: Option<String>,
    /// What `zoneadm shutdown` sends init (the brand's; see `brand::BootSetup`).
    pub stop_signal: i32,
    /// Fill in an empty `/etc/machine-id` at boot from the zone's UUID (`container_uuid`).
    pub machine_id: bool,
}

/// A compiled zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub spec: Spec,
    pub zone: ZoneExtras,
}

/// `/proc` and `/sys` paths hidden from zones (the OCI defaults).
pub const MASKED_PATHS: [&str; 10] = [
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
];

/// `/proc` paths zones see read-only.
pub const READONLY_PATHS: [&str; 5] = [
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The PATH zone processes start with (Solaris' root PATH plus the Linux system dirs).
pub const ZONE_PATH: &str = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn mount(dest: &str, typ: &str, source: &str, options: &[&str]) -> Result<Mount, String> {
    MountBuilder::default()
        .destination(dest)
        .typ(typ)
        .source(source)
        .options(s(options))
        .build()
        .map_err(|e| e.to_string())
}

/// The file systems every zone gets, after its inherited directories.
fn standard_mounts() -> Result<Vec<Mount>, String> {
    Ok(vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
        mount(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", "ro"],
        )?,
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        )?,
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        )?,
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        )?,
        mount(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        )?,
    ])
}

/// Read-only binds of the host directories a brand inherits.
fn inherited_mounts(
    brand: &Brand,
    cfg: &ZoneConfig,
    facts: &HostFacts,
) -> Result<Vec<Mount>, String> {
    let mut dirs: Vec<String> = brand.inherit.clone();
    if brand.inherit_host_system_dirs {
        for (d, kind) in &facts.system_dirs {
            // Symlinks into /usr are reproduced in the zone root at install; they need no mount.
            if *kind == HostDir::Dir {
                dirs.push(d.clone());
            }
        }
    }
    dirs.extend(cfg.inherit_pkg_dirs.iter().map(|i| i.dir.clone()));
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for d in dirs {
        if seen.insert(d.clone()) {
            out.push(mount(&d, "bind", &d, &["rbind", "rro", "nodev"])?);
        }
    }
    Ok(out)
}

/// `fs` resources: `lofs` is a bind, other types are mounted from `special`.
fn fs_mounts(cfg: &ZoneConfig) -> Result<Vec<Mount>, String> {
    cfg.fs
        .iter()
        .map(|fs| {
            let mut opts: Vec<String> = fs
                .options
                .iter()
                .map(|o| match o.as_str() {
                    // Solaris spellings of the Linux options.
                    "nodevices" => "nodev".to_string(),
                    "nosetuid" => "nosuid".to_string(),
                    "devices" => "dev".to_string(),
                    "setuid" => "suid".to_string(),
                    _ => o.clone(),
                })
                .collect();
            // Device nodes belong on the zone's /dev: unless the administrator says
            // `devices`, none on an fs resource opens.
            if !opts.iter().any(|o| o == "dev" || o == "nodev") {
                opts.push("nodev".to_string());
            }
            let typ = if fs.fstype == "lofs" {
                opts.insert(0, "rbind".to_string());
                "bind"
            } else {
                fs.fstype.as_str()
            };
            MountBuilder::default()
                .destination(&fs.dir)
                .typ(typ)
                .source(&fs.special)
                .options(opts)
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Host device nodes that `device` resources match (shell globs).
fn devices(
    cfg: &ZoneConfig,
    facts: &HostFacts,
) -> Result<Vec<oci_spec::runtime::LinuxDevice>, String> {
    let mut out = Vec::new();
    for d in &facts.devices {
        if !cfg.devices.iter().any(|r| glob_match(&r.match_, &d.path)) {
            continue;
        }
        out.push(
            LinuxDeviceBuilder::default()
                .path(&d.path)
                .typ(if d.kind == 'b' {
                    LinuxDeviceType::B
                } else {
                    LinuxDeviceType::C
                })
                .major(d.major as i64)
                .minor(d.minor as i64)
                .file_mode(d.mode)
                .uid(d.uid)
                .gid(d.gid)
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(out)
}

/// The zone's devices cgroup rules (`linux.resources.devices`): deny every device, then allow
/// the standard nodes (`cgroup::devices::STANDARD`, runc's and crun's list) and each host
/// device a `device` resource matches.
fn device_rules(
    cfg: &ZoneConfig,
    facts: &HostFacts,
) -> Result<Vec<oci_spec::runtime::LinuxDeviceCgroup>, String> {
    use crate::cgroup::devices::{DeviceKind, DeviceRule, STANDARD};
    let mut rules = vec![DeviceRule::DENY_ALL];
    rules.extend(STANDARD);
    for d in devices(cfg, facts)? {
        let kind = match d.typ() {
            LinuxDeviceType::B => DeviceKind::Block,
            _ => DeviceKind::Char,
        };
        let number = |n: i64| u32::try_from(n).map_err(|_| format!("bad device number {n}"));
        rules.push(DeviceRule::allow_node(
            kind,
            number(d.major())?,
            number(d.minor())?,
        ));
    }
    Ok(rules.iter().map(DeviceRule::to_oci).collect())
}

/// Shell glob matching (`*`, `?`, `[...]` with ranges and `!`), as `device match=` uses.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_at(&p, &t)
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') => (0..=t.len()).any(|i| glob_at(&p[1..], &t[i..])),
        Some('?') => !t.is_empty() && glob_at(&p[1..], &t[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(2).position(|&c| c == ']').map(|i| i + 2) else {
                return !t.is_empty() && t[0] == '[' && glob_at(&p[1..], &t[1..]);
            };
            let Some(&c) = t.first() else {
                return false;
            };
            let mut set = &p[1..close];
            let negate = matches!(set.first(), Some('!') | Some('^'));
            if negate {
                set = &set[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != negate && glob_at(&p[close + 1..], &t[1..])
        }
        Some(&c) => t.first() == Some(&c) && glob_at(&p[1..], &t[1..]),
    }
}

/// The lowest `deny` limit of an rctl (what the kernel enforces), or the limit of a
/// `none`-action value for rctls such as `zone.cpu-shares`.
fn rctl_limit(cfg: &ZoneConfig, name: &str) -> Result<Option<u64>, PlanError> {
    let Some(r) = cfg.rctl(name) else {
        return Ok(None);
    };
    let mut best: Option<u64> = None;
    for v in &r.values {
        let n: u64 = v.limit.parse().map_err(|_| PlanError::BadLimit {
            zone: cfg.name.clone(),
            rctl: name.to_string(),
            limit: v.limit.clone(),
        })?;
        best = Some(best.map_or(n, |b| b.min(n)));
    }
    Ok(best)
}

fn limits(cfg: &ZoneConfig) -> Result<ZoneLimits, PlanError> {
    let lwps = rctl_limit(cfg, "zone.max-lwps")?;
    let procs = rctl_limit(cfg, "zone.max-processes")?;
    let memory = match &cfg.mcap {
        Some(m) if !m.physcap.is_empty() => {
            Some(m.physcap.parse().map_err(|_| PlanError::BadLimit {
                zone: cfg.name.clone(),
                rctl: "capped-memory physical".into(),
                limit: m.physcap.clone(),
            })?)
        }
        _ => None,
    };
    Ok(ZoneLimits {
        cpu_shares: rctl_limit(cfg, "zone.cpu-shares")?,
        cpu_cap: rctl_limit(cfg, "zone.cpu-cap")?,
        memory,
        swap: rctl_limit(cfg, "zone.max-swap")?,
        locked: rctl_limit(cfg, "zone.max-locked-memory")?,
        // Linux counts threads and processes alike against pids.max: the tighter one wins.
        pids: match (lwps, procs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
    })
}

/// IPC namespace sysctls for the `max-shm-*`, `max-sem-ids` and `max-msg-ids` controls.
fn ipc_sysctls(cfg: &ZoneConfig) -> Result<HashMap<String, String>, PlanError> {
    let mut out = HashMap::new();
    if let Some(bytes) = rctl_limit(cfg, "zone.max-shm-memory")? {
        out.insert("kernel.shmmax".to_string(), bytes.to_string());
        // shmall counts pages.
        out.insert(
            "kernel.shmall".to_string(),
            bytes.div_ceil(4096).to_string(),
        );
    }
    if let Some(n) = rctl_limit(cfg, "zone.max-shm-ids")? {
        out.insert("kernel.shmmni".to_string(), n.to_string());
    }
    if let Some(n) = rctl_limit(cfg, "zone.max-sem-ids")? {
        // semmsl semmns semopm semmni: only the number of sets is a Solaris control.
        out.insert(
            "kernel.sem".to_string(),
            format!("32000 1024000000 500 {n}"),
        );
    }
    if let Some(n) = rctl_limit(cfg, "zone.max-msg-ids")? {
        out.insert("kernel.msgmni".to_string(), n.to_string());
    }
    Ok(out)
}

/// The pool binding `cfg` asks for; what binding it gives (`pool::zones::bind_zone`) is the
/// `Placement` that `compile_bound` takes.
pub fn pool_binding(cfg: &ZoneConfig) -> PoolBinding {
    if let Some(d) = &cfg.dedicated_cpu {
        let min = d.ncpu_min.parse().unwrap_or(1);
        let max = d.ncpu_max.parse().unwrap_or(min);
        return PoolBinding::Dedicated {
            min,
            max,
            importance: d.importance.parse().ok(),
        };
    }
    if cfg.pool.is_empty() {
        PoolBinding::Default
    } else {
        PoolBinding::Named(cfg.pool.clone())
    }
}

/// Compile `cfg` (configured under the alternate root `altroot`, inside which its zonepath
/// lies, as on Solaris) for the host described by `facts`, with pools inactive (the zone may
/// run on every CPU). See `compile_bound`.
pub fn compile(cfg: &ZoneConfig, facts: &HostFacts, altroot: &Path) -> Result<Plan, PlanError> {
    compile_bound(cfg, facts, altroot, &Placement::default())
}

/// Compile `cfg` for the host described by `facts`, the zone bound where `placement` says:
/// the plan's `linux.resources.cpu.cpus` are the CPUs of its processor set.
pub fn compile_bound(
    cfg: &ZoneConfig,
    facts: &HostFacts,
    altroot: &Path,
    placement: &Placement,
) -> Result<Plan, PlanError> {
    let zone = cfg.name.clone();
    let spec_err = |msg: String| PlanError::Spec {
        zone: zone.clone(),
        msg,
    };
    let brand = brand::lookup(&cfg.brand).ok_or_else(|| PlanError::UnknownBrand {
        zone: zone.clone(),
        brand: cfg.brand.clone(),
    })?;
    if cfg.zonepath.is_empty() {
        return Err(PlanError::NoZonepath { zone });
    }
    // The zone's root must lie inside the alternate root, whatever the zone file says.
    let zonepath = Store::new(altroot)
        .host_path(&cfg.zonepath)
        .map_err(|e| spec_err(e.to_string()))?;
    let capabilities: Vec<String> = capabilities(cfg, &brand)?
        .into_iter()
        .filter(|c| facts.bounding_caps.as_ref().is_none_or(|b| b.contains(c)))
        .collect();
    let no_new_privs = !capabilities.iter().any(|c| c == "CAP_SETUID");
    let limits = limits(cfg)?;
    let net = crate::net::plan::compile(cfg, &crate::net::SystemHost).map_err(&spec_err)?;

    let mut mounts = inherited_mounts(&brand, cfg, facts).map_err(spec_err)?;
    mounts.extend(standard_mounts().map_err(spec_err)?);
    mounts.extend(boot_mounts(&brand).map_err(spec_err)?);
    mounts.extend(fs_mounts(cfg).map_err(spec_err)?);

    // oci-spec spells capabilities without the CAP_ prefix.
    let caps_set = capabilities
        .iter()
        .map(|c| {
            Capability::from_str(c.strip_prefix("CAP_").unwrap_or(c))
                .map_err(|_| spec_err(format!("unknown capability {c}")))
        })
        .collect::<Result<std::collections::HashSet<Capability>, _>>()?;
    let args: Vec<String> = match &brand.init {
        InitKind::Builtin => vec!["zinit".to_string()],
        InitKind::Program(p) => vec![p.clone()],
    }
    .into_iter()
    .chain(cfg.bootargs.split_whitespace().map(str::to_string))
    .collect();
    let mut rlimits = Vec::new();
    if let Some(locked) = limits.locked {
        rlimits.push(
            PosixRlimitBuilder::default()
                .typ(PosixRlimitType::RlimitMemlock)
                .soft(locked)
                .hard(locked)
                .build()
                .map_err(|e| spec_err(e.to_string()))?,
        );
    }
    let process = ProcessBuilder::default()
        .terminal(false)
        .user(
            UserBuilder::default()
                .uid(0u32)
                .gid(0u32)
                .build()
                .map_err(|e| spec_err(e.to_string()))?,
        )
        .args(args)
        .env(vec![
            ZONE_PATH.to_string(),
            "TERM=vt100".to_string(),
            CONTAINER_ENV.to_string(),
        ])
        .cwd("/")
        .capabilities(
            LinuxCapabilitiesBuilder::default()
                .bounding(caps_set.clone())
                .effective(caps_set.clone())
                .permitted(caps_set)
                .inheritable(std::collections::HashSet::new())
                .ambient(std::collections::HashSet::new())
                .build()
                .map_err(|e| spec_err(e.to_string()))?,
        )
        .rlimits(rlimits)
        .no_new_privileges(no_new_privs)
        .build()
        .map_err(|e| spec_err(e.to_string()))?;

    let namespaces = zone_namespaces()
        .into_iter()
        .map(|t| LinuxNamespaceBuilder::default().typ(t).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| spec_err(e.to_string()))?;

    let mut resources = LinuxResourcesBuilder::default();
    // Every zone competes on the same scale: without `cpu-shares`, Solaris' default of one
    // share. One mapping of shares to `cpu.shares`, the cgroup layer's.
    let shares = limits
        .cpu_shares
        .unwrap_or(1)
        .min(u64::from(cgroup::MAX_SHARES)) as u32;
    let mut cpu = LinuxCpuBuilder::default().shares(cgroup::shares_to_v1(shares));
    if let Some(cap) = limits.cpu_cap {
        let (quota, period) = cgroup::cap_to_cfs(cap.min(u64::from(u32::MAX - 1)) as u32);
        cpu = cpu.quota(quota as i64).period(period);
    }
    if let Some(cpus) = &placement.cpus {
        cpu = cpu.cpus(crate::host::format_cpu_list(cpus));
    }
    resources = resources.cpu(cpu.build().map_err(|e| spec_err(e.to_string()))?);
    let mut mem = LinuxMemoryBuilder::default();
    if let Some(m) = limits.memory {
        mem = mem.limit(m as i64);
    }
    if let Some(sw) = limits.swap {
        mem = mem.swap(sw as i64);
    }
    resources = resources.memory(mem.build().map_err(|e| spec_err(e.to_string()))?);
    resources = resources.devices(device_rules(cfg, facts).map_err(spec_err)?);
    if let Some(p) = limits.pids {
        resources = resources.pids(
            LinuxPidsBuilder::default()
                .limit(p as i64)
                .build()
                .map_err(|e| spec_err(e.to_string()))?,
        );
    }

    let linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .resources(resources.build().map_err(|e| spec_err(e.to_string()))?)
        .devices(devices(cfg, facts).map_err(spec_err)?)
        .masked_paths(s(&MASKED_PATHS))
        .readonly_paths(s(&READONLY_PATHS))
        .sysctl(ipc_sysctls(cfg)?)
        .seccomp(crate::seccomp::default_filter(&capabilities))
        .cgroups_path(PathBuf::from(format!("/zones/{}", cfg.name)))
        .build()
        .map_err(|e| spec_err(e.to_string()))?;

    let spec = SpecBuilder::default()
        .version("1.0.2")
        .root(
            RootBuilder::default()
                .path(zonepath.join("root"))
                .readonly(false)
                .build()
                .map_err(|e| spec_err(e.to_string()))?,
        )
        .hostname(cfg.name.clone())
        .mounts(mounts)
        .process(process)
        .linux(linux)
        .annotations(
            HashMap::from([
                ("org.zones.zonename".to_string(), cfg.name.clone()),
                ("org.zones.brand".to_string(), brand.name.clone()),
            ])
            .into_iter()
            .chain(net.annotations())
            .collect::<HashMap<_, _>>(),
        )
        .build()
        .map_err(|e| spec_err(e.to_string()))?;

    Ok(Plan {
        spec,
        zone: ZoneExtras {
            name: cfg.name.clone(),
            zonepath,
            brand: brand.name.clone(),
            init: brand.init.clone(),
            exclusive_ip: cfg.ip_type == IpType::Exclusive,
            nets: cfg.nets.clone(),
            net,
            pool: pool_binding(cfg),
            bound_pool: placement.pool.clone(),
            stop_signal: brand.boot.stop_signal,
            machine_id: brand.boot.machine_id,
        },
    })
}

impl Plan {
    /// The spec's `linux.resources` (every zone's plan has them).
    pub fn resources(&self) -> Option<&LinuxResources> {
        self.spec.linux().as_ref()?.resources().as_ref()
    }

    /// The `CAP_*` names zone processes keep: the spec's bounding set (its effective and
    /// permitted sets are the same), sorted.
    pub fn capabilities(&self) -> Vec<String> {
        let caps = self
            .spec
            .process()
            .as_ref()
            .and_then(|p| p.capabilities().as_ref())
            .and_then(|c| c.bounding().as_ref());
        let mut out: Vec<String> = caps
            .into_iter()
            .flatten()
            .map(|c| format!("CAP_{c}"))
            .collect();
        out.sort();
        out
    }

    /// Whether zone processes run with `no_new_privs` (`process.noNewPrivileges`).
    pub fn no_new_privs(&self) -> bool {
        self.spec
            .process()
            .as_ref()
            .and_then(|p| p.no_new_privileges())
            .unwrap_or(false)
    }

    /// The CPUs the zone runs on (`linux.resources.cpu.cpus`); `None`: every CPU.
    pub fn cpus(&self) -> Option<&str> {
        self.resources()?.cpu().as_ref()?.cpus().as_deref()
    }

    /// The zone's resource controls, read back from the spec in Solaris' units.
    pub fn limits(&self) -> ZoneLimits {
        let res = self.resources();
        let cpu = res.and_then(|r| r.cpu().as_ref());
        let mem = res.and_then(|r| r.memory().as_ref());
        let positive = |v: Option<i64>| v.filter(|v| *v > 0).map(|v| v as u64);
        let locked = self
            .spec
            .process()
            .as_ref()
            .and_then(|p| p.rlimits().as_ref())
            .and_then(|r| r.iter().find(|r| r.typ() == PosixRlimitType::RlimitMemlock))
            .map(|r| r.hard());
        ZoneLimits {
            cpu_shares: cpu
                .and_then(|c| c.shares())
                .map(|s| u64::from(cgroup::shares_from_v1(s))),
            cpu_cap: cpu.and_then(|c| {
                let quota = positive(c.quota())?;
                Some(quota * 100 / c.period().unwrap_or(cgroup::CFS_PERIOD_US).max(1))
            }),
            memory: positive(mem.and_then(|m| m.limit())),
            swap: positive(mem.and_then(|m| m.swap())),
            locked,
            pids: res
                .and_then(|r| r.pids().as_ref())
                .and_then(|p| positive(Some(p.limit()))),
        }
    }
}

/// The brand's file systems for its init (`/run`, `/tmp`, ... as tmpfs for systemd), then the
/// zone's own cgroup tree at `/sys/fs/cgroup`, writable, when the brand's init manages
/// cgroups: an OCI `cgroup` mount, which the runtime makes the host's unified hierarchy (or
/// its `name=systemd` one where there is none) as seen from the zone's cgroup namespace.
fn boot_mounts(brand: &Brand) -> Result<Vec<Mount>, String> {
    let mut out = Vec::new();
    for m in &brand.boot.mounts {
        let opts: Vec<&str> = m.options.iter().map(String::as_str).collect();
        out.push(mount(&m.destination, &m.typ, &m.source, &opts)?);
    }
    if brand.boot.cgroup_fs {
        out.push(mount(
            CGROUP_FS,
            "cgroup",
            "cgroup",
            &["nosuid", "noexec", "nodev", "rw"],
        )?);
    }
    Ok(out)
}

/// Where a zone whose init manages cgroups finds its own (systemd's place for them).
pub const CGROUP_FS: &str = "/sys/fs/cgroup";

/// What tells a zone's init and programs they run in a container (systemd's container
/// interface: `$container` names the manager).
pub const CONTAINER_ENV: &str = "container=zones";

/// A machine ID (`/etc/machine-id`: 32 lowercase hex digits) from a zone's UUID, `None` for
/// one that is not a UUID (or is all zeros, which systemd refuses).
pub fn machine_id_of(uuid: &str) -> Option<String> {
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    let ok = hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && hex.chars().any(|c| c != '0');
    ok.then(|| hex.to_ascii_lowercase())
}

impl Plan {
    /// Give the plan the zone's UUID (from the index): `container_uuid` in init's
    /// environment, as systemd's container interface names it.
    pub fn identify(&mut self, uuid: &str) {
        if uuid.is_empty() {
            return;
        }
        let Some(process) = self.spec.process_mut().as_mut() else {
            return;
        };
        let mut env = process.env().clone().unwrap_or_default();
        env.retain(|e| !e.starts_with("container_uuid="));
        env.push(format!("container_uuid={uuid}"));
        process.set_env(Some(env));
    }

    /// The zone's UUID, as [`Plan::identify`] gave it.
    pub fn uuid(&self) -> Option<&str> {
        self.spec
            .process()
            .as_ref()?
            .env()
            .as_ref()?
            .iter()
            .find_map(|e| e.strip_prefix("container_uuid="))
    }
}

/// `limitpriv` with the brand's privileges added to its default set (when it has one).
fn brand_limitpriv(limitpriv: &str, brand_privs: &str) -> String {
    if brand_privs.is_empty() {
        return limitpriv.to_string();
    }
    match limitpriv {
        "" | "default" => format!("default,{brand_privs}"),
        _ => match limitpriv.strip_prefix("default,") {
            Some(rest) => format!("default,{brand_privs},{rest}"),
            None => limitpriv.to_string(),
        },
    }
}

/// The namespaces of every zone. A shared-IP zone has a network namespace of its own too
/// (loopback only until the global zone plumbs its addresses), so the host's loopback
/// services, abstract unix sockets and ports are out of its reach.
fn zone_namespaces() -> Vec<LinuxNamespaceType> {
    vec![
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Cgroup,
        LinuxNamespaceType::Network,
    ]
}

/// The capability set of zone processes: `limitpriv` resolved against the brand's default,
/// prohibited and required privileges, then mapped to Linux capabilities (less those that
/// would void `capped-memory locked`, when it is set). A brand's own privileges join the
/// default set, so `limitpriv=default,!cap_setpcap` can still take one away.
fn capabilities(cfg: &ZoneConfig, brand: &Brand) -> Result<Vec<String>, PlanError> {
    let limitpriv = brand_limitpriv(&cfg.limitpriv, &brand.boot.privileges);
    let set = crate::config::privs::zone_privset(&limitpriv, cfg.ip_type).map_err(|e| {
        PlanError::Privileges {
            zone: cfg.name.clone(),
            msg: e.to_string(),
        }
    })?;
    let locked = rctl_limit(cfg, "zone.max-locked-memory")?.is_some();
    Ok(crate::config::privs::zone_capabilities(&set, locked)
        .into_iter()
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Device, Fs, Mcap, Rctl, RctlValue};

    fn base() -> ZoneConfig {
        ZoneConfig {
            name: "web".into(),
            zonepath: "/zones/web".into(),
            brand: "sparse".into(),
            ..Default::default()
        }
    }

    fn facts() -> HostFacts {
        HostFacts {
            system_dirs: vec![
                ("/bin".into(), HostDir::Symlink("usr/bin".into())),
                ("/lib32".into(), HostDir::Dir),
            ],
            online_cpus: vec![0, 1],
            devices: vec![crate::host::HostDevice {
                path: "/dev/ttyS1".into(),
                kind: 'c',
                major: 4,
                minor: 65,
                mode: 0o660,
                uid: 0,
                gid: 20,
            }],
            bounding_caps: None,
        }
    }

    fn rctl(name: &str, limit: &str, action: &str) -> Rctl {
        Rctl {
            name: name.into(),
            values: vec![RctlValue {
                privilege: "privileged".into(),
                limit: limit.into(),
                action: action.into(),
            }],
        }
    }

    fn dests(p: &Plan) -> Vec<String> {
        p.spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .map(|m| m.destination().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn sparse_zone_mounts_in_order() {
        let mut cfg = base();
        cfg.inherit_pkg_dirs.push(crate::config::InheritPkgDir {
            dir: "/opt/sfw".into(),
        });
        cfg.fs.push(Fs {
            dir: "/data".into(),
            special: "/srv/data".into(),
            fstype: "lofs".into(),
            options: vec!["ro".into(), "nodevices".into()],
            ..Default::default()
        });
        let p = compile(&cfg, &facts(), Path::new("/alt")).unwrap();
        assert_eq!(
            dests(&p),
            vec![
                "/usr",
                "/lib32",
                "/opt/sfw",
                "/proc",
                "/sys",
                "/dev",
                "/dev/pts",
                "/dev/shm",
                "/dev/mqueue",
                "/data"
            ]
        );
        let usr = &p.spec.mounts().as_ref().unwrap()[0];
        assert_eq!(
            usr.options().as_ref().unwrap(),
            &vec!["rbind", "rro", "nodev"]
        );
        let data = p.spec.mounts().as_ref().unwrap().last().unwrap();
        assert_eq!(
            data.options().as_ref().unwrap(),
            &vec!["rbind", "ro", "nodev"]
        );
        assert_eq!(
            p.spec.root().as_ref().unwrap().path(),
            Path::new("/alt/zones/web/root")
        );
        assert_eq!(p.zone.zonepath, PathBuf::from("/alt/zones/web"));
        assert_eq!(p.spec.hostname().as_deref(), Some("web"));
    }

    #[test]
    fn fs_resources_are_nodev_unless_devices_is_asked_for() {
        let mut cfg = base();
        for (dir, options) in [("/a", vec![]), ("/b", vec!["devices".to_string()])] {
            cfg.fs.push(Fs {
                dir: dir.into(),
                special: "swap".into(),
                fstype: "tmpfs".into(),
                options,
                ..Default::default()
            });
        }
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        let opts = |dir: &str| {
            p.spec
                .mounts()
                .as_ref()
                .unwrap()
                .iter()
                .find(|m| m.destination() == Path::new(dir))
                .unwrap()
                .options()
                .clone()
                .unwrap()
        };
        assert_eq!(opts("/a"), ["nodev"]);
        assert_eq!(opts("/b"), ["dev"]);
    }

    #[test]
    fn default_privileges_exclude_dangerous_capabilities() {
        let p = compile(&base(), &facts(), Path::new("/")).unwrap();
        for bad in crate::config::privs::NEVER_BY_DEFAULT {
            assert!(!p.capabilities().iter().any(|c| c == bad), "{bad}");
        }
        assert!(p.capabilities().iter().any(|c| c == "CAP_CHOWN"));
        // Default zones keep setuid, so no_new_privs stays off.
        assert!(!p.no_new_privs());
        let mut cfg = base();
        cfg.limitpriv = "default,sys_time".into();
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert!(p.capabilities().iter().any(|c| c == "CAP_SYS_TIME"));
        cfg.limitpriv = "default,sys_devices".into();
        assert!(matches!(
            compile(&cfg, &facts(), Path::new("/")),
            Err(PlanError::Privileges { .. })
        ));
    }

    #[test]
    fn spec_capabilities_are_the_zones_and_within_the_host_bounding_set() {
        let mut f = facts();
        f.bounding_caps = Some(
            ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
        let p = compile(&base(), &f, Path::new("/")).unwrap();
        assert_eq!(p.capabilities(), vec!["CAP_CHOWN", "CAP_KILL"]);
        let caps = p
            .spec
            .process()
            .as_ref()
            .unwrap()
            .capabilities()
            .as_ref()
            .unwrap();
        let want: std::collections::HashSet<Capability> =
            [Capability::Chown, Capability::Kill].into_iter().collect();
        assert_eq!(caps.bounding().as_ref(), Some(&want));
        assert_eq!(caps.effective().as_ref(), Some(&want));
        assert_eq!(caps.permitted().as_ref(), Some(&want));
        assert!(caps.inheritable().as_ref().is_none_or(|s| s.is_empty()));
        assert!(caps.ambient().as_ref().is_none_or(|s| s.is_empty()));
    }

    #[test]
    fn every_zone_has_its_own_network_namespace() {
        let ns = |p: &Plan| -> Vec<LinuxNamespaceType> {
            p.spec
                .linux()
                .as_ref()
                .unwrap()
                .namespaces()
                .as_ref()
                .unwrap()
                .iter()
                .map(|n| n.typ())
                .collect()
        };
        // Shared-IP zones too: the host's loopback, abstract sockets and ports stay the
        // host's.
        let p = compile(&base(), &facts(), Path::new("/")).unwrap();
        assert!(ns(&p).contains(&LinuxNamespaceType::Network));
        assert!(!p.zone.exclusive_ip);
        let mut cfg = base();
        cfg.ip_type = IpType::Exclusive;
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert!(ns(&p).contains(&LinuxNamespaceType::Network));
        assert!(p.zone.exclusive_ip);
    }

    #[test]
    fn plan_carries_the_seccomp_filter_of_the_zones_capabilities() {
        let filter = |p: &Plan| p.spec.linux().as_ref().unwrap().seccomp().clone().unwrap();
        let p = compile(&base(), &facts(), Path::new("/")).unwrap();
        assert_eq!(
            filter(&p),
            crate::seccomp::default_filter(&p.capabilities())
        );
        let allowed = crate::seccomp::profile::unconditionally_allowed(&filter(&p));
        assert!(!allowed.contains("clock_settime"));
        let mut cfg = base();
        cfg.limitpriv = "default,sys_time".into();
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        let allowed = crate::seccomp::profile::unconditionally_allowed(&filter(&p));
        assert!(allowed.contains("clock_settime"));
        // Printed with the plan, in the OCI spelling.
        let json = serde_json::to_value(&p.spec).unwrap();
        assert_eq!(
            json["linux"]["seccomp"]["defaultAction"].as_str(),
            Some("SCMP_ACT_ERRNO")
        );
    }

    #[test]
    fn capped_locked_memory_takes_the_capabilities_that_would_void_it() {
        let p = compile(&base(), &facts(), Path::new("/")).unwrap();
        assert!(p.capabilities().iter().any(|c| c == "CAP_IPC_LOCK"));
        let mut cfg = base();
        cfg.rctls = vec![rctl("zone.max-locked-memory", "1048576", "deny")];
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        for gone in ["CAP_IPC_LOCK", "CAP_SYS_RESOURCE"] {
            assert!(!p.capabilities().iter().any(|c| c == gone), "{gone}");
        }
        assert!(p.capabilities().iter().any(|c| c == "CAP_CHOWN"));
        let rl = p
            .spec
            .process()
            .as_ref()
            .unwrap()
            .rlimits()
            .clone()
            .unwrap();
        assert_eq!((rl[0].soft(), rl[0].hard()), (1_048_576, 1_048_576));
        // Named as a capability, it is the administrator's decision and stays.
        cfg.limitpriv = "default,cap_ipc_lock".into();
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert!(p.capabilities().iter().any(|c| c == "CAP_IPC_LOCK"));
    }

    #[test]
    fn resource_controls_become_limits() {
        let mut cfg = base();
        cfg.rctls = vec![
            rctl("zone.cpu-shares", "20", "none"),
            rctl("zone.cpu-cap", "50", "deny"),
            rctl("zone.max-processes", "500", "deny"),
            rctl("zone.max-lwps", "300", "deny"),
            rctl("zone.max-swap", "209715200", "deny"),
            rctl("zone.max-locked-memory", "1048576", "deny"),
            rctl("zone.max-shm-memory", "8192", "deny"),
            rctl("zone.max-sem-ids", "64", "deny"),
        ];
        cfg.mcap = Some(Mcap {
            physcap: "67108864".into(),
        });
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert_eq!(
            p.limits(),
            ZoneLimits {
                cpu_shares: Some(20),
                cpu_cap: Some(50),
                memory: Some(67_108_864),
                swap: Some(209_715_200),
                locked: Some(1_048_576),
                pids: Some(300),
            }
        );
        let linux = p.spec.linux().as_ref().unwrap();
        let res = linux.resources().as_ref().unwrap();
        assert_eq!(res.cpu().as_ref().unwrap().quota(), Some(50_000));
        assert_eq!(res.pids().as_ref().unwrap().limit(), 300);
        let sysctl = linux.sysctl().as_ref().unwrap();
        assert_eq!(sysctl["kernel.shmmax"], "8192");
        assert_eq!(sysctl["kernel.shmall"], "2");
        assert!(sysctl["kernel.sem"].ends_with(" 64"));
        cfg.rctls = vec![rctl("zone.cpu-shares", "x", "none")];
        assert!(matches!(
            compile(&cfg, &facts(), Path::new("/")),
            Err(PlanError::BadLimit { .. })
        ));
    }

    /// One mapping of FSS shares to `cpu.shares`, the cgroup layer's (×4): the spec says what
    /// the runtime writes, and what another OCI runtime writes too. A zone without
    /// `cpu-shares` has Solaris' default of one share.
    #[test]
    fn cpu_shares_in_the_spec_are_the_cgroup_layers() {
        let shares = |p: &Plan| p.resources().unwrap().cpu().as_ref().unwrap().shares();
        let mut cfg = base();
        cfg.rctls = vec![rctl("zone.cpu-shares", "20", "none")];
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert_eq!(shares(&p), Some(cgroup::shares_to_v1(20)));
        assert_eq!(shares(&p), Some(80));
        assert_eq!(p.limits().cpu_shares, Some(20));
        let p = compile(&base(), &facts(), Path::new("/")).unwrap();
        assert_eq!(shares(&p), Some(4));
        assert_eq!(p.limits().cpu_shares, Some(1));
        // And the cgroup layer reads back exactly what the zone is configured with.
        let limits = cgroup::Limits::from_oci(p.resources().unwrap()).unwrap();
        assert_eq!(limits.cpu_shares, Some(1));
        assert_eq!(limits.cpus, None);
    }

    /// Pools are bound before `compile`: the plan carries the zone's CPUs and pool.
    #[test]
    fn the_plan_carries_the_cpus_of_the_zones_pool() {
        let mut cfg = base();
        cfg.pool = "web".into();
        let placement = Placement {
            pool: Some("web".into()),
            cpus: Some(vec![1, 2, 3, 5]),
        };
        let p = compile_bound(&cfg, &facts(), Path::new("/"), &placement).unwrap();
        assert_eq!(p.cpus(), Some("1-3,5"));
        assert_eq!(p.zone.pool, PoolBinding::Named("web".into()));
        assert_eq!(p.zone.bound_pool.as_deref(), Some("web"));
        let json = serde_json::to_value(&p.spec).unwrap();
        assert_eq!(json["linux"]["resources"]["cpu"]["cpus"], "1-3,5");
        let limits = cgroup::Limits::from_oci(p.resources().unwrap()).unwrap();
        assert_eq!(limits.cpus.as_deref(), Some("1-3,5"));
        // Pools inactive: every CPU, nothing written.
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert_eq!((p.cpus(), p.zone.bound_pool.as_deref()), (None, None));
    }

    /// Everything the runtime reads back from the spec is what the configuration says.
    #[test]
    fn limits_read_back_from_the_spec_are_the_configured_ones() {
        let mut cfg = base();
        cfg.rctls = vec![
            rctl("zone.cpu-cap", "150", "deny"),
            rctl("zone.max-processes", "77", "deny"),
            rctl("zone.max-swap", "209715200", "deny"),
        ];
        cfg.mcap = Some(Mcap {
            physcap: "67108864".into(),
        });
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        let l = cgroup::Limits::from_oci(p.resources().unwrap()).unwrap();
        assert_eq!(
            l,
            cgroup::Limits {
                cpu_shares: Some(1),
                cpu_cap_percent: Some(150),
                cpus: None,
                mems: None,
                memory_limit: Some(67_108_864),
                memory_swap_limit: Some(209_715_200),
                pids_max: Some(77),
            }
        );
        let res = p.resources().unwrap();
        let cpu = res.cpu().as_ref().unwrap();
        assert_eq!((cpu.quota(), cpu.period()), (Some(150_000), Some(100_000)));
    }

    #[test]
    fn devices_match_globs() {
        let mut cfg = base();
        cfg.devices.push(Device {
            match_: "/dev/ttyS[0-3]".into(),
        });
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        let devs = p.spec.linux().as_ref().unwrap().devices().as_ref().unwrap();
        assert_eq!(devs.len(), 1);
        assert_eq!(devs[0].major(), 4);
        cfg.devices[0].match_ = "/dev/tty?2".into();
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert!(p
            .spec
            .linux()
            .as_ref()
            .unwrap()
            .devices()
            .as_ref()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn device_rules_deny_all_then_allow_standard_nodes_and_matches() {
        use crate::cgroup::devices::{self, DeviceRule};
        let mut cfg = base();
        cfg.devices.push(Device {
            match_: "/dev/ttyS*".into(),
        });
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        let res = p
            .spec
            .linux()
            .as_ref()
            .unwrap()
            .resources()
            .as_ref()
            .unwrap();
        let rules = devices::from_oci(res.devices().as_ref().unwrap()).unwrap();
        assert_eq!(rules[0], DeviceRule::DENY_ALL);
        assert_eq!(rules[1..=devices::STANDARD.len()], devices::STANDARD);
        assert_eq!(
            rules.last(),
            Some(&DeviceRule::allow_node(devices::DeviceKind::Char, 4, 65))
        );
        let allowed = |major, minor| devices::allows(&rules, false, major, minor, devices::READ);
        assert!(allowed(1, 3) && allowed(4, 65) && allowed(136, 0));
        assert!(!allowed(1, 1) && !allowed(4, 64));
        // The OCI form: deny all first, as crun expects it.
        let first = &res.devices().as_ref().unwrap()[0];
        assert!(!first.allow());
        assert_eq!(first.typ(), Some(LinuxDeviceType::A));
        // No match: just the standard list.
        let p = compile(&base(), &facts(), Path::new("/")).unwrap();
        let res = p
            .spec
            .linux()
            .as_ref()
            .unwrap()
            .resources()
            .as_ref()
            .unwrap();
        assert_eq!(
            res.devices().as_ref().unwrap().len(),
            devices::STANDARD.len() + 1
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("/dev/cua/a00[2-5]", "/dev/cua/a003"));
        assert!(!glob_match("/dev/cua/a00[2-5]", "/dev/cua/a006"));
        assert!(glob_match("/dev/*", "/dev/null"));
        assert!(glob_match("/dev/[!a]x", "/dev/bx"));
        assert!(!glob_match("/dev/[!a]x", "/dev/ax"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a[", "ab"));
    }

    #[test]
    fn whole_root_zones_get_systemds_container_interface() {
        let mut cfg = base();
        cfg.brand = "whole".into();
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        // No inherited directories; after /proc, /sys and /dev: tmpfs /run, /run/lock, /tmp,
        // then the zone's cgroup tree (an OCI `cgroup` mount), writable.
        assert_eq!(
            dests(&p),
            vec![
                "/proc",
                "/sys",
                "/dev",
                "/dev/pts",
                "/dev/shm",
                "/dev/mqueue",
                "/run",
                "/run/lock",
                "/tmp",
                "/sys/fs/cgroup"
            ]
        );
        let mounts = p.spec.mounts().as_ref().unwrap();
        let sys = &mounts[1];
        assert!(sys.options().as_ref().unwrap().iter().any(|o| o == "ro"));
        let cg = mounts.last().unwrap();
        assert_eq!(cg.typ().as_deref(), Some("cgroup"));
        assert!(!cg.options().as_ref().unwrap().iter().any(|o| o == "ro"));
        for m in &mounts[6..9] {
            assert_eq!(m.typ().as_deref(), Some("tmpfs"));
        }
        let env = |p: &Plan| p.spec.process().as_ref().unwrap().env().clone().unwrap();
        assert!(env(&p).iter().any(|e| e == "container=zones"));
        assert_eq!(p.zone.stop_signal, libc::SIGRTMIN() + 3);
        assert!(p.zone.machine_id);
        // systemd narrows its services' bounding sets: CAP_SETPCAP, and nothing it would
        // take to remount or escape.
        assert!(p.capabilities().iter().any(|c| c == "CAP_SETPCAP"));
        for bad in crate::config::privs::NEVER_BY_DEFAULT {
            assert!(!p.capabilities().iter().any(|c| c == bad), "{bad}");
        }
        cfg.limitpriv = "default,!cap_setpcap".into();
        let q = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert!(!q.capabilities().iter().any(|c| c == "CAP_SETPCAP"));
        // A sparse zone: none of it.
        let s = compile(&base(), &facts(), Path::new("/")).unwrap();
        assert!(!s.capabilities().iter().any(|c| c == "CAP_SETPCAP"));
        assert!(!dests(&s)
            .iter()
            .any(|d| d == "/run" || d == "/sys/fs/cgroup"));
        assert_eq!(s.zone.stop_signal, libc::SIGTERM);
        assert!(!s.zone.machine_id);
        assert!(env(&s).iter().any(|e| e == "container=zones"));
    }

    #[test]
    fn the_zones_uuid_is_its_container_uuid_and_machine_id() {
        let mut p = compile(&base(), &facts(), Path::new("/")).unwrap();
        assert_eq!(p.uuid(), None);
        p.identify("");
        assert_eq!(p.uuid(), None);
        p.identify("C12678B4-ccd7-414a-82d4-d927d644aa88");
        p.identify("c12678b4-ccd7-414a-82d4-d927d644aa88");
        assert_eq!(p.uuid(), Some("c12678b4-ccd7-414a-82d4-d927d644aa88"));
        let env = p.spec.process().as_ref().unwrap().env().clone().unwrap();
        assert_eq!(
            env.iter()
                .filter(|e| e.starts_with("container_uuid="))
                .count(),
            1
        );
        assert_eq!(
            machine_id_of("C12678B4-ccd7-414a-82d4-d927d644aa88").as_deref(),
            Some("c12678b4ccd7414a82d4d927d644aa88")
        );
        assert_eq!(machine_id_of("00000000-0000-0000-0000-000000000000"), None);
        assert_eq!(machine_id_of("c12678b4-ccd7"), None);
        assert_eq!(machine_id_of("g12678b4-ccd7-414a-82d4-d927d644aa88"), None);
    }

    #[test]
    fn brands_choose_init() {
        let p = compile(&base(), &facts(), Path::new("/")).unwrap();
        assert_eq!(p.zone.init, InitKind::Builtin);
        let mut cfg = base();
        cfg.brand = "whole".into();
        cfg.bootargs = "-s -m verbose".into();
        let p = compile(&cfg, &facts(), Path::new("/")).unwrap();
        assert_eq!(
            p.spec.process().as_ref().unwrap().args().as_ref().unwrap(),
            &vec!["/sbin/init", "-s", "-m", "verbose"]
        );
        cfg.brand = "nope".into();
        assert!(matches!(
            compile(&cfg, &facts(), Path::new("/")),
            Err(PlanError::UnknownBrand { .. })
        ));
    }
}
