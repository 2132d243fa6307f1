//! `end` (check the resource being edited and add or replace it, spec §1.8) and `cancel`.

use super::scope::{EndOp, Res};
use super::{Session, Ui};
use crate::config::model::{IpType, ZoneConfig};
use crate::config::rctl::{self, AliasState};
use crate::config::{anet, units, verify};
use crate::zonecfg::command::{CmdKind, Command};
use crate::zonecfg::info::same_net_address;

/// Replaces the first element equal to `old` by `new`, which goes to the end of the list, as
/// libzonecfg's modify (delete, then add) does. False when `old` is gone.
fn replace<T: PartialEq>(list: &mut Vec<T>, old: &T, new: T) -> bool {
    match list.iter().position(|x| x == old) {
        Some(i) => {
            list.remove(i);
            list.push(new);
            true
        }
        None => false,
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
        let adding = scope.op == EndOp::Add;
        let mut failed = false;
        macro_rules! fail {
            ($msg:expr $(,)?) => {{
                let msg: String = $msg;
                self.zerr(ui, &msg);
                failed = true;
            }};
        }
        // Borrowed out of the session for the checks (which only print), put back below:
        // cloning a large configuration at every `end` made long scripts quadratic.
        let cfg: ZoneConfig = self.draft.take().unwrap_or_default();
        if let Res::Anet(a) = &mut scope.res {
            if a.linkname.is_empty() {
                a.linkname = anet::default_linkname(cfg.anets.iter().map(|x| x.linkname.as_str()));
            }
        }
        // First the checks; nothing changes unless all pass.
        match &scope.res {
            Res::Fs(f) => {
                if f.dir.is_empty() {
                    fail!("dir not specified".into());
                } else if !f.dir.starts_with('/') {
                    fail!(format!("dir {} is not an absolute path.", f.dir));
                }
                if f.special.is_empty() {
                    fail!("special not specified".into());
                }
                if !f.raw.is_empty() && !f.raw.starts_with('/') {
                    fail!(format!("raw {} is not an absolute path.", f.raw));
                }
                if f.fstype.is_empty() {
                    fail!("type not specified".into());
                }
                if !failed && adding && cfg.fs.iter().any(|x| x.dir == f.dir) {
                    fail!(format!(
                        "A fs resource with the dir '{}' already exists.",
                        f.dir
                    ),);
                }
            }
            Res::Ipd(d) => {
                if d.dir.is_empty() {
                    fail!("dir not specified".into());
                } else if !d.dir.starts_with('/') {
                    fail!(format!("dir {} is not an absolute path.", d.dir));
                } else if adding && cfg.inherit_pkg_dirs.iter().any(|x| x.dir == d.dir) {
                    fail!(format!(
                        "An inherit-pkg-dir resource with the dir '{}' already exists.",
                        d.dir
                    ),);
                }
            }
            Res::Net(n) => {
                if n.physical.is_empty() {
                    fail!("physical not specified".into());
                } else if adding {
                    let both = !n.address.is_empty() && !n.allowed_address.is_empty();
                    let same =
                        |want: &str, have: &str| want.is_empty() || same_net_address(want, have);
                    let dup = !both
                        && cfg.nets.iter().any(|x| {
                            x.physical == n.physical
                                && (cfg.ip_type != IpType::Shared || same(&n.address, &x.address))
                                && (cfg.ip_type != IpType::Exclusive
                                    || same(&n.allowed_address, &x.allowed_address))
                                && same(&n.defrouter, &x.defrouter)
                        });
                    if dup {
                        let msg = if !n.address.is_empty() {
                            format!(
                                "A net resource with the physical '{}', and address '{}' already exists.",
                                n.physical, n.address
                            )
                        } else {
                            format!(
                                "A net resource with the physical '{}', and allowed-address '{}' already exists.",
                                n.physical, n.allowed_address
                            )
                        };
                        fail!(msg);
                    }
                }
            }
            Res::Anet(a) => {
                let old = match &scope.old {
                    Some(Res::Anet(o)) => Some(o.linkname.as_str()),
                    _ => None,
                };
                let taken = cfg
                    .anets
                    .iter()
                    .any(|x| x.linkname == a.linkname && Some(x.linkname.as_str()) != old);
                if taken {
                    fail!(format!(
                        "An anet resource with the linkname '{}' already exists.",
                        a.linkname
                    ));
                }
            }
            Res::Device(d) => {
                if d.match_.is_empty() {
                    fail!("match not specified".into());
                } else if adding && cfg.devices.iter().any(|x| x.match_ == d.match_) {
                    fail!(format!(
                        "A device resource with the match '{}' already exists.",
                        d.match_
                    ),);
                }
            }
            Res::Rctl(r) => {
                if r.name.is_empty() {
                    fail!("name not specified".into());
                }
                if r.values.is_empty() {
                    fail!("no value specified".into());
                }
                if !failed && adding && cfg.rctls.iter().any(|x| x.name == r.name) {
                    fail!(format!(
                        "A rctl resource with the name '{}' already exists.",
                        r.name
                    ),);
                }
            }
            Res::Attr(a) => {
                for (v, p) in [
                    (&a.name, "name"),
                    (&a.attr_type, "type"),
                    (&a.value, "value"),
                ] {
                    if v.is_empty() {
                        fail!(format!("{p} not specified"));
                    }
                }
                for line in verify::check_attr(&a.name, &a.attr_type, &a.value) {
                    fail!(line);
                }
                if !failed && adding && cfg.attrs.iter().any(|x| x.name == a.name) {
                    fail!(format!(
                        "An attr resource with the name '{}' already exists.",
                        a.name
                    ),);
                }
            }
            Res::Dataset(d) => {
                if d.name.is_empty() {
                    fail!("name not specified".into());
                } else if adding && cfg.datasets.iter().any(|x| x.name == d.name) {
                    fail!(format!(
                        "A dataset resource with the name '{}' already exists.",
                        d.name
                    ),);
                }
            }
            Res::Pset(p) => {
                if p.ncpu_min.is_empty() {
                    fail!("ncpus not specified".into());
                }
            }
            Res::Pcap => {
                if !matches!(
                    rctl::get_alias(&cfg.rctls, rctl::CPU_CAP),
                    AliasState::Set(_)
                ) {
                    fail!("ncpus not specified".into());
                }
            }
            Res::Mcap(m) => {
                let swap = rctl::get_alias(&cfg.rctls, rctl::SWAP);
                let locked = rctl::get_alias(&cfg.rctls, rctl::LOCKED);
                let set = |a: AliasState| matches!(a, AliasState::Set(_));
                if m.physcap.is_empty() && !set(swap) && !set(locked) {
                    fail!(
                        "No property was specified.  One of physical, swap or locked is required."
                            .into(),
                    );
                } else if let (false, AliasState::Set(l)) = (m.physcap.is_empty(), locked) {
                    if units::leading_number(&m.physcap) < l {
                        fail!(
                            "The locked cap must be less than or equal to the physical cap.".into(),
                        );
                    }
                }
            }
            Res::Admin(a) => {
                if a.user.is_empty() {
                    fail!("user not specified".into());
                }
                if a.auths.is_empty() {
                    fail!("auths not specified".into());
                } else {
                    let bad = verify::invalid_auths(&a.auths);
                    if !bad.is_empty() {
                        self.saw_error = true;
                        failed = true;
                        for b in bad {
                            ui.err(&format!("'{b}' is not a valid authorization\n"));
                        }
                    }
                }
                if !failed && adding && cfg.admins.iter().any(|x| x.user == a.user) {
                    fail!(format!(
                        "A admin resource with the user '{}' already exists.",
                        a.user
                    ),);
                }
            }
            Res::SecFlags(f) => {
                for line in verify::check_security_flags(f) {
                    fail!(line);
                }
            }
        }
        self.draft = Some(cfg);
        if failed {
            return;
        }
        let old = scope.old.clone();
        let c = self.cfg();
        let stored = match (scope.res, old) {
            (Res::Fs(f), None) => {
                c.fs.push(f);
                true
            }
            (Res::Fs(f), Some(Res::Fs(o))) => replace(&mut c.fs, &o, f),
            (Res::Ipd(d), None) => {
                c.inherit_pkg_dirs.push(d);
                true
            }
            (Res::Ipd(d), Some(Res::Ipd(o))) => replace(&mut c.inherit_pkg_dirs, &o, d),
            (Res::Net(n), None) => {
                c.nets.push(n);
                true
            }
            (Res::Net(n), Some(Res::Net(o))) => replace(&mut c.nets, &o, n),
            (Res::Anet(a), None) => {
                c.anets.push(a);
                true
            }
            (Res::Anet(a), Some(Res::Anet(o))) => replace(&mut c.anets, &o, a),
            (Res::Device(d), None) => {
                c.devices.push(d);
                true
            }
            (Res::Device(d), Some(Res::Device(o))) => replace(&mut c.devices, &o, d),
            (Res::Rctl(r), None) => {
                c.rctls.push(r);
                true
            }
            (Res::Rctl(r), Some(Res::Rctl(o))) => {
                // libzonecfg replaces the first rctl of the old name.
                match c.rctls.iter().position(|x| x.name == o.name) {
                    Some(i) => {
                        c.rctls.remove(i);
                        c.rctls.push(r);
                        true
                    }
                    None => false,
                }
            }
            (Res::Attr(a), None) => {
                c.attrs.push(a);
                true
            }
            (Res::Attr(a), Some(Res::Attr(o))) => replace(&mut c.attrs, &o, a),
            (Res::Dataset(d), None) => {
                c.datasets.push(d);
                true
            }
            (Res::Dataset(d), Some(Res::Dataset(o))) => replace(&mut c.datasets, &o, d),
            (Res::Admin(a), None) => {
                c.admins.push(a);
                true
            }
            (Res::Admin(a), Some(Res::Admin(o))) => replace(&mut c.admins, &o, a),
            (Res::Pset(p), _) => {
                c.dedicated_cpu = Some(p);
                true
            }
            (Res::Pcap, _) => true,
            (Res::Mcap(m), old) => {
                if !m.physcap.is_empty() {
                    c.mcap = Some(m);
                } else if old.is_some() {
                    // The physical cap was cleared while modifying.
                    c.mcap = None;
                }
                true
            }
            (Res::SecFlags(f), _) => {
                c.security_flags = Some(f);
                true
            }
            _ => false,
        };
        if stored {
            self.need_to_commit = true;
            self.scope = None;
        } else {
            let zone = self.zone.clone();
            self.perror(ui, &zone, "No such resource with that id");
        }
    }
}
