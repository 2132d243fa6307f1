//! `list [-cipv]`: the zones (or the one of `-z`/`-u`) and their states.

use crate::{sub_usage_exit, Ctx, EXIT_ERR, EXIT_OK};
use libzone::admin::list;
use libzone::state::ZoneState;
use zones_cli::zoneadm::ListArgs;

pub fn run(ctx: &Ctx, args: &ListArgs) -> i32 {
    // -c and -i make no sense for one zone, which is listed whatever its state.
    if ctx.zone.is_some() && (args.configured || args.installed) {
        sub_usage_exit("list");
    }
    let min = if args.configured {
        ZoneState::Configured
    } else if args.installed {
        ZoneState::Installed
    } else {
        ZoneState::Running
    };
    let (parsable, verbose) = (args.parsable, args.verbose);
    if parsable && verbose {
        ctx.zerror("list -p and -v are mutually exclusive.");
        return EXIT_ERR;
    }
    let rows = if verbose || parsable {
        list::rows(&ctx.store, min, ctx.zone.as_deref())
    } else {
        list::name_rows(&ctx.store, min, ctx.zone.as_deref())
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return ctx.fail(e),
    };
    let text = if verbose {
        list::verbose(&rows)
    } else if parsable {
        list::parsable(&rows)
    } else {
        list::names(&rows)
    };
    print!("{text}");
    EXIT_OK
}
