//! The single-valued properties of each list resource with their values, in the order
//! zonecfg's `info` shows and `export` writes them. List properties (`fs` options, `rctl`
//! values) and the singleton resources with computed properties (`dedicated-cpu`,
//! `capped-memory`) are left to each output.

use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::*;
use std::borrow::Cow;

/// A resource's properties and their values.
pub type Props<'a> = Vec<(PropName, Cow<'a, str>)>;

/// A property borrowed from the resource.
fn b(p: PropName, v: &str) -> (PropName, Cow<'_, str>) {
    (p, Cow::Borrowed(v))
}

pub fn fs(f: &Fs) -> Props<'_> {
    vec![
        b(PropName::Dir, &f.dir),
        b(PropName::Special, &f.special),
        b(PropName::Raw, &f.raw),
        b(PropName::Type, &f.fstype),
    ]
}

pub fn ipd(d: &InheritPkgDir) -> Props<'_> {
    vec![b(PropName::Dir, &d.dir)]
}

pub fn net(n: &Net) -> Props<'_> {
    vec![
        b(PropName::Address, &n.address),
        b(PropName::AllowedAddress, &n.allowed_address),
        b(PropName::Physical, &n.physical),
        b(PropName::Defrouter, &n.defrouter),
    ]
}

pub fn anet(a: &Anet) -> Props<'_> {
    ResourceType::Anet
        .properties()
        .iter()
        .filter_map(|p| a.get(*p).map(|v| (*p, Cow::Owned(v))))
        .collect()
}

pub fn device(d: &Device) -> Props<'_> {
    vec![b(PropName::Match, &d.match_)]
}

pub fn rctl(r: &Rctl) -> Props<'_> {
    vec![b(PropName::Name, &r.name)]
}

pub fn attr(a: &Attr) -> Props<'_> {
    vec![
        b(PropName::Name, &a.name),
        b(PropName::Type, &a.attr_type),
        b(PropName::Value, &a.value),
    ]
}

pub fn dataset(d: &Dataset) -> Props<'_> {
    vec![b(PropName::Name, &d.name)]
}

pub fn admin(a: &Admin) -> Props<'_> {
    vec![b(PropName::User, &a.user), b(PropName::Auths, &a.auths)]
}

pub fn secflags(f: &SecurityFlags) -> Props<'_> {
    vec![
        b(PropName::Lower, &f.lower),
        b(PropName::Default, &f.default),
        b(PropName::Upper, &f.upper),
    ]
}

/// The properties of the resource at `i` of type `rt`; empty when there is none (or the
/// type is not a list resource).
pub fn of(cfg: &ZoneConfig, rt: ResourceType, i: usize) -> Props<'_> {
    let props = match rt {
        ResourceType::Fs => cfg.fs.get(i).map(fs),
        ResourceType::InheritPkgDir => cfg.inherit_pkg_dirs.get(i).map(ipd),
        ResourceType::Net => cfg.nets.get(i).map(net),
        ResourceType::Anet => cfg.anets.get(i).map(anet),
        ResourceType::Device => cfg.devices.get(i).map(device),
        ResourceType::Rctl => cfg.rctls.get(i).map(rctl),
        ResourceType::Attr => cfg.attrs.get(i).map(attr),
        ResourceType::Dataset => cfg.datasets.get(i).map(dataset),
        ResourceType::Admin => cfg.admins.get(i).map(admin),
        _ => None,
    };
    props.unwrap_or_default()
}
