//! The `votes` table, and casting votes (which also counts them into `projects.points`).

use sqlx::{PgExecutor, PgPool};

use crate::ids::{EventId, ProjectId, UserId, VoteId};

use crate::db::{is_foreign_key_violation, is_retryable, violated_constraint};
use crate::text_enum::text_enum;

/// A vote (`VoteResponse`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Vote {
    pub id: VoteId,
    pub voter_id: UserId,
    pub project_id: ProjectId,
    pub event_id: EventId,
}

/// Every vote of the event, in id order (off `ix_votes_event_id_id`, no sort), as the rows come
/// off the connection: the caller holds one at a time, however many the event has.
pub fn of_event<'e>(
    db: impl PgExecutor<'e> + 'e,
    event: EventId,
) -> futures_util::stream::BoxStream<'e, Result<Vote, sqlx::Error>> {
    sqlx::query_as(
        "SELECT id, voter_id, project_id, event_id FROM votes WHERE event_id = $1 ORDER BY id",
    )
    .bind(event)
    .fetch(db)
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

text_enum! {
    /// What `cast_ballot` (migration 011) answers: `ok`, or the first rule the ballot breaks.
    /// Any other answer fails to decode, so it is a database error, never a silent refusal.
    pub enum Outcome("ballot outcome") {
        Ok = "ok",
        EventNotFound = "event_not_found",
        VotingClosed = "voting_closed",
        NotAttendee = "not_attendee",
        OverLimit = "over_limit",
        ProjectNotFound = "project_not_found",
        NotInEvent = "not_in_event",
        AlreadyVoted = "already_voted",
        OwnProject = "own_project",
    }
}

impl VoteError {
    /// The refusal's reason as the ballot metric labels it: its [`Outcome`]'s name
    /// (`voting_closed`, …), or `error`.
    pub fn reason(&self) -> &'static str {
        let outcome = match self {
            Self::EventNotFound => Outcome::EventNotFound,
            Self::VotingClosed => Outcome::VotingClosed,
            Self::NotAttendee => Outcome::NotAttendee,
            Self::OverLimit { .. } => Outcome::OverLimit,
            Self::ProjectNotFound => Outcome::ProjectNotFound,
            Self::NotInEvent => Outcome::NotInEvent,
            Self::AlreadyVoted => Outcome::AlreadyVoted,
            Self::OwnProject => Outcome::OwnProject,
            Self::Database(_) => return "error",
        };
        outcome.as_str()
    }
}

/// The longest ballot taken: no event allows more than 3 votes per user
/// (`events::max_votes_per_user`), so a longer list can only be duplicates or a refusal; lists
/// past this are refused before any work (a 422), so a 2 MB ballot of 50 000 ids costs nothing.
pub const MAX_BALLOT: usize = 100;

/// Transactions lost to a deadlock or serialization failure are retried this many times. Ballots
/// that overlap lock project rows in different orders; on a loaded machine three attempts were
/// once not enough for 50 simultaneous voters (a 500 in the concurrency test under `make test`).
const ATTEMPTS: usize = 6;

/// Casts `voter`'s votes for `projects` in `event`: all or nothing, in one statement (the
/// `cast_ballot` function of migration 011, which holds every rule, lock and order).
///
/// Concurrency: the event row is share-locked first (a racing delete waits, or we find it
/// gone), then the voter's attendee row is locked `FOR UPDATE`, so one voter's ballots in one
/// event are counted one after another while other voters proceed in parallel. The limit is
/// read after that lock, so no burst of parallel ballots can exceed it; the unique pair
/// constraint on (voter, project) backs the one-vote-per-project rule. Points are incremented
/// in the same statement as the inserts, so they always equal the accepted votes.
#[tracing::instrument(skip_all, fields(projects = projects.len()))]
pub async fn cast(
    pool: &PgPool,
    voter: UserId,
    event: EventId,
    projects: &[ProjectId],
) -> Result<(), VoteError> {
    let mut seen = std::collections::HashSet::with_capacity(projects.len());
    let unique: Vec<ProjectId> = projects
        .iter()
        .copied()
        .filter(|id| seen.insert(*id))
        .collect();
    let mut attempt = 1;
    loop {
        match cast_once(pool, voter, event, &unique).await {
            Err(VoteError::Database(e)) if is_retryable(&e) && attempt < ATTEMPTS => {
                tracing::info!(attempt, "ballot retried");
                attempt += 1;
            }
            done => return done,
        }
    }
}

async fn cast_once(
    db: impl PgExecutor<'_>,
    voter: UserId,
    event: EventId,
    projects: &[ProjectId],
) -> Result<(), VoteError> {
    let (outcome, remaining): (Outcome, Option<i64>) =
        sqlx::query_as("SELECT outcome, remaining FROM cast_ballot($1, $2, $3)")
            .bind(voter)
            .bind(event)
            .bind(projects)
            .fetch_one(db)
            .await
            .map_err(|e| {
                if violated_constraint(&e) == Some("votes_voter_id_project_id_key") {
                    VoteError::AlreadyVoted
                } else if is_foreign_key_violation(&e) {
                    VoteError::ProjectNotFound
                } else {
                    VoteError::Database(e)
                }
            })?;
    Err(match outcome {
        Outcome::Ok => return Ok(()),
        Outcome::EventNotFound => VoteError::EventNotFound,
        Outcome::VotingClosed => VoteError::VotingClosed,
        Outcome::NotAttendee => VoteError::NotAttendee,
        Outcome::OverLimit => VoteError::OverLimit {
            requested: projects.len(),
            remaining: remaining.unwrap_or(0),
        },
        Outcome::ProjectNotFound => VoteError::ProjectNotFound,
        Outcome::NotInEvent => VoteError::NotInEvent,
        Outcome::AlreadyVoted => VoteError::AlreadyVoted,
        Outcome::OwnProject => VoteError::OwnProject,
    })
}
