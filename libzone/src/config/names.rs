//! Zone names, zonepaths and brand names (spec §1.13).
//!
//! The rules follow libzonecfg's `zonecfg_validate_zonename()` and `zonecfg_set_zonepath()`
//! (zonepaths are also held to be canonical, as zoneadm's `validate_zonepath()` requires):
//! a name is 1..63 characters, starts with an ASCII letter or digit and continues with letters,
//! digits, `-`, `_` or `.`; `global` names the global zone and cannot be configured; names
//! starting with `SUNW` are reserved for system templates and read-only.

/// `ZONENAME_MAX`: a name must be shorter than this (the C buffer includes the NUL).
pub const ZONENAME_MAX: usize = 64;

/// The name of the global zone.
pub const GLOBAL: &str = "global";

/// The brand a zone gets when its configuration names none.
pub const DEFAULT_BRAND: &str = "sparse";

/// The brands this implementation knows: `sparse` (Solaris 10 sparse root, the default) and
/// `whole` (a private copy of a whole system).
pub const KNOWN_BRANDS: &[&str] = &["sparse", "whole"];

/// A zone name that zonecfg refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// libzonecfg's `Z_BOGUS_ZONE_NAME`, printed as `<name>: Bogus zone name`.
    #[error("{0}: Bogus zone name")]
    Bogus(String),
}

/// A zonepath that zonecfg refuses at `set zonepath=` (and verify refuses in a zone file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZonepathError {
    #[error("{0} is not an absolute path.")]
    NotAbsolute(String),
    #[error("/ is not allowed as a zonepath.")]
    Root,
    /// `.` or `..` components, `//`, a trailing `/`: the path would not name the directory it
    /// seems to (under an alternate root, `..` would even leave it). The canonical spelling
    /// is offered when there is one.
    #[error("{path} is not a canonical path{}.", canonical.as_ref().map(|c| format!("; use {c}")).unwrap_or_default())]
    NotCanonical {
        path: String,
        canonical: Option<String>,
    },
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Checks a name for a configurable (non-global) zone, as `set zonename=` and `create` do.
/// `global` is refused: it names the global zone, which is never created.
pub fn validate_zone_name(name: &str) -> Result<(), NameError> {
    let bogus = || Err(NameError::Bogus(name.to_string()));
    if name == GLOBAL || name.len() >= ZONENAME_MAX {
        return bogus();
    }
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if is_alnum(c) => {}
        _ => return bogus(),
    }
    if chars.all(|c| is_alnum(c) || c == '-' || c == '_' || c == '.') {
        Ok(())
    } else {
        bogus()
    }
}

/// Checks the argument of `zonecfg -z`: like [`validate_zone_name`] but `global` is accepted
/// (it selects the global zone's configuration, spec §1.14).
pub fn validate_cli_zone_name(name: &str) -> Result<(), NameError> {
    if name == GLOBAL {
        Ok(())
    } else {
        validate_zone_name(name)
    }
}

/// Names beginning with `SUNW` are system templates: zonecfg shows them but refuses changes
/// (`<zone>: zones beginning with SUNW are read-only.`).
pub fn is_read_only_name(name: &str) -> bool {
    name.starts_with("SUNW")
}

/// Pool names beginning with `SUNW` are reserved for the temporary pools of `dedicated-cpu`.
pub fn is_reserved_pool_name(name: &str) -> bool {
    name.starts_with("SUNW")
}

/// The check `set zonepath=` applies before storing the value, and verify applies to a
/// zonepath read from a zone file: an absolute, canonical path other than `/`.
pub fn check_zonepath(path: &str) -> Result<(), ZonepathError> {
    if !path.starts_with('/') {
        return Err(ZonepathError::NotAbsolute(path.to_string()));
    }
    if path.chars().all(|c| c == '/') {
        return Err(ZonepathError::Root);
    }
    let canonical = path[1..]
        .split('/')
        .all(|c| !c.is_empty() && c != "." && c != "..")
        && !path.contains('\0');
    if canonical {
        return Ok(());
    }
    let spelled = lexical_canonical(path);
    Err(ZonepathError::NotCanonical {
        path: path.to_string(),
        canonical: (spelled != "/" && !spelled.contains('\0')).then_some(spelled),
    })
}

/// The canonical spelling of an absolute path, without looking at the file system: empty and
/// `.` components dropped, `..` taking away the one before it (never above `/`).
fn lexical_canonical(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `brand` is one this implementation can install and boot.
pub fn is_known_brand(brand: &str) -> bool {
    KNOWN_BRANDS.contains(&brand)
}

/// The brand a configuration runs with: its own, or [`DEFAULT_BRAND`] when unset.
pub fn effective_brand(brand: &str) -> &str {
    if brand.is_empty() {
        DEFAULT_BRAND
    } else {
        brand
    }
}

/// Whether zones of `brand` may have their own IP stack. Both our brands can (a network
/// namespace is independent of how the root file system is built).
pub fn brand_allows_exclusive(brand: &str) -> bool {
    is_known_brand(effective_brand(brand))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names() {
        for ok in ["a", "web01", "Z", "0zone", "a-b_c.d", &"x".repeat(63)] {
            assert_eq!(validate_zone_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "_a",
            ".a",
            "a b",
            "a/b",
            "a:b",
            "global",
            &"x".repeat(64),
        ] {
            assert_eq!(
                validate_zone_name(bad),
                Err(NameError::Bogus(bad.to_string())),
                "{bad}"
            );
        }
        assert_eq!(
            NameError::Bogus("-x".into()).to_string(),
            "-x: Bogus zone name"
        );
        assert!(validate_cli_zone_name("global").is_ok());
        assert!(validate_cli_zone_name("SUNWdefault").is_ok());
        assert!(is_read_only_name("SUNWblank"));
        assert!(!is_read_only_name("SUN"));
    }

    #[test]
    fn zonepaths() {
        assert_eq!(check_zonepath("/zones/a"), Ok(()));
        assert_eq!(check_zonepath("/a.b/..c/.d"), Ok(()));
        assert_eq!(
            check_zonepath("zones/a").unwrap_err().to_string(),
            "zones/a is not an absolute path."
        );
        assert_eq!(
            check_zonepath("//").unwrap_err().to_string(),
            "/ is not allowed as a zonepath."
        );
        for (bad, shown) in [
            (
                "/zones/../../x",
                "/zones/../../x is not a canonical path; use /x.",
            ),
            (
                "/zones/./a",
                "/zones/./a is not a canonical path; use /zones/a.",
            ),
            (
                "//zones//a",
                "//zones//a is not a canonical path; use /zones/a.",
            ),
            (
                "/zones/a/",
                "/zones/a/ is not a canonical path; use /zones/a.",
            ),
            ("/zones/..", "/zones/.. is not a canonical path."),
            ("/a/\0/b", "/a/\0/b is not a canonical path."),
        ] {
            assert_eq!(check_zonepath(bad).unwrap_err().to_string(), shown, "{bad}");
        }
    }

    #[test]
    fn brands() {
        assert!(is_known_brand("sparse"));
        assert!(is_known_brand("whole"));
        assert!(!is_known_brand("ipkg"));
        assert_eq!(effective_brand(""), "sparse");
        assert_eq!(effective_brand("whole"), "whole");
        assert!(brand_allows_exclusive(""));
    }
}
