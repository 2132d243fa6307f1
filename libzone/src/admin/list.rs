//! `zoneadm list [-cipv]`: which zones, and the verbose and parsable layouts (spec §2.3).

use super::status::{self, ZoneStatus};
use super::AdminError;
use crate::config::IpType;
use crate::state::ZoneState;
use crate::store::Store;

/// The brand shown for the global zone (the Linux host).
pub const GLOBAL_BRAND: &str = "linux";

/// One zone as `zoneadm list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub zoneid: Option<u32>,
    pub name: String,
    pub state: ZoneState,
    pub zonepath: String,
    pub uuid: String,
    pub brand: String,
    pub ip_type: IpType,
    /// The zone runs but its zoneadmd is gone (the next zoneadm or `zlogin -C` starts one
    /// that adopts it); `list -v` says so.
    pub unsupervised: bool,
}

/// `detail`: read the zone's file for its brand and ip-type (`list -v`, `-p`); without
/// it they are left empty, for the plain list that shows names only.
fn row(store: &Store, st: ZoneStatus, detail: bool) -> ListRow {
    let (brand, ip_type) = if !detail {
        (String::new(), IpType::Shared)
    } else if st.entry.name == crate::config::GLOBAL_ZONE {
        (GLOBAL_BRAND.to_string(), IpType::Shared)
    } else {
        // The file alone: the zone's line is in hand, and reading the index again per
        // zone would make listing quadratic.
        match store.read_zone_file(&store.zone_xml_path(&st.entry.name)) {
            Ok(Some(cfg)) => (
                if cfg.brand.is_empty() {
                    crate::brand::DEFAULT_BRAND.to_string()
                } else {
                    cfg.brand
                },
                cfg.ip_type,
            ),
            // A zone whose file cannot be read is still listed, as Solaris does.
            _ => ("???".to_string(), IpType::Shared),
        }
    };
    let unsupervised =
        st.zoneid.is_some() && !st.supervised && st.entry.name != crate::config::GLOBAL_ZONE;
    ListRow {
        unsupervised,
        zoneid: st.zoneid,
        name: st.entry.name,
        state: st.state,
        zonepath: st.entry.zonepath,
        uuid: st.entry.uuid,
        brand,
        ip_type,
    }
}

/// The zones in state `min_state` or later (global first), or just `only` (any state).
pub fn rows(
    store: &Store,
    min_state: ZoneState,
    only: Option<&str>,
) -> Result<Vec<ListRow>, AdminError> {
    collect(store, min_state, only, true)
}

/// [`rows`] without brand and ip-type (empty), for [`names`]: nothing but the index and
/// the runtime records is read, however many zones there are.
pub fn name_rows(
    store: &Store,
    min_state: ZoneState,
    only: Option<&str>,
) -> Result<Vec<ListRow>, AdminError> {
    collect(store, min_state, only, false)
}

fn collect(
    store: &Store,
    min_state: ZoneState,
    only: Option<&str>,
    detail: bool,
) -> Result<Vec<ListRow>, AdminError> {
    if let Some(zone) = only {
        return Ok(vec![row(store, status::status(store, zone)?, detail)]);
    }
    Ok(status::all(store)?
        .into_iter()
        .filter(|s| s.state >= min_state)
        .map(|s| row(store, s, detail))
        .collect())
}

/// `zoneadm list -v`: a header, then `%*s %-16s %-10s %-30s %-8s %-6s` rows. A zone whose
/// zoneadmd is gone shows as `running (no zoneadmd)` (the parsable layout stays as it is).
pub fn verbose(rows: &[ListRow]) -> String {
    let mut out = format!(
        "{:>4} {:<16} {:<10} {:<30} {:<8} {:<6}\n",
        "ID", "NAME", "STATUS", "PATH", "BRAND", "IP"
    );
    for r in rows {
        let id = r.zoneid.map_or("-".to_string(), |i| i.to_string());
        let status = if r.unsupervised {
            format!("{} (no zoneadmd)", r.state.as_str())
        } else {
            r.state.as_str().to_string()
        };
        out.push_str(&format!(
            "{:>4} {:<16} {:<10} {:<30} {:<8} {:<6}\n",
            id,
            r.name,
            status,
            r.zonepath,
            r.brand,
            r.ip_type.list_str()
        ));
    }
    out
}

/// `zoneadm list -p`: `zoneid:zonename:state:zonepath:uuid:brand:ip-type`, `:` in the
/// zonepath escaped as `\:`.
pub fn parsable(rows: &[ListRow]) -> String {
    rows.iter()
        .map(|r| {
            format!(
                "{}:{}:{}:{}:{}:{}:{}\n",
                r.zoneid.map_or("-".to_string(), |i| i.to_string()),
                r.name,
                r.state.as_str(),
                r.zonepath.replace(':', "\\:"),
                r.uuid,
                r.brand,
                r.ip_type.list_str()
            )
        })
        .collect()
}

/// Plain `zoneadm list`: one name per line.
pub fn names(rows: &[ListRow]) -> String {
    rows.iter().map(|r| format!("{}\n", r.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<ListRow> {
        vec![
            ListRow {
                zoneid: Some(0),
                name: "global".into(),
                state: ZoneState::Running,
                zonepath: "/".into(),
                uuid: String::new(),
                brand: GLOBAL_BRAND.into(),
                ip_type: IpType::Shared,
                unsupervised: false,
            },
            ListRow {
                zoneid: None,
                name: "webzone".into(),
                state: ZoneState::Configured,
                zonepath: "/zones/we:b".into(),
                uuid: String::new(),
                brand: "sparse".into(),
                ip_type: IpType::Exclusive,
                unsupervised: false,
            },
            ListRow {
                zoneid: Some(3),
                name: "orphan".into(),
                state: ZoneState::Running,
                zonepath: "/zones/orphan".into(),
                uuid: String::new(),
                brand: "sparse".into(),
                ip_type: IpType::Shared,
                unsupervised: true,
            },
        ]
    }

    #[test]
    fn verbose_layout_is_solaris() {
        let v = verbose(&rows());
        let lines: Vec<&str> = v.lines().collect();
        assert_eq!(
            lines[0],
            "  ID NAME             STATUS     PATH                           BRAND    IP    "
        );
        assert_eq!(
            lines[1],
            "   0 global           running    /                              linux    shared"
        );
        assert_eq!(
            lines[2],
            "   - webzone          configured /zones/we:b                    sparse   excl  "
        );
        assert_eq!(
            lines[3],
            "   3 orphan           running (no zoneadmd) /zones/orphan                  sparse   shared"
        );
    }

    #[test]
    fn parsable_escapes_colons() {
        assert_eq!(
            parsable(&rows()),
            "0:global:running:/::linux:shared\n-:webzone:configured:/zones/we\\:b::sparse:excl\n\
             3:orphan:running:/zones/orphan::sparse:shared\n"
        );
        assert_eq!(names(&rows()), "global\nwebzone\norphan\n");
    }
}
