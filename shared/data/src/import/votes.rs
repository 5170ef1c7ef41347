//! Import SQL for `votes`.

use sqlx::PgExecutor;
use uuid::Uuid;

/// A vote record of the Airtable backfill (`event_id` is the project's event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedVote {
    pub id: Uuid,
    pub airtable_id: String,
    pub voter_id: Uuid,
    pub project_id: Uuid,
    pub event_id: Uuid,
}

/// A vote an import meets: by `airtable_id`, or by its (voter, project) pair.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExistingVote {
    pub id: Uuid,
    pub airtable_id: Option<String>,
    pub voter_id: Uuid,
    pub project_id: Uuid,
}

#[tracing::instrument(skip_all, fields(records = airtable_ids.len()))]
pub async fn matches(
    db: impl PgExecutor<'_>,
    airtable_ids: &[String],
    pairs: &[(Uuid, Uuid)],
) -> Result<Vec<ExistingVote>, sqlx::Error> {
    let (voters, projects): (Vec<Uuid>, Vec<Uuid>) = pairs.iter().copied().unzip();
    sqlx::query_as(
        "SELECT id, airtable_id, voter_id, project_id FROM votes
         WHERE airtable_id = ANY($1)
            OR (voter_id, project_id) IN (SELECT * FROM unnest($2::uuid[], $3::uuid[]))",
    )
    .bind(airtable_ids)
    .bind(voters)
    .bind(projects)
    .fetch_all(db)
    .await
}

/// Inserts imported votes in one statement, leaving out a vote that meets the one-vote-per-
/// project constraint. Project points are not recounted (they were imported with the project).
/// When a vote was cast is not known (`cast_at` NULL, not the time of the import).
/// Returns the `airtable_id`s inserted.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn insert(
    db: impl PgExecutor<'_>,
    rows: &[ImportedVote],
) -> Result<Vec<String>, sqlx::Error> {
    let id = |f: fn(&ImportedVote) -> Uuid| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query_scalar(
        "INSERT INTO votes (id, airtable_id, voter_id, project_id, event_id, cast_at)
         SELECT *, NULL FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[])
         ON CONFLICT DO NOTHING RETURNING airtable_id",
    )
    .bind(id(|r| r.id))
    .bind(
        rows.iter()
            .map(|r| r.airtable_id.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(id(|r| r.voter_id))
    .bind(id(|r| r.project_id))
    .bind(id(|r| r.event_id))
    .fetch_all(db)
    .await
}
