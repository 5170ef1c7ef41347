//! The `rate_limit_hits` table: rate limits that hold across every function instance
//! (`POST /projects/validate` per user, signups and login mails per client network).

use sqlx::{AssertSqlSafe, PgConnection};

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

/// Wrong join codes (`POST /events/attend`, `POST /projects/join`) per user: 10 in 10 minutes.
/// Codes are 4 of 38 symbols (about 2²¹), so guessing is what this stops; a typo or two is
/// nothing.
pub const JOIN_GUESSES_PER_USER: Limit = Limit {
    max: 10,
    window_seconds: 600,
};

/// Wrong join codes per client network: 60 in 10 minutes (a venue shares one address; accounts
/// are cheap to make, networks are not).
pub const JOIN_GUESSES_PER_NETWORK: Limit = Limit {
    max: 60,
    window_seconds: 600,
};

/// Rows older than this are past every limit's window ([`ALL`]), whatever their bucket.
pub const EXPIRED_AFTER_SECONDS: i32 = 3600;
/// How many such rows one request may purge: bounded work per request, and a table that does
/// not keep every network and user that ever asked.
pub const PURGE_BATCH: i64 = 100;

/// Every limit, for the test that [`EXPIRED_AFTER_SECONDS`] outlasts each window.
pub const ALL: [Limit; 5] = [
    VALIDATE,
    SIGNUP_PER_NETWORK,
    LOGIN_PER_NETWORK,
    JOIN_GUESSES_PER_USER,
    JOIN_GUESSES_PER_NETWORK,
];

/// Deletes up to [`PURGE_BATCH`] of the oldest rows (by id, so the scan is bounded) once they
/// are past every window. Rows of other buckets are taken without their locks: being expired,
/// they count toward nothing.
fn purge() -> String {
    format!(
        "purged AS (
             DELETE FROM rate_limit_hits
             WHERE id IN (SELECT id FROM rate_limit_hits ORDER BY id LIMIT {PURGE_BATCH})
               AND hit_at <= now() - make_interval(secs => {EXPIRED_AFTER_SECONDS})
         )"
    )
}

/// Counts a request in `bucket` unless `limit` is reached: `None` when counted, else the seconds
/// until the oldest request in the window leaves it (at least 1). A transaction-scoped advisory
/// lock per bucket serialises a burst, so none slips past the count; expired rows of the bucket
/// are deleted on the way, and a bounded batch of any bucket's long-expired rows.
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
    let (recorded, wait): (bool, Option<f64>) = sqlx::query_as(AssertSqlSafe(format!(
        "WITH {purge}, expired AS (
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
        purge = purge()
    )))
    .bind(bucket)
    .bind(limit.max)
    .bind(limit.window_seconds)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if recorded {
        return Ok(None);
    }
    Ok(Some(seconds(wait, limit)))
}

/// The seconds to wait, at least 1 and at most the window (an i32 of seconds: no truncation).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn seconds(wait: Option<f64>, limit: Limit) -> u64 {
    wait.unwrap_or(f64::from(limit.window_seconds))
        .ceil()
        .clamp(1.0, f64::from(limit.window_seconds)) as u64
}

/// For limits on what went wrong (a wrong join code), counted once the outcome is known: inside
/// the caller's transaction, takes the bucket's lock until the transaction ends (so a burst is
/// judged one request after another, none slipping past the count) and answers the seconds to
/// wait when `limit` is reached, counting nothing; [`count`] then counts one in the same
/// transaction.
#[tracing::instrument(skip(conn))]
pub async fn hold(
    conn: &mut PgConnection,
    bucket: &str,
    limit: Limit,
) -> Result<Option<u64>, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('rate_limit_hits:' || $1, 0))")
        .bind(bucket)
        .execute(&mut *conn)
        .await?;
    let (n, wait): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*), extract(epoch FROM min(hit_at) + make_interval(secs => $2) - now())::float8
         FROM rate_limit_hits WHERE bucket = $1 AND hit_at > now() - make_interval(secs => $2)",
    )
    .bind(bucket)
    .bind(limit.window_seconds)
    .fetch_one(&mut *conn)
    .await?;
    Ok((n >= limit.max).then(|| seconds(wait, limit)))
}

/// Counts one request in a bucket that [`hold`] locked in this transaction.
#[tracing::instrument(skip(conn))]
pub async fn count(conn: &mut PgConnection, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!(
        "WITH {purge} INSERT INTO rate_limit_hits (bucket) VALUES ($1)",
        purge = purge()
    )))
    .bind(bucket)
    .execute(conn)
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_purged_only_past_every_limits_window() {
        assert!(ALL.iter().all(|l| l.window_seconds < EXPIRED_AFTER_SECONDS));
    }
}
