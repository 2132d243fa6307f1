//! The resource scope: the resource being added or modified, and for a modification the
//! original it will replace at `end`.

use crate::config::keywords::ResourceType;
use crate::config::model::*;

/// A resource being edited. `capped-cpu` has no state of its own: its only property is
/// written to the configuration (as the `zone.cpu-cap` rctl) when it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Res {
    Fs(Fs),
    Ipd(InheritPkgDir),
    Net(Net),
    Anet(Anet),
    Device(Device),
    Rctl(Rctl),
    Attr(Attr),
    Dataset(Dataset),
    Pset(DedicatedCpu),
    Pcap,
    Mcap(Mcap),
    Admin(Admin),
    SecFlags(SecurityFlags),
}

impl Res {
    /// An empty resource of type `rt`, as `add` starts it.
    pub(super) fn empty(rt: ResourceType) -> Res {
        match rt {
            ResourceType::Fs => Res::Fs(Fs::default()),
            ResourceType::InheritPkgDir => Res::Ipd(InheritPkgDir::default()),
            ResourceType::Net => Res::Net(Net::default()),
            ResourceType::Anet => Res::Anet(Anet::default()),
            ResourceType::Device => Res::Device(Device::default()),
            ResourceType::Rctl => Res::Rctl(Rctl::default()),
            ResourceType::Attr => Res::Attr(Attr::default()),
            ResourceType::Dataset => Res::Dataset(Dataset::default()),
            ResourceType::DedicatedCpu => Res::Pset(DedicatedCpu::default()),
            ResourceType::CappedCpu => Res::Pcap,
            ResourceType::CappedMemory => Res::Mcap(Mcap::default()),
            ResourceType::Admin => Res::Admin(Admin::default()),
            ResourceType::SecurityFlags => Res::SecFlags(SecurityFlags::default()),
        }
    }
}

/// Whether `end` adds a new resource or replaces the selected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EndOp {
    Add,
    /// Modifying the resource `select` found: for a list type, the one at this index of
    /// its list (nothing else changes the list while the scope is open).
    Select(Option<usize>),
}

/// An open resource scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Scope {
    pub(super) rt: ResourceType,
    pub(super) op: EndOp,
    /// The resource as edited so far.
    pub(super) res: Res,
}

impl Scope {
    pub(super) fn add(rt: ResourceType) -> Scope {
        Scope {
            rt,
            op: EndOp::Add,
            res: Res::empty(rt),
        }
    }

    /// Modifying `res`, found at `index` of its list (`None` for a type a zone has one of).
    pub(super) fn select(rt: ResourceType, res: Res, index: Option<usize>) -> Scope {
        Scope {
            rt,
            op: EndOp::Select(index),
            res,
        }
    }

    /// The index of the resource being modified, if it is one of a list.
    pub(super) fn selected(&self) -> Option<usize> {
        match self.op {
            EndOp::Add => None,
            EndOp::Select(i) => i,
        }
    }
}
