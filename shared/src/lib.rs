//! Podium's data crate: configuration, database connections, schema migrations, and (one module
//! per table) the queries the functions run. Functions depend on this crate and on nothing else
//! of the workspace.

pub mod attendees;
pub mod backfill;
pub mod collaborators;
pub mod config;
pub mod db;
pub mod domain;
pub mod events;
#[cfg(feature = "http")]
pub mod http;
pub mod login_requests;
pub mod magic_links;
pub mod migrations;
pub mod projects;
pub mod referrals;
pub mod secrets;
pub mod slug;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;
pub mod validation;
pub mod votes;

pub use config::{ConfigError, DatabaseUrl, Vars};
