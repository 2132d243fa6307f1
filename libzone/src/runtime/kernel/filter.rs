//! Put the calling thread under a zone's seccomp filter. Called as late as possible before a
//! zone process executes (so our own set-up needs few calls the filter allows): after the
//! capability drop when the zone has `no_new_privs`, else just before it, while
//! CAP_SYS_ADMIN still lets us load a filter without `no_new_privs` (as runc does). Either
//! way the filter is inherited across `execve` and by every child: nothing in the zone runs
//! without it.

use crate::plan::Plan;
use crate::seccomp::{CompiledFilter, ProgramCache, SeccompError};
use crate::store::record::RunDir;
use nix::errno::Errno;
use std::path::PathBuf;

/// The compiled filter of `plan` (from the cache when it holds this very filter, else
/// compiled now), also written as the zone's program for the processes that enter it later;
/// with the path of that file. A plan without a filter is refused: no zone runs unfiltered.
pub fn prepare(run: &RunDir, plan: &Plan) -> Result<(CompiledFilter, PathBuf), SeccompError> {
    let zone = &plan.zone.name;
    let filter = plan
        .spec
        .linux()
        .as_ref()
        .and_then(|l| l.seccomp().as_ref())
        .ok_or_else(|| SeccompError::Filter(format!("the plan of zone '{zone}' has none")))?;
    let cache = ProgramCache::new(run.seccomp_cache());
    let compiled = cache.get(filter)?;
    let path = run.seccomp_program(zone);
    cache.publish(filter, &compiled, &path)?;
    Ok((compiled, path))
}

/// Load `filter` into the calling thread. Async-signal-safe (no allocation): used between
/// fork and exec.
pub fn load(filter: &CompiledFilter) -> Result<(), Errno> {
    let program = filter.program();
    let len = u16::try_from(program.len() / 8).map_err(|_| Errno::E2BIG)?;
    let prog = libc::sock_fprog {
        len,
        // The kernel copies the instructions; it needs no alignment from us.
        filter: program.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog) reads `prog` and the `len`
    // instructions it points to, which `program` holds for the duration of the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            filter.flags() as libc::c_ulong,
            &prog as *const libc::sock_fprog,
        )
    };
    if r < 0 {
        return Err(Errno::last());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seccomp::default_filter;

    /// Run `body` in a forked child under the default filter of `caps` (no_new_privs makes
    /// loading possible without privileges); its exit status.
    fn under_filter(caps: &[&str], body: fn() -> i32) -> i32 {
        let caps: Vec<String> = caps.iter().map(|c| c.to_string()).collect();
        let filter = CompiledFilter::compile(&default_filter(&caps)).unwrap();
        // SAFETY: the child makes raw system calls only and ends with _exit.
        match unsafe { libc::fork() } {
            0 => {
                let code = if nix::sys::prctl::set_no_new_privs().is_err() {
                    100
                } else if load(&filter).is_err() {
                    101
                } else {
                    body()
                };
                // SAFETY: end the child without running the test harness's destructors.
                unsafe { libc::_exit(code) }
            }
            pid => {
                let mut status = 0;
                // SAFETY: waiting for our own child.
                unsafe { libc::waitpid(pid, &mut status, 0) };
                assert!(libc::WIFEXITED(status), "child died: {status:#x}");
                libc::WEXITSTATUS(status)
            }
        }
    }

    fn errno_of(r: libc::c_long) -> i32 {
        if r < 0 {
            Errno::last_raw()
        } else {
            0
        }
    }

    /// Each check's result in one bit (0..=7): the child's exit code says which failed.
    fn default_zone_checks() -> i32 {
        // SAFETY (all below): raw system calls with plain integer or null arguments; none
        // touches memory of ours except the io_uring params and timespec, which live here.
        unsafe {
            let mut failed = 0;
            let keyctl = libc::syscall(libc::SYS_keyctl, 0 /* GET_KEYRING_ID */, -4, 0);
            failed |= (errno_of(keyctl) != libc::EPERM) as i32;
            let userns = libc::syscall(libc::SYS_unshare, libc::CLONE_NEWUSER);
            failed |= ((errno_of(userns) != libc::EPERM) as i32) << 1;
            let clone3 = libc::syscall(libc::SYS_clone3, std::ptr::null::<u8>(), 0);
            failed |= ((errno_of(clone3) != libc::ENOSYS) as i32) << 2;
            let mut params = [0u8; 120];
            let uring = libc::syscall(libc::SYS_io_uring_setup, 4, params.as_mut_ptr());
            failed |= ((errno_of(uring) != libc::EPERM) as i32) << 3;
            let newuser = libc::syscall(
                libc::SYS_clone,
                libc::CLONE_NEWUSER | libc::SIGCHLD,
                0,
                0,
                0,
                0,
            );
            failed |= ((errno_of(newuser) != libc::EPERM) as i32) << 4;
            let mut ts: libc::timespec = std::mem::zeroed();
            libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts);
            let settime = libc::syscall(libc::SYS_clock_settime, libc::CLOCK_REALTIME, &ts);
            failed |= ((errno_of(settime) != libc::EPERM) as i32) << 5;
            // What zone processes do all the time still works: a plain fork.
            let child = libc::syscall(libc::SYS_clone, libc::SIGCHLD, 0, 0, 0, 0);
            if child == 0 {
                libc::_exit(0);
            }
            failed |= ((child <= 0 || libc::getpid() <= 0) as i32) << 6;
            if child > 0 {
                libc::waitpid(child as i32, std::ptr::null_mut(), 0);
            }
            // READ_IMPLIES_EXEC: not one of the harmless personalities.
            let bad_persona = libc::syscall(libc::SYS_personality, 0x0040_0000);
            failed |= ((errno_of(bad_persona) != libc::EPERM) as i32) << 7;
            failed
        }
    }

    fn plan(limitpriv: &str) -> Plan {
        let cfg = crate::config::ZoneConfig {
            name: "web".into(),
            zonepath: "/zones/web".into(),
            brand: "sparse".into(),
            limitpriv: limitpriv.into(),
            ..Default::default()
        };
        let facts = crate::host::HostFacts::one_cpu();
        crate::plan::compile(&cfg, &facts, std::path::Path::new("/")).unwrap()
    }

    /// What init loads and what zlogin reads is the program of the plan's own filter, on a
    /// cold cache, a warm one, and after the zone's limitpriv changed.
    #[test]
    fn the_loaded_program_is_the_plans_filter_compiled() {
        let t = tempfile::tempdir().unwrap();
        let run = RunDir::new(t.path());
        for limitpriv in ["", "", "default,sys_time", ""] {
            let p = plan(limitpriv);
            let filter = p.spec.linux().as_ref().unwrap().seccomp().clone().unwrap();
            let want = CompiledFilter::compile(&filter).unwrap();
            let (loaded, path) = prepare(&run, &p).unwrap();
            assert_eq!(loaded, want, "{limitpriv:?}");
            assert!(loaded.is_of(&filter));
            assert_eq!(path, run.seccomp_program("web"));
            assert_eq!(CompiledFilter::read(&path).unwrap(), want, "{limitpriv:?}");
        }
        // A plan without a filter makes no zone.
        let mut p = plan("");
        let mut linux = p.spec.linux().clone().unwrap();
        linux.set_seccomp(None);
        p.spec.set_linux(Some(linux));
        assert!(prepare(&run, &p).is_err());
    }

    #[test]
    fn the_default_filter_refuses_what_it_must_and_keeps_the_rest() {
        assert_eq!(under_filter(&["CAP_CHOWN"], default_zone_checks), 0);
    }
}
