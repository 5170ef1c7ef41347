//! Import SQL for `projects`.

use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

/// A project record of the Airtable backfill, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedProject {
    pub id: Uuid,
    pub airtable_id: String,
    pub name: String,
    pub repo: String,
    pub image_url: String,
    pub demo: String,
    pub description: String,
    pub join_code: String,
    pub hours_spent: i32,
    pub points: i32,
    pub cached_auto_quality: Option<Value>,
    pub owner_id: Uuid,
    pub event_id: Uuid,
}

/// Projects an import meets: by `airtable_id` or by join code (`key`); `key2` is the project's
/// event id (votes take their event from the project).
#[tracing::instrument(skip_all, fields(records = airtable_ids.len()))]
pub async fn matches(
    db: impl PgExecutor<'_>,
    airtable_ids: &[String],
    join_codes: &[String],
) -> Result<Vec<super::Existing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, airtable_id, join_code AS key, event_id::text AS key2 FROM projects
         WHERE airtable_id = ANY($1) OR join_code = ANY($2)",
    )
    .bind(airtable_ids)
    .bind(join_codes)
    .fetch_all(db)
    .await
}

/// Inserts imported projects in one statement, leaving out rows that meet a unique index.
/// Returns the `airtable_id`s inserted.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn insert(
    db: impl PgExecutor<'_>,
    rows: &[ImportedProject],
) -> Result<Vec<String>, sqlx::Error> {
    let text = |f: fn(&ImportedProject) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let id = |f: fn(&ImportedProject) -> Uuid| rows.iter().map(f).collect::<Vec<_>>();
    let number = |f: fn(&ImportedProject) -> i32| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query_scalar(
        "INSERT INTO projects (id, airtable_id, name, repo, image_url, demo, description, join_code, hours_spent, points, cached_auto_quality, owner_id, event_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[], $11::jsonb[], $12::uuid[], $13::uuid[])
         ON CONFLICT DO NOTHING RETURNING airtable_id",
    )
    .bind(id(|r| r.id))
    .bind(text(|r| &r.airtable_id))
    .bind(text(|r| &r.name))
    .bind(text(|r| &r.repo))
    .bind(text(|r| &r.image_url))
    .bind(text(|r| &r.demo))
    .bind(text(|r| &r.description))
    .bind(text(|r| &r.join_code))
    .bind(number(|r| r.hours_spent))
    .bind(number(|r| r.points))
    .bind(
        rows.iter()
            .map(|r| r.cached_auto_quality.clone())
            .collect::<Vec<_>>(),
    )
    .bind(id(|r| r.owner_id))
    .bind(id(|r| r.event_id))
    .fetch_all(db)
    .await
}
