//! Where a zone's root comes from (`zoneadm install [-a archive | -d path]`), and what an
//! archive is, told by its first bytes rather than by its name.

use crate::brand::{InstallSpec, SourceKind};
use std::io::Read;
use std::path::PathBuf;

/// The source of an install, as `zoneadm install`'s options name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallSource {
    /// No source: the brand's own (the skeleton of a sparse zone; for a whole-root zone a
    /// bootstrap of the host's distribution by the installer the brand data names).
    Default,
    /// `-a archive`: a tar archive (plain, gzip, xz or zstd), an `oci-archive` tar, or an
    /// OCI image layout directory.
    Archive(PathBuf),
    /// `-d path`: a directory tree copied as it is (owners, modes, xattrs, hard links).
    Directory(PathBuf),
}

impl InstallSource {
    /// The kind of source this is for `brand` (`Default` is the brand's default kind).
    pub fn kind(&self, brand: &InstallSpec) -> Option<SourceKind> {
        match self {
            InstallSource::Default => brand.default_source(),
            InstallSource::Archive(_) => Some(SourceKind::Archive),
            InstallSource::Directory(_) => Some(SourceKind::Directory),
        }
    }

    /// The option that gave this source, for messages.
    pub fn option(&self) -> &'static str {
        match self {
            InstallSource::Default => "",
            InstallSource::Archive(_) => "-a",
            InstallSource::Directory(_) => "-d",
        }
    }
}

/// How a tar archive is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Xz,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "tar",
            Compression::Gzip => "gzip-compressed tar",
            Compression::Xz => "xz-compressed tar",
            Compression::Zstd => "zstd-compressed tar",
        }
    }
}

/// What the first bytes of a file say it is: a compression format, a tar archive (`ustar`
/// at offset 257, or an old v7 header whose checksum adds up), or neither (`None`).
pub fn sniff(head: &[u8]) -> Option<Compression> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Compression::Gzip)
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(Compression::Xz)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Compression::Zstd)
    } else if is_tar_header(head) {
        Some(Compression::None)
    } else {
        None
    }
}

/// A 512-byte tar header: the `ustar` magic, or a v7 header whose checksum is right.
fn is_tar_header(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    if &head[257..262] == b"ustar" {
        return true;
    }
    let field = &head[148..156];
    let text: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| *b as char)
        .collect();
    let Ok(stored) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let sum: u32 = head[..512]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                *b as u32
            }
        })
        .sum();
    head[0] != 0 && sum == stored
}

/// Read up to 512 bytes of `f` to tell what it is.
pub fn head_of(f: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 512];
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    buf.truncate(n);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(name: &str) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, &b"x"[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn formats_by_magic() {
        assert_eq!(sniff(&tar_of("a")), Some(Compression::None));
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Some(Compression::Gzip));
        assert_eq!(
            sniff(&[0xfd, b'7', b'z', b'X', b'Z', 0, 0]),
            Some(Compression::Xz)
        );
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 1]), Some(Compression::Zstd));
        assert_eq!(sniff(b"PK\x03\x04 not a tar"), None);
        assert_eq!(sniff(&[0u8; 1024]), None);
        // A v7 header (no magic) is known by its checksum.
        let mut v7 = tar_of("b");
        v7[257..265].copy_from_slice(&[0; 8]);
        let sum: u32 = v7[..512]
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    *b as u32
                }
            })
            .sum();
        let field = format!("{sum:06o}\0 ");
        v7[148..156].copy_from_slice(field.as_bytes());
        assert_eq!(sniff(&v7), Some(Compression::None));
        v7[0] ^= 1;
        assert_eq!(sniff(&v7), None);
    }

    #[test]
    fn kinds_of_source() {
        let whole = crate::brand::lookup("whole").unwrap().install;
        let sparse = crate::brand::lookup("sparse").unwrap().install;
        assert_eq!(
            InstallSource::Default.kind(&whole),
            Some(SourceKind::Bootstrap)
        );
        assert_eq!(
            InstallSource::Default.kind(&sparse),
            Some(SourceKind::Skeleton)
        );
        assert_eq!(
            InstallSource::Archive("/x".into()).kind(&sparse),
            Some(SourceKind::Archive)
        );
        assert_eq!(InstallSource::Directory("/d".into()).option(), "-d");
    }
}
