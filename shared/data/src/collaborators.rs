//! The `project_collaborators` table.

use sqlx::PgExecutor;

use crate::ids::{ProjectId, UserId};

use crate::db::is_foreign_key_violation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddCollaborator {
    Added,
    /// The unique pair constraint settled a race: `user` already collaborates.
    AlreadyMember,
    /// The project was deleted meanwhile.
    ProjectGone,
}

#[tracing::instrument(skip_all)]
pub async fn add(
    db: impl PgExecutor<'_>,
    project: ProjectId,
    user: UserId,
) -> Result<AddCollaborator, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO project_collaborators (project_id, user_id) VALUES ($1, $2)
         ON CONFLICT ON CONSTRAINT project_collaborators_project_id_user_id_key DO NOTHING",
    )
    .bind(project)
    .bind(user)
    .execute(db)
    .await;
    match inserted {
        Ok(result) if result.rows_affected() == 1 => Ok(AddCollaborator::Added),
        Ok(_) => Ok(AddCollaborator::AlreadyMember),
        Err(e) if is_foreign_key_violation(&e) => Ok(AddCollaborator::ProjectGone),
        Err(e) => Err(e),
    }
}
