//! OCI images as install sources: an image layout directory, or an `oci-archive` tar of
//! one. `index.json` names the manifest (the host's platform when it names several), the
//! manifest names the layers, applied in order with their whiteouts. Every blob read is
//! checked against its digest; a blob name that is not `<algorithm>:<hex>` is refused (it
//! could name a file outside `blobs/`).

use super::root::{RootDir, UnpackError};
use super::source::Compression;
use super::unpack;
use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, MediaType};
use sha2::{Digest as _, Sha256, Sha512};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{path}: {why}")]
    Bad { path: String, why: String },
    #[error(transparent)]
    Unpack(#[from] UnpackError),
}

fn bad(path: &str, why: impl Into<String>) -> ImageError {
    ImageError::Bad {
        path: path.to_string(),
        why: why.into(),
    }
}

/// Where an image's files are.
pub enum Image {
    Layout(PathBuf),
    /// An uncompressed tar, and where each of its files starts and how long it is.
    Archive {
        path: PathBuf,
        files: HashMap<String, (u64, u64)>,
    },
}

impl Image {
    /// The files of an `oci-archive` (`None` when the tar holds no image layout).
    pub fn archive(path: &Path) -> Result<Option<Image>, ImageError> {
        let name = path.display().to_string();
        let f = File::open(path).map_err(|e| bad(&name, e.to_string()))?;
        let mut ar = tar::Archive::new(BufReader::new(f));
        let mut files = HashMap::new();
        let entries = ar
            .entries_with_seek()
            .map_err(|e| bad(&name, format!("not a tar archive ({e})")))?;
        for e in entries {
            let e = e.map_err(|e| bad(&name, format!("corrupt tar archive ({e})")))?;
            if e.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let p = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let p = p.trim_start_matches("./").to_string();
            files.insert(p, (e.raw_file_position(), e.size()));
        }
        if files.contains_key("oci-layout") && files.contains_key("index.json") {
            Ok(Some(Image::Archive {
                path: path.to_path_buf(),
                files,
            }))
        } else {
            Ok(None)
        }
    }

    fn name(&self, file: &str) -> String {
        match self {
            Image::Layout(d) => d.join(file).display().to_string(),
            Image::Archive { path, .. } => format!("{}:{file}", path.display()),
        }
    }

    /// One file of the image (`oci-layout`, `index.json`, `blobs/sha256/...`) and its size.
    fn open(&self, file: &str) -> Result<(Box<dyn Read>, u64), ImageError> {
        match self {
            Image::Layout(d) => {
                let p = d.join(file);
                let f = File::open(&p).map_err(|e| bad(&self.name(file), e.to_string()))?;
                let len = f
                    .metadata()
                    .map_err(|e| bad(&self.name(file), e.to_string()))?
                    .len();
                Ok((Box::new(f), len))
            }
            Image::Archive { path, files } => {
                let &(at, len) = files
                    .get(file)
                    .ok_or_else(|| bad(&self.name(file), "missing from the archive"))?;
                let mut f = File::open(path).map_err(|e| bad(&self.name(file), e.to_string()))?;
                f.seek(SeekFrom::Start(at))
                    .map_err(|e| bad(&self.name(file), e.to_string()))?;
                Ok((Box::new(f.take(len)), len))
            }
        }
    }

    /// The blob `d` names, its digest checked when it has been read to the end.
    fn blob(&self, d: &Descriptor) -> Result<(Checked, u64), ImageError> {
        let digest = d.digest().to_string();
        let (alg, hex) = blob_name(&digest).ok_or_else(|| {
            bad(
                &self.name("index.json"),
                format!("bad blob digest '{digest}'"),
            )
        })?;
        let file = format!("blobs/{alg}/{hex}");
        let (r, len) = self.open(&file)?;
        Ok((
            Checked {
                inner: r,
                hash: match alg {
                    "sha512" => Hash::Sha512(Box::default()),
                    _ => Hash::Sha256(Sha256::new()),
                },
                want: hex.to_string(),
                name: self.name(&file),
            },
            len,
        ))
    }

    fn json_blob<T: serde::de::DeserializeOwned>(&self, d: &Descriptor) -> Result<T, ImageError> {
        let (mut r, _) = self.blob(d)?;
        let name = r.name.clone();
        let mut buf = Vec::new();
        r.read_to_end(&mut buf)
            .map_err(|e| bad(&name, e.to_string()))?;
        r.verify()?;
        serde_json::from_slice(&buf).map_err(|e| bad(&name, e.to_string()))
    }

    /// The manifest to install: the one in `index.json` for this host's platform.
    pub fn manifest(&self) -> Result<ImageManifest, ImageError> {
        let (r, _) = self.open("oci-layout")?;
        let layout: serde_json::Value =
            serde_json::from_reader(r).map_err(|e| bad(&self.name("oci-layout"), e.to_string()))?;
        if layout.get("imageLayoutVersion").is_none() {
            return Err(bad(&self.name("oci-layout"), "no imageLayoutVersion"));
        }
        let (r, _) = self.open("index.json")?;
        let mut index =
            ImageIndex::from_reader(r).map_err(|e| bad(&self.name("index.json"), e.to_string()))?;
        for _ in 0..4 {
            let d = pick(index.manifests())
                .ok_or_else(|| {
                    bad(
                        &self.name("index.json"),
                        format!("no image for {}/{}", "linux", host_arch()),
                    )
                })?
                .clone();
            if is_index(d.media_type()) {
                index = self.json_blob(&d)?;
                continue;
            }
            return self.json_blob(&d);
        }
        Err(bad(&self.name("index.json"), "indexes nested too deep"))
    }

    /// Apply the layers of `manifest` to `root`, in order. `on_entry` gets the bytes of
    /// layer data read so far.
    pub fn apply(
        &self,
        manifest: &ImageManifest,
        root: &mut RootDir,
        on_entry: &mut dyn FnMut(u64, &RootDir),
    ) -> Result<(), ImageError> {
        let mut before = 0u64;
        for d in manifest.layers() {
            let comp = layer_compression(d.media_type()).ok_or_else(|| {
                bad(
                    &self.name("manifest"),
                    format!("layer media type '{}' is not a tar layer", d.media_type()),
                )
            })?;
            let (blob, _) = self.blob(d)?;
            let name = blob.name.clone();
            let counter = std::rc::Rc::new(std::cell::Cell::new(0u64));
            let mut counted = Counted {
                inner: blob,
                n: counter.clone(),
            };
            {
                let mut stream =
                    decompress(comp, &mut counted).map_err(|e| bad(&name, e.to_string()))?;
                unpack::unpack(&mut stream, root, true, &mut |r| {
                    on_entry(before + counter.get(), r)
                })?;
                // The rest of the stream (tar's end blocks, padding), for the digest.
                io::copy(&mut stream, &mut io::sink()).map_err(|e| bad(&name, e.to_string()))?;
            }
            io::copy(&mut counted, &mut io::sink()).map_err(|e| bad(&name, e.to_string()))?;
            before += counter.get();
            counted.inner.verify()?;
        }
        Ok(())
    }
}

/// The decompressed stream of `r`.
pub fn decompress<'a>(c: Compression, r: &'a mut dyn Read) -> io::Result<Box<dyn Read + 'a>> {
    let buffered = BufReader::with_capacity(256 * 1024, r);
    Ok(match c {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
    })
}

/// `sha256:<64 hex>` (or sha512) as the algorithm and the hex, else `None`.
pub fn blob_name(digest: &str) -> Option<(&str, &str)> {
    let (alg, hex) = digest.split_once(':')?;
    let len = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => return None,
    };
    let ok = hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then_some((alg, hex))
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

fn is_index(m: &MediaType) -> bool {
    match m {
        MediaType::ImageIndex => true,
        MediaType::Other(s) => s == "application/vnd.docker.distribution.manifest.list.v2+json",
        _ => false,
    }
}

/// The descriptor for this host: the only one without a platform, or the one for
/// linux/<host architecture>.
fn pick(list: &[Descriptor]) -> Option<&Descriptor> {
    let usable: Vec<&Descriptor> = list
        .iter()
        .filter(|d| {
            let m = d.media_type();
            matches!(m, MediaType::ImageManifest | MediaType::ImageIndex)
                || matches!(m, MediaType::Other(s) if s.starts_with("application/vnd.docker.distribution.manifest"))
        })
        .collect();
    if let Some(d) = usable.iter().find(|d| {
        d.platform().as_ref().is_some_and(|p| {
            p.os().to_string() == "linux" && p.architecture().to_string() == host_arch()
        })
    }) {
        return Some(d);
    }
    match usable.as_slice() {
        [one] if one.platform().is_none() => Some(one),
        _ => usable.iter().copied().find(|d| d.platform().is_none()),
    }
}

fn layer_compression(m: &MediaType) -> Option<Compression> {
    Some(match m {
        MediaType::ImageLayer | MediaType::ImageLayerNonDistributable => Compression::None,
        MediaType::ImageLayerGzip | MediaType::ImageLayerNonDistributableGzip => Compression::Gzip,
        MediaType::ImageLayerZstd | MediaType::ImageLayerNonDistributableZstd => Compression::Zstd,
        MediaType::Other(s) => match s.as_str() {
            "application/vnd.docker.image.rootfs.diff.tar.gzip" => Compression::Gzip,
            "application/vnd.docker.image.rootfs.diff.tar" => Compression::None,
            _ => return None,
        },
        _ => return None,
    })
}

enum Hash {
    Sha256(Sha256),
    Sha512(Box<Sha512>),
}

/// A blob's reader that hashes what it reads.
struct Checked {
    inner: Box<dyn Read>,
    hash: Hash,
    want: String,
    name: String,
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match &mut self.hash {
            Hash::Sha256(h) => h.update(&buf[..n]),
            Hash::Sha512(h) => h.update(&buf[..n]),
        }
        Ok(n)
    }
}

impl Checked {
    fn verify(self) -> Result<(), ImageError> {
        let got: String = match self.hash {
            Hash::Sha256(h) => h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            Hash::Sha512(h) => h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        };
        if got != self.want {
            return Err(bad(
                &self.name,
                format!("digest mismatch (the blob is corrupt): its content hashes to {got}"),
            ));
        }
        Ok(())
    }
}

/// Counts the bytes read through it.
pub struct Counted<R> {
    pub inner: R,
    pub n: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.set(self.n.get() + k as u64);
        Ok(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_names_are_checked() {
        let hex = "a".repeat(64);
        assert_eq!(
            blob_name(&format!("sha256:{hex}")),
            Some(("sha256", hex.as_str()))
        );
        assert_eq!(blob_name("sha256:../../etc/passwd"), None);
        assert_eq!(blob_name(&format!("sha256:{}", "A".repeat(64))), None);
        assert_eq!(blob_name(&format!("md5:{hex}")), None);
        assert_eq!(blob_name("sha256"), None);
    }

    #[test]
    fn layer_types() {
        assert_eq!(
            layer_compression(&MediaType::ImageLayerGzip),
            Some(Compression::Gzip)
        );
        assert_eq!(
            layer_compression(&MediaType::ImageLayer),
            Some(Compression::None)
        );
        assert_eq!(layer_compression(&MediaType::ImageConfig), None);
        assert_eq!(
            layer_compression(&MediaType::Other(
                "application/vnd.docker.image.rootfs.diff.tar.gzip".into()
            )),
            Some(Compression::Gzip)
        );
    }
}
