//! `export` re-creates the configuration: for generated configurations of the kind zonecfg
//! can produce, running the export through a session on a fresh zone (via the zonecfg parser)
//! gives an identical configuration, without a single error message.

use super::testutil::*;
use super::{Flow, Mode, Options, Session};
use crate::config::model::*;
use crate::zonecfg::export::export;
use crate::zonecfg::parser;
use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn word(re: &'static str) -> impl Strategy<Value = String> {
    proptest::string::string_regex(re).expect("valid regex")
}

fn maybe(s: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), s]
}

fn fs_res(dir: String) -> impl Strategy<Value = Fs> {
    (
        word("/[a-z]{1,6}(/[a-z0-9]{1,4})?|[a-z]{1,6}"),
        maybe(word("/dev/[a-z]{1,4}[0-9]")),
        word("[a-z]{2,6}"),
        vec(word("[a-z]{1,5}(=[0-9]{1,3})?|[a-z]{1,3},[a-z]{1,3}"), 0..4),
    )
        .prop_map(move |(special, raw, fstype, options)| Fs {
            dir: dir.clone(),
            special,
            raw,
            fstype,
            options,
        })
}

fn net_res(physical: String, ip: IpType) -> impl Strategy<Value = Net> {
    let addr = word("10\\.([0-9]|[1-9][0-9])\\.([0-9]|[1-9][0-9])\\.[1-9](/(8|16|24))?|host[a-d]");
    (addr, maybe(word("10\\.0\\.0\\.[1-9]"))).prop_map(move |(a, defrouter)| Net {
        address: if ip == IpType::Shared {
            a.clone()
        } else {
            String::new()
        },
        allowed_address: if ip == IpType::Exclusive {
            a
        } else {
            String::new()
        },
        physical: physical.clone(),
        defrouter,
    })
}

/// The host names the sessions of these tests resolve.
fn hosts() -> crate::config::verify::HostResolver {
    crate::config::verify::HostResolver::Names(
        ["hosta", "hostb", "hostc", "hostd"]
            .map(String::from)
            .to_vec(),
    )
}

fn anet_res(linkname: String) -> impl Strategy<Value = Anet> {
    (
        option::of(word("eth[0-9]|vnic[0-9]{1,2}")),
        vec((any::<[u8; 4]>(), 8u8..=32), 0..3),
        any::<bool>(),
        vec(any::<[u8; 4]>(), 0..2),
        prop_oneof![
            Just(MacAddress::Auto),
            Just(MacAddress::Random),
            any::<[u8; 5]>().prop_map(|m| MacAddress::Fixed([2, m[0], m[1], m[2], m[3], m[4]])),
        ],
        option::of(68u32..=65535),
    )
        .prop_map(
            move |(lower, allowed, configure, routers, mac_address, mtu)| {
                use std::net::{IpAddr, Ipv4Addr};
                let allowed_address: Vec<IpPrefix> = allowed
                    .into_iter()
                    .map(|(a, prefix)| IpPrefix {
                        addr: IpAddr::V4(Ipv4Addr::from(a)),
                        prefix,
                    })
                    .collect();
                // zonecfg verify wants allowed addresses with a default router.
                let defrouter = if allowed_address.is_empty() {
                    Vec::new()
                } else {
                    routers
                        .into_iter()
                        .map(|r| IpAddr::V4(Ipv4Addr::from(r)))
                        .collect()
                };
                Anet {
                    linkname: linkname.clone(),
                    lower_link: lower.map(LowerLink::Link).unwrap_or(LowerLink::Auto),
                    allowed_address,
                    configure_allowed_address: configure,
                    defrouter,
                    mac_address,
                    mtu,
                }
            },
        )
}

fn rctl_value() -> impl Strategy<Value = RctlValue> {
    (
        word("0|[1-9][0-9]{0,5}|0x[0-9a-f]{1,4}"),
        prop_oneof![Just("none"), Just("deny")],
    )
        .prop_map(|(limit, action)| RctlValue {
            privilege: "privileged".into(),
            limit,
            action: action.into(),
        })
}

fn attr_res(name: String) -> impl Strategy<Value = Attr> {
    prop_oneof![
        prop_oneof![Just("true"), Just("false")].prop_map(|v| ("boolean", v.to_string())),
        word("-?[0-9]{1,9}").prop_map(|v| ("int", v)),
        word("[0-9]{1,9}").prop_map(|v| ("uint", v)),
        word("[a-z][a-z 0-9.=/\\[\\]();,-]{0,20}").prop_map(|v| ("string", v)),
    ]
    .prop_map(move |(t, value)| Attr {
        name: name.clone(),
        attr_type: t.into(),
        value,
    })
}

fn flags_text(set: &BTreeSet<&'static str>) -> String {
    if set.is_empty() {
        "none".into()
    } else {
        set.iter().copied().collect::<Vec<_>>().join(",")
    }
}

fn security_flags() -> impl Strategy<Value = SecurityFlags> {
    let all = ["aslr", "forbidnullmap", "noexecstack"];
    let set = || btree_set(0..3usize, 0..=3);
    (set(), set(), set(), any::<(bool, bool, bool)>()).prop_map(move |(a, b, c, (el, ed, eu))| {
        let pick = |s: &BTreeSet<usize>| s.iter().map(|i| all[*i]).collect::<BTreeSet<&str>>();
        let lower = pick(&a);
        let default: BTreeSet<&str> = lower.union(&pick(&b)).copied().collect();
        let upper: BTreeSet<&str> = default.union(&pick(&c)).copied().collect();
        // An unset lower or default means no flags, an unset upper all flags.
        let text = |set: &BTreeSet<&'static str>, may_be_unset: bool| {
            if may_be_unset {
                String::new()
            } else {
                flags_text(set)
            }
        };
        SecurityFlags {
            lower: text(&lower, el && lower.is_empty()),
            default: text(&default, ed && default.is_empty()),
            upper: text(&upper, eu && upper.len() == all.len()),
        }
    })
}

prop_compose! {
    fn globals()(
        zonepath in word("/zones/[a-z0-9]{1,8}(/[a-z]{1,4})?"),
        brand in prop_oneof![Just("sparse"), Just("whole")],
        autoboot in any::<bool>(),
        halt in any::<bool>(),
        bootargs in maybe(word("-[a-z]( [a-z]{1,6}){0,2}")),
        limitpriv in maybe(word("default(,(sys_time|dtrace_proc|!net_rawaccess|cap_net_admin)){1,3}")),
        scheduling_class in maybe(word("FSS|TS|RT")),
        exclusive in any::<bool>(),
        hostid in maybe(any::<u32>().prop_filter("not all ones", |v| *v != u32::MAX).prop_map(|v| format!("0x{v:x}"))),
        fs_allowed in maybe(word("[a-z0-9-]{1,5}(,[a-z0-9-]{1,5}){0,2}")),
    ) -> ZoneConfig {
        ZoneConfig {
            name: "rt".into(),
            zonepath,
            brand: brand.into(),
            autoboot,
            autoshutdown: if halt { AutoShutdown::Halt } else { AutoShutdown::Shutdown },
            bootargs,
            limitpriv,
            scheduling_class,
            ip_type: if exclusive { IpType::Exclusive } else { IpType::Shared },
            hostid,
            fs_allowed,
            ..Default::default()
        }
    }
}

/// A configuration zonecfg can produce: unique resource keys, values that pass the checks
/// made at `set` and `end`, and no combination zonecfg refuses (a pool with dedicated-cpu,
/// capped-cpu with dedicated-cpu).
fn configs() -> impl Strategy<Value = ZoneConfig> {
    (
        globals(),
        btree_set(word("/[a-z]{1,6}"), 0..3),
        btree_set(word("/[a-z]{1,6}"), 0..4),
        0usize..4,
        btree_set(
            word("/dev/[a-z]{1,5}[0-9]?|/dev/cua/a0[0-9]\\[[0-9]-[0-9]\\]"),
            0..3,
        ),
        btree_set(
            word("zone\\.(max-lwps|cpu-shares|max-swap|cpu-cap|[a-z]{1,6}(-[a-z]{1,4})?)"),
            0..4,
        ),
        btree_set(word("[a-z][a-z0-9.-]{0,6}"), 0..3),
        btree_set(word("tank(/[a-z]{1,6}){1,2}"), 0..3),
        (
            option::of((1u32..5, 0u32..4, maybe(word("[0-9]{1,2}")))),
            option::of(prop_oneof![
                (1u64..4096).prop_map(|m| m << 20),
                (1u64 << 20)..(1u64 << 36),
            ]),
        ),
        (
            btree_set(word("[a-z]{1,6}"), 0..3),
            option::of(security_flags()),
            maybe(word("[a-z]{1,8}")),
        ),
    )
        .prop_flat_map(
            |(
                base,
                ipds,
                fs_dirs,
                nnets,
                devices,
                rctl_names,
                attr_names,
                datasets,
                (pset, mcap),
                (users, secflags, pool),
            )| {
                let ip = base.ip_type;
                let fs = fs_dirs.into_iter().map(fs_res).collect::<Vec<_>>();
                let nets = (0..nnets)
                    .map(|i| net_res(format!("eth{i}"), ip))
                    .collect::<Vec<_>>();
                // Link names are unique; shared-IP zones have no anet.
                let nanets = if ip == IpType::Exclusive {
                    nnets % 3
                } else {
                    0
                };
                let anets = (0..nanets)
                    .map(|i| anet_res(format!("net{}", (i * 7) % 10)))
                    .collect::<Vec<_>>();
                let rctls = rctl_names
                    .into_iter()
                    .map(|name| {
                        vec(rctl_value(), 1..3).prop_map(move |values| Rctl {
                            name: name.clone(),
                            values,
                        })
                    })
                    .collect::<Vec<_>>();
                let attrs = attr_names.into_iter().map(attr_res).collect::<Vec<_>>();
                let admins = users
                    .into_iter()
                    .map(|user| {
                        btree_set(
                            prop_oneof![Just("login"), Just("manage"), Just("clonefrom")],
                            1..=3,
                        )
                        .prop_map(move |a| Admin {
                            user: user.clone(),
                            auths: a.into_iter().collect::<Vec<_>>().join(","),
                        })
                    })
                    .collect::<Vec<_>>();
                (fs, nets, anets, rctls, attrs, admins).prop_map(
                    move |(fs, nets, anets, rctls, attrs, admins)| {
                        let mut c = base.clone();
                        c.inherit_pkg_dirs = ipds
                            .iter()
                            .map(|d| InheritPkgDir { dir: d.clone() })
                            .collect();
                        c.fs = fs;
                        c.nets = nets;
                        c.anets = anets;
                        c.devices = devices
                            .iter()
                            .map(|m| Device { match_: m.clone() })
                            .collect();
                        c.rctls = rctls;
                        c.attrs = attrs;
                        c.datasets = datasets
                            .iter()
                            .map(|n| Dataset { name: n.clone() })
                            .collect();
                        c.admins = admins;
                        c.security_flags = secflags.clone();
                        c.mcap = mcap.map(|b| Mcap {
                            physcap: b.to_string(),
                        });
                        let has_cap = c.rctls.iter().any(|r| r.name == "zone.cpu-cap");
                        match (&pset, pool.is_empty(), has_cap) {
                            (Some((lo, extra, importance)), true, false) => {
                                c.dedicated_cpu = Some(DedicatedCpu {
                                    ncpu_min: lo.to_string(),
                                    ncpu_max: (lo + extra).to_string(),
                                    importance: importance.clone(),
                                });
                            }
                            _ => c.pool = pool.clone(),
                        }
                        c
                    },
                )
            },
        )
}

/// Runs `text` through a fresh session on zone `rt` the way `zonecfg -f` would, stopping
/// short of the end of input (which would commit and verify), and returns the configuration
/// and everything printed.
fn reimport(text: &str) -> (Option<ZoneConfig>, RecUi) {
    let repo = MemRepo::new();
    let mut ui = RecUi::default();
    let opts = Options {
        resolver: hosts(),
        ..Options::new(Mode::File("export".into()))
    };
    let mut s = match Session::open(&repo, "rt", opts, &mut ui) {
        Ok(s) => s,
        Err(_) => return (None, ui),
    };
    for (n, line) in text.lines().enumerate() {
        for item in parser::parse_line(line, n + 1) {
            let flow = match item {
                Ok(c) => s.execute(&c, &mut ui),
                Err(e) => s.parse_error(&e, &mut ui),
            };
            if flow == Flow::Exit {
                return (s.config().cloned(), ui);
            }
        }
    }
    (s.config().cloned(), ui)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn export_reimports_identically(cfg in configs()) {
        let text = export(&cfg);
        let (again, ui) = reimport(&text);
        prop_assert_eq!(&ui.err, "", "export:\n{}", text);
        prop_assert_eq!(again.as_ref(), Some(&cfg), "export:\n{}", text);
    }
}

#[test]
fn spec_example_reimports() {
    // The spec's example has both a pool and dedicated-cpu, which zonecfg refuses; without
    // the pool it is a configuration zonecfg can make.
    let cfg = ZoneConfig {
        name: "rt".into(),
        pool: String::new(),
        ..crate::zonecfg::export::tests_support::example()
    };
    let (again, ui) = reimport(&export(&cfg));
    assert_eq!(ui.err, "");
    assert_eq!(again, Some(cfg));
}

#[test]
fn a_reimported_configuration_commits() {
    let repo = MemRepo::new();
    let text = "create -b\nset zonepath=/zones/rt\nset limitpriv=default,sys_time\nadd fs\nset dir=/data\nset special=/srv/data\nset type=lofs\nadd options [ro,nodevices]\nend\nadd net\nset address=192.168.0.9/24\nset physical=eth0\nend\nadd capped-memory\nset physical=1.5G\nset swap=2g\nend\nset cpu-shares=20\nadd attr\nset name=comment\nset type=string\nset value=\"my zone\"\nend\n";
    let r = run(&repo, "rt", Mode::File("rt.cfg".into()), text);
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    let saved = repo.get("rt").unwrap();
    let (again, ui) = reimport(&export(&saved));
    assert_eq!(ui.err, "");
    assert_eq!(again.as_ref(), Some(&saved));
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        word("add|cancel|clear|commit|create|delete|end|exit|export|help|info|remove|revert|select|set|verify"),
        word("fs|net|device|rctl|attr|dataset|dedicated-cpu|capped-cpu|capped-memory|admin|security-flags|inherit-pkg-dir"),
        word("zonename|zonepath|brand|autoboot|pool|limitpriv|ip-type|hostid|cpu-shares|max-lwps|dir|special|type|options|address|physical|match|name|value|ncpus|physical|swap|locked|user|auths|lower"),
        word("-F|-b|-t|-a|-f|-\\?|=|;|\\[|\\]|\\(|\\)|,|\"|/zones/[a-z]|[0-9]{1,3}[KMG]?|x"),
        word("\\(priv=privileged,limit=[0-9],action=(none|deny)\\)"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever is typed, the session answers with messages, never a panic, and the exit
    /// status is 0 or 1.
    #[test]
    fn random_input_never_panics(lines in vec(vec(fragment(), 0..8), 1..8), file_mode in any::<bool>()) {
        let repo = MemRepo::new().with_zone(
            ZoneConfig { name: "z".into(), zonepath: "/zones/z".into(), ..Default::default() },
            crate::state::ZoneState::Configured,
        );
        let input: String = lines.iter().map(|l| l.join(" ") + "\n").collect();
        let mode = if file_mode { Mode::File("f".into()) } else { Mode::Args };
        let r = run(&repo, "z", mode, &input);
        prop_assert!(r.code == 0 || r.code == 1);
    }
}
