//! The `project_collaborators` table.

use sqlx::PgPool;

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

/// Makes `user` a collaborator on `project`, and withdraws their vote for it if they hold one
/// (taking its point back): nobody holds a vote for a project they own or collaborate on. The
/// join takes the lock a ballot takes first (the voter's attendee row of the event, `FOR
/// UPDATE`, see `cast_ballot`), so a ballot and a join of the same person run one after the
/// other: a ballot after the join finds them a collaborator (`own_project`), a join after the
/// ballot finds the vote and withdraws it. Whether a vote was withdrawn is in the answer.
#[tracing::instrument(skip_all)]
pub async fn add(
    pool: &PgPool,
    project: ProjectId,
    user: UserId,
) -> Result<AddCollaborator, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "SELECT 1 FROM event_attendees a JOIN projects p ON p.event_id = a.event_id
         WHERE p.id = $1 AND a.user_id = $2 FOR UPDATE OF a",
    )
    .bind(project)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO project_collaborators (project_id, user_id) VALUES ($1, $2)
         ON CONFLICT ON CONSTRAINT project_collaborators_project_id_user_id_key DO NOTHING",
    )
    .bind(project)
    .bind(user)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(result) if result.rows_affected() == 1 => {}
        Ok(_) => return Ok(AddCollaborator::AlreadyMember),
        Err(e) if is_foreign_key_violation(&e) => return Ok(AddCollaborator::ProjectGone),
        Err(e) => return Err(e),
    }
    let withdrawn: i64 = sqlx::query_scalar(
        "WITH gone AS (DELETE FROM votes WHERE project_id = $1 AND voter_id = $2 RETURNING id),
              counted AS (UPDATE projects SET points = points - (SELECT count(*) FROM gone)
                          WHERE id = $1 AND EXISTS (SELECT 1 FROM gone))
         SELECT count(*) FROM gone",
    )
    .bind(project)
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if withdrawn > 0 {
        tracing::info!("a joining collaborator's vote for the project was withdrawn");
    }
    Ok(AddCollaborator::Added)
}
