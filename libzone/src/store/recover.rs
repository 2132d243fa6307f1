//! Writes that survive being killed at any point. Every change to `etc/zones` happens under
//! the index lock, inside [`Store::writing`], which first notes in the lock file which
//! zones' files are about to change. The order of the writes makes each step a valid state
//! or one the repair below turns into one:
//!
//! - a zone's file is written before its index line (a new zone exists once its line does);
//! - a zone goes from the index before its file is removed (delete, the old name of a
//!   rename).
//!
//! So a writer killed half-way leaves at most temp files, a zone file the index lacks, or a
//! zone file whose zonepath the index does not show yet. Readers already treat a file
//! without an index line as no zone. Whoever takes the lock next finds the note and repairs:
//! temp files go, a noted zone's file without an index line goes (the create or rename never
//! happened, the delete did), and a noted zone's index zonepath follows its file (the commit
//! happened). A write that fails with an error is repaired the same way at once.

use super::index::Index;
use super::lock::IndexLock;
use super::{Store, StoreError};
use crate::config::GLOBAL_ZONE;
use crate::fsio::{atomic, crash_point};

impl Store {
    /// Run the writes of `f` under `lock`, noted as changing `zones`' files. On an error the
    /// half-done writes are repaired before returning it.
    pub(crate) fn writing<T>(
        &self,
        lock: &IndexLock,
        zones: &[&str],
        f: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        lock.note(zones)?;
        crash_point();
        match f() {
            Ok(v) => {
                lock.clear()?;
                Ok(v)
            }
            Err(e) => {
                let noted: Vec<String> = zones.iter().map(|z| z.to_string()).collect();
                // The error that stopped the write is the one to report; a failed repair is
                // retried by the next writer, since the note stays.
                let _ = self.recover_locked(lock, &noted);
                Err(e)
            }
        }
    }

    /// Repair what an interrupted write of `zones` left (see the module comment), then
    /// clear the note. The caller holds the index lock.
    pub(crate) fn recover_locked(
        &self,
        lock: &IndexLock,
        zones: &[String],
    ) -> Result<(), StoreError> {
        atomic::sweep_temps(&self.config_dir(), atomic::ZONECFG_PREFIX)?;
        let mut index = self.read_index_file()?;
        let mut index_changed = false;
        for zone in zones {
            if zone == GLOBAL_ZONE || !super::paths::storable_name(zone) {
                continue;
            }
            if super::templates::builtin(zone).is_some() {
                continue;
            }
            index_changed |= self.repair_zone(&mut index, zone)?;
        }
        if index_changed {
            atomic::write_atomic(&self.index_path(), index.format()?.as_bytes())?;
        }
        lock.clear()
    }

    /// Make `zone`'s file and index line agree; true when the index must be rewritten.
    fn repair_zone(&self, index: &mut Index, zone: &str) -> Result<bool, StoreError> {
        let path = self.zone_xml_path(zone);
        if index.get(zone).is_none() {
            // A damaged line may be this zone's: its file is the configuration to repair.
            if index.damaged_line_of(zone).is_none() {
                atomic::remove_durable(&path)?;
            }
            return Ok(false);
        }
        // A file that cannot be read is left for the administrator, as `load` reports it.
        let Ok(Some(cfg)) = self.read_zone_file(&path) else {
            return Ok(false);
        };
        match index.entries.iter_mut().find(|e| e.name == zone) {
            Some(e) if e.zonepath != cfg.zonepath => {
                e.zonepath = cfg.zonepath;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
