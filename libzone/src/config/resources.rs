//! One description per zonecfg resource type: its word, how many a zone has, whether the
//! global zone has it, which releases have it, its properties (in `info` order) with their
//! roles, its XML element and attributes, and the help of its scope. The lexer, parser,
//! session (`add`, `select`, `set`, `clear`, `remove`, `end`), `info`, `export`, the XML
//! reader and writer, completion and `verify` read these descriptions, so a new resource type
//! is a [`ResourceType`] variant, its entry in [`ResourceType::spec`], its model type (with
//! [`ListResource`] for a type a zone has several of) and its own checks.
//!
//! Matches over [`ResourceType`] are exhaustive everywhere: the compiler lists what a new
//! type still lacks.

use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::*;
use std::borrow::Cow;

/// How many resources of a type a zone has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// Any number, told apart by their properties (`select fs dir=/x`).
    Many,
    /// At most one; `select` and `remove` need no filter.
    One,
}

/// A release whose zonecfg has the resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    Solaris10,
    Solaris11,
    Illumos,
}

/// A property of a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropSpec {
    pub prop: PropName,
    /// A list property: values are added and removed inside the scope (`add options ro`).
    pub list: bool,
    /// Accepted as a `select`, `remove` and `info` filter (`fill_in_*tab()`).
    pub filter: bool,
    /// Compared when `info <rt>` filters by it (zonecfg ignores the other filters).
    pub compared: bool,
}

const fn p(prop: PropName) -> PropSpec {
    PropSpec {
        prop,
        list: false,
        filter: true,
        compared: true,
    }
}

/// A property `info` filters accept but do not compare.
const fn uncompared(prop: PropName) -> PropSpec {
    PropSpec {
        compared: false,
        ..p(prop)
    }
}

/// A property that is not a filter.
const fn no_filter(prop: PropName) -> PropSpec {
    PropSpec {
        filter: false,
        compared: false,
        ..p(prop)
    }
}

/// A list property.
const fn list(prop: PropName, filter: bool) -> PropSpec {
    PropSpec {
        list: true,
        filter,
        compared: false,
        prop,
    }
}

/// An XML attribute of a resource's element: the property it holds, its name, and whether
/// it is written when empty (the DTD requires it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlAttr {
    pub prop: PropName,
    pub name: &'static str,
    pub required: bool,
}

const fn req(prop: PropName, name: &'static str) -> XmlAttr {
    XmlAttr {
        prop,
        name,
        required: true,
    }
}

const fn opt(prop: PropName, name: &'static str) -> XmlAttr {
    XmlAttr {
        prop,
        name,
        required: false,
    }
}

/// The description of a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceSpec {
    pub rt: ResourceType,
    pub cardinality: Cardinality,
    /// The global zone may have it (zonecfg's `gz_invalid_resource()`).
    pub global_zone: bool,
    pub releases: &'static [Release],
    /// The properties, in the order `info` prints them.
    pub props: &'static [PropSpec],
    /// How the property list of `help` shows them, when not simply comma-separated.
    pub props_help: Option<&'static str>,
    /// The element of the zone's XML (`zonecfg.dtd.1`, Solaris 11 for `anet`); empty for a
    /// resource stored as something else (`capped-cpu` is the `zone.cpu-cap` rctl).
    pub xml_element: &'static str,
    /// The element's attributes, in the order they are written. Empty for the resources
    /// whose element is computed (`dedicated-cpu` is split in `pset` and `tmp_pool`).
    pub xml_attrs: &'static [XmlAttr],
    /// The help of its scope: what follows `The '<rt>' resource scope ` ...
    pub help_intro: &'static str,
    /// ... and the lines after `Valid commands:`.
    pub help_commands: &'static str,
}

use PropName as P;
use Release::*;

const ALL_RELEASES: &[Release] = &[Solaris10, Solaris11, Illumos];

const FS: ResourceSpec = ResourceSpec {
    rt: ResourceType::Fs,
    cardinality: Cardinality::Many,
    global_zone: false,
    releases: ALL_RELEASES,
    props: &[
        p(P::Dir),
        p(P::Special),
        uncompared(P::Raw),
        p(P::Type),
        list(P::Options, false),
    ],
    props_help: None,
    xml_element: "filesystem",
    xml_attrs: &[
        req(P::Special, "special"),
        opt(P::Raw, "raw"),
        req(P::Dir, "directory"),
        req(P::Type, "type"),
    ],
    help_intro: "is used to configure a file-system.",
    help_commands: "\tset dir=<path>\n\tset special=<path>\n\tset raw=<raw-device>\n\tset type=<file-system type>\n\tadd options <file-system options>\n\tremove options <file-system options>\nConsult the file-system specific manual page, such as mount_ufs(1M), for\ndetails about file-system options.  Note that any file-system options with an\nembedded '=' character must be enclosed in double quotes, such as \"retry=5\".\n",
};

const IPD: ResourceSpec = ResourceSpec {
    rt: ResourceType::InheritPkgDir,
    cardinality: Cardinality::Many,
    global_zone: false,
    releases: &[Solaris10],
    props: &[p(P::Dir)],
    props_help: None,
    xml_element: "inherited-pkg-dir",
    xml_attrs: &[req(P::Dir, "directory")],
    help_intro: "is used to configure a directory\ninherited from the global zone into a non-global zone in read-only mode.",
    help_commands: "\tset dir=<path>\n",
};

const NET: ResourceSpec = ResourceSpec {
    rt: ResourceType::Net,
    cardinality: Cardinality::Many,
    global_zone: false,
    releases: ALL_RELEASES,
    props: &[
        p(P::Address),
        uncompared(P::AllowedAddress),
        p(P::Physical),
        uncompared(P::Defrouter),
    ],
    props_help: Some("address, allowed-address, physical|defrouter"),
    xml_element: "network",
    xml_attrs: &[
        opt(P::Address, "address"),
        opt(P::AllowedAddress, "allowed-address"),
        req(P::Physical, "physical"),
        opt(P::Defrouter, "defrouter"),
    ],
    help_intro: "is used to configure a network interface.",
    help_commands: "\tset address=<IP-address>\n\tset allowed-address=<IP-address>\n\tset physical=<interface>\nSee ifconfig(1M) for details of the <interface> string.\nset address is valid if the ip-type property is set to shared, otherwise it must not be set.\nset allowed-address is valid if the ip-type property is set to exclusive, otherwise it must not be set.\n\tset defrouter=<IP-address>\nset defrouter is valid if the address or allowed-address property is set, otherwise it must not be set\n",
};

const ANET: ResourceSpec = ResourceSpec {
    rt: ResourceType::Anet,
    cardinality: Cardinality::Many,
    global_zone: false,
    releases: &[Solaris11],
    props: &[
        p(P::Linkname),
        p(P::LowerLink),
        uncompared(P::AllowedAddress),
        uncompared(P::ConfigureAllowedAddress),
        uncompared(P::Defrouter),
        p(P::MacAddress),
        uncompared(P::Mtu),
    ],
    props_help: None,
    xml_element: "anet",
    // Solaris' other attributes (`link-protection`, `auto-mac-address`, `vlan-id`,
    // `maxbw`, ...) are skipped when read.
    xml_attrs: &[
        req(P::Linkname, "linkname"),
        opt(P::LowerLink, "lower-link"),
        opt(P::AllowedAddress, "allowed-address"),
        opt(P::ConfigureAllowedAddress, "configure-allowed-address"),
        opt(P::Defrouter, "defrouter"),
        opt(P::MacAddress, "mac-address"),
        opt(P::Mtu, "mtu"),
    ],
    help_intro: "is used to configure an automatic network interface: a virtual link\nthe global zone makes over lower-link when the zone boots.",
    help_commands: "\tset linkname=<link name>\n\tset lower-link=<interface> | auto\n\tset allowed-address=<IP-address>/<prefix-length>[,...]\n\tset configure-allowed-address=true | false\n\tset defrouter=<IP-address>[,...]\n\tset mac-address=auto | random | <MAC-address>\n\tset mtu=<68 - 65535>\nanet is valid if the ip-type property is set to exclusive.\n",
};

const DEVICE: ResourceSpec = ResourceSpec {
    rt: ResourceType::Device,
    cardinality: Cardinality::Many,
    global_zone: false,
    releases: ALL_RELEASES,
    props: &[p(P::Match)],
    props_help: None,
    xml_element: "device",
    xml_attrs: &[req(P::Match, "match")],
    help_intro: "is used to configure a device node.",
    help_commands: "\tset match=<device-path>\n",
};

const RCTL: ResourceSpec = ResourceSpec {
    rt: ResourceType::Rctl,
    cardinality: Cardinality::Many,
    global_zone: true,
    releases: ALL_RELEASES,
    props: &[p(P::Name), list(P::Value, false)],
    props_help: None,
    xml_element: "rctl",
    xml_attrs: &[req(P::Name, "name")],
    help_intro: "is used to configure a resource control.",
    help_commands: "\tset name=<string>\n\tadd value (priv=<priv-value>,limit=<number>,action=<action-value>)\n\tremove value (priv=<priv-value>,limit=<number>,action=<action-value>)\nWhere\n\t<priv-value> := privileged\n\t<action-value> := none | deny\n",
};

const ATTR: ResourceSpec = ResourceSpec {
    rt: ResourceType::Attr,
    cardinality: Cardinality::Many,
    global_zone: false,
    releases: ALL_RELEASES,
    props: &[p(P::Name), p(P::Type), p(P::Value)],
    props_help: None,
    xml_element: "attr",
    xml_attrs: &[
        req(P::Name, "name"),
        req(P::Type, "type"),
        req(P::Value, "value"),
    ],
    help_intro: "is used to configure a generic attribute.",
    help_commands: "\tset name=<name>\n\tset type=boolean\n\tset value=true | false\nor\n\tset type=int\n\tset value=<integer>\nor\n\tset type=string\n\tset value=<string>\nor\n\tset type=uint\n\tset value=<unsigned integer>\n",
};

const DATASET: ResourceSpec = ResourceSpec {
    rt: ResourceType::Dataset,
    cardinality: Cardinality::Many,
    global_zone: false,
    releases: ALL_RELEASES,
    props: &[p(P::Name)],
    props_help: None,
    xml_element: "dataset",
    xml_attrs: &[req(P::Name, "name")],
    help_intro: "is used to export ZFS datasets.",
    help_commands: "\tset name=<name>\n",
};

const DEDICATED_CPU: ResourceSpec = ResourceSpec {
    rt: ResourceType::DedicatedCpu,
    cardinality: Cardinality::One,
    global_zone: true,
    releases: ALL_RELEASES,
    props: &[no_filter(P::Ncpus), no_filter(P::Importance)],
    props_help: None,
    // Written as `pset` (ncpu_min, ncpu_max) and `tmp_pool` (importance).
    xml_element: "pset",
    xml_attrs: &[],
    help_intro: "configures the 'pools' facility to dedicate\na subset of the system's processors to this zone while it is running.",
    help_commands: "\tset ncpus=<unsigned integer | range>\n\tset importance=<unsigned integer>\n",
};

const CAPPED_CPU: ResourceSpec = ResourceSpec {
    rt: ResourceType::CappedCpu,
    cardinality: Cardinality::One,
    global_zone: true,
    releases: ALL_RELEASES,
    props: &[no_filter(P::Ncpus)],
    props_help: None,
    // The `zone.cpu-cap` rctl.
    xml_element: "",
    xml_attrs: &[],
    help_intro: "is used to set an upper limit (a cap) on the\npercentage of CPU that can be used by this zone.  A 'ncpus' value of 1\ncorresponds to one cpu.  The value can be set higher than 1, up to the total\nnumber of CPUs on the system.  The value can also be less than 1,\nrepresenting a fraction of a cpu.",
    help_commands: "\tset ncpus=<unsigned decimal>\n",
};

const CAPPED_MEMORY: ResourceSpec = ResourceSpec {
    rt: ResourceType::CappedMemory,
    cardinality: Cardinality::One,
    global_zone: true,
    releases: ALL_RELEASES,
    props: &[
        no_filter(P::Physical),
        no_filter(P::Swap),
        no_filter(P::Locked),
    ],
    props_help: None,
    // `mcap` holds the physical cap; swap and locked are rctls.
    xml_element: "mcap",
    xml_attrs: &[req(P::Physical, "physcap")],
    help_intro: "is used to set an upper limit (a cap) on the\namount of physical memory, swap space and locked memory that can be used by\nthis zone.",
    help_commands: "\tset physical=<qualified unsigned decimal>\n\tset swap=<qualified unsigned decimal>\n\tset locked=<qualified unsigned decimal>\n",
};

const ADMIN: ResourceSpec = ResourceSpec {
    rt: ResourceType::Admin,
    cardinality: Cardinality::Many,
    global_zone: true,
    releases: &[Solaris11, Illumos],
    props: &[p(P::User), list(P::Auths, true)],
    props_help: None,
    xml_element: "admin",
    xml_attrs: &[req(P::User, "user"), req(P::Auths, "auths")],
    help_intro: "is used to delegate specific zone management\nrights to users and roles. These rights are only applicable to this zone.",
    help_commands: "\tset user=<single user or role name>\n\tset auths=<comma separated list>\n",
};

const SECURITY_FLAGS: ResourceSpec = ResourceSpec {
    rt: ResourceType::SecurityFlags,
    cardinality: Cardinality::One,
    global_zone: true,
    releases: &[Illumos],
    props: &[
        no_filter(P::Lower),
        no_filter(P::Default),
        no_filter(P::Upper),
    ],
    props_help: None,
    xml_element: "security-flags",
    xml_attrs: &[
        opt(P::Default, "default"),
        opt(P::Lower, "lower"),
        opt(P::Upper, "upper"),
    ],
    help_intro: "is used to specify the default security-flags\nof this zone, and their upper and lower bound.",
    help_commands: "\tset default=<security flags>\n\tset lower=<security flags>\n\tset upper=<security flags>\n",
};

impl ResourceType {
    /// The description of this resource type.
    pub fn spec(self) -> &'static ResourceSpec {
        match self {
            ResourceType::Fs => &FS,
            ResourceType::InheritPkgDir => &IPD,
            ResourceType::Net => &NET,
            ResourceType::Anet => &ANET,
            ResourceType::Device => &DEVICE,
            ResourceType::Rctl => &RCTL,
            ResourceType::Attr => &ATTR,
            ResourceType::Dataset => &DATASET,
            ResourceType::DedicatedCpu => &DEDICATED_CPU,
            ResourceType::CappedCpu => &CAPPED_CPU,
            ResourceType::CappedMemory => &CAPPED_MEMORY,
            ResourceType::Admin => &ADMIN,
            ResourceType::SecurityFlags => &SECURITY_FLAGS,
        }
    }

    /// Resources of which a zone has at most one; `select` and `remove` need no filter.
    pub fn is_singleton(self) -> bool {
        self.spec().cardinality == Cardinality::One
    }

    /// The properties this resource type has, in the order `info` prints them.
    pub fn properties(self) -> impl Iterator<Item = PropName> {
        self.spec().props.iter().map(|p| p.prop)
    }

    /// The list properties values are added to and removed from inside the resource
    /// (`add options ro`, `add value (...)`, `add auths manage`).
    pub fn list_properties(self) -> impl Iterator<Item = PropName> {
        self.spec().props.iter().filter(|p| p.list).map(|p| p.prop)
    }

    /// The global zone may have resources of this type.
    pub fn valid_in_global_zone(self) -> bool {
        self.spec().global_zone
    }

    /// The properties `select`, `remove` and `info` accept as filters.
    pub fn filter_properties(self) -> impl Iterator<Item = PropName> {
        self.spec()
            .props
            .iter()
            .filter(|p| p.filter)
            .map(|p| p.prop)
    }
}

/// The order `info` shows resource types in.
pub const INFO_ORDER: [ResourceType; 13] = [
    ResourceType::InheritPkgDir,
    ResourceType::Fs,
    ResourceType::Net,
    ResourceType::Anet,
    ResourceType::Device,
    ResourceType::DedicatedCpu,
    ResourceType::CappedCpu,
    ResourceType::CappedMemory,
    ResourceType::Attr,
    ResourceType::Dataset,
    ResourceType::Admin,
    ResourceType::Rctl,
    ResourceType::SecurityFlags,
];

/// The resource types the global zone's `info` shows, in order.
pub const GLOBAL_INFO_ORDER: [ResourceType; 5] = [
    ResourceType::DedicatedCpu,
    ResourceType::CappedCpu,
    ResourceType::CappedMemory,
    ResourceType::Rctl,
    ResourceType::SecurityFlags,
];

/// The order `export` writes resource types in (`capped-cpu` is exported as its rctl).
pub const EXPORT_ORDER: [ResourceType; 12] = [
    ResourceType::InheritPkgDir,
    ResourceType::Fs,
    ResourceType::Net,
    ResourceType::Anet,
    ResourceType::Device,
    ResourceType::CappedMemory,
    ResourceType::Rctl,
    ResourceType::Attr,
    ResourceType::Dataset,
    ResourceType::DedicatedCpu,
    ResourceType::Admin,
    ResourceType::SecurityFlags,
];

/// The order of the zone's XML elements (`zonecfg.dtd.1`).
pub const XML_ORDER: [ResourceType; 12] = [
    ResourceType::Fs,
    ResourceType::InheritPkgDir,
    ResourceType::Net,
    ResourceType::Anet,
    ResourceType::Device,
    ResourceType::Rctl,
    ResourceType::Attr,
    ResourceType::Dataset,
    ResourceType::DedicatedCpu,
    ResourceType::CappedMemory,
    ResourceType::Admin,
    ResourceType::SecurityFlags,
];

/// A resource type a zone has any number of: how the configuration holds its resources and
/// how each reads and writes its single-valued properties by name. Together with its
/// [`ResourceSpec`] this is everything `info`, `export`, `select`, `remove`, `set` and the
/// XML need of it.
pub trait ListResource: Clone + PartialEq + Default + Sized + 'static {
    const TYPE: ResourceType;

    fn all(cfg: &ZoneConfig) -> &Vec<Self>;
    fn all_mut(cfg: &mut ZoneConfig) -> &mut Vec<Self>;

    /// The text of single-valued property `p` (empty when unset); `None` when `p` is not
    /// one, or a list property.
    fn get(&self, p: PropName) -> Option<Cow<'_, str>>;

    /// The string `set p=...` stores as given, for a property kept as text; `None` for a
    /// typed, list or unknown property.
    fn slot(&mut self, p: PropName) -> Option<&mut String>;

    /// The single-valued properties and their values, in `info` order.
    fn props(&self) -> Vec<(PropName, Cow<'_, str>)> {
        Self::TYPE
            .spec()
            .props
            .iter()
            .filter_map(|s| self.get(s.prop).map(|v| (s.prop, v)))
            .collect()
    }
}

/// An operation generic over the list resource types, run by [`visit_list`] for the type
/// named at run time.
pub trait ListVisitor {
    type Out;
    fn visit<R: ListResource>(self) -> Self::Out;
}

/// Runs `v` for the model type of `rt`; `None` for a type a zone has at most one of.
pub fn visit_list<V: ListVisitor>(rt: ResourceType, v: V) -> Option<V::Out> {
    Some(match rt {
        ResourceType::Fs => v.visit::<Fs>(),
        ResourceType::InheritPkgDir => v.visit::<InheritPkgDir>(),
        ResourceType::Net => v.visit::<Net>(),
        ResourceType::Anet => v.visit::<Anet>(),
        ResourceType::Device => v.visit::<Device>(),
        ResourceType::Rctl => v.visit::<Rctl>(),
        ResourceType::Attr => v.visit::<Attr>(),
        ResourceType::Dataset => v.visit::<Dataset>(),
        ResourceType::Admin => v.visit::<Admin>(),
        ResourceType::DedicatedCpu
        | ResourceType::CappedCpu
        | ResourceType::CappedMemory
        | ResourceType::SecurityFlags => return None,
    })
}

/// How many resources of list type `rt` the zone has (0 for the others).
pub fn list_len(cfg: &ZoneConfig, rt: ResourceType) -> usize {
    struct Len<'a>(&'a ZoneConfig);
    impl ListVisitor for Len<'_> {
        type Out = usize;
        fn visit<R: ListResource>(self) -> usize {
            R::all(self.0).len()
        }
    }
    visit_list(rt, Len(cfg)).unwrap_or(0)
}

/// The single-valued properties of the resource at `i` of list type `rt`, as text (empty
/// when there is none).
pub fn props_at(cfg: &ZoneConfig, rt: ResourceType, i: usize) -> Vec<(PropName, String)> {
    struct At<'a>(&'a ZoneConfig, usize);
    impl ListVisitor for At<'_> {
        type Out = Vec<(PropName, String)>;
        fn visit<R: ListResource>(self) -> Self::Out {
            R::all(self.0)
                .get(self.1)
                .map(|r| {
                    r.props()
                        .into_iter()
                        .map(|(p, v)| (p, v.into_owned()))
                        .collect()
                })
                .unwrap_or_default()
        }
    }
    visit_list(rt, At(cfg, i)).unwrap_or_default()
}

/// Deletes the resource at `i` of list type `rt` (nothing when there is none).
pub fn remove_at(cfg: &mut ZoneConfig, rt: ResourceType, i: usize) {
    struct Rm<'a>(&'a mut ZoneConfig, usize);
    impl ListVisitor for Rm<'_> {
        type Out = ();
        fn visit<R: ListResource>(self) {
            let v = R::all_mut(self.0);
            if self.1 < v.len() {
                v.remove(self.1);
            }
        }
    }
    let _ = visit_list(rt, Rm(cfg, i));
}

/// Deletes every resource of list type `rt`.
pub fn remove_all(cfg: &mut ZoneConfig, rt: ResourceType) {
    struct Clear<'a>(&'a mut ZoneConfig);
    impl ListVisitor for Clear<'_> {
        type Out = ();
        fn visit<R: ListResource>(self) {
            R::all_mut(self.0).clear();
        }
    }
    let _ = visit_list(rt, Clear(cfg));
}

macro_rules! text_props {
    ($ty:ty, $rt:expr, $field:ident, [$($prop:ident => $slot:ident),* $(,)?]) => {
        impl ListResource for $ty {
            const TYPE: ResourceType = $rt;

            fn all(cfg: &ZoneConfig) -> &Vec<Self> {
                &cfg.$field
            }

            fn all_mut(cfg: &mut ZoneConfig) -> &mut Vec<Self> {
                &mut cfg.$field
            }

            fn get(&self, p: PropName) -> Option<Cow<'_, str>> {
                match p {
                    $(PropName::$prop => Some(Cow::Borrowed(self.$slot.as_str())),)*
                    _ => None,
                }
            }

            fn slot(&mut self, p: PropName) -> Option<&mut String> {
                match p {
                    $(PropName::$prop => Some(&mut self.$slot),)*
                    _ => None,
                }
            }
        }
    };
}

text_props!(Fs, ResourceType::Fs, fs, [Dir => dir, Special => special, Raw => raw, Type => fstype]);
text_props!(InheritPkgDir, ResourceType::InheritPkgDir, inherit_pkg_dirs, [Dir => dir]);
text_props!(Net, ResourceType::Net, nets, [
    Address => address,
    AllowedAddress => allowed_address,
    Physical => physical,
    Defrouter => defrouter,
]);
text_props!(Device, ResourceType::Device, devices, [Match => match_]);
text_props!(Rctl, ResourceType::Rctl, rctls, [Name => name]);
text_props!(Attr, ResourceType::Attr, attrs, [Name => name, Type => attr_type, Value => value]);
text_props!(Dataset, ResourceType::Dataset, datasets, [Name => name]);
text_props!(Admin, ResourceType::Admin, admins, [User => user, Auths => auths]);

impl ListResource for Anet {
    const TYPE: ResourceType = ResourceType::Anet;

    fn all(cfg: &ZoneConfig) -> &Vec<Self> {
        &cfg.anets
    }

    fn all_mut(cfg: &mut ZoneConfig) -> &mut Vec<Self> {
        &mut cfg.anets
    }

    fn get(&self, p: PropName) -> Option<Cow<'_, str>> {
        Anet::get(self, p).map(Cow::Owned)
    }

    /// Every property of `anet` is typed: [`Anet::set`] reads it.
    fn slot(&mut self, _p: PropName) -> Option<&mut String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_describes_itself() {
        for rt in ResourceType::ALL {
            let s = rt.spec();
            assert_eq!(s.rt, rt);
            assert!(!s.props.is_empty(), "{rt}");
            for a in s.xml_attrs {
                assert!(s.props.iter().any(|p| p.prop == a.prop), "{rt} {}", a.name);
            }
            for p in s.props.iter().filter(|p| p.compared) {
                assert!(p.filter, "{rt} {}", p.prop);
            }
            assert!(!s.help_commands.is_empty() && s.help_commands.ends_with('\n'));
            assert!(INFO_ORDER.contains(&rt));
        }
        for order in [&EXPORT_ORDER[..], &XML_ORDER[..], &GLOBAL_INFO_ORDER[..]] {
            for rt in order {
                assert_eq!(order.iter().filter(|x| *x == rt).count(), 1);
            }
        }
        // capped-cpu is stored, exported and written as its rctl.
        assert!(!EXPORT_ORDER.contains(&ResourceType::CappedCpu));
        assert!(!XML_ORDER.contains(&ResourceType::CappedCpu));
    }

    #[test]
    fn list_resources_read_and_write_their_properties() {
        let mut f = Fs::default();
        for s in ResourceType::Fs.spec().props.iter().filter(|s| !s.list) {
            *f.slot(s.prop).unwrap() = format!("v-{}", s.prop);
        }
        assert_eq!(f.dir, "v-dir");
        assert_eq!(f.fstype, "v-type");
        let props: Vec<String> = f.props().iter().map(|(p, v)| format!("{p}={v}")).collect();
        assert_eq!(
            props,
            ["dir=v-dir", "special=v-special", "raw=v-raw", "type=v-type"]
        );
        assert_eq!(f.get(PropName::Options), None);
        assert_eq!(Anet::default_named("net0").slot(PropName::Linkname), None);
        assert_eq!(
            Anet::default_named("net0").props()[0],
            (PropName::Linkname, Cow::Borrowed("net0"))
        );
    }
}
