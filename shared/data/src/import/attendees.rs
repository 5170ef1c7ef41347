//! Import SQL for `attendees`.

use sqlx::PgExecutor;
use uuid::Uuid;

/// Adds (event, user) attendee links in one statement; existing links are kept as they are.
/// When they joined is not known (`joined_at` NULL, not the time of the import). Returns how many
/// were added.
#[tracing::instrument(skip_all, fields(links = links.len()))]
pub async fn insert_links(
    db: impl PgExecutor<'_>,
    links: &[(Uuid, Uuid)],
) -> Result<u64, sqlx::Error> {
    let (events, users): (Vec<Uuid>, Vec<Uuid>) = links.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO event_attendees (event_id, user_id, joined_at)
         SELECT *, NULL FROM unnest($1::uuid[], $2::uuid[])
         ON CONFLICT ON CONSTRAINT event_attendees_event_id_user_id_key DO NOTHING",
    )
    .bind(events)
    .bind(users)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}

/// How many of these (event, user) links exist.
#[tracing::instrument(skip_all, fields(links = links.len()))]
pub async fn count_links(
    db: impl PgExecutor<'_>,
    links: &[(Uuid, Uuid)],
) -> Result<i64, sqlx::Error> {
    let (events, users): (Vec<Uuid>, Vec<Uuid>) = links.iter().copied().unzip();
    sqlx::query_scalar(
        "SELECT count(*) FROM event_attendees a
         JOIN unnest($1::uuid[], $2::uuid[]) AS l(event_id, user_id)
           ON a.event_id = l.event_id AND a.user_id = l.user_id",
    )
    .bind(events)
    .bind(users)
    .fetch_one(db)
    .await
}
