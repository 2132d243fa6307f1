//! The `zone-attack` helper (`support/bin/zone_attack.rs`) run inside a zone and on the
//! host: copied into the zone's root (a sparse zone sees the host's `/usr`, not the build
//! tree), run through zlogin, its one-line answer parsed.

use crate::{bin, run_command, Scratch};
use std::process::Command;

/// Where the helper lives inside a zone.
pub const ATTACKER: &str = "/zone-attack";

/// What one attack did: `Ok(detail)`, or `Err(errno)` when the call was refused.
pub type Outcome = Result<String, i32>;

/// Parse the helper's answer (`ok [detail]` or `errno <n> <text>`).
pub fn outcome(stdout: &str) -> Option<Outcome> {
    let line = stdout.lines().next()?;
    if line == "ok" {
        return Some(Ok(String::new()));
    }
    if let Some(detail) = line.strip_prefix("ok ") {
        return Some(Ok(detail.to_string()));
    }
    let n = line.strip_prefix("errno ")?.split_whitespace().next()?;
    Some(Err(n.parse().ok()?))
}

/// Copy the helper into the root of `zone` (installed, under the scratch root).
pub fn install_attacker(s: &Scratch, zone: &str) {
    let dest = s.root().join(format!("zones/{zone}/root{ATTACKER}"));
    std::fs::copy(bin("zone-attack"), &dest)
        .unwrap_or_else(|e| panic!("copy zone-attack to {}: {e}", dest.display()));
}

/// Run the helper in `zone` through zlogin.
pub fn attack_in_zone(s: &Scratch, zone: &str, args: &[&str]) -> Outcome {
    let mut a = vec![zone, ATTACKER];
    a.extend_from_slice(args);
    let r = s.zlogin(&a, None);
    outcome(&r.stdout).unwrap_or_else(|| {
        panic!(
            "zone-attack {args:?} in {zone}: no answer (exit {})\nstdout:\n{}\nstderr:\n{}",
            r.code, r.stdout, r.stderr
        )
    })
}

/// Run the helper on the host (the control: what the zone would get without isolation).
pub fn attack_on_host(args: &[&str]) -> Outcome {
    let mut cmd = Command::new(bin("zone-attack"));
    cmd.args(args);
    let r = run_command(cmd, None);
    outcome(&r.stdout).unwrap_or_else(|| panic!("zone-attack {args:?} on the host: {}", r.stderr))
}
