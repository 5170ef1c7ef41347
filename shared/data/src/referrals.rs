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
pub async fn of_event(
    db: impl PgExecutor<'_>,
    event: EventId,
) -> Result<Vec<Referral>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, content, user_id, event_id FROM referrals WHERE event_id = $1 ORDER BY id",
    )
    .bind(event)
    .fetch_all(db)
    .await
}
