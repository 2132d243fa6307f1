//! Hidden `plan`: print the zone's compiled plan as an OCI runtime `config.json` (for
//! diagnosis, and for running a zone's plan under another OCI runtime).

use crate::{Ctx, EXIT_ERR, EXIT_OK};
use libzone::admin::lifecycle;

pub fn run(ctx: &Ctx, zone: &str) -> i32 {
    match lifecycle::plan(&ctx.store, zone) {
        Ok(p) => match serde_json::to_string_pretty(&p.spec) {
            Ok(json) => {
                println!("{json}");
                EXIT_OK
            }
            Err(e) => {
                ctx.zerror(&e.to_string());
                EXIT_ERR
            }
        },
        Err(e) => ctx.fail(e),
    }
}
