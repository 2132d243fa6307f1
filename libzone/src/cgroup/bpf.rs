//! The bpf(2) calls of the devices controller on cgroup v2: load a `BPF_PROG_TYPE_CGROUP_DEVICE`
//! program and attach it to a cgroup directory, and ask which programs a cgroup holds. The
//! only `unsafe` of the cgroup layer, each call behind a small safe function.

use super::devices::BpfInsn;
use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_QUERY: libc::c_long = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;

/// The head of `union bpf_attr` for BPF_PROG_LOAD, up to `expected_attach_type`.
#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// `union bpf_attr` for BPF_PROG_ATTACH, up to `replace_bpf_fd`.
#[repr(C)]
#[derive(Default)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}

/// `union bpf_attr` for BPF_PROG_QUERY. The kernel writes `attach_flags`, `prog_cnt` and
/// (since 6.6) `revision` at offset 56 back whatever size it is given, so the whole of the
/// query part is here, with room to spare.
#[repr(C)]
#[derive(Default)]
struct ProgQueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
    _pad: u32,
    prog_attach_flags: u64,
    link_ids: u64,
    link_attach_flags: u64,
    revision: u64,
    _spare: [u64; 4],
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> std::io::Result<libc::c_long> {
    // SAFETY: attr is a live, initialised `union bpf_attr` prefix of the size passed; the
    // kernel reads (and for queries writes) only within it and the buffers it points to,
    // which the callers keep alive for the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr as *mut T as *mut libc::c_void,
            std::mem::size_of::<T>() as libc::c_uint,
        )
    };
    if ret < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Why a program was refused: the errno and, when the verifier spoke, its last lines.
#[derive(Debug)]
pub struct LoadError {
    pub source: std::io::Error,
    pub log: String,
}

/// Load a device program. The verifier's log is asked for only when a first attempt fails
/// (it costs time on every successful load otherwise).
pub fn load_device_program(prog: &[BpfInsn]) -> Result<OwnedFd, LoadError> {
    let license = CString::from(c"MIT");
    let mut name = [0u8; 16];
    name[..12].copy_from_slice(b"zone_devices");
    let attr = |log: &mut [u8]| ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: prog.len() as u32,
        insns: prog.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level: u32::from(!log.is_empty()),
        log_size: log.len() as u32,
        log_buf: if log.is_empty() {
            0
        } else {
            log.as_mut_ptr() as u64
        },
        prog_name: name,
        expected_attach_type: BPF_CGROUP_DEVICE,
        ..Default::default()
    };
    let first = bpf(BPF_PROG_LOAD, &mut attr(&mut []));
    let err = match first {
        Ok(fd) => return Ok(owned(fd)),
        Err(e) => e,
    };
    let mut log = vec![0u8; 64 * 1024];
    let again = bpf(BPF_PROG_LOAD, &mut attr(&mut log));
    if let Ok(fd) = again {
        return Ok(owned(fd));
    }
    let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(&log[..end]);
    let tail: Vec<&str> = text.lines().rev().take(3).collect();
    Err(LoadError {
        source: err,
        log: tail.into_iter().rev().collect::<Vec<_>>().join("; "),
    })
}

fn owned(fd: libc::c_long) -> OwnedFd {
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd as i32) }
}

/// Attach `prog` to the cgroup2 directory `cgroup` as its one device program. Without
/// `BPF_F_ALLOW_MULTI` a second attach replaces the first (a cgroup reused after a crash gets
/// its rules replaced, not stacked), and nothing can be attached below it.
pub fn attach_device_program(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> std::io::Result<()> {
    let mut attr = ProgAttachAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: 0,
        ..Default::default()
    };
    bpf(BPF_PROG_ATTACH, &mut attr).map(|_| ())
}

/// How many device programs are attached to the cgroup2 directory `cgroup` itself.
pub fn device_programs(cgroup: BorrowedFd<'_>) -> std::io::Result<u32> {
    let mut attr = ProgQueryAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        ..Default::default()
    };
    bpf(BPF_PROG_QUERY, &mut attr)?;
    Ok(attr.prog_cnt)
}
