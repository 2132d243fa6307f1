//! Linux capability sets by name, as `/proc/<pid>/status` shows them (hex masks).

use std::collections::BTreeSet;

/// Linux capability names by bit number.
pub const CAP_NAMES: [&str; 41] = [
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

/// The capability names of a `/proc/<pid>/status` hex mask.
pub fn cap_names(hex: &str) -> BTreeSet<String> {
    let mask = u64::from_str_radix(hex.trim(), 16).unwrap_or_else(|_| panic!("bad mask {hex}"));
    (0..64)
        .filter(|b| mask & (1u64 << b) != 0)
        .map(|b| {
            CAP_NAMES
                .get(b)
                .map_or_else(|| format!("CAP_{b}"), |n| n.to_string())
        })
        .collect()
}

/// `CapBnd` and `CapEff` of a status text.
pub fn cap_sets(status: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:\t")))
            .unwrap_or_else(|| panic!("no {name} in\n{status}"))
            .to_string()
    };
    (cap_names(&field("CapBnd")), cap_names(&field("CapEff")))
}

/// The bounding set of this (host) process: no zone can hold more.
pub fn host_bounding() -> BTreeSet<String> {
    cap_sets(&std::fs::read_to_string("/proc/self/status").unwrap()).0
}
