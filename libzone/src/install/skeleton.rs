//! The private part of a sparse zone root: the directories and `/etc` files a small Linux
//! system needs, the host's system-directory layout reproduced (symlinks into `/usr` on a
//! merged-/usr host, mount points otherwise), and mount points for what is bound at boot.

use crate::host::HostDir;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Directories of the skeleton with their modes.
pub const DIRS: [(&str, u32); 20] = [
    ("etc", 0o755),
    ("etc/rc.d", 0o755),
    ("root", 0o700),
    ("tmp", 0o1777),
    ("var", 0o755),
    ("var/tmp", 0o1777),
    ("var/log", 0o755),
    ("var/mail", 0o755),
    ("var/spool", 0o755),
    ("run", 0o755),
    ("home", 0o755),
    ("opt", 0o755),
    ("mnt", 0o755),
    ("srv", 0o755),
    ("dev", 0o755),
    ("proc", 0o555),
    ("sys", 0o555),
    ("usr", 0o755),
    ("var/lib", 0o755),
    ("var/cache", 0o755),
];

/// Symlinks every zone gets (link, target).
pub const LINKS: [(&str, &str); 3] = [
    ("var/run", "../run"),
    ("etc/mtab", "../proc/self/mounts"),
    ("etc/os-release", "../usr/lib/os-release"),
];

fn io<T>(what: &Path, r: std::io::Result<T>) -> Result<T, (std::path::PathBuf, std::io::Error)> {
    r.map_err(|e| (what.to_path_buf(), e))
}

/// The `/etc` files of a new zone (path, mode, contents).
pub fn etc_files(
    zone: &str,
    root_shell: &str,
    resolv: &str,
    days: u64,
) -> Vec<(&'static str, u32, String)> {
    vec![
        (
            "etc/passwd",
            0o644,
            format!(
                "root:x:0:0:root:/root:{root_shell}\n\
                 daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                 bin:x:2:2:bin:/bin:/usr/sbin/nologin\n\
                 sys:x:3:3:sys:/dev:/usr/sbin/nologin\n\
                 nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
            ),
        ),
        (
            "etc/group",
            0o644,
            "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\nstaff:x:50:\n\
             users:x:100:\nnogroup:x:65534:\n"
                .to_string(),
        ),
        (
            // root starts without a password, as a freshly installed Solaris zone does: only
            // the global zone's root can reach the console or zlogin to set one.
            "etc/shadow",
            0o600,
            format!(
                "root::{days}:0:99999:7:::\ndaemon:*:{days}:0:99999:7:::\nbin:*:{days}:0:99999:7:::\n\
                 sys:*:{days}:0:99999:7:::\nnobody:*:{days}:0:99999:7:::\n"
            ),
        ),
        (
            "etc/hosts",
            0o644,
            format!("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{zone}\n"),
        ),
        ("etc/hostname", 0o644, format!("{zone}\n")),
        ("etc/resolv.conf", 0o644, resolv.to_string()),
        (
            "etc/nsswitch.conf",
            0o644,
            "passwd:\tfiles\ngroup:\tfiles\nshadow:\tfiles\nhosts:\tfiles dns\n\
             networks:\tfiles\nprotocols:\tfiles\nservices:\tfiles\n"
                .to_string(),
        ),
        (
            "etc/profile",
            0o644,
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nexport PATH\nPS1=\"$(hostname)# \"\n".to_string(),
        ),
    ]
}

/// Lay the skeleton down under `root` (which exists). `system_dirs` is the host layout.
pub fn create(
    root: &Path,
    zone: &str,
    system_dirs: &[(String, HostDir)],
    extra_mount_points: &[String],
    log: &mut dyn FnMut(&str),
) -> Result<(), (std::path::PathBuf, std::io::Error)> {
    for (d, mode) in DIRS {
        let p = root.join(d);
        io(
            &p,
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(&p),
        )?;
        // DirBuilder's mode is filtered by the umask; set it exactly.
        io(
            &p,
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)),
        )?;
    }
    for (link, target) in LINKS {
        let p = root.join(link);
        if std::fs::symlink_metadata(&p).is_err() {
            io(&p, std::os::unix::fs::symlink(target, &p))?;
        }
    }
    for (d, kind) in system_dirs {
        let p = root.join(d.trim_start_matches('/'));
        if std::fs::symlink_metadata(&p).is_ok() {
            continue;
        }
        match kind {
            HostDir::Symlink(target) => {
                io(&p, std::os::unix::fs::symlink(target, &p))?;
                log(&format!(
                    "Linked {d} to {}, as on the host.",
                    target.display()
                ));
            }
            HostDir::Dir => {
                io(&p, std::fs::create_dir(&p))?;
                log(&format!(
                    "Made {d}, where the host's {d} is mounted read-only."
                ));
            }
        }
    }
    for d in extra_mount_points {
        let p = root.join(d.trim_start_matches('/'));
        io(&p, std::fs::create_dir_all(&p))?;
    }
    let shell = if Path::new("/bin/bash").exists() {
        "/bin/bash"
    } else {
        "/bin/sh"
    };
    let resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    for (name, mode, body) in etc_files(zone, shell, &resolv, days) {
        let p = root.join(name);
        let mut f = io(
            &p,
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(mode)
                .open(&p),
        )?;
        io(&p, f.write_all(body.as_bytes()))?;
        io(
            &p,
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)),
        )?;
        log(&format!("Wrote /{name}."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeleton_has_what_a_zone_needs() {
        let t = tempfile::tempdir().unwrap();
        let dirs = vec![
            ("/bin".to_string(), HostDir::Symlink("usr/bin".into())),
            ("/lib".to_string(), HostDir::Dir),
        ];
        let mut log = |_: &str| {};
        create(t.path(), "z1", &dirs, &["/opt/pkg".to_string()], &mut log).unwrap();
        let r = t.path();
        assert_eq!(
            std::fs::read_link(r.join("bin")).unwrap(),
            Path::new("usr/bin")
        );
        assert!(r.join("lib").is_dir());
        assert!(r.join("opt/pkg").is_dir());
        let mode = |p: &str| std::fs::metadata(r.join(p)).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode("tmp"), 0o1777);
        assert_eq!(mode("root"), 0o700);
        assert_eq!(mode("etc/shadow"), 0o600);
        let pw = std::fs::read_to_string(r.join("etc/passwd")).unwrap();
        assert!(pw.starts_with("root:x:0:0:root:/root:/bin/"));
        assert_eq!(
            std::fs::read_to_string(r.join("etc/hostname")).unwrap(),
            "z1\n"
        );
        assert!(std::fs::read_to_string(r.join("etc/hosts"))
            .unwrap()
            .contains("z1"));
        // Idempotent over an existing skeleton.
        create(t.path(), "z1", &dirs, &[], &mut log).unwrap();
    }
}
