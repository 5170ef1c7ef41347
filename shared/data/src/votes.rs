//! The `votes` table, and casting votes (which also counts them into `projects.points`).

use sqlx::{PgConnection, PgExecutor, PgPool};

use crate::ids::{EventId, ProjectId, UserId, VoteId};

use crate::db::{is_foreign_key_violation, is_retryable, violated_constraint};
use crate::events::max_votes_per_user;

/// A vote (`VoteResponse`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Vote {
    pub id: VoteId,
    pub voter_id: UserId,
    pub project_id: ProjectId,
    pub event_id: EventId,
}

#[tracing::instrument(skip_all)]
pub async fn of_event(db: impl PgExecutor<'_>, event: EventId) -> Result<Vec<Vote>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, voter_id, project_id, event_id FROM votes WHERE event_id = $1 ORDER BY id",
    )
    .bind(event)
    .fetch_all(db)
    .await
}

/// Why a ballot was refused, in the order the checks run (contract 2.2 `POST /events/vote`, 7.4).
#[derive(Debug, thiserror::Error)]
pub enum VoteError {
    #[error("no such event")]
    EventNotFound,
    #[error("voting is not open")]
    VotingClosed,
    #[error("not an attendee")]
    NotAttendee,
    #[error("over the limit")]
    OverLimit { requested: usize, remaining: i64 },
    #[error("no such project")]
    ProjectNotFound,
    #[error("project in another event")]
    NotInEvent,
    #[error("already voted for this project")]
    AlreadyVoted,
    #[error("own project")]
    OwnProject,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Transactions lost to a deadlock or serialization failure are retried this many times. Ballots
/// that overlap lock project rows in different orders; on a loaded machine three attempts were
/// once not enough for 50 simultaneous voters (a 500 in the concurrency test under `make test`).
const ATTEMPTS: usize = 6;

/// Casts `voter`'s votes for `projects` in `event`: all or nothing, in one transaction.
///
/// Concurrency: the event row is share-locked first (a racing delete waits, or we find it
/// gone), then the voter's attendee row is locked `FOR UPDATE`, so one voter's ballots in one
/// event are counted one after another while other voters proceed in parallel. The limit is
/// read after that lock, so no burst of parallel ballots can exceed it; the unique pair
/// constraint on (voter, project) backs the one-vote-per-project rule. Points are incremented
/// in the same transaction as the inserts, so they always equal the accepted votes.
#[tracing::instrument(skip_all, fields(projects = projects.len()))]
pub async fn cast(
    pool: &PgPool,
    voter: UserId,
    event: EventId,
    projects: &[ProjectId],
) -> Result<(), VoteError> {
    let mut unique: Vec<ProjectId> = Vec::with_capacity(projects.len());
    for id in projects {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let mut attempt = 1;
    loop {
        let mut tx = pool.begin().await?;
        match cast_in(&mut tx, voter, event, &unique).await {
            Ok(()) => {
                tx.commit().await?;
                return Ok(());
            }
            Err(VoteError::Database(e)) if is_retryable(&e) && attempt < ATTEMPTS => {
                tracing::info!(attempt, "vote transaction retried");
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn cast_in(
    tx: &mut PgConnection,
    voter: UserId,
    event: EventId,
    projects: &[ProjectId],
) -> Result<(), VoteError> {
    let votable: Option<bool> = sqlx::query_scalar(
        "SELECT phase = 'voting' FROM events WHERE id = $1 AND deleted_at IS NULL FOR KEY SHARE",
    )
    .bind(event)
    .fetch_optional(&mut *tx)
    .await?;
    match votable {
        None => return Err(VoteError::EventNotFound),
        Some(false) => return Err(VoteError::VotingClosed),
        Some(true) => {}
    }
    let attending: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM event_attendees WHERE event_id = $1 AND user_id = $2 FOR UPDATE",
    )
    .bind(event)
    .bind(voter)
    .fetch_optional(&mut *tx)
    .await?;
    if attending.is_none() {
        return Err(VoteError::NotAttendee);
    }
    if projects.is_empty() {
        return Ok(());
    }
    // Read after the lock: a fresh snapshot that includes every earlier ballot of this voter.
    let (project_count, existing): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM projects WHERE event_id = $1),
                (SELECT count(*) FROM votes WHERE event_id = $1 AND voter_id = $2)",
    )
    .bind(event)
    .bind(voter)
    .fetch_one(&mut *tx)
    .await?;
    let requested = projects.len();
    let max = i64::from(max_votes_per_user(project_count));
    if existing + requested as i64 > max {
        return Err(VoteError::OverLimit {
            requested,
            remaining: max - existing,
        });
    }
    let facts: Vec<(Option<EventId>, bool, bool)> = sqlx::query_as(
        "SELECT p.event_id,
                EXISTS (SELECT 1 FROM votes v WHERE v.project_id = r.id AND v.voter_id = $2),
                COALESCE(p.owner_id = $2, false)
                  OR EXISTS (SELECT 1 FROM project_collaborators c
                             WHERE c.project_id = r.id AND c.user_id = $2)
         FROM unnest($1::uuid[]) WITH ORDINALITY AS r(id, n)
         LEFT JOIN projects p ON p.id = r.id
         ORDER BY r.n",
    )
    .bind(projects)
    .bind(voter)
    .fetch_all(&mut *tx)
    .await?;
    for (project_event, voted, own) in facts {
        match project_event {
            None => return Err(VoteError::ProjectNotFound),
            Some(e) if e != event => return Err(VoteError::NotInEvent),
            Some(_) if voted => return Err(VoteError::AlreadyVoted),
            Some(_) if own => return Err(VoteError::OwnProject),
            Some(_) => {}
        }
    }
    // In id order, so that overlapping ballots tend to lock project rows in one order (fewer
    // deadlocks to retry).
    let mut in_id_order = projects.to_vec();
    in_id_order.sort_unstable();
    sqlx::query(
        "WITH accepted AS (
             INSERT INTO votes (id, voter_id, project_id, event_id)
             SELECT gen_random_uuid(), $2, id, $3 FROM unnest($1::uuid[]) AS id
             RETURNING project_id
         )
         UPDATE projects p SET points = p.points + 1 FROM accepted WHERE p.id = accepted.project_id",
    )
    .bind(in_id_order)
    .bind(voter)
    .bind(event)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if violated_constraint(&e) == Some("votes_voter_id_project_id_key") {
            VoteError::AlreadyVoted
        } else if is_foreign_key_violation(&e) {
            // A project was deleted between the checks and the insert.
            VoteError::ProjectNotFound
        } else {
            VoteError::Database(e)
        }
    })?;
    Ok(())
}
