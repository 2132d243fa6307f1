//! `boot`, `ready`, `reboot`, `halt`, `shutdown`: the zone's supervisor does the work;
//! progress notes (what zoneadm waits for) go to stderr at once.

use crate::Ctx;
use libzone::admin::{lifecycle, AdminError};

/// `boot [-- boot_arguments]`, or `ready` (`ready_only`).
pub fn boot(ctx: &Ctx, zone: &str, args: &[String], ready_only: bool) -> Result<(), AdminError> {
    let mut say = |msg: &str| ctx.zerror(msg);
    let result = lifecycle::boot(
        &ctx.store,
        zone,
        args,
        ready_only,
        &super::zoneadmd(),
        &mut say,
    );
    ctx.noted(result)
}

/// `reboot [-- boot_arguments]`.
pub fn reboot(ctx: &Ctx, zone: &str, args: &[String]) -> Result<(), AdminError> {
    let mut say = |msg: &str| ctx.zerror(msg);
    lifecycle::reboot(&ctx.store, zone, args, &super::zoneadmd(), &mut say)
}

/// `halt`.
pub fn halt(ctx: &Ctx, zone: &str) -> Result<(), AdminError> {
    let mut say = |msg: &str| ctx.zerror(msg);
    let result = lifecycle::halt(&ctx.store, zone, &super::zoneadmd(), &mut say);
    ctx.noted(result)
}

/// `shutdown [-r [-- boot_arguments]]`.
pub fn shutdown(ctx: &Ctx, zone: &str, reboot: bool, args: &[String]) -> Result<(), AdminError> {
    let mut say = |msg: &str| ctx.zerror(msg);
    lifecycle::shutdown(&ctx.store, zone, reboot, args, &super::zoneadmd(), &mut say)
}
