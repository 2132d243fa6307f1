//! What the install tests share: a small system tree around busybox-static, as tar entries
//! (some no tar tool would write: `..`, absolute names, links out, device nodes), the
//! archives and OCI images made of them, and the checks of an installed root.

#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use zones_tests::Scratch;

pub const BUSYBOX: &str = "/bin/busybox";
/// The modification time every entry of the tree has.
pub const MTIME: u64 = 1_600_000_000;

/// `security.capability` of a file with cap_net_raw in its permitted and effective sets
/// (VFS_CAP_REVISION_2).
pub fn net_raw_caps() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&(0x0200_0000u32 | 1).to_le_bytes());
    v.extend_from_slice(&(1u32 << 13).to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v
}

#[derive(Clone, Debug)]
pub enum Kind {
    Dir,
    File(Vec<u8>),
    Symlink(String),
    HardLink(String),
    Char(u32, u32),
    Block(u32, u32),
    Fifo,
}

/// One tar entry; `name` is written as given, byte for byte.
#[derive(Clone, Debug)]
pub struct Ent {
    pub name: String,
    pub kind: Kind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub xattrs: Vec<(String, Vec<u8>)>,
}

pub fn ent(name: &str, kind: Kind, mode: u32) -> Ent {
    Ent {
        name: name.to_string(),
        kind,
        mode,
        uid: 0,
        gid: 0,
        xattrs: Vec::new(),
    }
}

fn owned(mut e: Ent, uid: u64, gid: u64) -> Ent {
    e.uid = uid;
    e.gid = gid;
    e
}

pub fn busybox_bytes() -> Vec<u8> {
    std::fs::read(BUSYBOX).expect("busybox-static (apt-get install busybox-static)")
}

/// The test system: busybox and its links, files of other owners, a set-uid file, a file
/// with capabilities, a sticky /tmp, /dev/null and a FIFO.
pub fn tree() -> Vec<Ent> {
    let mut ping = ent(
        "usr/bin/ping",
        Kind::File(b"#!/bin/sh\necho ping\n".to_vec()),
        0o755,
    );
    ping.xattrs
        .push(("security.capability".into(), net_raw_caps()));
    ping.xattrs
        .push(("user.origin".into(), b"zones-test".to_vec()));
    vec![
        ent("./", Kind::Dir, 0o755),
        ent("bin/", Kind::Dir, 0o755),
        ent("bin/busybox", Kind::File(busybox_bytes()), 0o755),
        ent("bin/sh", Kind::Symlink("busybox".into()), 0o777),
        ent("bin/su", Kind::HardLink("bin/busybox".into()), 0o755),
        ent("sbin/", Kind::Dir, 0o755),
        ent("sbin/init", Kind::Symlink("../bin/busybox".into()), 0o777),
        ent("etc/", Kind::Dir, 0o755),
        ent("etc/motd", Kind::File(b"welcome\n".to_vec()), 0o644),
        owned(
            ent(
                "etc/shadow",
                Kind::File(b"root:*:19000:0:99999:7:::\n".to_vec()),
                0o640,
            ),
            0,
            42,
        ),
        ent("home/", Kind::Dir, 0o755),
        owned(ent("home/user/", Kind::Dir, 0o750), 1000, 1000),
        owned(
            ent("home/user/notes", Kind::File(b"mine\n".to_vec()), 0o600),
            1000,
            1000,
        ),
        ent("usr/", Kind::Dir, 0o755),
        ent("usr/bin/", Kind::Dir, 0o755),
        ping,
        ent(
            "usr/bin/passwd",
            Kind::File(b"#!/bin/sh\n".to_vec()),
            0o4755,
        ),
        ent("tmp/", Kind::Dir, 0o1777),
        ent("dev/", Kind::Dir, 0o755),
        ent("dev/null", Kind::Char(1, 3), 0o666),
        ent("run/", Kind::Dir, 0o755),
        ent("run/initctl", Kind::Fifo, 0o600),
    ]
}

/// A tar archive of `entries`, names and link names written raw (so `..` and absolute
/// names get in), extended attributes as PAX `SCHILY.xattr.*` records.
pub fn tar_of(entries: &[Ent]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        if !e.xattrs.is_empty() {
            let recs: Vec<(String, Vec<u8>)> = e
                .xattrs
                .iter()
                .map(|(k, v)| (format!("SCHILY.xattr.{k}"), v.clone()))
                .collect();
            b.append_pax_extensions(recs.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
                .unwrap();
        }
        let mut h = tar::Header::new_gnu();
        {
            let g = h.as_gnu_mut().unwrap();
            assert!(e.name.len() < 100, "name too long for the test archive");
            g.name[..e.name.len()].copy_from_slice(e.name.as_bytes());
        }
        let link = |h: &mut tar::Header, target: &str| {
            let g = h.as_gnu_mut().unwrap();
            g.linkname[..target.len()].copy_from_slice(target.as_bytes());
        };
        let mut data: &[u8] = &[];
        match &e.kind {
            Kind::Dir => h.set_entry_type(tar::EntryType::Directory),
            Kind::File(d) => {
                h.set_entry_type(tar::EntryType::Regular);
                data = d;
            }
            Kind::Symlink(t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                link(&mut h, t);
            }
            Kind::HardLink(t) => {
                h.set_entry_type(tar::EntryType::Link);
                link(&mut h, t);
            }
            Kind::Char(ma, mi) | Kind::Block(ma, mi) => {
                h.set_entry_type(if matches!(e.kind, Kind::Char(..)) {
                    tar::EntryType::Char
                } else {
                    tar::EntryType::Block
                });
                h.set_device_major(*ma).unwrap();
                h.set_device_minor(*mi).unwrap();
            }
            Kind::Fifo => h.set_entry_type(tar::EntryType::Fifo),
        }
        h.set_size(data.len() as u64);
        h.set_mode(e.mode);
        h.set_uid(e.uid);
        h.set_gid(e.gid);
        h.set_mtime(MTIME);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }
    b.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

pub fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Write an OCI image layout in `dir` whose manifest has `layers` (blob, media type), in
/// order; the index names it for linux/amd64 (and one other platform first, to be passed
/// over).
pub fn oci_layout(dir: &Path, layers: &[(Vec<u8>, &str)]) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| -> serde_json::Value {
        let d = sha256(data);
        std::fs::write(blobs.join(&d), data).unwrap();
        serde_json::json!({ "digest": format!("sha256:{d}"), "size": data.len() })
    };
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": [] }
    }))
    .unwrap();
    let mut cfg = put(&config);
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json".into();
    let layer_descs: Vec<serde_json::Value> = layers
        .iter()
        .map(|(data, mt)| {
            let mut d = put(data);
            d["mediaType"] = (*mt).into();
            d
        })
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": cfg,
        "layers": layer_descs,
    }))
    .unwrap();
    let mut m = put(&manifest);
    m["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
    m["platform"] = serde_json::json!({ "architecture": "amd64", "os": "linux" });
    // A manifest for another platform, listed first; its blob is not even there.
    let other = serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": format!("sha256:{}", "0".repeat(64)),
        "size": 10,
        "platform": { "architecture": "s390x", "os": "linux" }
    });
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [other, m],
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// An `oci-archive`: the layout in `dir` as a plain tar (as podman save writes it).
pub fn oci_archive(dir: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.append_dir_all(".", dir).unwrap();
    b.into_inner().unwrap()
}

/// The second layer of the test image: hides /etc/motd (whiteout), empties /usr/bin of
/// what the first layer put there (opaque) but for its own new file, adds /etc/issue.
pub fn upper_layer() -> Vec<u8> {
    tar_of(&[
        ent("etc/", Kind::Dir, 0o755),
        ent("etc/.wh.motd", Kind::File(Vec::new()), 0o644),
        ent(
            "etc/issue",
            Kind::File(b"zones test image\n".to_vec()),
            0o644,
        ),
        ent("usr/bin/", Kind::Dir, 0o755),
        ent("usr/bin/.wh..wh..opq", Kind::File(Vec::new()), 0o644),
        ent(
            "usr/bin/new",
            Kind::File(b"#!/bin/sh\necho new\n".to_vec()),
            0o755,
        ),
    ])
}

pub fn write(s: &Scratch, name: &str, data: &[u8]) -> PathBuf {
    let p = s.root().join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// Configure a whole-root zone at `/zones/<zone>`.
pub fn configure_whole(s: &Scratch, zone: &str) {
    s.configure(zone, &["set brand=whole"]);
}

pub fn zonepath(s: &Scratch, zone: &str) -> PathBuf {
    s.root().join("zones").join(zone)
}

/// The zone's state as `zoneadm list -cp` gives it.
pub fn state(s: &Scratch, zone: &str) -> String {
    s.listed(zone).1
}

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let p = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let n = std::ffi::CString::new(name).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: valid C strings and a buffer of its length.
    let k = unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (k >= 0).then(|| {
        buf.truncate(k as usize);
        buf
    })
}

fn meta(p: &Path) -> std::fs::Metadata {
    std::fs::symlink_metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The base tree is there as made: data, links, owners, modes, capabilities, nodes, times;
/// and busybox runs from it (chroot).
pub fn check_base(root: &Path, with_motd: bool, with_bin: bool) {
    let bb = root.join("bin/busybox");
    assert_eq!(std::fs::read(&bb).unwrap(), busybox_bytes(), "busybox data");
    assert_eq!(meta(&bb).mode() & 0o7777, 0o755);
    assert_eq!(
        std::fs::read_link(root.join("bin/sh")).unwrap(),
        Path::new("busybox")
    );
    assert_eq!(
        std::fs::read_link(root.join("sbin/init")).unwrap(),
        Path::new("../bin/busybox")
    );
    assert_eq!(
        meta(&root.join("bin/su")).ino(),
        meta(&bb).ino(),
        "hard link"
    );
    let shadow = meta(&root.join("etc/shadow"));
    assert_eq!(
        (shadow.mode() & 0o7777, shadow.uid(), shadow.gid()),
        (0o640, 0, 42)
    );
    let home = meta(&root.join("home/user"));
    assert_eq!(
        (home.mode() & 0o7777, home.uid(), home.gid()),
        (0o750, 1000, 1000)
    );
    let notes = meta(&root.join("home/user/notes"));
    assert_eq!((notes.mode() & 0o7777, notes.uid()), (0o600, 1000));
    assert_eq!(meta(&root.join("tmp")).mode() & 0o7777, 0o1777);
    let null = meta(&root.join("dev/null"));
    assert!(null.file_type().is_char_device());
    assert_eq!(null.rdev(), libc::makedev(1, 3));
    assert!(meta(&root.join("run/initctl")).file_type().is_fifo());
    assert_eq!(meta(&root.join("etc/shadow")).mtime(), MTIME as i64);
    assert_eq!(meta(&root.join("home/user")).mtime(), MTIME as i64);
    assert_eq!(
        root.join("etc/motd").exists(),
        with_motd,
        "etc/motd (hidden by a whiteout in the image)"
    );
    if with_bin {
        let ping = root.join("usr/bin/ping");
        assert_eq!(xattr(&ping, "security.capability"), Some(net_raw_caps()));
        assert_eq!(
            xattr(&ping, "user.origin").as_deref(),
            Some(&b"zones-test"[..])
        );
        assert_eq!(meta(&root.join("usr/bin/passwd")).mode() & 0o7777, 0o4755);
    }
    let out = std::process::Command::new("chroot")
        .arg(root)
        .args([
            "/bin/sh",
            "-c",
            "echo ok from $(/bin/busybox cut -d: -f1 /etc/shadow)",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok from root\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file name under `dir` (relative), sorted: what a test compares before and after.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(base).unwrap().display().to_string());
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                walk(base, &p, out);
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}
