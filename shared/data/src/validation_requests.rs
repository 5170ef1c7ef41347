//! The `validation_requests` table: the per-user rate limit of `POST /projects/validate` (10 a
//! minute), kept in PostgreSQL so it holds across every function instance.

use sqlx::PgConnection;

use crate::ids::UserId;

/// At most this many requests per user…
pub const LIMIT: i64 = 10;
/// …within this many seconds (a sliding window).
pub const WINDOW_SECONDS: i32 = 60;

/// Records a request by `user` unless the limit is reached: `None` when recorded, else the
/// seconds until the oldest request in the window leaves it (at least 1). A transaction-scoped
/// advisory lock per user serialises a burst, so none slips past the count.
#[tracing::instrument(skip_all)]
pub async fn try_record(conn: &mut PgConnection, user: UserId) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('validation_requests:' || $1::text, 0))",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    let (recorded, wait): (bool, Option<f64>) = sqlx::query_as(
        "WITH expired AS (
             DELETE FROM validation_requests
             WHERE user_id = $1 AND requested_at <= now() - make_interval(secs => $3)
         ), recent AS (
             SELECT count(*) AS n, min(requested_at) AS oldest FROM validation_requests
             WHERE user_id = $1 AND requested_at > now() - make_interval(secs => $3)
         ), recorded AS (
             INSERT INTO validation_requests (user_id) SELECT $1 FROM recent WHERE n < $2 RETURNING id
         )
         SELECT EXISTS (SELECT 1 FROM recorded),
                (SELECT extract(epoch FROM oldest + make_interval(secs => $3) - now())::float8 FROM recent)",
    )
    .bind(user)
    .bind(LIMIT)
    .bind(WINDOW_SECONDS)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if recorded {
        return Ok(None);
    }
    let wait = wait.unwrap_or(f64::from(WINDOW_SECONDS)).ceil().max(1.0);
    // A float of at most WINDOW_SECONDS: the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Some(wait as u64))
}
