//! The `rate_limit_hits` table: rate limits that hold across every function instance
//! (`POST /projects/validate` per user, signups and login mails per client network).

use sqlx::PgConnection;

/// A limit: at most `max` requests in any `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window_seconds: i32,
}

/// `POST /projects/validate`: 10 a minute per user (the original's limit).
pub const VALIDATE: Limit = Limit {
    max: 10,
    window_seconds: 60,
};

/// The validation worker's checks (GitHub API calls, itch.io page fetches) per project owner,
/// whatever queued them (submissions, edits, `POST /projects/validate`, retries): 10 runs a
/// minute, the route's own limit. A job over it waits (`validation_jobs::defer`), never dropped.
pub const VALIDATION_RUNS: Limit = Limit {
    max: 10,
    window_seconds: 60,
};

/// `POST /users/`: 60 signups in 10 minutes from one client network. A hackathon venue puts
/// everyone behind one address, so the limit is sized for a room signing up at once, not for one
/// person; it stops a script creating accounts by the thousand.
pub const SIGNUP_PER_NETWORK: Limit = Limit {
    max: 60,
    window_seconds: 600,
};

/// `POST /request-login`: 120 login mails in 10 minutes from one client network (on top of 5 per
/// address in 15 minutes).
pub const LOGIN_PER_NETWORK: Limit = Limit {
    max: 120,
    window_seconds: 600,
};

/// Counts a request in `bucket` unless `limit` is reached: `None` when counted, else the seconds
/// until the oldest request in the window leaves it (at least 1). A transaction-scoped advisory
/// lock per bucket serialises a burst, so none slips past the count; expired rows of the bucket
/// are deleted on the way.
#[tracing::instrument(skip(conn))]
pub async fn try_record(
    conn: &mut PgConnection,
    bucket: &str,
    limit: Limit,
) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('rate_limit_hits:' || $1, 0))")
        .bind(bucket)
        .execute(&mut *tx)
        .await?;
    let (recorded, wait): (bool, Option<f64>) = sqlx::query_as(
        "WITH expired AS (
             DELETE FROM rate_limit_hits
             WHERE bucket = $1 AND hit_at <= now() - make_interval(secs => $3)
         ), recent AS (
             SELECT count(*) AS n, min(hit_at) AS oldest FROM rate_limit_hits
             WHERE bucket = $1 AND hit_at > now() - make_interval(secs => $3)
         ), recorded AS (
             INSERT INTO rate_limit_hits (bucket) SELECT $1 FROM recent WHERE n < $2 RETURNING id
         )
         SELECT EXISTS (SELECT 1 FROM recorded),
                (SELECT extract(epoch FROM oldest + make_interval(secs => $3) - now())::float8 FROM recent)",
    )
    .bind(bucket)
    .bind(limit.max)
    .bind(limit.window_seconds)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if recorded {
        return Ok(None);
    }
    let wait = wait
        .unwrap_or(f64::from(limit.window_seconds))
        .ceil()
        .max(1.0);
    // At most the window (an i32 of seconds): the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Some(wait as u64))
}
