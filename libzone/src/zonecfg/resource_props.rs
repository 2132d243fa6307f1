//! The single-valued properties of each list resource with their values, in the order
//! zonecfg's `info` shows and `export` writes them. List properties (`fs` options, `rctl`
//! values) and the singleton resources with computed properties (`dedicated-cpu`,
//! `capped-memory`) are left to each output.

use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::*;

/// A resource's properties and their values.
pub type Props<'a> = Vec<(PropName, &'a str)>;

pub fn fs(f: &Fs) -> Props<'_> {
    vec![
        (PropName::Dir, &f.dir),
        (PropName::Special, &f.special),
        (PropName::Raw, &f.raw),
        (PropName::Type, &f.fstype),
    ]
}

pub fn ipd(d: &InheritPkgDir) -> Props<'_> {
    vec![(PropName::Dir, &d.dir)]
}

pub fn net(n: &Net) -> Props<'_> {
    vec![
        (PropName::Address, &n.address),
        (PropName::AllowedAddress, &n.allowed_address),
        (PropName::Physical, &n.physical),
        (PropName::Defrouter, &n.defrouter),
    ]
}

pub fn device(d: &Device) -> Props<'_> {
    vec![(PropName::Match, &d.match_)]
}

pub fn rctl(r: &Rctl) -> Props<'_> {
    vec![(PropName::Name, &r.name)]
}

pub fn attr(a: &Attr) -> Props<'_> {
    vec![
        (PropName::Name, &a.name),
        (PropName::Type, &a.attr_type),
        (PropName::Value, &a.value),
    ]
}

pub fn dataset(d: &Dataset) -> Props<'_> {
    vec![(PropName::Name, &d.name)]
}

pub fn admin(a: &Admin) -> Props<'_> {
    vec![(PropName::User, &a.user), (PropName::Auths, &a.auths)]
}

pub fn secflags(f: &SecurityFlags) -> Props<'_> {
    vec![
        (PropName::Lower, &f.lower),
        (PropName::Default, &f.default),
        (PropName::Upper, &f.upper),
    ]
}

/// The properties of the resource at `i` of type `rt`; empty when there is none (or the
/// type is not a list resource).
pub fn of(cfg: &ZoneConfig, rt: ResourceType, i: usize) -> Props<'_> {
    let props = match rt {
        ResourceType::Fs => cfg.fs.get(i).map(fs),
        ResourceType::InheritPkgDir => cfg.inherit_pkg_dirs.get(i).map(ipd),
        ResourceType::Net => cfg.nets.get(i).map(net),
        ResourceType::Device => cfg.devices.get(i).map(device),
        ResourceType::Rctl => cfg.rctls.get(i).map(rctl),
        ResourceType::Attr => cfg.attrs.get(i).map(attr),
        ResourceType::Dataset => cfg.datasets.get(i).map(dataset),
        ResourceType::Admin => cfg.admins.get(i).map(admin),
        _ => None,
    };
    props.unwrap_or_default()
}
