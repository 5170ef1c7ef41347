//! Helpers shared by the integration tests.

use std::time::Duration;

use podium_migrations::{SchemaFingerprint, Settings};
use sqlx::{AssertSqlSafe, PgConnection};

pub fn settings() -> Settings {
    Settings {
        lock_wait: Duration::from_secs(60),
        ..Settings::default()
    }
}

pub async fn fingerprint(conn: &mut PgConnection) -> SchemaFingerprint {
    SchemaFingerprint::read(conn)
        .await
        .expect("read fingerprint")
}

pub async fn exec(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .expect("execute SQL");
}

/// `(version, success, checksum)` of every recorded migration.
pub async fn history(conn: &mut PgConnection) -> Vec<(i64, bool, Vec<u8>)> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .expect("query");
    if !exists {
        return Vec::new();
    }
    sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
        .fetch_all(conn)
        .await
        .expect("read history")
}

/// Every row of `table` as JSON, in primary-key order.
pub async fn rows(conn: &mut PgConnection, table: &str) -> String {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT coalesce(json_agg(t ORDER BY t.id), '[]')::text FROM {table} t"
    )))
    .fetch_one(conn)
    .await
    .expect("read rows")
}

/// Whether any session holds the migration lock in this database.
pub async fn lock_is_held(conn: &mut PgConnection) -> bool {
    podium_migrations::lock_holder(conn)
        .await
        .expect("query pg_locks")
        .is_some()
}

/// Inserts a user with empty optional fields; returns its id.
pub async fn insert_user(conn: &mut PgConnection, email: &str) -> String {
    sqlx::query_scalar(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country)
         VALUES (gen_random_uuid(), $1, '', 'Test', '', '', '', '', '', '', '', '') RETURNING id::text",
    )
    .bind(email)
    .fetch_one(conn)
    .await
    .expect("insert user")
}
