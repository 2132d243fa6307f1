//! `zoneadm install` and `uninstall`. Sparse zones get a fresh private root (the skeleton);
//! whole-root zones a full system from a source ([`InstallSource`]): a tar archive or OCI
//! image (`-a`), a directory tree (`-d`), or a bootstrap of the host's distribution (no
//! source). Archives and trees are laid down through [`root::RootDir`], which refuses every
//! entry that would land outside the zone root. Whatever install made is recorded in an
//! owner file so uninstall removes exactly that and refuses paths that are not the zone's.
//!
//! The source is checked before anything is written (a missing file, a format not known, a
//! source the brand does not take: the zone stays `configured`, its zonepath untouched); a
//! failure once the root is begun leaves the zone `incomplete`, as Solaris does, and
//! `zoneadm uninstall -F` removes what was written.

pub mod bootstrap;
pub mod copy;
pub mod oci;
pub mod progress;
pub mod remove;
pub mod root;
pub mod skeleton;
pub mod source;
pub mod unpack;

pub use progress::{Progress, Quiet};
pub use source::InstallSource;

use crate::brand::{self, Brand, SourceKind};
use crate::clock::civil_from_days;
use crate::config::ZoneConfig;
use crate::host;
use crate::state::ZoneState;
use crate::store::{Store, StoreError};
use root::{DevicePolicy, RootDir, UnpackError};
use source::Compression;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The file that marks a zonepath as installed by (and owned by) a zone.
pub const OWNER_FILE: &str = ".zone-owner";

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown brand '{0}'")]
    Brand(String),
    #[error("{}: {}", path.display(), crate::pool::error::io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} is not empty; cannot install into it")]
    NotEmpty(PathBuf),
    #[error(
        "the {0} brand installs from an archive, an image or a directory; give one with -a or -d"
    )]
    NeedsSource(String),
    #[error("the sparse brand installs from the global zone; {0} needs brand whole")]
    SparseSource(&'static str),
    #[error("the {brand} brand does not install from {what} ({option})")]
    SourceRefused {
        brand: String,
        what: &'static str,
        option: &'static str,
    },
    #[error("cannot read {option} source {}: {}", path.display(), crate::pool::error::io_reason(source))]
    SourceUnreadable {
        option: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a tar archive (plain, gzip, xz or zstd) or an OCI image", .0.display())]
    NotArchive(PathBuf),
    #[error("{} is not a directory", .0.display())]
    NotDirectory(PathBuf),
    #[error("{} is a directory but not an OCI image layout (no oci-layout file); use -d to copy a directory", .0.display())]
    NotLayout(PathBuf),
    #[error("{}: {source}", path.display())]
    Unpack {
        path: PathBuf,
        #[source]
        source: UnpackError,
    },
    #[error("{}: {source}", path.display())]
    Image {
        path: PathBuf,
        #[source]
        source: oci::ImageError,
    },
    #[error("copying {}: {source}", path.display())]
    Copy {
        path: PathBuf,
        #[source]
        source: copy::CopyError,
    },
    #[error(transparent)]
    Bootstrap(#[from] bootstrap::BootstrapError),
    #[error("{source}; the zone is left incomplete ('zoneadm -z {zone} uninstall -F' removes what was installed)")]
    LeftIncomplete {
        zone: String,
        #[source]
        source: Box<InstallError>,
    },
    #[error("zonepath {path} is not owned by zone {zone}; not removing it")]
    NotOwned { path: PathBuf, zone: String },
    #[error("{0} has a file system mounted below it; not removing it")]
    Mounted(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The install log: `var/log/zones/zoneadm.<timestamp>.<zone>.install`.
pub struct InstallLog {
    pub path: PathBuf,
    file: std::fs::File,
}

impl InstallLog {
    pub fn create(store: &Store, zone: &str) -> Result<InstallLog, InstallError> {
        let dir = store.ensure_log_dir()?;
        let path = dir.join(format!("zoneadm.{}.{zone}.install", utc_stamp()));
        let file = std::fs::File::create(&path).map_err(io(&path))?;
        Ok(InstallLog { path, file })
    }

    pub fn line(&mut self, msg: &str) {
        let _ = writeln!(self.file, "{msg}");
    }
}

/// `YYYYMMDDThhmmssZ` in UTC, as Solaris names its install logs.
pub fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A source, checked and ready to lay down.
enum Prepared {
    Skeleton,
    /// The archive, open, and its first bytes already read from it (an archive may be a
    /// pipe, read once).
    Tar(PathBuf, Compression, std::fs::File, Vec<u8>),
    Image(PathBuf, oci::Image),
    Tree(PathBuf),
    Bootstrap(bootstrap::BootstrapPlan),
}

impl Prepared {
    fn describe(&self) -> String {
        match self {
            Prepared::Skeleton => "the global zone's system files and a private skeleton".into(),
            Prepared::Tar(p, c, ..) => format!("{} ({})", p.display(), c.name()),
            Prepared::Image(p, oci::Image::Layout(_)) => {
                format!("{} (OCI image layout)", p.display())
            }
            Prepared::Image(p, _) => format!("{} (OCI image archive)", p.display()),
            Prepared::Tree(p) => format!("{} (directory tree)", p.display()),
            Prepared::Bootstrap(b) => format!(
                "{} {} from {} ({})",
                b.distribution, b.source.suite, b.source.uri, b.program
            ),
        }
    }
}

/// The path of an `-a`/`-d` source, absolute (relative to the current directory).
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Check `source` against `brand` and look at it, writing nothing.
fn prepare(brand: &Brand, source: &InstallSource) -> Result<Prepared, InstallError> {
    let spec = &brand.install;
    let Some(kind) = source.kind(spec) else {
        return Err(InstallError::NeedsSource(brand.name.clone()));
    };
    if !spec.takes(kind) {
        if spec.takes(SourceKind::Skeleton) {
            return Err(InstallError::SparseSource(source.option()));
        }
        return Err(InstallError::SourceRefused {
            brand: brand.name.clone(),
            what: match kind {
                SourceKind::Archive => "an archive",
                SourceKind::Directory => "a directory",
                SourceKind::Bootstrap => "a bootstrap",
                SourceKind::Skeleton => "a skeleton",
            },
            option: source.option(),
        });
    }
    match source {
        InstallSource::Default if kind == SourceKind::Skeleton => Ok(Prepared::Skeleton),
        InstallSource::Default => {
            let plan = bootstrap::plan(spec.bootstrap.as_ref(), Path::new("/"))?;
            if bootstrap::find_program(&plan.program).is_none() {
                return Err(bootstrap::BootstrapError::Missing {
                    program: plan.program,
                }
                .into());
            }
            Ok(Prepared::Bootstrap(plan))
        }
        InstallSource::Archive(p) => {
            let p = absolute(p);
            let unreadable = |source| InstallError::SourceUnreadable {
                option: "-a",
                path: p.clone(),
                source,
            };
            let meta = std::fs::metadata(&p).map_err(unreadable)?;
            if meta.is_dir() {
                if !p.join("oci-layout").is_file() {
                    return Err(InstallError::NotLayout(p));
                }
                return Ok(Prepared::Image(p.clone(), oci::Image::Layout(p)));
            }
            let mut file = std::fs::File::open(&p).map_err(unreadable)?;
            let head = source::head_of(&mut file).map_err(unreadable)?;
            match source::sniff(&head) {
                None => Err(InstallError::NotArchive(p)),
                // Not a file (a pipe): read as it comes, once.
                Some(c) if !meta.is_file() => Ok(Prepared::Tar(p, c, file, head)),
                Some(Compression::None) => {
                    let image = oci::Image::archive(&p).map_err(|source| InstallError::Image {
                        path: p.clone(),
                        source,
                    })?;
                    Ok(match image {
                        Some(image) => Prepared::Image(p, image),
                        None => Prepared::Tar(p, Compression::None, file, head),
                    })
                }
                Some(c) => Ok(Prepared::Tar(p, c, file, head)),
            }
        }
        InstallSource::Directory(p) => {
            let p = absolute(p);
            let meta = std::fs::metadata(&p).map_err(|source| InstallError::SourceUnreadable {
                option: "-d",
                path: p.clone(),
                source,
            })?;
            if !meta.is_dir() {
                return Err(InstallError::NotDirectory(p));
            }
            Ok(Prepared::Tree(p))
        }
    }
}

/// Install `cfg` (state configured, zone lock held by the caller) from `source`. Moves the
/// index through incomplete to installed. A source that does not do leaves the zone
/// configured and its zonepath as it was; a failure once the root is begun leaves it
/// incomplete (`uninstall -F` removes it). Everything goes to `log` as well as `progress`.
pub fn install(
    store: &Store,
    cfg: &ZoneConfig,
    source: &InstallSource,
    log: &mut InstallLog,
    progress: &mut dyn Progress,
) -> Result<(), InstallError> {
    let started = Instant::now();
    let checked = brand::lookup(&cfg.brand)
        .ok_or_else(|| InstallError::Brand(cfg.brand.clone()))
        .and_then(|b| prepare(&b, source).map(|p| (b, p)));
    let (brand, prepared) = match checked {
        Ok(bp) => bp,
        Err(e) => {
            log.line(&format!("Installation of zone {} failed: {e}.", cfg.name));
            return Err(e);
        }
    };
    let zonepath = store.host_path(&cfg.zonepath)?;
    store.set_state(&cfg.name, ZoneState::Incomplete)?;
    log.line(&format!(
        "Installing zone {} (brand {}) at {}.",
        cfg.name,
        brand.name,
        zonepath.display()
    ));
    let made_zonepath = !zonepath.exists();
    let mut began = false;
    let result = lay_down(
        store, cfg, &brand, &prepared, &zonepath, log, progress, &mut began,
    );
    match result {
        Ok(()) => {
            store.set_state(&cfg.name, ZoneState::Installed)?;
            let done = format!(
                "Done: Installation completed in {:.3} seconds.",
                started.elapsed().as_secs_f64()
            );
            milestone(log, progress, &done);
            if !brand.install.takes(SourceKind::Skeleton) {
                milestone(
                    log,
                    progress,
                    "Next Steps: Boot the zone, then log into the zone console (zlogin -C).",
                );
            }
            log.line("Installation complete.");
            Ok(())
        }
        Err(e) => {
            progress.end();
            if began {
                let e = InstallError::LeftIncomplete {
                    zone: cfg.name.clone(),
                    source: Box::new(e),
                };
                log.line(&format!("Installation of zone {} failed: {e}.", cfg.name));
                return Err(e);
            }
            log.line(&format!("Installation of zone {} failed: {e}.", cfg.name));
            let _ = std::fs::remove_file(zonepath.join(OWNER_FILE));
            if made_zonepath {
                let _ = std::fs::remove_dir(&zonepath);
            }
            store.set_state(&cfg.name, ZoneState::Configured)?;
            Err(e)
        }
    }
}

/// A milestone, on the terminal (right-aligned as Solaris prints them) and in the log.
fn milestone(log: &mut InstallLog, progress: &mut dyn Progress, line: &str) {
    log.line(line);
    let shown = match line.split_once(": ") {
        Some((label, rest)) => format!("{label:>12}: {rest}"),
        None => line.to_string(),
    };
    progress.milestone(&shown);
}

#[allow(clippy::too_many_arguments)]
fn lay_down(
    store: &Store,
    cfg: &ZoneConfig,
    brand: &Brand,
    prepared: &Prepared,
    zonepath: &Path,
    log: &mut InstallLog,
    progress: &mut dyn Progress,
    began: &mut bool,
) -> Result<(), InstallError> {
    if zonepath.exists() {
        let busy = std::fs::read_dir(zonepath)
            .map_err(io(zonepath))?
            .flatten()
            .any(|e| e.file_name() != "lost+found");
        if busy {
            return Err(InstallError::NotEmpty(zonepath.to_path_buf()));
        }
    } else {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(zonepath)
            .map_err(io(zonepath))?;
    }
    std::fs::set_permissions(zonepath, std::fs::Permissions::from_mode(0o700))
        .map_err(io(zonepath))?;
    let uuid = match store.entry(&cfg.name)? {
        Some(e) if !e.uuid.is_empty() => e.uuid,
        _ => crate::store::new_uuid()?,
    };
    let owner = zonepath.join(OWNER_FILE);
    std::fs::write(&owner, format!("{}:{}\n", cfg.name, uuid)).map_err(io(&owner))?;
    let root = zonepath.join("root");
    std::fs::create_dir(&root).map_err(io(&root))?;
    *began = true;
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).map_err(io(&root))?;
    milestone(
        log,
        progress,
        &format!("Image: Preparing at {}.", root.display()),
    );
    let devices = DevicePolicy::Only(brand.install.devices.clone());
    match prepared {
        Prepared::Skeleton => {
            let dirs = host::probe_system_dirs(Path::new("/"));
            let ipds: Vec<String> = cfg.inherit_pkg_dirs.iter().map(|i| i.dir.clone()).collect();
            let mut logf = |m: &str| log.line(m);
            skeleton::create(&root, &cfg.name, &dirs, &ipds, &mut logf)
                .map_err(|(path, source)| InstallError::Io { path, source })?;
        }
        other => {
            milestone(log, progress, &format!("Source: {}.", other.describe()));
            milestone(
                log,
                progress,
                "Installing: This may take several minutes...",
            );
            let counts = fill(other, &root, devices, log, progress)?;
            // A bootstrap counts nothing: its installer's own lines are in the log.
            if counts.entries > 0 {
                log.line(&format!(
                    "Installed {} entries, {} bytes of file data.",
                    counts.entries, counts.bytes
                ));
            }
            if counts.xattrs_dropped > 0 {
                log.line(&format!(
                    "Warning: {} extended attributes were not kept: the file system under {} does not take them.",
                    counts.xattrs_dropped,
                    root.display()
                ));
            }
        }
    }
    store.set_uuid(&cfg.name, &uuid)?;
    Ok(())
}

/// Lay a whole-root source down in `root`.
fn fill(
    prepared: &Prepared,
    root: &Path,
    devices: DevicePolicy,
    log: &mut InstallLog,
    progress: &mut dyn Progress,
) -> Result<root::Counts, InstallError> {
    let unpack_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InstallError::Unpack { path, source }
    };
    match prepared {
        Prepared::Skeleton => Ok(root::Counts::default()),
        Prepared::Tar(path, comp, file, head) => {
            let total = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            progress.begin("Unpacking", total);
            let n = std::rc::Rc::new(std::cell::Cell::new(0u64));
            let mut counted = oci::Counted {
                inner: std::io::Cursor::new(head).chain(file),
                n: n.clone(),
            };
            let mut rd = RootDir::open(root, devices).map_err(unpack_err(path))?;
            {
                let mut stream = oci::decompress(*comp, &mut counted).map_err(|source| {
                    InstallError::Unpack {
                        path: path.clone(),
                        source: UnpackError::Source {
                            what: "reading the archive".into(),
                            source,
                        },
                    }
                })?;
                unpack::unpack(&mut stream, &mut rd, false, &mut |r| {
                    progress.advance(n.get(), r.counts.entries)
                })
                .map_err(unpack_err(path))?;
            }
            let counts = rd.finish().map_err(unpack_err(path))?;
            progress.end();
            Ok(counts)
        }
        Prepared::Image(path, image) => {
            let manifest = image.manifest().map_err(|source| InstallError::Image {
                path: path.clone(),
                source,
            })?;
            let total: u64 = manifest.layers().iter().map(|l| l.size()).sum();
            log.line(&format!(
                "Applying {} layers of the image, {total} bytes.",
                manifest.layers().len()
            ));
            progress.begin("Applying layers", Some(total));
            let mut rd = RootDir::open(root, devices).map_err(unpack_err(path))?;
            image
                .apply(&manifest, &mut rd, &mut |bytes, r| {
                    progress.advance(bytes, r.counts.entries)
                })
                .map_err(|source| InstallError::Image {
                    path: path.clone(),
                    source,
                })?;
            let counts = rd.finish().map_err(unpack_err(path))?;
            progress.end();
            Ok(counts)
        }
        Prepared::Tree(path) => {
            // The copy makes the root itself, with the tree's owner and mode.
            std::fs::remove_dir(root).map_err(io(root))?;
            progress.begin("Copying", None);
            let (bytes, files) = (AtomicU64::new(0), AtomicU64::new(0));
            let report = |b: u64, f: u64| {
                bytes.store(b, Ordering::Relaxed);
                files.store(f, Ordering::Relaxed);
            };
            let opts = copy::CopyOptions {
                mounts: copy::Mounts::Refuse,
                devices: copy::Devices::Copy,
                progress: Some(&report),
                ..copy::CopyOptions::default()
            };
            let copied = std::thread::scope(|s| {
                let worker = s.spawn(|| copy::copy_tree(path, root, &opts));
                while !worker.is_finished() {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    progress.advance(bytes.load(Ordering::Relaxed), files.load(Ordering::Relaxed));
                }
                worker.join()
            });
            let stats = match copied {
                Ok(r) => r.map_err(|source| InstallError::Copy {
                    path: path.clone(),
                    source,
                })?,
                Err(_) => {
                    return Err(InstallError::Io {
                        path: path.clone(),
                        source: std::io::Error::other("the copy stopped unexpectedly"),
                    })
                }
            };
            progress.advance(stats.bytes, stats.files);
            // Device nodes only as the brand allows (the copy itself makes any).
            root::check_devices(root, &devices).map_err(unpack_err(path))?;
            progress.end();
            Ok(root::Counts {
                entries: stats.files
                    + stats.dirs
                    + stats.symlinks
                    + stats.hard_links
                    + stats.specials,
                bytes: stats.bytes,
                xattrs_dropped: 0,
            })
        }
        Prepared::Bootstrap(plan) => {
            progress.begin("Bootstrapping", None);
            let mut lines = 0u64;
            let target = root.to_path_buf();
            log.line(&format!(
                "Running {} {}.",
                plan.program,
                plan.args_for(&target)
                    .iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
            bootstrap::run(plan, &target, &mut |l| {
                lines += 1;
                log.line(&format!("{}: {l}", plan.program));
                progress.note(l);
                progress.advance(0, lines);
            })?;
            progress.end();
            Ok(root::Counts::default())
        }
    }
}

/// Uninstall (state installed or incomplete, zone lock held): remove the zone root and the
/// owner file, then the zonepath if it is left empty; state back to configured.
pub fn uninstall(store: &Store, cfg: &ZoneConfig) -> Result<(), InstallError> {
    let zonepath = store.host_path(&cfg.zonepath)?;
    store.set_state(&cfg.name, ZoneState::Incomplete)?;
    if zonepath.exists() {
        check_owner(&zonepath, &cfg.name)?;
        remove::remove_tree(&zonepath.join("root"))?;
        for f in [OWNER_FILE, crate::store::DETACHED_FILE] {
            let _ = std::fs::remove_file(zonepath.join(f));
        }
        // Only an empty zonepath goes; anything the admin put there stays.
        let _ = std::fs::remove_dir(&zonepath);
    }
    store.set_state(&cfg.name, ZoneState::Configured)?;
    Ok(())
}

/// A zonepath belongs to the zone if its owner file names it, or if it holds nothing but a
/// zone root (an install interrupted before the owner file was written).
fn check_owner(zonepath: &Path, zone: &str) -> Result<(), InstallError> {
    let not_owned = || InstallError::NotOwned {
        path: zonepath.to_path_buf(),
        zone: zone.to_string(),
    };
    match std::fs::read_to_string(zonepath.join(OWNER_FILE)) {
        Ok(text) if text.split(':').next() == Some(zone) => Ok(()),
        Ok(_) => Err(not_owned()),
        Err(_) => {
            let entries: Vec<String> = std::fs::read_dir(zonepath)
                .map_err(io(zonepath))?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            if entries.iter().all(|e| e == "root") {
                Ok(())
            } else {
                Err(not_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_solaris_shaped() {
        let s = utc_stamp();
        assert_eq!(s.len(), 16);
        assert_eq!(&s[8..9], "T");
        assert!(s.ends_with('Z'));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }

    #[test]
    fn owner_check() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("root")).unwrap();
        assert!(check_owner(t.path(), "z").is_ok());
        std::fs::write(t.path().join("data"), "").unwrap();
        assert!(check_owner(t.path(), "z").is_err());
        std::fs::write(t.path().join(OWNER_FILE), "z:abc\n").unwrap();
        assert!(check_owner(t.path(), "z").is_ok());
        assert!(check_owner(t.path(), "other").is_err());
    }
}
