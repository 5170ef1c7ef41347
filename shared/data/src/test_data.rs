//! The data behind the test-only endpoints (`PODIUM_ENABLE_TEST_ENDPOINTS`), which the April
//! 2026 frontend's end-to-end suite uses to set up and tear down.

use sqlx::PgPool;

use crate::ids::UserId;

/// The users the end-to-end suite makes (2026 contract §2.9), as a SQL condition on `email`.
macro_rules! test_users {
    () => {
        "(email LIKE 'test+pw%@example.com' OR email LIKE 'organizer+%@test.local'
          OR email LIKE 'attendee+%@test.local' OR email LIKE 'admin+%@test.local')"
    };
}

/// Deletes every test user with what they made, in one transaction, by the same rules as a
/// user's erasure ([`crate::erasure`]): their votes (taking the points back), their
/// collaborations, their projects, their attendances, their events with everything in them
/// (also other users' projects, votes and attendances there: a test event goes whole), their
/// referrals and sign-in traces, then the users. No row of a non-test user can block it, so it
/// never fails half way the way the original's did (500 when someone else had joined a test
/// event). Answers how many test users and test events went.
#[tracing::instrument(skip_all)]
pub async fn clean_up(pool: &PgPool) -> Result<(i64, i64), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(concat!(
        "CREATE TEMPORARY TABLE podium_erased_users ON COMMIT DROP AS
             SELECT id, email FROM users WHERE ",
        test_users!()
    ))
    .execute(&mut *tx)
    .await?;
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM podium_erased_users),
                (SELECT count(*) FROM events WHERE owner_id IN (SELECT id FROM podium_erased_users))",
    )
    .fetch_one(&mut *tx)
    .await?;
    crate::erasure::erase_marked(&mut tx).await?;
    tx.commit().await?;
    Ok(counts)
}

/// The ids of the test users (the end-to-end suite's), whose events are the test events.
#[tracing::instrument(skip_all)]
pub async fn users(db: impl sqlx::PgExecutor<'_>) -> Result<Vec<UserId>, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "SELECT id FROM users WHERE ",
        test_users!(),
        " ORDER BY email"
    ))
    .fetch_all(db)
    .await
}
