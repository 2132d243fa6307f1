//! The consistency checks of zonecfg `verify` and `commit` (spec §1.9), and the value checks
//! zonecfg applies when a property is set or a resource ended (spec §1.6-§1.8).
//!
//! [`verify`] reports every problem it finds, in zonecfg's order and with its texts, and
//! returns a [`VerifyReport`] the session prints: the problem lines, then (when verification
//! failed) the summary `<zone>: <libzonecfg error>`. Some problems stop verification at once,
//! as they do in zonecfg (an unknown brand, a bad `limitpriv`, `hostid` or `fs-allowed`); no
//! summary follows those.

use crate::config::model::{IpType, SecurityFlags, ZoneConfig};
use crate::config::{names, privs, rctl};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The libzonecfg error a failed verification ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `Z_REQD_RESOURCE_MISSING` (no zonepath).
    RequiredResourceMissing,
    /// `Z_REQD_PROPERTY_MISSING`.
    RequiredPropertyMissing,
    /// `Z_INVAL`.
    InvalidArgument,
    /// `Z_BAD_PROPERTY`.
    BadProperty,
    /// `Z_INCOMPATIBLE`.
    Incompatible,
    /// `Z_INSUFFICIENT_SPEC` (a resource is still being edited).
    InsufficientSpecification,
}

impl Failure {
    /// libzonecfg's text (`zonecfg_strerror()`).
    pub fn text(self) -> &'static str {
        match self {
            Failure::RequiredResourceMissing => "Required resource missing",
            Failure::RequiredPropertyMissing => "Required property missing",
            Failure::InvalidArgument => "Invalid argument",
            Failure::BadProperty => "Bad document property",
            Failure::Incompatible => "Incompatible settings",
            Failure::InsufficientSpecification => "Insufficient specification",
        }
    }
}

/// How verification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Problems were found; the summary line is `<zone>: <failure text>`.
    Failed(Failure),
    /// A problem that stops verification at once was found; its lines say everything.
    Aborted,
}

/// The result of [`verify`]: message lines (errors and warnings, without trailing newlines)
/// in the order zonecfg prints them, and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub lines: Vec<String>,
    pub outcome: Outcome,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// The summary line for a failed verification (`<zone>: Required property missing`).
    pub fn summary(&self, zone: &str) -> Option<String> {
        match self.outcome {
            Outcome::Failed(f) => Some(format!("{zone}: {}", f.text())),
            _ => None,
        }
    }
}

/// What [`verify`] needs to know besides the configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// The zone name messages are prefixed with (the name being edited).
    pub zone: &'a str,
    /// A resource scope is still open in the session (`resource specification incomplete`).
    pub open_resource: bool,
}

struct Checker {
    lines: Vec<String>,
    failure: Option<Failure>,
}

impl Checker {
    fn fail(&mut self, line: String, why: Failure) {
        self.lines.push(line);
        if self.failure.is_none() {
            self.failure = Some(why);
        }
    }

    fn required(&mut self, value: &str, rt: &str, prop: &str) {
        if value.is_empty() {
            self.fail(
                format!("{rt}: {prop} not specified"),
                Failure::RequiredPropertyMissing,
            );
        }
    }

    fn abort(mut self, lines: Vec<String>) -> VerifyReport {
        self.lines.extend(lines);
        VerifyReport {
            lines: self.lines,
            outcome: Outcome::Aborted,
        }
    }
}

/// Checks a whole configuration as zonecfg `verify` does.
pub fn verify(cfg: &ZoneConfig, opts: &VerifyOptions) -> VerifyReport {
    let zone = opts.zone;
    let global = cfg.is_global();
    let mut c = Checker {
        lines: Vec::new(),
        failure: None,
    };

    if cfg.zonepath.is_empty() && !global {
        c.fail(
            "zonepath cannot be empty.".to_string(),
            Failure::RequiredResourceMissing,
        );
    }
    // `set zonepath=` refuses these; a zone file edited by hand may still hold one.
    if !cfg.zonepath.is_empty() && !global {
        if let Err(e) = names::check_zonepath(&cfg.zonepath) {
            c.fail(e.to_string(), Failure::InvalidArgument);
        }
    }
    if !global && !names::is_known_brand(names::effective_brand(&cfg.brand)) {
        return c.abort(vec![
            format!("{zone}: unknown brand."),
            format!("{zone}: Invalid document"),
        ]);
    }
    if !global {
        if let Err(e) = privs::zone_privset(&cfg.limitpriv, cfg.ip_type) {
            return c.abort(vec![format!(
                "{zone}: invalid privilege: {}",
                e.privilege()
            )]);
        }
        if !cfg.hostid.is_empty() && check_hostid(&cfg.hostid).is_err() {
            return c.abort(vec![format!("{zone}: invalid hostid: {}", cfg.hostid)]);
        }
        if !cfg.fs_allowed.is_empty() && check_fs_allowed(&cfg.fs_allowed).is_err() {
            return c.abort(vec![format!(
                "{zone}: invalid fs-allowed: {}",
                cfg.fs_allowed
            )]);
        }
    }

    for ipd in &cfg.inherit_pkg_dirs {
        c.required(&ipd.dir, "inherit-pkg-dir", "dir");
    }
    for fs in &cfg.fs {
        c.required(&fs.dir, "fs", "dir");
        c.required(&fs.special, "fs", "special");
        c.required(&fs.fstype, "fs", "type");
    }

    // Exclusive-IP interfaces, to check that a default router comes with an address.
    let mut links: Vec<(String, bool, bool)> = Vec::new();
    for net in &cfg.nets {
        c.required(&net.physical, "net", "physical");
        if let Err(e) = check_physical(&net.physical, cfg.ip_type) {
            c.fail(e.to_string(), Failure::InvalidArgument);
        }
        match cfg.ip_type {
            IpType::Shared => {
                c.required(&net.address, "net", "address");
                if !net.allowed_address.is_empty() {
                    c.fail(
                        "net: allowed-address cannot be specified for a shared IP type".to_string(),
                        Failure::InvalidArgument,
                    );
                }
            }
            IpType::Exclusive => {
                if !net.address.is_empty() {
                    c.fail(
                        "net: address cannot be specified for an exclusive IP type".to_string(),
                        Failure::InvalidArgument,
                    );
                } else {
                    let has_addr = !net.allowed_address.is_empty();
                    let has_router = !net.defrouter.is_empty();
                    match links.iter_mut().find(|l| l.0 == net.physical) {
                        Some(l) => {
                            l.1 |= has_addr;
                            l.2 |= has_router;
                        }
                        None => links.push((net.physical.clone(), has_addr, has_router)),
                    }
                }
            }
        }
    }
    // zonecfg adds interfaces to the front of its list, so it reports them newest first.
    for (link, has_addr, has_router) in links.iter().rev() {
        if !has_addr && *has_router {
            c.lines.push(format!(
                "net: defrouter for {link} cannot be specified without allowed-address for an exclusive IP type"
            ));
            // zonecfg overrides any earlier failure kind here.
            c.failure = Some(Failure::InvalidArgument);
        }
    }

    check_anets(cfg, &mut c);

    let mut has_cpu_shares = false;
    let mut has_cpu_cap = false;
    for r in &cfg.rctls {
        c.required(&r.name, "rctl", "name");
        if !r.name.is_empty() && !rctl::is_valid_rctl_name(&r.name) {
            c.fail(
                format!("'{}' is not a valid zone rctl name.", r.name),
                Failure::InvalidArgument,
            );
        }
        has_cpu_shares |= r.name == "zone.cpu-shares";
        has_cpu_cap |= r.name == "zone.cpu-cap";
        if r.values.is_empty() {
            c.fail(
                "rctl: no value specified".to_string(),
                Failure::RequiredPropertyMissing,
            );
        }
    }
    let has_pset = cfg.dedicated_cpu.is_some();
    if has_pset && has_cpu_shares {
        c.fail(
            "rctl zone.cpu-shares and dedicated-cpu are incompatible.".to_string(),
            Failure::Incompatible,
        );
    }
    if has_cpu_shares && !cfg.scheduling_class.is_empty() && cfg.scheduling_class != "FSS" {
        // A warning only: on Linux the shares are cgroup CPU weights whatever the class.
        c.lines.push(format!(
            "WARNING: rctl zone.cpu-shares and scheduling-class={} are incompatible",
            cfg.scheduling_class
        ));
    }
    if has_pset && has_cpu_cap {
        c.fail(
            "rctl zone.cpu-cap and the dedicated-cpu are incompatible.".to_string(),
            Failure::Incompatible,
        );
    }

    for attr in &cfg.attrs {
        c.required(&attr.name, "attr", "name");
        c.required(&attr.attr_type, "attr", "type");
        c.required(&attr.value, "attr", "value");
    }
    for ds in &cfg.datasets {
        if ds.name.is_empty() {
            c.fail(
                "dataset: name not specified".to_string(),
                Failure::RequiredPropertyMissing,
            );
        } else if !is_valid_dataset_name(&ds.name) {
            c.fail("dataset: name invalid".to_string(), Failure::BadProperty);
        }
    }
    for admin in &cfg.admins {
        c.required(&admin.user, "admin", "user");
        c.required(&admin.auths, "admin", "auths");
        if c.failure.is_none() {
            let bad = invalid_auths(&admin.auths);
            if !bad.is_empty() {
                c.lines.extend(
                    bad.iter()
                        .map(|a| format!("'{a}' is not a valid authorization")),
                );
                c.failure = Some(Failure::BadProperty);
            }
        }
    }
    if let Some(sf) = &cfg.security_flags {
        for line in check_security_flags(sf) {
            c.fail(line, Failure::InvalidArgument);
        }
    }
    if opts.open_resource {
        c.fail(
            "resource specification incomplete".to_string(),
            Failure::InsufficientSpecification,
        );
    }
    VerifyReport {
        lines: c.lines,
        outcome: match c.failure {
            Some(f) => Outcome::Failed(f),
            None => Outcome::Ok,
        },
    }
}

/// The `anet` checks: an exclusive IP type, link names unique and distinct from the NICs of
/// `net` resources, a default router only with allowed addresses, fixed MAC addresses
/// unique. (The values themselves were checked when set or read.)
fn check_anets(cfg: &ZoneConfig, c: &mut Checker) {
    use crate::config::model::MacAddress;
    for (i, a) in cfg.anets.iter().enumerate() {
        c.required(&a.linkname, "anet", "linkname");
        if cfg.ip_type == IpType::Shared {
            c.fail(
                format!(
                    "anet {}: anet cannot be specified for a shared IP type (set ip-type=exclusive)",
                    a.linkname
                ),
                Failure::InvalidArgument,
            );
        }
        let earlier = &cfg.anets[..i];
        if !a.linkname.is_empty() && earlier.iter().any(|x| x.linkname == a.linkname) {
            c.fail(
                format!(
                    "anet {}: linkname used by more than one anet resource",
                    a.linkname
                ),
                Failure::InvalidArgument,
            );
        }
        if cfg.nets.iter().any(|n| n.physical == a.linkname) {
            c.fail(
                format!(
                    "anet {}: linkname is also the physical of a net resource",
                    a.linkname
                ),
                Failure::InvalidArgument,
            );
        }
        if !a.defrouter.is_empty() && a.allowed_address.is_empty() {
            c.fail(
                format!(
                    "anet: defrouter for {} cannot be specified without allowed-address",
                    a.linkname
                ),
                Failure::InvalidArgument,
            );
        }
        if let MacAddress::Fixed(_) = a.mac_address {
            if earlier.iter().any(|x| x.mac_address == a.mac_address) {
                c.fail(
                    format!(
                        "anet {}: mac-address {} used by more than one anet resource",
                        a.linkname, a.mac_address
                    ),
                    Failure::InvalidArgument,
                );
            }
        }
    }
}

/// A network address zonecfg refuses at `set address=`, `allowed-address=` or `defrouter=`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{0}: IPv6 addresses require /prefix-length suffix.")]
    Ipv6NeedsPrefix(String),
    #[error("{0}: IPv6 address prefix lengths must be 0 - 128.")]
    Ipv6Prefix(String),
    #[error("{0}: IPv4 address prefix lengths must be 0 - 32.")]
    Ipv4Prefix(String),
    /// Followed by zonecfg's address syntax help.
    #[error("{0}: bogus host name or network address syntax")]
    BogusHost(String),
    #[error("{0}: unknown host name: the global zone cannot resolve it; give an address or a name it resolves")]
    UnknownHost(String),
}

/// How zonecfg finds out whether a host name given as an address resolves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HostResolver {
    /// The global zone's resolver (`getaddrinfo()`: `/etc/hosts`, DNS, as nsswitch says).
    #[default]
    System,
    /// Exactly these names resolve (for callers that must not ask the network).
    Names(Vec<String>),
}

impl HostResolver {
    pub fn resolves(&self, host: &str) -> bool {
        match self {
            HostResolver::System => {
                use std::net::ToSocketAddrs;
                (host, 0u16)
                    .to_socket_addrs()
                    .map(|mut addrs| addrs.next().is_some())
                    .unwrap_or(false)
            }
            HostResolver::Names(names) => names.iter().any(|n| n == host),
        }
    }
}

/// `set address=` of a `net`: [`check_net_address`], and a host name must resolve in the
/// global zone (Solaris checks this when the property is set).
pub fn check_net_address_resolves(
    address: &str,
    resolver: &HostResolver,
) -> Result<Option<String>, AddressError> {
    let warning = check_net_address(address, false)?;
    let host = address.split_once('/').map_or(address, |(h, _)| h);
    if host.parse::<std::net::IpAddr>().is_err() && !resolver.resolves(host) {
        return Err(AddressError::UnknownHost(host.to_string()));
    }
    Ok(warning)
}

/// `atoi()`: optional sign and leading digits, 0 when there are none.
fn atoi(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut n: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}

/// zonecfg's `validate_net_address_syntax()`: an IPv4 address or host name with an optional
/// `/prefix` (0-32), or an IPv6 address with a required `/prefix` (0-128). For a default
/// router (`is_host`) a prefix is not needed; one given is ignored with a warning, which is
/// returned on success.
pub fn check_net_address(address: &str, is_host: bool) -> Result<Option<String>, AddressError> {
    let (part1, prefix) = match address.split_once('/') {
        Some((a, p)) => (a, Some(atoi(p))),
        None => (address, None),
    };
    let warning = (is_host && prefix.is_some()).then(|| {
        format!(
            "Warning: prefix length in {address} is not required and will be ignored. The default host-prefix length will be used"
        )
    });
    if part1.parse::<Ipv6Addr>().is_ok() {
        let len = match prefix {
            _ if is_host => 128,
            None => return Err(AddressError::Ipv6NeedsPrefix(address.to_string())),
            Some(l) => l,
        };
        if !(0..=128).contains(&len) {
            return Err(AddressError::Ipv6Prefix(address.to_string()));
        }
        return Ok(warning);
    }
    if !is_host {
        if let Some(len) = prefix {
            if !(0..=32).contains(&len) {
                return Err(AddressError::Ipv4Prefix(address.to_string()));
            }
        }
    }
    if part1.parse::<Ipv4Addr>().is_ok() {
        return Ok(warning);
    }
    let mut chars = part1.chars();
    let starts_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !starts_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        return Err(AddressError::BogusHost(part1.to_string()));
    }
    Ok(warning)
}

/// An interface name zonecfg refuses for `net physical`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhysicalError {
    #[error("{0}: invalid physical interface name")]
    Invalid(String),
    #[error("{0}: LUNs not allowed in physical interface names")]
    Lun(String),
    #[error("{0}: physical interface name required; logical interface name not allowed")]
    Logical(String),
}

/// Checks `net physical` for the zone's IP type. The names are Linux interface names (at
/// most 15 bytes, no `/`, no blanks, not `.` or `..`), which replaces Solaris' device-name
/// syntax; a Solaris logical interface suffix (`eth0:1`) is refused with Solaris' messages.
pub fn check_physical(name: &str, ip: IpType) -> Result<(), PhysicalError> {
    if name.is_empty() {
        // "physical not specified" is reported on its own.
        return Ok(());
    }
    if let Some((base, lun)) = name.split_once(':') {
        return Err(match ip {
            IpType::Exclusive => PhysicalError::Logical(name.to_string()),
            IpType::Shared
                if linux_ifname_ok(base)
                    && !lun.is_empty()
                    && lun.bytes().all(|b| b.is_ascii_digit()) =>
            {
                PhysicalError::Lun(name.to_string())
            }
            IpType::Shared => PhysicalError::Invalid(name.to_string()),
        });
    }
    if linux_ifname_ok(name) {
        Ok(())
    } else {
        Err(PhysicalError::Invalid(name.to_string()))
    }
}

/// The kernel's `dev_valid_name()`.
fn linux_ifname_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace())
}

/// zonecfg's `valid_fs_type()`: a usable file-system type name (`"%s" is not a valid type.`).
pub fn is_valid_fs_type(t: &str) -> bool {
    !t.is_empty() && t.len() < 256 && !t.contains('/') && t != "." && t != ".."
}

/// `dedicated-cpu ncpus`: `N` or `lo-hi`, unsigned, `lo >= 1`, `lo <= hi`. Returns the
/// (min, max) strings as stored.
pub fn parse_ncpus(s: &str) -> Option<(String, String)> {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let l = rctl::parse_uint(lo)?;
    let h = rctl::parse_uint(hi)?;
    (l >= 1 && l <= h).then(|| (lo.to_string(), hi.to_string()))
}

/// `dedicated-cpu importance`: an unsigned integer.
pub fn is_valid_importance(s: &str) -> bool {
    rctl::parse_uint(s).is_some()
}

/// `capped-cpu ncpus`: a positive decimal; returns the cap in percent of a CPU, computed as
/// zonecfg does (`(int)(strtof(s) * 100)` in single precision, at least 1).
pub fn parse_cpu_cap(s: &str) -> Option<u64> {
    let v: f32 = s.parse().ok()?;
    if !v.is_finite() || v <= 0.0 || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let cap = (v * 100.0f32) as i64;
    (cap >= 1).then_some(cap as u64)
}

/// Why a hostid is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostidError {
    /// `hostid string is too large: %s`.
    TooLarge,
    /// `hostid: Specified property is invalid`.
    Invalid,
}

/// libzonecfg's `zonecfg_valid_hostid()`: a hexadecimal number (optional `0x`) of at most
/// 32 bits, not 0xFFFFFFFF, the whole string shorter than 11 characters.
pub fn check_hostid(s: &str) -> Result<(), HostidError> {
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return Err(HostidError::Invalid);
    }
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    let digits = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
    let consumed = s.len() - hex.len() + digits;
    if consumed >= 11 {
        return Err(HostidError::TooLarge);
    }
    if digits == 0 || digits != hex.len() {
        return Err(HostidError::Invalid);
    }
    match u64::from_str_radix(hex, 16) {
        Ok(v) if v < 0xFFFF_FFFF => Ok(()),
        _ => Err(HostidError::Invalid),
    }
}

/// Why an `fs-allowed` list is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsAllowedError {
    /// Longer than 1024 characters: `Argument list too long`.
    TooLong,
    /// `Specified property is invalid`.
    Invalid,
}

/// libzonecfg's `zonecfg_valid_fs_allowed()`: a comma-separated list of file-system type
/// names made of letters, digits and `-`.
pub fn check_fs_allowed(s: &str) -> Result<(), FsAllowedError> {
    if s.len() > 1024 {
        return Err(FsAllowedError::TooLong);
    }
    if s.split(',')
        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        Ok(())
    } else {
        Err(FsAllowedError::Invalid)
    }
}

/// `zfs_name_valid(name, ZFS_TYPE_FILESYSTEM)`: `pool[/fs...]`, components of letters,
/// digits, `_ - . :` and blanks, the pool name starting with a letter and not reserved.
pub fn is_valid_dataset_name(name: &str) -> bool {
    if name.is_empty() || name.len() >= 256 {
        return false;
    }
    let mut components = name.split('/');
    let Some(pool) = components.next() else {
        return false;
    };
    let component_ok = |c: &str| {
        !c.is_empty()
            && c != "."
            && c != ".."
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.: ".contains(&b))
    };
    if !component_ok(pool) || !pool.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    if pool == "mirror" || pool == "spare" || pool == "log" || pool.starts_with("raidz") {
        return false;
    }
    components.all(component_ok)
}

/// The types an `attr` may have (`validate_attr_type_val()`).
pub const ATTR_TYPES: &[&str] = &["boolean", "int", "string", "uint"];

/// The attr messages zonecfg prints at `end` (`validate_attr_name()`,
/// `validate_attr_type_val()`); empty when the attr is fine.
pub fn check_attr(name: &str, attr_type: &str, value: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) {
        lines.push(format!(
            "Invalid attr name {name}: must start with an alpha-numeric character."
        ));
    } else if !chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        lines.push(format!(
            "Invalid attr name {name}: can only contain alpha-numeric characters, plus '-' and '.'."
        ));
    }
    let ok = match attr_type {
        "boolean" => value == "true" || value == "false",
        "int" => {
            c_integer(value).is_some_and(|(neg, mag)| mag <= i64::MAX as u128 + u128::from(neg))
        }
        "uint" => c_integer(value)
            .is_some_and(|(neg, mag)| mag <= u128::from(u64::MAX) && (!neg || mag == 0)),
        "string" => value.len() < 256,
        other => {
            lines.push(format!("invalid attr type '{other}'"));
            return lines;
        }
    };
    if !ok {
        lines.push(format!("invalid attr value for type={attr_type}"));
    }
    lines
}

/// `strtoll()`/`strtoull()` with the whole string consumed: (negative, magnitude). The empty
/// string reads as 0, as it does in C.
fn c_integer(s: &str) -> Option<(bool, u128)> {
    if s.is_empty() {
        return Some((false, 0));
    }
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 30 {
        return None;
    }
    digits.parse::<u128>().ok().map(|m| (neg, m))
}

/// The authorizations an `admin` resource may grant (`solaris.zone.<auth>`).
pub const ZONE_AUTHS: &[&str] = &["login", "manage", "clonefrom"];

/// The words of an `auths` list that are not zone authorizations.
pub fn invalid_auths(auths: &str) -> Vec<String> {
    auths
        .split(',')
        .filter(|a| !a.is_empty() && !ZONE_AUTHS.contains(a))
        .map(str::to_string)
        .collect()
}

/// The process security flags of illumos `secflags(5)`.
pub const SECURITY_FLAGS: &[&str] = &["aslr", "forbidnullmap", "noexecstack"];

/// Parses a security-flags value: a comma list of flag names, `all` or `none`.
pub fn parse_security_flags(s: &str) -> Option<BTreeSet<&'static str>> {
    let mut set = BTreeSet::new();
    for w in s.split(',') {
        match w {
            "all" => set.extend(SECURITY_FLAGS.iter().copied()),
            "none" => set.clear(),
            _ => {
                let f = SECURITY_FLAGS.iter().copied().find(|f| *f == w)?;
                set.insert(f);
            }
        }
    }
    Some(set)
}

/// The `security-flags` checks at `end` and `verify`: each value must parse, and
/// lower ⊆ default ⊆ upper (an unset lower or default is no flags, an unset upper all
/// flags). The message texts are modelled on illumos' (inferred).
pub fn check_security_flags(sf: &SecurityFlags) -> Vec<String> {
    let mut lines = Vec::new();
    let mut get = |value: &str, which: &str, unset: BTreeSet<&'static str>| {
        if value.is_empty() {
            return Some(unset);
        }
        let parsed = parse_security_flags(value);
        if parsed.is_none() {
            lines.push(format!("{which} security flags '{value}' are invalid"));
        }
        parsed
    };
    let all: BTreeSet<&'static str> = SECURITY_FLAGS.iter().copied().collect();
    let default = get(&sf.default, "default", BTreeSet::new());
    let lower = get(&sf.lower, "lower", BTreeSet::new());
    let upper = get(&sf.upper, "upper", all);
    if let (Some(d), Some(l), Some(u)) = (default, lower, upper) {
        if !l.is_subset(&d) {
            lines.push("default secflags must be above the lower limit".to_string());
        }
        if !d.is_subset(&u) {
            lines.push("default secflags must be within the upper limit".to_string());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::*;

    fn base() -> ZoneConfig {
        ZoneConfig {
            name: "z".into(),
            zonepath: "/zones/z".into(),
            ..Default::default()
        }
    }

    fn run(cfg: &ZoneConfig) -> VerifyReport {
        verify(
            cfg,
            &VerifyOptions {
                zone: "z",
                open_resource: false,
            },
        )
    }

    #[test]
    fn clean_config_verifies() {
        let r = run(&base());
        assert!(r.is_ok(), "{r:?}");
        assert!(r.lines.is_empty());
        assert_eq!(r.summary("z"), None);
    }

    #[test]
    fn zonepath_from_a_file_must_be_canonical() {
        let mut c = base();
        c.zonepath = "/zones/../../x".into();
        let r = run(&c);
        assert_eq!(
            r.lines,
            vec!["/zones/../../x is not a canonical path; use /x."]
        );
        assert_eq!(r.outcome, Outcome::Failed(Failure::InvalidArgument));
        c.zonepath = "zones/x".into();
        assert_eq!(run(&c).lines, vec!["zones/x is not an absolute path."]);
    }

    #[test]
    fn missing_zonepath() {
        let mut c = base();
        c.zonepath.clear();
        let r = run(&c);
        assert_eq!(r.lines, vec!["zonepath cannot be empty."]);
        assert_eq!(r.summary("z").unwrap(), "z: Required resource missing");
        let mut g = c.clone();
        g.name = "global".into();
        assert!(run(&g).is_ok());
    }

    #[test]
    fn reports_every_problem() {
        let mut c = base();
        c.fs.push(Fs {
            dir: "/a".into(),
            ..Default::default()
        });
        c.nets.push(Net {
            physical: "eth0".into(),
            allowed_address: "10.0.0.1/24".into(),
            ..Default::default()
        });
        c.rctls.push(Rctl {
            name: "zone.max-lwps".into(),
            values: vec![],
        });
        c.attrs.push(Attr::default());
        c.datasets.push(Dataset {
            name: "/bad".into(),
        });
        let r = verify(
            &c,
            &VerifyOptions {
                zone: "z",
                open_resource: true,
            },
        );
        assert_eq!(
            r.lines,
            vec![
                "fs: special not specified",
                "fs: type not specified",
                "net: address not specified",
                "net: allowed-address cannot be specified for a shared IP type",
                "rctl: no value specified",
                "attr: name not specified",
                "attr: type not specified",
                "attr: value not specified",
                "dataset: name invalid",
                "resource specification incomplete",
            ]
        );
        assert_eq!(r.summary("z").unwrap(), "z: Required property missing");
    }

    #[test]
    fn exclusive_ip_nets() {
        let mut c = base();
        c.ip_type = IpType::Exclusive;
        c.nets.push(Net {
            physical: "eth0".into(),
            address: "10.0.0.1".into(),
            ..Default::default()
        });
        c.nets.push(Net {
            physical: "eth1".into(),
            defrouter: "10.0.0.254".into(),
            ..Default::default()
        });
        c.nets.push(Net {
            physical: "eth2:1".into(),
            allowed_address: "10.0.2.1/24".into(),
            ..Default::default()
        });
        let r = run(&c);
        assert_eq!(
            r.lines,
            vec![
                "net: address cannot be specified for an exclusive IP type",
                "eth2:1: physical interface name required; logical interface name not allowed",
                "net: defrouter for eth1 cannot be specified without allowed-address for an exclusive IP type",
            ]
        );
        assert_eq!(r.summary("z").unwrap(), "z: Invalid argument");
    }

    #[test]
    fn anets() {
        use crate::config::model::{Anet, MacAddress};
        let mut cfg = base();
        cfg.anets = vec![Anet::default_named("net0")];
        let r = run(&cfg);
        assert_eq!(
            r.lines,
            ["anet net0: anet cannot be specified for a shared IP type (set ip-type=exclusive)"]
        );
        assert_eq!(r.outcome, Outcome::Failed(Failure::InvalidArgument));
        cfg.ip_type = IpType::Exclusive;
        assert!(run(&cfg).is_ok());
        let mac = MacAddress::Fixed([2, 0, 0, 0, 0, 1]);
        cfg.anets = vec![
            Anet {
                mac_address: mac,
                ..Anet::default_named("net0")
            },
            Anet {
                mac_address: mac,
                defrouter: vec!["10.0.0.1".parse().unwrap()],
                ..Anet::default_named("net0")
            },
            Anet::default_named("eth7"),
        ];
        cfg.nets = vec![Net {
            physical: "eth7".into(),
            allowed_address: "10.9.0.2/24".into(),
            ..Default::default()
        }];
        assert_eq!(
            run(&cfg).lines,
            [
                "anet net0: linkname used by more than one anet resource",
                "anet: defrouter for net0 cannot be specified without allowed-address",
                "anet net0: mac-address 02:00:00:00:00:01 used by more than one anet resource",
                "anet eth7: linkname is also the physical of a net resource",
            ]
        );
    }

    #[test]
    fn host_names_must_resolve() {
        let names = HostResolver::Names(vec!["web1".into()]);
        assert_eq!(check_net_address_resolves("web1/24", &names), Ok(None));
        assert_eq!(check_net_address_resolves("10.0.0.1/24", &names), Ok(None));
        assert_eq!(
            check_net_address_resolves("fd00::1/64", &HostResolver::Names(vec![])),
            Ok(None)
        );
        assert_eq!(
            check_net_address_resolves("web2/24", &names),
            Err(AddressError::UnknownHost("web2".into()))
        );
        assert!(matches!(
            check_net_address_resolves("-bad", &names),
            Err(AddressError::BogusHost(_))
        ));
        // The system resolver knows localhost from /etc/hosts.
        assert!(HostResolver::System.resolves("localhost"));
    }

    #[test]
    fn cpu_incompatibilities() {
        let mut c = base();
        c.dedicated_cpu = Some(DedicatedCpu {
            ncpu_min: "1".into(),
            ncpu_max: "2".into(),
            importance: String::new(),
        });
        for name in ["zone.cpu-shares", "zone.cpu-cap"] {
            c.rctls.push(Rctl {
                name: name.into(),
                values: vec![RctlValue {
                    privilege: "privileged".into(),
                    limit: "5".into(),
                    action: "none".into(),
                }],
            });
        }
        c.scheduling_class = "TS".into();
        let r = run(&c);
        assert_eq!(
            r.lines,
            vec![
                "rctl zone.cpu-shares and dedicated-cpu are incompatible.",
                "WARNING: rctl zone.cpu-shares and scheduling-class=TS are incompatible",
                "rctl zone.cpu-cap and the dedicated-cpu are incompatible.",
            ]
        );
        assert_eq!(r.summary("z").unwrap(), "z: Incompatible settings");
    }

    #[test]
    fn aborting_problems() {
        let mut c = base();
        c.limitpriv = "default,sys_config".into();
        let r = run(&c);
        assert_eq!(r.lines, vec!["z: invalid privilege: sys_config"]);
        assert_eq!(r.outcome, Outcome::Aborted);
        let mut c = base();
        c.brand = "ipkg".into();
        assert_eq!(
            run(&c).lines,
            vec!["z: unknown brand.", "z: Invalid document"]
        );
        let mut c = base();
        c.hostid = "xyz".into();
        assert_eq!(run(&c).lines, vec!["z: invalid hostid: xyz"]);
        let mut c = base();
        c.fs_allowed = "ufs,".into();
        assert_eq!(run(&c).lines, vec!["z: invalid fs-allowed: ufs,"]);
    }

    #[test]
    fn admins() {
        let mut c = base();
        c.admins.push(Admin {
            user: "zadmin".into(),
            auths: "login,bogus".into(),
        });
        let r = run(&c);
        assert_eq!(r.lines, vec!["'bogus' is not a valid authorization"]);
        assert_eq!(r.summary("z").unwrap(), "z: Bad document property");
    }

    #[test]
    fn addresses() {
        assert_eq!(check_net_address("192.168.0.1/24", false), Ok(None));
        assert_eq!(check_net_address("192.168.0.1", false), Ok(None));
        assert_eq!(check_net_address("host-1.example", false), Ok(None));
        assert_eq!(check_net_address("fe80::1/64", false), Ok(None));
        assert_eq!(
            check_net_address("fe80::1", false).unwrap_err().to_string(),
            "fe80::1: IPv6 addresses require /prefix-length suffix."
        );
        assert_eq!(
            check_net_address("fe80::1/129", false)
                .unwrap_err()
                .to_string(),
            "fe80::1/129: IPv6 address prefix lengths must be 0 - 128."
        );
        assert_eq!(
            check_net_address("10.0.0.1/33", false)
                .unwrap_err()
                .to_string(),
            "10.0.0.1/33: IPv4 address prefix lengths must be 0 - 32."
        );
        assert_eq!(
            check_net_address("-bad", false).unwrap_err().to_string(),
            "-bad: bogus host name or network address syntax"
        );
        assert_eq!(
            check_net_address("a_b/24", false).unwrap_err().to_string(),
            "a_b: bogus host name or network address syntax"
        );
        assert_eq!(check_net_address("fe80::1", true), Ok(None));
        assert_eq!(
            check_net_address("10.0.0.1/24", true),
            Ok(Some("Warning: prefix length in 10.0.0.1/24 is not required and will be ignored. The default host-prefix length will be used".into()))
        );
    }

    #[test]
    fn physical_names() {
        assert!(check_physical("eth0", IpType::Shared).is_ok());
        assert!(check_physical("br-lan", IpType::Exclusive).is_ok());
        assert_eq!(
            check_physical("eth0:1", IpType::Shared)
                .unwrap_err()
                .to_string(),
            "eth0:1: LUNs not allowed in physical interface names"
        );
        assert_eq!(
            check_physical("eth0:1", IpType::Exclusive)
                .unwrap_err()
                .to_string(),
            "eth0:1: physical interface name required; logical interface name not allowed"
        );
        assert_eq!(
            check_physical("a/b", IpType::Shared)
                .unwrap_err()
                .to_string(),
            "a/b: invalid physical interface name"
        );
        assert!(check_physical("0123456789abcdef", IpType::Shared).is_err());
    }

    #[test]
    fn value_checks() {
        assert!(is_valid_fs_type("lofs"));
        assert!(!is_valid_fs_type("a/b"));
        assert!(!is_valid_fs_type(".."));
        assert_eq!(parse_ncpus("2"), Some(("2".into(), "2".into())));
        assert_eq!(parse_ncpus("1-3"), Some(("1".into(), "3".into())));
        assert_eq!(parse_ncpus("0"), None);
        assert_eq!(parse_ncpus("3-1"), None);
        assert_eq!(parse_ncpus("a"), None);
        assert_eq!(parse_ncpus("1-2-3"), None);
        assert!(is_valid_importance("0"));
        assert!(!is_valid_importance("-1"));
        assert_eq!(parse_cpu_cap("3"), Some(300));
        assert_eq!(parse_cpu_cap("1.5"), Some(150));
        assert_eq!(parse_cpu_cap("0.01"), Some(1));
        assert_eq!(parse_cpu_cap("0.001"), None);
        assert_eq!(parse_cpu_cap("0"), None);
        assert_eq!(parse_cpu_cap("-1"), None);
        assert_eq!(parse_cpu_cap("inf"), None);
        assert_eq!(check_hostid("0x1234abcd"), Ok(()));
        assert_eq!(check_hostid("1234abcd"), Ok(()));
        assert_eq!(check_hostid("ffffffff"), Err(HostidError::Invalid));
        assert_eq!(check_hostid("0x123456789"), Err(HostidError::TooLarge));
        assert_eq!(check_hostid("12345678901"), Err(HostidError::TooLarge));
        assert_eq!(check_hostid("xyz"), Err(HostidError::Invalid));
        assert_eq!(check_fs_allowed("ufs,pcfs,hsfs"), Ok(()));
        assert_eq!(check_fs_allowed("ufs,,x"), Err(FsAllowedError::Invalid));
        assert_eq!(check_fs_allowed("a_b"), Err(FsAllowedError::Invalid));
        assert!(is_valid_dataset_name("tank/zone1"));
        assert!(is_valid_dataset_name("tank"));
        assert!(!is_valid_dataset_name("tank/"));
        assert!(!is_valid_dataset_name("1tank"));
        assert!(!is_valid_dataset_name("tank@snap"));
        assert!(check_attr("comment", "string", "hello world").is_empty());
        assert_eq!(
            check_attr("-x", "int", "a"),
            vec![
                "Invalid attr name -x: must start with an alpha-numeric character.",
                "invalid attr value for type=int"
            ]
        );
        assert_eq!(
            check_attr("a_b", "uint", "-1"),
            vec![
                "Invalid attr name a_b: can only contain alpha-numeric characters, plus '-' and '.'.",
                "invalid attr value for type=uint"
            ]
        );
        assert_eq!(
            check_attr("a", "float", "1"),
            vec!["invalid attr type 'float'"]
        );
        assert!(check_attr("a", "boolean", "true").is_empty());
        for t in ATTR_TYPES {
            let lines = check_attr("a", t, "");
            assert!(
                lines.iter().all(|l| !l.starts_with("invalid attr type")),
                "{t}"
            );
        }
        assert!(!check_attr("a", "boolean", "yes").is_empty());
        assert_eq!(
            invalid_auths("login,manage,clonefrom"),
            Vec::<String>::new()
        );
        assert_eq!(
            check_security_flags(&SecurityFlags {
                lower: "aslr".into(),
                default: String::new(),
                upper: "bogus".into()
            }),
            vec!["upper security flags 'bogus' are invalid"]
        );
        assert_eq!(
            check_security_flags(&SecurityFlags {
                lower: "aslr".into(),
                default: "noexecstack".into(),
                upper: "noexecstack".into()
            }),
            vec!["default secflags must be above the lower limit"]
        );
    }
}
