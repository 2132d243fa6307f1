//! `end` (check the resource being edited and add or replace it, spec §1.8) and `cancel`.
//!
//! `end` is three steps: the checks of the resource's own type ([`end_checks`], one
//! function per type, all pure), printing what they found, and storing the resource
//! ([`store`]): added at the end of its list, or put in place of the selected one (which
//! goes to the end of the list, as libzonecfg's modify, a delete and an add, does).

use super::scope::{EndOp, Res, Scope};
use super::{Session, Ui};
use crate::config::model::*;
use crate::config::rctl::{self, AliasState};
use crate::config::{anet, units, verify};
use crate::zonecfg::command::{CmdKind, Command};
use crate::zonecfg::info::same_net_address;

/// What a check found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// A zonecfg error (`zerr()`: with the `-f` line header).
    Error(String),
    /// A line printed as it is (zonecfg prints bad authorizations with `fprintf`).
    Plain(String),
}

fn error(msg: impl Into<String>) -> Problem {
    Problem::Error(msg.into())
}

/// `<prop> not specified` for each of `props` that is empty.
fn required(out: &mut Vec<Problem>, props: &[(&str, &str)]) {
    for (value, prop) in props {
        if value.is_empty() {
            out.push(error(format!("{prop} not specified")));
        }
    }
}

/// `dir <d> is not an absolute path.` / `dir not specified`.
fn check_dir(out: &mut Vec<Problem>, dir: &str) {
    if dir.is_empty() {
        out.push(error("dir not specified"));
    } else if !dir.starts_with('/') {
        out.push(error(format!("dir {dir} is not an absolute path.")));
    }
}

/// Whether another resource (not the one being modified, at `selected`) satisfies `same`.
fn taken<T>(list: &[T], selected: Option<usize>, same: impl Fn(&T) -> bool) -> bool {
    list.iter()
        .enumerate()
        .any(|(i, x)| Some(i) != selected && same(x))
}

fn check_fs(f: &Fs, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    check_dir(&mut out, &f.dir);
    if f.special.is_empty() {
        out.push(error("special not specified"));
    }
    if !f.raw.is_empty() && !f.raw.starts_with('/') {
        out.push(error(format!("raw {} is not an absolute path.", f.raw)));
    }
    if f.fstype.is_empty() {
        out.push(error("type not specified"));
    }
    if out.is_empty() && adding && cfg.fs.iter().any(|x| x.dir == f.dir) {
        out.push(error(format!(
            "A fs resource with the dir '{}' already exists.",
            f.dir
        )));
    }
    out
}

fn check_ipd(d: &InheritPkgDir, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    check_dir(&mut out, &d.dir);
    if out.is_empty() && adding && cfg.inherit_pkg_dirs.iter().any(|x| x.dir == d.dir) {
        out.push(error(format!(
            "An inherit-pkg-dir resource with the dir '{}' already exists.",
            d.dir
        )));
    }
    out
}

fn check_net(n: &Net, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    if n.physical.is_empty() {
        return vec![error("physical not specified")];
    }
    if !adding {
        return Vec::new();
    }
    let both = !n.address.is_empty() && !n.allowed_address.is_empty();
    let same = |want: &str, have: &str| want.is_empty() || same_net_address(want, have);
    let dup = !both
        && cfg.nets.iter().any(|x| {
            x.physical == n.physical
                && (cfg.ip_type != IpType::Shared || same(&n.address, &x.address))
                && (cfg.ip_type != IpType::Exclusive
                    || same(&n.allowed_address, &x.allowed_address))
                && same(&n.defrouter, &x.defrouter)
        });
    if !dup {
        return Vec::new();
    }
    let (what, value) = if !n.address.is_empty() {
        ("address", &n.address)
    } else {
        ("allowed-address", &n.allowed_address)
    };
    vec![error(format!(
        "A net resource with the physical '{}', and {what} '{value}' already exists.",
        n.physical
    ))]
}

fn check_anet(a: &Anet, cfg: &ZoneConfig, selected: Option<usize>) -> Vec<Problem> {
    if taken(&cfg.anets, selected, |x| x.linkname == a.linkname) {
        return vec![error(format!(
            "An anet resource with the linkname '{}' already exists.",
            a.linkname
        ))];
    }
    Vec::new()
}

fn check_device(d: &Device, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    if d.match_.is_empty() {
        vec![error("match not specified")]
    } else if adding && cfg.devices.iter().any(|x| x.match_ == d.match_) {
        vec![error(format!(
            "A device resource with the match '{}' already exists.",
            d.match_
        ))]
    } else {
        Vec::new()
    }
}

fn check_rctl(r: &Rctl, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    if r.name.is_empty() {
        out.push(error("name not specified"));
    }
    if r.values.is_empty() {
        out.push(error("no value specified"));
    }
    if out.is_empty() && adding && cfg.rctls.iter().any(|x| x.name == r.name) {
        out.push(error(format!(
            "A rctl resource with the name '{}' already exists.",
            r.name
        )));
    }
    out
}

fn check_attr(a: &Attr, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    required(
        &mut out,
        &[
            (&a.name, "name"),
            (&a.attr_type, "type"),
            (&a.value, "value"),
        ],
    );
    out.extend(
        verify::check_attr(&a.name, &a.attr_type, &a.value)
            .into_iter()
            .map(Problem::Error),
    );
    if out.is_empty() && adding && cfg.attrs.iter().any(|x| x.name == a.name) {
        out.push(error(format!(
            "An attr resource with the name '{}' already exists.",
            a.name
        )));
    }
    out
}

fn check_dataset(d: &Dataset, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    if d.name.is_empty() {
        vec![error("name not specified")]
    } else if adding && cfg.datasets.iter().any(|x| x.name == d.name) {
        vec![error(format!(
            "A dataset resource with the name '{}' already exists.",
            d.name
        ))]
    } else {
        Vec::new()
    }
}

fn check_pset(p: &DedicatedCpu) -> Vec<Problem> {
    if p.ncpu_min.is_empty() {
        vec![error("ncpus not specified")]
    } else {
        Vec::new()
    }
}

/// capped-cpu's only property is stored (as the `zone.cpu-cap` rctl) when set.
fn check_pcap(cfg: &ZoneConfig) -> Vec<Problem> {
    match rctl::get_alias(&cfg.rctls, rctl::CPU_CAP) {
        AliasState::Set(_) => Vec::new(),
        AliasState::Absent | AliasState::Incompatible => vec![error("ncpus not specified")],
    }
}

fn check_mcap(m: &Mcap, cfg: &ZoneConfig) -> Vec<Problem> {
    let swap = rctl::get_alias(&cfg.rctls, rctl::SWAP);
    let locked = rctl::get_alias(&cfg.rctls, rctl::LOCKED);
    let set = |a: AliasState| matches!(a, AliasState::Set(_));
    if m.physcap.is_empty() && !set(swap) && !set(locked) {
        return vec![error(
            "No property was specified.  One of physical, swap or locked is required.",
        )];
    }
    if let (false, AliasState::Set(l)) = (m.physcap.is_empty(), locked) {
        if units::leading_number(&m.physcap) < l {
            return vec![error(
                "The locked cap must be less than or equal to the physical cap.",
            )];
        }
    }
    Vec::new()
}

fn check_admin(a: &Admin, cfg: &ZoneConfig, adding: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    if a.user.is_empty() {
        out.push(error("user not specified"));
    }
    if a.auths.is_empty() {
        out.push(error("auths not specified"));
    } else {
        out.extend(
            verify::invalid_auths(&a.auths)
                .into_iter()
                .map(|b| Problem::Plain(format!("'{b}' is not a valid authorization"))),
        );
    }
    if out.is_empty() && adding && cfg.admins.iter().any(|x| x.user == a.user) {
        out.push(error(format!(
            "A admin resource with the user '{}' already exists.",
            a.user
        )));
    }
    out
}

fn check_secflags(f: &SecurityFlags) -> Vec<Problem> {
    verify::check_security_flags(f)
        .into_iter()
        .map(Problem::Error)
        .collect()
}

/// The checks zonecfg makes at `end` for the resource in `scope`.
fn end_checks(scope: &Scope, cfg: &ZoneConfig) -> Vec<Problem> {
    let adding = scope.op == EndOp::Add;
    match &scope.res {
        Res::Fs(f) => check_fs(f, cfg, adding),
        Res::Ipd(d) => check_ipd(d, cfg, adding),
        Res::Net(n) => check_net(n, cfg, adding),
        Res::Anet(a) => check_anet(a, cfg, scope.selected()),
        Res::Device(d) => check_device(d, cfg, adding),
        Res::Rctl(r) => check_rctl(r, cfg, adding),
        Res::Attr(a) => check_attr(a, cfg, adding),
        Res::Dataset(d) => check_dataset(d, cfg, adding),
        Res::Pset(p) => check_pset(p),
        Res::Pcap => check_pcap(cfg),
        Res::Mcap(m) => check_mcap(m, cfg),
        Res::Admin(a) => check_admin(a, cfg, adding),
        Res::SecFlags(f) => check_secflags(f),
    }
}

/// Adds `new` to `list`, or puts it in place of the selected resource at `selected`, which
/// goes to the end of the list. False when that resource is gone.
fn put<T>(list: &mut Vec<T>, new: T, selected: Option<usize>) -> bool {
    match selected {
        None => {}
        Some(i) if i < list.len() => {
            list.remove(i);
        }
        Some(_) => return false,
    }
    list.push(new);
    true
}

/// Stores the resource of a scope that passed its checks. False when the resource it
/// replaces is gone.
fn store(cfg: &mut ZoneConfig, scope: Scope) -> bool {
    let at = scope.selected();
    let modifying = scope.op != EndOp::Add;
    match scope.res {
        Res::Fs(f) => put(&mut cfg.fs, f, at),
        Res::Ipd(d) => put(&mut cfg.inherit_pkg_dirs, d, at),
        Res::Net(n) => put(&mut cfg.nets, n, at),
        Res::Anet(a) => put(&mut cfg.anets, a, at),
        Res::Device(d) => put(&mut cfg.devices, d, at),
        Res::Rctl(r) => put(&mut cfg.rctls, r, at),
        Res::Attr(a) => put(&mut cfg.attrs, a, at),
        Res::Dataset(d) => put(&mut cfg.datasets, d, at),
        Res::Admin(a) => put(&mut cfg.admins, a, at),
        Res::Pset(p) => {
            cfg.dedicated_cpu = Some(p);
            true
        }
        Res::Pcap => true,
        Res::Mcap(m) => {
            if !m.physcap.is_empty() {
                cfg.mcap = Some(m);
            } else if modifying {
                // The physical cap was cleared while modifying.
                cfg.mcap = None;
            }
            true
        }
        Res::SecFlags(f) => {
            cfg.security_flags = Some(f);
            true
        }
    }
}

impl Session<'_> {
    pub(super) fn cmd_cancel(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.flags(ui, cmd, "", false).is_none() {
            return;
        }
        if self.scope.is_none() {
            self.scope_usage(ui, CmdKind::Cancel);
        }
        self.scope = None;
    }

    pub(super) fn cmd_end(&mut self, cmd: &Command, ui: &mut dyn Ui) {
        if self.flags(ui, cmd, "", false).is_none() {
            return;
        }
        let Some(mut scope) = self.scope.clone() else {
            self.scope_usage(ui, CmdKind::End);
            return;
        };
        let cfg = self.cfg();
        // A new anet without a name gets the first free `net<N>`.
        if let Res::Anet(a) = &mut scope.res {
            if a.linkname.is_empty() {
                a.linkname = anet::default_linkname(cfg.anets.iter().map(|x| x.linkname.as_str()));
            }
        }
        let problems = end_checks(&scope, cfg);
        if !problems.is_empty() {
            for p in problems {
                match p {
                    Problem::Error(msg) => self.zerr(ui, &msg),
                    Problem::Plain(line) => {
                        self.saw_error = true;
                        ui.err(&format!("{line}\n"));
                    }
                }
            }
            return;
        }
        if store(self.cfg(), scope) {
            self.need_to_commit = true;
            self.scope = None;
        } else {
            let zone = self.zone.clone();
            self.perror(ui, &zone, "No such resource with that id");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_adds_or_replaces_the_selected_one() {
        let mut v = vec![1, 2, 3];
        assert!(put(&mut v, 4, None));
        assert_eq!(v, [1, 2, 3, 4]);
        assert!(put(&mut v, 9, Some(1)));
        assert_eq!(v, [1, 3, 4, 9]);
        assert!(!put(&mut v, 7, Some(4)));
        assert_eq!(v, [1, 3, 4, 9]);
    }

    #[test]
    fn checks_of_each_type() {
        let cfg = ZoneConfig::default();
        let fs = Fs {
            dir: "rel".into(),
            raw: "r".into(),
            ..Fs::default()
        };
        assert_eq!(
            check_fs(&fs, &cfg, true),
            [
                error("dir rel is not an absolute path."),
                error("special not specified"),
                error("raw r is not an absolute path."),
                error("type not specified"),
            ]
        );
        let admin = Admin {
            user: "u".into(),
            auths: "login,bogus".into(),
        };
        assert_eq!(
            check_admin(&admin, &cfg, true),
            [Problem::Plain(
                "'bogus' is not a valid authorization".into()
            )]
        );
        let with = ZoneConfig {
            anets: vec![Anet::default_named("net0"), Anet::default_named("net1")],
            ..ZoneConfig::default()
        };
        let a = Anet::default_named("net1");
        assert_eq!(check_anet(&a, &with, Some(1)), []);
        assert_eq!(
            check_anet(&a, &with, Some(0)),
            [error(
                "An anet resource with the linkname 'net1' already exists."
            )]
        );
        assert_eq!(check_pcap(&cfg), [error("ncpus not specified")]);
    }
}
