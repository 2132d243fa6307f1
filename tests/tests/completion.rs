//! The bash completion shipped with the package (`completion/zones.bash`): commands'
//! options and subcommands, zone names from `zoneadm list`, zonecfg's resource types and
//! properties, pool names from `pooladm`, each in the alternate root the line names.

use std::path::PathBuf;
use std::process::Command;
use zones_tests::{bin_dir, require_root, unique_zone, Scratch};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../completion/zones.bash")
}

/// What bash offers for the last word of `words` (the command first), with our binaries
/// first on the PATH.
fn complete(words: &[&str]) -> Vec<String> {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(
            r#"source "$1" || exit 1; shift
               COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
               fn=$(complete -p "$1" | awk '{ print $3 }')
               "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
               printf '%s\n' "${COMPREPLY[@]}""#,
        )
        .arg("bash")
        .arg(script())
        .args(words)
        .env("PATH", path)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn zone_names_subcommands_resource_types_and_pools_complete() {
    require_root();
    let s = Scratch::new();
    let root = s.root_str();
    let (configured, installed) = (unique_zone("cmpC"), unique_zone("cmpI"));
    s.configure_default(&configured);
    s.configure_default(&installed);
    s.zoneadm(Some(&installed), &["install"]).ok();
    let mut both = vec![configured.clone(), installed.clone()];
    both.sort();

    assert_eq!(complete(&["zoneadm", "-R", &root, "-z", ""]), both);
    assert_eq!(
        complete(&["zoneadm", "-R", &root, "-z", "cmpI"]),
        std::slice::from_ref(&installed)
    );
    assert_eq!(
        complete(&["zoneadm", "-R", &root, "-z", &installed, "re"]),
        ["ready", "reboot"]
    );
    assert_eq!(
        complete(&["zoneadm", "-R", &root, "list", "-"]),
        ["-c", "-i", "-p", "-v"]
    );
    assert_eq!(complete(&["zonecfg", &format!("-R{root}"), "-z", ""]), both);
    assert_eq!(
        complete(&["zonecfg", "-R", &root, "-z", &configured, "add", "capped-"]),
        ["capped-cpu", "capped-memory"]
    );
    assert_eq!(
        complete(&["zonecfg", "-R", &root, "-z", &configured, "set", "auto"]),
        ["autoboot=", "autoshutdown="]
    );
    assert_eq!(
        complete(&["zonecfg", "-R", &root, "-z", &configured, "com"]),
        ["commit"]
    );
    // zlogin: installed zones only (a configured zone has no console to watch).
    assert_eq!(
        complete(&["zlogin", "-R", &root, ""]),
        std::slice::from_ref(&installed)
    );
    assert_eq!(complete(&["zlogin", "-R", &root, "-C", "-"]).len(), 10);

    // Pools: none before the facility is enabled, its pools after.
    assert!(complete(&["poolbind", "-R", &root, "-p", ""]).is_empty());
    s.run("pooladm", &["-e"], None).ok();
    assert_eq!(
        complete(&["poolbind", "-R", &root, "-p", ""]),
        ["pool_default"]
    );
    assert_eq!(
        complete(&["poolstat", "-R", &root, "-r", ""]),
        ["all", "pset"]
    );
    assert_eq!(complete(&["poolcfg", "-c", "d"]), ["destroy", "discover"]);
}
