//! `install [brand-specific args]` and `uninstall [-F]`.

use crate::Ctx;
use libzone::admin::{lifecycle, AdminError};
use std::io::{IsTerminal, Write};

/// `install`. `brand_args` are the words after `install`, which Solaris' zoneadm hands to
/// the brand's installer; the brands here take none yet, so none is looked at.
pub fn install(ctx: &Ctx, zone: &str, brand_args: &[String]) -> Result<(), AdminError> {
    let _ = brand_args;
    lifecycle::install(&ctx.store, zone, &mut |log| {
        println!("Progress being logged to {}", log.display());
    })
}

/// `uninstall [-F]`: without `-F`, only after the user said yes on a terminal. `None` when
/// it stopped before asking libzone (the message is printed).
pub fn uninstall(ctx: &Ctx, zone: &str, force: bool) -> Option<Result<(), AdminError>> {
    if !force {
        if !std::io::stdin().is_terminal() {
            ctx.zerror("Input not from terminal and -F not specified: uninstall not done.");
            return None;
        }
        if !confirm(&format!(
            "Are you sure you want to uninstall zone {zone} (y/[n])? "
        )) {
            return Some(Ok(()));
        }
    }
    Some(lifecycle::uninstall(&ctx.store, zone))
}

fn confirm(question: &str) -> bool {
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}
