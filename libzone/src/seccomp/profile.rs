//! The default seccomp filter of a zone, in the OCI form the plan carries (`linux.seccomp`).
//!
//! Modelled on Docker's default profile: an allow-list, `EPERM` for every other call, and
//! `ENOSYS` for `clone3` (whose flags a filter cannot read) so that libc falls back to
//! `clone`, whose namespace flags are checked. Calls that only a capability makes useful are
//! allowed only when the zone holds that capability, as Docker conditions them, so a
//! `limitpriv` grant (see `config::privs`) brings the calls it needs with it: `sys_time`
//! gives CAP_SYS_TIME and with it `clock_settime`, `settimeofday`.
//!
//! What no default zone can call, whatever its root does: file handles
//! (`open_by_handle_at`, `name_to_handle_at`), keyrings (`keyctl`, `add_key`,
//! `request_key`, which are not namespaced: zone uid 0 is host uid 0), `bpf`,
//! `perf_event_open`, `userfaultfd`, `io_uring_*`, `kexec_*`, module loading, the mount
//! family (`mount`, `umount2`, `fsopen`, `fsmount`, `fsconfig`, `fspick`, `move_mount`,
//! `open_tree`, `mount_setattr`, `pivot_root`), new namespaces (`unshare`, `setns`, `clone`
//! with a `CLONE_NEW*` flag), `personality` beyond the harmless values, AF_ALG and AF_VSOCK
//! sockets. `ptrace` stays allowed as Docker allows it on kernels from 4.8 on (a filter
//! cannot be bypassed through it there); the zone's pid namespace leaves only its own
//! processes to trace.
//!
//! Only the native system call ABI is allowed: a 32-bit (`int 0x80`) or x32 call is not
//! filtered by number but refused outright (the kernel kills the thread), which keeps the
//! filter half the size, quick to load, and closes the compat entry points that have been
//! the source of many kernel bugs. 32-bit programs therefore do not run in zones.

use oci_spec::runtime::{
    Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompArgBuilder,
    LinuxSeccompOperator, LinuxSyscall,
};
use std::collections::BTreeSet;

/// `EPERM`: what every call outside the allow-list returns.
pub const DEFAULT_ERRNO: u32 = libc::EPERM as u32;

/// The namespace flags `clone` may not carry (Docker's mask).
pub const CLONE_NAMESPACE_FLAGS: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWCGROUP) as u64;

/// `personality(2)` values Docker lets through: PER_LINUX, PER_LINUX32, UNAME26 with and
/// without PER_LINUX32, and the query (0xffffffff).
pub const PERSONALITIES: [u64; 5] = [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff];

/// `AF_ALG` and `AF_VSOCK`: socket families refused (kernel crypto and host-VM sockets).
const AF_ALG: u64 = 38;
const AF_VSOCK: u64 = 40;

/// Calls every zone process may make (Docker's list, less `name_to_handle_at`, which only
/// serves `open_by_handle_at`).
const ALLOWED: &[&str] = &[
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "cachestat",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_requeue",
    "futex_time64",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "getxattrat",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listmount",
    "listxattr",
    "listxattrat",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "map_shadow_stack",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "mseal",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "removexattrat",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "riscv_hwprobe",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "setxattrat",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statmount",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "uretprobe",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
];

/// Calls allowed only with a capability, as Docker conditions them.
const WITH_CAPABILITY: &[(&str, &[&str])] = &[
    (
        "CAP_DAC_READ_SEARCH",
        &["open_by_handle_at", "name_to_handle_at"],
    ),
    (
        "CAP_SYS_ADMIN",
        &[
            "bpf",
            "clone",
            "clone3",
            "fanotify_init",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "lookup_dcookie",
            "lsm_get_self_attr",
            "lsm_list_modules",
            "lsm_set_self_attr",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "perf_event_open",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
            "syslog",
            "umount",
            "umount2",
            "unshare",
        ],
    ),
    ("CAP_SYS_BOOT", &["reboot"]),
    ("CAP_SYS_CHROOT", &["chroot"]),
    (
        "CAP_SYS_MODULE",
        &["delete_module", "init_module", "finit_module"],
    ),
    ("CAP_SYS_PACCT", &["acct"]),
    (
        "CAP_SYS_PTRACE",
        &[
            "kcmp",
            "pidfd_getfd",
            "process_madvise",
            "process_vm_readv",
            "process_vm_writev",
            "ptrace",
        ],
    ),
    ("CAP_SYS_RAWIO", &["iopl", "ioperm"]),
    (
        "CAP_SYS_TIME",
        &["settimeofday", "stime", "clock_settime", "clock_settime64"],
    ),
    ("CAP_SYS_TTY_CONFIG", &["vhangup"]),
    (
        "CAP_SYS_NICE",
        &[
            "get_mempolicy",
            "mbind",
            "set_mempolicy",
            "set_mempolicy_home_node",
        ],
    ),
    ("CAP_SYSLOG", &["syslog"]),
    ("CAP_BPF", &["bpf"]),
    ("CAP_PERFMON", &["perf_event_open"]),
];

/// Calls of the native ABI that Docker allows on this architecture only.
#[cfg(target_arch = "x86_64")]
const ARCH_SPECIFIC: &[&str] = &["arch_prctl", "modify_ldt"];
#[cfg(target_arch = "aarch64")]
const ARCH_SPECIFIC: &[&str] = &[
    "arm_fadvise64_64",
    "arm_sync_file_range",
    "sync_file_range2",
    "breakpoint",
    "cacheflush",
    "set_tls",
];
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const ARCH_SPECIFIC: &[&str] = &[];

/// The native architecture, the only one the filter admits.
fn native_arch() -> Vec<Arch> {
    if cfg!(target_arch = "x86_64") {
        vec![Arch::ScmpArchX86_64]
    } else if cfg!(target_arch = "aarch64") {
        vec![Arch::ScmpArchAarch64]
    } else {
        vec![Arch::ScmpArchNative]
    }
}

fn allow(names: Vec<String>, args: Vec<LinuxSeccompArg>) -> LinuxSyscall {
    let mut s = LinuxSyscall::default();
    s.set_names(names);
    s.set_action(LinuxSeccompAction::ScmpActAllow);
    if !args.is_empty() {
        s.set_args(Some(args));
    }
    s
}

fn arg0(op: LinuxSeccompOperator, value: u64, value_two: Option<u64>) -> LinuxSeccompArg {
    let b = LinuxSeccompArgBuilder::default()
        .index(0usize)
        .op(op)
        .value(value);
    let b = match value_two {
        Some(v) => b.value_two(v),
        None => b,
    };
    // Every field has a value: building cannot fail.
    b.build().unwrap_or_default()
}

/// The zone's filter for its capability set (`CAP_*` names).
pub fn default_filter(capabilities: &[String]) -> LinuxSeccomp {
    let has = |c: &str| capabilities.iter().any(|x| x == c);
    let mut names: BTreeSet<&str> = ALLOWED.iter().copied().collect();
    names.extend(ARCH_SPECIFIC.iter().copied());
    // Docker allows these from kernel 4.8 on; every kernel zones run on is newer.
    names.extend(["process_vm_readv", "process_vm_writev", "ptrace"]);
    for (cap, calls) in WITH_CAPABILITY {
        if has(cap) {
            names.extend(calls.iter().copied());
        }
    }
    let mut syscalls = vec![allow(
        names.iter().map(|n| n.to_string()).collect(),
        Vec::new(),
    )];
    let one = |name: &str, args: Vec<LinuxSeccompArg>| allow(vec![name.to_string()], args);
    use LinuxSeccompOperator::{ScmpCmpEq, ScmpCmpGt, ScmpCmpLt, ScmpCmpMaskedEq};
    // Every socket family but AF_ALG and AF_VSOCK (three rules: below, between, above).
    syscalls.push(one("socket", vec![arg0(ScmpCmpLt, AF_ALG, None)]));
    syscalls.push(one("socket", vec![arg0(ScmpCmpEq, AF_ALG + 1, None)]));
    syscalls.push(one("socket", vec![arg0(ScmpCmpGt, AF_VSOCK, None)]));
    for p in PERSONALITIES {
        syscalls.push(one("personality", vec![arg0(ScmpCmpEq, p, None)]));
    }
    if !has("CAP_SYS_ADMIN") {
        // clone without any namespace flag (the flags are argument 0 on x86_64 and arm64).
        syscalls.push(one(
            "clone",
            vec![arg0(ScmpCmpMaskedEq, CLONE_NAMESPACE_FLAGS, Some(0))],
        ));
        let mut clone3 = LinuxSyscall::default();
        clone3.set_names(vec!["clone3".to_string()]);
        clone3.set_action(LinuxSeccompAction::ScmpActErrno);
        clone3.set_errno_ret(Some(libc::ENOSYS as u32));
        syscalls.push(clone3);
    }
    let mut filter = LinuxSeccomp::default();
    filter.set_default_action(LinuxSeccompAction::ScmpActErrno);
    filter.set_default_errno_ret(Some(DEFAULT_ERRNO));
    filter.set_architectures(Some(native_arch()));
    filter.set_syscalls(Some(syscalls));
    filter
}

/// The names a filter allows without conditions on their arguments.
pub fn unconditionally_allowed(filter: &LinuxSeccomp) -> BTreeSet<String> {
    filter
        .syscalls()
        .iter()
        .flatten()
        .filter(|s| s.action() == LinuxSeccompAction::ScmpActAllow && s.args().is_none())
        .flat_map(|s| s.names().iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    const BLOCKED: &[&str] = &[
        "open_by_handle_at",
        "name_to_handle_at",
        "keyctl",
        "add_key",
        "request_key",
        "bpf",
        "perf_event_open",
        "userfaultfd",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "mount",
        "umount2",
        "fsopen",
        "fsmount",
        "fsconfig",
        "fspick",
        "move_mount",
        "open_tree",
        "mount_setattr",
        "pivot_root",
        "unshare",
        "setns",
        "clone3",
        "clone",
        "clock_settime",
        "settimeofday",
        "chroot",
        "socket",
        "personality",
        "reboot",
        "swapon",
        "iopl",
    ];

    #[test]
    fn default_zone_is_refused_the_dangerous_calls() {
        let f = default_filter(&caps(&["CAP_CHOWN", "CAP_SETUID"]));
        assert_eq!(f.default_action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(f.default_errno_ret(), Some(libc::EPERM as u32));
        let allowed = unconditionally_allowed(&f);
        for call in BLOCKED {
            assert!(!allowed.contains(*call), "{call} allowed");
        }
        for call in [
            "read", "execve", "fork", "ptrace", "mlock", "adjtimex", "wait4",
        ] {
            assert!(allowed.contains(call), "{call} refused");
        }
        assert_eq!(f.architectures().as_ref().map(Vec::len), Some(1));
    }

    #[test]
    fn clone_keeps_its_namespace_flags_out_and_clone3_falls_back() {
        let f = default_filter(&[]);
        let rules: Vec<&LinuxSyscall> = f.syscalls().iter().flatten().collect();
        let clone: Vec<_> = rules
            .iter()
            .filter(|s| s.names().contains(&"clone".to_string()))
            .collect();
        assert_eq!(clone.len(), 1);
        let args = clone[0].args().as_ref().unwrap();
        assert_eq!(args[0].op(), LinuxSeccompOperator::ScmpCmpMaskedEq);
        assert_eq!(args[0].value(), 0x7E02_0000);
        assert_eq!(args[0].value_two(), Some(0));
        let clone3 = rules
            .iter()
            .find(|s| s.names() == &vec!["clone3".to_string()])
            .unwrap();
        assert_eq!(clone3.action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(clone3.errno_ret(), Some(libc::ENOSYS as u32));
        // Only the harmless personalities, each by value.
        let personas: Vec<u64> = rules
            .iter()
            .filter(|s| s.names() == &vec!["personality".to_string()])
            .map(|s| s.args().as_ref().unwrap()[0].value())
            .collect();
        assert_eq!(personas, PERSONALITIES.to_vec());
    }

    #[test]
    fn granted_capabilities_bring_their_calls() {
        let f = default_filter(&caps(&["CAP_SYS_TIME"]));
        let allowed = unconditionally_allowed(&f);
        for call in ["clock_settime", "settimeofday", "adjtimex", "clock_adjtime"] {
            assert!(allowed.contains(call), "{call}");
        }
        assert!(!allowed.contains("mount"));
        let f = default_filter(&caps(&["CAP_SYS_CHROOT", "CAP_DAC_READ_SEARCH"]));
        let allowed = unconditionally_allowed(&f);
        assert!(allowed.contains("chroot"));
        assert!(allowed.contains("open_by_handle_at"));
        // CAP_SYS_ADMIN: the namespace and mount calls, and clone without the mask.
        let f = default_filter(&caps(&["CAP_SYS_ADMIN"]));
        let allowed = unconditionally_allowed(&f);
        for call in ["mount", "unshare", "setns", "clone", "clone3"] {
            assert!(allowed.contains(call), "{call}");
        }
        assert!(!f
            .syscalls()
            .iter()
            .flatten()
            .any(|s| s.action() == LinuxSeccompAction::ScmpActErrno));
        // Nothing grants keyrings, io_uring, userfaultfd or kexec.
        let all: Vec<String> = crate::config::privs::LINUX_CAPABILITIES
            .iter()
            .map(|c| c.to_string())
            .collect();
        let allowed = unconditionally_allowed(&default_filter(&all));
        for call in [
            "keyctl",
            "add_key",
            "io_uring_setup",
            "userfaultfd",
            "kexec_load",
        ] {
            assert!(!allowed.contains(call), "{call}");
        }
    }

    #[test]
    fn same_capabilities_same_filter() {
        let a = default_filter(&caps(&["CAP_KILL", "CAP_CHOWN"]));
        let b = default_filter(&caps(&["CAP_CHOWN", "CAP_KILL"]));
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }
}
