//! The `event_attendees` table (and, on joining, the referral that comes with it).

use sqlx::PgExecutor;

use crate::ids::{EventId, UserId};

/// An attendee of an event, as its owner sees them (`UserAttendee`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attendee {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    Joined(EventId),
    AlreadyAttending,
    NoSuchEvent,
}

/// Adds `user` to the event's attendees; false when they already were (the unique pair
/// constraint settles parallel requests). The caller checked the event.
#[tracing::instrument(skip_all)]
pub async fn add(
    db: impl PgExecutor<'_>,
    event: EventId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO event_attendees (event_id, user_id) VALUES ($1, $2)
         ON CONFLICT ON CONSTRAINT event_attendees_event_id_user_id_key DO NOTHING",
    )
    .bind(event)
    .bind(user)
    .execute(db)
    .await?;
    Ok(added.rows_affected() == 1)
}

/// Joins the event whose join code is `join_code` (case-insensitive) and, when `referral` is
/// not empty, records it, in one statement: the unique pair constraint settles parallel joins
/// (one row, one referral), and the referral is written only by the request that joined.
#[tracing::instrument(skip_all)]
pub async fn join(
    db: impl PgExecutor<'_>,
    join_code: &str,
    user: UserId,
    referral: &str,
) -> Result<Join, sqlx::Error> {
    let row: Option<(EventId, bool)> = sqlx::query_as(
        "WITH event AS (
             SELECT id FROM events WHERE join_code = upper($1) AND deleted_at IS NULL FOR KEY SHARE
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

/// The event's attendees by display name, then e-mail, as the rows come off the connection: the
/// caller holds one at a time, however many the event has.
pub fn of_event<'e>(
    db: impl PgExecutor<'e> + 'e,
    event: EventId,
) -> futures_util::stream::BoxStream<'e, Result<Attendee, sqlx::Error>> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.first_name, u.last_name
         FROM event_attendees a JOIN users u ON u.id = a.user_id
         WHERE a.event_id = $1 ORDER BY u.display_name, u.email",
    )
    .bind(event)
    .fetch(db)
}

/// Removes `user` from the event if they attend it (their projects, votes and referrals stay);
/// false when they did not.
#[tracing::instrument(skip_all)]
pub async fn remove(
    db: impl PgExecutor<'_>,
    event: EventId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM event_attendees WHERE event_id = $1 AND user_id = $2")
        .bind(event)
        .bind(user)
        .execute(db)
        .await?;
    Ok(removed.rows_affected() == 1)
}
