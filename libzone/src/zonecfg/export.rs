//! The `export` command's output (spec §1.11, illumos `export_func()`): zonecfg commands that
//! re-create the configuration when run with `zonecfg -z <zone> -f <file>`.
//!
//! Differences from illumos, all so that the output always re-reads into an identical
//! configuration:
//! - every value is quoted when the lexer would otherwise split or misread it (the parser's
//!   [`quote_value`]; illumos quotes only values containing a blank, so
//!   `set match=/dev/cua/a00[2-5]` does not re-read there);
//! - `set brand=` is written whenever a brand is set (illumos omits the legacy `native`);
//! - the `capped-memory` physical cap is written with units (`50M`) only when that reads back
//!   as the same number of bytes, otherwise as a plain byte count;
//! - the global zone's export holds only what the global zone accepts (`pool` and the
//!   resource controls and resources), without `create -b`.

use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::*;
use crate::config::resources::{ListResource, EXPORT_ORDER};
use crate::config::units;
use crate::zonecfg::parser::quote_value;

fn set(out: &mut String, prop: &str, value: &str) {
    if !value.is_empty() {
        out.push_str(&format!("set {prop}={}\n", quote_value(value)));
    }
}

/// `add <rt>`, its properties that are set, what `more` writes (list properties), `end`.
fn add(
    out: &mut String,
    rt: ResourceType,
    values: &[(PropName, std::borrow::Cow<'_, str>)],
    more: impl FnOnce(&mut String),
) {
    out.push_str(&format!("add {rt}\n"));
    for (p, v) in values {
        set(out, p.as_str(), v);
    }
    more(out);
    out.push_str("end\n");
}

/// The physical cap as `export` writes it: with units when they re-read exactly.
fn physcap_text(stored: &str) -> String {
    let bytes = units::leading_number(stored);
    let pretty = units::bytes_to_units(bytes);
    if units::parse_bytes(&pretty) == Ok(bytes) {
        pretty
    } else {
        bytes.to_string()
    }
}

/// The commands that re-create `cfg`.
pub fn export(cfg: &ZoneConfig) -> String {
    let mut s = String::new();
    let global = cfg.is_global();
    if !global {
        s.push_str("create -b\n");
        set(&mut s, "zonepath", &cfg.zonepath);
        set(&mut s, "brand", &cfg.brand);
        s.push_str(&format!(
            "set autoboot={}\n",
            if cfg.autoboot { "true" } else { "false" }
        ));
        if cfg.autoshutdown != AutoShutdown::default() {
            set(&mut s, "autoshutdown", cfg.autoshutdown.as_str());
        }
        set(&mut s, "bootargs", &cfg.bootargs);
    }
    set(&mut s, "pool", &cfg.pool);
    if !global {
        set(&mut s, "limitpriv", &cfg.limitpriv);
        set(&mut s, "scheduling-class", &cfg.scheduling_class);
        s.push_str(&format!("set ip-type={}\n", cfg.ip_type.as_str()));
        set(&mut s, "hostid", &cfg.hostid);
        set(&mut s, "fs-allowed", &cfg.fs_allowed);
    }
    for rt in EXPORT_ORDER {
        resources(&mut s, cfg, rt);
    }
    s
}

/// `add <rt>` blocks of a list type, with only its single-valued properties.
fn plain<R: ListResource>(out: &mut String, cfg: &ZoneConfig) {
    for r in R::all(cfg) {
        add(out, R::TYPE, &r.props(), |_| {});
    }
}

/// The blocks of every resource of type `rt`.
fn resources(s: &mut String, cfg: &ZoneConfig, rt: ResourceType) {
    match rt {
        ResourceType::InheritPkgDir => plain::<InheritPkgDir>(s, cfg),
        ResourceType::Fs => {
            for fs in &cfg.fs {
                add(s, rt, &fs.props(), |s| {
                    for opt in &fs.options {
                        s.push_str(&format!("add options {}\n", quote_value(opt)));
                    }
                });
            }
        }
        ResourceType::Net => plain::<Net>(s, cfg),
        ResourceType::Anet => plain::<Anet>(s, cfg),
        ResourceType::Device => plain::<Device>(s, cfg),
        ResourceType::CappedMemory => {
            // swap and locked are rctls, exported with them.
            if let Some(mcap) = &cfg.mcap {
                s.push_str("add capped-memory\n");
                s.push_str(&format!("set physical={}\n", physcap_text(&mcap.physcap)));
                s.push_str("end\n");
            }
        }
        ResourceType::Rctl => {
            for r in &cfg.rctls {
                add(s, rt, &r.props(), |s| {
                    for v in &r.values {
                        s.push_str(&format!(
                            "add value (priv={},limit={},action={})\n",
                            v.privilege, v.limit, v.action
                        ));
                    }
                });
            }
        }
        ResourceType::Attr => plain::<Attr>(s, cfg),
        ResourceType::Dataset => plain::<Dataset>(s, cfg),
        ResourceType::DedicatedCpu => {
            if let Some(p) = &cfg.dedicated_cpu {
                s.push_str("add dedicated-cpu\n");
                if p.ncpu_min == p.ncpu_max {
                    s.push_str(&format!("set ncpus={}\n", p.ncpu_max));
                } else {
                    s.push_str(&format!("set ncpus={}-{}\n", p.ncpu_min, p.ncpu_max));
                }
                set(s, "importance", &p.importance);
                s.push_str("end\n");
            }
        }
        ResourceType::Admin => plain::<Admin>(s, cfg),
        ResourceType::SecurityFlags => {
            if let Some(f) = &cfg.security_flags {
                s.push_str("add security-flags\n");
                set(s, "lower", &f.lower);
                set(s, "default", &f.default);
                set(s, "upper", &f.upper);
                s.push_str("end\n");
            }
        }
        // Exported as its rctl, `zone.cpu-cap`.
        ResourceType::CappedCpu => {}
    }
}

/// Configurations shared by the tests of several modules.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::config::model::*;

    /// An rctl value `(priv=p,limit=l,action=a)`.
    pub(crate) fn rv(p: &str, l: &str, a: &str) -> RctlValue {
        RctlValue {
            privilege: p.into(),
            limit: l.into(),
            action: a.into(),
        }
    }

    /// The configuration of the spec §1.11 example.
    pub(crate) fn example() -> ZoneConfig {
        ZoneConfig {
            name: "my-zone3".into(),
            zonepath: "/export/home/my-zone3".into(),
            brand: "sparse".into(),
            autoboot: true,
            bootargs: "-m verbose".into(),
            pool: "mypool".into(),
            limitpriv: "default,sys_time".into(),
            scheduling_class: "FSS".into(),
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
            mcap: Some(Mcap {
                physcap: (50u64 << 20).to_string(),
            }),
            rctls: vec![
                Rctl {
                    name: "zone.cpu-shares".into(),
                    values: vec![rv("privileged", "5", "none")],
                },
                Rctl {
                    name: "zone.max-swap".into(),
                    values: vec![rv("privileged", "104857600", "deny")],
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
            dedicated_cpu: Some(DedicatedCpu {
                ncpu_min: "1".into(),
                ncpu_max: "3".into(),
                importance: "2".into(),
            }),
            admins: vec![Admin {
                user: "zadmin".into(),
                auths: "login,manage".into(),
            }],
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::{example, rv};
    use super::*;

    /// Spec §1.11 line for line, except for the `match` value, quoted so that it re-reads,
    /// and the brand name.
    #[test]
    fn spec_example() {
        let expected = r#"create -b
set zonepath=/export/home/my-zone3
set brand=sparse
set autoboot=true
set bootargs="-m verbose"
set pool=mypool
set limitpriv=default,sys_time
set scheduling-class=FSS
set ip-type=shared
add fs
set dir=/usr/local
set special=/opt/local
set type=lofs
add options ro
add options nodevices
end
add net
set address=192.168.0.1/24
set physical=eri0
end
add device
set match="/dev/cua/a00[2-5]"
end
add capped-memory
set physical=50M
end
add rctl
set name=zone.cpu-shares
add value (priv=privileged,limit=5,action=none)
end
add rctl
set name=zone.max-swap
add value (priv=privileged,limit=104857600,action=deny)
end
add attr
set name=comment
set type=string
set value="hello world"
end
add dataset
set name=tank/zone1
end
add dedicated-cpu
set ncpus=1-3
set importance=2
end
add admin
set user=zadmin
set auths=login,manage
end
"#;
        assert_eq!(export(&example()), expected);
    }

    #[test]
    fn quoting() {
        let c = ZoneConfig {
            name: "q".into(),
            bootargs: "-m verbose".into(),
            fs: vec![Fs {
                dir: "/a".into(),
                special: "/b".into(),
                fstype: "lofs".into(),
                options: vec!["retry=5".into(), "ro".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let out = export(&c);
        assert!(out.contains("set bootargs=\"-m verbose\"\n"));
        assert!(out.contains("add options \"retry=5\"\nadd options ro\n"));
    }

    #[test]
    fn physical_cap_reads_back() {
        assert_eq!(physcap_text("52428800"), "50M");
        assert_eq!(physcap_text("1610612736"), "1.5G");
        // 1M + 1 byte would print as 1.0M, which reads back as 1M.
        assert_eq!(physcap_text("1048577"), "1048577");
    }

    #[test]
    fn global_zone_export() {
        let g = ZoneConfig {
            name: "global".into(),
            pool: "pool_default".into(),
            rctls: vec![Rctl {
                name: "zone.cpu-shares".into(),
                values: vec![rv("privileged", "10", "none")],
            }],
            ..Default::default()
        };
        assert_eq!(
            export(&g),
            "set pool=pool_default\nadd rctl\nset name=zone.cpu-shares\nadd value (priv=privileged,limit=10,action=none)\nend\n"
        );
    }
}
