//! A mainstream host: a Debian 12 VM (systemd as PID 1, pure cgroup v2) under QEMU's software
//! emulation, made from Debian packages by `tests/vm/build.sh`. The package built by
//! `cargo deb` is installed in it with `dpkg -i`, and across a reboot: the zone with
//! autoboot was booted by zones.service at host start and the other was not; it lives in the
//! scope systemd delegated to it, its caps (memory, CPU, processes) are enforced, it runs on
//! its pool's CPU and the global zone's cpu-shares weighs its slice; the man pages, the
//! completion and the commands work; and at the power-off the zone's init was asked to shut
//! down and exited before its scope was stopped and the host went down.
//!
//! The VM reports each check of `tests/vm/guest/vmtest` on its serial console; this side
//! reads them. The test is skipped (loudly, with `target/vm/SKIPPED`) only where QEMU is not
//! installed; `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zones_tests::require_root;

/// The checks each phase must report as passed, in the guest script's order. A check added
/// to `tests/vm/guest/vmtest` is added here too.
const INSTALL_CHECKS: &[&str] = &[
    "package_installs",
    "units_enabled",
    "units_started",
    "pools_saved",
    "zones_configured",
];
const CHECK_CHECKS: &[&str] = &[
    "host_is_systemd_cgroup2",
    "booted_by_unit",
    "manual_zone_left",
    "zone_runs",
    "zone_in_delegated_scope",
    "global_shares",
    "pools_came_back",
    "pool_cpus_in_zone",
    "memory_cap",
    "cpu_cap",
    "fork_bomb",
    "poolstat_reports",
    "man_pages",
    "completion",
    "zoneadm_answers",
    "init_script",
];
const STOP_CHECKS: &[&str] = &[
    "init_got_shutdown",
    "init_exited",
    "zones_brought_down",
    "scope_outlived_zone",
];

/// One boot takes about half a minute here; software emulation on a loaded machine may take
/// many times that.
const BOOT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

const POWER_DOWN: &str = "reboot: Power down";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    // `target/<profile>/deps/<test>`
    zones_tests::bin_dir()
        .parent()
        .expect("target dir")
        .to_path_buf()
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run(cmd: &mut Command, what: &str) {
    let st = cmd.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(st.success(), "{what} failed: {st}");
}

/// `cargo deb`: the package exactly as a user builds it. cargo-deb is installed first if
/// it is missing.
fn build_package() -> PathBuf {
    let have = Command::new(cargo())
        .args(["deb", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        run(
            Command::new(cargo()).args(["install", "--locked", "cargo-deb"]),
            "cargo install cargo-deb",
        );
    }
    let out = target_dir().join("vm/deb");
    let _ = std::fs::remove_dir_all(&out);
    run(
        Command::new(cargo())
            .current_dir(workspace())
            .args(["deb", "-p", "zoneadm", "-o"])
            .arg(&out),
        "cargo deb",
    );
    let version = env!("CARGO_PKG_VERSION");
    let deb = out.join(format!("zones_{version}_amd64.deb"));
    assert!(deb.is_file(), "cargo deb made no {}", deb.display());
    deb
}

/// A VM that is killed when the test ends, however it ends.
struct Vm {
    child: Child,
}

impl Drop for Vm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Images {
    kernel: String,
    initrd: String,
    disk: String,
}

fn read_env(path: &Path) -> Images {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
            .to_string()
    };
    Images {
        kernel: get("KERNEL"),
        initrd: get("INITRD"),
        disk: get("DISK"),
    }
}

/// Boot the VM with `zones_vmtest=<phase>` and wait for it to power off; its serial console.
fn boot(images: &Images, phase: &str, log: &Path) -> String {
    let _ = std::fs::remove_file(log);
    let append = format!(
        "console=ttyS0 panic=-1 quiet systemd.show_status=0 fsck.mode=skip zones_vmtest={phase}"
    );
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args(["-accel", "tcg", "-m", "2048", "-smp", "2", "-nic", "none"])
        .args(["-display", "none", "-monitor", "none", "-no-reboot"])
        .arg("-kernel")
        .arg(&images.kernel)
        .arg("-initrd")
        .arg(&images.initrd)
        .arg("-append")
        .arg(&append)
        .arg("-drive")
        .arg(format!(
            "file={},if=virtio,format=raw,cache=unsafe",
            images.disk
        ))
        .arg("-serial")
        .arg(format!("file:{}", log.display()))
        .stdin(Stdio::null());
    // SAFETY: prctl in the child before exec; if the test dies, so does the VM.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let start = Instant::now();
    let mut vm = Vm {
        child: cmd.spawn().expect("qemu-system-x86_64"),
    };
    let status = loop {
        if let Some(st) = vm.child.try_wait().expect("wait for qemu") {
            break st;
        }
        assert!(
            start.elapsed() < BOOT_TIMEOUT,
            "the VM ({phase}) did not power off within {BOOT_TIMEOUT:?}; console:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let console = std::fs::read_to_string(log).unwrap_or_default();
    eprintln!("vm_debian: {phase} boot took {:?}", start.elapsed());
    assert!(
        status.success(),
        "qemu ({phase}): {status}; console:\n{console}"
    );
    console
}

/// The results a phase reported: every check in `expected` passed, in that order, and the
/// phase ended; the position of its last line in the console.
fn assert_phase(console: &str, phase: &str, expected: &[&str]) -> usize {
    let prefix = format!("ZONES-VMTEST {phase} ");
    let lines: Vec<(usize, &str)> = console
        .match_indices(&prefix)
        .map(|(at, _)| {
            let rest = &console[at + prefix.len()..];
            (at, rest.lines().next().unwrap_or("").trim_end())
        })
        .collect();
    let failed: Vec<&str> = lines
        .iter()
        .map(|(_, l)| *l)
        .filter(|l| l.contains(" FAIL"))
        .collect();
    assert!(
        failed.is_empty(),
        "{phase}: checks failed:\n{}\nconsole:\n{console}",
        failed.join("\n")
    );
    let passed: Vec<&str> = lines
        .iter()
        .filter_map(|(_, l)| l.strip_suffix(" ok"))
        .collect();
    assert_eq!(passed, expected, "{phase}: console:\n{console}");
    lines
        .iter()
        .find(|(_, l)| *l == "done")
        .map(|(at, _)| *at)
        .unwrap_or_else(|| panic!("{phase} did not finish; console:\n{console}"))
}

#[test]
fn debian12_vm_installs_the_package_boots_the_autoboot_zone_and_shuts_it_down() {
    require_root();
    let vm_dir = target_dir().join("vm");
    std::fs::create_dir_all(&vm_dir).expect("target/vm");
    let skipped = vm_dir.join("SKIPPED");
    let _ = std::fs::remove_file(&skipped);
    if !on_path("qemu-system-x86_64") {
        let why = "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86; \
                   .ci/run does): the Debian 12 VM test did not run";
        eprintln!(
            "\n{}\n*** SKIPPED: {why}\n{}\n",
            "*".repeat(78),
            "*".repeat(78)
        );
        std::fs::write(&skipped, format!("{why}\n")).expect("marker");
        return;
    }
    // One VM test at a time per target directory (the cache and the run directory).
    let lock = std::fs::File::create(vm_dir.join("lock")).expect("lock file");
    let _lock = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| e)
        .expect("lock target/vm");

    let deb = build_package();
    let run_dir = vm_dir.join("run");
    let start = Instant::now();
    run(
        Command::new("sh")
            .arg(workspace().join("tests/vm/build.sh"))
            .arg(&vm_dir)
            .arg(&deb)
            .arg(&run_dir),
        "tests/vm/build.sh",
    );
    eprintln!("vm_debian: image ready in {:?}", start.elapsed());
    // The disk goes when the test ends; the consoles stay for a look afterwards.
    struct RemoveDisk(PathBuf);
    impl Drop for RemoveDisk {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let images = read_env(&run_dir.join("vm.env"));
    let _disk = RemoveDisk(PathBuf::from(&images.disk));

    let console = boot(&images, "install", &run_dir.join("console-install.log"));
    assert_phase(&console, "install", INSTALL_CHECKS);

    let console = boot(&images, "check", &run_dir.join("console-check.log"));
    assert_phase(&console, "check", CHECK_CHECKS);
    let stopped = assert_phase(&console, "stop", STOP_CHECKS);
    // The zone was down before the host powered off, not merely killed with it.
    let off = console
        .find(POWER_DOWN)
        .unwrap_or_else(|| panic!("no power-down; console:\n{console}"));
    assert!(
        stopped < off,
        "the stop checks ran after the power-off:\n{console}"
    );
}
