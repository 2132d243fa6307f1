//! The zone configuration model and the rules its values follow.

pub mod anet;
pub mod keywords;
pub mod model;
pub mod names;
pub mod privs;
pub mod rctl;
pub mod resources;
pub mod units;
pub mod verify;

pub use keywords::{PropName, ResourceType};
pub use model::*;
