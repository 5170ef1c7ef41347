#![doc = include_str!("../README.md")]

pub mod cutover;
mod engine;
pub mod fingerprint;
mod history;
mod refusal;
mod source;
pub mod sql;
mod unadopt;

pub use cutover::{ALEMBIC_MARKER, Archive, ArchiveError, Change, Restored, Unfitting};
pub use engine::{
    ALEMBIC_CONVERTED, ALEMBIC_REVISIONS, AdoptOptions, AdoptReport, Direction, DownTarget,
    FailedMigration, LOCK_KEY, MigrateError, MigrationStatus, Migrator, Plan, PlannedStatement,
    PlannedStep, RunReport, Settings, State, StatementKind, StatusReport, StepReport, VerifyReport,
    acquire_lock, lock_holder,
};
pub use fingerprint::SchemaFingerprint;
pub use history::{AppliedMigration, read as read_history};
pub use refusal::Refusal;
pub use source::{Migration, MigrationSet, NO_TRANSACTION_DIRECTIVE, Script, SourceError};
pub use unadopt::{UnadoptOptions, UnadoptReport};
