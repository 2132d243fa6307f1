//! Refusals several commands share: what the global zone does not have, and what an
//! installed zone no longer allows. Each `refuse_*` prints zonecfg's message and returns
//! true when the command must stop.

use super::{Session, Ui};
use crate::config::keywords::{PropName, ResourceType};
use crate::state::ZoneState;

/// Properties the global zone does not have (zonecfg's `gz_invalid_property()`).
pub(crate) fn property_invalid_for_global_zone(p: PropName) -> bool {
    use PropName::*;
    matches!(
        p,
        Zonename
            | Zonepath
            | Autoboot
            | Autoshutdown
            | Limitpriv
            | Bootargs
            | Brand
            | SchedulingClass
            | IpType
            | Hostid
            | FsAllowed
    )
}

impl Session<'_> {
    /// A property the global zone does not have, when editing the global zone.
    pub(super) fn refuse_global_property(&mut self, ui: &mut dyn Ui, p: PropName) -> bool {
        if self.global_zone && property_invalid_for_global_zone(p) {
            self.zerr(
                ui,
                &format!("{p} is not a valid property for the global zone."),
            );
            return true;
        }
        false
    }

    /// A resource the global zone cannot have, when editing the global zone.
    pub(super) fn refuse_global_resource(&mut self, ui: &mut dyn Ui, rt: ResourceType) -> bool {
        if self.global_zone && !rt.valid_in_global_zone() {
            self.zerr(
                ui,
                &format!("{rt} is not a valid resource for the global zone."),
            );
            return true;
        }
        false
    }

    /// `what` (`create`, `set brand`, `remove inherit-pkg-dir`, ...) once the zone is
    /// installed; also when its state cannot be read (which has been reported).
    pub(super) fn refuse_if_installed(&mut self, ui: &mut dyn Ui, what: &str) -> bool {
        match self.state_at_least(ui, ZoneState::Installed) {
            Err(()) => true,
            Ok(true) => {
                let msg = format!("Zone {} already installed; {what} not allowed.", self.zone);
                self.zerr(ui, &msg);
                true
            }
            Ok(false) => false,
        }
    }
}
