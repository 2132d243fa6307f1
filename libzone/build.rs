//! Build the zone launcher (`launcher/launcher.rs`): a freestanding static executable that
//! `runtime::kernel::sealed` embeds and runs from a sealed memfd inside zones. It is compiled here
//! with the same rustc and target as libzone, without std (so `-C panic=abort` and no start
//! files), because as a normal binary target it would be a dynamically linked std program a
//! few hundred times larger and far slower to exec (see the launcher's own comment).

use std::path::PathBuf;
use std::process::Command;

const SOURCE: &str = "launcher/launcher.rs";

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os != "linux" || !["x86_64", "aarch64"].contains(&arch.as_str()) {
        panic!(
            "libzone: the zone launcher ({SOURCE}) supports Linux on x86_64 and aarch64, \
             not {os}/{arch}"
        );
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let mut cmd = Command::new(rustc);
    cmd.args([
        "--edition=2021",
        "--crate-type=bin",
        "--crate-name=zone_launcher",
    ])
    .args(["--target", &target])
    .args([
        "-C",
        "opt-level=s",
        "-C",
        "panic=abort",
        "-C",
        "debuginfo=0",
    ])
    .args(["-C", "codegen-units=1", "-C", "strip=symbols"])
    // A fixed-address static image: nothing to relocate, no loader to run.
    .args([
        "-C",
        "relocation-model=static",
        "-C",
        "target-feature=+crt-static",
    ])
    .args(["-C", "link-arg=-nostartfiles", "-C", "link-arg=-nostdlib"])
    .args([
        "-C",
        "link-arg=-static",
        "-C",
        "link-arg=-Wl,--build-id=none",
    ]);
    // The linker configured for this target, if any (cargo passes it on to build scripts).
    if let Some(linker) = std::env::var_os("RUSTC_LINKER") {
        let mut arg = std::ffi::OsString::from("linker=");
        arg.push(linker);
        cmd.arg("-C").arg(arg);
    }
    cmd.arg("-o").arg(out.join("zone-launcher")).arg(SOURCE);
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("libzone: cannot run rustc for {SOURCE}: {e}"));
    assert!(status.success(), "libzone: building {SOURCE} failed");
}
