//! The `create` templates. `SYSdefault` and `SYSblank` ship inside the library (from
//! `templates/`) and are installed into `etc/zones` the first time a store is written, where
//! an administrator may adapt them; the Solaris 10/illumos names `SUNWdefault` and
//! `SUNWblank` stand for the same two.

use super::xml::from_xml;
use super::{Store, StoreError};
use crate::config::ZoneConfig;
use crate::fsio::atomic;
use std::path::Path;

/// A template shipped with the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinTemplate {
    pub name: &'static str,
    /// Its name on Solaris 10 and illumos.
    pub sunw_name: &'static str,
    pub xml: &'static str,
}

pub const SYSDEFAULT: BuiltinTemplate = BuiltinTemplate {
    name: "SYSdefault",
    sunw_name: "SUNWdefault",
    xml: include_str!("../../../templates/SYSdefault.xml"),
};

pub const SYSBLANK: BuiltinTemplate = BuiltinTemplate {
    name: "SYSblank",
    sunw_name: "SUNWblank",
    xml: include_str!("../../../templates/SYSblank.xml"),
};

pub const BUILTIN_TEMPLATES: [BuiltinTemplate; 2] = [SYSDEFAULT, SYSBLANK];

/// The built-in template `name` stands for, by its own or its Solaris 10 name.
pub fn builtin(name: &str) -> Option<BuiltinTemplate> {
    BUILTIN_TEMPLATES
        .into_iter()
        .find(|t| t.name == name || t.sunw_name == name)
}

impl BuiltinTemplate {
    /// The embedded copy, parsed.
    pub fn config(&self) -> Result<ZoneConfig, StoreError> {
        from_xml(
            self.xml,
            Path::new(&format!("<built-in {}.xml>", self.name)),
        )
    }
}

impl Store {
    /// Put the built-in templates into `etc/zones` unless files of those names are there.
    pub fn install_templates(&self) -> Result<(), StoreError> {
        self.ensure_config_dir()?;
        for t in BUILTIN_TEMPLATES {
            let path = self.zone_xml_path(t.name);
            if !path.exists() {
                atomic::create_atomic(&path, t.xml.as_bytes())?;
            }
        }
        Ok(())
    }

    /// A built-in template: `etc/zones/<name>.xml` if present (under the name asked for, then
    /// under its `SYS` name), else the embedded copy. `None` if `name` is not a built-in one.
    pub fn builtin_template(&self, name: &str) -> Result<Option<ZoneConfig>, StoreError> {
        let Some(t) = builtin(name) else {
            return Ok(None);
        };
        for file in [name, t.name] {
            if let Some(cfg) = self.read_zone_file(&self.zone_xml_path(file))? {
                return Ok(Some(cfg));
            }
        }
        t.config().map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IpType;

    #[test]
    fn embedded_templates_parse() {
        for (t, name) in [(SYSDEFAULT, "SYSdefault"), (SYSBLANK, "SYSblank")] {
            let c = t.config().unwrap();
            assert_eq!(
                c,
                ZoneConfig {
                    name: name.into(),
                    brand: "sparse".into(),
                    autoboot: false,
                    ip_type: IpType::Shared,
                    ..ZoneConfig::default()
                }
            );
            // The shipped files are exactly what the writer produces.
            assert_eq!(super::super::xml::to_xml(&c), t.xml);
        }
    }

    #[test]
    fn names_map_to_builtins() {
        assert_eq!(builtin("SYSdefault"), Some(SYSDEFAULT));
        assert_eq!(builtin("SUNWdefault"), Some(SYSDEFAULT));
        assert_eq!(builtin("SYSblank"), Some(SYSBLANK));
        assert_eq!(builtin("SUNWblank"), Some(SYSBLANK));
        assert_eq!(builtin("z1"), None);
    }

    #[test]
    fn installed_once_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.install_templates().unwrap();
        let path = store.zone_xml_path("SYSdefault");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), SYSDEFAULT.xml);
        let edited = SYSDEFAULT
            .xml
            .replace("autoboot=\"false\"", "autoboot=\"true\"");
        std::fs::write(&path, &edited).unwrap();
        store.install_templates().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
        // The installed, edited copy is what `create` gets, under either name.
        assert!(
            store
                .builtin_template("SUNWdefault")
                .unwrap()
                .unwrap()
                .autoboot
        );
        assert!(
            !store
                .builtin_template("SYSblank")
                .unwrap()
                .unwrap()
                .autoboot
        );
    }

    #[test]
    fn embedded_copy_when_nothing_installed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let c = store.builtin_template("SUNWblank").unwrap().unwrap();
        assert_eq!(c.name, "SYSblank");
        assert!(
            !store.config_dir().exists(),
            "reading must not create files"
        );
        assert_eq!(store.builtin_template("other").unwrap(), None);
    }

    #[test]
    fn a_sunw_file_takes_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.ensure_config_dir().unwrap();
        std::fs::write(
            store.zone_xml_path("SUNWdefault"),
            "<zone name=\"default\" zonepath=\"\" autoboot=\"false\" brand=\"ipkg\"/>",
        )
        .unwrap();
        let c = store.builtin_template("SUNWdefault").unwrap().unwrap();
        assert_eq!(c.brand, "ipkg");
        assert_eq!(
            store.builtin_template("SYSdefault").unwrap().unwrap().brand,
            "sparse"
        );
    }
}
