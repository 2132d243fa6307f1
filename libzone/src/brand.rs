//! Brands: what kind of root a zone gets. A brand is data (`templates/brands/*.json`, built
//! into the library) rather than code paths spread through the runtime.

use serde::Deserialize;

/// How a brand's zones start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitKind {
    /// Our small built-in init (`zinit`), started from outside the zone.
    Builtin,
    /// A program inside the zone, e.g. `/sbin/init`.
    Program(String),
}

#[derive(Debug, Clone, Deserialize)]
struct BrandFile {
    name: String,
    description: String,
    inherit: Vec<String>,
    inherit_host_system_dirs: bool,
    skeleton: bool,
    init: String,
    ip_types: Vec<String>,
    install: InstallFile,
    #[serde(flatten)]
    boot: BootFile,
}

/// How a brand's zones boot: what their init is given and how it is asked to stop.
#[derive(Debug, Clone, Default, Deserialize)]
struct BootFile {
    #[serde(default)]
    stop_signal: Option<String>,
    #[serde(default)]
    privileges: String,
    #[serde(default)]
    mounts: Vec<BrandMount>,
    #[serde(default)]
    cgroup_fs: bool,
    #[serde(default)]
    machine_id: bool,
}

/// A file system every zone of the brand gets (after the standard ones), in OCI's terms.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BrandMount {
    pub destination: String,
    #[serde(rename = "type")]
    pub typ: String,
    pub source: String,
    #[serde(default)]
    pub options: Vec<String>,
}

/// What a brand's init expects of the zone it boots in (systemd's "container interface" for
/// a whole-root zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootSetup {
    /// The signal `zoneadm shutdown` sends init: SIGTERM for ours, SIGRTMIN+3 for systemd
    /// (its "power off").
    pub stop_signal: i32,
    /// Privileges added to the zone's default set (words of a `limitpriv` list), e.g.
    /// `cap_setpcap` for an init that narrows its services' capability bounding sets.
    pub privileges: String,
    /// File systems mounted for the zone's init, after `/proc`, `/sys` and `/dev`.
    pub mounts: Vec<BrandMount>,
    /// Whether the zone gets its own cgroup tree at `/sys/fs/cgroup`, writable: the zone's
    /// cgroups and nothing above them (its cgroup namespace), for an init that manages its
    /// services in cgroups.
    pub cgroup_fs: bool,
    /// Whether an empty or missing `/etc/machine-id` is filled in at boot (from the zone's
    /// UUID), so the zone's first boot is not taken for an unconfigured system's.
    pub machine_id: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct InstallFile {
    sources: Vec<SourceKind>,
    #[serde(default)]
    bootstrap: Option<Bootstrap>,
    #[serde(default)]
    devices: Vec<AllowedDevice>,
}

/// The kinds of install source a brand takes (`zoneadm install` without a source takes the
/// brand's first of `skeleton` or `bootstrap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Our small private skeleton (sparse zones: the rest comes from the global zone).
    Skeleton,
    /// `-a`: a tar archive (plain, gzip, xz, zstd) or an OCI image (layout or archive).
    Archive,
    /// `-d`: a directory tree copied as it is.
    Directory,
    /// No source: the host's distribution, bootstrapped by the brand's installer.
    Bootstrap,
}

/// How a brand bootstraps the host's distribution: the installer and its arguments, where
/// `{suite}`, `{target}`, `{mirror}` and `{components}` stand for what the host's apt
/// sources name and the zone root ([`crate::install::bootstrap`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Bootstrap {
    /// `ID`s of os-release this installer knows (`debian`, `ubuntu`).
    pub distributions: Vec<String>,
    pub program: String,
    pub args: Vec<String>,
}

/// A device node an archive or a copied tree may bring into the zone root: only this path,
/// this type (`c` or `b`) and these numbers. Every other device node is refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AllowedDevice {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: char,
    pub major: u64,
    pub minor: u64,
}

/// What `zoneadm install` does for a brand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallSpec {
    pub sources: Vec<SourceKind>,
    pub bootstrap: Option<Bootstrap>,
    /// Device nodes allowed from archives and copied trees (none but these).
    pub devices: Vec<AllowedDevice>,
}

impl InstallSpec {
    pub fn takes(&self, kind: SourceKind) -> bool {
        self.sources.contains(&kind)
    }

    /// What an install without a source does: the skeleton or a bootstrap.
    pub fn default_source(&self) -> Option<SourceKind> {
        self.sources
            .iter()
            .copied()
            .find(|k| matches!(k, SourceKind::Skeleton | SourceKind::Bootstrap))
    }
}

/// A brand as the rest of the library sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub name: String,
    pub description: String,
    /// Host directories bound read-only into every zone of this brand.
    pub inherit: Vec<String>,
    /// Whether the host's `/bin`, `/sbin`, `/lib*` are reproduced (symlinks into `/usr` on a
    /// merged-/usr host, read-only binds otherwise).
    pub inherit_host_system_dirs: bool,
    /// Whether `install` lays down our skeleton (`/etc`, `/root`, `/tmp`, ...).
    pub skeleton: bool,
    pub init: InitKind,
    pub ip_types: Vec<String>,
    pub install: InstallSpec,
    pub boot: BootSetup,
}

const BRAND_FILES: [&str; 2] = [
    include_str!("../../templates/brands/sparse.json"),
    include_str!("../../templates/brands/whole.json"),
];

/// The default brand of `create` (template `SYSdefault`).
pub const DEFAULT_BRAND: &str = "sparse";

/// A signal by name: `SIGTERM`, `SIGPWR`, `SIGRTMIN+3`, ... (`None` for one we do not know).
pub fn signal_number(name: &str) -> Option<i32> {
    let name = name.trim();
    if let Some(n) = name.strip_prefix("SIGRTMIN") {
        let off: i32 = match n.strip_prefix('+') {
            Some(k) => k.parse().ok()?,
            None if n.is_empty() => 0,
            None => return None,
        };
        let sig = libc::SIGRTMIN() + off;
        return (sig <= libc::SIGRTMAX()).then_some(sig);
    }
    let sig = match name {
        "SIGTERM" => libc::SIGTERM,
        "SIGINT" => libc::SIGINT,
        "SIGHUP" => libc::SIGHUP,
        "SIGPWR" => libc::SIGPWR,
        "SIGUSR1" => libc::SIGUSR1,
        "SIGUSR2" => libc::SIGUSR2,
        "SIGKILL" => libc::SIGKILL,
        _ => return None,
    };
    Some(sig)
}

fn parse(text: &str) -> Option<Brand> {
    let f: BrandFile = serde_json::from_str(text).ok()?;
    let stop_signal = match &f.boot.stop_signal {
        Some(name) => signal_number(name)?,
        None => libc::SIGTERM,
    };
    Some(Brand {
        name: f.name,
        description: f.description,
        inherit: f.inherit,
        inherit_host_system_dirs: f.inherit_host_system_dirs,
        skeleton: f.skeleton,
        init: if f.init == "builtin" {
            InitKind::Builtin
        } else {
            InitKind::Program(f.init)
        },
        ip_types: f.ip_types,
        install: InstallSpec {
            sources: f.install.sources,
            bootstrap: f.install.bootstrap,
            devices: f.install.devices,
        },
        boot: BootSetup {
            stop_signal,
            privileges: f.boot.privileges,
            mounts: f.boot.mounts,
            cgroup_fs: f.boot.cgroup_fs,
            machine_id: f.boot.machine_id,
        },
    })
}

/// All known brands.
pub fn all() -> Vec<Brand> {
    BRAND_FILES.iter().filter_map(|t| parse(t)).collect()
}

/// The brand called `name` (an empty name is the default brand).
pub fn lookup(name: &str) -> Option<Brand> {
    let name = if name.is_empty() { DEFAULT_BRAND } else { name };
    all().into_iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_brands_parse() {
        assert_eq!(all().len(), BRAND_FILES.len());
        let sparse = lookup("sparse").unwrap();
        assert_eq!(sparse.init, InitKind::Builtin);
        assert_eq!(sparse.inherit, vec!["/usr".to_string()]);
        assert_eq!(lookup("").unwrap().name, "sparse");
        assert_eq!(
            lookup("whole").unwrap().init,
            InitKind::Program("/sbin/init".into())
        );
        assert!(lookup("native").is_none());
    }

    #[test]
    fn install_data() {
        let sparse = lookup("sparse").unwrap().install;
        assert_eq!(sparse.default_source(), Some(SourceKind::Skeleton));
        assert!(!sparse.takes(SourceKind::Archive) && !sparse.takes(SourceKind::Directory));
        assert!(sparse.devices.is_empty());
        let whole = lookup("whole").unwrap().install;
        assert_eq!(whole.default_source(), Some(SourceKind::Bootstrap));
        assert!(whole.takes(SourceKind::Archive) && whole.takes(SourceKind::Directory));
        let b = whole.bootstrap.unwrap();
        assert_eq!(b.program, "debootstrap");
        assert!(b.args.contains(&"--variant=minbase".to_string()));
        assert!(whole
            .devices
            .iter()
            .any(|d| d.path == "/dev/null" && d.kind == 'c' && (d.major, d.minor) == (1, 3)));
        assert!(whole.devices.iter().all(|d| d.kind == 'c'));
    }

    #[test]
    fn whole_root_zones_get_what_systemd_expects() {
        let whole = lookup("whole").unwrap();
        assert_eq!(whole.boot.stop_signal, libc::SIGRTMIN() + 3);
        assert!(whole.boot.cgroup_fs && whole.boot.machine_id);
        let dests: Vec<&str> = whole
            .boot
            .mounts
            .iter()
            .map(|m| m.destination.as_str())
            .collect();
        assert_eq!(dests, ["/run", "/run/lock", "/tmp"]);
        assert!(whole.boot.mounts.iter().all(|m| m.typ == "tmpfs"
            && m.options.iter().any(|o| o == "nosuid")
            && m.options.iter().any(|o| o == "nodev")));
        let sparse = lookup("sparse").unwrap();
        assert_eq!(sparse.boot.stop_signal, libc::SIGTERM);
        assert!(sparse.boot.mounts.is_empty() && !sparse.boot.cgroup_fs);
    }

    #[test]
    fn signals_by_name() {
        assert_eq!(signal_number("SIGTERM"), Some(libc::SIGTERM));
        assert_eq!(signal_number("SIGRTMIN"), Some(libc::SIGRTMIN()));
        assert_eq!(signal_number("SIGRTMIN+3"), Some(libc::SIGRTMIN() + 3));
        assert_eq!(signal_number("SIGRTMIN+99"), None);
        assert_eq!(signal_number("SIGRTMINx"), None);
        assert_eq!(signal_number("SIGBOGUS"), None);
    }

    #[test]
    fn a_brand_with_a_bad_stop_signal_is_refused() {
        let base = r#""name":"x","description":"","inherit":[],"inherit_host_system_dirs":false,
            "skeleton":false,"init":"/sbin/init","ip_types":["shared"],
            "install":{"sources":["archive"]}"#;
        assert!(parse(&format!("{{{base}}}")).is_some());
        assert!(parse(&format!("{{{base},\"stop_signal\":\"SIGNOPE\"}}")).is_none());
    }
}
