//! Database connections.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::config::DatabaseUrl;

/// A pool that connects on first use, of at most `size` connections (a Lambda instance serves
/// one request at a time, so two are plenty there).
pub fn lazy_pool(url: &DatabaseUrl, application_name: &str, size: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(size)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Some(Duration::from_secs(300)))
        .connect_lazy_with(options(url, application_name))
}

/// One connection, for tools that hold session state (the migration lock).
pub async fn connect(
    url: &DatabaseUrl,
    application_name: &str,
) -> Result<PgConnection, sqlx::Error> {
    PgConnection::connect_with(&options(url, application_name)).await
}

fn options(url: &DatabaseUrl, application_name: &str) -> PgConnectOptions {
    url.connect_options().application_name(application_name)
}

/// The name of the constraint a database error violated, if any.
pub fn violated_constraint(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error().and_then(|d| d.constraint())
}

/// Whether the error is a foreign-key violation (a row it points to was deleted meanwhile).
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|d| d.code().as_deref() == Some("23503"))
}

/// Whether retrying the transaction may succeed (serialization failure, deadlock).
pub fn is_retryable(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| code == "40001" || code == "40P01")
}
