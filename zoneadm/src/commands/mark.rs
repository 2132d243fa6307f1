//! `mark incomplete`.

use crate::Ctx;
use libzone::admin::{lifecycle, AdminError};

pub fn run(ctx: &Ctx, zone: &str, state: &str) -> Result<(), AdminError> {
    if state != "incomplete" {
        crate::sub_usage_exit("mark");
    }
    lifecycle::mark_incomplete(&ctx.store, zone)
}
