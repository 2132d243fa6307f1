//! What a zone's seccomp filter costs, phase by phase, and so per boot and per zlogin:
//!
//! - `profile`: building the plan's `linux.seccomp` (part of `plan::compile`);
//! - `compile`: libseccomp turning it into BPF (only on a cache miss: the first boot of a
//!   zone with a filter never seen under this run directory);
//! - `cache hit`: reading the kept program and checking it is the plan's (every other boot);
//! - `zone file`: publishing the zone's program for zlogin, a hard link to the kept one
//!   checked by reading it back (every boot);
//! - `read`: zlogin reading that program (every zlogin);
//! - `load`: `seccomp(SECCOMP_SET_MODE_FILTER)` in a fresh child (every boot and zlogin),
//!   timed inside the child around the call alone.
//!
//! Minimum and median of many repetitions; per boot = profile + cache hit + zone file +
//! load, per zlogin = read + load. Goal: each ≤ 0.3 ms.
//!
//! `cargo bench -p libzone --bench seccomp_filter`

use libzone::runtime::kernel::filter;
use libzone::seccomp::{default_filter, CompiledFilter, ProgramCache};
use std::time::{Duration, Instant};

const REPETITIONS: usize = 200;

/// The capabilities of a default zone (as `zoneadm plan` shows them on a usual host).
const DEFAULT_CAPS: &[&str] = &[
    "CAP_AUDIT_WRITE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
    "CAP_SYS_RESOURCE",
];

struct Stat {
    min: Duration,
    median: Duration,
}

fn stat(mut v: Vec<Duration>) -> Stat {
    v.sort();
    Stat {
        min: v[0],
        median: v[v.len() / 2],
    }
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Stat {
    stat(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

/// The time a fresh child spends in `filter::load`, `n` times (no_new_privs set first so an
/// unprivileged bench can load too).
fn load_in_children(n: usize, program: &CompiledFilter) -> Stat {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut pipe = [0i32; 2];
        // SAFETY: pipe writes two descriptors into the array.
        assert_eq!(unsafe { libc::pipe(pipe.as_mut_ptr()) }, 0);
        // SAFETY: the child makes raw system calls only and ends with _exit.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = nix::sys::prctl::set_no_new_privs().is_ok();
            let t = Instant::now();
            let loaded = ok && filter::load(program).is_ok();
            let ns = if loaded {
                t.elapsed().as_nanos() as u64
            } else {
                u64::MAX
            };
            // SAFETY: writing 8 bytes from a local into our pipe, then leaving.
            unsafe {
                libc::write(pipe[1], (&ns as *const u64).cast(), 8);
                libc::_exit(0);
            }
        }
        let mut ns = 0u64;
        // SAFETY: reading 8 bytes into a local; closing our pipe; reaping the child.
        unsafe {
            libc::read(pipe[0], (&mut ns as *mut u64).cast(), 8);
            libc::close(pipe[0]);
            libc::close(pipe[1]);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        assert_ne!(ns, u64::MAX, "the child could not load the filter");
        out.push(Duration::from_nanos(ns));
    }
    stat(out)
}

fn show(name: &str, s: &Stat) {
    println!(
        "{name:<12} min {:>8.1} µs   median {:>8.1} µs",
        s.min.as_secs_f64() * 1e6,
        s.median.as_secs_f64() * 1e6
    );
}

fn main() {
    let caps: Vec<String> = DEFAULT_CAPS.iter().map(|c| c.to_string()).collect();
    let filter = default_filter(&caps);
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = ProgramCache::new(dir.path().join("seccomp"));
    let compiled = cache.get(&filter).expect("compile");
    let zone_file = dir.path().join("z.seccomp");
    println!(
        "default zone filter: {} rules, {} BPF instructions, {} bytes on disk",
        filter.syscalls().as_ref().map_or(0, Vec::len),
        compiled.program().len() / 8,
        compiled.to_bytes().len()
    );
    let profile = time(REPETITIONS, || default_filter(&caps));
    let compile = time(REPETITIONS / 10, || {
        CompiledFilter::compile(&filter).unwrap()
    });
    let hit = time(REPETITIONS, || cache.get(&filter).unwrap());
    // As at a boot: the zone's file was removed when it last halted.
    let write = time(REPETITIONS, || {
        let _ = std::fs::remove_file(&zone_file);
        cache.publish(&filter, &compiled, &zone_file).unwrap()
    });
    let read = time(REPETITIONS, || CompiledFilter::read(&zone_file).unwrap());
    let load = load_in_children(REPETITIONS, &compiled);
    show("profile", &profile);
    show("compile", &compile);
    show("cache hit", &hit);
    show("zone file", &write);
    show("read", &read);
    show("load", &load);
    let sum = |parts: &[&Stat]| -> f64 {
        parts.iter().map(|s| s.median.as_secs_f64()).sum::<f64>() * 1e3
    };
    let boot = sum(&[&profile, &hit, &write, &load]);
    let zlogin = sum(&[&read, &load]);
    let first = sum(&[&profile, &compile, &write, &load]);
    println!("per boot     {boot:.3} ms (median sum; goal ≤ 0.3 ms)");
    println!("per zlogin   {zlogin:.3} ms (median sum; goal ≤ 0.3 ms)");
    println!("first boot with a filter not yet kept: {first:.3} ms");
}
