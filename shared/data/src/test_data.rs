//! The data behind the test-only endpoints (`PODIUM_ENABLE_TEST_ENDPOINTS`), which the April
//! 2026 frontend's end-to-end suite uses to set up and tear down.

use sqlx::PgPool;

/// The users the end-to-end suite makes (2026 contract §2.9), as a SQL condition on `email`.
macro_rules! test_users {
    () => {
        "(email LIKE 'test+pw%@example.com' OR email LIKE 'organizer+%@test.local'
          OR email LIKE 'attendee+%@test.local' OR email LIKE 'admin+%@test.local')"
    };
}

/// Deletes every test user with what they made, in one transaction (one round trip of
/// statements that either all apply or none): their votes (taking the points back), their
/// collaborations, their projects, their attendances, their events with everything in them
/// (also other users' projects, votes and attendances there: a test event goes whole), their
/// referrals, then the users. No row of a non-test user can block it, so it never fails half
/// way the way the original's did (500 when someone else had joined a test event).
#[tracing::instrument(skip_all)]
pub async fn clean_up(pool: &PgPool) -> Result<(), sqlx::Error> {
    let sql = concat!(
        "CREATE TEMPORARY TABLE podium_test_users ON COMMIT DROP AS
             SELECT id FROM users WHERE ",
        test_users!(),
        ";
         UPDATE projects p SET points = p.points - v.n
           FROM (SELECT project_id, count(*) AS n FROM votes
                 WHERE voter_id IN (SELECT id FROM podium_test_users) GROUP BY project_id) v
          WHERE p.id = v.project_id;
         DELETE FROM votes WHERE voter_id IN (SELECT id FROM podium_test_users);
         DELETE FROM project_collaborators WHERE user_id IN (SELECT id FROM podium_test_users);
         DELETE FROM projects WHERE owner_id IN (SELECT id FROM podium_test_users);
         DELETE FROM event_attendees WHERE user_id IN (SELECT id FROM podium_test_users);
         DELETE FROM events WHERE owner_id IN (SELECT id FROM podium_test_users);
         DELETE FROM referrals WHERE user_id IN (SELECT id FROM podium_test_users);
         DELETE FROM users WHERE id IN (SELECT id FROM podium_test_users);"
    );
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(sql).execute(&mut *tx).await?;
    tx.commit().await
}
