//! The zone launcher: the last program of ours a process runs inside a zone before it becomes
//! what zlogin (or the zone's set-up process) starts there. Its one job is to `execve` that
//! program, or a fallback when the first cannot be executed, reporting the error the way
//! zlogin does.
//!
//! Why it exists: a process executes the launcher from a sealed memfd instead of executing
//! the final program itself, so at the moment the zone's program is resolved (and ever
//! after), `/proc/self/exe` of that process is the sealed copy, never one of our host
//! binaries. A zone that names `/proc/self/exe` as a shell or init thereby re-executes only
//! this launcher, which refuses (its first argument is not its own), and a zone process that
//! opens `/proc/<pid>/exe` gets a memfd it cannot write.
//!
//! Why so small: it runs on every zlogin. Built by libzone's build script without std, libc
//! or a loader (a static executable under 3 KiB, copied into the memfd each time), it adds
//! one exec of a nearly empty image, tens of microseconds, to a login.
//!
//! Arguments: `argv[0]` is [`MARK`]; `argv[1]` the number `n` of words of the first
//! program's argv; `argv[2]` that program's path; `argv[3..3+n]` its argv; then, optionally,
//! the fallback's path followed by its argv up to the end. The environment is passed on as it
//! is. Exit status 1 when nothing could be executed.

#![no_std]
#![no_main]
// There is no libc to call: the compiler must not turn loops into strlen or memcpy calls.
#![no_builtins]

use core::arch::{asm, global_asm};

/// `argv[0]` of a legitimate start (kept in step with `runtime::kernel::sealed::LAUNCHER_MARK`).
const MARK: &[u8] = b"zone-launcher";

// The entry point: the kernel leaves argc, argv and envp on the stack; hand their address to
// `launcher_main` on a 16-byte aligned stack.
#[cfg(target_arch = "x86_64")]
global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call launcher_main",
    "ud2",
);

#[cfg(target_arch = "aarch64")]
global_asm!(
    ".globl _start",
    "_start:",
    "mov x29, xzr",
    "mov x30, xzr",
    "mov x0, sp",
    "bl launcher_main",
    "brk #0",
);

#[cfg(target_arch = "x86_64")]
mod nr {
    pub const WRITE: usize = 1;
    pub const EXECVE: usize = 59;
    pub const EXIT_GROUP: usize = 231;
}

#[cfg(target_arch = "aarch64")]
mod nr {
    pub const WRITE: usize = 64;
    pub const EXECVE: usize = 221;
    pub const EXIT_GROUP: usize = 94;
}

/// A system call with three arguments; negative results are `-errno`.
#[cfg(target_arch = "x86_64")]
unsafe fn syscall3(n: usize, a: usize, b: usize, c: usize) -> isize {
    let ret: isize;
    // SAFETY (caller): the arguments are valid for system call `n`.
    asm!(
        "syscall",
        inlateout("rax") n as isize => ret,
        in("rdi") a,
        in("rsi") b,
        in("rdx") c,
        lateout("rcx") _,
        lateout("r11") _,
        options(nostack),
    );
    ret
}

#[cfg(target_arch = "aarch64")]
unsafe fn syscall3(n: usize, a: usize, b: usize, c: usize) -> isize {
    let ret: isize;
    // SAFETY (caller): the arguments are valid for system call `n`.
    asm!(
        "svc 0",
        in("x8") n,
        inlateout("x0") a as isize => ret,
        in("x1") b,
        in("x2") c,
        options(nostack),
    );
    ret
}

#[cfg(target_arch = "x86_64")]
fn exit(code: usize) -> ! {
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe {
        asm!("syscall", in("rax") nr::EXIT_GROUP, in("rdi") code, options(noreturn, nostack));
    }
}

#[cfg(target_arch = "aarch64")]
fn exit(code: usize) -> ! {
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe {
        asm!("svc 0", in("x8") nr::EXIT_GROUP, in("x0") code, options(noreturn, nostack));
    }
}

fn write_err(bytes: &[u8]) {
    // SAFETY: a valid buffer and its length.
    unsafe { syscall3(nr::WRITE, 2, bytes.as_ptr() as usize, bytes.len()) };
}

/// The bytes of a C string (without its NUL).
///
/// # Safety
/// `p` is a valid NUL-terminated string.
unsafe fn c_bytes<'a>(p: *const u8) -> &'a [u8] {
    let mut n = 0;
    while *p.add(n) != 0 {
        n += 1;
    }
    core::slice::from_raw_parts(p, n)
}

/// `execve`; returns the errno when it fails.
///
/// # Safety
/// `path` is a NUL-terminated string, `argv` and `envp` NULL-terminated arrays of them.
unsafe fn execve(path: *const u8, argv: *const *const u8, envp: *const *const u8) -> usize {
    let ret = syscall3(nr::EXECVE, path as usize, argv as usize, envp as usize);
    ret.unsigned_abs()
}

/// The errors `execve` reports, named as zlogin names errors (`ENOENT: No such file or
/// directory`).
fn describe(errno: usize) -> &'static [u8] {
    match errno {
        1 => b"EPERM: Operation not permitted",
        2 => b"ENOENT: No such file or directory",
        5 => b"EIO: I/O error",
        7 => b"E2BIG: Argument list too long",
        8 => b"ENOEXEC: Exec format error",
        11 => b"EAGAIN: Try again",
        12 => b"ENOMEM: Out of memory",
        13 => b"EACCES: Permission denied",
        14 => b"EFAULT: Bad address",
        20 => b"ENOTDIR: Not a directory",
        21 => b"EISDIR: Is a directory",
        22 => b"EINVAL: Invalid argument",
        23 => b"ENFILE: File table overflow",
        24 => b"EMFILE: Too many open files",
        26 => b"ETXTBSY: Text file busy",
        36 => b"ENAMETOOLONG: File name too long",
        40 => b"ELOOP: Too many symbolic links encountered",
        80 => b"ELIBBAD: Accessing a corrupted shared library",
        _ => b"cannot execute",
    }
}

/// `zlogin: <path>: <error>` on stderr, then exit 1 (zlogin's status for its own failures).
fn fail(path: &[u8], errno: usize) -> ! {
    write_err(b"zlogin: ");
    write_err(path);
    write_err(b": ");
    write_err(describe(errno));
    write_err(b"\n");
    exit(1)
}

/// The decimal number `s`, if it is one.
fn parse_count(s: &[u8]) -> Option<usize> {
    if s.is_empty() || s.len() > 6 {
        return None;
    }
    let mut n = 0usize;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (b - b'0') as usize;
    }
    Some(n)
}

/// # Safety
/// `sp` is the initial stack pointer the kernel set up: argc, then argv and envp, each
/// NULL-terminated.
#[no_mangle]
unsafe extern "C" fn launcher_main(sp: *mut usize) -> ! {
    let argc = *sp;
    let argv = sp.add(1) as *mut *const u8;
    let envp = argv.add(argc + 1) as *const *const u8;
    let count = if argc >= 3 && c_bytes(*argv) == MARK {
        parse_count(c_bytes(*argv.add(1))).filter(|n| *n >= 1 && 3 + n <= argc)
    } else {
        None
    };
    let Some(n) = count else {
        // Not started by us: most likely a zone whose shell or init is `/proc/self/exe`,
        // which leads here instead of to a host binary.
        write_err(b"zone-launcher: refusing to run as a program (a shell or init that is /proc/self/exe?)\n");
        exit(1)
    };
    let first = *argv.add(2);
    let first_argv = argv.add(3);
    let fallback = 3 + n < argc;
    let second = *argv.add(3 + n);
    // End the first program's argv here; the fallback's runs to the end of ours.
    *argv.add(3 + n) = core::ptr::null();
    let errno = execve(first, first_argv, envp);
    if !fallback {
        fail(c_bytes(first), errno)
    }
    let errno = execve(second, argv.add(4 + n), envp);
    fail(c_bytes(second), errno)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(127)
}
