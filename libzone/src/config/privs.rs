//! Solaris privileges and a zone's `limitpriv` (spec §7).
//!
//! `limitpriv` is read the way libzonecfg's `zonecfg_get_privset()` reads it: unset or
//! `default` gives the brand's default set; a list whose first word is `default` adds the
//! remaining words to `basic` plus the default set; any other list is parsed on its own like
//! `priv_str_to_set(3C)`: comma separated words `all`, `none`, `basic` or a privilege name
//! (any case), each optionally negated with `!` or `-`, applied left to right to an empty set.
//! The word `zone` is refused. The result must contain no prohibited and all required
//! privileges; both lists depend on the zone's IP type.
//!
//! # Linux extension
//!
//! Solaris privileges do not map one to one onto Linux capabilities (see
//! [`linux_capabilities`]). So that an administrator can still hand a zone a capability no
//! privilege maps to, `limitpriv` also accepts Linux capability names written `cap_<name>`
//! (any case, e.g. `cap_sys_admin` or `CAP_NET_ADMIN`), negatable like privileges. Such a word
//! grants (or removes) exactly that capability; it is not subject to the prohibited list,
//! since naming a capability explicitly is the administrator's deliberate decision.

use crate::config::model::IpType;
use std::collections::BTreeSet;

/// Every privilege of illumos `usr/src/uts/common/os/priv_defs`, in its order.
pub const ALL_PRIVILEGES: &[&str] = &[
    "contract_event",
    "contract_identity",
    "contract_observer",
    "cpc_cpu",
    "dtrace_kernel",
    "dtrace_proc",
    "dtrace_user",
    "file_chown",
    "file_chown_self",
    "file_dac_execute",
    "file_dac_read",
    "file_dac_search",
    "file_dac_write",
    "file_downgrade_sl",
    "file_flag_set",
    "file_link_any",
    "file_owner",
    "file_read",
    "file_setid",
    "file_upgrade_sl",
    "file_write",
    "graphics_access",
    "graphics_map",
    "ipc_dac_read",
    "ipc_dac_write",
    "ipc_owner",
    "net_access",
    "net_bindmlp",
    "net_icmpaccess",
    "net_mac_aware",
    "net_mac_implicit",
    "net_observability",
    "net_privaddr",
    "net_rawaccess",
    "proc_audit",
    "proc_chroot",
    "proc_clock_highres",
    "proc_exec",
    "proc_fork",
    "proc_info",
    "proc_lock_memory",
    "proc_meminfo",
    "proc_owner",
    "proc_prioup",
    "proc_priocntl",
    "proc_secflags",
    "proc_session",
    "proc_setid",
    "proc_taskid",
    "proc_zone",
    "sys_acct",
    "sys_admin",
    "sys_audit",
    "sys_config",
    "sys_devices",
    "sys_ipc_config",
    "sys_linkdir",
    "sys_mount",
    "sys_iptun_config",
    "sys_dl_config",
    "sys_ip_config",
    "sys_net_config",
    "sys_nfs",
    "sys_ppp_config",
    "sys_res_bind",
    "sys_res_config",
    "sys_resource",
    "sys_smb",
    "sys_suser_compat",
    "sys_time",
    "sys_trans_label",
    "virt_manage",
    "win_colormap",
    "win_config",
    "win_dac_read",
    "win_dac_write",
    "win_devices",
    "win_dga",
    "win_downgrade_sl",
    "win_fontpath",
    "win_mac_read",
    "win_mac_write",
    "win_selection",
    "win_upgrade_sl",
    "xvm_control",
];

/// The `basic` privileges every process has.
pub const BASIC: &[&str] = &[
    "file_link_any",
    "file_read",
    "file_write",
    "net_access",
    "proc_exec",
    "proc_fork",
    "proc_info",
    "proc_secflags",
    "proc_session",
];

/// The brand's default zone privileges besides `basic`, for every IP type.
const DEFAULT_ALL: &[&str] = &[
    "contract_event",
    "contract_identity",
    "contract_observer",
    "file_chown",
    "file_chown_self",
    "file_dac_execute",
    "file_dac_read",
    "file_dac_search",
    "file_dac_write",
    "file_owner",
    "file_setid",
    "ipc_dac_read",
    "ipc_dac_write",
    "ipc_owner",
    "net_bindmlp",
    "net_icmpaccess",
    "net_mac_aware",
    "net_observability",
    "net_privaddr",
    "proc_audit",
    "proc_chroot",
    "proc_lock_memory",
    "proc_owner",
    "proc_setid",
    "proc_taskid",
    "sys_acct",
    "sys_admin",
    "sys_audit",
    "sys_mount",
    "sys_nfs",
    // Not sys_resource, which Solaris' default set holds: on Linux it is CAP_SYS_RESOURCE,
    // which also raises hard rlimits (RLIMIT_MEMLOCK among them, so locked memory would be
    // unbounded) and fills the root-reserved blocks of the file system the zonepath shares
    // with the host. Docker leaves it out too; `limitpriv=default,sys_resource` grants it.
];

/// Default privileges an exclusive-IP zone gets in addition (it owns its network stack).
const DEFAULT_EXCLUSIVE: &[&str] = &[
    "net_rawaccess",
    "sys_ip_config",
    "sys_iptun_config",
    "sys_ppp_config",
];

/// Privileges no non-global zone may have.
const PROHIBITED_ALL: &[&str] = &[
    "dtrace_kernel",
    "proc_zone",
    "sys_config",
    "sys_devices",
    "sys_linkdir",
    "sys_net_config",
    "sys_res_config",
    "sys_suser_compat",
    "xvm_control",
    "virt_manage",
];

/// Privileges a shared-IP zone may not have (they would change the host's network stack).
const PROHIBITED_SHARED: &[&str] = &["sys_ip_config", "sys_iptun_config", "sys_ppp_config"];

/// Privileges a zone needs to boot.
const REQUIRED_ALL: &[&str] = &["proc_exec", "proc_fork", "sys_mount"];

/// Required in addition for an exclusive-IP zone (to configure its interfaces).
const REQUIRED_EXCLUSIVE: &[&str] = &["sys_ip_config"];

/// The default set of a zone: `basic` plus the brand defaults for its IP type.
pub fn default_set(ip: IpType) -> BTreeSet<&'static str> {
    let mut set: BTreeSet<&'static str> = BASIC.iter().copied().collect();
    set.extend(DEFAULT_ALL.iter().copied());
    if ip == IpType::Exclusive {
        set.extend(DEFAULT_EXCLUSIVE.iter().copied());
    }
    set
}

/// The privileges a zone of this IP type may never have.
pub fn prohibited(ip: IpType) -> Vec<&'static str> {
    let mut v = PROHIBITED_ALL.to_vec();
    if ip == IpType::Shared {
        v.extend_from_slice(PROHIBITED_SHARED);
    }
    v
}

/// The privileges a zone of this IP type must keep.
pub fn required(ip: IpType) -> Vec<&'static str> {
    let mut v = REQUIRED_ALL.to_vec();
    if ip == IpType::Exclusive {
        v.extend_from_slice(REQUIRED_EXCLUSIVE);
    }
    v
}

/// Every Linux capability by its kernel name, in number order (0..=40).
pub const LINUX_CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// A zone's resolved privilege limit: Solaris privileges plus capabilities granted directly
/// with `cap_<name>` words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ZonePrivs {
    pub privileges: BTreeSet<&'static str>,
    pub capabilities: BTreeSet<&'static str>,
}

/// Why a `limitpriv` is refused. zonecfg `verify` prints every kind as
/// `<zone>: invalid privilege: <name>`; the `Display` texts are zoneadm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivError {
    #[error("unknown privilege \"{0}\" specified in the zone's privilege set")]
    Unknown(String),
    #[error("privilege \"{0}\" is not permitted within the zone's privilege set")]
    Prohibited(String),
    #[error("required privilege \"{0}\" is missing from the zone's privilege set")]
    Required(String),
}

impl PrivError {
    /// The offending privilege (or word).
    pub fn privilege(&self) -> &str {
        match self {
            PrivError::Unknown(p) | PrivError::Prohibited(p) | PrivError::Required(p) => p,
        }
    }

    /// libzonecfg's text for the error kind.
    pub fn libzonecfg_text(&self) -> &'static str {
        match self {
            PrivError::Unknown(_) => "Specified privilege is unknown",
            PrivError::Prohibited(_) => "Specified privilege is prohibited",
            PrivError::Required(_) => "Required privilege is missing",
        }
    }
}

/// The entry of `table` that `word` names, in any case.
fn named(table: &[&'static str], word: &str) -> Option<&'static str> {
    table.iter().copied().find(|p| p.eq_ignore_ascii_case(word))
}

/// Parses a privilege list like `priv_str_to_set(3C)` (plus `cap_<name>` words) into a set,
/// starting from an empty one. An unknown word is returned as written.
pub fn parse_priv_list(list: &str) -> Result<ZonePrivs, PrivError> {
    let mut set = ZonePrivs::default();
    apply_priv_list(&mut set, list)?;
    Ok(set)
}

/// Applies the words of a privilege list, left to right, to `set`.
pub fn apply_priv_list(set: &mut ZonePrivs, list: &str) -> Result<(), PrivError> {
    for word in list.split(',').filter(|w| !w.is_empty()) {
        let (negate, name) = match word.strip_prefix('!').or_else(|| word.strip_prefix('-')) {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let apply = |target: &mut BTreeSet<&'static str>, items: &[&'static str]| {
            for p in items {
                if negate {
                    target.remove(p);
                } else {
                    target.insert(p);
                }
            }
        };
        if name.eq_ignore_ascii_case("all") {
            apply(&mut set.privileges, ALL_PRIVILEGES);
        } else if name.eq_ignore_ascii_case("none") {
            if !negate {
                set.privileges.clear();
            }
        } else if name.eq_ignore_ascii_case("basic") {
            apply(&mut set.privileges, BASIC);
        } else if let Some(p) = named(ALL_PRIVILEGES, name) {
            apply(&mut set.privileges, &[p]);
        } else if let Some(c) = named(LINUX_CAPABILITIES, name) {
            apply(&mut set.capabilities, &[c]);
        } else {
            return Err(PrivError::Unknown(word.to_string()));
        }
    }
    Ok(())
}

/// The privilege limit of a zone with this `limitpriv` and IP type, checked against the
/// prohibited and required lists (`zonecfg_get_privset()`).
pub fn zone_privset(limitpriv: &str, ip: IpType) -> Result<ZonePrivs, PrivError> {
    let defaults = || ZonePrivs {
        privileges: default_set(ip),
        capabilities: BTreeSet::new(),
    };
    if limitpriv.is_empty() || limitpriv == "default" {
        return Ok(defaults());
    }
    // "default,x,y" is the default set followed by x and y, so a negation in the list can
    // take a default privilege away again.
    let (mut set, rest) = match limitpriv.split_once(',') {
        Some(("default", rest)) => (defaults(), rest),
        _ => (ZonePrivs::default(), limitpriv),
    };
    if rest.split(',').any(|w| w == "zone") {
        return Err(PrivError::Unknown("zone".to_string()));
    }
    apply_priv_list(&mut set, rest)?;
    if let Some(p) = prohibited(ip)
        .into_iter()
        .find(|p| set.privileges.contains(p))
    {
        return Err(PrivError::Prohibited(p.to_string()));
    }
    if let Some(p) = required(ip)
        .into_iter()
        .find(|p| !set.privileges.contains(p))
    {
        return Err(PrivError::Required(p.to_string()));
    }
    Ok(set)
}

/// The Linux capabilities a zone process may hold for a privilege limit.
///
/// Mapping (anything not listed maps to nothing). The last column says what a grant lets a
/// zone's root do beyond a default zone (the seccomp filter, `seccomp::profile`, lets
/// through the calls each capability needs, as Docker's default profile does), so an
/// administrator sees what a `limitpriv` weakens:
///
/// | Solaris privileges | Linux capabilities | a grant (beyond the default set) weakens |
/// |---|---|---|
/// | file_chown, file_chown_self | CAP_CHOWN | (default) |
/// | file_dac_execute, file_dac_write, file_dac_read, file_dac_search | CAP_DAC_OVERRIDE | (default) |
/// | file_owner | CAP_FOWNER | (default) |
/// | file_setid | CAP_FSETID, CAP_SETFCAP | (default) |
/// | ipc_dac_read, ipc_dac_write, ipc_owner | CAP_IPC_OWNER | (default; the zone's own IPC namespace only) |
/// | net_privaddr, net_bindmlp | CAP_NET_BIND_SERVICE | (default; ports of the zone's own network namespace) |
/// | net_rawaccess | CAP_NET_RAW | raw and packet sockets on the zone's own links (default for exclusive-IP) |
/// | sys_ip_config, sys_iptun_config, sys_ppp_config | CAP_NET_ADMIN | (exclusive-IP only: its own network stack) |
/// | proc_chroot | CAP_SYS_CHROOT, `chroot` | (default) |
/// | proc_lock_memory | CAP_IPC_LOCK | (default) unless `capped-memory locked` is set, see [`zone_capabilities`] |
/// | proc_owner | CAP_KILL | (default; only processes its pid namespace shows) |
/// | proc_setid | CAP_SETUID, CAP_SETGID | (default) |
/// | proc_audit | CAP_AUDIT_WRITE | (default) |
/// | proc_priocntl | CAP_SYS_NICE, NUMA policy calls | real-time priorities: zone processes can starve the host's on their CPUs |
/// | sys_resource, sys_ipc_config | CAP_SYS_RESOURCE | (not default, unlike Solaris) raising its own hard rlimits (locked memory included), exceeding quotas and filling the reserved blocks of the file system holding the zonepath; cgroup limits hold |
/// | sys_time | CAP_SYS_TIME, `clock_settime`, `settimeofday`, `stime` | **the host's clock**: there is one system clock, the zone sets it for everyone |
/// | dtrace_proc, dtrace_user | CAP_SYS_PTRACE, `kcmp`, `pidfd_getfd`, `process_madvise` | tracing any process of the zone whatever its credentials (host processes stay invisible to it) |
/// | sys_devices | CAP_MKNOD | (prohibited) |
/// | sys_config | CAP_SYS_ADMIN | (prohibited) |
/// | sys_linkdir | CAP_LINUX_IMMUTABLE | (prohibited) |
/// | dtrace_kernel | CAP_SYS_MODULE | (prohibited) |
/// | proc_clock_highres | CAP_WAKE_ALARM | timers that wake the host from suspend |
///
/// Solaris' `file_dac_read` and `file_dac_search` map to CAP_DAC_OVERRIDE, which already
/// bypasses read and search permission checks, and not to CAP_DAC_READ_SEARCH: that
/// capability also opens files by handle (`open_by_handle_at`), which reaches any file of a
/// file system the zone root shares with the host, outside every mount and chroot (the
/// "shocker" escape). No privilege yields it.
///
/// Capabilities named directly with `cap_<name>` are added as they are, and each brings the
/// calls it needs through the filter: `cap_dac_read_search` re-opens `open_by_handle_at`
/// (the whole host file system), `cap_sys_admin` mounts, new namespaces (user namespaces
/// included), `bpf`, `setns` and more, `cap_sys_module` module loading, `cap_sys_rawio` and
/// `cap_mknod` raw devices, `cap_sys_boot` rebooting the host. Those are for zones whose root
/// the host trusts.
///
/// So the default set never yields CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO,
/// CAP_SYS_TIME, CAP_MKNOD, CAP_DAC_READ_SEARCH, CAP_SYS_RESOURCE or CAP_NET_ADMIN (the latter only for
/// exclusive-IP zones, whose own network stack it configures).
pub fn linux_capabilities(set: &ZonePrivs) -> BTreeSet<&'static str> {
    let mut caps: BTreeSet<&'static str> = set.capabilities.clone();
    for p in &set.privileges {
        caps.extend(capabilities_of(p).iter().copied());
    }
    caps
}

/// Capabilities that would void `capped-memory locked` (`zone.max-locked-memory`, enforced
/// as every zone process's RLIMIT_MEMLOCK): CAP_IPC_LOCK locks memory past the limit, and
/// CAP_SYS_RESOURCE raises the limit itself.
pub const VOID_LOCKED_MEMORY_CAP: [&str; 2] = ["CAP_IPC_LOCK", "CAP_SYS_RESOURCE"];

/// The capabilities of a zone's processes: [`linux_capabilities`], less
/// [`VOID_LOCKED_MEMORY_CAP`] when the zone's locked memory is capped, unless the
/// administrator named them with `cap_<name>` (then the cap is theirs to void).
pub fn zone_capabilities(set: &ZonePrivs, locked_memory_capped: bool) -> BTreeSet<&'static str> {
    let mut caps = linux_capabilities(set);
    if locked_memory_capped {
        for c in VOID_LOCKED_MEMORY_CAP {
            if !set.capabilities.contains(c) {
                caps.remove(c);
            }
        }
    }
    caps
}

/// Capabilities the default set of a shared-IP zone never yields (see
/// [`linux_capabilities`]); the tests hold the mapping to it.
#[cfg(test)]
pub(crate) const NEVER_BY_DEFAULT: [&str; 8] = [
    "CAP_SYS_ADMIN",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_TIME",
    "CAP_MKNOD",
    "CAP_NET_ADMIN",
    "CAP_DAC_READ_SEARCH",
];

/// The capabilities one privilege maps to.
fn capabilities_of(privilege: &str) -> &'static [&'static str] {
    match privilege {
        "file_chown" | "file_chown_self" => &["CAP_CHOWN"],
        // Not CAP_DAC_READ_SEARCH, which opens files by handle (see linux_capabilities).
        "file_dac_execute" | "file_dac_write" | "file_dac_read" | "file_dac_search" => {
            &["CAP_DAC_OVERRIDE"]
        }
        "file_owner" => &["CAP_FOWNER"],
        "file_setid" => &["CAP_FSETID", "CAP_SETFCAP"],
        "ipc_dac_read" | "ipc_dac_write" | "ipc_owner" => &["CAP_IPC_OWNER"],
        "net_privaddr" | "net_bindmlp" => &["CAP_NET_BIND_SERVICE"],
        "net_rawaccess" => &["CAP_NET_RAW"],
        "sys_ip_config" | "sys_iptun_config" | "sys_ppp_config" => &["CAP_NET_ADMIN"],
        "proc_chroot" => &["CAP_SYS_CHROOT"],
        "proc_lock_memory" => &["CAP_IPC_LOCK"],
        "proc_owner" => &["CAP_KILL"],
        "proc_setid" => &["CAP_SETUID", "CAP_SETGID"],
        "proc_audit" => &["CAP_AUDIT_WRITE"],
        "proc_priocntl" => &["CAP_SYS_NICE"],
        "sys_resource" | "sys_ipc_config" => &["CAP_SYS_RESOURCE"],
        "sys_time" => &["CAP_SYS_TIME"],
        "dtrace_proc" | "dtrace_user" => &["CAP_SYS_PTRACE"],
        "sys_devices" => &["CAP_MKNOD"],
        "sys_config" => &["CAP_SYS_ADMIN"],
        "sys_linkdir" => &["CAP_LINUX_IMMUTABLE"],
        "dtrace_kernel" => &["CAP_SYS_MODULE"],
        "proc_clock_highres" => &["CAP_WAKE_ALARM"],
        // Deliberately nothing for: sys_mount and sys_admin (Linux's mount(2) and
        // sethostname(2) need CAP_SYS_ADMIN, which also covers namespaces, BPF, quotas and
        // much more, far broader than Solaris' sys_mount/sys_admin; a zone's mounts are made
        // for it at boot instead); sys_acct and sys_audit (process accounting and audit
        // control are not namespaced on Linux, so they would reach the whole host); sys_nfs,
        // the contract_* privileges, net_icmpaccess (Linux ping sockets need no capability),
        // net_observability, net_mac_aware, proc_taskid, and the basic privileges, which
        // every Linux process already has the equivalent of.
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(set: &BTreeSet<&str>) -> Vec<String> {
        set.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_sets() {
        let shared = zone_privset("", IpType::Shared).unwrap();
        assert_eq!(shared, zone_privset("default", IpType::Shared).unwrap());
        assert!(shared.privileges.contains("sys_mount"));
        assert!(shared.privileges.contains("proc_fork"));
        assert!(!shared.privileges.contains("sys_ip_config"));
        let excl = zone_privset("", IpType::Exclusive).unwrap();
        assert!(excl.privileges.contains("sys_ip_config"));
        assert!(excl.privileges.contains("net_rawaccess"));
        assert_eq!(
            excl.privileges.len(),
            shared.privileges.len() + DEFAULT_EXCLUSIVE.len()
        );
        for p in ALL_PRIVILEGES {
            assert_eq!(named(ALL_PRIVILEGES, &p.to_uppercase()), Some(*p));
        }
    }

    #[test]
    fn limitpriv_lists() {
        let s = zone_privset("default,sys_time", IpType::Shared).unwrap();
        assert!(s.privileges.contains("sys_time"));
        assert!(s.privileges.contains("file_chown"));
        let s = zone_privset("default,!net_rawaccess", IpType::Exclusive).unwrap();
        assert!(!s.privileges.contains("net_rawaccess"));
        let s = zone_privset("default,dtrace_proc,dtrace_user", IpType::Shared).unwrap();
        assert!(s.privileges.contains("dtrace_user"));
        let s = zone_privset("basic,sys_mount", IpType::Shared).unwrap();
        assert_eq!(s.privileges.len(), BASIC.len() + 1);
        let s = zone_privset("default,-file_chown,SYS_TIME", IpType::Shared).unwrap();
        assert!(!s.privileges.contains("file_chown"));
        assert!(s.privileges.contains("sys_time"));
    }

    #[test]
    fn limitpriv_errors() {
        use IpType::{Exclusive, Shared};
        use PrivError::{Prohibited, Required, Unknown};
        for (limitpriv, ip, err) in [
            ("default,zone", Shared, Unknown("zone".into())),
            ("default,bogus", Shared, Unknown("bogus".into())),
            (
                "default,sys_config",
                Shared,
                Prohibited("sys_config".into()),
            ),
            (
                "default,sys_ip_config",
                Shared,
                Prohibited("sys_ip_config".into()),
            ),
            ("default,!sys_mount", Shared, Required("sys_mount".into())),
            (
                "default,!sys_ip_config",
                Exclusive,
                Required("sys_ip_config".into()),
            ),
            ("basic", Shared, Required("sys_mount".into())),
            ("sys_time,default", Shared, Unknown("default".into())),
        ] {
            assert_eq!(zone_privset(limitpriv, ip), Err(err), "{limitpriv}");
        }
        assert!(zone_privset("default,sys_ip_config", IpType::Exclusive).is_ok());
        assert!(matches!(
            zone_privset("all", IpType::Shared),
            Err(PrivError::Prohibited(_))
        ));
        assert_eq!(
            PrivError::Required("sys_mount".into()).to_string(),
            "required privilege \"sys_mount\" is missing from the zone's privilege set"
        );
        assert_eq!(
            PrivError::Prohibited("x".into()).to_string(),
            "privilege \"x\" is not permitted within the zone's privilege set"
        );
        assert_eq!(
            PrivError::Unknown("x".into()).to_string(),
            "unknown privilege \"x\" specified in the zone's privilege set"
        );
    }

    #[test]
    fn capabilities() {
        let def = zone_privset("", IpType::Shared).unwrap();
        let caps = linux_capabilities(&def);
        for forbidden in NEVER_BY_DEFAULT {
            assert!(
                !caps.contains(forbidden),
                "{forbidden} in {:?}",
                names(&caps)
            );
        }
        for expected in [
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_FOWNER",
            "CAP_FSETID",
            "CAP_SETFCAP",
            "CAP_KILL",
            "CAP_SETUID",
            "CAP_SETGID",
            "CAP_SYS_CHROOT",
            "CAP_NET_BIND_SERVICE",
            "CAP_IPC_LOCK",
            "CAP_IPC_OWNER",
            "CAP_AUDIT_WRITE",
        ] {
            assert!(caps.contains(expected), "{expected} missing");
        }
        let excl = linux_capabilities(&zone_privset("", IpType::Exclusive).unwrap());
        assert!(excl.contains("CAP_NET_ADMIN"));
        assert!(excl.contains("CAP_NET_RAW"));
        let with_time =
            linux_capabilities(&zone_privset("default,sys_time", IpType::Shared).unwrap());
        assert!(with_time.contains("CAP_SYS_TIME"));
        // The Linux extension: capabilities by name, any case, negatable.
        let direct = zone_privset("default,cap_sys_admin,CAP_NET_ADMIN", IpType::Shared).unwrap();
        let caps = linux_capabilities(&direct);
        assert!(caps.contains("CAP_SYS_ADMIN"));
        assert!(caps.contains("CAP_NET_ADMIN"));
        let removed = zone_privset("default,cap_sys_admin,!cap_sys_admin", IpType::Shared).unwrap();
        assert!(!linux_capabilities(&removed).contains("CAP_SYS_ADMIN"));
        assert_eq!(
            zone_privset("default,cap_bogus", IpType::Shared),
            Err(PrivError::Unknown("cap_bogus".into()))
        );
    }

    #[test]
    fn file_dac_privileges_open_no_file_handles() {
        for p in ["file_dac_read", "file_dac_search"] {
            let set = zone_privset(&format!("basic,sys_mount,{p}"), IpType::Shared).unwrap();
            let caps = linux_capabilities(&set);
            assert!(!caps.contains("CAP_DAC_READ_SEARCH"), "{p}");
            assert!(caps.contains("CAP_DAC_OVERRIDE"), "{p}");
        }
        let all = zone_privset("all,!sys_config,!sys_devices,!sys_linkdir,!dtrace_kernel,!proc_zone,!sys_net_config,!sys_res_config,!sys_suser_compat,!xvm_control,!virt_manage,!sys_ip_config,!sys_iptun_config,!sys_ppp_config", IpType::Shared).unwrap();
        assert!(!linux_capabilities(&all).contains("CAP_DAC_READ_SEARCH"));
        let named = zone_privset("default,cap_dac_read_search", IpType::Shared).unwrap();
        assert!(linux_capabilities(&named).contains("CAP_DAC_READ_SEARCH"));
    }

    #[test]
    fn capped_locked_memory_drops_what_would_void_it() {
        let def = zone_privset("default,sys_resource", IpType::Shared).unwrap();
        let free = zone_capabilities(&def, false);
        assert!(free.contains("CAP_IPC_LOCK") && free.contains("CAP_SYS_RESOURCE"));
        let capped = zone_capabilities(&def, true);
        assert!(!capped.contains("CAP_IPC_LOCK") && !capped.contains("CAP_SYS_RESOURCE"));
        assert_eq!(capped.len(), free.len() - 2);
        let named = zone_privset("default,cap_ipc_lock", IpType::Shared).unwrap();
        let capped = zone_capabilities(&named, true);
        assert!(capped.contains("CAP_IPC_LOCK") && !capped.contains("CAP_SYS_RESOURCE"));
    }
}
