//! The `event_attendees` table (and, on joining, the referral that comes with it).

use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

/// `UserAttendee`: what an event's owner sees of each attendee.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "http", derive(utoipa::ToSchema))]
pub struct UserAttendee {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    Joined(Uuid),
    AlreadyAttending,
    NoSuchEvent,
}

/// Joins the event whose join code is `join_code` (case-insensitive) and, when `referral` is
/// not empty, records it, in one statement: the unique pair constraint settles parallel joins
/// (one row, one referral), and the referral is written only by the request that joined.
#[tracing::instrument(skip_all)]
pub async fn join(
    db: impl PgExecutor<'_>,
    join_code: &str,
    user: Uuid,
    referral: &str,
) -> Result<Join, sqlx::Error> {
    let row: Option<(Uuid, bool)> = sqlx::query_as(
        "WITH event AS (
             SELECT id FROM events WHERE join_code = upper($1) FOR KEY SHARE
         ), joined AS (
             INSERT INTO event_attendees (event_id, user_id)
             SELECT id, $2 FROM event
             ON CONFLICT ON CONSTRAINT event_attendees_event_id_user_id_key DO NOTHING
             RETURNING event_id
         ), referred AS (
             INSERT INTO referrals (id, content, user_id, event_id)
             SELECT gen_random_uuid(), $3, $2, event_id FROM joined WHERE $3 <> ''
         )
         SELECT event.id, EXISTS (SELECT 1 FROM joined) FROM event",
    )
    .bind(join_code)
    .bind(user)
    .bind(referral)
    .fetch_optional(db)
    .await?;
    Ok(match row {
        None => Join::NoSuchEvent,
        Some((id, true)) => Join::Joined(id),
        Some((_, false)) => Join::AlreadyAttending,
    })
}

#[tracing::instrument(skip_all)]
pub async fn of_event(
    db: impl PgExecutor<'_>,
    event: Uuid,
) -> Result<Vec<UserAttendee>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.first_name, u.last_name
         FROM event_attendees a JOIN users u ON u.id = a.user_id
         WHERE a.event_id = $1 ORDER BY u.display_name, u.email",
    )
    .bind(event)
    .fetch_all(db)
    .await
}

/// Removes `user` from the event if they attend it (their projects, votes and referrals stay).
#[tracing::instrument(skip_all)]
pub async fn remove(db: impl PgExecutor<'_>, event: Uuid, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM event_attendees WHERE event_id = $1 AND user_id = $2")
        .bind(event)
        .bind(user)
        .execute(db)
        .await?;
    Ok(())
}

/// Adds (event, user) attendee links in one statement; existing links are kept as they are.
/// Returns how many were added.
#[tracing::instrument(skip_all, fields(links = links.len()))]
pub async fn insert_links(
    db: impl PgExecutor<'_>,
    links: &[(Uuid, Uuid)],
) -> Result<u64, sqlx::Error> {
    let (events, users): (Vec<Uuid>, Vec<Uuid>) = links.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO event_attendees (event_id, user_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[])
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
