//! `install [-a archive | -d path]` and `uninstall [-F]`.

use crate::Ctx;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use libzone::admin::{lifecycle, AdminError};
use libzone::install::Progress;
use libzone::store::StoreError;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;
use zones_cli::zoneadm::InstallArgs;

/// `install`. `words` are the words after `install`, read once the zone is known to be
/// configured (as Solaris checks the zone before its brand reads them); a misuse gets
/// install's usage, exit 2.
pub fn install(ctx: &Ctx, zone: &str, words: &[String]) -> Result<(), AdminError> {
    if ctx.store.entry(zone)?.is_none() {
        return Err(StoreError::NoSuchZone { zone: zone.into() }.into());
    }
    let args = match InstallArgs::read(words) {
        Ok(a) => a,
        Err(_) => crate::sub_usage_exit("install"),
    };
    let source = args.source();
    let mut progress = Shown::new(std::io::stdout().is_terminal());
    lifecycle::install(&ctx.store, zone, &source, &mut progress)
}

/// Install's progress as zoneadm shows it: Solaris' milestones as lines; on a terminal a
/// bar of the bytes read (a spinner when the total is not known) with the entries laid
/// down, off a terminal one line of counts when the work is over.
struct Shown {
    tty: bool,
    bar: Option<ProgressBar>,
    what: String,
    bytes: u64,
    files: u64,
}

impl Shown {
    fn new(tty: bool) -> Shown {
        Shown {
            tty,
            bar: None,
            what: String::new(),
            bytes: 0,
            files: 0,
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(b) => b.println(line),
            None => {
                println!("{line}");
                let _ = std::io::stdout().flush();
            }
        }
    }
}

impl Progress for Shown {
    fn log_opened(&mut self, path: &Path) {
        self.say(&format!("Progress being logged to {}", path.display()));
    }

    fn milestone(&mut self, line: &str) {
        self.say(line);
    }

    fn begin(&mut self, what: &str, total: Option<u64>) {
        self.what = what.to_string();
        (self.bytes, self.files) = (0, 0);
        if !self.tty {
            return;
        }
        let target = ProgressDrawTarget::stdout();
        let bar = match total {
            Some(n) => {
                let b = ProgressBar::with_draw_target(Some(n), target);
                if let Ok(style) = ProgressStyle::with_template(
                    "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {msg} ({elapsed})",
                ) {
                    b.set_style(style.progress_chars("=> "));
                }
                b
            }
            None => {
                let b = ProgressBar::with_draw_target(None, target);
                if let Ok(style) =
                    ProgressStyle::with_template("{prefix:>12} {spinner} {msg} ({elapsed})")
                {
                    b.set_style(style);
                }
                b.enable_steady_tick(Duration::from_millis(200));
                b
            }
        };
        bar.set_prefix(what.to_string());
        self.bar = Some(bar);
    }

    fn advance(&mut self, bytes: u64, files: u64) {
        (self.bytes, self.files) = (bytes, files);
        if let Some(b) = &self.bar {
            if b.length().is_some() {
                b.set_position(bytes);
                b.set_message(format!("{files} files"));
            } else if bytes > 0 {
                b.set_message(format!("{} files, {}", files, indicatif::HumanBytes(bytes)));
            }
        }
    }

    fn note(&mut self, line: &str) {
        if let Some(b) = &self.bar {
            b.set_message(line.to_string());
        }
    }

    fn end(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        if self.what.is_empty() {
            return;
        }
        let line = if self.bytes > 0 {
            format!(
                "{:>12}: {} files, {}.",
                self.what,
                self.files,
                indicatif::HumanBytes(self.bytes)
            )
        } else {
            format!("{:>12}: {} lines of output.", self.what, self.files)
        };
        self.what.clear();
        self.say(&line);
    }
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
