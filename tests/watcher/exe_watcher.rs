//! exe-watcher: the attacker of the host-binaries tests, run as root inside a zone. It does
//! what a CVE-2019-5736 exploit does: catch `/proc/<pid>/exe` of every process it sees
//! (opened `O_PATH` and `O_RDONLY`, the descriptors kept), and once the processes are gone
//! and their files no longer busy, reopen each through `/proc/self/fd/N` for writing and
//! write to it. What it writes is the file's own first byte, at offset 0: should a write
//! ever succeed, nothing is damaged.
//!
//! `exe-watcher watch STOPFILE REPORT`: go to the background (so the zlogin that started it
//! ends, and nothing of ours is busy any more when the writes are tried), watch until
//! STOPFILE exists, try the writes, and write the report to REPORT.
//! `exe-watcher probe PATH`: the same for one path (e.g. `/proc/1/exe`), reported on stdout.
//!
//! Report: one line per distinct file caught,
//! `file dev=D ino=I reopen=R write=W link=L` (R and W are `ok` or an errno name), then
//! `summary pids=N denied=M` (processes seen; opens refused, as for non-dumpable ones).

use std::collections::{BTreeSet, HashMap};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

struct Caught {
    fd: OwnedFd,
    link: String,
}

#[derive(Default)]
struct Watch {
    files: HashMap<(u64, u64), Caught>,
    pids: BTreeSet<i32>,
    denied: usize,
}

fn open(path: &Path, flags: i32) -> Result<OwnedFd, nix::errno::Errno> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| nix::errno::Errno::EINVAL)?;
    // SAFETY: a valid C string; the result is a new descriptor or -1.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(nix::errno::Errno::last());
    }
    // SAFETY: the kernel just gave us this descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

impl Watch {
    /// Catch the file behind `exe` (a `/proc/<pid>/exe` link), both ways an exploit would.
    fn catch(&mut self, exe: &Path) {
        for flags in [libc::O_PATH, libc::O_RDONLY] {
            match open(exe, flags) {
                Ok(fd) => {
                    let Ok(st) = nix::sys::stat::fstat(&fd) else {
                        continue;
                    };
                    let key = (st.st_dev, st.st_ino);
                    self.files.entry(key).or_insert_with(|| Caught {
                        fd,
                        link: std::fs::read_link(exe)
                            .map(|l| l.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    });
                }
                Err(nix::errno::Errno::EACCES | nix::errno::Errno::EPERM) => self.denied += 1,
                // Gone, or a kernel thread's missing exe.
                Err(_) => {}
            }
        }
    }

    fn sweep(&mut self, me: i32) {
        let Ok(rd) = std::fs::read_dir("/proc") else {
            return;
        };
        for e in rd.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            if pid == me {
                continue;
            }
            self.pids.insert(pid);
            self.catch(&e.path().join("exe"));
        }
    }

    /// Reopen every caught file for writing and write its first byte back; the report.
    fn report(&self) -> String {
        let mut out = String::new();
        for ((dev, ino), c) in &self.files {
            let via = Path::new("/proc/self/fd").join(c.fd.as_raw_fd().to_string());
            let first = open(&via, libc::O_RDONLY).ok().and_then(|r| {
                let mut b = [0u8; 1];
                (nix::sys::uio::pread(&r, &mut b, 0).ok()? == 1).then_some(b[0])
            });
            let (reopen, write) = match open(&via, libc::O_WRONLY) {
                Err(e) => (format!("{e:?}"), "-".to_string()),
                Ok(w) => {
                    let byte = [first.unwrap_or(0)];
                    let wrote = match first {
                        // Nothing readable to put back: do not write at all, the open is
                        // what is reported.
                        None => "unread".to_string(),
                        Some(_) => match nix::sys::uio::pwrite(&w, &byte, 0) {
                            Ok(_) => "ok".to_string(),
                            Err(e) => format!("{e:?}"),
                        },
                    };
                    ("ok".to_string(), wrote)
                }
            };
            out.push_str(&format!(
                "file dev={dev} ino={ino} reopen={reopen} write={write} link={}\n",
                c.link
            ));
        }
        out.push_str(&format!(
            "summary pids={} denied={}\n",
            self.pids.len(),
            self.denied
        ));
        out
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut w = Watch::default();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["watch", stop, report] => {
            daemonize();
            let me = std::process::id() as i32;
            let stop = Path::new(stop);
            while !stop.exists() {
                w.sweep(me);
            }
            // Whole or not at all: the test waits for the file to appear.
            let tmp = format!("{report}.tmp");
            let written =
                std::fs::write(&tmp, w.report()).and_then(|_| std::fs::rename(&tmp, report));
            std::process::exit(if written.is_ok() { 0 } else { 1 })
        }
        ["probe", path] => {
            w.catch(Path::new(path));
            print!("{}", w.report());
        }
        _ => {
            eprintln!("usage: exe-watcher watch STOPFILE REPORT | probe PATH");
            std::process::exit(2);
        }
    }
}

/// Carry on in a child of zinit, on /dev/null, in a session of our own; the parent exits.
fn daemonize() {
    // SAFETY: single-threaded; the child goes on with plain system calls.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { .. }) => std::process::exit(0),
        Ok(nix::unistd::ForkResult::Child) => {}
        Err(e) => {
            eprintln!("exe-watcher: fork: {e}");
            std::process::exit(1);
        }
    }
    let _ = nix::unistd::setsid();
    if let Ok(null) = open(Path::new("/dev/null"), libc::O_RDWR) {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
}
