//! A compiled filter kept with the filter it was compiled from: the program zoneadmd loads
//! into a zone's init and writes, per zone, for `zlogin` to load (under the root-only run
//! directory, written atomically), and a cache of programs by filter so that a boot finds
//! its program compiled already. An entry is used only when the filter it records is the
//! plan's own, compared whole: a program never comes from anywhere but the plan.
//!
//! File layout (text header, then the two bodies):
//! `zones-seccomp 1\nflags <n>\nsource <bytes>\nprogram <bytes>\n<source JSON><program>`.

use super::SeccompError;
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompFilterFlag};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

const MAGIC: &str = "zones-seccomp 1";

/// Longest program the kernel takes (BPF_MAXINSNS), in bytes.
const MAX_PROGRAM: usize = 4096 * 8;

/// A BPF program and the filter (its canonical JSON) it was compiled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledFilter {
    source: String,
    flags: u32,
    program: Vec<u8>,
}

/// The filter's canonical text: what entries are compared by.
pub fn source_of(filter: &LinuxSeccomp) -> String {
    // Serialising a spec value cannot fail (no maps with non-string keys, no I/O).
    serde_json::to_string(filter).unwrap_or_default()
}

/// The `seccomp(2)` flags the filter asks for.
fn flags_of(filter: &LinuxSeccomp) -> u32 {
    let mut flags = 0;
    for f in filter.flags().iter().flatten() {
        flags |= match f {
            LinuxSeccompFilterFlag::SeccompFilterFlagTsync => libc::SECCOMP_FILTER_FLAG_TSYNC,
            LinuxSeccompFilterFlag::SeccompFilterFlagLog => libc::SECCOMP_FILTER_FLAG_LOG,
            LinuxSeccompFilterFlag::SeccompFilterFlagSpecAllow => {
                libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW
            }
            LinuxSeccompFilterFlag::SeccompFilterFlagWaitKillableRecv => 1 << 5,
        } as u32;
    }
    flags
}

impl CompiledFilter {
    /// Compile `filter` (see `compile`).
    pub fn compile(filter: &LinuxSeccomp) -> Result<CompiledFilter, SeccompError> {
        Ok(CompiledFilter {
            source: source_of(filter),
            flags: flags_of(filter),
            program: super::compile(filter)?,
        })
    }

    /// Whether this is the program of `filter`.
    pub fn is_of(&self, filter: &LinuxSeccomp) -> bool {
        self.source == source_of(filter) && self.flags == flags_of(filter)
    }

    /// The BPF instructions (`struct sock_filter`, 8 bytes each).
    pub fn program(&self) -> &[u8] {
        &self.program
    }

    /// Flags for `seccomp(SECCOMP_SET_MODE_FILTER)`.
    pub fn flags(&self) -> u32 {
        self.flags
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "{MAGIC}\nflags {}\nsource {}\nprogram {}\n",
            self.flags,
            self.source.len(),
            self.program.len()
        )
        .into_bytes();
        out.extend_from_slice(self.source.as_bytes());
        out.extend_from_slice(&self.program);
        out
    }

    /// Parse a file's contents (`path` for messages).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<CompiledFilter, SeccompError> {
        let corrupt = |reason: &str| SeccompError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let mut rest = bytes;
        let mut line = || -> Result<&str, SeccompError> {
            let end = rest
                .iter()
                .position(|b| *b == b'\n')
                .ok_or_else(|| corrupt("truncated header"))?;
            let l = std::str::from_utf8(&rest[..end]).map_err(|_| corrupt("bad header"))?;
            rest = &rest[end + 1..];
            Ok(l)
        };
        if line()? != MAGIC {
            return Err(corrupt("not a compiled seccomp filter"));
        }
        let mut field = |name: &str| -> Result<usize, SeccompError> {
            line()?
                .strip_prefix(name)
                .and_then(|v| v.strip_prefix(' '))
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| corrupt(&format!("bad {name} line")))
        };
        let flags = u32::try_from(field("flags")?).map_err(|_| corrupt("bad flags"))?;
        let source_len = field("source")?;
        let program_len = field("program")?;
        if rest.len() != source_len.saturating_add(program_len)
            || program_len == 0
            || program_len % 8 != 0
            || program_len > MAX_PROGRAM
        {
            return Err(corrupt("lengths do not match"));
        }
        let source = std::str::from_utf8(&rest[..source_len])
            .map_err(|_| corrupt("source is not text"))?
            .to_string();
        Ok(CompiledFilter {
            source,
            flags,
            program: rest[source_len..].to_vec(),
        })
    }

    pub fn read(path: &Path) -> Result<CompiledFilter, SeccompError> {
        let bytes = std::fs::read(path).map_err(|source| SeccompError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        CompiledFilter::from_bytes(&bytes, path)
    }

    /// Write to `path` atomically (temporary file beside it, renamed), readable by root only.
    pub fn write(&self, path: &Path) -> Result<(), SeccompError> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let prefix = format!(".{}.", name.unwrap_or_default());
        crate::fsio::atomic::write_volatile(path, &self.to_bytes(), &prefix, 0o600).map_err(|e| {
            SeccompError::Io {
                path: e.path,
                source: e.source,
            }
        })
    }
}

/// Compiled programs by filter, in a root-only directory.
#[derive(Debug, Clone)]
pub struct ProgramCache {
    dir: PathBuf,
}

/// FNV-1a, 64 bits: an entry's file name. Entries are checked whole, so a collision only
/// costs a compile.
fn fnv64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl ProgramCache {
    pub fn new(dir: impl Into<PathBuf>) -> ProgramCache {
        ProgramCache { dir: dir.into() }
    }

    /// Where the program of `filter` is kept.
    pub fn entry(&self, filter: &LinuxSeccomp) -> PathBuf {
        self.dir
            .join(format!("{:016x}.bpf", fnv64(&source_of(filter))))
    }

    /// The program of `filter`: the kept one when it is `filter`'s, else compiled now and
    /// kept for next time (a cache that cannot be written only costs the next compile).
    pub fn get(&self, filter: &LinuxSeccomp) -> Result<CompiledFilter, SeccompError> {
        let path = self.entry(filter);
        if let Ok(kept) = CompiledFilter::read(&path) {
            if kept.is_of(filter) {
                return Ok(kept);
            }
        }
        let compiled = CompiledFilter::compile(filter)?;
        let made = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir);
        if made.is_ok() {
            let _ = compiled.write(&path);
        }
        Ok(compiled)
    }
}

impl ProgramCache {
    /// Make `dest` hold the program of `filter` (which `get` just returned): a hard link to
    /// the kept entry when that is still `filter`'s (no data written: the cheap path of
    /// every boot), else the program written out.
    pub fn publish(
        &self,
        filter: &LinuxSeccomp,
        compiled: &CompiledFilter,
        dest: &Path,
    ) -> Result<(), SeccompError> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(".seccomp-link.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let linked = std::fs::hard_link(self.entry(filter), &tmp)
            .and_then(|()| std::fs::rename(&tmp, dest))
            .is_ok();
        let _ = std::fs::remove_file(&tmp);
        // The entry could have been replaced since `get` read it: check what `dest` holds.
        if linked && CompiledFilter::read(dest).is_ok_and(|c| c == *compiled) {
            return Ok(());
        }
        compiled.write(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seccomp::profile::default_filter;

    #[test]
    fn file_round_trip_and_corruption() {
        let f = default_filter(&["CAP_KILL".to_string()]);
        let c = CompiledFilter::compile(&f).unwrap();
        assert!(c.is_of(&f));
        assert!(!c.is_of(&default_filter(&["CAP_SYS_TIME".to_string()])));
        let p = Path::new("x");
        assert_eq!(CompiledFilter::from_bytes(&c.to_bytes(), p).unwrap(), c);
        let bytes = c.to_bytes();
        for bad in [
            &bytes[..bytes.len() - 1],
            &bytes[1..],
            b"zones-seccomp 1\nflags 0\nsource 0\nprogram 0\n".as_slice(),
            b"".as_slice(),
        ] {
            assert!(matches!(
                CompiledFilter::from_bytes(bad, p),
                Err(SeccompError::Corrupt { .. })
            ));
        }
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("z.seccomp");
        c.write(&path).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(CompiledFilter::read(&path).unwrap(), c);
        assert_eq!(
            std::fs::read_dir(t.path()).unwrap().count(),
            1,
            "no temp left"
        );
    }

    /// What the cache hands out is always the program of the filter asked for: compiled
    /// from it on a miss, and an entry recording another filter is never used.
    #[test]
    fn cache_gives_the_plans_own_program() {
        let t = tempfile::tempdir().unwrap();
        let cache = ProgramCache::new(t.path().join("cache"));
        let f = default_filter(&["CAP_CHOWN".to_string()]);
        let fresh = CompiledFilter::compile(&f).unwrap();
        let first = cache.get(&f).unwrap();
        assert_eq!(first, fresh);
        assert!(cache.entry(&f).exists());
        assert_eq!(cache.get(&f).unwrap(), fresh);
        // An entry under f's name holding another filter's program is recompiled over.
        let g = default_filter(&["CAP_SYS_TIME".to_string()]);
        CompiledFilter::compile(&g)
            .unwrap()
            .write(&cache.entry(&f))
            .unwrap();
        assert_eq!(cache.get(&f).unwrap(), fresh);
        assert!(CompiledFilter::read(&cache.entry(&f)).unwrap().is_of(&f));
        // So is a damaged one.
        std::fs::write(cache.entry(&f), b"zones-seccomp 1\n").unwrap();
        assert_eq!(cache.get(&f).unwrap(), fresh);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(t.path().join("cache"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn published_programs_are_the_filters_own() {
        let t = tempfile::tempdir().unwrap();
        let cache = ProgramCache::new(t.path().join("cache"));
        let f = default_filter(&["CAP_CHOWN".to_string()]);
        let c = cache.get(&f).unwrap();
        let dest = t.path().join("z.seccomp");
        cache.publish(&f, &c, &dest).unwrap();
        assert_eq!(CompiledFilter::read(&dest).unwrap(), c);
        // An entry that is no longer f's is not linked: the program is written instead.
        let g = default_filter(&["CAP_SYS_TIME".to_string()]);
        let other = CompiledFilter::compile(&g).unwrap();
        other.write(&cache.entry(&f)).unwrap();
        cache.publish(&f, &c, &dest).unwrap();
        assert_eq!(CompiledFilter::read(&dest).unwrap(), c);
        // No entry at all (a cache that could not be written): written too.
        std::fs::remove_file(cache.entry(&f)).unwrap();
        std::fs::remove_file(&dest).unwrap();
        cache.publish(&f, &c, &dest).unwrap();
        assert_eq!(CompiledFilter::read(&dest).unwrap(), c);
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "temporary files left: {names:?}");
    }
}
