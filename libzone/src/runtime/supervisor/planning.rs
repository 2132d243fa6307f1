//! What zoneadmd reads of a zone's configuration, and the only place it reads it: the
//! configuration is loaded, the zone bound to its pool, and both compiled into the plan
//! (illumos' zoneadmd reads libzonecfg at the same point, in `vplat_bringup`). Everything
//! after that reads the plan alone: making the zone (`platform::zone::ready` takes a `Plan`
//! and nothing of the configuration), applying its controls (`platform::zone::apply_limits`),
//! and the runtime record that zoneadm and zlogin read (capabilities, `no_new_privs`, brand,
//! pool).
//!
//! A loaded configuration is a [`Config`], whose fields no one outside this file can read;
//! the evidence that the rest of the runtime never reads a configuration field is the test
//! `the_runtime_reads_the_configuration_only_here` below, which reads the runtime's sources.

use super::error::SupervisorError;
use crate::config::ZoneConfig;
use crate::host::HostFacts;
use crate::plan::{self, Placement, Plan, PoolBinding};
use crate::pool::zones::{self, BindingLock};
use crate::pool::CpusetKernel;
use crate::store::Repository;
use std::path::{Path, PathBuf};

/// A zone's configuration, loaded for planning. Opaque: it becomes a plan, or tells the pool
/// binding it asks for, and nothing else.
pub struct Config {
    cfg: ZoneConfig,
}

/// A zone planned for a boot or an `apply`: the plan, compiled with the pool binding made
/// for it, that binding's warning for the administrator (the zone still boots), and the
/// binding itself, held until the zone is made (see [`PendingBinding`]).
pub struct Planned {
    pub plan: Plan,
    pub warning: Option<String>,
    pub binding: PendingBinding,
}

impl Config {
    /// The configuration of `zone`, as its repository has it now.
    pub fn load(repo: &dyn Repository, zone: &str) -> Result<Config, SupervisorError> {
        let cfg = repo
            .load(zone)?
            .ok_or_else(|| SupervisorError::NoSuchZone(zone.to_string()))?;
        Ok(Config { cfg })
    }

    /// The pool binding the configuration asks for.
    pub fn pool_binding(&self) -> PoolBinding {
        plan::pool_binding(&self.cfg)
    }

    /// Bind the zone to its pool, then compile the plan with the CPUs that gave it. When the
    /// compile fails, what the binding made (a temporary pool) goes again.
    pub fn plan(self, altroot: &Path) -> Result<Planned, SupervisorError> {
        let cfg = self.cfg;
        let facts = HostFacts::probe(!cfg.devices.is_empty());
        let want = plan::pool_binding(&cfg);
        let (bound, turn) =
            zones::bind_zone(altroot, CpusetKernel::new(altroot)?, &cfg.name, &want)?;
        let binding = PendingBinding {
            altroot: altroot.to_path_buf(),
            zone: cfg.name.clone(),
            want,
            turn: Some(turn),
            armed: true,
        };
        let mut plan = plan::compile_bound(&cfg, &facts, altroot, &bound.placement())?;
        identify(&mut plan, altroot);
        Ok(Planned {
            plan,
            warning: bound.warning,
            binding,
        })
    }

    /// The plan of a running zone whose supervisor died, as the one adopting it holds it:
    /// today's configuration, placed in the pool its runtime record names. Nothing is bound
    /// anew (the zone's cgroup keeps the CPUs it has; the plan leaves them unsaid).
    pub fn plan_adopted(
        self,
        altroot: &Path,
        pool: Option<String>,
    ) -> Result<Plan, SupervisorError> {
        let facts = HostFacts::probe(!self.cfg.devices.is_empty());
        let placement = Placement { pool, cpus: None };
        let mut plan = plan::compile_bound(&self.cfg, &facts, altroot, &placement)?;
        identify(&mut plan, altroot);
        Ok(plan)
    }
}

/// The zone's UUID from the index into its plan (see [`Plan::identify`]); a zone without one
/// in the index boots without it.
fn identify(plan: &mut Plan, altroot: &Path) {
    let store = crate::store::Store::new(altroot);
    if let Ok(Some(entry)) = store.entry(&plan.zone.name) {
        plan.identify(&entry.uuid);
    }
}

/// Undo what binding `zone` as `want` made (its temporary pool). The caller holds no
/// bindings lock.
pub fn unbind(altroot: &Path, zone: &str, want: &PoolBinding) -> Result<(), SupervisorError> {
    Ok(zones::unbind_zone(
        altroot,
        CpusetKernel::new(altroot)?,
        zone,
        want,
    )?)
}

/// A zone's pool binding while the zone is being made: should it not be made, a temporary
/// pool created for it is released again, after the bindings lock held meanwhile is let go
/// (releasing takes it).
pub struct PendingBinding {
    altroot: PathBuf,
    zone: String,
    want: PoolBinding,
    turn: Option<BindingLock>,
    armed: bool,
}

impl PendingBinding {
    /// The zone is made: the binding stays; the lock is the caller's to let go.
    pub fn keep(mut self) -> Option<BindingLock> {
        self.armed = false;
        self.turn.take()
    }
}

impl Drop for PendingBinding {
    fn drop(&mut self) {
        drop(self.turn.take());
        if self.armed {
            let _ = unbind(&self.altroot, &self.zone, &self.want);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// zoneadmd's boot reads no configuration field outside the plan: of the runtime's
    /// sources, only this file names the configuration model, loads a zone's configuration,
    /// probes the host or compiles a plan. (`platform::global` reads the global zone's
    /// configuration, and the running zones' shares from theirs, for the zones' parent
    /// cgroup: that is the host's control, not the zone's.) Test code is not looked at.
    #[test]
    fn the_runtime_reads_the_configuration_only_here() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/runtime");
        let mut files = Vec::new();
        sources(&root, &mut files);
        assert!(
            files.len() > 10,
            "runtime sources not found in {}",
            root.display()
        );
        let forbidden = [
            "ZoneConfig",
            "crate::config::",
            "HostFacts",
            "plan::compile",
            "compile_bound",
            "repo.load",
            ".load(&",
            "Repository",
            "plan::pool_binding",
        ];
        let allowed = ["supervisor/planning.rs", "platform/global.rs"];
        let mut found = Vec::new();
        for f in &files {
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if allowed.contains(&rel.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(f).unwrap();
            // The code before the file's unit tests (which build plans to test with).
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                let trimmed = line.trim_start();
                if trimmed.starts_with("//") {
                    continue;
                }
                for pat in forbidden {
                    // The supervisor holds the repository it hands to the planning step.
                    let passing = rel == "supervisor/mod.rs" && pat == "Repository";
                    if line.contains(pat) && !passing {
                        found.push(format!("{rel}:{}: {pat}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "the runtime reads a zone's configuration outside supervisor/planning.rs:\n  {}",
            found.join("\n  ")
        );
    }
}
