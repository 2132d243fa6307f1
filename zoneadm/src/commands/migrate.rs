//! `clone`, `move`, `detach` and `attach`: read their options, call libzone, print what
//! Solaris' zoneadm prints on the way.

use crate::Ctx;
use libzone::admin::migrate::{attach, clone, detach, move_zone};
use libzone::admin::AdminError;
use libzone::install::copy::CopyStats;
use std::io::{Read, Write};
use std::path::Path;
use zones_cli::zoneadm::{AttachArgs, CloneArgs, DetachArgs, MoveArgs};

/// Prints Solaris' `Copying <zonepath>...`, ended when the copy is (`open`: not yet).
#[derive(Default)]
struct Say {
    open: bool,
}

impl clone::CloneNotes for Say {
    fn copying(&mut self, source: &Path) {
        print!("Copying {}...", source.display());
        let _ = std::io::stdout().flush();
        self.open = true;
    }

    fn copied(&mut self, _stats: &CopyStats, _identity: &[String]) {
        println!();
        self.open = false;
    }
}

impl move_zone::MoveNotes for Say {
    fn copying(&mut self, old: &Path) {
        println!(
            "Moving across file systems; copying zonepath {}...",
            old.display()
        );
    }

    fn cleaning(&mut self, path: &Path) {
        println!("Cleaning up zonepath {}...", path.display());
    }
}

/// `clone [-m copy] [-s snapshot] source`: `-m` takes only `copy` (else the usage).
pub fn clone(ctx: &Ctx, zone: &str, args: &CloneArgs) -> Result<(), AdminError> {
    if args.method.as_deref().is_some_and(|m| m != "copy") {
        crate::sub_usage_exit("clone");
    }
    let method = match &args.snapshot {
        Some(s) => clone::Method::Snapshot(s.clone()),
        None => clone::Method::Copy,
    };
    let mut say = Say::default();
    let r = clone::clone(&ctx.store, zone, &args.source, &method, &mut say);
    if say.open {
        // End the `Copying ...` line a failure cut short.
        println!();
    }
    r
}

/// `move zonepath`.
pub fn move_zone(ctx: &Ctx, zone: &str, args: &MoveArgs) -> Result<(), AdminError> {
    move_zone::move_zone(&ctx.store, zone, &args.zonepath, &mut Say::default())
}

/// `detach [-n]`: `-n` prints the manifest on standard output.
pub fn detach(ctx: &Ctx, zone: &str, args: &DetachArgs) -> Result<(), AdminError> {
    if args.dry_run {
        let xml = detach::manifest(&ctx.store, zone)?;
        print!("{xml}");
        return Ok(());
    }
    detach::detach(&ctx.store, zone)
}

/// `attach [-F] [-n path]`.
pub fn attach(ctx: &Ctx, zone: &str, args: &AttachArgs) -> Result<(), AdminError> {
    match (&args.dry_run, args.force) {
        (Some(_), true) => Err(AdminError::zone(
            zone,
            "-F and -n flags are mutually exclusive",
        )),
        (Some(path), false) => {
            let manifest = if path == "-" {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| AdminError::zone(zone, format!("standard input: {e}")))?;
                attach::Manifest::Stdin(bytes)
            } else {
                attach::Manifest::Path(path.clone())
            };
            attach::dry_run(&ctx.store, zone, &manifest)
        }
        (None, force) => attach::attach(&ctx.store, zone, force),
    }
}
