//! zone-attack: what an attacker with root in a zone would try, one system call (or a short
//! sequence) per command, and the legitimate uses next to them. Run inside a zone (the tests
//! copy it into the zone root and run it through zlogin, or under crun) and on the host, as
//! a control. Prints one line: `ok [detail]`, or `errno <n> <text>` when the call failed.
//!
//! Commands: name-to-handle PATH | open-by-handle | keyctl | add-key NAME | search-key NAME
//! | unshare-user | clone-user | fork | thread | io-uring | mlock BYTES | settime
//! | personality HEX | connect-tcp ADDR:PORT | connect-abstract NAME
//! | listen-abstract NAME SECONDS | bind-tcp PORT [reuseport] SECONDS

use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn report(r: Result<String, i32>) {
    let line = match r {
        Ok(detail) if detail.is_empty() => "ok".to_string(),
        Ok(detail) => format!("ok {detail}"),
        Err(e) => format!("errno {e} {}", std::io::Error::from_raw_os_error(e)),
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// `Ok` for a non-negative result, else the errno.
fn check(r: libc::c_long) -> Result<libc::c_long, i32> {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r)
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in arguments")
}

/// `struct file_handle` with room for a handle.
#[repr(C)]
struct FileHandle {
    bytes: u32,
    typ: i32,
    f_handle: [u8; 128],
}

fn name_to_handle(path: &str) -> Result<String, i32> {
    let mut h = FileHandle {
        bytes: 128,
        typ: 0,
        f_handle: [0; 128],
    };
    let mut mount_id: libc::c_int = 0;
    let p = cstr(path);
    // SAFETY: the kernel writes the handle into `h` (of the size we declared) and the mount
    // id into `mount_id`.
    check(unsafe {
        libc::syscall(
            libc::SYS_name_to_handle_at,
            libc::AT_FDCWD,
            p.as_ptr(),
            &mut h as *mut FileHandle,
            &mut mount_id as *mut libc::c_int,
            0,
        )
    })
    .map(|_| format!("type {} bytes {}", h.typ, h.bytes))
}

/// The "shocker" handle: inode 2 (the root directory of an ext* file system), generation
/// 0, opened through a descriptor on the zone root's file system.
fn open_by_handle() -> Result<String, i32> {
    let root = cstr("/");
    // SAFETY: open(2) of a constant path.
    let mount_fd = check(unsafe { libc::open(root.as_ptr(), libc::O_RDONLY) } as libc::c_long)?;
    // SAFETY: we own the descriptor open returned.
    let mount_fd = unsafe { OwnedFd::from_raw_fd(mount_fd as i32) };
    let mut h = FileHandle {
        bytes: 8,
        typ: 1, // FILEID_INO32_GEN
        f_handle: [0; 128],
    };
    h.f_handle[..4].copy_from_slice(&2u32.to_ne_bytes());
    // SAFETY: the kernel reads `h.bytes` bytes of handle from `h`.
    let fd = check(unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            mount_fd.as_raw_fd(),
            &mut h as *mut FileHandle,
            libc::O_RDONLY | libc::O_DIRECTORY,
        )
    })?;
    // SAFETY: we own the descriptor the call returned.
    drop(unsafe { OwnedFd::from_raw_fd(fd as i32) });
    Ok("opened inode 2".to_string())
}

const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
const KEYCTL_GET_KEYRING_ID: libc::c_long = 0;
const KEYCTL_SEARCH: libc::c_long = 10;

fn keyctl() -> Result<String, i32> {
    // SAFETY: keyctl with integer arguments only.
    check(unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_GET_KEYRING_ID,
            KEY_SPEC_USER_KEYRING,
            0,
        )
    })
    .map(|id| format!("user keyring {id}"))
}

fn add_key(name: &str) -> Result<String, i32> {
    let (typ, desc, data) = (cstr("user"), cstr(name), b"zonetest");
    // SAFETY: add_key reads the two strings and `data.len()` bytes of payload.
    check(unsafe {
        libc::syscall(
            libc::SYS_add_key,
            typ.as_ptr(),
            desc.as_ptr(),
            data.as_ptr(),
            data.len(),
            KEY_SPEC_USER_KEYRING,
        )
    })
    .map(|id| format!("key {id}"))
}

fn search_key(name: &str) -> Result<String, i32> {
    let (typ, desc) = (cstr("user"), cstr(name));
    // SAFETY: keyctl(KEYCTL_SEARCH) reads the two strings.
    check(unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_SEARCH,
            KEY_SPEC_USER_KEYRING,
            typ.as_ptr(),
            desc.as_ptr(),
            0,
        )
    })
    .map(|id| format!("key {id}"))
}

/// A raw clone with `flags`; the child exits at once.
fn clone_with(flags: libc::c_long) -> Result<String, i32> {
    // SAFETY: clone without CLONE_VM: the child gets a copy of our memory and only exits.
    let pid = check(unsafe {
        libc::syscall(
            libc::SYS_clone,
            flags | libc::SIGCHLD as libc::c_long,
            0,
            0,
            0,
            0,
        )
    })?;
    if pid == 0 {
        // SAFETY: end the child at once.
        unsafe { libc::_exit(0) }
    }
    let mut status = 0;
    // SAFETY: waiting for our child.
    unsafe { libc::waitpid(pid as i32, &mut status, 0) };
    Ok(String::new())
}

fn thread() -> Result<String, i32> {
    std::thread::spawn(|| 7)
        .join()
        .map(|_| String::new())
        .map_err(|_| libc::EIO)
}

fn io_uring() -> Result<String, i32> {
    let mut params = [0u8; 120]; // struct io_uring_params
                                 // SAFETY: io_uring_setup writes into the params struct we pass.
    let fd = check(unsafe { libc::syscall(libc::SYS_io_uring_setup, 4, params.as_mut_ptr()) })?;
    // SAFETY: we own the ring descriptor.
    drop(unsafe { OwnedFd::from_raw_fd(fd as i32) });
    Ok(String::new())
}

fn mlock(bytes: usize) -> Result<String, i32> {
    // SAFETY: an anonymous private mapping of our own; mlock/munmap on it only.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err(errno());
        }
        let r = libc::mlock(p, bytes);
        let e = errno();
        libc::munmap(p, bytes);
        if r < 0 {
            Err(e)
        } else {
            Ok(String::new())
        }
    }
}

/// Set the clock to what it reads: the legitimate use of `sys_time`, without disturbing the
/// host's time by more than the microseconds in between.
fn settime() -> Result<String, i32> {
    // SAFETY: clock_gettime writes the timespec; clock_settime reads it.
    unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts);
        check(libc::clock_settime(libc::CLOCK_REALTIME, &ts) as libc::c_long)?;
    }
    Ok(String::new())
}

fn personality(value: &str) -> Result<String, i32> {
    let v = u64::from_str_radix(value.trim_start_matches("0x"), 16).map_err(|_| libc::EINVAL)?;
    // SAFETY: personality takes a plain integer. Query mode (0xffffffff) leaves it as is;
    // any value set applies to this short-lived process only.
    check(unsafe { libc::syscall(libc::SYS_personality, v) }).map(|old| format!("{old:#x}"))
}

fn connect_tcp(addr: &str) -> Result<String, i32> {
    let addr: std::net::SocketAddr = addr.parse().map_err(|_| libc::EINVAL)?;
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map(|_| String::new())
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
}

fn abstract_addr(name: &str) -> Result<std::os::unix::net::SocketAddr, i32> {
    use std::os::linux::net::SocketAddrExt;
    std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).map_err(|_| libc::EINVAL)
}

fn connect_abstract(name: &str) -> Result<String, i32> {
    std::os::unix::net::UnixStream::connect_addr(&abstract_addr(name)?)
        .map(|_| String::new())
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
}

/// Bind an abstract socket, check it answers inside (the legitimate use), report, then hold
/// it for `secs` seconds.
fn listen_abstract(name: &str, secs: u64) -> Result<String, i32> {
    let l = std::os::unix::net::UnixListener::bind_addr(&abstract_addr(name)?)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    connect_abstract(name)?;
    report(Ok("listening".to_string()));
    std::thread::sleep(Duration::from_secs(secs));
    drop(l);
    Ok("done".to_string())
}

/// Bind 0.0.0.0:`port` (optionally with SO_REUSEPORT) and listen; check a connection to
/// 127.0.0.1:`port` reaches it (the zone holds the port); report, then hold it for `secs`.
fn bind_tcp(port: u16, reuseport: bool, secs: u64) -> Result<String, i32> {
    // SAFETY: a new socket of our own, configured with integer options.
    let fd = unsafe {
        let fd = check(
            libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) as libc::c_long,
        )? as i32;
        let one: libc::c_int = 1;
        let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            &one as *const _ as *const _,
            len,
        );
        if reuseport {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_REUSEPORT,
                &one as *const _ as *const _,
                len,
            );
        }
        OwnedFd::from_raw_fd(fd)
    };
    let sa = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr { s_addr: 0 },
        sin_zero: [0; 8],
    };
    // SAFETY: bind/listen on our socket with a sockaddr_in of the declared size.
    unsafe {
        check(libc::bind(
            fd.as_raw_fd(),
            &sa as *const libc::sockaddr_in as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        ) as libc::c_long)?;
        check(libc::listen(fd.as_raw_fd(), 16) as libc::c_long)?;
    }
    let listener = std::net::TcpListener::from(fd);
    connect_tcp(&format!("127.0.0.1:{port}"))?;
    listener
        .accept()
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    report(Ok("listening".to_string()));
    std::thread::sleep(Duration::from_secs(secs));
    Ok("done".to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = match a.as_slice() {
        ["name-to-handle", path] => name_to_handle(path),
        ["open-by-handle"] => open_by_handle(),
        ["keyctl"] => keyctl(),
        ["add-key", name] => add_key(name),
        ["search-key", name] => search_key(name),
        ["unshare-user"] => check(unsafe { libc::unshare(libc::CLONE_NEWUSER) } as libc::c_long)
            .map(|_| String::new()),
        ["clone-user"] => clone_with(libc::CLONE_NEWUSER as libc::c_long),
        ["fork"] => clone_with(0),
        ["thread"] => thread(),
        ["io-uring"] => io_uring(),
        ["mlock", bytes] => bytes.parse().map_err(|_| libc::EINVAL).and_then(mlock),
        ["settime"] => settime(),
        ["personality", v] => personality(v),
        ["connect-tcp", addr] => connect_tcp(addr),
        ["connect-abstract", name] => connect_abstract(name),
        ["listen-abstract", name, secs] => secs
            .parse()
            .map_err(|_| libc::EINVAL)
            .and_then(|s| listen_abstract(name, s)),
        ["bind-tcp", port, rest @ ..] => {
            let reuse = rest.first() == Some(&"reuseport");
            let secs = rest.last().and_then(|s| s.parse().ok()).unwrap_or(0);
            port.parse()
                .map_err(|_| libc::EINVAL)
                .and_then(|p| bind_tcp(p, reuse, secs))
        }
        _ => {
            eprintln!("usage: zone-attack COMMAND [ARGS] (see the source)");
            std::process::exit(2);
        }
    };
    report(r);
}
