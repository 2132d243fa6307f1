//! Resource pools: the model of a pools configuration (system, pools, processor sets, CPUs)
//! with libpool's property rules, the poolcfg language, the `pooladm.conf` XML format, the
//! allocation of CPUs to processor sets, and the facility itself (enable, commit, bind) on
//! top of a kernel back end behind the `PoolKernel` trait.

pub mod alloc;
pub mod bindings;
pub mod cpuset_kernel;
pub mod edit;
pub mod error;
pub mod facility;
#[cfg(test)]
pub(crate) mod fake_kernel;
pub mod info;
pub mod kernel;
pub mod lexer;
pub mod model;
pub mod parser;
pub mod poolcfg;
pub mod props;
pub mod stat;
pub mod state;
pub mod value;
pub mod xml;
pub mod zones;

pub use cpuset_kernel::CpusetKernel;
pub use error::{PoolError, PoolErrorCode};
pub use facility::Facility;
pub use kernel::{PoolKernel, StubKernel};
pub use model::{Cpu, ElemRef, Pool, PoolConfig, Pset};
pub use value::{PropType, PropValue};
