//! Import SQL for `events`.

use sqlx::PgExecutor;
use uuid::Uuid;

/// An event record of the Airtable backfill, cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedEvent {
    pub id: Uuid,
    pub airtable_id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub join_code: String,
    /// The record's December 2025 flags; stored as the phase they describe.
    pub votable: bool,
    pub leaderboard_enabled: bool,
    pub demo_links_optional: bool,
    pub ysws_checks_enabled: bool,
    pub feature_flags_csv: String,
    pub owner_id: Uuid,
}

/// Events an import meets: by `airtable_id`, by slug (`key`) or by join code (`key2`).
#[tracing::instrument(skip_all, fields(records = airtable_ids.len()))]
pub async fn matches(
    db: impl PgExecutor<'_>,
    airtable_ids: &[String],
    slugs: &[String],
    join_codes: &[String],
) -> Result<Vec<super::Existing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, airtable_id, slug AS key, join_code AS key2 FROM events
         WHERE airtable_id = ANY($1) OR slug = ANY($2) OR join_code = ANY($3)",
    )
    .bind(airtable_ids)
    .bind(slugs)
    .bind(join_codes)
    .fetch_all(db)
    .await
}

/// Inserts imported events in one statement, leaving out rows that meet a unique index.
/// Returns the `airtable_id`s inserted.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn insert(
    db: impl PgExecutor<'_>,
    rows: &[ImportedEvent],
) -> Result<Vec<String>, sqlx::Error> {
    let text = |f: fn(&ImportedEvent) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let flag = |f: fn(&ImportedEvent) -> bool| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query_scalar(
        "INSERT INTO events (id, airtable_id, name, slug, description, join_code, phase, live_leaderboard, demo_links_optional, ysws_checks_enabled, feature_flags_csv, owner_id)
         SELECT id, airtable_id, name, slug, description, join_code,
                CASE WHEN votable THEN 'voting' WHEN leaderboard THEN 'closed' ELSE 'submission' END,
                votable AND leaderboard, demo_links_optional, ysws_checks_enabled, feature_flags_csv, owner_id
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bool[], $9::bool[], $10::bool[], $11::text[], $12::uuid[])
              AS r(id, airtable_id, name, slug, description, join_code, votable, leaderboard, demo_links_optional, ysws_checks_enabled, feature_flags_csv, owner_id)
         ON CONFLICT DO NOTHING RETURNING airtable_id",
    )
    .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
    .bind(text(|r| &r.airtable_id))
    .bind(text(|r| &r.name))
    .bind(text(|r| &r.slug))
    .bind(text(|r| &r.description))
    .bind(text(|r| &r.join_code))
    .bind(flag(|r| r.votable))
    .bind(flag(|r| r.leaderboard_enabled))
    .bind(flag(|r| r.demo_links_optional))
    .bind(flag(|r| r.ysws_checks_enabled))
    .bind(text(|r| &r.feature_flags_csv))
    .bind(rows.iter().map(|r| r.owner_id).collect::<Vec<_>>())
    .fetch_all(db)
    .await
}
