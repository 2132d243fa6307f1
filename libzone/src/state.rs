//! Zone states (spec §2.2). The persistent ones live in the index; the others describe a zone
//! that exists in the kernel (namespaces and a supervisor).

use std::fmt;

/// Solaris' zone states in their numeric order: `zoneadm list` filters by `state >= x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZoneState {
    Configured,
    Incomplete,
    Installed,
    Ready,
    Running,
    ShuttingDown,
    Down,
    Mounted,
}

impl ZoneState {
    pub const ALL: [ZoneState; 8] = [
        ZoneState::Configured,
        ZoneState::Incomplete,
        ZoneState::Installed,
        ZoneState::Ready,
        ZoneState::Running,
        ZoneState::ShuttingDown,
        ZoneState::Down,
        ZoneState::Mounted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Configured => "configured",
            ZoneState::Incomplete => "incomplete",
            ZoneState::Installed => "installed",
            ZoneState::Ready => "ready",
            ZoneState::Running => "running",
            ZoneState::ShuttingDown => "shutting_down",
            ZoneState::Down => "down",
            ZoneState::Mounted => "mounted",
        }
    }

    pub fn parse(s: &str) -> Option<ZoneState> {
        ZoneState::ALL.iter().copied().find(|z| z.as_str() == s)
    }

    /// Whether this state is kept in `etc/zones/index` (the rest exist only while running).
    pub fn is_persistent(self) -> bool {
        matches!(
            self,
            ZoneState::Configured | ZoneState::Incomplete | ZoneState::Installed
        )
    }
}

impl fmt::Display for ZoneState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_names() {
        assert!(ZoneState::Configured < ZoneState::Installed);
        assert!(ZoneState::Ready < ZoneState::Running);
        for s in ZoneState::ALL {
            assert_eq!(ZoneState::parse(s.as_str()), Some(s));
        }
        assert!(ZoneState::Installed.is_persistent());
        assert!(!ZoneState::Running.is_persistent());
    }
}
