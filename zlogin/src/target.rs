//! Which zone zlogin talks to and whether it may: the runtime record alone on the fast path
//! (a running zone), the index and the record together (checked for staleness) to explain a
//! refusal with Solaris' messages.

use crate::options::Options;
use crate::{zerror, EXIT_ERR};
use libzone::admin::status::{self, ZoneStatus};
use libzone::state::ZoneState;
use libzone::store::record::{RunDir, ZoneRecord};
use libzone::store::Store;

/// The zone's true status; `Err(exit code)` (after printing why) when it is unknown or not
/// even installed, which no kind of login accepts.
pub fn status(opts: &Options) -> Result<ZoneStatus, i32> {
    let store = Store::new(&opts.root);
    let entry = match store.entry(&opts.zone) {
        Ok(Some(e)) => e,
        Ok(None) => {
            zerror(format!("zone '{}' unknown", opts.zone));
            return Err(EXIT_ERR);
        }
        Err(e) => {
            zerror(e);
            return Err(EXIT_ERR);
        }
    };
    let st = status::combine(entry, RunDir::new(&opts.root).read(&opts.zone));
    if st.state < ZoneState::Installed {
        zerror(format!("cannot login to a zone which is '{}'", st.state));
        return Err(EXIT_ERR);
    }
    Ok(st)
}

/// Refuse a login to a zone that is not running, saying what it is.
pub fn not_running(opts: &Options) -> i32 {
    match status(opts) {
        Err(code) => code,
        Ok(st) => {
            let state = match st.state {
                // The record said running, but the zone is gone by now.
                ZoneState::Running => ZoneState::Installed,
                s => s,
            };
            zerror(format!(
                "login allowed only to running zones ({} is '{}').",
                opts.zone, state
            ));
            EXIT_ERR
        }
    }
}

/// The record of the running zone to enter. A record saying `running` is taken as it is (the
/// entry itself checks that the zone's init is still that process); anything else goes the
/// slow way, through the index.
pub fn running(opts: &Options) -> Result<ZoneRecord, i32> {
    let rec = RunDir::new(&opts.root).read(&opts.zone);
    if let Some(r) = rec.filter(|r| r.state == ZoneState::Running.as_str()) {
        return Ok(r);
    }
    let st = status(opts)?;
    match (st.state, st.record) {
        // A zone whose supervisor died runs on, and may still be entered.
        (ZoneState::Running, Some(r)) => Ok(r),
        _ => Err(not_running(opts)),
    }
}
