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

/// A zoneadm operation, for the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Install,
    Uninstall,
    Clone,
    Verify,
    Ready,
    Boot,
    Halt,
    Reboot,
    Shutdown,
    Move,
    Detach,
    Attach,
    Mark,
    Apply,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Install => "install",
            Op::Uninstall => "uninstall",
            Op::Clone => "clone",
            Op::Verify => "verify",
            Op::Ready => "ready",
            Op::Boot => "boot",
            Op::Halt => "halt",
            Op::Reboot => "reboot",
            Op::Shutdown => "shutdown",
            Op::Move => "move",
            Op::Detach => "detach",
            Op::Attach => "attach",
            Op::Mark => "mark",
            Op::Apply => "apply",
        }
    }
}

/// Why an operation does not fit a zone's state; the text is zoneadm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// The one transition table: may `op` run on a zone in `state` (`force` is `-F`)? The
/// refusal texts are Solaris' (zoneadm `sanity_check`).
pub fn check(op: Op, state: ZoneState, force: bool) -> Result<(), Refusal> {
    use ZoneState::*;
    let live = state >= Ready;
    let refuse = |s: String| Err(Refusal(s));
    let invalid_live = || {
        refuse(format!(
            "{} operation is invalid for {} zones.",
            op.as_str(),
            state
        ))
    };
    match op {
        // Operations on the files of a halted zone.
        Op::Install | Op::Clone | Op::Uninstall | Op::Move | Op::Detach | Op::Attach | Op::Mark
            if live =>
        {
            invalid_live()
        }
        Op::Install | Op::Clone => match state {
            Installed => refuse("is already installed.".into()),
            Incomplete => refuse("zone is incomplete; uninstall required.".into()),
            _ => Ok(()),
        },
        Op::Uninstall => match state {
            Configured => refuse("is already in state 'configured'.".into()),
            _ => Ok(()),
        },
        Op::Attach => match state {
            Installed => refuse("is already installed.".into()),
            Incomplete if !force => refuse("zone is incomplete; uninstall required.".into()),
            _ => Ok(()),
        },
        Op::Verify => match state {
            Incomplete => refuse("zone is incomplete; uninstall required.".into()),
            _ => Ok(()),
        },
        Op::Ready | Op::Boot | Op::Move | Op::Detach => {
            if state < Installed {
                refuse(format!("must be installed before {}.", op.as_str()))
            } else {
                Ok(())
            }
        }
        Op::Mark => Ok(()),
        Op::Reboot | Op::Shutdown | Op::Apply => {
            if state >= Running && state <= Down || (op == Op::Apply && state == Ready) {
                Ok(())
            } else {
                refuse("not running".into())
            }
        }
        // Halt always works: it is how stale or half-made zones are cleaned up.
        Op::Halt => Ok(()),
    }
}

#[cfg(test)]
mod transition_tests {
    use super::*;
    use ZoneState::*;

    fn msg(op: Op, s: ZoneState) -> String {
        check(op, s, false).unwrap_err().0
    }

    #[test]
    fn install_and_uninstall() {
        assert!(check(Op::Install, Configured, false).is_ok());
        assert_eq!(msg(Op::Install, Installed), "is already installed.");
        assert_eq!(
            msg(Op::Install, Incomplete),
            "zone is incomplete; uninstall required."
        );
        assert_eq!(
            msg(Op::Install, Running),
            "install operation is invalid for running zones."
        );
        assert_eq!(
            msg(Op::Uninstall, Configured),
            "is already in state 'configured'."
        );
        assert!(check(Op::Uninstall, Incomplete, false).is_ok());
        assert_eq!(
            msg(Op::Uninstall, Ready),
            "uninstall operation is invalid for ready zones."
        );
    }

    #[test]
    fn lifecycle() {
        assert_eq!(msg(Op::Boot, Configured), "must be installed before boot.");
        assert_eq!(msg(Op::Boot, Incomplete), "must be installed before boot.");
        assert!(check(Op::Boot, Installed, false).is_ok());
        assert!(check(Op::Boot, Ready, false).is_ok());
        assert_eq!(
            msg(Op::Ready, Configured),
            "must be installed before ready."
        );
        assert_eq!(msg(Op::Reboot, Installed), "not running");
        assert_eq!(msg(Op::Shutdown, Ready), "not running");
        assert!(check(Op::Shutdown, Running, false).is_ok());
        for s in ZoneState::ALL {
            assert!(check(Op::Halt, s, false).is_ok());
        }
        assert_eq!(
            msg(Op::Verify, Incomplete),
            "zone is incomplete; uninstall required."
        );
        assert!(check(Op::Attach, Incomplete, true).is_ok());
        assert!(check(Op::Apply, Running, false).is_ok());
    }
}
