//! The runtime record of a zone that exists in the kernel (`var/run/zones/<zone>.state`,
//! JSON written atomically by its zoneadmd), read the way the tests need it.

use std::path::{Path, PathBuf};

/// A zone's runtime record: its text as written and the parsed value.
#[derive(Debug, Clone)]
pub struct Record {
    text: String,
    json: serde_json::Value,
}

impl Record {
    /// The record of `zone` under the alternate root `root`; `None` when there is none (or it
    /// is not JSON).
    pub fn read(root: &Path, zone: &str) -> Option<Record> {
        let text = std::fs::read_to_string(record_path(root, zone)).ok()?;
        Record::parse(&text)
    }

    /// A record from its text; `None` when it is not JSON.
    pub fn parse(text: &str) -> Option<Record> {
        let json = serde_json::from_str(text).ok()?;
        Some(Record {
            text: text.to_string(),
            json,
        })
    }

    /// The text as written (for messages, and to see that nothing changed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The pid of the process `key` names (`init`, `supervisor`); `None` for `"key": null`.
    pub fn pid(&self, key: &str) -> Option<i32> {
        let pid = self.json.get(key)?.get("pid")?.as_i64()?;
        i32::try_from(pid).ok()
    }

    /// The host pid of the zone's init.
    pub fn init_pid(&self) -> Option<i32> {
        self.pid("init")
    }

    /// The zone state the supervisor recorded (`ready`, `running`, ...).
    pub fn state(&self) -> Option<&str> {
        self.json.get("state")?.as_str()
    }

    /// The strings of the array `key`; empty when there is no such array.
    pub fn strings(&self, key: &str) -> Vec<String> {
        self.json.get(key).map(json_strings).unwrap_or_default()
    }

    /// The capability set zone processes get (`CAP_*` names).
    pub fn capabilities(&self) -> Vec<String> {
        self.strings("capabilities")
    }

    /// The zone's cgroup directories, one per hierarchy.
    pub fn cgroups(&self) -> Vec<PathBuf> {
        self.strings("cgroups")
            .into_iter()
            .map(PathBuf::from)
            .collect()
    }

    /// The zone's cgroup directory in the hierarchy that holds `controller` (`cpuacct`,
    /// `pids`, ...: alone or co-mounted, as in `cpu,cpuacct`); panics when there is none.
    pub fn cgroup_dir(&self, controller: &str) -> PathBuf {
        self.cgroups()
            .into_iter()
            .find(|d| {
                let d = d.to_string_lossy();
                d.contains(&format!("/{controller}/"))
                    || d.contains(&format!("/{controller},"))
                    || d.contains(&format!(",{controller}/"))
            })
            .unwrap_or_else(|| panic!("no {controller} cgroup in {}", self.text))
    }
}

/// `var/run/zones/<zone>.state` under the alternate root `root`.
pub fn record_path(root: &Path, zone: &str) -> PathBuf {
    root.join(format!("var/run/zones/{zone}.state"))
}

/// The strings of a JSON array; empty when `value` is not an array.
pub fn json_strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
