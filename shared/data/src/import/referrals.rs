//! Import SQL for `referrals`.

use sqlx::PgExecutor;
use uuid::Uuid;

/// A referral record of the Airtable backfill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedReferral {
    pub id: Uuid,
    pub airtable_id: String,
    pub content: String,
    pub user_id: Uuid,
    pub event_id: Uuid,
}

/// Referrals already imported from these records.
#[tracing::instrument(skip_all, fields(records = airtable_ids.len()))]
pub async fn matches(
    db: impl PgExecutor<'_>,
    airtable_ids: &[String],
) -> Result<Vec<super::Existing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, airtable_id, NULL::text AS key, NULL::text AS key2 FROM referrals
         WHERE airtable_id = ANY($1)",
    )
    .bind(airtable_ids)
    .fetch_all(db)
    .await
}

/// Inserts imported referrals in one statement. Returns the `airtable_id`s inserted.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn insert(
    db: impl PgExecutor<'_>,
    rows: &[ImportedReferral],
) -> Result<Vec<String>, sqlx::Error> {
    let id = |f: fn(&ImportedReferral) -> Uuid| rows.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&ImportedReferral) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query_scalar(
        "INSERT INTO referrals (id, airtable_id, content, user_id, event_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[])
         ON CONFLICT DO NOTHING RETURNING airtable_id",
    )
    .bind(id(|r| r.id))
    .bind(text(|r| &r.airtable_id))
    .bind(text(|r| &r.content))
    .bind(id(|r| r.user_id))
    .bind(id(|r| r.event_id))
    .fetch_all(db)
    .await
}
