//! Schema migrations: the files in `migrations/` (embedded at build time), the engine that
//! applies and reverts them, and the schema fingerprint that `verify` and `adopt` compare.

pub mod cutover;
mod engine;
pub mod fingerprint;
mod history;
mod source;
pub mod sql;
mod unadopt;

pub use cutover::{ALEMBIC_MARKER, Archive, ArchiveError, Change, Refusal, Restored};
pub use engine::{
    ALEMBIC_CONVERTED, ALEMBIC_REVISIONS, AdoptOptions, AdoptReport, Direction, DownTarget,
    FailedMigration, LOCK_KEY, MigrateError, MigrationStatus, Migrator, Plan, PlannedStatement,
    PlannedStep, RunReport, Settings, State, StatementKind, StatusReport, StepReport, VerifyReport,
    acquire_lock, lock_holder,
};
pub use fingerprint::SchemaFingerprint;
pub use history::{AppliedMigration, read as read_history};
pub use source::{Migration, MigrationSet, NO_TRANSACTION_DIRECTIVE, Script, SourceError};
pub use unadopt::{UnadoptOptions, UnadoptReport};
