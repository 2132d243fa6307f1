//! The `info` command's output (spec §1.10, illumos `info_func()` and its helpers).
//!
//! Global properties print one per line as `name: value` (raw, an empty value leaves a
//! trailing blank); aliased rctls that are set print in brackets (`[cpu-shares: 5]`);
//! resources print a header line `<type>:` followed by tab-indented properties, where an unset
//! property reads `<prop> not specified` and a value containing a blank is double-quoted.

use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::*;
use crate::config::rctl::{self, AliasState};
use crate::config::resources::{self, ListResource};
use crate::config::{names, units};
use std::borrow::Cow;

/// zonecfg's `quoteit()`: double quotes around a value containing a blank.
fn quoteit(v: &str) -> String {
    if v.contains(' ') {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

/// One resource property line (`output_prop()`), or nothing for an unset property when
/// `not_specified` is false.
fn prop_line(out: &mut String, prop: &str, value: &str, not_specified: bool) {
    if !value.is_empty() {
        out.push_str(&format!("\t{prop}: {}\n", quoteit(value)));
    } else if not_specified {
        out.push_str(&format!("\t{prop} not specified\n"));
    }
}

fn bracket_line(out: &mut String, prop: &str, value: &str) {
    out.push_str(&format!("\t[{prop}: {}]\n", quoteit(value)));
}

/// A resource's header line and its single-valued properties.
fn props_block(rt: ResourceType, values: &[(PropName, Cow<'_, str>)]) -> String {
    let mut s = format!("{rt}:\n");
    for (p, v) in values {
        prop_line(&mut s, p.as_str(), v, true);
    }
    s
}

/// A resource of a list type: its header line and its single-valued properties (the list
/// properties of `fs` and `rctl` follow in their own blocks).
pub fn block<R: ListResource>(r: &R) -> String {
    props_block(R::TYPE, &r.props())
}

fn all_blocks<R: ListResource>(cfg: &ZoneConfig) -> Vec<String> {
    R::all(cfg).iter().map(block).collect()
}

/// An `fs` resource.
pub fn fs_block(fs: &Fs) -> String {
    let mut s = block(fs);
    let opts: Vec<String> = fs
        .options
        .iter()
        .map(|o| {
            if o.contains('=') {
                format!("\"{o}\"")
            } else {
                o.clone()
            }
        })
        .collect();
    s.push_str(&format!("\toptions: [{}]\n", opts.join(",")));
    s
}

/// An `rctl` resource.
pub fn rctl_block(r: &Rctl) -> String {
    let mut s = block(r);
    for v in &r.values {
        s.push_str(&format!(
            "\tvalue: (priv={},limit={},action={})\n",
            v.privilege, v.limit, v.action
        ));
    }
    s
}

/// The `dedicated-cpu` resource: `ncpus` as one number when min and max agree.
pub fn pset_block(p: &DedicatedCpu) -> String {
    let mut s = String::from("dedicated-cpu:\n");
    if p.ncpu_min == p.ncpu_max {
        s.push_str(&format!("\tncpus: {}\n", p.ncpu_max));
    } else {
        s.push_str(&format!("\tncpus: {}-{}\n", p.ncpu_min, p.ncpu_max));
    }
    if !p.importance.is_empty() {
        s.push_str(&format!("\timportance: {}\n", p.importance));
    }
    s
}

/// The `capped-cpu` resource, shown from the `zone.cpu-cap` rctl (cap / 100 with two
/// decimals); empty when there is no usable cap.
pub fn pcap_block(rctls: &[Rctl]) -> String {
    match rctl::get_alias(rctls, rctl::CPU_CAP) {
        AliasState::Set(cap) => {
            // zonecfg divides in single precision.
            let scaled = cap as f32 / 100.0f32;
            format!("capped-cpu:\n\t[ncpus: {:.2}]\n", f64::from(scaled))
        }
        _ => String::new(),
    }
}

/// The `capped-memory` resource: the physical cap (stored in bytes, shown with units) and the
/// `swap`/`locked` caps from their rctls, bracketed.
pub fn mcap_block(physcap: &str, rctls: &[Rctl]) -> String {
    let mut s = String::from("capped-memory:\n");
    if !physcap.is_empty() {
        prop_line(&mut s, "physical", &units::str_to_units(physcap), true);
    }
    if let AliasState::Set(v) = rctl::get_alias(rctls, rctl::SWAP) {
        bracket_line(&mut s, "swap", &units::bytes_to_units(v));
    }
    if let AliasState::Set(v) = rctl::get_alias(rctls, rctl::LOCKED) {
        bracket_line(&mut s, "locked", &units::bytes_to_units(v));
    }
    s
}

/// Whether a configuration has anything to show for `capped-memory`.
pub fn has_mcap(cfg: &ZoneConfig) -> bool {
    cfg.mcap.is_some()
        || matches!(rctl::get_alias(&cfg.rctls, rctl::SWAP), AliasState::Set(_))
        || matches!(
            rctl::get_alias(&cfg.rctls, rctl::LOCKED),
            AliasState::Set(_)
        )
}

/// The `security-flags` resource.
pub fn secflags_block(f: &SecurityFlags) -> String {
    let values: Vec<(PropName, Cow<'_, str>)> = vec![
        (PropName::Lower, Cow::Borrowed(&f.lower)),
        (PropName::Default, Cow::Borrowed(&f.default)),
        (PropName::Upper, Cow::Borrowed(&f.upper)),
    ];
    props_block(ResourceType::SecurityFlags, &values)
}

/// The `info <prop>` line(s) of a global property or alias; `None` when `prop` is not a
/// global property. An alias that is not set (or not alias-compatible) prints nothing.
pub fn global_property(cfg: &ZoneConfig, prop: PropName) -> Option<String> {
    let line = |name: &str, v: &str| format!("{name}: {v}\n");
    Some(match prop {
        PropName::Zonename => line("zonename", &cfg.name),
        PropName::Zonepath => line("zonepath", &cfg.zonepath),
        PropName::Brand => line("brand", names::effective_brand(&cfg.brand)),
        PropName::Autoboot => line("autoboot", if cfg.autoboot { "true" } else { "false" }),
        PropName::Autoshutdown => line("autoshutdown", cfg.autoshutdown.as_str()),
        PropName::Bootargs => line("bootargs", &cfg.bootargs),
        PropName::Pool => line("pool", &cfg.pool),
        PropName::Limitpriv => line("limitpriv", &cfg.limitpriv),
        PropName::SchedulingClass => line("scheduling-class", &cfg.scheduling_class),
        PropName::IpType => line("ip-type", cfg.ip_type.as_str()),
        PropName::Hostid => line("hostid", &cfg.hostid),
        PropName::FsAllowed => line("fs-allowed", &cfg.fs_allowed),
        p => {
            let alias = rctl::alias_for_prop(p).filter(|_| p.is_global())?;
            match rctl::get_alias(&cfg.rctls, alias) {
                AliasState::Set(v) if p == PropName::MaxShmMemory => {
                    format!("[{}: {}]\n", alias.name, units::bytes_to_units(v))
                }
                AliasState::Set(v) => format!("[{}: {v}]\n", alias.name),
                _ => String::new(),
            }
        }
    })
}

/// Everything `info` prints at global scope without arguments.
pub fn info_all(cfg: &ZoneConfig) -> String {
    let global = cfg.is_global();
    let mut s = String::new();
    let prop = |s: &mut String, p: PropName| {
        if let Some(l) = global_property(cfg, p) {
            s.push_str(&l);
        }
    };
    prop(&mut s, PropName::Zonename);
    if !global {
        for p in [PropName::Zonepath, PropName::Brand, PropName::Autoboot] {
            prop(&mut s, p);
        }
        // Shown where Solaris 11 shows it, but only when not the default, so that the
        // output of zones that never set it stays the Solaris 10 / illumos one.
        if cfg.autoshutdown != AutoShutdown::default() {
            prop(&mut s, PropName::Autoshutdown);
        }
        prop(&mut s, PropName::Bootargs);
    }
    prop(&mut s, PropName::Pool);
    if !global {
        for p in [
            PropName::Limitpriv,
            PropName::SchedulingClass,
            PropName::IpType,
            PropName::Hostid,
            PropName::FsAllowed,
        ] {
            prop(&mut s, p);
        }
    }
    for p in [
        PropName::MaxLwps,
        PropName::MaxProcesses,
        PropName::MaxShmMemory,
        PropName::MaxShmIds,
        PropName::MaxMsgIds,
        PropName::MaxSemIds,
        PropName::CpuShares,
    ] {
        prop(&mut s, p);
    }
    let order: &[ResourceType] = if global {
        &resources::GLOBAL_INFO_ORDER
    } else {
        &INFO_ORDER
    };
    for rt in order {
        for block in blocks(cfg, *rt) {
            s.push_str(&block);
        }
    }
    s
}

/// The order `info` shows resource types in.
pub use crate::config::resources::INFO_ORDER;

/// The blocks of every resource of type `rt`, in configuration order.
pub fn blocks(cfg: &ZoneConfig, rt: ResourceType) -> Vec<String> {
    match rt {
        ResourceType::Fs => cfg.fs.iter().map(fs_block).collect(),
        ResourceType::Rctl => cfg.rctls.iter().map(rctl_block).collect(),
        ResourceType::InheritPkgDir => all_blocks::<InheritPkgDir>(cfg),
        ResourceType::Net => all_blocks::<Net>(cfg),
        ResourceType::Anet => all_blocks::<Anet>(cfg),
        ResourceType::Device => all_blocks::<Device>(cfg),
        ResourceType::Attr => all_blocks::<Attr>(cfg),
        ResourceType::Dataset => all_blocks::<Dataset>(cfg),
        ResourceType::Admin => all_blocks::<Admin>(cfg),
        ResourceType::DedicatedCpu => cfg.dedicated_cpu.iter().map(pset_block).collect(),
        ResourceType::CappedCpu => {
            let b = pcap_block(&cfg.rctls);
            if b.is_empty() {
                vec![]
            } else {
                vec![b]
            }
        }
        ResourceType::CappedMemory => {
            if has_mcap(cfg) {
                let phys = cfg.mcap.as_ref().map(|m| m.physcap.as_str()).unwrap_or("");
                vec![mcap_block(phys, &cfg.rctls)]
            } else {
                vec![]
            }
        }
        ResourceType::SecurityFlags => cfg.security_flags.iter().map(secflags_block).collect(),
    }
}

/// libzonecfg's `zonecfg_same_net_address()`: equal, or equal once the `/prefix` of the
/// one that has it is ignored.
pub fn same_net_address(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.split_once('/'), b.split_once('/')) {
        (Some((x, _)), None) => x == b,
        (None, Some((y, _))) => a == y,
        _ => false,
    }
}

/// The number of resources of a type (what a filter is tried against).
pub fn count(cfg: &ZoneConfig, rt: ResourceType) -> usize {
    match rt {
        ResourceType::Fs
        | ResourceType::InheritPkgDir
        | ResourceType::Net
        | ResourceType::Anet
        | ResourceType::Device
        | ResourceType::Rctl
        | ResourceType::Attr
        | ResourceType::Dataset
        | ResourceType::Admin => resources::list_len(cfg, rt),
        ResourceType::DedicatedCpu => usize::from(cfg.dedicated_cpu.is_some()),
        ResourceType::CappedCpu => usize::from(!pcap_block(&cfg.rctls).is_empty()),
        ResourceType::CappedMemory => usize::from(has_mcap(cfg)),
        ResourceType::SecurityFlags => usize::from(cfg.security_flags.is_some()),
    }
}

/// The result of `info <rt> prop=value ...`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filtered {
    /// The blocks of the matching resources.
    pub text: String,
    /// A filter property that does not belong to the resource type: zonecfg prints
    /// `<prop>: No such property type` once for every resource of the type.
    pub bad_property: Option<PropName>,
    /// Filters were given and nothing matched: `No such <rt> resource.` (on stdout).
    pub no_match: bool,
}

/// `info <rt>` with optional `prop=value` filters. The singleton types ignore filters.
pub fn filtered(cfg: &ZoneConfig, rt: ResourceType, filters: &[(PropName, String)]) -> Filtered {
    if filters.is_empty() || rt.is_singleton() {
        return Filtered {
            text: blocks(cfg, rt).concat(),
            ..Default::default()
        };
    }
    let spec = rt.spec();
    let accepted = |p: &PropName| spec.props.iter().any(|s| s.prop == *p && s.filter);
    let compared = |p: &PropName| spec.props.iter().any(|s| s.prop == *p && s.compared);
    if let Some((p, _)) = filters.iter().find(|(p, _)| !accepted(p)) {
        return Filtered {
            text: String::new(),
            bad_property: Some(*p),
            no_match: true,
        };
    }
    let all = blocks(cfg, rt);
    let mut text = String::new();
    for (i, block) in all.iter().enumerate() {
        let matches = filters.iter().all(|(p, want)| {
            if want.is_empty() || !compared(p) {
                return true;
            }
            let have = resources::props_at(cfg, rt, i)
                .into_iter()
                .find(|(q, _)| q == p)
                .map(|(_, v)| v)
                .unwrap_or_default();
            if rt == ResourceType::Net && *p == PropName::Address {
                same_net_address(want, &have)
            } else {
                *want == have
            }
        });
        if matches {
            text.push_str(block);
        }
    }
    Filtered {
        no_match: text.is_empty(),
        text,
        bad_property: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zonecfg::export::tests_support::rv;

    /// The configuration of the spec §1.10 example.
    fn example() -> ZoneConfig {
        ZoneConfig {
            name: "my-zone3".into(),
            zonepath: "/export/home/my-zone3".into(),
            brand: "sparse".into(),
            autoboot: true,
            fs: vec![Fs {
                dir: "/usr/local".into(),
                special: "/opt/local".into(),
                raw: String::new(),
                fstype: "lofs".into(),
                options: vec!["ro".into(), "nodevices".into()],
            }],
            nets: vec![Net {
                address: "192.168.0.1/24".into(),
                physical: "eri0".into(),
                ..Default::default()
            }],
            devices: vec![Device {
                match_: "/dev/cua/a00[2-5]".into(),
            }],
            dedicated_cpu: Some(DedicatedCpu {
                ncpu_min: "1".into(),
                ncpu_max: "3".into(),
                importance: "2".into(),
            }),
            mcap: Some(Mcap {
                physcap: (50u64 << 20).to_string(),
            }),
            rctls: vec![
                Rctl {
                    name: "zone.cpu-shares".into(),
                    values: vec![rv("privileged", "5", "none")],
                },
                Rctl {
                    name: "zone.cpu-cap".into(),
                    values: vec![rv("privileged", "300", "deny")],
                },
                Rctl {
                    name: "zone.max-swap".into(),
                    values: vec![rv("privileged", "104857600", "deny")],
                },
                Rctl {
                    name: "zone.max-locked-memory".into(),
                    values: vec![rv("privileged", "20971520", "deny")],
                },
            ],
            attrs: vec![Attr {
                name: "comment".into(),
                attr_type: "string".into(),
                value: "hello world".into(),
            }],
            datasets: vec![Dataset {
                name: "tank/zone1".into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn spec_example() {
        let expected = "\
zonename: my-zone3
zonepath: /export/home/my-zone3
brand: sparse
autoboot: true
bootargs: 
pool: 
limitpriv: 
scheduling-class: 
ip-type: shared
hostid: 
fs-allowed: 
[cpu-shares: 5]
fs:
\tdir: /usr/local
\tspecial: /opt/local
\traw not specified
\ttype: lofs
\toptions: [ro,nodevices]
net:
\taddress: 192.168.0.1/24
\tallowed-address not specified
\tphysical: eri0
\tdefrouter not specified
device:
\tmatch: /dev/cua/a00[2-5]
dedicated-cpu:
\tncpus: 1-3
\timportance: 2
capped-cpu:
\t[ncpus: 3.00]
capped-memory:
\tphysical: 50M
\t[swap: 100M]
\t[locked: 20M]
attr:
\tname: comment
\ttype: string
\tvalue: \"hello world\"
dataset:
\tname: tank/zone1
rctl:
\tname: zone.cpu-shares
\tvalue: (priv=privileged,limit=5,action=none)
rctl:
\tname: zone.cpu-cap
\tvalue: (priv=privileged,limit=300,action=deny)
rctl:
\tname: zone.max-swap
\tvalue: (priv=privileged,limit=104857600,action=deny)
rctl:
\tname: zone.max-locked-memory
\tvalue: (priv=privileged,limit=20971520,action=deny)
";
        assert_eq!(info_all(&example()), expected);
    }

    /// The resource part of spec §1.10, byte for byte. (The spec shows only the first rctl;
    /// capped-cpu, swap and locked are rctls too and follow it.)
    #[test]
    fn spec_text() {
        let spec = "fs:
\tdir: /usr/local
\tspecial: /opt/local
\traw not specified
\ttype: lofs
\toptions: [ro,nodevices]
net:
\taddress: 192.168.0.1/24
\tallowed-address not specified
\tphysical: eri0
\tdefrouter not specified
device:
\tmatch: /dev/cua/a00[2-5]
dedicated-cpu:
\tncpus: 1-3
\timportance: 2
capped-cpu:
\t[ncpus: 3.00]
capped-memory:
\tphysical: 50M
\t[swap: 100M]
\t[locked: 20M]
attr:
\tname: comment
\ttype: string
\tvalue: \"hello world\"
dataset:
\tname: tank/zone1
rctl:
\tname: zone.cpu-shares
\tvalue: (priv=privileged,limit=5,action=none)
";
        assert!(info_all(&example()).contains(spec));
    }

    #[test]
    fn single_properties_and_filters() {
        let c = example();
        assert_eq!(
            global_property(&c, PropName::Zonepath).unwrap(),
            "zonepath: /export/home/my-zone3\n"
        );
        assert_eq!(
            global_property(&c, PropName::CpuShares).unwrap(),
            "[cpu-shares: 5]\n"
        );
        assert_eq!(global_property(&c, PropName::MaxLwps).unwrap(), "");
        assert_eq!(global_property(&c, PropName::Dir), None);
        let f = filtered(
            &c,
            ResourceType::Fs,
            &[(PropName::Dir, "/usr/local".into())],
        );
        assert!(f.text.starts_with("fs:\n\tdir: /usr/local\n"));
        assert!(!f.no_match);
        let f = filtered(&c, ResourceType::Fs, &[(PropName::Dir, "/nope".into())]);
        assert!(f.no_match);
        let f = filtered(&c, ResourceType::Fs, &[(PropName::Name, "x".into())]);
        assert_eq!(f.bad_property, Some(PropName::Name));
        let f = filtered(
            &c,
            ResourceType::Net,
            &[(PropName::Address, "192.168.0.1".into())],
        );
        assert!(f.text.starts_with("net:\n"));
        assert_eq!(
            filtered(&c, ResourceType::CappedCpu, &[]).text,
            "capped-cpu:\n\t[ncpus: 3.00]\n"
        );
        let mut shm = ZoneConfig::default();
        rctl::set_alias(&mut shm.rctls, rctl::MAX_SHM_MEMORY, 1 << 30).unwrap();
        assert_eq!(
            global_property(&shm, PropName::MaxShmMemory).unwrap(),
            "[max-shm-memory: 1G]\n"
        );
    }

    #[test]
    fn global_zone_info() {
        let mut g = ZoneConfig {
            name: "global".into(),
            pool: "pool_default".into(),
            ..Default::default()
        };
        rctl::set_alias(&mut g.rctls, rctl::CPU_SHARES, 10).unwrap();
        assert_eq!(
            info_all(&g),
            "zonename: global\npool: pool_default\n[cpu-shares: 10]\nrctl:\n\tname: zone.cpu-shares\n\tvalue: (priv=privileged,limit=10,action=none)\n"
        );
    }

    #[test]
    fn quoting_and_empty_things() {
        let fs = Fs {
            options: vec!["retry=5".into(), "ro".into()],
            ..Default::default()
        };
        assert_eq!(
            fs_block(&fs),
            "fs:\n\tdir not specified\n\tspecial not specified\n\traw not specified\n\ttype not specified\n\toptions: [\"retry=5\",ro]\n"
        );
        assert_eq!(
            fs_block(&Fs::default()).lines().last(),
            Some("\toptions: []")
        );
        assert_eq!(
            pset_block(&DedicatedCpu {
                ncpu_min: "2".into(),
                ncpu_max: "2".into(),
                importance: String::new()
            }),
            "dedicated-cpu:\n\tncpus: 2\n"
        );
        assert_eq!(mcap_block("", &[]), "capped-memory:\n");
        assert!(same_net_address("10.0.0.1/24", "10.0.0.1"));
        assert!(!same_net_address("10.0.0.1/24", "10.0.0.1/16"));
    }
}
