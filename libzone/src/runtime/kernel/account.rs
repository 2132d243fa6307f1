//! Zone user accounts, read straight from the zone's `/etc/passwd`, `/etc/group` and
//! `/etc/shadow` (never through the host's name services), and what logging in as one means:
//! groups, ids, a clean Solaris-like environment and the login shell.

use std::ffi::CString;
use std::path::Path;

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

/// Parse `/etc/passwd` text, skipping malformed lines.
pub fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 || f[0].is_empty() || f[0].starts_with('#') {
                return None;
            }
            Some(User {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: if f[5].is_empty() {
                    "/".into()
                } else {
                    f[5].to_string()
                },
                shell: if f[6].is_empty() {
                    "/bin/sh".into()
                } else {
                    f[6].to_string()
                },
            })
        })
        .collect()
}

/// The supplementary groups of `user` from `/etc/group` text.
pub fn groups_of(text: &str, user: &str) -> Vec<u32> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 {
                return None;
            }
            let members = f[3].split(',').map(str::trim);
            members
                .into_iter()
                .any(|m| m == user)
                .then(|| f[2].parse().ok())
                .flatten()
        })
        .collect()
}

/// The password hash of `user` in `/etc/shadow` text (`Some("")` = no password).
pub fn shadow_hash(text: &str, user: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == user).then(|| f.next().unwrap_or("").to_string())
    })
}

/// Look `name` up in the passwd file under `root`.
pub fn lookup(root: &Path, name: &str) -> Option<User> {
    let text = std::fs::read_to_string(root.join("etc/passwd")).ok()?;
    parse_passwd(&text).into_iter().find(|u| u.name == name)
}

/// Check a password against a crypt(3) hash using the zone's libcrypt (loaded on demand so
/// our binaries do not need it to link).
pub fn verify_password(hash: &str, password: &str) -> bool {
    if hash.is_empty() {
        return true;
    }
    if hash.starts_with('!') || hash.starts_with('*') {
        return false;
    }
    let (Ok(h), Ok(p)) = (CString::new(hash), CString::new(password)) else {
        return false;
    };
    type CryptFn =
        unsafe extern "C" fn(*const libc::c_char, *const libc::c_char) -> *mut libc::c_char;
    for lib in [c"libcrypt.so.1", c"libcrypt.so.2", c"libcrypt.so"] {
        // SAFETY: dlopen/dlsym with valid C strings; the symbol has crypt(3)'s signature and
        // its result is a NUL-terminated static buffer read before any other call.
        unsafe {
            let handle = libc::dlopen(lib.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            if handle.is_null() {
                continue;
            }
            let sym = libc::dlsym(handle, c"crypt".as_ptr());
            if sym.is_null() {
                continue;
            }
            let crypt: CryptFn = std::mem::transmute::<*mut libc::c_void, CryptFn>(sym);
            let out = crypt(p.as_ptr(), h.as_ptr());
            if out.is_null() {
                return false;
            }
            return std::ffi::CStr::from_ptr(out).to_bytes() == hash.as_bytes();
        }
    }
    false
}

/// The environment a login gets: Solaris' root PATH (plus the Linux system dirs), the
/// user's identity, and only the caller's `TERM`, `LANG` and `LC_*`.
pub fn login_env(user: &User, inherited: &[(String, String)]) -> Vec<String> {
    let path = if user.uid == 0 {
        "/usr/sbin:/usr/bin:/sbin:/bin"
    } else {
        "/usr/bin:/bin"
    };
    let mut env = vec![
        format!("PATH={path}"),
        format!("HOME={}", user.home),
        format!("LOGNAME={}", user.name),
        format!("USER={}", user.name),
        format!("SHELL={}", user.shell),
        format!("MAIL=/var/mail/{}", user.name),
    ];
    for (k, v) in inherited {
        if k == "TERM" || k == "LANG" || k.starts_with("LC_") {
            env.push(format!("{k}={v}"));
        }
    }
    env
}

/// Become `user`: supplementary groups from the zone's `/etc/group`, then gid, then uid.
pub fn become_user(user: &User, group_text: &str) -> nix::Result<()> {
    use nix::unistd::{Gid, Uid};
    let mut groups: Vec<Gid> = groups_of(group_text, &user.name)
        .into_iter()
        .map(Gid::from_raw)
        .collect();
    groups.push(Gid::from_raw(user.gid));
    groups.sort_by_key(|g| g.as_raw());
    groups.dedup();
    nix::unistd::setgroups(&groups)?;
    nix::unistd::setgid(Gid::from_raw(user.gid))?;
    nix::unistd::setuid(Uid::from_raw(user.uid))
}

/// `-sh` for `/bin/sh`: the argv[0] that makes a shell a login shell.
pub fn login_argv0(shell: &str) -> String {
    format!(
        "-{}",
        Path::new(shell)
            .file_name()
            .map_or("sh".into(), |n| n.to_string_lossy())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_group_shadow() {
        let pw = "root:x:0:0:root:/root:/bin/bash\n#c\nbad\nbob:x:1000:100::/home/bob:\n";
        let users = parse_passwd(pw);
        assert_eq!(users.len(), 2);
        assert_eq!(users[1].shell, "/bin/sh");
        assert_eq!(users[1].home, "/home/bob");
        let gr = "staff:x:10:bob,alice\nwheel:x:11:alice\nusers:x:100:\n";
        assert_eq!(groups_of(gr, "bob"), vec![10]);
        let sh = "root::19000:0:99999:7:::\nbob:!:1::::::\n";
        assert_eq!(shadow_hash(sh, "root").as_deref(), Some(""));
        assert!(verify_password("", "anything"));
        assert!(!verify_password("!", ""));
        assert_eq!(shadow_hash(sh, "nobody"), None);
    }

    #[test]
    fn crypt_hashes_verify() {
        // "secret" with SHA-512 crypt (salt "salt").
        let h = "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.";
        if verify_password(h, "secret") {
            assert!(!verify_password(h, "wrong"));
        }
    }

    #[test]
    fn environment_is_clean() {
        let u = User {
            name: "root".into(),
            uid: 0,
            gid: 0,
            home: "/root".into(),
            shell: "/bin/sh".into(),
        };
        let env = login_env(
            &u,
            &[
                ("TERM".into(), "xterm".into()),
                ("SECRET".into(), "x".into()),
                ("LC_ALL".into(), "C".into()),
            ],
        );
        assert!(env.contains(&"TERM=xterm".to_string()));
        assert!(env.contains(&"LC_ALL=C".to_string()));
        assert!(!env.iter().any(|e| e.starts_with("SECRET")));
        assert_eq!(login_argv0("/bin/bash"), "-bash");
    }
}
