//! `zoneadm install` without a source for a whole-root zone: the host's distribution,
//! bootstrapped by the installer the brand data names (debootstrap, `--variant=minbase
//! --include=systemd,systemd-sysv,dbus`), from the mirror and suite of the host's own apt
//! sources (`/etc/apt/sources.list`, `sources.list.d/*.list` and deb822 `*.sources`).
//!
//! [`plan`] is pure over a host root directory, so it is unit-tested with made-up hosts;
//! [`run`] starts the installer and hands each line it prints to the caller.

use crate::brand::Bootstrap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("the brand has no installer for a bootstrap; give a source with -a or -d")]
    NoInstaller,
    #[error("cannot tell the host's distribution ({0} unreadable); give a source with -a or -d")]
    NoOsRelease(PathBuf),
    #[error("the host runs {found}, which {program} does not bootstrap (it knows {known}); give a source with -a or -d")]
    Distribution {
        found: String,
        program: String,
        known: String,
    },
    #[error("no 'deb' source for {suite} in the host's apt sources ({dir}); give a source with -a or -d")]
    NoSource { suite: String, dir: PathBuf },
    #[error(
        "{program} is not installed (apt-get install {program}), or give a source with -a or -d"
    )]
    Missing { program: String },
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} failed ({status}): {last}")]
    Failed {
        program: String,
        status: String,
        last: String,
    },
}

/// One `deb` line (or deb822 stanza, one per suite) of the apt sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AptSource {
    pub uri: String,
    pub suite: String,
    pub components: Vec<String>,
}

/// What [`run`] starts: the installer and its arguments, `{target}` still to fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapPlan {
    pub program: String,
    pub args: Vec<String>,
    pub source: AptSource,
    /// os-release's `ID` of the host.
    pub distribution: String,
}

impl BootstrapPlan {
    /// The installer's arguments for zone root `target`.
    pub fn args_for(&self, target: &Path) -> Vec<OsString> {
        self.args
            .iter()
            .map(|a| {
                if a == "{target}" {
                    target.as_os_str().to_os_string()
                } else {
                    OsString::from(a.replace("{target}", &target.to_string_lossy()))
                }
            })
            .collect()
    }
}

/// `KEY=value` lines of an os-release file (quotes removed).
fn os_release(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_matches('"').trim_matches('\'').to_string(),
            )
        })
        .collect()
}

/// The `deb` sources of one-line format text (`deb [opts] uri suite comp...`).
pub fn parse_list(text: &str) -> Vec<AptSource> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut rest = match line
            .strip_prefix("deb ")
            .or_else(|| line.strip_prefix("deb\t"))
        {
            Some(r) => r.trim_start(),
            None => continue,
        };
        if rest.starts_with('[') {
            match rest.find(']') {
                Some(i) => rest = rest[i + 1..].trim_start(),
                None => continue,
            }
        }
        let mut words = rest.split_whitespace();
        let (Some(uri), Some(suite)) = (words.next(), words.next()) else {
            continue;
        };
        out.push(AptSource {
            uri: uri.to_string(),
            suite: suite.to_string(),
            components: words.map(str::to_string).collect(),
        });
    }
    out
}

/// The `deb` sources of deb822 text (`Types: deb`, `URIs:`, `Suites:`, `Components:`),
/// without the stanzas that say `Enabled: no`.
pub fn parse_sources(text: &str) -> Vec<AptSource> {
    let mut out = Vec::new();
    let mut stanza: Vec<(String, String)> = Vec::new();
    let flush = |stanza: &mut Vec<(String, String)>, out: &mut Vec<AptSource>| {
        let get = |k: &str| {
            stanza
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let enabled = !get("Enabled").eq_ignore_ascii_case("no");
        if enabled && get("Types").split_whitespace().any(|t| t == "deb") {
            let comps: Vec<String> = get("Components")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            for uri in get("URIs").split_whitespace() {
                for suite in get("Suites").split_whitespace() {
                    out.push(AptSource {
                        uri: uri.to_string(),
                        suite: suite.to_string(),
                        components: comps.clone(),
                    });
                }
            }
        }
        stanza.clear();
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut stanza, &mut out);
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = stanza.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            stanza.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    flush(&mut stanza, &mut out);
    out
}

/// The host's apt sources under `host` (`etc/apt/sources.list`, then the files of
/// `sources.list.d` in name order, as apt reads them).
pub fn host_sources(host: &Path) -> Vec<AptSource> {
    let apt = host.join("etc/apt");
    let mut out = Vec::new();
    if let Ok(t) = std::fs::read_to_string(apt.join("sources.list")) {
        out.extend(parse_list(&t));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(apt.join("sources.list.d"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files {
        let Ok(t) = std::fs::read_to_string(&f) else {
            continue;
        };
        match f.extension().and_then(|e| e.to_str()) {
            Some("list") => out.extend(parse_list(&t)),
            Some("sources") => out.extend(parse_sources(&t)),
            _ => {}
        }
    }
    out
}

/// What bootstrapping the distribution of the host at `host` takes, with `brand`'s
/// installer: the host's os-release names the distribution and its suite (codename), its
/// apt sources the mirror.
pub fn plan(brand: Option<&Bootstrap>, host: &Path) -> Result<BootstrapPlan, BootstrapError> {
    let b = brand.ok_or(BootstrapError::NoInstaller)?;
    let rel = ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|p| std::fs::read_to_string(host.join(p)).ok())
        .ok_or_else(|| BootstrapError::NoOsRelease(host.join("etc/os-release")))?;
    let kv = os_release(&rel);
    let get = |k: &str| {
        kv.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let id = get("ID");
    let like = get("ID_LIKE");
    let known = std::iter::once(id.as_str())
        .chain(like.split_whitespace())
        .any(|d| b.distributions.iter().any(|k| k == d));
    if !known {
        return Err(BootstrapError::Distribution {
            found: if id.is_empty() {
                "an unknown distribution".into()
            } else {
                id
            },
            program: b.program.clone(),
            known: b.distributions.join(", "),
        });
    }
    let codename = match get("VERSION_CODENAME") {
        c if !c.is_empty() => c,
        _ => get("UBUNTU_CODENAME"),
    };
    let sources = host_sources(host);
    let usable = |s: &&AptSource| {
        s.uri.starts_with("http://") || s.uri.starts_with("https://") || s.uri.starts_with("file:")
    };
    let source = sources
        .iter()
        .filter(usable)
        .find(|s| !codename.is_empty() && s.suite == codename)
        .or_else(|| {
            // No codename (testing/sid): the first suite that is not an updates or
            // security pocket.
            codename
                .is_empty()
                .then(|| {
                    sources
                        .iter()
                        .filter(usable)
                        .find(|s| !s.suite.contains(['-', '/']))
                })
                .flatten()
        })
        .cloned()
        .ok_or_else(|| BootstrapError::NoSource {
            suite: if codename.is_empty() {
                "the host's release".into()
            } else {
                codename.clone()
            },
            dir: host.join("etc/apt"),
        })?;
    let components = if source.components.is_empty() {
        "main".to_string()
    } else {
        source.components.join(",")
    };
    let args = b
        .args
        .iter()
        .map(|a| {
            a.replace("{suite}", &source.suite)
                .replace("{mirror}", &source.uri)
                .replace("{components}", &components)
        })
        .collect();
    Ok(BootstrapPlan {
        program: b.program.clone(),
        args,
        source,
        distribution: get("ID"),
    })
}

/// The installer on the host's `PATH` (and the sbin directories root has), if any.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Run the plan into `target`; `line` gets each line the installer prints (both streams).
pub fn run(
    plan: &BootstrapPlan,
    target: &Path,
    line: &mut dyn FnMut(&str),
) -> Result<(), BootstrapError> {
    let program = find_program(&plan.program).ok_or_else(|| BootstrapError::Missing {
        program: plan.program.clone(),
    })?;
    let spawn = |source| BootstrapError::Spawn {
        program: plan.program.clone(),
        source,
    };
    let (rd, wr) = nix::unistd::pipe().map_err(|e| spawn(std::io::Error::from(e)))?;
    let wr2 = wr.try_clone().map_err(spawn)?;
    let mut cmd = Command::new(&program);
    cmd.args(plan.args_for(target))
        .stdin(Stdio::null())
        .stdout(Stdio::from(wr))
        .stderr(Stdio::from(wr2))
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        );
    // The installer goes when zoneadm goes (killed mid-install: no orphan keeps writing).
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(spawn)?;
    drop(cmd);
    let mut last = String::new();
    for l in BufReader::new(std::fs::File::from(rd)).split(b'\n') {
        let Ok(l) = l else { break };
        let text = String::from_utf8_lossy(&l).trim_end().to_string();
        if !text.is_empty() {
            line(&text);
            last = text;
        }
    }
    let status = child.wait().map_err(spawn)?;
    if !status.success() {
        return Err(BootstrapError::Failed {
            program: plan.program.clone(),
            status: status.to_string(),
            last,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(files: &[(&str, &str)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let p = t.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        t
    }

    fn whole() -> Bootstrap {
        crate::brand::lookup("whole")
            .unwrap()
            .install
            .bootstrap
            .unwrap()
    }

    const BOOKWORM: &str =
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_CODENAME=bookworm\n";
    const DEB822: &str = "Types: deb\n# a comment\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n";

    #[test]
    fn debian_host_with_deb822_sources() {
        let h = host(&[
            ("etc/os-release", BOOKWORM),
            ("etc/apt/sources.list.d/debian.sources", DEB822),
            // Files apt does not read are not read here either.
            (
                "etc/apt/sources.list.d/other.list.disabled",
                "deb http://example.invalid/x bookworm main\n",
            ),
        ]);
        let p = plan(Some(&whole()), h.path()).unwrap();
        assert_eq!(p.program, "debootstrap");
        assert_eq!(
            p.args_for(Path::new("/z/root")),
            [
                "--variant=minbase",
                "--include=systemd,systemd-sysv,dbus",
                "--components=main,contrib",
                "bookworm",
                "/z/root",
                "http://deb.debian.org/debian",
            ]
            .map(OsString::from)
        );
        assert_eq!(p.distribution, "debian");
    }

    #[test]
    fn one_line_sources() {
        let list = "# comment\ndeb-src http://m/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main non-free # trailing\ndeb http://m/debian-security bookworm-security main\n";
        let s = parse_list(list);
        assert_eq!(
            s,
            vec![
                AptSource {
                    uri: "http://m/debian".into(),
                    suite: "bookworm".into(),
                    components: vec!["main".into(), "non-free".into()],
                },
                AptSource {
                    uri: "http://m/debian-security".into(),
                    suite: "bookworm-security".into(),
                    components: vec!["main".into()],
                }
            ]
        );
        let h = host(&[("etc/os-release", BOOKWORM), ("etc/apt/sources.list", list)]);
        let p = plan(Some(&whole()), h.path()).unwrap();
        assert_eq!(p.source.uri, "http://m/debian");
        assert!(p.args.contains(&"--components=main,non-free".to_string()));
    }

    #[test]
    fn deb822_disabled_and_continued() {
        let s = parse_sources("Types: deb deb-src\nURIs: http://a/\n  http://b/\nSuites: s\nComponents: main\n\nEnabled: no\nTypes: deb\nURIs: http://c/\nSuites: t\n");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].uri, "http://a/");
        assert_eq!(s[1].uri, "http://b/");
    }

    #[test]
    fn ubuntu_is_known_and_others_are_not() {
        let h = host(&[
            (
                "usr/lib/os-release",
                "ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n",
            ),
            (
                "etc/apt/sources.list",
                "deb http://archive.ubuntu.com/ubuntu noble main universe\n",
            ),
        ]);
        let p = plan(Some(&whole()), h.path()).unwrap();
        assert!(p.args.contains(&"noble".to_string()));
        let h = host(&[("etc/os-release", "ID=fedora\nVERSION_ID=40\n")]);
        let e = plan(Some(&whole()), h.path()).unwrap_err();
        assert!(e.to_string().contains("fedora"), "{e}");
        assert!(matches!(
            plan(None, h.path()),
            Err(BootstrapError::NoInstaller)
        ));
        let h = host(&[("etc/os-release", BOOKWORM)]);
        assert!(matches!(
            plan(Some(&whole()), h.path()),
            Err(BootstrapError::NoSource { .. })
        ));
        let h = tempfile::tempdir().unwrap();
        assert!(matches!(
            plan(Some(&whole()), h.path()),
            Err(BootstrapError::NoOsRelease(_))
        ));
    }

    #[test]
    fn installer_output_and_failure() {
        let b = Bootstrap {
            distributions: vec!["debian".into()],
            program: "/bin/sh".into(),
            args: vec![
                "-c".into(),
                "echo I: into {target}; echo E: bad >&2; exit 3".into(),
            ],
        };
        let p = BootstrapPlan {
            program: b.program.clone(),
            args: b.args.clone(),
            source: AptSource {
                uri: String::new(),
                suite: String::new(),
                components: vec![],
            },
            distribution: "debian".into(),
        };
        let mut lines = Vec::new();
        let e = run(&p, Path::new("/t"), &mut |l| lines.push(l.to_string())).unwrap_err();
        assert_eq!(lines, ["I: into /t", "E: bad"]);
        assert!(e.to_string().contains("E: bad"), "{e}");
        let missing = BootstrapPlan {
            program: "no-such-installer-zz".into(),
            ..p
        };
        assert!(matches!(
            run(&missing, Path::new("/t"), &mut |_| {}),
            Err(BootstrapError::Missing { .. })
        ));
    }
}
