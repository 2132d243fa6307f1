//! A zone's transient scope: asked of systemd over D-Bus (`StartTransientUnit` on
//! org.freedesktop.systemd1), joined by the supervisor, which then moves itself into the
//! scope's `supervisor` leaf so the scope can hand controllers down to the zone.

use super::dbus::{Call, Connection, DbusError, Writer};
use super::{Names, Placement, SUPERVISOR_LEAF};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// systemd's own socket (what systemctl uses as root): no bus daemon needed, which minimal
/// hosts (Debian's minbase) do not have.
const PRIVATE_SOCKET: &str = "/run/systemd/private";
/// The system bus, where systemd answers too.
const SYSTEM_BUS: &str = "/run/dbus/system_bus_socket";

/// How long systemd may take to move us into a new scope (it does so when the start job
/// runs, after the call returned).
const JOIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The unit the scopes are ordered before: its stop (the zones' shutdown) runs first when
/// the host stops.
const ZONES_SERVICE: &str = "zones.service";

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error("cannot reach systemd: {private}; {bus}")]
    Unreachable { private: DbusError, bus: DbusError },
    #[error("systemd refused {unit}: {source}")]
    Start {
        unit: String,
        #[source]
        source: DbusError,
    },
    #[error("systemd did not move the supervisor into scope {unit} within {secs} s")]
    Timeout { unit: String, secs: u64 },
    #[error("scope {unit}: {path}: {source}")]
    Cgroup {
        unit: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The body of `StartTransientUnit(ssa(sv)a(sa(sv)))` for a scope `unit` in `slice` holding
/// `pid`, delegated, ordered before each of `before`. Returns the signature and the body.
pub fn start_request(
    unit: &str,
    slice: &str,
    description: &str,
    pid: u32,
    before: &[&str],
) -> (&'static str, Vec<u8>) {
    let mut w = Writer::new();
    w.str(unit);
    // A unit of that name already queued or running is an error, not replaced.
    w.str("fail");
    w.array(8, |w| {
        let prop = |w: &mut Writer, name: &str, sig: &str, f: &dyn Fn(&mut Writer)| {
            w.structure(|w| {
                w.str(name);
                w.variant(sig, f);
            })
        };
        prop(w, "Description", "s", &|w| w.str(description));
        prop(w, "Slice", "s", &|w| w.str(slice));
        prop(w, "Delegate", "b", &|w| w.bool(true));
        prop(w, "PIDs", "au", &|w| w.array(4, |w| w.u32(pid)));
        // The zone's max-processes is its limit, not systemd's default share of pid_max.
        prop(w, "TasksMax", "t", &|w| w.u64(u64::MAX));
        // A scope that failed goes away with its processes, so the zone can boot again.
        prop(w, "CollectMode", "s", &|w| w.str("inactive-or-failed"));
        prop(w, "Before", "as", &|w| {
            w.array(4, |w| before.iter().for_each(|u| w.str(u)))
        });
    });
    w.array(8, |_| {});
    ("ssa(sv)a(sa(sv))", w.into_bytes())
}

fn manager_call<'a>(member: &'a str, signature: &'a str, body: Vec<u8>) -> Call<'a> {
    Call {
        destination: Some("org.freedesktop.systemd1"),
        path: "/org/freedesktop/systemd1",
        interface: "org.freedesktop.systemd1.Manager",
        member,
        signature,
        body,
    }
}

fn connect() -> Result<Connection, ScopeError> {
    let private = match Connection::open(Path::new(PRIVATE_SOCKET), false) {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    Connection::open(Path::new(SYSTEM_BUS), true)
        .map_err(|bus| ScopeError::Unreachable { private, bus })
}

/// Ask systemd for the scope `names.scope` holding us; a failed unit of that name left over
/// is reset and the request made once more.
fn start(names: &Names, zone: &str) -> Result<(), ScopeError> {
    let mut c = connect()?;
    let (sig, body) = start_request(
        &names.scope,
        &names.slice,
        &format!("zone {zone}"),
        std::process::id(),
        &[ZONES_SERVICE],
    );
    let failed = |source| ScopeError::Start {
        unit: names.scope.clone(),
        source,
    };
    match c.call(&manager_call("StartTransientUnit", sig, body.clone())) {
        Ok(_) => Ok(()),
        Err(DbusError::Remote { name, .. }) if name == "org.freedesktop.systemd1.UnitExists" => {
            let mut w = Writer::new();
            w.str(&names.scope);
            let _ = c.call(&manager_call("ResetFailedUnit", "s", w.into_bytes()));
            c.call(&manager_call("StartTransientUnit", sig, body))
                .map(|_| ())
                .map_err(failed)
        }
        Err(e) => Err(failed(e)),
    }
}

/// The body of `SetUnitProperties(sba(sv))`: a runtime `CPUWeight` of `weight` on `unit`.
pub fn cpu_weight_request(unit: &str, weight: u64) -> (&'static str, Vec<u8>) {
    let mut w = Writer::new();
    w.str(unit);
    w.bool(true);
    w.array(8, |w| {
        w.structure(|w| {
            w.str("CPUWeight");
            w.variant("t", |w| w.u64(weight));
        })
    });
    ("sba(sv)", w.into_bytes())
}

/// On a systemd host: give the slice holding the zones of `altroot` the CPU weight `weight`
/// (1..10000) against the host's other slices; systemd writes it, the slice being its own.
/// `Ok(false)` where zones keep their own layout.
pub fn set_zones_cpu_weight(altroot: &Path, weight: u64) -> Result<bool, ScopeError> {
    if !Placement::host().is_systemd() {
        return Ok(false);
    }
    let names = Names::new(altroot, "");
    let mut c = connect()?;
    let (sig, body) = cpu_weight_request(&names.slice, weight);
    c.call(&manager_call("SetUnitProperties", sig, body))
        .map_err(|source| ScopeError::Start {
            unit: names.slice.clone(),
            source,
        })?;
    Ok(true)
}

/// Our cgroup in the unified hierarchy, as `/proc/self/cgroup` shows it.
fn own_cgroup() -> String {
    std::fs::read_to_string("/proc/self/cgroup")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap_or("")
        .to_string()
}

/// On a systemd host: put the calling supervisor of `zone` into the zone's delegated scope
/// (made now, or the one a supervisor that died left with the zone running in it) and then
/// into the scope's supervisor leaf. Returns the scope's directory; `None` where zones keep
/// their own layout. Call it before starting any other process (the console keeper), so
/// they are born in the leaf too.
pub fn enter_scope(altroot: &Path, zone: &str) -> Result<Option<PathBuf>, ScopeError> {
    let placement = Placement::host();
    let (Placement::Systemd { mount, .. }, Some(rel)) =
        (placement, placement.scope_path(altroot, zone))
    else {
        return Ok(None);
    };
    let names = Names::new(altroot, zone);
    let dir = mount.join(&rel);
    let want = format!("/{rel}");
    if !dir.is_dir() {
        start(&names, zone)?;
        let started = Instant::now();
        while own_cgroup() != want {
            if started.elapsed() > JOIN_TIMEOUT {
                return Err(ScopeError::Timeout {
                    unit: names.scope,
                    secs: JOIN_TIMEOUT.as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let cgerr = |path: PathBuf, source| ScopeError::Cgroup {
        unit: names.scope.clone(),
        path,
        source,
    };
    let leaf = dir.join(SUPERVISOR_LEAF);
    match std::fs::create_dir(&leaf) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(cgerr(leaf, e)),
    }
    let procs = leaf.join("cgroup.procs");
    std::fs::write(&procs, std::process::id().to_string()).map_err(|e| cgerr(procs, e))?;
    Ok(Some(dir))
}

#[cfg(test)]
mod tests {
    use super::super::dbus::Reader;
    use super::*;

    /// One property value as the test reads it back.
    #[derive(Debug, PartialEq)]
    enum Val {
        S(String),
        B(bool),
        T(u64),
        Au(Vec<u32>),
        As(Vec<String>),
    }

    fn read_props(r: &mut Reader<'_>) -> Vec<(String, Val)> {
        let end = r.begin_array("(sv)").unwrap();
        let mut out = Vec::new();
        while r.pos() < end {
            r.begin_struct().unwrap();
            let name = r.str().unwrap().to_string();
            let v = match r.sig().unwrap() {
                "s" => Val::S(r.str().unwrap().to_string()),
                "b" => Val::B(r.u32().unwrap() == 1),
                "t" => Val::T(r.u64().unwrap()),
                "au" => {
                    let end = r.begin_array("u").unwrap();
                    let mut v = Vec::new();
                    while r.pos() < end {
                        v.push(r.u32().unwrap());
                    }
                    Val::Au(v)
                }
                "as" => {
                    let end = r.begin_array("s").unwrap();
                    let mut v = Vec::new();
                    while r.pos() < end {
                        v.push(r.str().unwrap().to_string());
                    }
                    Val::As(v)
                }
                other => panic!("unexpected signature {other}"),
            };
            out.push((name, v));
        }
        assert_eq!(r.pos(), end);
        out
    }

    #[test]
    fn the_slice_weight_request() {
        let (sig, body) = cpu_weight_request("zones.slice", 85);
        assert_eq!(sig, "sba(sv)");
        let mut r = Reader::new(&body, false);
        assert_eq!(r.str(), Ok("zones.slice"));
        assert_eq!(r.u32(), Ok(1));
        assert_eq!(read_props(&mut r), [("CPUWeight".to_string(), Val::T(85))]);
        assert_eq!(r.pos(), body.len());
    }

    #[test]
    fn the_request_carries_the_scope_properties() {
        let (sig, body) = start_request(
            "zone-web.scope",
            "zones.slice",
            "zone web",
            77,
            &["zones.service"],
        );
        assert_eq!(sig, "ssa(sv)a(sa(sv))");
        let mut r = Reader::new(&body, false);
        assert_eq!(r.str(), Ok("zone-web.scope"));
        assert_eq!(r.str(), Ok("fail"));
        let props = read_props(&mut r);
        let s = |v: &str| Val::S(v.to_string());
        assert_eq!(
            props,
            [
                ("Description".to_string(), s("zone web")),
                ("Slice".to_string(), s("zones.slice")),
                ("Delegate".to_string(), Val::B(true)),
                ("PIDs".to_string(), Val::Au(vec![77])),
                ("TasksMax".to_string(), Val::T(u64::MAX)),
                ("CollectMode".to_string(), s("inactive-or-failed")),
                ("Before".to_string(), Val::As(vec!["zones.service".into()])),
            ]
        );
        // No auxiliary units; and that is the whole body.
        let end = r.begin_array("(sa(sv))").unwrap();
        assert_eq!(end, r.pos());
        assert_eq!(end, body.len());
    }
}
