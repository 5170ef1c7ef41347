//! Import SQL for `collaborators`.

use sqlx::PgExecutor;
use uuid::Uuid;

/// Adds (project, user) collaborator links in one statement; existing links are kept as they
/// are. Returns how many were added.
#[tracing::instrument(skip_all, fields(links = links.len()))]
pub async fn insert_links(
    db: impl PgExecutor<'_>,
    links: &[(Uuid, Uuid)],
) -> Result<u64, sqlx::Error> {
    let (projects, users): (Vec<Uuid>, Vec<Uuid>) = links.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO project_collaborators (project_id, user_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[])
         ON CONFLICT ON CONSTRAINT project_collaborators_project_id_user_id_key DO NOTHING",
    )
    .bind(projects)
    .bind(users)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}

/// How many of these (project, user) links exist.
#[tracing::instrument(skip_all, fields(links = links.len()))]
pub async fn count_links(
    db: impl PgExecutor<'_>,
    links: &[(Uuid, Uuid)],
) -> Result<i64, sqlx::Error> {
    let (projects, users): (Vec<Uuid>, Vec<Uuid>) = links.iter().copied().unzip();
    sqlx::query_scalar(
        "SELECT count(*) FROM project_collaborators c
         JOIN unnest($1::uuid[], $2::uuid[]) AS l(project_id, user_id)
           ON c.project_id = l.project_id AND c.user_id = l.user_id",
    )
    .bind(projects)
    .bind(users)
    .fetch_one(db)
    .await
}
