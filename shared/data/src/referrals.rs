//! The `referrals` table ("how did you hear about this event"; written on joining, see
//! [`crate::attendees::join`]).

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::ids::{EventId, UserId};

/// How an attendee heard of an event (`ReferralResponse`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Referral {
    pub id: Uuid,
    pub content: String,
    pub user_id: UserId,
    pub event_id: EventId,
}

#[tracing::instrument(skip_all)]
/// The event's referrals in id order, as the rows come off the connection.
pub fn of_event<'e>(
    db: impl PgExecutor<'e> + 'e,
    event: EventId,
) -> futures_util::stream::BoxStream<'e, Result<Referral, sqlx::Error>> {
    sqlx::query_as(
        "SELECT id, content, user_id, event_id FROM referrals WHERE event_id = $1 ORDER BY id",
    )
    .bind(event)
    .fetch(db)
}
