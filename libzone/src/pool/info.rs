//! The text of `poolcfg -c info` and `pooladm` (libpool's `pool_conf_info()`,
//! `pool_info()`, `pool_resource_info()`, `pool_component_info()`), byte for byte: each
//! element starts on a new line after a blank one, properties one tab deeper as
//! `<type>\t<name> <value>`, nested elements one tab deeper again.

use super::model::{ElemRef, PoolConfig, Props};
use super::props::{self, is_private_name, ElemClass};

struct Writer {
    out: String,
    tabs: String,
}

/// The whole configuration: the system, its pools (with the name of their set) and its
/// processor sets (with their CPUs).
pub fn conf_info(cfg: &PoolConfig) -> String {
    render(cfg, ElemRef::System)
}

/// One pool, followed by its processor set and that set's CPUs.
pub fn pool_info(cfg: &PoolConfig, pool: usize) -> String {
    render(cfg, ElemRef::Pool(pool))
}

/// One processor set and its CPUs.
pub fn pset_info(cfg: &PoolConfig, pset: usize) -> String {
    render(cfg, ElemRef::Pset(pset))
}

/// One CPU.
pub fn cpu_info(cfg: &PoolConfig, cpu: ElemRef) -> String {
    render(cfg, cpu)
}

fn render(cfg: &PoolConfig, elem: ElemRef) -> String {
    let mut w = Writer {
        out: String::new(),
        tabs: String::new(),
    };
    element(cfg, elem, true, &mut w);
    w.out
}

fn element(cfg: &PoolConfig, elem: ElemRef, deep: bool, w: &mut Writer) {
    let class = elem.class();
    let Some(props) = cfg.props(elem) else {
        return;
    };
    w.out.push('\n');
    w.out.push_str(&w.tabs);
    w.out.push_str(class.as_str());
    if let Some(name) = props.str(&format!("{}.name", class.as_str())) {
        w.out.push(' ');
        w.out.push_str(name);
    }
    for (name, value) in displayed(class, props) {
        w.out.push('\n');
        w.out.push_str(&w.tabs);
        w.out.push('\t');
        w.out.push_str(value.ty().tag());
        w.out.push('\t');
        w.out.push_str(name);
        w.out.push(' ');
        w.out.push_str(&value.info_text());
    }
    w.out.push('\n');
    if let ElemRef::Pool(i) = elem {
        if let Some(ps) = cfg.pool_pset(i) {
            w.out.push('\t');
            w.out.push_str(&w.tabs);
            w.out.push_str("pset\t");
            w.out.push_str(cfg.psets[ps].name());
            w.out.push('\n');
        }
    }
    if !deep {
        return;
    }
    w.tabs.push('\t');
    match elem {
        ElemRef::System => {
            for i in 0..cfg.pools.len() {
                element(cfg, ElemRef::Pool(i), false, w);
            }
            for i in 0..cfg.psets.len() {
                element(cfg, ElemRef::Pset(i), true, w);
            }
        }
        ElemRef::Pool(i) => {
            if let Some(ps) = cfg.pool_pset(i) {
                element(cfg, ElemRef::Pset(ps), true, w);
            }
        }
        ElemRef::Pset(i) => {
            for c in 0..cfg.psets[i].cpus.len() {
                element(cfg, ElemRef::Cpu { pset: i, cpu: c }, false, w);
            }
        }
        ElemRef::Cpu { .. } => {}
    }
    w.tabs.pop();
}

/// The properties `info` shows, in libpool's order: the managed ones in table order, then
/// the others as stored; never hidden or private ones, the element's own name or `type`.
fn displayed(class: ElemClass, props: &Props) -> Vec<(&str, &super::value::PropValue)> {
    let own_name = format!("{}.name", class.as_str());
    let table = props::table(class);
    let mut shown = Vec::new();
    for spec in table {
        if spec.hidden || spec.name == own_name {
            continue;
        }
        if let Some(p) = props.iter().find(|p| p.name == spec.name) {
            shown.push((p.name.as_str(), &p.value));
        }
    }
    for p in props.iter() {
        let managed = table.iter().any(|s| s.name == p.name);
        if managed || p.name == own_name || p.name == "type" || is_private_name(&p.name) {
            continue;
        }
        shown.push((p.name.as_str(), &p.value));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::value::PropValue;

    #[test]
    fn create_system_tester() {
        let cfg = PoolConfig::new("tester");
        assert_eq!(
            conf_info(&cfg),
            "\nsystem tester\n\tstring\tsystem.comment \n\tint\tsystem.version 1\n\
             \tboolean\tsystem.bind-default true\n"
        );
    }

    #[test]
    fn dynamic_layout() {
        let mut cfg = PoolConfig::with_defaults("default", &[0]);
        cfg.psets[0].props.set("pset.load", PropValue::Uint(10));
        let want = "\nsystem default\n\tstring\tsystem.comment \n\tint\tsystem.version 1\n\
            \tboolean\tsystem.bind-default true\n\
            \n\tpool pool_default\n\t\tint\tpool.sys_id 0\n\t\tboolean\tpool.active true\n\
            \t\tboolean\tpool.default true\n\t\tint\tpool.importance 1\n\
            \t\tstring\tpool.comment \n\t\tpset\tpset_default\n\
            \n\tpset pset_default\n\t\tint\tpset.sys_id -1\n\t\tboolean\tpset.default true\n\
            \t\tuint\tpset.min 1\n\t\tuint\tpset.max 65536\n\t\tstring\tpset.units population\n\
            \t\tuint\tpset.load 10\n\t\tuint\tpset.size 1\n\t\tstring\tpset.comment \n\
            \n\t\tcpu\n\t\t\tint\tcpu.sys_id 0\n\t\t\tstring\tcpu.comment \n\
            \t\t\tstring\tcpu.status on-line\n";
        assert_eq!(conf_info(&cfg), want);
    }

    #[test]
    fn user_properties_follow_managed_ones() {
        let mut cfg = PoolConfig::with_defaults("h", &[0]);
        cfg.pools[0].props.set("zz.user", PropValue::Float(1.5));
        cfg.pools[0]
            .props
            .set("pool.scheduler", PropValue::Str("FSS".into()));
        cfg.pools[0].props.set("pool._hidden", PropValue::Int(1));
        let text = pool_info(&cfg, 0);
        let want_head = "\npool pool_default\n\tint\tpool.sys_id 0\n\tboolean\tpool.active true\n\
            \tboolean\tpool.default true\n\tstring\tpool.scheduler FSS\n\
            \tint\tpool.importance 1\n\tstring\tpool.comment \n\tfloat\tzz.user 1.5\n\
            \tpset\tpset_default\n\n\tpset pset_default\n";
        assert!(text.starts_with(want_head), "{text}");
        assert!(!text.contains("_hidden"));
    }

    #[test]
    fn cpu_and_pset_alone() {
        let cfg = PoolConfig::with_defaults("h", &[0, 1]);
        let cpu = cfg.find_cpu(1).unwrap();
        assert_eq!(
            cpu_info(&cfg, cpu),
            "\ncpu\n\tint\tcpu.sys_id 1\n\tstring\tcpu.comment \n\tstring\tcpu.status on-line\n"
        );
        let ps = pset_info(&cfg, 0);
        assert!(ps.starts_with("\npset pset_default\n\tint\tpset.sys_id -1\n"));
        assert!(ps.contains("\tstring\tpset.comment \n\n\tcpu\n\t\tint\tcpu.sys_id 0\n"));
        assert!(ps.ends_with("\n\n\tcpu\n\t\tint\tcpu.sys_id 1\n\t\tstring\tcpu.comment \n\t\tstring\tcpu.status on-line\n"));
    }
}
