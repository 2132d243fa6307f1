//! One thin module per subcommand: each takes its parsed arguments, calls libzone and prints
//! what zoneadm prints; `run` first checks what every subcommand acting on a zone needs.

mod apply;
mod boot;
mod install;
mod list;
mod mark;
mod migrate;
mod plan;
mod verify;

use crate::{usage_exit, Ctx, EXIT_ERR, EXIT_OK};
use libzone::admin::AdminError;
use libzone::state::Op;
use zones_cli::zoneadm::Subcommand;

/// The subcommand's name, as zoneadm's messages give it.
fn name(sub: &Subcommand) -> &'static str {
    match sub {
        Subcommand::Help { .. } => "help",
        Subcommand::Boot(_) => "boot",
        Subcommand::Halt => "halt",
        Subcommand::Ready => "ready",
        Subcommand::Shutdown { .. } => "shutdown",
        Subcommand::Reboot(_) => "reboot",
        Subcommand::List(_) => "list",
        Subcommand::Verify => "verify",
        Subcommand::Install(_) => "install",
        Subcommand::Uninstall { .. } => "uninstall",
        Subcommand::Clone(_) => "clone",
        Subcommand::Move(_) => "move",
        Subcommand::Detach(_) => "detach",
        Subcommand::Attach(_) => "attach",
        Subcommand::Mark { .. } => "mark",
        Subcommand::Apply => "apply",
        Subcommand::Plan => "plan",
    }
}

/// Run `sub`; the exit status.
pub fn run(ctx: &Ctx, sub: Subcommand) -> i32 {
    let zone = match sub {
        Subcommand::Help { .. } => usage_exit(true),
        Subcommand::List(args) => return list::run(ctx, &args),
        _ => match checked_zone(ctx, name(&sub)) {
            Ok(zone) => zone,
            Err(code) => return code,
        },
    };
    let precheck = match sub {
        Subcommand::Install(_) => Some(Op::Install),
        Subcommand::Clone(_) => Some(Op::Clone),
        Subcommand::Ready => Some(Op::Ready),
        Subcommand::Boot(_) => Some(Op::Boot),
        _ => None,
    };
    if let Some(op) = precheck {
        if !verify::precheck(ctx, &zone, op) {
            return EXIT_ERR;
        }
    }
    let result: Result<(), AdminError> = match sub {
        Subcommand::Help { .. } | Subcommand::List(_) => return EXIT_OK,
        Subcommand::Boot(b) => boot::boot(ctx, &zone, &b.args, false),
        Subcommand::Ready => boot::boot(ctx, &zone, &[], true),
        Subcommand::Reboot(b) => boot::reboot(ctx, &zone, &b.args),
        Subcommand::Halt => boot::halt(ctx, &zone),
        Subcommand::Shutdown { reboot, boot } => {
            if !reboot && !boot.args.is_empty() {
                crate::sub_usage_exit("shutdown");
            }
            boot::shutdown(ctx, &zone, reboot, &boot.args)
        }
        Subcommand::Install(brand) => install::install(ctx, &zone, &brand.args),
        Subcommand::Uninstall { force } => match install::uninstall(ctx, &zone, force) {
            Some(result) => result,
            None => return EXIT_ERR,
        },
        Subcommand::Clone(args) => migrate::clone(ctx, &zone, &args),
        Subcommand::Move(args) => migrate::move_zone(ctx, &zone, &args),
        Subcommand::Detach(args) => migrate::detach(ctx, &zone, &args),
        Subcommand::Attach(args) => migrate::attach(ctx, &zone, &args),
        Subcommand::Verify => return verify::run(ctx, &zone),
        Subcommand::Plan => return plan::run(ctx, &zone),
        Subcommand::Apply => apply::run(ctx, &zone),
        Subcommand::Mark { state } => mark::run(ctx, &zone, &state),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => ctx.fail(e),
    }
}

/// The zone a subcommand acts on, once it is known to be one it may act on, by a user who
/// may; else the exit status.
fn checked_zone(ctx: &Ctx, sub: &str) -> Result<String, i32> {
    let Some(zone) = ctx.zone.clone() else {
        ctx.zerror("no zone specified");
        usage_exit(false);
    };
    if zone == libzone::config::GLOBAL_ZONE {
        ctx.zerror(&format!("{sub} operation is invalid for the global zone."));
        return Err(EXIT_ERR);
    }
    if zone.starts_with("SUNW") {
        ctx.zerror(&format!(
            "{sub} operation is invalid for zones starting with SUNW."
        ));
        return Err(EXIT_ERR);
    }
    if !nix::unistd::geteuid().is_root() {
        ctx.zerror(&format!("only a privileged user may {sub} a zone."));
        return Err(EXIT_ERR);
    }
    Ok(zone)
}

/// zoneadmd, the zone's supervisor, which the lifecycle subcommands start.
fn zoneadmd() -> std::path::PathBuf {
    libzone::admin::helper("zoneadmd")
}
