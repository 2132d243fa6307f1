//! Unpack a tar stream into a zone root through [`RootDir`] (which refuses escaping
//! entries), as a plain root file system or as one OCI image layer (whiteouts applied).

use super::root::{EntryPath, Meta, RootDir, Special, UnpackError};
use std::collections::HashSet;
use std::io::{self, Read};

/// An OCI whiteout's prefix; `.wh..wh..opq` makes a directory opaque.
const WHITEOUT: &[u8] = b".wh.";
const OPAQUE: &[u8] = b".wh..wh..opq";

fn src(what: &str, source: io::Error) -> UnpackError {
    UnpackError::Source {
        what: what.to_string(),
        source,
    }
}

/// Unpack the tar stream `reader` into `root`. With `layer`, the stream is an OCI layer:
/// `.wh.name` removes `name` of the layers below, `.wh..wh..opq` empties its directory of
/// what the layers below put there. `on_entry` runs after each entry.
pub fn unpack(
    reader: &mut dyn Read,
    root: &mut RootDir,
    layer: bool,
    on_entry: &mut dyn FnMut(&RootDir),
) -> Result<(), UnpackError> {
    let mut ar = tar::Archive::new(reader);
    let mut written: HashSet<EntryPath> = HashSet::new();
    let entries = ar.entries().map_err(|e| src("reading the archive", e))?;
    for entry in entries {
        let mut e = entry.map_err(|e| src("reading the archive", e))?;
        let raw = e.path_bytes().into_owned();
        let path = EntryPath::parse(&raw)?;
        if layer {
            if let Some((parent, name)) = path.split() {
                if name == OPAQUE {
                    let dir = EntryPath::parse(parent)?;
                    root.clear_dir(&dir, &|p| written.contains(p))?;
                    continue;
                }
                if let Some(hidden) = name.strip_prefix(WHITEOUT) {
                    let target = EntryPath::parse(parent)?.join(hidden);
                    if !written.contains(&target) {
                        root.remove(&target)?;
                    }
                    continue;
                }
            }
        }
        let meta = meta_of(&mut e, &raw)?;
        let h = e.header();
        let kind = h.entry_type();
        use tar::EntryType as T;
        match kind {
            T::Regular | T::Continuous | T::GNUSparse => root.file(&path, &meta, &mut e)?,
            T::Directory => root.directory(&path, &meta)?,
            T::Symlink => {
                let target = e
                    .link_name_bytes()
                    .ok_or_else(|| refused(&raw, "is a symbolic link without a target"))?
                    .into_owned();
                root.symlink(&path, &target, &meta)?
            }
            T::Link => {
                let target = e
                    .link_name_bytes()
                    .ok_or_else(|| refused(&raw, "is a hard link without a target"))?
                    .into_owned();
                let t = EntryPath::parse(&target).map_err(|_| {
                    refused(
                        &raw,
                        &format!(
                            "is a hard link to '{}', outside the zone root",
                            String::from_utf8_lossy(&target)
                        ),
                    )
                })?;
                root.hard_link(&path, &t)?
            }
            T::Char | T::Block => {
                let num = |v: io::Result<Option<u32>>| -> Result<u64, UnpackError> {
                    Ok(v.map_err(|e| src("reading the archive", e))?.unwrap_or(0) as u64)
                };
                let (ma, mi) = (num(h.device_major())?, num(h.device_minor())?);
                let sp = if kind == T::Char {
                    Special::Char(ma, mi)
                } else {
                    Special::Block(ma, mi)
                };
                root.special(&path, sp, &meta)?
            }
            T::Fifo => root.special(&path, Special::Fifo, &meta)?,
            // Headers the tar crate has already applied, and kinds a root has no use for.
            _ => continue,
        }
        if layer {
            written.insert(path);
        }
        on_entry(root);
    }
    Ok(())
}

fn refused(raw: &[u8], why: &str) -> UnpackError {
    UnpackError::Refused {
        entry: String::from_utf8_lossy(raw).into_owned(),
        why: why.to_string(),
    }
}

/// Owner, mode, time and the `SCHILY.xattr.*` extended attributes of an entry.
fn meta_of<R: Read>(e: &mut tar::Entry<'_, R>, raw: &[u8]) -> Result<Meta, UnpackError> {
    let mut xattrs = Vec::new();
    let mut mtime_ns = None;
    if let Some(exts) = e
        .pax_extensions()
        .map_err(|e| src("reading the archive", e))?
    {
        for ext in exts {
            let ext = ext.map_err(|e| src("reading the archive", e))?;
            if let Some(name) = ext.key_bytes().strip_prefix(b"SCHILY.xattr.") {
                xattrs.push((name.to_vec(), ext.value_bytes().to_vec()));
            } else if ext.key_bytes() == b"mtime" {
                mtime_ns = pax_time(ext.value_bytes());
            }
        }
    }
    let h = e.header();
    let old = h.as_old();
    // An empty numeric field (all NULs or spaces, as some writers leave owners) is 0, as
    // GNU tar reads it.
    let num = |v: io::Result<u64>, field: &[u8], what: &str| -> Result<u64, UnpackError> {
        match v {
            Ok(n) => Ok(n),
            Err(_) if field.iter().all(|b| *b == 0 || *b == b' ') => Ok(0),
            Err(err) => Err(refused(raw, &format!("has a bad {what} ({err})"))),
        }
    };
    let mode = num(h.mode().map(u64::from), &old.mode, "mode")? as u32;
    let mtime = num(h.mtime(), &old.mtime, "time")? as i64;
    Ok(Meta {
        mode: mode & 0o7777,
        uid: num(h.uid(), &old.uid, "owner")? as u32,
        gid: num(h.gid(), &old.gid, "group")? as u32,
        mtime: mtime_ns.unwrap_or((mtime, 0)),
        xattrs,
    })
}

/// A PAX time (`1700000000.123456789`) as seconds and nanoseconds.
fn pax_time(v: &[u8]) -> Option<(i64, i64)> {
    let s = std::str::from_utf8(v).ok()?;
    let (sec, frac) = s.split_once('.').unwrap_or((s, ""));
    let sec: i64 = sec.parse().ok()?;
    let mut ns = 0i64;
    for (i, c) in frac.chars().take(9).enumerate() {
        ns += c.to_digit(10)? as i64 * 10i64.pow(8 - i as u32);
    }
    Some((sec, ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_owner_fields_are_root() {
        let t = tempfile::tempdir().unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        // uid and gid left as new_gnu makes them: NULs.
        h.set_cksum();
        b.append_data(&mut h, "d/", std::io::empty()).unwrap();
        let mut bad = tar::Header::new_gnu();
        bad.set_entry_type(tar::EntryType::Directory);
        bad.set_mode(0o755);
        bad.set_size(0);
        bad.as_old_mut().uid.copy_from_slice(b"zz\0\0\0\0\0\0");
        bad.set_cksum();
        let data = b.into_inner().unwrap();
        let mut root = RootDir::open(t.path(), super::super::root::DevicePolicy::Any).unwrap();
        let me = nix::unistd::getuid().is_root();
        let r = unpack(&mut &data[..], &mut root, false, &mut |_| {});
        // Not root: the chown to 0 fails, which is fine; the fields were read.
        assert!(r.is_ok() || !me, "{r:?}");
        let mut b = tar::Builder::new(Vec::new());
        b.append_data(&mut bad, "e/", std::io::empty()).unwrap();
        let data = b.into_inner().unwrap();
        let err = unpack(&mut &data[..], &mut root, false, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("has a bad owner"), "{err}");
    }

    #[test]
    fn pax_times() {
        assert_eq!(pax_time(b"1700000000"), Some((1_700_000_000, 0)));
        assert_eq!(pax_time(b"12.5"), Some((12, 500_000_000)));
        assert_eq!(pax_time(b"12.000000001"), Some((12, 1)));
        assert_eq!(pax_time(b"x"), None);
    }
}
