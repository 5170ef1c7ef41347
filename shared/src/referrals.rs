//! The `referrals` table ("how did you hear about this event"; written on joining, see
//! [`crate::attendees::join`]).

use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

/// `ReferralResponse`.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "http", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "http", schema(as = ReferralResponse))]
pub struct Referral {
    pub id: Uuid,
    pub content: String,
    pub user_id: Uuid,
    pub event_id: Uuid,
}

#[tracing::instrument(skip_all)]
pub async fn of_event(db: impl PgExecutor<'_>, event: Uuid) -> Result<Vec<Referral>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, content, user_id, event_id FROM referrals WHERE event_id = $1 ORDER BY id",
    )
    .bind(event)
    .fetch_all(db)
    .await
}
