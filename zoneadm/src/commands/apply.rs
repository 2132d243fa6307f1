//! Hidden `apply`: the configuration's resource controls and pool binding, on the running
//! zone, now.

use crate::Ctx;
use libzone::admin::{lifecycle, AdminError};

pub fn run(ctx: &Ctx, zone: &str) -> Result<(), AdminError> {
    let mut say = |msg: &str| ctx.zerror(msg);
    let result = lifecycle::apply(&ctx.store, zone, &super::zoneadmd(), &mut say);
    ctx.noted(result)
}
