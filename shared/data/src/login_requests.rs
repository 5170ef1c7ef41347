//! The `login_requests` table: the per-email rate limit of `POST /request-login` (contract 7.6),
//! kept in PostgreSQL so it holds across function instances.

use sqlx::PgConnection;

/// At most this many login requests per email…
pub const LIMIT: i64 = 5;
/// …within this many minutes.
pub const WINDOW_MINUTES: i32 = 15;
/// How many expired rows one request may purge.
pub const PURGE_BATCH: i64 = 100;

/// Records a login request for `email` unless the limit is reached; true when recorded.
/// A transaction-scoped advisory lock per email serialises concurrent requests for one address,
/// so a burst cannot slip past the count. Each call also deletes up to [`PURGE_BATCH`] of the
/// oldest rows of any address once they are past the window (bounded work: the table does not
/// grow with every address that ever asked).
#[tracing::instrument(skip_all)]
pub async fn try_record(conn: &mut PgConnection, email: &str) -> Result<bool, sqlx::Error> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('login_requests:' || $1, 0))")
        .bind(email)
        .execute(&mut *tx)
        .await?;
    let recorded: Option<i64> = sqlx::query_scalar(
        "WITH expired AS (
             DELETE FROM login_requests WHERE email = $1 AND requested_at <= now() - make_interval(mins => $3)
         ), purged AS (
             DELETE FROM login_requests
             WHERE id IN (SELECT id FROM login_requests ORDER BY id LIMIT $4)
               AND requested_at <= now() - make_interval(mins => $3)
         ), recent AS (
             SELECT count(*) AS n FROM login_requests WHERE email = $1 AND requested_at > now() - make_interval(mins => $3)
         )
         INSERT INTO login_requests (email) SELECT $1 FROM recent WHERE n < $2 RETURNING id",
    )
    .bind(email)
    .bind(LIMIT)
    .bind(WINDOW_MINUTES)
    .bind(PURGE_BATCH)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(recorded.is_some())
}
