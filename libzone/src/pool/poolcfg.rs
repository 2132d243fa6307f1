//! Running a poolcfg script (`poolcfg -c`/`-f`) against a configuration: each command runs
//! as soon as it is parsed, with poolcfg's exact messages; any error stops the script.
//! Changes are kept in memory and written only when the whole script succeeded and the
//! result passes strict validation, so a failing script leaves the target untouched.
//! A static file is locked from before it is read until the script is done, so parallel
//! poolcfg runs on one file apply one after the other instead of overwriting each other.

use super::error::{io_reason, PoolError, PoolErrorCode};
use super::facility::{load_static, Facility};
use super::info;
use super::kernel::PoolKernel;
use super::lexer::LexError;
use super::model::{ElemRef, PoolConfig};
use super::parser::{Command, Entity, ParseError, Parser, PropOp};
use super::state::DYNAMIC_LOCATION;
use super::value::{c_strtoll_digits, PropValue};
use super::xml::{self, Scope};
use crate::fsio::atomic::{sweep_temps, write_atomic_as};
use crate::fsio::lock::{lock_replaced_file, FileLock};
use crate::fsio::PathError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How a target configuration opened.
pub enum Opened {
    /// Readable and writable.
    ReadWrite(PoolConfig),
    /// Readable only: editing commands fail with the reason given.
    ReadOnly(PoolConfig, String),
    /// Not readable: every command but `create system` and `discover` fails.
    Failed(String),
}

/// What a poolcfg script edits: a static configuration file or the dynamic configuration.
pub trait ConfigTarget {
    /// The name messages use: the file, or `/dev/poolctl`.
    fn location(&self) -> String;
    fn is_dynamic(&self) -> bool;
    /// Read the configuration, before any command runs; a target may lock it here until
    /// it is dropped.
    fn open(&mut self) -> Opened;
    /// A fresh configuration for `create system` (the name is set afterwards).
    fn create(&self) -> Result<PoolConfig, String>;
    /// The node name, for `discover` messages.
    fn nodename(&self) -> String;
    /// The configuration `discover` produces.
    fn discover(&self) -> Result<PoolConfig, String>;
    fn save(&mut self, cfg: &PoolConfig) -> Result<(), String>;
    /// `destroy system`.
    fn remove(&mut self) -> Result<(), String>;
}

/// A static configuration file.
pub struct StaticTarget<'f, K: PoolKernel> {
    path: PathBuf,
    facility: &'f Facility<K>,
    /// The file's lock, held from `open` until the target is dropped.
    lock: Option<FileLock>,
}

impl<'f, K: PoolKernel> StaticTarget<'f, K> {
    pub fn new(path: PathBuf, facility: &'f Facility<K>) -> StaticTarget<'f, K> {
        StaticTarget {
            path,
            facility,
            lock: None,
        }
    }

    /// Temp files of this file's saves are `.<file>.poolcfg-XXXXXX` next to it.
    fn temp_prefix(&self) -> String {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!(".{name}.poolcfg-")
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// The reason a store write failed, as poolcfg words it (the strerror text).
fn write_reason(e: PathError) -> String {
    io_reason(&e.source)
}

impl<K: PoolKernel> ConfigTarget for StaticTarget<'_, K> {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn is_dynamic(&self) -> bool {
        false
    }

    fn open(&mut self) -> Opened {
        // Without the lock (an unreadable file, a missing directory) the script still runs
        // alone; reading or saving then reports why.
        if let Ok(lock) = lock_replaced_file(&self.path) {
            self.lock = Some(lock);
            // Holding the lock, any temp file of ours is a killed save's leftover.
            let _ = sweep_temps(&self.dir(), &self.temp_prefix());
        }
        match load_static(&self.path) {
            Ok(cfg) => match nix::unistd::access(&self.path, nix::unistd::AccessFlags::W_OK) {
                Ok(()) => Opened::ReadWrite(cfg),
                Err(e) => Opened::ReadOnly(cfg, e.desc().to_string()),
            },
            Err(e) => Opened::Failed(load_reason(&e)),
        }
    }

    fn create(&self) -> Result<PoolConfig, String> {
        Ok(PoolConfig::new(""))
    }

    fn nodename(&self) -> String {
        nodename(self.facility)
    }

    fn discover(&self) -> Result<PoolConfig, String> {
        self.facility.discover().map_err(|e| e.reason())
    }

    /// Temporary elements are left out, as in every static file.
    fn save(&mut self, cfg: &PoolConfig) -> Result<(), String> {
        let text = xml::to_xml(cfg, Scope::Static);
        write_atomic_as(&self.path, text.as_bytes(), &self.temp_prefix()).map_err(write_reason)
    }

    fn remove(&mut self) -> Result<(), String> {
        std::fs::remove_file(&self.path).map_err(|e| io_reason(&e))
    }
}

/// The node name the kernel reports, `unknown` when it cannot.
fn nodename<K: PoolKernel>(facility: &Facility<K>) -> String {
    facility
        .kernel()
        .nodename()
        .unwrap_or_else(|_| "unknown".into())
}

/// The dynamic configuration (`poolcfg -d`).
pub struct DynamicTarget<'f, K: PoolKernel> {
    pub facility: &'f mut Facility<K>,
}

impl<K: PoolKernel> ConfigTarget for DynamicTarget<'_, K> {
    fn location(&self) -> String {
        DYNAMIC_LOCATION.to_string()
    }

    fn is_dynamic(&self) -> bool {
        true
    }

    fn open(&mut self) -> Opened {
        // The live view: `info` shows the current load of each set.
        match self.facility.dynamic_config() {
            Ok(cfg) => Opened::ReadWrite(cfg),
            Err(e) => Opened::Failed(e.reason()),
        }
    }

    fn create(&self) -> Result<PoolConfig, String> {
        self.facility.load_dynamic().map_err(|e| e.reason())
    }

    fn nodename(&self) -> String {
        nodename(self.facility)
    }

    fn discover(&self) -> Result<PoolConfig, String> {
        Err(PoolErrorCode::NotSupported.to_string())
    }

    fn save(&mut self, cfg: &PoolConfig) -> Result<(), String> {
        self.facility.commit_dynamic(cfg).map_err(|e| e.reason())
    }

    fn remove(&mut self) -> Result<(), String> {
        self.facility.remove_dynamic().map_err(|e| e.reason())
    }
}

/// The text after `cannot load configuration from <file>: `.
fn load_reason(e: &PoolError) -> String {
    match e {
        PoolError::Xml(x) => format!("{} ({})", PoolErrorCode::InvalidConf, x.reason()),
        other => other.reason(),
    }
}

/// Why a script failed. poolcfg prints each of `messages()` after `poolcfg: ` and exits 1.
#[derive(Debug, thiserror::Error)]
pub enum PoolcfgError {
    /// A lexical error: reported alone.
    #[error("{}", prefix_line(*.from_file, .error.line(), &.error.to_string()))]
    Lex { error: LexError, from_file: bool },
    /// A syntax error: followed by `command parsing failed, terminating...`.
    #[error("{}", prefix_line(*.from_file, .error.line(), &.error.to_string()))]
    Syntax { error: ParseError, from_file: bool },
    /// A command failed (the message names the element).
    #[error("{0}")]
    Command(String),
    /// Writing `info` output failed.
    #[error("{0}")]
    Output(String),
}

fn prefix_line(from_file: bool, line: usize, msg: &str) -> String {
    if from_file {
        format!("line {line}, {msg}")
    } else {
        msg.to_string()
    }
}

impl PoolcfgError {
    /// The lines poolcfg prints for this error (without the `poolcfg: ` prefix).
    pub fn messages(&self) -> Vec<String> {
        match self {
            PoolcfgError::Syntax { .. } => vec![
                self.to_string(),
                "command parsing failed, terminating...".to_string(),
            ],
            _ => vec![self.to_string()],
        }
    }
}

struct Session<'t> {
    target: &'t mut dyn ConfigTarget,
    conf: Option<PoolConfig>,
    edit_error: Option<String>,
    list_error: Option<String>,
    /// An editing command ran: save at the end.
    edited: bool,
    /// `discover` replaced the configuration: save at the end.
    discovered: bool,
    /// `destroy system` ran (with this name): remove the target at the end.
    removed: Option<String>,
}

type CmdResult = Result<(), PoolcfgError>;

fn die(msg: String) -> PoolcfgError {
    PoolcfgError::Command(msg)
}

/// Run a script. `from_file` selects `-f` error positions (`line N, `). `info` output goes
/// to `out` as it is produced.
pub fn run_script(
    script: &[u8],
    from_file: bool,
    target: &mut dyn ConfigTarget,
    out: &mut dyn Write,
) -> Result<(), PoolcfgError> {
    let (conf, edit_error, list_error) = match target.open() {
        Opened::ReadWrite(c) => (Some(c), None, None),
        Opened::ReadOnly(c, why) => (Some(c), Some(why), None),
        Opened::Failed(why) => (None, Some(why.clone()), Some(why)),
    };
    let mut s = Session {
        target,
        conf,
        edit_error,
        list_error,
        edited: false,
        discovered: false,
        removed: None,
    };
    let mut parser = Parser::new(script);
    loop {
        let cmd = match parser.next_command() {
            Ok(Some(cmd)) => cmd,
            Ok(None) => break,
            Err(ParseError::Lex(error)) => return Err(PoolcfgError::Lex { error, from_file }),
            Err(error) => return Err(PoolcfgError::Syntax { error, from_file }),
        };
        s.execute(&cmd, out)?;
    }
    s.finish()
}

impl Session<'_> {
    fn load_error(&self, why: &str) -> PoolcfgError {
        die(format!(
            "cannot load configuration from {}: {why}",
            self.target.location()
        ))
    }

    fn execute(&mut self, cmd: &Command, out: &mut dyn Write) -> CmdResult {
        let creating_system = matches!(
            cmd,
            Command::Create {
                entity: Entity::System,
                ..
            }
        );
        if creating_system {
            self.edit_error = None;
            self.list_error = None;
        }
        match cmd {
            Command::Info(_) => {
                if let Some(why) = self.list_error.clone() {
                    return Err(self.load_error(&why));
                }
            }
            Command::Discover => {
                self.edit_error = None;
                self.list_error = None;
            }
            _ => {
                if let Some(why) = self.edit_error.clone() {
                    return Err(self.load_error(&why));
                }
                self.edited = true;
            }
        }
        match cmd {
            Command::Info(what) => self.info(what.as_ref(), out),
            Command::Create {
                entity,
                name,
                props,
            } => self.create(*entity, name, props),
            Command::Destroy { entity, name } => self.destroy(*entity, name),
            Command::Modify {
                entity,
                name,
                props,
            } => self.modify(*entity, name, props),
            Command::Associate { pool, psets } => self.associate(pool, psets),
            Command::TransferCpus { pset, cpus } => self.transfer_cpus(pset, cpus),
            Command::TransferQty { qty, from, to } => self.transfer_qty(*qty, from, to),
            Command::Discover => self.discover(),
            Command::Rename { entity, from, to } => self.rename(*entity, from, to),
        }
    }

    fn finish(mut self) -> Result<(), PoolcfgError> {
        match self.conf.take() {
            Some(conf) => {
                if conf.validate().is_err() {
                    return Err(die(format!(
                        "configuration failed strict validation: {}",
                        PoolErrorCode::InvalidConf
                    )));
                }
                if self.edited || self.discovered {
                    self.target
                        .save(&conf)
                        .map_err(|why| die(format!("cannot save the configuration: {why}")))?;
                }
            }
            None => {
                if let Some(name) = self.removed.take() {
                    self.target.remove().map_err(|why| {
                        die(format!("cannot destroy the configuration, {name}: {why}"))
                    })?;
                }
            }
        }
        Ok(())
    }

    /// The configuration, or libpool's error for an operation on a closed one.
    fn conf(&mut self) -> Result<&mut PoolConfig, PoolErrorCode> {
        self.conf.as_mut().ok_or(PoolErrorCode::BadParam)
    }

    fn system_details_error() -> PoolcfgError {
        die(format!(
            "cannot get the configuration details for unknown: {}",
            PoolErrorCode::BadParam
        ))
    }

    /// `check_conf_name()`.
    fn check_system_name(&mut self, name: &str) -> CmdResult {
        let conf = self.conf().map_err(|_| Self::system_details_error())?;
        if conf.name() != name {
            return Err(die(format!("incorrect system name supplied: {name}")));
        }
        Ok(())
    }

    fn locate_pool(&mut self, name: &str) -> Result<usize, PoolcfgError> {
        let found = self
            .conf()
            .and_then(|c| c.find_pool(name).ok_or(PoolErrorCode::InvalidSearch));
        found.map_err(|e| die(format!("cannot locate the pool, {name}: {e}")))
    }

    /// `what` is how the command names the set in its message (`pset` or `resource`).
    fn locate_pset(&mut self, name: &str, what: &str) -> Result<usize, PoolcfgError> {
        let found = self
            .conf()
            .and_then(|c| c.find_pset(name).ok_or(PoolErrorCode::InvalidSearch));
        found.map_err(|e| die(format!("cannot locate the {what}, {name}: {e}")))
    }

    /// `get_cpu()`: `context` is the command's first target, which the digits message
    /// quotes (for `transfer` that is the processor set).
    fn locate_cpu(&mut self, id: &str, context: &str) -> Result<ElemRef, PoolcfgError> {
        if !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(die(format!(
                "cannot locate the cpu, {context}: CPU id should only contain digits"
            )));
        }
        let conf = self
            .conf()
            .map_err(|e| die(format!("cannot locate the cpu, {id}: {e}")))?;
        c_strtoll_digits(id)
            .ok()
            .and_then(|sys_id| conf.find_cpu(sys_id))
            .ok_or_else(|| {
                die(format!(
                    "cannot locate the cpu, {id}: {}",
                    PoolErrorCode::InvalidSearch
                ))
            })
    }

    fn walk_props(&mut self, elem: ElemRef, props: &[PropOp]) -> CmdResult {
        let conf = self.conf().map_err(|e| die(e.to_string()))?;
        for op in props {
            match op {
                PropOp::Put { name, value } => conf
                    .put_property(elem, name, value.clone())
                    .map_err(|e| die(format!("put property {name} failed: {e}")))?,
                PropOp::Remove { name, .. } => conf
                    .rm_property(elem, name)
                    .map_err(|e| die(format!("remove property {name} failed: {e}")))?,
            }
        }
        Ok(())
    }

    /// `process_min_max()`: when a list sets both a `.min` and a `.max`, apply first the
    /// one that cannot clash with the other's current value.
    fn process_min_max(&mut self, pset: usize, props: &[PropOp]) {
        let ends_with = |name: &str, suffix: &str| {
            name.len() >= suffix.len() && name.find(suffix) == Some(name.len() - suffix.len())
        };
        let mut min = None;
        let mut max = None;
        for op in props {
            if ends_with(op.name(), ".min") {
                min = Some(op);
            }
            if ends_with(op.name(), ".max") {
                max = Some(op);
            }
        }
        let (
            Some(PropOp::Put {
                name: min_name,
                value: PropValue::Uint(smin),
            }),
            Some(PropOp::Put {
                name: max_name,
                value: max_value @ PropValue::Uint(_),
            }),
        ) = (min, max)
        else {
            return;
        };
        let Ok(conf) = self.conf() else {
            return;
        };
        let current_max = conf.psets.get(pset).map(|p| p.max()).unwrap_or(0);
        let elem = ElemRef::Pset(pset);
        let _ = if *smin < current_max {
            conf.put_property(elem, min_name, PropValue::Uint(*smin))
        } else {
            conf.put_property(elem, max_name, max_value.clone())
        };
    }

    fn info(&mut self, what: Option<&(Entity, String)>, out: &mut dyn Write) -> CmdResult {
        let text = match what {
            None | Some((Entity::System, _)) => {
                if let Some((_, name)) = what {
                    self.check_system_name(name)?;
                }
                let conf = self.conf().map_err(|_| Self::system_details_error())?;
                info::conf_info(conf)
            }
            Some((Entity::Pool, name)) => {
                let i = self.locate_pool(name)?;
                info::pool_info(
                    self.conf.as_ref().ok_or_else(Self::system_details_error)?,
                    i,
                )
            }
            Some((Entity::Pset, name)) => {
                let i = self.locate_pset(name, "resource")?;
                info::pset_info(
                    self.conf.as_ref().ok_or_else(Self::system_details_error)?,
                    i,
                )
            }
            Some((Entity::Cpu, name)) => {
                let cpu = self.locate_cpu(name, name)?;
                info::cpu_info(
                    self.conf.as_ref().ok_or_else(Self::system_details_error)?,
                    cpu,
                )
            }
        };
        writeln!(out, "{text}").map_err(|e| PoolcfgError::Output(io_reason(&e)))
    }

    fn create(&mut self, entity: Entity, name: &str, props: &[PropOp]) -> CmdResult {
        match entity {
            Entity::System => {
                let mut conf = self.target.create().map_err(|why| {
                    die(format!("cannot create the configuration, {name}: {why}"))
                })?;
                conf.put_property(ElemRef::System, "system.name", PropValue::Str(name.into()))
                    .map_err(|e| die(format!("put property system.name failed: {e}")))?;
                self.conf = Some(conf);
                self.walk_props(ElemRef::System, props)
            }
            Entity::Pool => {
                let i = self
                    .conf()
                    .and_then(|c| c.create_pool(name))
                    .map_err(|e| die(format!("cannot create the pool, {name}: {e}")))?;
                self.walk_props(ElemRef::Pool(i), props)
            }
            Entity::Pset => {
                let i = self
                    .conf()
                    .and_then(|c| c.create_pset(name))
                    .map_err(|e| die(format!("cannot create the pset, {name}: {e}")))?;
                self.process_min_max(i, props);
                self.walk_props(ElemRef::Pset(i), props)
            }
            Entity::Cpu => Err(die(format!(
                "cannot create the cpu, {name}: {}",
                PoolErrorCode::BadParam
            ))),
        }
    }

    fn destroy(&mut self, entity: Entity, name: &str) -> CmdResult {
        match entity {
            Entity::System => {
                self.check_system_name(name)?;
                self.conf = None;
                self.removed = Some(name.to_string());
                Ok(())
            }
            Entity::Pool => {
                let i = self.locate_pool(name)?;
                self.conf()
                    .and_then(|c| c.destroy_pool(i))
                    .map_err(|e| die(format!("cannot destroy the pool, {name}: {e}")))
            }
            Entity::Pset => {
                let i = self.locate_pset(name, "pset")?;
                self.conf()
                    .and_then(|c| c.destroy_pset(i))
                    .map_err(|e| die(format!("cannot destroy the pset, {name}: {e}")))
            }
            Entity::Cpu => Err(die(format!(
                "cannot destroy the cpu, {name}: {}",
                PoolErrorCode::BadParam
            ))),
        }
    }

    fn modify(&mut self, entity: Entity, name: &str, props: &[PropOp]) -> CmdResult {
        match entity {
            Entity::System => {
                self.conf().map_err(|_| Self::system_details_error())?;
                self.check_system_name(name)?;
                self.walk_props(ElemRef::System, props)
            }
            Entity::Pool => {
                let i = self.locate_pool(name)?;
                self.walk_props(ElemRef::Pool(i), props)
            }
            Entity::Pset => {
                let i = self.locate_pset(name, "resource")?;
                self.process_min_max(i, props);
                self.walk_props(ElemRef::Pset(i), props)
            }
            Entity::Cpu => {
                let cpu = self.locate_cpu(name, name)?;
                self.walk_props(cpu, props)
            }
        }
    }

    fn associate(&mut self, pool: &str, psets: &[String]) -> CmdResult {
        let p = self.locate_pool(pool)?;
        for pset in psets {
            let s = self.locate_pset(pset, "pset")?;
            self.conf()
                .and_then(|c| c.associate(p, s))
                .map_err(|e| die(format!("cannot associate resource {pset} to pool: {e}")))?;
        }
        Ok(())
    }

    fn transfer_cpus(&mut self, pset: &str, cpus: &[String]) -> CmdResult {
        let target = self.locate_pset(pset, "resource")?;
        for id in cpus {
            let cpu = self.locate_cpu(id, pset)?;
            self.conf()
                .and_then(|c| c.transfer_cpu(cpu, target))
                .map_err(|e| die(format!("cannot transfer component {id} to {pset}: {e}")))?;
        }
        Ok(())
    }

    fn transfer_qty(&mut self, qty: u64, from: &str, to: &str) -> CmdResult {
        let src = self.locate_pset(from, "resource")?;
        let tgt = self.locate_pset(to, "resource")?;
        self.conf()
            .and_then(|c| c.transfer(src, tgt, qty))
            .map_err(|e| die(format!("cannot transfer {qty} from {from} to {to}: {e}")))
    }

    fn discover(&mut self) -> CmdResult {
        if self.target.is_dynamic() {
            return Ok(());
        }
        let cfg = self.target.discover().map_err(|why| {
            die(format!(
                "cannot create the configuration, {}: {why}",
                self.target.nodename()
            ))
        })?;
        self.conf = Some(cfg);
        self.removed = None;
        self.discovered = true;
        Ok(())
    }

    fn rename(&mut self, entity: Entity, from: &str, to: &str) -> CmdResult {
        let (elem, prop) = match entity {
            Entity::System => {
                self.conf().map_err(|_| Self::system_details_error())?;
                self.check_system_name(from)?;
                (ElemRef::System, "system.name")
            }
            Entity::Pool => (ElemRef::Pool(self.locate_pool(from)?), "pool.name"),
            Entity::Pset => (ElemRef::Pset(self.locate_pset(from, "pset")?), "pset.name"),
            Entity::Cpu => {
                return Err(die(format!(
                    "put property cpu.name failed: {}",
                    PoolErrorCode::BadParam
                )))
            }
        };
        self.conf()
            .and_then(|c| c.put_property(elem, prop, PropValue::Str(to.to_string())))
            .map_err(|e| die(format!("put property {prop} failed: {e}")))
    }
}

/// Where poolcfg writes by default: `/etc/pooladm.conf` under the alternate root.
pub fn default_static_path(root: &Path) -> PathBuf {
    root.join(super::state::STATIC_CONF)
}

#[cfg(test)]
mod tests;
