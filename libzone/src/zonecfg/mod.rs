//! The zonecfg language: lexer, parser, the editing session, `info` and `export`.

pub mod command;
pub mod complete;
pub mod export;
pub mod help;
pub mod info;
pub mod lexer;
pub mod parser;
pub mod session;

pub use command::{CmdKind, Command, ListItem, ParseError, PropValue, Target};
