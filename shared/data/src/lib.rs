//! Podium's data: typed ids, the domain types that parse input, and one module of SQL per table
//! (what the API runs); the backfill's import SQL lives apart, in [`import`]. Every query takes
//! a pool, a connection or a transaction (`impl PgExecutor`). Nothing here knows HTTP.

pub mod attendees;
pub mod audit;
pub mod collaborators;
pub mod db;
pub mod domain;
pub mod erasure;
pub mod events;
pub mod ids;
pub mod import;
pub mod login_requests;
pub mod magic_links;
pub mod page;
pub mod phase;
pub mod projects;
pub mod rate_limits;
pub mod referrals;
pub mod results;
pub mod slug;
pub mod spreadsheet;
pub mod superadmin;
pub mod test_data;
pub mod text_enum;
pub mod users;
pub mod validation;
pub mod validation_jobs;
pub mod validators;
pub mod votes;

pub use db::DatabaseUrl;
pub use ids::{EventId, ProjectId, UserId, VoteId};
pub use phase::Phase;
pub use validators::{DemoValidation, RepoValidation};
