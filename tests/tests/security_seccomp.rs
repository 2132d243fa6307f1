//! The zone's seccomp filter and capability set against what an attacker with root in a
//! default zone tries, each attack next to the legitimate use that must keep working: file
//! handles onto the host's file system, the host root's keyring, new user namespaces,
//! io_uring, locked memory past `capped-memory locked`, the clock (refused by default,
//! allowed with `limitpriv=default,sys_time`), personalities. The helper `zone-attack` makes
//! the calls inside the zone (and on the host, where the same calls show the test could
//! fail); `zoneadm plan` shows the filter.

use serde_json::Value;
use std::collections::BTreeSet;
use zones_tests::{
    attack_in_zone, attack_on_host, cap_sets, install_attacker, json_strings, require_root,
    unique_zone, Scratch,
};

const EPERM: i32 = libc::EPERM;

/// A booted zone (with `extra` zonecfg lines) holding the attack helper.
fn zone(prefix: &str, extra: &[&str]) -> (Scratch, String) {
    require_root();
    let s = Scratch::new();
    let z = unique_zone(prefix);
    s.configure(&z, extra);
    s.zoneadm(Some(&z), &["install"]).ok();
    install_attacker(&s, &z);
    s.zoneadm(Some(&z), &["boot"]).ok();
    (s, z)
}

/// The `Seccomp:` mode of a process (2 = filter).
fn seccomp_mode(status: &str) -> Option<String> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Seccomp:"))
        .map(|v| v.trim().to_string())
}

#[test]
fn plan_shows_the_filter_and_every_zone_process_runs_under_it() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("scplan");
    s.configure_default(&z);
    s.zoneadm(Some(&z), &["install"]).ok();
    let plan: Value = serde_json::from_str(&s.zoneadm(Some(&z), &["plan"]).ok().stdout).unwrap();
    let sc = &plan["linux"]["seccomp"];
    assert_eq!(sc["defaultAction"].as_str(), Some("SCMP_ACT_ERRNO"), "{sc}");
    assert_eq!(sc["defaultErrnoRet"].as_u64(), Some(EPERM as u64));
    let rules = sc["syscalls"].as_array().expect("syscalls");
    let allowed: BTreeSet<String> = rules
        .iter()
        .filter(|r| r["action"] == "SCMP_ACT_ALLOW" && r.get("args").is_none())
        .flat_map(|r| json_strings(&r["names"]))
        .collect();
    assert!(allowed.len() > 300, "{} calls allowed", allowed.len());
    for refused in [
        "open_by_handle_at",
        "name_to_handle_at",
        "keyctl",
        "add_key",
        "request_key",
        "bpf",
        "perf_event_open",
        "userfaultfd",
        "io_uring_setup",
        "kexec_load",
        "init_module",
        "finit_module",
        "mount",
        "umount2",
        "fsopen",
        "fsmount",
        "move_mount",
        "open_tree",
        "pivot_root",
        "unshare",
        "setns",
        "clone",
        "clone3",
        "clock_settime",
    ] {
        assert!(!allowed.contains(refused), "{refused} allowed by the plan");
    }
    let clone3 = rules
        .iter()
        .find(|r| json_strings(&r["names"]) == ["clone3"])
        .expect("a clone3 rule");
    assert_eq!(clone3["action"].as_str(), Some("SCMP_ACT_ERRNO"));
    assert_eq!(clone3["errnoRet"].as_u64(), Some(libc::ENOSYS as u64));
    let clone = rules
        .iter()
        .find(|r| json_strings(&r["names"]) == ["clone"])
        .expect("a clone rule");
    assert_eq!(clone["args"][0]["op"].as_str(), Some("SCMP_CMP_MASKED_EQ"));

    s.zoneadm(Some(&z), &["boot"]).ok();
    let init = s.record(&z).init_pid().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{init}/status")).unwrap();
    assert_eq!(
        seccomp_mode(&status).as_deref(),
        Some("2"),
        "init: {status}"
    );
    // zlogin still runs commands, and they run under the filter too.
    let out = s.zlogin(&[&z, "cat /proc/self/status"], None).ok().stdout;
    assert_eq!(seccomp_mode(&out).as_deref(), Some("2"), "{out}");
    assert_eq!(
        s.zlogin(&[&z, "echo", "hello"], None).ok().stdout,
        "hello\n"
    );
}

#[test]
fn file_handles_cannot_open_the_host_file_system() {
    let (s, z) = zone("schandle", &[]);
    // The host, unfiltered, gets a handle for the zone's root directory (or the file system
    // has none to give): the call itself is not what fails there.
    let zroot = s.root().join(format!("zones/{z}/root"));
    let host = attack_on_host(&["name-to-handle", zroot.to_str().unwrap()]);
    assert_ne!(host, Err(EPERM), "on the host");
    assert_eq!(attack_in_zone(&s, &z, &["name-to-handle", "/"]), Err(EPERM));
    assert_eq!(attack_in_zone(&s, &z, &["open-by-handle"]), Err(EPERM));
    let status = s.zlogin(&[&z, "cat /proc/self/status"], None).ok().stdout;
    let (bnd, eff) = cap_sets(&status);
    assert!(!bnd.contains("CAP_DAC_READ_SEARCH") && !eff.contains("CAP_DAC_READ_SEARCH"));
    // The zone's own files open as ever (read and search permission through DAC_OVERRIDE).
    let r = s.zlogin(&[&z, "install -d -m 000 /tmp/closed && echo x > /tmp/closed/f && chmod 000 /tmp/closed/f && cat /tmp/closed/f && head -1 /etc/passwd"], None).ok();
    assert!(r.stdout.starts_with("x\nroot:"), "{}", r.stdout);
}

#[test]
fn the_hosts_keyring_is_out_of_reach() {
    let (s, z) = zone("sckey", &[]);
    assert!(
        attack_on_host(&["keyctl"]).is_ok(),
        "the host has a user keyring"
    );
    assert_eq!(attack_in_zone(&s, &z, &["keyctl"]), Err(EPERM));
    let name = unique_zone("zonetest-key");
    assert_eq!(attack_in_zone(&s, &z, &["add-key", &name]), Err(EPERM));
    assert_eq!(
        attack_on_host(&["search-key", &name]),
        Err(libc::ENOKEY),
        "a key the zone added is in the host's keyring"
    );
}

#[test]
fn user_namespaces_cannot_be_created_but_processes_and_threads_can() {
    let (s, z) = zone("scuserns", &[]);
    assert_eq!(attack_on_host(&["clone-user"]), Ok(String::new()), "host");
    assert_eq!(attack_in_zone(&s, &z, &["unshare-user"]), Err(EPERM));
    assert_eq!(attack_in_zone(&s, &z, &["clone-user"]), Err(EPERM));
    let r = s.zlogin(&[&z, "unshare -U true"], None);
    assert_ne!(r.code, 0, "unshare -U worked in the zone");
    // fork, and threads (glibc tries clone3, gets ENOSYS, falls back to clone).
    assert_eq!(attack_in_zone(&s, &z, &["fork"]), Ok(String::new()));
    assert_eq!(attack_in_zone(&s, &z, &["thread"]), Ok(String::new()));
    let r = s
        .zlogin(&[&z, "sh -c 'sleep 0 & wait; echo waited'"], None)
        .ok();
    assert_eq!(r.stdout, "waited\n");
}

#[test]
fn io_uring_is_refused() {
    let (s, z) = zone("scuring", &[]);
    assert_eq!(attack_in_zone(&s, &z, &["io-uring"]), Err(EPERM));
    // Plain I/O the zone does all the time.
    let r = s
        .zlogin(
            &[
                &z,
                "dd if=/dev/zero of=/tmp/f bs=4k count=4 2>/dev/null && wc -c < /tmp/f",
            ],
            None,
        )
        .ok();
    assert_eq!(r.stdout.trim(), "16384");
}

#[test]
fn locked_memory_cap_holds_and_memory_under_it_locks() {
    let (s, z) = zone("sclocked", &["add capped-memory", "set locked=1m", "end"]);
    assert_eq!(
        attack_in_zone(&s, &z, &["mlock", "262144"]),
        Ok(String::new())
    );
    let past = attack_in_zone(&s, &z, &["mlock", "4194304"]);
    assert!(
        matches!(past, Err(libc::ENOMEM) | Err(libc::EPERM)),
        "mlock past the cap: {past:?}"
    );
    let status = s.zlogin(&[&z, "cat /proc/self/status"], None).ok().stdout;
    let (bnd, eff) = cap_sets(&status);
    assert!(!bnd.contains("CAP_IPC_LOCK") && !eff.contains("CAP_IPC_LOCK"));
    // Without the cap the zone keeps CAP_IPC_LOCK and locks as much as it likes.
    let (s2, z2) = zone("scunlocked", &[]);
    assert_eq!(
        attack_in_zone(&s2, &z2, &["mlock", "4194304"]),
        Ok(String::new())
    );
}

#[test]
fn only_a_sys_time_zone_sets_the_clock() {
    let (s, z) = zone("sctime", &["set limitpriv=default,sys_time"]);
    assert_eq!(attack_in_zone(&s, &z, &["settime"]), Ok(String::new()));
    let (s2, z2) = zone("scnotime", &[]);
    assert_eq!(attack_in_zone(&s2, &z2, &["settime"]), Err(EPERM));
    // Reading the time needs nothing.
    assert_eq!(
        s2.zlogin(&[&z2, "date +%Y"], None).ok().stdout.trim().len(),
        4
    );
}

#[test]
fn only_harmless_personalities() {
    let (s, z) = zone("scpers", &[]);
    assert!(attack_in_zone(&s, &z, &["personality", "ffffffff"]).is_ok());
    assert!(attack_in_zone(&s, &z, &["personality", "0"]).is_ok());
    // READ_IMPLIES_EXEC: makes every readable mapping executable.
    assert_eq!(
        attack_in_zone(&s, &z, &["personality", "400000"]),
        Err(EPERM)
    );
    assert!(attack_on_host(&["personality", "400000"]).is_ok(), "host");
}

/// zlogin loads the program its zone's supervisor wrote; without a good one it enters
/// nothing (no process runs in a zone unfiltered), and with it back it works again.
#[test]
fn zlogin_refuses_to_enter_without_the_zones_filter() {
    let (s, z) = zone("scnofilter", &[]);
    let program = s.root().join(format!("var/run/zones/{z}.seccomp"));
    let saved = std::fs::read(&program).expect("the zone's compiled filter");
    let marker = format!("/tmp/{}", unique_zone("entered"));
    let touch = format!("touch {marker}");
    for broken in [None, Some(b"zones-seccomp 1\nflags 0\n".to_vec())] {
        match &broken {
            None => std::fs::remove_file(&program).unwrap(),
            Some(bytes) => std::fs::write(&program, bytes).unwrap(),
        }
        let r = s.zlogin(&[&z, &touch], None);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("seccomp"), "{}", r.stderr);
        let zroot = s.root().join(format!("zones/{z}/root"));
        assert!(!zroot.join(marker.trim_start_matches('/')).exists());
    }
    std::fs::write(&program, saved).unwrap();
    assert_eq!(s.zlogin(&[&z, "echo", "back"], None).ok().stdout, "back\n");
}
