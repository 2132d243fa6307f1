//! IPC sysctls belong to an IPC namespace: they are written by a short-lived child that
//! joins the zone's IPC namespace (the supervisor itself must stay in the host's).

use nix::sched::CloneFlags;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::ForkResult;
use std::collections::HashMap;
use std::os::fd::BorrowedFd;

/// Write `sysctl` (`kernel.shmmax` = ...) inside the IPC namespace of the process `pidfd`.
pub fn write_in_zone(
    pidfd: BorrowedFd<'_>,
    sysctl: &HashMap<String, String>,
) -> std::io::Result<()> {
    if sysctl.is_empty() {
        return Ok(());
    }
    let files: Vec<(String, String)> = sysctl
        .iter()
        .map(|(k, v)| (format!("/proc/sys/{}", k.replace('.', "/")), v.clone()))
        .collect();
    // SAFETY: the supervisor is single-threaded; the child only joins a namespace, writes
    // files and exits.
    match unsafe { nix::unistd::fork() }.map_err(std::io::Error::from)? {
        ForkResult::Child => {
            let ok = nix::sched::setns(pidfd, CloneFlags::CLONE_NEWIPC).is_ok()
                && files.iter().all(|(f, v)| std::fs::write(f, v).is_ok());
            // SAFETY: leave the child without running the parent's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        ForkResult::Parent { child } => match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, 0)) => Ok(()),
            _ => Err(std::io::Error::other("cannot set the zone's IPC limits")),
        },
    }
}
