//! The bookkeeping table, in sqlx's format (`_sqlx_migrations`), so `sqlx migrate info` reads it too.
//! Every statement that changes it is generated here as literal SQL, so `plan` can print exactly
//! what `up` and `down` run.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::source::Migration;

pub const TABLE: &str = "_sqlx_migrations";

pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
)";

/// A row of the bookkeeping table.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppliedMigration {
    pub version: i64,
    pub description: String,
    pub installed_on: DateTime<Utc>,
    pub success: bool,
    pub checksum: Vec<u8>,
    /// Nanoseconds, as sqlx records it.
    pub execution_time: i64,
}

/// Whether the bookkeeping table exists in the current schema.
pub async fn exists(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(conn)
        .await
}

/// The recorded history, oldest version first (empty when the table does not exist).
pub async fn read(conn: &mut PgConnection) -> Result<Vec<AppliedMigration>, sqlx::Error> {
    if !exists(&mut *conn).await? {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "SELECT version, description, installed_on, success, checksum, execution_time
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(conn)
    .await
}

/// Versions recorded more than once (possible only in a table created without its primary key).
pub async fn duplicated_versions(conn: &mut PgConnection) -> Result<Vec<i64>, sqlx::Error> {
    if !exists(&mut *conn).await? {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations GROUP BY version HAVING count(*) > 1 ORDER BY version")
        .fetch_all(conn)
        .await
}

/// Records `migration` as applied. Inside a transaction the duration is measured from the
/// transaction's start (`now()`) to the moment of the insert.
pub fn insert_applied(migration: &Migration) -> String {
    insert(
        migration,
        true,
        "(extract(epoch FROM clock_timestamp() - now()) * 1000000000)::bigint",
    )
}

/// Records `migration` as started but not finished (for a migration run outside a transaction).
pub fn insert_started(migration: &Migration) -> String {
    insert(migration, false, "0")
}

/// Records `migration` as adopted: applied by the previous tooling, so no duration.
pub fn insert_adopted(migration: &Migration) -> String {
    insert(migration, true, "0")
}

fn insert(migration: &Migration, success: bool, execution_time: &str) -> String {
    format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ({}, {}, {}, decode('{}', 'hex'), {execution_time})",
        migration.version,
        quote_literal(&migration.description()),
        if success { "TRUE" } else { "FALSE" },
        hex::encode(migration.checksum()),
    )
}

/// Marks a started migration (outside a transaction) as finished, with its duration.
pub fn mark_finished(version: i64) -> String {
    format!(
        "UPDATE _sqlx_migrations SET success = TRUE, \
         execution_time = (extract(epoch FROM clock_timestamp() - installed_on) * 1000000000)::bigint \
         WHERE version = {version}"
    )
}

/// Marks an applied migration as being reverted (outside a transaction).
pub fn mark_reverting(version: i64) -> String {
    format!("UPDATE _sqlx_migrations SET success = FALSE WHERE version = {version}")
}

pub fn delete(version: i64) -> String {
    format!("DELETE FROM _sqlx_migrations WHERE version = {version}")
}

/// A SQL string literal (standard_conforming_strings, which PostgreSQL has had on by default since 9.1).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
