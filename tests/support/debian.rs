//! A Debian 12 root file system for whole-root zones: `debootstrap --variant=minbase` with
//! systemd and dbus, from the mirror the host's apt already uses, cached under
//! `target/debian-root/<key>` for later runs. It is built in a temporary directory next to
//! the cache and renamed into place only when complete, so a run killed half way never
//! leaves a half tree to be taken for a cache; builds take turns on a lock file.
//!
//! The cached tree is an image, not a machine: its `/etc/machine-id` is empty and it has no
//! `/etc/hostname`, so each zone installed from it gets its own identity.

use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The suite, variant and packages of the tree, and the version of how it is post-processed:
/// a change to any of them makes a new cache entry.
pub const DEBIAN_SUITE: &str = "bookworm";
pub const DEBIAN_INCLUDE: &str = "systemd,systemd-sysv,dbus";
pub const DEBIAN_KEY: &str = "bookworm-minbase-systemd-dbus-1";

/// `target/` of the workspace (from the test executable, `target/<profile>/deps/<test>`).
pub fn target_dir() -> PathBuf {
    crate::bin_dir()
        .parent()
        .expect("target directory")
        .to_path_buf()
}

/// The mirror URIs of `suite` in apt sources: deb822 `*.sources` stanzas (`URIs:` of one
/// whose `Suites:` name it) and one-line `deb URI suite ...` entries, in that order.
pub fn apt_mirrors(deb822: &[String], one_line: &[String], suite: &str) -> Vec<String> {
    let mut out = Vec::new();
    for text in deb822 {
        for stanza in text.split("\n\n") {
            let (mut uris, mut ours, mut deb) = (Vec::new(), false, true);
            for line in stanza.lines() {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                let words = value.split_whitespace();
                match key.trim() {
                    "URIs" => uris = words.map(str::to_string).collect(),
                    "Suites" => ours = words.clone().any(|w| w == suite),
                    "Types" => deb = words.clone().any(|w| w == "deb"),
                    _ => {}
                }
            }
            if ours && deb {
                out.extend(uris);
            }
        }
    }
    for text in one_line {
        for line in text.lines() {
            let mut w = line.split_whitespace();
            if w.next() != Some("deb") {
                continue;
            }
            // `deb [options] uri suite components...`
            let mut uri = w.next();
            if let Some(opt) = uri.filter(|u| u.starts_with('[')) {
                if !opt.ends_with(']') {
                    w.find(|x| x.ends_with(']'));
                }
                uri = w.next();
            }
            if let (Some(u), Some(s)) = (uri, w.next()) {
                if s == suite {
                    out.push(u.to_string());
                }
            }
        }
    }
    out
}

/// The host's mirror for `suite`, from `/etc/apt/sources.list*`.
pub fn host_mirror(suite: &str) -> Option<String> {
    let read = |ext: &str| -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir("/etc/apt/sources.list.d")
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    };
    let mut one_line: Vec<String> = std::fs::read_to_string("/etc/apt/sources.list")
        .into_iter()
        .collect();
    one_line.extend(read("list"));
    apt_mirrors(&read("sources"), &one_line, suite)
        .into_iter()
        .find(|u| u.starts_with("http://") || u.starts_with("https://"))
}

/// The cached tree, built first when there is none. Panics (with debootstrap's log) when it
/// cannot be built.
pub fn debian_root() -> PathBuf {
    let cache = target_dir().join("debian-root");
    let tree = cache.join(DEBIAN_KEY);
    // Only a complete tree is ever renamed to its key.
    if tree.exists() {
        return tree;
    }
    std::fs::create_dir_all(&cache).expect("target/debian-root");
    let lock = std::fs::File::create(cache.join(".lock")).expect("cache lock");
    // SAFETY: flock on a descriptor we own; released when the file is closed.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    if tree.exists() {
        return tree;
    }
    // What builds killed before their rename left (no one else builds while we hold the lock).
    for e in std::fs::read_dir(&cache).expect("cache dir").flatten() {
        if e.file_name().to_string_lossy().starts_with(".build-") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    let mirror = host_mirror(DEBIAN_SUITE)
        .unwrap_or_else(|| panic!("no {DEBIAN_SUITE} mirror in /etc/apt/sources.list*"));
    let work = tempfile::Builder::new()
        .prefix(".build-")
        .tempdir_in(&cache)
        .expect("build dir");
    let root = work.path().join("root");
    let log = work.path().join("debootstrap.log");
    let out = std::fs::File::create(&log).expect("log");
    let st = Command::new("debootstrap")
        .args(["--variant=minbase", &format!("--include={DEBIAN_INCLUDE}")])
        .arg(DEBIAN_SUITE)
        .arg(&root)
        .arg(&mirror)
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .status()
        .expect("debootstrap (apt-get install debootstrap)");
    assert!(
        st.success(),
        "debootstrap {DEBIAN_SUITE} from {mirror} failed: {st}\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    make_image(&root);
    std::fs::rename(&root, &tree).expect("cache the tree");
    tree
}

/// Take the machine out of a bootstrapped tree: no machine ID, no host name, no downloaded
/// packages.
fn make_image(root: &Path) {
    std::fs::write(root.join("etc/machine-id"), "").expect("empty machine-id");
    let _ = std::fs::remove_file(root.join("etc/hostname"));
    let _ = std::fs::remove_file(root.join("var/lib/dbus/machine-id"));
    if let Ok(d) = std::fs::read_dir(root.join("var/cache/apt/archives")) {
        for e in d.flatten() {
            if e.path().extension().is_some_and(|x| x == "deb") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_from_both_formats() {
        let deb822 = vec![
            "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\n\
             Components: main\n\nTypes: deb\nURIs: http://security.debian.org/debian-security\n\
             Suites: bookworm-security\n"
                .to_string(),
            "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n".to_string(),
        ];
        let one = vec![
            "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n\
             deb [trusted=yes] http://single.example/debian bookworm main\n\
             deb http://other.example/debian bullseye main\ndeb-src http://x/ bookworm main\n"
                .to_string(),
        ];
        assert_eq!(
            apt_mirrors(&deb822, &one, "bookworm"),
            [
                "http://deb.debian.org/debian",
                "http://mirror.example/debian",
                "http://single.example/debian"
            ]
        );
        assert!(apt_mirrors(&deb822, &one, "trixie").is_empty());
    }
}
