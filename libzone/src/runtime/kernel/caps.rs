//! Reduce a process to a zone's capability set (from `limitpriv`), the way every zone
//! process starts: bounding set first (needs CAP_SETPCAP, which we still hold), then the
//! permitted/effective/inheritable sets, ambient cleared, and `no_new_privs` when planned.

pub use caps::CapsHashSet;
use caps::{CapSet, Capability};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum CapsError {
    #[error("unknown capability {0}")]
    Unknown(String),
    #[error("capabilities: {0}")]
    Kernel(String),
}

/// Parse capability names (`CAP_CHOWN`, case-insensitive, `CAP_` optional).
pub fn parse_set(names: &[String]) -> Result<CapsHashSet, CapsError> {
    names
        .iter()
        .map(|n| {
            Capability::from_str(&caps::to_canonical(n)).map_err(|_| CapsError::Unknown(n.clone()))
        })
        .collect()
}

/// Remove from the bounding set every capability not in `keep`: nothing executed afterwards
/// (set-uid programs included) can gain one of them.
pub fn limit_bounding(keep: &CapsHashSet) -> Result<(), CapsError> {
    for cap in caps::runtime::thread_all_supported().iter() {
        if !keep.contains(cap) {
            caps::drop(None, CapSet::Bounding, *cap)
                .map_err(|e| CapsError::Kernel(e.to_string()))?;
        }
    }
    Ok(())
}

/// Limit the calling thread to `keep` (intersected with what this kernel knows). Capabilities
/// the caller does not hold itself are silently absent afterwards: they could never be given.
pub fn limit_to(keep: &CapsHashSet) -> Result<(), CapsError> {
    let kerr = |e: caps::errors::CapsError| CapsError::Kernel(e.to_string());
    limit_bounding(keep)?;
    let held = caps::read(None, CapSet::Permitted).map_err(kerr)?;
    let target: CapsHashSet = keep.intersection(&held).copied().collect();
    caps::clear(None, CapSet::Ambient).map_err(kerr)?;
    caps::set(None, CapSet::Inheritable, &CapsHashSet::new()).map_err(kerr)?;
    caps::set(None, CapSet::Effective, &target).map_err(kerr)?;
    caps::set(None, CapSet::Permitted, &target).map_err(kerr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        let s = parse_set(&["CAP_CHOWN".into(), "kill".into(), "cap_net_raw".into()]).unwrap();
        assert!(s.contains(&Capability::CAP_CHOWN));
        assert!(s.contains(&Capability::CAP_KILL));
        assert!(s.contains(&Capability::CAP_NET_RAW));
        assert!(parse_set(&["CAP_BOGUS".into()]).is_err());
    }
}
