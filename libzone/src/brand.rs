//! Brands: what kind of root a zone gets. A brand is data (`templates/brands/*.json`, built
//! into the library) rather than code paths spread through the runtime.

use serde::Deserialize;

/// How a brand's zones start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitKind {
    /// Our small built-in init (`zinit`), started from outside the zone.
    Builtin,
    /// A program inside the zone, e.g. `/sbin/init`.
    Program(String),
}

#[derive(Debug, Clone, Deserialize)]
struct BrandFile {
    name: String,
    description: String,
    inherit: Vec<String>,
    inherit_host_system_dirs: bool,
    skeleton: bool,
    init: String,
    ip_types: Vec<String>,
}

/// A brand as the rest of the library sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub name: String,
    pub description: String,
    /// Host directories bound read-only into every zone of this brand.
    pub inherit: Vec<String>,
    /// Whether the host's `/bin`, `/sbin`, `/lib*` are reproduced (symlinks into `/usr` on a
    /// merged-/usr host, read-only binds otherwise).
    pub inherit_host_system_dirs: bool,
    /// Whether `install` lays down our skeleton (`/etc`, `/root`, `/tmp`, ...).
    pub skeleton: bool,
    pub init: InitKind,
    pub ip_types: Vec<String>,
}

const BRAND_FILES: [&str; 2] = [
    include_str!("../../templates/brands/sparse.json"),
    include_str!("../../templates/brands/whole.json"),
];

/// The default brand of `create` (template `SYSdefault`).
pub const DEFAULT_BRAND: &str = "sparse";

fn parse(text: &str) -> Option<Brand> {
    let f: BrandFile = serde_json::from_str(text).ok()?;
    Some(Brand {
        name: f.name,
        description: f.description,
        inherit: f.inherit,
        inherit_host_system_dirs: f.inherit_host_system_dirs,
        skeleton: f.skeleton,
        init: if f.init == "builtin" {
            InitKind::Builtin
        } else {
            InitKind::Program(f.init)
        },
        ip_types: f.ip_types,
    })
}

/// All known brands.
pub fn all() -> Vec<Brand> {
    BRAND_FILES.iter().filter_map(|t| parse(t)).collect()
}

/// The brand called `name` (an empty name is the default brand).
pub fn lookup(name: &str) -> Option<Brand> {
    let name = if name.is_empty() { DEFAULT_BRAND } else { name };
    all().into_iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_brands_parse() {
        assert_eq!(all().len(), BRAND_FILES.len());
        let sparse = lookup("sparse").unwrap();
        assert_eq!(sparse.init, InitKind::Builtin);
        assert_eq!(sparse.inherit, vec!["/usr".to_string()]);
        assert_eq!(lookup("").unwrap().name, "sparse");
        assert_eq!(
            lookup("whole").unwrap().init,
            InitKind::Program("/sbin/init".into())
        );
        assert!(lookup("native").is_none());
    }
}
