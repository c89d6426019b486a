//! Organisation (组织): units, people, roles, the responsibility matrix and its presets, and
//! `authorize`.

mod actor;
mod authorize;
mod matrix;
mod person;
mod preset;
mod role;
mod tree;

pub use authorize::authorize;
pub use matrix::{base_name, is_collective, Responsibility, ResponsibilityMatrix};
pub use person::{Contacts, Person};
pub use preset::Preset;
pub use role::Role;
pub use tree::{Org, OrgConfig, Unit, UnitKind};
