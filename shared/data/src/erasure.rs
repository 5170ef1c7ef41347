//! Erasing users with everything that is theirs (a hacker's request to delete their data, and
//! the test endpoints' cleanup): across every table, in one transaction.
//!
//! What goes, for each erased user: the events they own with everything in them (other
//! people's projects, votes, attendances and referrals there too: an event goes whole); the
//! projects they own, with their votes, collaborators and validation jobs; the votes they cast,
//! each taking its point back from the project (so every other project's points stay equal to
//! the votes it holds); their attendances, collaborations and referrals; their sign-in traces
//! (login requests, redeemed magic links, their validation rate-limit rows). The audit log
//! keeps its rows (what operators did stays on record) but loses what named the user: rows they
//! acted in show `(erased user)` as actor, and rows about them or their events lose their
//! before and after. Then the user row goes.

use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Action, Actor};
use crate::ids::{EventId, ProjectId, UserId};

/// An event the user owns: it goes with all it holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OwnedEvent {
    pub id: EventId,
    pub name: String,
    pub slug: String,
    pub projects: i64,
    pub attendees: i64,
    pub votes: i64,
}

/// A project the user owns (also those inside their events).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OwnedProject {
    pub id: ProjectId,
    pub name: String,
    pub event: String,
    pub points: i64,
    pub collaborators: i64,
}

/// A vote the user cast. `recounted`: the project stays, and loses this vote's point.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CastVote {
    pub project_id: ProjectId,
    pub project: String,
    pub event: String,
    pub recounted: bool,
}

/// A project or event the user is part of without owning it, by name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Membership {
    pub name: String,
    pub event: String,
}

/// Exactly what erasing the user removes, read under the locks the erasure holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub user: UserId,
    pub email: String,
    pub display_name: String,
    pub events: Vec<OwnedEvent>,
    pub projects: Vec<OwnedProject>,
    pub votes: Vec<CastVote>,
    /// Events they attend (`name` is the event's, `event` its slug).
    pub attending: Vec<Membership>,
    pub collaborations: Vec<Membership>,
    pub referrals: i64,
    /// Login requests, redeemed magic links (which lose the e-mail) and rate-limit rows.
    pub sign_in_traces: i64,
    /// Audit rows that lose what named the user.
    pub audit_rows: i64,
}

impl Plan {
    /// The counts written to the `user.delete` audit row (no name, no e-mail).
    pub fn counts(&self) -> serde_json::Value {
        serde_json::json!({
            "events": self.events.len(),
            "projects": self.projects.len(),
            "votes": self.votes.len(),
            "recounted_projects": self.votes.iter().filter(|v| v.recounted).count(),
            "attending": self.attending.len(),
            "collaborations": self.collaborations.len(),
            "referrals": self.referrals,
            "sign_in_traces": self.sign_in_traces,
            "audit_rows": self.audit_rows,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Erasure {
    /// Done: this went (and the `user.delete` audit row is written).
    Erased(Box<Plan>),
    NoSuchUser,
    /// What would go is no longer what was confirmed (someone voted, joined, …): nothing
    /// changed; this is what would go now.
    Changed(Box<Plan>),
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    email: String,
    display_name: String,
    events: Json<Vec<OwnedEvent>>,
    projects: Json<Vec<OwnedProject>>,
    votes: Json<Vec<CastVote>>,
    attending: Json<Vec<Membership>>,
    collaborations: Json<Vec<Membership>>,
    referrals: i64,
    sign_in_traces: i64,
    audit_rows: i64,
}

/// What erasing `user` would remove, or `None` when there is no such user. One statement.
#[tracing::instrument(skip_all)]
pub async fn plan(
    db: impl sqlx::PgExecutor<'_>,
    user: UserId,
) -> Result<Option<Plan>, sqlx::Error> {
    let row: Option<PlanRow> = sqlx::query_as(
        "WITH owned AS (SELECT id FROM events WHERE owner_id = $1)
         SELECT u.email, u.display_name,
           (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', e.id, 'name', e.name, 'slug', e.slug,
                'projects', (SELECT count(*) FROM projects p WHERE p.event_id = e.id),
                'attendees', (SELECT count(*) FROM event_attendees a WHERE a.event_id = e.id),
                'votes', (SELECT count(*) FROM votes v WHERE v.event_id = e.id))
              ORDER BY e.name, e.id), '[]') FROM events e WHERE e.owner_id = $1) AS events,
           (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', p.id, 'name', p.name, 'event', e.name, 'points', p.points,
                'collaborators', (SELECT count(*) FROM project_collaborators c WHERE c.project_id = p.id))
              ORDER BY e.name, p.name, p.id), '[]')
            FROM projects p JOIN events e ON e.id = p.event_id WHERE p.owner_id = $1) AS projects,
           (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'project_id', p.id, 'project', p.name, 'event', e.name,
                'recounted', p.owner_id <> $1 AND p.event_id NOT IN (SELECT id FROM owned))
              ORDER BY e.name, p.name, p.id), '[]')
            FROM votes v JOIN projects p ON p.id = v.project_id JOIN events e ON e.id = p.event_id
            WHERE v.voter_id = $1) AS votes,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('name', e.name, 'event', e.slug)
              ORDER BY e.name, e.id), '[]')
            FROM event_attendees a JOIN events e ON e.id = a.event_id WHERE a.user_id = $1) AS attending,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('name', p.name, 'event', e.name)
              ORDER BY e.name, p.name, p.id), '[]')
            FROM project_collaborators c JOIN projects p ON p.id = c.project_id
            JOIN events e ON e.id = p.event_id WHERE c.user_id = $1) AS collaborations,
           (SELECT count(*) FROM referrals r WHERE r.user_id = $1) AS referrals,
           (SELECT count(*) FROM login_requests l WHERE l.email = u.email)
             + (SELECT count(*) FROM magic_link_redemptions m WHERE m.email = u.email)
             + (SELECT count(*) FROM rate_limit_hits h WHERE h.bucket IN (
                  'validate:' || u.id::text, 'validation:' || u.id::text,
                  'join-code:user:' || u.id::text))
             AS sign_in_traces,
           (SELECT count(*) FROM audit_log g
            WHERE g.actor_id = $1 OR g.subject_user_id = $1
               OR g.event_id IN (SELECT id FROM owned)
               OR g.before ->> 'owner_id' = $1::text OR g.after ->> 'owner_id' = $1::text)
             AS audit_rows
         FROM users u WHERE u.id = $1",
    )
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Plan {
        user,
        email: r.email,
        display_name: r.display_name,
        events: r.events.0,
        projects: r.projects.0,
        votes: r.votes.0,
        attending: r.attending.0,
        collaborations: r.collaborations.0,
        referrals: r.referrals,
        sign_in_traces: r.sign_in_traces,
        audit_rows: r.audit_rows,
    }))
}

/// Erases `user` with everything that is theirs, in one transaction, when what would go is
/// still `confirmed` (the plan the operator saw; `None`: whatever it is). Their events, their
/// user row, their projects and the projects they voted for are locked first (in the order a
/// ballot takes such locks), so no vote, join, project or collaboration of theirs can be added
/// between the plan read under those locks and the erasure; the `user.delete` audit row (counts
/// only) is written in the same transaction.
#[tracing::instrument(skip_all)]
pub async fn erase_user(
    pool: &PgPool,
    actor: &Actor,
    user: UserId,
    confirmed: Option<&Plan>,
) -> Result<Erasure, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let locked: Option<UserId> =
        sqlx::query_scalar("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
    if locked.is_none() {
        return Ok(Erasure::NoSuchUser);
    }
    sqlx::query("SELECT 1 FROM events WHERE owner_id = $1 ORDER BY id FOR UPDATE")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let Some(plan) = plan(&mut *tx, user).await? else {
        return Ok(Erasure::NoSuchUser);
    };
    if confirmed.is_some_and(|seen| *seen != plan) {
        return Ok(Erasure::Changed(Box::new(plan)));
    }
    sqlx::query(
        "CREATE TEMPORARY TABLE podium_erased_users (id uuid PRIMARY KEY, email text NOT NULL)
         ON COMMIT DROP",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO podium_erased_users SELECT id, email FROM users WHERE id = $1")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    erase_marked(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        Action::UserDelete,
        None,
        Some(user),
        Some(&plan.counts()),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Erasure::Erased(Box::new(plan)))
}

/// Erases every user listed in the temporary table `podium_erased_users (id, email)`, which
/// the caller filled in this transaction, as the module documentation says. One round trip.
pub(crate) async fn erase_marked(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TEMPORARY TABLE podium_erased_events ON COMMIT DROP AS
             SELECT id FROM events WHERE owner_id IN (SELECT id FROM podium_erased_users);
         UPDATE projects p SET points = p.points - v.n
           FROM (SELECT project_id, count(*) AS n FROM votes
                 WHERE voter_id IN (SELECT id FROM podium_erased_users) GROUP BY project_id) v
          WHERE p.id = v.project_id;
         DELETE FROM votes WHERE voter_id IN (SELECT id FROM podium_erased_users);
         DELETE FROM project_collaborators WHERE user_id IN (SELECT id FROM podium_erased_users);
         DELETE FROM projects WHERE owner_id IN (SELECT id FROM podium_erased_users);
         DELETE FROM event_attendees WHERE user_id IN (SELECT id FROM podium_erased_users);
         DELETE FROM events WHERE id IN (SELECT id FROM podium_erased_events);
         DELETE FROM referrals WHERE user_id IN (SELECT id FROM podium_erased_users);
         DELETE FROM login_requests WHERE email IN (SELECT email FROM podium_erased_users);
         UPDATE magic_link_redemptions SET email = ''
          WHERE email IN (SELECT email FROM podium_erased_users);
         DELETE FROM rate_limit_hits WHERE bucket IN (
             SELECT prefix || id::text FROM podium_erased_users,
                    unnest(ARRAY['validate:', 'validation:', 'join-code:user:']) AS prefix);
         UPDATE audit_log SET actor = '(erased user)'
          WHERE actor_id IN (SELECT id FROM podium_erased_users);
         UPDATE audit_log SET before = NULL, after = NULL
          WHERE subject_user_id IN (SELECT id FROM podium_erased_users)
             OR event_id IN (SELECT id FROM podium_erased_events)
             OR before ->> 'owner_id' IN (SELECT id::text FROM podium_erased_users)
             OR after ->> 'owner_id' IN (SELECT id::text FROM podium_erased_users);
         DELETE FROM users WHERE id IN (SELECT id FROM podium_erased_users);",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
