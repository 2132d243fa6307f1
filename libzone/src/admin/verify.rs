//! `zoneadm verify` (spec §2.4): can this zone's configuration be instantiated on this
//! machine? The checks and texts are illumos zoneadm's `verify_details()`,
//! `validate_zonepath()`, `crosscheck_zonepaths()` and `verify_handle()`, translated to
//! Linux where the machine differs: file-system types come from `/proc/filesystems` and
//! `mount.<type>` helpers rather than `/usr/lib/fs`, network interfaces from
//! `/sys/class/net`, pools from our pools facility.
//!
//! Unlike Solaris, which skips the host-dependent checks under an alternate root (there it
//! only serves upgrades), every check runs under `-R` too, since an alternate root is a
//! first-class store here. Zonepaths are paths inside the alternate root, so they are
//! checked and shown as the host sees them ([`Store::host_path`]), as zoneadm shows them
//! prefixed with the root.

use super::status;
use super::AdminError;
use crate::config::model::{IpType, ZoneConfig};
use crate::config::{privs, rctl, verify as cfgverify};
use crate::pool::{Facility, StubKernel};
use crate::state::{self, Op, ZoneState};
use crate::store::{Repository, Store, StoreError, DETACHED_FILE};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One line of the verification output, with where zoneadm prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// As it is, on standard error (zoneadm's `fprintf(stderr, ...)`).
    Stderr(String),
    /// As it is, on standard output (zoneadm's `printf()` warnings).
    Stdout(String),
    /// `zoneadm: zone '<zone>': <text>` on standard error (`zerror()`).
    Zone(String),
    /// `zoneadm: <text>` on standard error (`zperror()`).
    Program(String),
}

impl Line {
    pub fn text(&self) -> &str {
        match self {
            Line::Stderr(t) | Line::Stdout(t) | Line::Zone(t) | Line::Program(t) => t,
        }
    }
}

/// What `zoneadm verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub zone: String,
    /// Errors and warnings in the order zoneadm prints them (multi-line texts included).
    pub lines: Vec<Line>,
    /// No error was found (warnings do not count).
    pub ok: bool,
    /// Whether a failure ends with the summary line (`zoneadm: zone <z> failed to verify`);
    /// a zonepath that differs between the index and the zone's file stops verification
    /// before it, as in zoneadm.
    pub summarize: bool,
    /// Warnings about parts of the configuration the zone will run without (also among
    /// `lines`): the commands that verify first (install, ready, boot) show them even when
    /// verification succeeds, so nothing is dropped silently.
    pub ignored: Vec<Line>,
}

impl VerifyReport {
    /// The summary after a failure, without the program prefix: `zone <z> failed to verify`.
    pub fn summary(&self) -> Option<String> {
        (!self.ok && self.summarize).then(|| format!("zone {} failed to verify", self.zone))
    }

    /// The warning lines (those that do not make verification fail).
    pub fn warnings(&self) -> Vec<&str> {
        self.lines
            .iter()
            .map(Line::text)
            .filter(|t| t.starts_with("WARNING: "))
            .collect()
    }
}

/// Whether the pools facility is on, and which pools it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolsState {
    Disabled,
    Enabled(Vec<String>),
    /// The facility's state could not be read.
    Unreadable,
}

/// The facts about the host that verification depends on. [`Host::probe`] reads them from
/// the running system; tests make their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The owner zonepaths must have (root).
    pub owner_uid: u32,
    pub online_cpus: usize,
    /// `/proc/filesystems`: each type and whether it mounts a device (no `nodev`).
    pub filesystems: Vec<(String, bool)>,
    /// Kernel modules for file systems not loaded yet (`/lib/modules/<release>/kernel/fs`).
    pub fs_module_dir: Option<PathBuf>,
    /// Where `mount.<type>` and `fsck.<type>` helpers live, in search order.
    pub helper_dirs: Vec<PathBuf>,
    /// One entry per network interface (`/sys/class/net`).
    pub net_dir: PathBuf,
    /// The addresses of the global zone (all its links).
    pub addresses: Vec<std::net::IpAddr>,
    pub pools: PoolsState,
}

impl Host {
    /// The running system, with the pools facility of the alternate root `root`.
    pub fn probe(root: &Path) -> Host {
        let filesystems = std::fs::read_to_string("/proc/filesystems")
            .map(|t| parse_proc_filesystems(&t))
            .unwrap_or_default();
        let fs_module_dir = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|r| PathBuf::from(format!("/lib/modules/{}/kernel/fs", r.trim())));
        let facility = Facility::new(root, StubKernel);
        let pools = match facility.is_enabled() {
            Ok(false) => PoolsState::Disabled,
            Ok(true) => match facility.dynamic_config() {
                Ok(cfg) => {
                    PoolsState::Enabled(cfg.pools.iter().map(|p| p.name().to_string()).collect())
                }
                Err(_) => PoolsState::Unreadable,
            },
            Err(_) => PoolsState::Unreadable,
        };
        Host {
            owner_uid: 0,
            online_cpus: crate::host::online_cpus().len(),
            filesystems,
            fs_module_dir,
            helper_dirs: vec![PathBuf::from("/sbin"), PathBuf::from("/usr/sbin")],
            net_dir: PathBuf::from("/sys/class/net"),
            addresses: crate::net::host::host_addresses(),
            pools,
        }
    }

    fn fs_type(&self, t: &str) -> Option<bool> {
        self.filesystems
            .iter()
            .find(|(name, _)| name == t)
            .map(|(_, dev)| *dev)
    }

    fn helper(&self, prefix: &str, fstype: &str) -> Option<PathBuf> {
        self.helper_dirs
            .iter()
            .map(|d| d.join(format!("{prefix}.{fstype}")))
            .find(|p| p.is_file())
    }

    fn has_fs_module(&self, fstype: &str) -> bool {
        self.fs_module_dir
            .as_ref()
            .is_some_and(|d| d.join(fstype).is_dir())
    }
}

/// `/proc/filesystems` lines: `nodev\t<type>` or `\t<type>`.
pub fn parse_proc_filesystems(text: &str) -> Vec<(String, bool)> {
    text.lines()
        .filter_map(|l| {
            let (flag, name) = l.split_once('\t')?;
            let name = name.trim();
            (!name.is_empty()).then(|| (name.to_string(), flag.trim() != "nodev"))
        })
        .collect()
}

/// `zoneadm -z zone verify` on the running system.
pub fn verify(store: &Store, zone: &str) -> Result<VerifyReport, AdminError> {
    verify_with(store, zone, &Host::probe(store.root()))
}

/// `zoneadm -z zone verify` against the given host facts.
pub fn verify_with(store: &Store, zone: &str, host: &Host) -> Result<VerifyReport, AdminError> {
    if zone == crate::config::GLOBAL_ZONE {
        return Err(AdminError::zone(
            zone,
            "verify operation is invalid for the global zone.",
        ));
    }
    let st = status::status(store, zone)?;
    state::check(Op::Verify, st.state, false).map_err(|r| AdminError::zone(zone, r.0))?;
    let cfg = store
        .load(zone)?
        .ok_or_else(|| StoreError::NoSuchZone { zone: zone.into() })?;
    let mut v = Verifier {
        store,
        host,
        zone,
        lines: Vec::new(),
        ok: true,
        ignored: Vec::new(),
    };
    let summarize = v.details(&cfg, &st.entry.zonepath, st.state);
    Ok(VerifyReport {
        zone: zone.to_string(),
        lines: v.lines,
        ok: v.ok,
        summarize,
        ignored: v.ignored,
    })
}

struct Verifier<'a> {
    store: &'a Store,
    host: &'a Host,
    zone: &'a str,
    lines: Vec<Line>,
    ok: bool,
    ignored: Vec<Line>,
}

/// `strerror()` of an I/O error.
fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => e.to_string(),
    }
}

fn is_enoent(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound
}

/// Display form of a path.
fn show(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A file system's type and flags, for the NFS, tmpfs and nosuid checks.
struct FsInfo {
    nfs: bool,
    tmpfs: bool,
    nosuid: bool,
}

fn fs_info(p: &Path) -> Result<FsInfo, std::io::Error> {
    use nix::sys::statfs::{statfs, NFS_SUPER_MAGIC, TMPFS_MAGIC};
    use nix::sys::statvfs::{statvfs, FsFlags};
    let sf = statfs(p).map_err(std::io::Error::from)?;
    let sv = statvfs(p).map_err(std::io::Error::from)?;
    Ok(FsInfo {
        nfs: sf.filesystem_type() == NFS_SUPER_MAGIC,
        tmpfs: sf.filesystem_type() == TMPFS_MAGIC,
        nosuid: sv.flags().contains(FsFlags::ST_NOSUID),
    })
}

/// Permission bits and how zoneadm names them (`bad_mode_bit()`).
const MODE_BITS: [(u32, &str); 9] = [
    (0o400, "owner readable"),
    (0o200, "owner writable"),
    (0o100, "owner executable"),
    (0o040, "group readable"),
    (0o020, "group writable"),
    (0o010, "group executable"),
    (0o004, "world readable"),
    (0o002, "world writable"),
    (0o001, "world executable"),
];

impl Verifier<'_> {
    fn error(&mut self, line: Line) {
        self.lines.push(line);
        self.ok = false;
    }

    fn warn(&mut self, line: Line) {
        self.lines.push(line);
    }

    /// `verify_details()`. Returns whether a failure gets the summary line.
    fn details(&mut self, cfg: &ZoneConfig, index_zonepath: &str, state: ZoneState) -> bool {
        let xml_path = self.shown_zonepath(&cfg.zonepath);
        let index_path = self.shown_zonepath(index_zonepath);
        if xml_path != index_path {
            self.error(Line::Stderr(format!(
                "The XML repository has zonepath '{xml_path}',\nbut the index file has zonepath '{index_path}'.\nThese must match, so fix the incorrect entry."
            )));
            return false;
        }
        if !self.zonepath(&cfg.zonepath, state) {
            self.error(Line::Stderr(format!(
                "could not verify zonepath {xml_path} because of the above errors."
            )));
        }
        self.nets(cfg);
        self.anets(cfg);
        self.filesystems(cfg);
        self.rctls(cfg);
        self.pool(cfg);
        self.dedicated_cpu(cfg);
        self.datasets(cfg);
        if crate::brand::lookup(&cfg.brand).is_none() {
            self.error(Line::Zone("missing or invalid brand".to_string()));
        }
        if let Err(e) = privs::zone_privset(&cfg.limitpriv, cfg.ip_type) {
            self.error(Line::Stderr(e.to_string()));
        }
        true
    }

    /// `dataset` resources: a zone here gets no delegated ZFS dataset (there is no ZFS
    /// delegation on Linux), so each one is reported as ignored rather than passed over in
    /// silence. A warning only: the zone runs without it.
    fn datasets(&mut self, cfg: &ZoneConfig) {
        for d in &cfg.datasets {
            let line = Line::Stdout(format!(
                "WARNING: dataset {}: delegated datasets are not supported on this platform; the dataset is ignored.",
                d.name
            ));
            self.ignored.push(line.clone());
            self.warn(line);
        }
    }

    /// A zonepath as zoneadm shows it: prefixed with the alternate root. One that does not
    /// map into the root is shown as written, after the root, and never used as a path.
    fn shown_zonepath(&self, zonepath: &str) -> String {
        if !zonepath.starts_with('/') {
            return zonepath.to_string();
        }
        match self.store.host_path(zonepath) {
            Ok(p) => show(&p),
            Err(_) => format!(
                "{}{}",
                show(self.store.root()).trim_end_matches('/'),
                zonepath
            ),
        }
    }

    /// `validate_zonepath()` for verify. Reports its problems and returns whether the
    /// zonepath is acceptable; a zonepath that does not exist yet is (install creates it).
    fn zonepath(&mut self, zonepath: &str, state: ZoneState) -> bool {
        if !zonepath.starts_with('/') {
            self.lines
                .push(Line::Stderr(format!("{zonepath} is not an absolute path.")));
            return false;
        }
        // `..`, `.`, `//` or a trailing `/` (a zone file edited by hand): such a path does
        // not name the directory it seems to, and may leave the alternate root.
        if let Err(e) = crate::config::names::check_zonepath(zonepath) {
            self.lines.push(Line::Stderr(e.to_string()));
            return false;
        }
        let path = match self.store.host_path(zonepath) {
            Ok(p) => p,
            Err(e) => {
                self.lines.push(Line::Program(e.to_string()));
                return false;
            }
        };
        let shown = show(&path);
        let rpath = match std::fs::canonicalize(&path) {
            Ok(p) => p,
            Err(e) if is_enoent(&e) => {
                self.warn(Line::Stderr(format!(
                    "WARNING: {shown} does not exist, so it could not be verified.\nWhen 'zoneadm install' is run, 'install' will try to create\n{shown}, and 'verify' will be tried again,\nbut the 'verify' may fail if:\nthe parent directory of {shown} is group- or other-writable\nor\n{shown} overlaps with any other installed zones."
                )));
                return true;
            }
            Err(e) => {
                self.lines
                    .push(Line::Program(format!("{shown}: {}", strerror(&e))));
                return false;
            }
        };
        // Symbolic links inside the zone's path would let the zone root move under us; the
        // alternate root itself may be reached through links.
        let expected = std::fs::canonicalize(self.store.root())
            .map(|r| r.join(zonepath.trim_start_matches('/')))
            .unwrap_or_else(|_| path.clone());
        if rpath != expected {
            self.lines
                .push(Line::Program(format!("{shown}: Resolved path mismatch")));
            return false;
        }
        let rshown = show(&rpath);
        let meta = match std::fs::metadata(&rpath) {
            Ok(m) => m,
            Err(e) => {
                self.lines
                    .push(Line::Program(format!("{rshown}: {}", strerror(&e))));
                return false;
            }
        };
        if !meta.is_dir() {
            self.lines
                .push(Line::Stderr(format!("{rshown} is not a directory.")));
            return false;
        }
        let info = match fs_info(&rpath) {
            Ok(i) => i,
            Err(e) => {
                self.lines
                    .push(Line::Program(format!("{rshown}: {}", strerror(&e))));
                return false;
            }
        };
        if info.tmpfs {
            self.warn(Line::Stdout(format!(
                "WARNING: {rshown} is on a temporary file system."
            )));
        }
        if !self.crosscheck(&rpath) {
            return false;
        }
        let mut good = true;
        // Collect every small problem before giving up, so they can all be fixed at once.
        if meta.uid() != self.host.owner_uid {
            self.lines
                .push(Line::Stderr(format!("{rshown} is not owned by root.")));
            good = false;
        }
        for (bit, name) in MODE_BITS {
            let wanted = bit & 0o700 != 0;
            good &= self.mode_bit(meta.mode(), bit, wanted, name, &rshown);
        }
        let parent = match std::fs::canonicalize(rpath.join("..")) {
            Ok(p) => p,
            Err(e) => {
                self.lines
                    .push(Line::Program(format!("{}/..: {}", rshown, strerror(&e))));
                return false;
            }
        };
        let pshown = show(&parent);
        let pmeta = match std::fs::metadata(&parent) {
            Ok(m) => m,
            Err(e) => {
                self.lines
                    .push(Line::Program(format!("{pshown}: {}", strerror(&e))));
                return false;
            }
        };
        if pmeta.uid() != self.host.owner_uid {
            self.lines
                .push(Line::Stderr(format!("{pshown} is not owned by root.")));
            good = false;
        }
        for (bit, name) in MODE_BITS {
            if bit & 0o700 != 0 {
                good &= self.mode_bit(pmeta.mode(), bit, true, name, &pshown);
            } else if bit == 0o020 || bit == 0o002 {
                good &= self.mode_bit(pmeta.mode(), bit, false, name, &pshown);
            }
        }
        if parent == rpath {
            self.lines
                .push(Line::Stderr(format!("{pshown} is its own parent.")));
            good = false;
        }
        if info.nfs {
            self.lines.push(Line::Stderr(format!(
                "Zonepath {rshown} is on an NFS mounted file system.\n\tA local file system must be used."
            )));
            return false;
        }
        if info.nosuid {
            self.lines.push(Line::Stderr(format!(
                "Zonepath {rshown} is on a nosuid file system."
            )));
            return false;
        }
        // A zone root is only out of place before install (a detached zone aside).
        if state == ZoneState::Configured {
            let root = rpath.join("root");
            let root_shown = show(&root);
            if let Ok(rmeta) = std::fs::metadata(&root) {
                let problem = if rpath.join(DETACHED_FILE).exists() {
                    Some(format!(
                        "Cannot verify detached zone.\nUse attach or remove {rshown} directory."
                    ))
                } else if !rmeta.is_dir() {
                    Some(format!("{root_shown} is not a directory."))
                } else if rmeta.uid() != self.host.owner_uid {
                    Some(format!("{root_shown} is not owned by root."))
                } else if rmeta.mode() & 0o777 != 0o755 {
                    Some(format!("{root_shown} mode is not 0755."))
                } else {
                    None
                };
                if let Some(p) = problem {
                    self.lines.push(Line::Stderr(p));
                    return false;
                }
            }
        }
        good
    }

    /// `bad_mode_bit()`: reports a permission bit that is off but must be on (`wanted`) or
    /// on but must be off. Returns whether the bit is right.
    fn mode_bit(&mut self, mode: u32, bit: u32, wanted: bool, name: &str, file: &str) -> bool {
        let set = mode & bit != 0;
        if set == wanted {
            return true;
        }
        let must = if wanted { "must be" } else { "must not be" };
        self.lines
            .push(Line::Stderr(format!("{file} {must} {name}.")));
        false
    }

    /// `crosscheck_zonepaths()`: no installed zone's zonepath may contain this one or lie
    /// inside it. Returns false (after saying so) on an overlap.
    fn crosscheck(&mut self, rpath: &Path) -> bool {
        let entries = match self.store.index() {
            Ok(e) => e,
            Err(e) => {
                self.lines.push(Line::Program(e.to_string()));
                return false;
            }
        };
        let mine = format!("{}/", show(rpath));
        for e in entries {
            if e.state < ZoneState::Installed
                || e.name == crate::config::GLOBAL_ZONE
                || e.name == self.zone
            {
                continue;
            }
            // A zone whose zonepath maps nowhere has nothing on disk to overlap with (its
            // own verify says what is wrong with it).
            let Ok(other) = self.store.host_path(&e.zonepath) else {
                continue;
            };
            let other_r = match std::fs::canonicalize(&other) {
                Ok(p) => p,
                Err(err) if is_enoent(&err) => {
                    self.warn(Line::Stdout(format!(
                        "WARNING: zone {} is installed, but its zonepath {} does not exist.",
                        e.name,
                        show(&other)
                    )));
                    continue;
                }
                Err(err) => {
                    self.lines.push(Line::Program(format!(
                        "{}: {}",
                        show(&other),
                        strerror(&err)
                    )));
                    return false;
                }
            };
            let theirs = format!("{}/", show(&other_r));
            let n = mine.len().min(theirs.len());
            if mine.as_bytes()[..n] == theirs.as_bytes()[..n] {
                self.lines.push(Line::Stderr(format!(
                    "{} zonepath ({}) and {} zonepath ({}) overlap.",
                    self.zone,
                    show(rpath),
                    e.name,
                    show(&other_r)
                )));
                return false;
            }
        }
        true
    }

    /// Network interfaces: every net names one; an exclusive-IP zone takes its interfaces
    /// into its own stack, so they must exist and be nobody else's; a shared-IP zone's
    /// addresses are plumbed on the host's, so a NIC that is missing fails a net with an
    /// address (one without has nothing to plumb: a warning), and its addresses must be
    /// valid and not in use by the global zone or another running zone.
    fn nets(&mut self, cfg: &ZoneConfig) {
        let root = self.store.root().to_path_buf();
        for net in &cfg.nets {
            let phys = net.physical.as_str();
            if phys.is_empty() {
                self.error(Line::Stderr("net: physical not specified".to_string()));
                continue;
            }
            if phys == "lo" || phys == "lo0" {
                continue;
            }
            let exists = self.host.net_dir.join(phys).exists();
            match cfg.ip_type {
                IpType::Shared if !exists && net.address.is_empty() => self.warn(Line::Stderr(format!(
                    "WARNING: skipping network interface '{phys}' which may not be present/plumbed in the global zone."
                ))),
                IpType::Shared if !exists => self.error(Line::Stderr(format!(
                    "could not verify net address={} physical={phys}\n\tnetwork interface {phys} is not plumbed in the global zone",
                    net.address
                ))),
                IpType::Shared => self.shared_address(cfg, net, &root),
                IpType::Exclusive => {
                    if let Some(other) = crate::net::apply::nic_in_use(&root, phys, &cfg.name) {
                        self.error(Line::Stderr(format!(
                            "could not verify net physical={phys}\n\tnetwork interface {phys} is in use by zone '{other}'"
                        )));
                    } else if !exists {
                        self.error(Line::Stderr(format!(
                            "could not verify net physical={phys}\n\tnetwork interface {phys} is not plumbed in the global zone"
                        )));
                    }
                }
            }
        }
    }

    /// `anet`: its `lower-link` is a NIC of the global zone (`auto`: the global zone has a
    /// default route), and its allowed addresses are not the global zone's.
    fn anets(&mut self, cfg: &ZoneConfig) {
        use crate::config::model::LowerLink;
        if cfg.ip_type != IpType::Exclusive {
            return;
        }
        for a in &cfg.anets {
            let (shown, lower) = match &a.lower_link {
                LowerLink::Link(l) => (l.clone(), Some(l.clone())),
                LowerLink::Auto => (
                    "auto".to_string(),
                    crate::net::plan::NetHost::default_link(&crate::net::SystemHost),
                ),
            };
            let head = format!(
                "could not verify anet linkname={} lower-link={shown}",
                a.linkname
            );
            match lower {
                None => self.error(Line::Stderr(format!(
                    "{head}\n\tthe global zone has no default route"
                ))),
                Some(l) if !self.host.net_dir.join(&l).exists() => self.error(Line::Stderr(
                    format!("{head}\n\tnetwork interface {l} is not plumbed in the global zone"),
                )),
                Some(_) => {}
            }
            for p in &a.allowed_address {
                if self.host.addresses.contains(&p.addr) {
                    self.error(Line::Stderr(format!(
                        "{head}\n\taddress {} is in use by the global zone",
                        p.addr
                    )));
                }
            }
        }
    }

    /// A shared-IP net's address: it resolves, and neither the global zone nor another
    /// running zone has it (zoneadmd's "address in use" at boot, found before it).
    fn shared_address(&mut self, cfg: &ZoneConfig, net: &crate::config::Net, root: &Path) {
        if net.address.is_empty() {
            return;
        }
        let phys = net.physical.as_str();
        let addr =
            match crate::net::plan::resolve_address(&net.address, phys, &crate::net::SystemHost) {
                Ok(a) => a.addr,
                Err(e) => {
                    self.error(Line::Stderr(format!(
                        "could not verify net address={} physical={phys}\n\t{e}",
                        net.address
                    )));
                    return;
                }
            };
        let user = if self.host.addresses.contains(&addr) {
            Some("the global zone".to_string())
        } else {
            crate::net::apply::address_in_use(root, &addr, &cfg.name).map(|z| format!("zone '{z}'"))
        };
        if let Some(user) = user {
            self.error(Line::Stderr(format!(
                "could not verify net address={} physical={phys}\n\taddress {addr} is in use by {user}",
                net.address
            )));
        }
    }

    /// `verify_filesystems()`: a usable type (known to the kernel, loadable, or with a
    /// mount helper; `lofs` is a bind mount), an fsck helper when `raw` is given, and an
    /// existing `special` for binds and device-backed types.
    fn filesystems(&mut self, cfg: &ZoneConfig) {
        for fs in &cfg.fs {
            let (dir, t) = (fs.dir.as_str(), fs.fstype.as_str());
            if !cfgverify::is_valid_fs_type(t) {
                self.error(Line::Stderr(format!(
                    "cannot verify fs {dir}: type {t} is not allowed."
                )));
                continue;
            }
            let lofs = t == "lofs";
            let kernel = self.host.fs_type(t);
            if !lofs
                && kernel.is_none()
                && !self.host.has_fs_module(t)
                && self.host.helper("mount", t).is_none()
            {
                let helper = self
                    .host
                    .helper_dirs
                    .first()
                    .map(|d| d.join(format!("mount.{t}")))
                    .unwrap_or_else(|| PathBuf::from(format!("mount.{t}")));
                self.error(Line::Stderr(format!(
                    "could not verify fs {dir}: could not access {}: No such file or directory",
                    show(&helper)
                )));
                continue;
            }
            if !fs.raw.is_empty() && self.host.helper("fsck", t).is_none() {
                self.error(Line::Stderr(format!(
                    "cannot verify fs {dir}: 'raw' device specified but no fsck executable exists for {t}"
                )));
                continue;
            }
            if lofs || kernel == Some(true) {
                match std::fs::metadata(&fs.special) {
                    Err(e) => {
                        self.error(Line::Stderr(format!(
                            "could not verify fs {dir}: could not access {}: {}",
                            fs.special,
                            strerror(&e)
                        )));
                        continue;
                    }
                    Ok(_) => {
                        if fs_info(Path::new(&fs.special)).is_ok_and(|i| i.nfs) {
                            self.error(Line::Stderr(format!(
                                "cannot verify fs {}: NFS mounted file system.\n\tA local file system must be used.",
                                fs.special
                            )));
                            continue;
                        }
                    }
                }
            }
            if !fs.raw.is_empty() {
                if let Err(e) = std::fs::metadata(&fs.raw) {
                    self.error(Line::Stderr(format!(
                        "could not verify fs {dir}: could not access {}: {}",
                        fs.raw,
                        strerror(&e)
                    )));
                }
            }
        }
    }

    /// `verify_rctls()`: rctls this system does not know are ignored with a warning; the
    /// first value not valid for its rctl ends the check.
    fn rctls(&mut self, cfg: &ZoneConfig) {
        for r in &cfg.rctls {
            if rctl::lookup(&r.name).is_none() {
                self.warn(Line::Zone(format!(
                    "WARNING: Ignoring unrecognized rctl '{}'.",
                    r.name
                )));
                continue;
            }
            for value in &r.values {
                if let Err(e) = rctl::validate_for_zone(&r.name, value) {
                    self.error(Line::Zone(e.to_string()));
                    return;
                }
            }
        }
    }

    /// `verify_pool()`: pool problems are warnings only; the zone then runs in the
    /// default pool.
    fn pool(&mut self, cfg: &ZoneConfig) {
        let pool = cfg.pool.as_str();
        if pool.is_empty() {
            return;
        }
        match &self.host.pools {
            PoolsState::Disabled => self.warn(Line::Zone(format!(
                "WARNING: pools facility not active; zone will not be bound to pool '{pool}'."
            ))),
            PoolsState::Unreadable => self.warn(Line::Zone(
                "WARNING: pool_conf_open failed; using default pool".to_string(),
            )),
            PoolsState::Enabled(pools) if !pools.iter().any(|p| p == pool) => {
                self.warn(Line::Zone(format!(
                    "WARNING: pool '{pool}' not found. using default pool"
                )))
            }
            PoolsState::Enabled(_) => {}
        }
    }

    /// A dedicated-cpu resource must be satisfiable by the CPUs online: its temporary
    /// processor set needs at least `ncpus` (the minimum of a range) of them.
    fn dedicated_cpu(&mut self, cfg: &ZoneConfig) {
        let Some(dc) = &cfg.dedicated_cpu else {
            return;
        };
        let Ok(min) = dc.ncpu_min.parse::<usize>() else {
            return;
        };
        if min > self.host.online_cpus {
            let ncpus = if dc.ncpu_max.is_empty() || dc.ncpu_max == dc.ncpu_min {
                dc.ncpu_min.clone()
            } else {
                format!("{}-{}", dc.ncpu_min, dc.ncpu_max)
            };
            self.error(Line::Stderr(format!(
                "dedicated-cpu: ncpus value {ncpus} is larger than the number of online CPUs ({}).",
                self.host.online_cpus
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{DedicatedCpu, Fs, Net, Rctl, RctlValue};
    use std::os::unix::fs::PermissionsExt;

    struct T {
        _dir: tempfile::TempDir,
        root: PathBuf,
        store: Store,
        host: Host,
    }

    fn setup() -> T {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let store = Store::new(&root);
        let bin = dir.path().join("sbin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::write(bin.join("mount.fuse.sshfs"), "").unwrap();
        std::fs::write(bin.join("fsck.ext4"), "").unwrap();
        let net = dir.path().join("net");
        std::fs::create_dir_all(net.join("eth0")).unwrap();
        let host = Host {
            owner_uid: nix::unistd::geteuid().as_raw(),
            online_cpus: 2,
            filesystems: parse_proc_filesystems("nodev\ttmpfs\nnodev\tproc\n\text4\n"),
            fs_module_dir: None,
            helper_dirs: vec![bin],
            net_dir: net,
            addresses: vec!["10.0.0.9".parse().unwrap()],
            pools: PoolsState::Disabled,
        };
        T {
            _dir: dir,
            root,
            store,
            host,
        }
    }

    fn base(zone: &str) -> ZoneConfig {
        ZoneConfig {
            name: zone.into(),
            zonepath: format!("/zones/{zone}"),
            brand: "sparse".into(),
            ..ZoneConfig::default()
        }
    }

    impl T {
        fn commit(&self, cfg: &ZoneConfig) {
            self.store.commit(None, cfg).unwrap();
        }

        /// The zonepath made as install makes it.
        fn make_zonepath(&self, zone: &str) -> PathBuf {
            let p = self.root.join("zones").join(zone);
            std::fs::create_dir_all(&p).unwrap();
            std::fs::set_permissions(self.root.join("zones"), PermissionsExt::from_mode(0o755))
                .unwrap();
            std::fs::set_permissions(&p, PermissionsExt::from_mode(0o700)).unwrap();
            p
        }

        fn verify(&self, zone: &str) -> VerifyReport {
            verify_with(&self.store, zone, &self.host).unwrap()
        }
    }

    fn texts(r: &VerifyReport) -> Vec<String> {
        r.lines.iter().map(|l| l.text().to_string()).collect()
    }

    #[test]
    fn good_zone_verifies() {
        let t = setup();
        let mut cfg = base("good");
        cfg.fs.push(Fs {
            dir: "/data".into(),
            special: t.root.to_string_lossy().into_owned(),
            fstype: "lofs".into(),
            ..Fs::default()
        });
        cfg.fs.push(Fs {
            dir: "/scratch".into(),
            special: "swap".into(),
            fstype: "tmpfs".into(),
            ..Fs::default()
        });
        cfg.nets.push(Net {
            physical: "eth0".into(),
            address: "10.0.0.1/24".into(),
            ..Net::default()
        });
        cfg.dedicated_cpu = Some(DedicatedCpu {
            ncpu_min: "1".into(),
            ncpu_max: "2".into(),
            importance: String::new(),
        });
        t.commit(&cfg);
        t.make_zonepath("good");
        let r = t.verify("good");
        assert!(r.ok, "{:?}", r.lines);
        assert_eq!(r.summary(), None);
        // A temp dir on tmpfs earns the only acceptable remark.
        assert!(
            r.lines
                .iter()
                .all(|l| l.text().ends_with("is on a temporary file system.")),
            "{:?}",
            r.lines
        );
    }

    #[test]
    fn datasets_are_ignored_with_a_warning() {
        let t = setup();
        let mut cfg = base("ds");
        for name in ["tank/ds", "tank/other"] {
            cfg.datasets
                .push(crate::config::model::Dataset { name: name.into() });
        }
        t.commit(&cfg);
        t.make_zonepath("ds");
        let r = t.verify("ds");
        assert!(r.ok, "{:?}", r.lines);
        let want = [
            "WARNING: dataset tank/ds: delegated datasets are not supported on this platform; the dataset is ignored.",
            "WARNING: dataset tank/other: delegated datasets are not supported on this platform; the dataset is ignored.",
        ];
        assert_eq!(r.ignored.iter().map(Line::text).collect::<Vec<_>>(), want);
        for w in want {
            assert!(r.warnings().contains(&w), "{:?}", r.lines);
        }
        assert!(matches!(r.ignored[0], Line::Stdout(_)));
        // Without datasets, nothing is ignored.
        t.commit(&base("plain"));
        t.make_zonepath("plain");
        assert!(t.verify("plain").ignored.is_empty());
    }

    #[test]
    fn missing_zonepath_is_a_warning() {
        let t = setup();
        t.commit(&base("new"));
        let r = t.verify("new");
        assert!(r.ok);
        let shown = t.root.join("zones/new").to_string_lossy().into_owned();
        assert!(texts(&r)[0].starts_with(&format!(
            "WARNING: {shown} does not exist, so it could not be verified.\nWhen 'zoneadm install' is run"
        )));
        assert_eq!(r.warnings().len(), 1);
    }

    #[test]
    fn zonepath_modes_and_parent() {
        let t = setup();
        t.commit(&base("m"));
        let p = t.make_zonepath("m");
        std::fs::set_permissions(&p, PermissionsExt::from_mode(0o751)).unwrap();
        std::fs::set_permissions(p.parent().unwrap(), PermissionsExt::from_mode(0o777)).unwrap();
        let r = t.verify("m");
        assert!(!r.ok);
        let s = p.to_string_lossy().into_owned();
        let parent = p.parent().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            texts(&r),
            vec![
                format!("{s} must not be group readable."),
                format!("{s} must not be group executable."),
                format!("{s} must not be world executable."),
                format!("{parent} must not be group writable."),
                format!("{parent} must not be world writable."),
                format!("could not verify zonepath {s} because of the above errors."),
            ]
        );
        assert_eq!(r.summary().as_deref(), Some("zone m failed to verify"));
    }

    #[test]
    fn zonepath_owner_and_kind() {
        let t = setup();
        t.commit(&base("o"));
        let p = t.make_zonepath("o");
        let mut host = t.host.clone();
        host.owner_uid = host.owner_uid.wrapping_add(1);
        let r = verify_with(&t.store, "o", &host).unwrap();
        let s = p.to_string_lossy().into_owned();
        assert_eq!(texts(&r)[0], format!("{s} is not owned by root."));
        std::fs::remove_dir(&p).unwrap();
        std::fs::write(&p, "").unwrap();
        let r = t.verify("o");
        assert_eq!(texts(&r)[0], format!("{s} is not a directory."));
    }

    #[test]
    fn zonepath_through_a_symlink_is_refused() {
        let t = setup();
        t.commit(&base("l"));
        let real = t.make_zonepath("real");
        std::os::unix::fs::symlink(&real, t.root.join("zones/l")).unwrap();
        let r = t.verify("l");
        let s = t.root.join("zones/l").to_string_lossy().into_owned();
        assert_eq!(texts(&r)[0], format!("{s}: Resolved path mismatch"));
        assert!(matches!(r.lines[0], Line::Program(_)));
    }

    #[test]
    fn zone_root_must_be_0755_before_install() {
        let t = setup();
        t.commit(&base("r"));
        let p = t.make_zonepath("r");
        std::fs::create_dir(p.join("root")).unwrap();
        std::fs::set_permissions(p.join("root"), PermissionsExt::from_mode(0o700)).unwrap();
        let r = t.verify("r");
        assert_eq!(
            texts(&r)[0],
            format!("{} mode is not 0755.", p.join("root").display())
        );
    }

    #[test]
    fn overlapping_zonepaths() {
        let t = setup();
        let mut a = base("a");
        a.zonepath = "/zones/a".into();
        t.commit(&a);
        t.store.set_state("a", ZoneState::Installed).unwrap();
        let mut b = base("b");
        b.zonepath = "/zones/a/b".into();
        t.commit(&b);
        t.make_zonepath("a");
        let pb = t.root.join("zones/a/b");
        std::fs::create_dir(&pb).unwrap();
        std::fs::set_permissions(&pb, PermissionsExt::from_mode(0o700)).unwrap();
        let r = t.verify("b");
        let pa = t.root.join("zones/a");
        assert_eq!(
            texts(&r)[0],
            format!(
                "b zonepath ({}) and a zonepath ({}) overlap.",
                pb.display(),
                pa.display()
            )
        );
        assert!(!r.ok);
        // Configured zones do not count (only installed ones have their zonepath in use).
        t.commit(&base("d"));
        let mut e = base("e");
        e.zonepath = "/zones/d/e".into();
        t.commit(&e);
        let pd = t.make_zonepath("d");
        std::fs::create_dir(pd.join("e")).unwrap();
        std::fs::set_permissions(pd.join("e"), PermissionsExt::from_mode(0o700)).unwrap();
        let r = t.verify("e");
        assert!(!texts(&r).iter().any(|l| l.contains("zonepath (")), "{r:?}");
    }

    #[test]
    fn index_and_file_must_agree() {
        let t = setup();
        t.commit(&base("x"));
        let mut cfg = base("x");
        cfg.zonepath = "/elsewhere".into();
        let xml = crate::store::to_xml(&cfg);
        std::fs::write(t.store.zone_xml_path("x"), xml).unwrap();
        let r = t.verify("x");
        assert!(!r.ok);
        assert_eq!(r.summary(), None);
        assert!(texts(&r)[0].starts_with("The XML repository has zonepath '"));
    }

    #[test]
    fn rctls_privileges_brand() {
        let t = setup();
        let mut cfg = base("rc");
        cfg.rctls.push(Rctl {
            name: "zone.cpu-cap".into(),
            values: vec![RctlValue {
                privilege: "privileged".into(),
                limit: "300".into(),
                action: "none".into(),
            }],
        });
        cfg.rctls.push(Rctl {
            name: "zone.no-such-thing".into(),
            values: vec![],
        });
        cfg.limitpriv = "default,sys_devices".into();
        t.commit(&cfg);
        t.make_zonepath("rc");
        let mut edited = cfg.clone();
        edited.brand = "nosuchbrand".into();
        std::fs::write(t.store.zone_xml_path("rc"), crate::store::to_xml(&edited)).unwrap();
        let r = t.verify("rc");
        assert_eq!(
            r.lines,
            vec![
                Line::Zone(
                    "(priv=privileged,limit=300,action=none) is not a valid value for rctl 'zone.cpu-cap'"
                        .into()
                ),
                Line::Zone("missing or invalid brand".into()),
                Line::Stderr(
                    "privilege \"sys_devices\" is not permitted within the zone's privilege set"
                        .into()
                ),
            ]
        );
        assert_eq!(r.summary().as_deref(), Some("zone rc failed to verify"));
    }

    #[test]
    fn unknown_rctl_is_a_warning() {
        let t = setup();
        let mut cfg = base("u");
        cfg.rctls.push(Rctl {
            name: "zone.max-widgets".into(),
            values: vec![RctlValue {
                privilege: "privileged".into(),
                limit: "1".into(),
                action: "deny".into(),
            }],
        });
        t.commit(&cfg);
        t.make_zonepath("u");
        let r = t.verify("u");
        assert!(r.ok, "{:?}", r.lines);
        assert_eq!(
            r.warnings(),
            vec!["WARNING: Ignoring unrecognized rctl 'zone.max-widgets'."]
        );
    }

    #[test]
    fn file_systems() {
        let t = setup();
        let mut cfg = base("f");
        let fs = |dir: &str, special: &str, t: &str, raw: &str| Fs {
            dir: dir.into(),
            special: special.into(),
            raw: raw.into(),
            fstype: t.into(),
            options: vec![],
        };
        cfg.fs = vec![
            fs("/a", "/nonexistent/src", "lofs", ""),
            fs("/b", "x", "nosuchfs", ""),
            fs("/c", "host:/export", "fuse.sshfs", ""),
            fs("/d", "/dev/nonexistent-disk", "ext4", ""),
            fs("/e", "/tmp", "xfs", ""),
            fs("/f", "/tmp", "ext4", "/dev/nonexistent-raw"),
            fs("/g", "none", "proc", ""),
        ];
        t.commit(&cfg);
        t.make_zonepath("f");
        let mut host = t.host.clone();
        host.filesystems.push(("xfs".into(), true));
        let r = verify_with(&t.store, "f", &host).unwrap();
        let helper = host.helper_dirs[0].join("mount.nosuchfs");
        assert_eq!(
            texts(&r),
            vec![
                "could not verify fs /a: could not access /nonexistent/src: No such file or directory".to_string(),
                format!("could not verify fs /b: could not access {}: No such file or directory", helper.display()),
                "could not verify fs /d: could not access /dev/nonexistent-disk: No such file or directory".to_string(),
                "could not verify fs /f: could not access /dev/nonexistent-raw: No such file or directory".to_string(),
            ]
        );
        // xfs has no fsck helper here, so a raw device cannot be checked.
        cfg.fs = vec![fs("/e", "/tmp", "xfs", "/tmp")];
        std::fs::write(t.store.zone_xml_path("f"), crate::store::to_xml(&cfg)).unwrap();
        let r = verify_with(&t.store, "f", &host).unwrap();
        assert_eq!(
            texts(&r),
            vec![
                "cannot verify fs /e: 'raw' device specified but no fsck executable exists for xfs"
            ]
        );
    }

    #[test]
    fn nets_cpus_pools() {
        let t = setup();
        let mut cfg = base("n");
        cfg.ip_type = IpType::Exclusive;
        cfg.nets = vec![
            Net {
                physical: "eth0".into(),
                ..Net::default()
            },
            Net {
                physical: "veth9".into(),
                ..Net::default()
            },
        ];
        cfg.dedicated_cpu = Some(DedicatedCpu {
            ncpu_min: "3".into(),
            ncpu_max: "4".into(),
            importance: String::new(),
        });
        cfg.pool = "web".into();
        t.commit(&cfg);
        t.make_zonepath("n");
        let r = t.verify("n");
        assert_eq!(
            texts(&r),
            vec![
                "could not verify net physical=veth9\n\tnetwork interface veth9 is not plumbed in the global zone".to_string(),
                "WARNING: pools facility not active; zone will not be bound to pool 'web'.".to_string(),
                "dedicated-cpu: ncpus value 3-4 is larger than the number of online CPUs (2).".to_string(),
            ]
        );
        let mut host = t.host.clone();
        host.pools = PoolsState::Enabled(vec!["pool_default".into()]);
        let mut shared = cfg.clone();
        shared.ip_type = IpType::Shared;
        shared.dedicated_cpu = None;
        std::fs::write(t.store.zone_xml_path("n"), crate::store::to_xml(&shared)).unwrap();
        let r = verify_with(&t.store, "n", &host).unwrap();
        assert!(r.ok, "{:?}", r.lines);
        assert_eq!(
            r.warnings(),
            vec![
                "WARNING: skipping network interface 'veth9' which may not be present/plumbed in the global zone.",
                "WARNING: pool 'web' not found. using default pool",
            ]
        );
    }

    #[test]
    fn shared_addresses_must_be_free_and_their_nic_present() {
        let t = setup();
        let mut cfg = base("sh");
        let net = |address: &str, physical: &str| Net {
            physical: physical.into(),
            address: address.into(),
            ..Net::default()
        };
        cfg.nets = vec![
            net("10.0.0.9/24", "eth0"),
            net("10.0.0.2/24", "veth9"),
            net("10.0.0.3/24", "eth0"),
            net("10.0.0.4/99", "eth0"),
        ];
        t.commit(&cfg);
        t.make_zonepath("sh");
        // Another running zone holds 10.0.0.3 (its network record says so) and eth1.
        let rec = crate::net::apply::NetRecord {
            addresses: vec![crate::net::IpNet {
                addr: "10.0.0.3".parse().unwrap(),
                prefix: 24,
            }],
            moved: vec![crate::net::apply::Moved {
                name: "eth0".into(),
                zone_index: 3,
            }],
            ..Default::default()
        };
        let run = t.root.join("var/run/zones");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("other.net"), serde_json::to_vec(&rec).unwrap()).unwrap();
        let r = t.verify("sh");
        assert!(!r.ok);
        assert_eq!(
            texts(&r),
            vec![
                "could not verify net address=10.0.0.9/24 physical=eth0\n\taddress 10.0.0.9 is in use by the global zone".to_string(),
                "could not verify net address=10.0.0.2/24 physical=veth9\n\tnetwork interface veth9 is not plumbed in the global zone".to_string(),
                "could not verify net address=10.0.0.3/24 physical=eth0\n\taddress 10.0.0.3 is in use by zone 'other'".to_string(),
                "could not verify net address=10.0.0.4/99 physical=eth0\n\tinvalid prefix length in '10.0.0.4/99'".to_string(),
            ]
        );
        // An exclusive-IP zone cannot have a NIC another zone holds.
        let mut x = base("sh");
        x.ip_type = IpType::Exclusive;
        x.nets = vec![Net {
            physical: "eth0".into(),
            ..Net::default()
        }];
        std::fs::write(t.store.zone_xml_path("sh"), crate::store::to_xml(&x)).unwrap();
        let r = t.verify("sh");
        assert_eq!(
            texts(&r),
            vec!["could not verify net physical=eth0\n\tnetwork interface eth0 is in use by zone 'other'".to_string()]
        );
    }

    #[test]
    fn anet_lower_links_must_exist() {
        use crate::config::model::{Anet, IpPrefix, LowerLink};
        let t = setup();
        let mut cfg = base("an");
        cfg.ip_type = IpType::Exclusive;
        let mut good = Anet::default_named("net0");
        good.lower_link = LowerLink::Link("eth0".into());
        let mut bad = Anet::default_named("net1");
        bad.lower_link = LowerLink::Link("net9".into());
        bad.allowed_address = vec![IpPrefix {
            addr: "10.0.0.9".parse().unwrap(),
            prefix: 24,
        }];
        cfg.anets = vec![good, bad];
        t.commit(&cfg);
        t.make_zonepath("an");
        let r = t.verify("an");
        assert_eq!(
            texts(&r),
            vec![
                "could not verify anet linkname=net1 lower-link=net9\n\tnetwork interface net9 is not plumbed in the global zone".to_string(),
                "could not verify anet linkname=net1 lower-link=net9\n\taddress 10.0.0.9 is in use by the global zone".to_string(),
            ]
        );
    }

    #[test]
    fn states_and_names() {
        let t = setup();
        t.commit(&base("s"));
        t.store.set_state("s", ZoneState::Incomplete).unwrap();
        let e = verify_with(&t.store, "s", &t.host).unwrap_err();
        assert_eq!(e.to_string(), "zone is incomplete; uninstall required.");
        let e = verify_with(&t.store, "nosuch", &t.host).unwrap_err();
        assert_eq!(e.to_string(), "nosuch: No such zone configured");
        assert!(verify_with(&t.store, "global", &t.host).is_err());
    }

    #[test]
    fn proc_filesystems() {
        assert_eq!(
            parse_proc_filesystems("nodev\tsysfs\n\text4\nnodev\tfuse\n"),
            vec![
                ("sysfs".to_string(), false),
                ("ext4".to_string(), true),
                ("fuse".to_string(), false)
            ]
        );
    }
}
