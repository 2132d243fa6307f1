//! The crun side: a busybox-static OCI bundle, a private mount namespace crun can work in on
//! this kind of host, and crun containers that are deleted again on drop.
//!
//! Why the namespace: on a hybrid cgroup host whose cgroup2 mount at `/sys/fs/cgroup/unified`
//! holds a controller (here `hugetlb`), crun refuses every container ("cgroups in hybrid mode
//! not supported, drop all controllers from cgroupv2"). Inside a mount namespace of our own,
//! made private first (so the unmount cannot propagate to the host), with that mount detached,
//! crun sees a plain cgroup v1 host. Only the crun commands run there: each joins it with one
//! `setns` between fork and exec. The zone tools run in the host's namespace, as an admin runs
//! them.

use crate::cmd::Cmd;
use crate::error::{BenchError, Result};
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use std::cell::RefCell;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

const UNIFIED: &str = "/sys/fs/cgroup/unified";

/// A mount namespace like ours minus the cgroup2 mount, kept alive by an open descriptor.
pub struct CrunNamespace {
    fd: OwnedFd,
}

impl CrunNamespace {
    /// Make it: `unshare` our own mount namespace, make it private, detach the cgroup2 mount,
    /// keep a descriptor, and go back to the namespace we came from (and our working
    /// directory). Must be called while the process is single-threaded.
    pub fn create() -> Result<CrunNamespace> {
        let open = |p: &str| -> Result<OwnedFd> {
            std::fs::File::open(p)
                .map(OwnedFd::from)
                .map_err(BenchError::io(p))
        };
        let home = open("/proc/self/ns/mnt")?;
        let cwd = open(".")?;
        nix::sched::unshare(CloneFlags::CLONE_NEWNS).map_err(BenchError::sys("unshare mount"))?;
        let made = (|| {
            nix::mount::mount(
                None::<&str>,
                "/",
                None::<&str>,
                MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                None::<&str>,
            )
            .map_err(BenchError::sys("make / private in the crun namespace"))?;
            match nix::mount::umount2(UNIFIED, MntFlags::MNT_DETACH) {
                Ok(()) | Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOENT) => {}
                Err(e) => return Err(BenchError::sys(format!("umount {UNIFIED}"))(e)),
            }
            open("/proc/self/ns/mnt")
        })();
        // Back home whatever happened, or every later command would run in the wrong place.
        nix::sched::setns(home.as_fd(), CloneFlags::CLONE_NEWNS)
            .map_err(BenchError::sys("return to the host mount namespace"))?;
        nix::unistd::fchdir(cwd.as_fd()).map_err(BenchError::sys("restore working directory"))?;
        Ok(CrunNamespace { fd: made? })
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// The two bundles: `/bin/true` (for `crun run`) and `/bin/sleep 100000` (the container
/// `crun exec` enters), sharing one busybox-static root.
pub struct Bundles {
    pub run_true: PathBuf,
    pub sleeper: PathBuf,
}

/// Whether an ELF file has no program interpreter (is statically linked).
pub fn is_static_elf(bytes: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
    };
    // 64-bit little-endian ELF only (what Debian's busybox-static is on amd64 and arm64).
    if bytes.get(0..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1]) {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    (0..phnum as usize).all(|i| {
        let at = phoff as usize + i * phentsize as usize;
        u32_at(at).is_some_and(|t| t != PT_INTERP)
    })
}

/// Build the root (busybox and the three applet links we use) and both bundles under `dir`.
/// `crun spec` writes the default config, which we edit as the peers' baseline did: no
/// terminal, our command, a read-only root at an absolute path.
pub fn make_bundles(dir: &Path, busybox: &Path, crun: &Path, errlog: &Path) -> Result<Bundles> {
    let bytes = std::fs::read(busybox).map_err(BenchError::io(busybox))?;
    if !is_static_elf(&bytes) {
        return Err(BenchError::Setup(format!(
            "{} is not statically linked (apt-get install busybox-static)",
            busybox.display()
        )));
    }
    let rootfs = dir.join("rootfs");
    for d in ["bin", "proc", "sys", "dev", "tmp", "etc", "root", "run"] {
        let p = rootfs.join(d);
        std::fs::create_dir_all(&p).map_err(BenchError::io(&p))?;
    }
    let bb = rootfs.join("bin/busybox");
    std::fs::write(&bb, &bytes).map_err(BenchError::io(&bb))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bb, std::fs::Permissions::from_mode(0o755))
        .map_err(BenchError::io(&bb))?;
    for applet in ["true", "sleep", "sh"] {
        let l = rootfs.join("bin").join(applet);
        std::os::unix::fs::symlink("busybox", &l).map_err(BenchError::io(&l))?;
    }
    let passwd = rootfs.join("etc/passwd");
    std::fs::write(&passwd, "root:x:0:0:root:/root:/bin/sh\n").map_err(BenchError::io(&passwd))?;
    let run_true = dir.join("bundle-true");
    let sleeper = dir.join("bundle-sleep");
    for (bundle, args) in [
        (&run_true, vec!["/bin/true"]),
        (&sleeper, vec!["/bin/sleep", "100000"]),
    ] {
        std::fs::create_dir_all(bundle).map_err(BenchError::io(bundle))?;
        Cmd::new(crun)
            .arg("spec")
            .arg("-b")
            .arg(bundle)
            .run(errlog)?;
        let path = bundle.join("config.json");
        let text = std::fs::read_to_string(&path).map_err(BenchError::io(&path))?;
        let edited = edit_config(&text, &args, &rootfs)
            .ok_or_else(|| BenchError::Setup(format!("{}: unexpected layout", path.display())))?;
        std::fs::write(&path, edited).map_err(BenchError::io(&path))?;
    }
    Ok(Bundles { run_true, sleeper })
}

/// `crun spec`'s config with terminal off, `args`, and a read-only root at `rootfs`.
pub fn edit_config(text: &str, args: &[&str], rootfs: &Path) -> Option<String> {
    let mut c: serde_json::Value = serde_json::from_str(text).ok()?;
    let process = c.get_mut("process")?.as_object_mut()?;
    process.insert("terminal".into(), false.into());
    process.insert("args".into(), args.to_vec().into());
    let root = c.get_mut("root")?.as_object_mut()?;
    root.insert("readonly".into(), true.into());
    root.insert("path".into(), rootfs.to_string_lossy().into_owned().into());
    serde_json::to_string_pretty(&c).ok()
}

/// crun with its own state directory, run in the crun namespace; every container id it hands
/// out is deleted (`crun delete -f`) on drop.
pub struct Crun {
    bin: PathBuf,
    state: PathBuf,
    ns: RawFd,
    errlog: PathBuf,
    ids: RefCell<Vec<String>>,
}

impl Crun {
    /// `ns` must outlive this value (declare the namespace first).
    pub fn new(bin: PathBuf, state: PathBuf, ns: &CrunNamespace, errlog: PathBuf) -> Crun {
        Crun {
            bin,
            state,
            ns: ns.raw(),
            errlog,
            ids: RefCell::new(Vec::new()),
        }
    }

    fn base(&self) -> Cmd {
        Cmd::new(&self.bin)
            .arg("--root")
            .arg(&self.state)
            .in_mount_ns(self.ns)
    }

    /// A container id, remembered for the clean-up.
    pub fn id(&self, name: &str) -> String {
        let id = format!("zb-{}-{name}", std::process::id());
        let mut ids = self.ids.borrow_mut();
        if !ids.contains(&id) {
            ids.push(id.clone());
        }
        id
    }

    /// `crun run -b BUNDLE ID`: create, start, wait, delete.
    pub fn run_cmd(&self, bundle: &Path, id: &str) -> Cmd {
        self.base().arg("run").arg("-b").arg(bundle).arg(id)
    }

    /// Start a detached container (`crun run -d`), untimed.
    pub fn start_detached(&self, bundle: &Path, id: &str) -> Result<()> {
        self.base()
            .arg("run")
            .arg("-d")
            .arg("-b")
            .arg(bundle)
            .arg(id)
            .run(&self.errlog)
            .map(|_| ())
    }

    /// `crun exec ID ARGV...` in a running container.
    pub fn exec_cmd(&self, id: &str, argv: &[&str]) -> Cmd {
        self.base().arg("exec").arg(id).args(argv.iter().copied())
    }

    pub fn delete(&self, id: &str) {
        let _ = self.base().args(["delete", "-f", id]).run(&self.errlog);
    }
}

impl Drop for Crun {
    fn drop(&mut self) {
        for id in self.ids.borrow().iter() {
            if self.state.join(id).exists() {
                self.delete(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(interp: bool) -> Vec<u8> {
        let mut b = vec![0u8; 0x40 + 2 * 56];
        b[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
        b[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        b[0x40..0x44].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        let t: u32 = if interp { 3 } else { 1 };
        b[0x40 + 56..0x40 + 60].copy_from_slice(&t.to_le_bytes());
        b
    }

    #[test]
    fn static_and_dynamic_elf() {
        assert!(is_static_elf(&elf(false)));
        assert!(!is_static_elf(&elf(true)));
        assert!(!is_static_elf(b"#!/bin/sh\n"));
        // Truncated program headers are not taken for a static binary.
        assert!(!is_static_elf(&elf(false)[..0x50]));
    }

    #[test]
    fn config_edited_like_the_baseline() {
        let spec = r#"{"process":{"terminal":true,"args":["sh"]},"root":{"path":"rootfs","readonly":true}}"#;
        let out = edit_config(spec, &["/bin/true"], Path::new("/t/rootfs")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["process"]["terminal"], false);
        assert_eq!(v["process"]["args"][0], "/bin/true");
        assert_eq!(v["root"]["path"], "/t/rootfs");
        assert!(edit_config("{}", &["x"], Path::new("/")).is_none());
    }
}
