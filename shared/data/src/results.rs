//! What an event's results are computed from (`GET /events/admin/{event_id}/results`, the
//! console's `results`): its projects with their teams, every vote with when it was cast, the
//! people involved with when they joined, and the referrals written on joining. Read in one
//! snapshot (a read-only repeatable-read transaction), in a fixed number of statements whatever
//! the event's size; the statistics themselves are computed elsewhere (`podium-results`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::ids::{EventId, ProjectId, UserId};

/// A project and its team: the owner and the collaborators.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    /// What the leaderboard shows (imported points may not match the votes).
    pub points: i32,
    pub owner_id: UserId,
    pub collaborators: Vec<UserId>,
}

/// A vote, with when it was cast (`None`: cast before migration 015, or imported).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Vote {
    pub voter_id: UserId,
    pub project_id: ProjectId,
    pub cast_at: Option<DateTime<Utc>>,
}

/// Someone who attends the event, is on one of its teams, or voted in it. The e-mail and names
/// are read only to find who a referral names; nothing derived from them leaves the computation
/// but user ids (and `Debug` leaves them out).
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Person {
    pub id: UserId,
    /// Whether they attend the event now (a removed attendee's votes and projects stay).
    pub attends: bool,
    /// When they joined (`None`: not attending, or joined before migration 015, or imported).
    pub joined_at: Option<DateTime<Utc>>,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("id", &self.id)
            .field("attends", &self.attends)
            .field("joined_at", &self.joined_at)
            .finish_non_exhaustive()
    }
}

/// A referral: what `user_id` answered to "how did you hear about this event".
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Referral {
    pub user_id: UserId,
    pub content: String,
}

/// Everything the results of one event are computed from, read in one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventVotes {
    /// Ordered as the admin leaderboard orders them (points, name, id).
    pub projects: Vec<Project>,
    /// In id order.
    pub votes: Vec<Vote>,
    /// In id order.
    pub people: Vec<Person>,
    pub referrals: Vec<Referral>,
    /// Votes each attendee may cast ([`crate::events::max_votes_per_user`] of the project count).
    pub votes_per_attendee: i64,
}

/// Reads an event's projects, votes, people and referrals in one read-only repeatable-read
/// transaction: six statements (BEGIN, four queries, COMMIT) whatever the event's size.
#[tracing::instrument(skip_all)]
pub async fn load(pool: &PgPool, event: EventId) -> Result<EventVotes, sqlx::Error> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    let projects: Vec<Project> = sqlx::query_as(
        "SELECT p.id, p.name, p.points, p.owner_id,
                ARRAY(SELECT c.user_id FROM project_collaborators c
                      WHERE c.project_id = p.id ORDER BY c.id) AS collaborators
         FROM projects p WHERE p.event_id = $1 ORDER BY p.points DESC, p.name, p.id",
    )
    .bind(event)
    .fetch_all(&mut *tx)
    .await?;
    let votes = sqlx::query_as(
        "SELECT voter_id, project_id, cast_at FROM votes WHERE event_id = $1 ORDER BY id",
    )
    .bind(event)
    .fetch_all(&mut *tx)
    .await?;
    let people = sqlx::query_as(
        "WITH involved AS (
             SELECT user_id FROM event_attendees WHERE event_id = $1
             UNION SELECT owner_id FROM projects WHERE event_id = $1
             UNION SELECT c.user_id FROM project_collaborators c
                   JOIN projects p ON p.id = c.project_id WHERE p.event_id = $1
             UNION SELECT voter_id FROM votes WHERE event_id = $1
         )
         SELECT u.id, a.user_id IS NOT NULL AS attends, a.joined_at, u.email, u.display_name,
                u.first_name, u.last_name
         FROM involved i
         JOIN users u ON u.id = i.user_id
         LEFT JOIN event_attendees a ON a.event_id = $1 AND a.user_id = u.id
         ORDER BY u.id",
    )
    .bind(event)
    .fetch_all(&mut *tx)
    .await?;
    let referrals =
        sqlx::query_as("SELECT user_id, content FROM referrals WHERE event_id = $1 ORDER BY id")
            .bind(event)
            .fetch_all(&mut *tx)
            .await?;
    tx.commit().await?;
    let votes_per_attendee =
        crate::events::max_votes_per_user(i64::try_from(projects.len()).unwrap_or(i64::MAX)).into();
    Ok(EventVotes {
        projects,
        votes,
        people,
        referrals,
        votes_per_attendee,
    })
}
