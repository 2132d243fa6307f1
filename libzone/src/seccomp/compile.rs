//! The plan's `linux.seccomp` as a BPF program, compiled by libseccomp the way OCI runtimes
//! read the spec: every listed architecture added, one rule per name and entry (its argument
//! comparisons ANDed), `errnoRet` defaulting to `EPERM`, names this libseccomp does not know
//! skipped (the kernel cannot have them either, or they stay at the default action), entries
//! whose action is the default one skipped (libseccomp refuses them as redundant).

use super::SeccompError;
use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};
use std::io::{Read, Seek};
use std::os::fd::{FromRawFd, OwnedFd};
use std::str::FromStr;

fn action(a: LinuxSeccompAction, errno: Option<u32>) -> Result<ScmpAction, SeccompError> {
    let errno = errno.unwrap_or(libc::EPERM as u32);
    Ok(match a {
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => {
            ScmpAction::KillThread
        }
        LinuxSeccompAction::ScmpActKillProcess => ScmpAction::KillProcess,
        LinuxSeccompAction::ScmpActTrap => ScmpAction::Trap,
        LinuxSeccompAction::ScmpActErrno => ScmpAction::Errno(errno as i32),
        LinuxSeccompAction::ScmpActTrace => ScmpAction::Trace(errno as u16),
        LinuxSeccompAction::ScmpActLog => ScmpAction::Log,
        LinuxSeccompAction::ScmpActAllow => ScmpAction::Allow,
        // A notify action needs an agent listening on `listenerPath`; zones have none.
        LinuxSeccompAction::ScmpActNotify => {
            return Err(SeccompError::Filter(
                "SCMP_ACT_NOTIFY is not supported".to_string(),
            ))
        }
    })
}

fn compare(op: LinuxSeccompOperator, value: u64, value_two: Option<u64>) -> (ScmpCompareOp, u64) {
    match op {
        LinuxSeccompOperator::ScmpCmpNe => (ScmpCompareOp::NotEqual, value),
        LinuxSeccompOperator::ScmpCmpLt => (ScmpCompareOp::Less, value),
        LinuxSeccompOperator::ScmpCmpLe => (ScmpCompareOp::LessOrEqual, value),
        LinuxSeccompOperator::ScmpCmpEq => (ScmpCompareOp::Equal, value),
        LinuxSeccompOperator::ScmpCmpGe => (ScmpCompareOp::GreaterEqual, value),
        LinuxSeccompOperator::ScmpCmpGt => (ScmpCompareOp::Greater, value),
        // OCI: `value` is the mask, `valueTwo` what the masked argument must equal.
        LinuxSeccompOperator::ScmpCmpMaskedEq => {
            (ScmpCompareOp::MaskedEqual(value), value_two.unwrap_or(0))
        }
    }
}

fn lib_err(what: &str) -> impl FnOnce(libseccomp::error::SeccompError) -> SeccompError + '_ {
    move |e| SeccompError::Filter(format!("{what}: {e}"))
}

/// Compile `filter` into a BPF program (`struct sock_filter` instructions, 8 bytes each).
pub fn compile(filter: &LinuxSeccomp) -> Result<Vec<u8>, SeccompError> {
    let default = action(filter.default_action(), filter.default_errno_ret())?;
    let mut ctx = ScmpFilterContext::new(default).map_err(lib_err("init"))?;
    // A binary tree of syscall numbers instead of a linear chain: the kernel checks a
    // filter against every syscall number when it is loaded, so this loads several times
    // faster, and runs faster too.
    ctx.set_ctl_optimize(2).map_err(lib_err("optimize"))?;
    for arch in filter.architectures().iter().flatten() {
        let name = serde_json::to_value(arch)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let arch = ScmpArch::from_str(&name).map_err(lib_err(&name))?;
        if arch != ScmpArch::Native {
            ctx.add_arch(arch).map_err(lib_err(&name))?;
        }
    }
    for rule in filter.syscalls().iter().flatten() {
        let act = action(rule.action(), rule.errno_ret())?;
        if act == default {
            continue;
        }
        let cmps: Vec<ScmpArgCompare> = rule
            .args()
            .iter()
            .flatten()
            .map(|a| {
                let (op, datum) = compare(a.op(), a.value(), a.value_two());
                ScmpArgCompare::new(a.index() as u32, op, datum)
            })
            .collect();
        for name in rule.names() {
            let Ok(call) = ScmpSyscall::from_name(name) else {
                continue;
            };
            let added = if cmps.is_empty() {
                ctx.add_rule(act, call)
            } else {
                ctx.add_rule_conditional(act, call, &cmps)
            };
            added.map_err(|e| SeccompError::Rule {
                call: name.clone(),
                reason: e.to_string(),
            })?;
        }
    }
    export(&ctx)
}

/// The program libseccomp generates for `ctx` (it writes it to a descriptor: a memfd).
fn export(ctx: &ScmpFilterContext) -> Result<Vec<u8>, SeccompError> {
    let io = |source| SeccompError::Io {
        path: "memfd:seccomp".into(),
        source,
    };
    // SAFETY: memfd_create takes a NUL-terminated name and flags; the result is checked.
    let fd = unsafe { libc::memfd_create(c"seccomp-bpf".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io(std::io::Error::last_os_error()));
    }
    // SAFETY: fd is a descriptor we just created and own alone.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    ctx.export_bpf(&fd).map_err(lib_err("export"))?;
    let mut file = std::fs::File::from(fd);
    file.rewind().map_err(io)?;
    let mut program = Vec::new();
    file.read_to_end(&mut program).map_err(io)?;
    if program.is_empty() || program.len() % 8 != 0 {
        return Err(SeccompError::Filter(format!(
            "libseccomp produced {} bytes, not a BPF program",
            program.len()
        )));
    }
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seccomp::profile::default_filter;

    #[test]
    fn the_default_filter_compiles_the_same_every_time() {
        let f = default_filter(&["CAP_CHOWN".to_string()]);
        let a = compile(&f).unwrap();
        assert_eq!(a.len() % 8, 0);
        assert!(a.len() / 8 > 100, "{} instructions", a.len() / 8);
        assert_eq!(a, compile(&f).unwrap());
        // Another capability set makes another program.
        let g = default_filter(&["CAP_SYS_TIME".to_string()]);
        assert_ne!(a, compile(&g).unwrap());
    }

    #[test]
    fn unknown_names_are_skipped_and_notify_is_refused() {
        let mut f = default_filter(&[]);
        let mut calls = f.syscalls().clone().unwrap();
        calls[0].set_names(vec!["read".into(), "no_such_call_zz".into()]);
        f.set_syscalls(Some(calls.clone()));
        assert!(compile(&f).is_ok());
        calls[0].set_action(LinuxSeccompAction::ScmpActNotify);
        f.set_syscalls(Some(calls));
        assert!(matches!(compile(&f), Err(SeccompError::Filter(_))));
    }
}
