//! The `events` table.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::ids::{EventId, UserId};
use crate::phase::Phase;
use crate::validators::{DemoValidation, RepoValidation};

use crate::audit::{self, Actor};
use crate::db::violated_constraint;
use crate::page::{self, Counted, PageRequest, Paged};
use crate::slug;

/// Every column the API reads, plus the event's current project count up to 20 (all that
/// `max_votes_per_user` tells apart, so the count costs the same in any event), computed in the
/// same statement.
macro_rules! event_columns {
    () => {
        "e.id, e.name, e.slug, e.description, e.join_code, e.phase, e.live_leaderboard,
         e.demo_links_optional, e.ysws_checks_enabled, e.owner_id, e.repo_validation,
         e.demo_validation, e.custom_validator, e.feature_flags_csv, e.deleted_at,
         e.require_ysws_pii,
         (SELECT count(*) FROM (SELECT 1 FROM projects p WHERE p.event_id = e.id LIMIT 20) upto)
             AS projects_up_to_20"
    };
}

/// Column limits checked before writing, so over-long input is a 422 and not a database error.
pub mod limits {
    pub const NAME: usize = 255;
    pub const FEATURE_FLAGS: usize = 500;
    pub const CUSTOM_VALIDATOR: usize = 50;
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Event {
    pub id: EventId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub join_code: String,
    pub phase: Phase,
    /// In the voting phase, whether the public leaderboard is open too (the 2025 frontend's
    /// "votable and leaderboard enabled" at once).
    pub live_leaderboard: bool,
    pub demo_links_optional: bool,
    pub ysws_checks_enabled: bool,
    pub owner_id: UserId,
    pub repo_validation: RepoValidation,
    pub demo_validation: DemoValidation,
    pub custom_validator: Option<String>,
    pub feature_flags_csv: String,
    /// Soft-deleted when set.
    pub deleted_at: Option<DateTime<Utc>>,
    pub require_ysws_pii: bool,
    /// The event's projects, counted up to 20: all that [`max_votes_per_user`] tells apart
    /// (an event of 500 projects says 20; [`Overview::project_count`] has the whole count).
    pub projects_up_to_20: i64,
}

/// Votes each attendee has: 1 below 4 projects, 2 from 4 to 19, 3 from 20 (every project of
/// the event counts, the voter's own included).
pub fn max_votes_per_user(project_count: i64) -> i32 {
    match project_count {
        ..4 => 1,
        4..20 => 2,
        _ => 3,
    }
}

impl Event {
    pub fn max_votes_per_user(&self) -> i32 {
        max_votes_per_user(self.projects_up_to_20)
    }

    /// `feature_flags_csv` split on commas, each trimmed, empty ones dropped (case kept).
    pub fn feature_flags(&self) -> impl Iterator<Item = &str> {
        self.feature_flags_csv
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// The December 2025 `votable` flag: the voting phase.
    pub fn votable(&self) -> bool {
        self.phase == Phase::Voting
    }

    /// The December 2025 `leaderboard_enabled` flag, which is also when the public leaderboard
    /// is open: the closed phase, or voting with a live leaderboard.
    pub fn leaderboard_enabled(&self) -> bool {
        leaderboard_open(self.phase, self.live_leaderboard)
    }
}

/// Whether an event in `phase` (with `live_leaderboard`) shows its public leaderboard: closed,
/// or voting with a live leaderboard.
pub fn leaderboard_open(phase: Phase, live_leaderboard: bool) -> bool {
    phase == Phase::Closed || (phase == Phase::Voting && live_leaderboard)
}

/// The event, unless it is soft-deleted (what anyone but its admins may see).
#[tracing::instrument(skip_all)]
pub async fn find(db: impl PgExecutor<'_>, id: EventId) -> Result<Option<Event>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events e WHERE e.id = $1 AND e.deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The event, soft-deleted or not (for its admins).
#[tracing::instrument(skip_all)]
pub async fn find_any(db: impl PgExecutor<'_>, id: EventId) -> Result<Option<Event>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events e WHERE e.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The events of `series` (those whose `feature_flags_csv` lists it, trimmed, case kept) that
/// are not soft-deleted, in any phase, by name; found through the `event_series` index
/// (migration 013), so the cost follows the answer, not the number of events.
#[tracing::instrument(skip_all)]
pub async fn official(db: impl PgExecutor<'_>, series: &str) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events e
         WHERE e.deleted_at IS NULL
           AND event_series(e.feature_flags_csv) @> ARRAY[$1::text]
         ORDER BY e.name, e.id"
    ))
    .bind(series)
    .fetch_all(db)
    .await
}

/// The event, only when `owner` owns it.
#[tracing::instrument(skip_all)]
pub async fn find_owned(
    db: impl PgExecutor<'_>,
    id: EventId,
    owner: UserId,
) -> Result<Option<Event>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events e WHERE e.id = $1 AND e.owner_id = $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(db)
    .await
}

/// Whether `user` owns the event (false when it does not exist).
#[tracing::instrument(skip_all)]
pub async fn is_owner(
    db: impl PgExecutor<'_>,
    id: EventId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM events WHERE id = $1 AND owner_id = $2)")
        .bind(id)
        .bind(user)
        .fetch_one(db)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn id_by_slug(
    db: impl PgExecutor<'_>,
    slug: &str,
) -> Result<Option<EventId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM events WHERE slug = $1 AND deleted_at IS NULL")
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// The events `user` owns (soft-deleted ones too) and the events `user` attends (not those), in
/// one statement.
#[tracing::instrument(skip_all)]
pub async fn of_user(
    db: impl PgExecutor<'_>,
    user: UserId,
) -> Result<(Vec<Event>, Vec<Event>), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        event: Event,
        attending: bool,
    }
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        event_columns!(),
        ", EXISTS (SELECT 1 FROM event_attendees a WHERE a.event_id = e.id AND a.user_id = $1) AS attending
         FROM events e
         WHERE e.owner_id = $1 OR e.id IN (SELECT event_id FROM event_attendees WHERE user_id = $1)
         ORDER BY e.name, e.id"
    ))
    .bind(user)
    .fetch_all(db)
    .await?;
    let mut owned = Vec::new();
    let mut attending = Vec::new();
    for row in rows {
        // A soft-deleted event is hidden from its attendees; its owner still sees it.
        if row.attending && !row.event.is_deleted() {
            attending.push(row.event.clone());
        }
        if row.event.owner_id == user {
            owned.push(row.event);
        }
    }
    Ok((owned, attending))
}

/// A new event's fields (the slug is derived from the name; the join code generated).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub demo_links_optional: bool,
    pub ysws_checks_enabled: bool,
    pub owner_id: UserId,
    pub phase: Phase,
    pub feature_flags_csv: String,
    pub repo_validation: RepoValidation,
    pub demo_validation: DemoValidation,
    pub custom_validator: Option<String>,
}

impl NewEvent {
    /// An event as the December 2025 `POST /events/` makes it: open for submissions, GitHub
    /// repository validation (the 2026 default), no series.
    pub fn december_2025(
        name: String,
        slug: String,
        description: String,
        demo_links_optional: bool,
        ysws_checks_enabled: bool,
        owner_id: UserId,
    ) -> Self {
        Self {
            name,
            slug,
            description,
            demo_links_optional,
            ysws_checks_enabled,
            owner_id,
            phase: Phase::Submission,
            feature_flags_csv: String::new(),
            repo_validation: RepoValidation::Github,
            demo_validation: DemoValidation::None,
            custom_validator: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedEvent {
    pub id: EventId,
    pub slug: String,
    pub join_code: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateEventError {
    #[error("an event already has this slug")]
    SlugTaken,
    #[error("no free join code after {} attempts", slug::JOIN_CODE_ATTEMPTS)]
    JoinCodesExhausted,
    #[error("no free slug suffix after {} attempts", slug::JOIN_CODE_ATTEMPTS)]
    SlugSuffixesExhausted,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Inserts the event. The unique index on `slug` settles a race between two equal names
/// (`SlugTaken`); a join-code collision (the unique constraint on `join_code`) is retried with
/// a fresh code from `codes`. With an `audit` actor, the `event.create` row is written by the
/// same statement.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &sqlx::PgPool,
    event: &NewEvent,
    codes: impl FnMut() -> String,
    audit: Option<&Actor>,
) -> Result<CreatedEvent, CreateEventError> {
    let id = EventId::random();
    let inserted = slug::with_fresh_join_code(codes, "events_join_code_key", |code| {
        Box::pin(async move {
        sqlx::query(
            "WITH created AS (
                 INSERT INTO events (id, name, slug, description, join_code, phase,
                                     demo_links_optional, ysws_checks_enabled, feature_flags_csv, owner_id,
                                     repo_validation, demo_validation, custom_validator)
                 VALUES ($1, $2, $3, $4, $5, $9, $6, $7, $10, $8, $11, $12, $13)
                 RETURNING *
             )
             INSERT INTO audit_log (actor_id, actor, action, event_id, after)
             SELECT $14, $15, $16, created.id, to_jsonb(created) FROM created WHERE $15::text IS NOT NULL",
        )
        .bind(id)
        .bind(&event.name)
        .bind(&event.slug)
        .bind(&event.description)
        .bind(&code)
        .bind(event.demo_links_optional)
        .bind(event.ysws_checks_enabled)
        .bind(event.owner_id)
        .bind(event.phase)
        .bind(&event.feature_flags_csv)
        .bind(event.repo_validation)
        .bind(event.demo_validation)
        .bind(&event.custom_validator)
        .bind(audit.and_then(|a| a.id))
        .bind(audit.map(|a| a.name.as_str()))
        .bind(audit::Action::EventCreate.as_str())
        .execute(db)
        .await
        })
    })
    .await;
    match inserted {
        Ok(Some((_, join_code))) => Ok(CreatedEvent {
            id,
            slug: event.slug.clone(),
            join_code,
        }),
        Ok(None) => Err(CreateEventError::JoinCodesExhausted),
        Err(e) if violated_constraint(&e) == Some("ix_events_slug") => {
            Err(CreateEventError::SlugTaken)
        }
        Err(e) => Err(e.into()),
    }
}

/// Inserts the event with its slug followed by `-` and a suffix from `suffixes`, drawing a new
/// suffix while the slug is taken (the unique index settles races); `SlugSuffixesExhausted`
/// when every attempt collided (never `SlugTaken`: the caller chose no slug).
#[tracing::instrument(skip_all)]
pub async fn create_with_slug_suffix(
    db: &sqlx::PgPool,
    event: &NewEvent,
    mut suffixes: impl FnMut() -> String,
    mut codes: impl FnMut() -> String,
    audit: Option<&Actor>,
) -> Result<CreatedEvent, CreateEventError> {
    let mut attempt = event.clone();
    for _ in 0..slug::JOIN_CODE_ATTEMPTS {
        attempt.slug = format!("{}-{}", event.slug, suffixes());
        match create(db, &attempt, &mut codes, audit).await {
            Err(CreateEventError::SlugTaken) => {}
            done => return done,
        }
    }
    Err(CreateEventError::SlugSuffixesExhausted)
}

/// A new random join code (see [`slug::join_code`]).
pub fn new_join_code() -> String {
    slug::join_code()
}

/// Changes to an event: `None` leaves a field as it is. The slug and join code never change.
/// An explicit `phase` wins; otherwise the December 2025 flags change the phase only when they
/// differ from what the phase shows (the 2025 frontend PUTs the whole event back): both on →
/// voting with a live leaderboard, votable only → voting, leaderboard only → closed, both off →
/// submission.
#[derive(Debug, Clone, Default)]
pub struct EventChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub votable: Option<bool>,
    pub leaderboard_enabled: Option<bool>,
    pub demo_links_optional: Option<bool>,
    pub ysws_checks_enabled: Option<bool>,
    pub phase: Option<Phase>,
    pub live_leaderboard: Option<bool>,
    pub require_ysws_pii: Option<bool>,
    pub repo_validation: Option<RepoValidation>,
    pub demo_validation: Option<DemoValidation>,
    /// `Some(None)` clears it.
    pub custom_validator: Option<Option<String>>,
    pub feature_flags_csv: Option<String>,
    /// A new owner (superadmins only).
    pub owner_id: Option<UserId>,
}

/// Who may change which series an event is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesChange<'a> {
    /// Superadmins: any change of `feature_flags_csv`.
    Allowed,
    /// Everyone else: `feature_flags_csv` may change only while neither its old nor its new
    /// value lists this series (the active one): an owner cannot publish an event as official,
    /// nor edit the flags of one that is.
    Outside(&'a str),
}

impl<'a> SeriesChange<'a> {
    /// What `user` may do to the flags of events, `series` being the active one.
    pub fn for_user(user: &crate::users::User, series: &'a str) -> Self {
        if user.is_superadmin {
            Self::Allowed
        } else {
            Self::Outside(series)
        }
    }

    /// The series a change must stay clear of, if any (none configured: nothing to guard).
    fn guarded(self) -> Option<&'a str> {
        match self {
            Self::Outside(series) if !series.is_empty() => Some(series),
            _ => None,
        }
    }
}

/// Applies `changes` to the event, only when `owner` owns it if an owner is given, and only when
/// `series` allows the change of flags (checked on the row being updated, in the same
/// statement, so no concurrent change slips between check and write); the event as it is now,
/// or `None` when there was no such event (of that owner's) or the flags were refused: nothing
/// changed then.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: impl PgExecutor<'_>,
    id: EventId,
    owner: Option<UserId>,
    series: SeriesChange<'_>,
    changes: &EventChanges,
) -> Result<Option<Event>, sqlx::Error> {
    let guarded = series.guarded();
    sqlx::query_as(concat!(
        "WITH flags AS (
             SELECT id, phase = 'voting' AS votable,
                    phase = 'closed' OR (phase = 'voting' AND live_leaderboard) AS leaderboard
             FROM events WHERE id = $1
         ), wanted AS (
             SELECT id, votable, leaderboard,
                    COALESCE($5, votable) AS new_votable, COALESCE($6, leaderboard) AS new_leaderboard
             FROM flags
         )
         UPDATE events e SET
            name = COALESCE($3, e.name), description = COALESCE($4, e.description),
            phase = CASE WHEN $9::text IS NOT NULL THEN $9
                         WHEN w.new_votable = w.votable AND w.new_leaderboard = w.leaderboard THEN e.phase
                         WHEN w.new_votable THEN 'voting'
                         WHEN w.new_leaderboard THEN 'closed'
                         ELSE 'submission' END,
            live_leaderboard = CASE WHEN $10::bool IS NOT NULL THEN $10
                                    WHEN $9::text IS NOT NULL THEN e.live_leaderboard
                                    WHEN w.new_votable = w.votable AND w.new_leaderboard = w.leaderboard
                                    THEN e.live_leaderboard
                                    ELSE w.new_votable AND w.new_leaderboard END,
            demo_links_optional = COALESCE($7, e.demo_links_optional),
            ysws_checks_enabled = COALESCE($8, e.ysws_checks_enabled),
            require_ysws_pii = COALESCE($11, e.require_ysws_pii),
            repo_validation = COALESCE($12, e.repo_validation),
            demo_validation = COALESCE($13, e.demo_validation),
            custom_validator = CASE WHEN $14 THEN $15 ELSE e.custom_validator END,
            feature_flags_csv = COALESCE($16, e.feature_flags_csv),
            owner_id = COALESCE($17, e.owner_id)
         FROM wanted w
         WHERE e.id = w.id AND ($2::uuid IS NULL OR e.owner_id = $2)
           AND ($18::text IS NULL OR $16::text IS NULL OR $16 = e.feature_flags_csv
                OR NOT ($18 = ANY (event_series(e.feature_flags_csv)) OR $18 = ANY (event_series($16))))
         RETURNING ",
        event_columns!()
    ))
    .bind(id)
    .bind(owner)
    .bind(&changes.name)
    .bind(&changes.description)
    .bind(changes.votable)
    .bind(changes.leaderboard_enabled)
    .bind(changes.demo_links_optional)
    .bind(changes.ysws_checks_enabled)
    .bind(changes.phase)
    .bind(changes.live_leaderboard)
    .bind(changes.require_ysws_pii)
    .bind(changes.repo_validation)
    .bind(changes.demo_validation)
    .bind(changes.custom_validator.is_some())
    .bind(changes.custom_validator.clone().flatten())
    .bind(&changes.feature_flags_csv)
    .bind(changes.owner_id)
    .bind(guarded)
    .fetch_optional(db)
    .await
}

/// What deleting an event by its owner came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// No such event, or not `owner`'s.
    NotOwner,
    /// Soft-deleted: hidden from its owner's delete as from every route of theirs that is not an
    /// admin view; only a superadmin restores it.
    SoftDeleted,
    /// In the active series (official), which only superadmins may take out of it.
    Official,
}

/// Deletes the event when `owner` owns it and it is neither soft-deleted nor (unless `series`
/// allows it) in the active series, with (through `ON DELETE CASCADE`, in this one statement's
/// transaction) its projects, their votes and collaborators, its attendees and referrals. The
/// conditions are checked on the row being deleted; the reason for a refusal is read from the
/// same statement's snapshot.
#[tracing::instrument(skip_all)]
pub async fn delete(
    db: impl PgExecutor<'_>,
    id: EventId,
    owner: UserId,
    series: SeriesChange<'_>,
) -> Result<Deletion, sqlx::Error> {
    let guarded = series.guarded();
    let (deleted, owned, soft_deleted): (bool, Option<bool>, Option<bool>) = sqlx::query_as(
        "WITH gone AS (
             DELETE FROM events e
             WHERE e.id = $1 AND e.owner_id = $2 AND e.deleted_at IS NULL
               AND NOT ($3::text IS NOT NULL AND $3 = ANY (event_series(e.feature_flags_csv)))
             RETURNING e.id
         )
         SELECT EXISTS (SELECT 1 FROM gone), e.owner_id = $2, e.deleted_at IS NOT NULL
         FROM (SELECT 1) one LEFT JOIN events e ON e.id = $1",
    )
    .bind(id)
    .bind(owner)
    .bind(guarded)
    .fetch_one(db)
    .await?;
    Ok(match (deleted, owned, soft_deleted) {
        (true, _, _) => Deletion::Deleted,
        (false, Some(true), Some(true)) => Deletion::SoftDeleted,
        (false, Some(true), _) => Deletion::Official,
        _ => Deletion::NotOwner,
    })
}

/// A page of every event, soft-deleted ones too, by name then id: the page's ids off
/// `ix_events_name_id` alone (an index-only scan, no sort of every event), then their rows; the
/// total as [`page::table_total!`] says, in the same statement.
#[tracing::instrument(skip_all)]
pub async fn page(db: &sqlx::PgPool, request: PageRequest) -> Result<Paged<Event>, sqlx::Error> {
    let rows: Vec<Counted<Event>> = sqlx::query_as(concat!(
        "WITH page AS (SELECT id FROM events ORDER BY name, id LIMIT $1 OFFSET $2)
         SELECT ",
        event_columns!(),
        ", ",
        page::table_total!("events"),
        " AS total FROM page JOIN events e ON e.id = page.id ORDER BY e.name, e.id"
    ))
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(db)
    .await?;
    page::from_rows(rows, request, || {
        sqlx::query_scalar(concat!("SELECT ", page::table_total!("events"))).fetch_one(db)
    })
    .await
}

/// Sets `deleted_at` to now on an event that is not deleted; when it was set, or `None` (no
/// such event, or already deleted: the caller holds the lock of [`audit::lock_event`] and knows
/// which).
#[tracing::instrument(skip_all)]
pub async fn soft_delete(
    conn: &mut sqlx::PgConnection,
    id: EventId,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE events SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING deleted_at",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Clears `deleted_at` on a soft-deleted event; the event as it is now, or `None` when there
/// was no such deleted event.
#[tracing::instrument(skip_all)]
pub async fn restore(
    conn: &mut sqlx::PgConnection,
    id: EventId,
) -> Result<Option<Event>, sqlx::Error> {
    sqlx::query_as(concat!(
        "UPDATE events e SET deleted_at = NULL WHERE e.id = $1 AND e.deleted_at IS NOT NULL RETURNING ",
        event_columns!()
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// An event as the operator console lists it: with its owner's e-mail and its attendee count
/// (the project count is the event's own).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Overview {
    #[sqlx(flatten)]
    pub event: Event,
    pub owner_email: String,
    pub attendee_count: i64,
    /// Every project of the event (the event's own count stops at 20).
    pub project_count: i64,
}

/// Which events [`overview`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which<'a> {
    All,
    OwnedBy(&'a [UserId]),
    /// The one with this slug (slugs are unique), soft-deleted or not.
    Slug(&'a str),
}

/// The events `which` names, soft-deleted ones too, by name then id. One statement.
#[tracing::instrument(skip_all)]
pub async fn overview(
    db: impl PgExecutor<'_>,
    which: Which<'_>,
) -> Result<Vec<Overview>, sqlx::Error> {
    let (owners, slug) = match which {
        Which::All => (None, None),
        Which::OwnedBy(owners) => (Some(owners), None),
        Which::Slug(slug) => (None, Some(slug)),
    };
    sqlx::query_as(concat!(
        "SELECT ",
        event_columns!(),
        ", u.email AS owner_email,
         (SELECT count(*) FROM event_attendees a WHERE a.event_id = e.id) AS attendee_count,
         (SELECT count(*) FROM projects p WHERE p.event_id = e.id) AS project_count
         FROM events e JOIN users u ON u.id = e.owner_id
         WHERE ($1::uuid[] IS NULL OR e.owner_id = ANY ($1)) AND ($2::text IS NULL OR e.slug = $2)
         ORDER BY e.name, e.id"
    ))
    .bind(owners)
    .bind(slug)
    .fetch_all(db)
    .await
}

/// Deletes the event whatever its state, with (through `ON DELETE CASCADE`) its projects, their
/// votes, collaborators and validation jobs, its attendees and referrals; false when there was
/// no such event. Only operators do this (the console); owners use [`delete`].
#[tracing::instrument(skip_all)]
pub async fn delete_permanently(
    conn: &mut sqlx::PgConnection,
    id: EventId,
) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM events WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}
