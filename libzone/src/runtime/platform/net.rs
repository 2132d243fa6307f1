//! Network set-up done from inside a zone's own network namespace. Every zone has one,
//! shared-IP zones included: until the global zone plumbs addresses for it, a shared-IP
//! zone has its loopback only, so the host's loopback services, its abstract unix sockets
//! (and other zones') and its ports are out of reach, and what the zone binds is its own.

use crate::plan::Plan;
use nix::errno::Errno;
use oci_spec::runtime::LinuxNamespaceType;
use std::os::fd::AsRawFd;

/// Whether the plan gives the zone a network namespace of its own (a new one: no `path`).
pub fn own_network(plan: &Plan) -> bool {
    plan.spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|ns| {
            ns.iter()
                .any(|n| n.typ() == LinuxNamespaceType::Network && n.path().is_none())
        })
}

/// Bring up the loopback interface of the current network namespace.
pub fn loopback_up() -> Result<(), Errno> {
    let sock = nix::sys::socket::socket(
        nix::sys::socket::AddressFamily::Inet,
        nix::sys::socket::SockType::Datagram,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    // SAFETY: ifreq is plain old data; zeroed is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS/SIOCSIFFLAGS read and write the ifreq we pass.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(Errno::last());
        }
        req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(Errno::last());
        }
    }
    Ok(())
}
