//! The `projects` table.

use serde_json::Value;
use sqlx::PgExecutor;

use crate::ids::{EventId, ProjectId, UserId};

use crate::db::is_foreign_key_violation;
use crate::slug;
use crate::validation_jobs::queue_validation;

/// Every column the API reads (all but `airtable_id`), with the owner's and the collaborators'
/// current display names, in the same statement.
macro_rules! project_columns {
    () => {
        "p.id, p.name, p.repo, p.image_url, p.demo, p.description, p.join_code, p.hours_spent,
         p.points, p.owner_id, p.event_id, p.cached_auto_quality, p.validation_status,
         p.validation_message,
         (SELECT u.display_name FROM users u WHERE u.id = p.owner_id) AS owner_display_name,
         ARRAY(SELECT u.display_name FROM project_collaborators c JOIN users u ON u.id = c.user_id
               WHERE c.project_id = p.id ORDER BY c.id) AS collaborator_display_names"
    };
}

/// The one rule that hides a soft-deleted event's projects from everyone but the event's admins
/// (whose views read projects through the event): every lookup of a project by id or join code
/// for a project route adds it, so a project of a soft-deleted event is "not found" there.
macro_rules! event_is_live {
    ($project:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM events live WHERE live.id = ",
            $project,
            ".event_id AND live.deleted_at IS NULL)"
        )
    };
}

/// Column limits checked before writing (`repo`, `image_url`, `demo` and `description` are
/// unbounded).
pub mod limits {
    pub const NAME: usize = 255;
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub repo: String,
    pub image_url: String,
    pub demo: String,
    pub description: String,
    pub join_code: String,
    pub hours_spent: i32,
    pub points: i32,
    pub owner_id: UserId,
    pub event_id: EventId,
    pub cached_auto_quality: Option<Value>,
    /// `pending`, `valid` or `warning`.
    pub validation_status: String,
    pub validation_message: String,
    pub owner_display_name: String,
    pub collaborator_display_names: Vec<String>,
}

#[tracing::instrument(skip_all)]
pub async fn find(db: impl PgExecutor<'_>, id: ProjectId) -> Result<Option<Project>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        project_columns!(),
        " FROM projects p WHERE p.id = $1 AND ",
        event_is_live!("p")
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// How an event's projects are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Most points first; ties by name, then id, so the order is stable.
    Leaderboard,
    /// Shuffled, so no project profits from its position.
    Random,
}

/// [`project_columns!`] for every project of the event `$1` at once: the owners joined and the
/// collaborators' names gathered by one grouped join over the event's collaborator rows,
/// instead of two subplans per project row.
macro_rules! event_project_columns {
    () => {
        "p.id, p.name, p.repo, p.image_url, p.demo, p.description, p.join_code, p.hours_spent,
         p.points, p.owner_id, p.event_id, p.cached_auto_quality, p.validation_status,
         p.validation_message, owner.display_name AS owner_display_name,
         coalesce(team.names, '{}') AS collaborator_display_names
         FROM projects p
         JOIN users owner ON owner.id = p.owner_id
         LEFT JOIN (SELECT c.project_id, array_agg(u.display_name ORDER BY c.id) AS names
                    FROM projects ep
                    JOIN project_collaborators c ON c.project_id = ep.id
                    JOIN users u ON u.id = c.user_id
                    WHERE ep.event_id = $1
                    GROUP BY c.project_id) team ON team.project_id = p.id
         WHERE p.event_id = $1"
    };
}

/// Every project of the event, in one statement, as the rows come off the connection.
pub fn of_event<'e>(
    db: impl PgExecutor<'e> + 'e,
    event: EventId,
    order: Order,
) -> futures_util::stream::BoxStream<'e, Result<Project, sqlx::Error>> {
    let sql = match order {
        Order::Leaderboard => concat!(
            "SELECT ",
            event_project_columns!(),
            " ORDER BY p.points DESC, p.name, p.id"
        ),
        Order::Random => concat!("SELECT ", event_project_columns!(), " ORDER BY random()"),
    };
    sqlx::query_as(sql).bind(event).fetch(db)
}

/// The projects `user` owns, then those `user` collaborates on.
#[tracing::instrument(skip_all)]
pub async fn of_user(db: impl PgExecutor<'_>, user: UserId) -> Result<Vec<Project>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        project_columns!(),
        " FROM (SELECT id, 0 AS part FROM projects WHERE owner_id = $1
                UNION ALL
                SELECT project_id, 1 FROM project_collaborators WHERE user_id = $1) mine
           JOIN projects p ON p.id = mine.id
         ORDER BY mine.part, p.name, p.id"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

/// What creating a project in an event depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SubmissionRules {
    pub demo_links_optional: bool,
    pub attending: bool,
    /// The event asks for address and date of birth, and the user's profile lacks them.
    pub lacks_ysws_pii: bool,
}

/// The event's demo and PII rules and whether `user` attends it (`None`: no such event).
#[tracing::instrument(skip_all)]
pub async fn submission_rules(
    db: impl PgExecutor<'_>,
    event: EventId,
    user: UserId,
) -> Result<Option<SubmissionRules>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.demo_links_optional,
                EXISTS (SELECT 1 FROM event_attendees a WHERE a.event_id = e.id AND a.user_id = $2) AS attending,
                e.require_ysws_pii AND NOT EXISTS (
                    SELECT 1 FROM users u WHERE u.id = $2 AND u.street_1 <> '' AND u.city <> ''
                                          AND u.country <> '' AND u.dob IS NOT NULL) AS lacks_ysws_pii
         FROM events e WHERE e.id = $1 AND e.deleted_at IS NULL",
    )
    .bind(event)
    .bind(user)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    pub repo: String,
    pub image_url: String,
    pub demo: String,
    pub description: String,
    pub hours_spent: i32,
    pub owner_id: UserId,
    pub event_id: EventId,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateProjectError {
    /// The event was deleted between the checks and the insert.
    #[error("the event does not exist")]
    EventGone,
    #[error("no free join code after {} attempts", crate::slug::JOIN_CODE_ATTEMPTS)]
    JoinCodesExhausted,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Inserts the project with 0 points, and its validation job in the same statement; a
/// join-code collision is retried with a fresh code.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &sqlx::PgPool,
    project: &NewProject,
    codes: impl FnMut() -> String,
) -> Result<(ProjectId, String), CreateProjectError> {
    let id = ProjectId::random();
    let inserted = slug::with_fresh_join_code(codes, "projects_join_code_key", |code| {
        Box::pin(async move {
            sqlx::query(concat!(
                "WITH created AS (
                     INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                                           hours_spent, points, cached_auto_quality, owner_id, event_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, $9, $10)
                     RETURNING id
                 ), ",
                queue_validation!("created"),
                " SELECT 1"
            ))
            .bind(id)
            .bind(&project.name)
            .bind(&project.repo)
            .bind(&project.image_url)
            .bind(&project.demo)
            .bind(&project.description)
            .bind(&code)
            .bind(project.hours_spent)
            .bind(project.owner_id)
            .bind(project.event_id)
            .execute(db)
            .await
        })
    })
    .await;
    match inserted {
        Ok(Some((_, join_code))) => Ok((id, join_code)),
        Ok(None) => Err(CreateProjectError::JoinCodesExhausted),
        Err(e) if is_foreign_key_violation(&e) => Err(CreateProjectError::EventGone),
        Err(e) => Err(e.into()),
    }
}

/// A project as the public reads it: with whether its event shows its leaderboard (which decides
/// whether its points are shown), read in the same statement.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Public {
    #[sqlx(flatten)]
    pub project: Project,
    pub event_phase: crate::Phase,
    pub event_live_leaderboard: bool,
}

impl Public {
    pub fn leaderboard_open(&self) -> bool {
        crate::events::leaderboard_open(self.event_phase, self.event_live_leaderboard)
    }
}

/// The project of a live event (see [`event_is_live`]) with its event's leaderboard state.
#[tracing::instrument(skip_all)]
pub async fn find_public(
    db: impl PgExecutor<'_>,
    id: ProjectId,
) -> Result<Option<Public>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        project_columns!(),
        ", e.phase AS event_phase, e.live_leaderboard AS event_live_leaderboard
         FROM projects p JOIN events e ON e.id = p.event_id AND e.deleted_at IS NULL
         WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Whether `user` owns or collaborates on the project; `None` when there is no such project.
#[tracing::instrument(skip_all)]
pub async fn is_member(
    db: impl PgExecutor<'_>,
    id: ProjectId,
    user: UserId,
) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "SELECT p.owner_id = $2
                OR EXISTS (SELECT 1 FROM project_collaborators c WHERE c.project_id = p.id AND c.user_id = $2)
         FROM projects p WHERE p.id = $1 AND ",
        event_is_live!("p")
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(db)
    .await
}

/// What editing a project depends on: its owner and its event's demo rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct EditRules {
    pub owner_id: UserId,
    pub demo_links_optional: bool,
}

#[tracing::instrument(skip_all)]
pub async fn edit_rules(
    db: impl PgExecutor<'_>,
    id: ProjectId,
) -> Result<Option<EditRules>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT p.owner_id, e.demo_links_optional
         FROM projects p JOIN events e ON e.id = p.event_id WHERE p.id = $1 AND ",
        event_is_live!("p")
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Changes to a project: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub repo: Option<String>,
    pub image_url: Option<String>,
    pub demo: Option<String>,
    pub description: Option<String>,
    pub hours_spent: Option<i32>,
}

/// Applies `changes` when `owner` owns the project, and marks it for validation again (as the
/// original does, even when nothing changed), queuing the job in the same statement, due after
/// `debounce`: edits in quick succession push the project's one job back each time, so they
/// make one check, of the last edit. The updated project, or `None`.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: impl PgExecutor<'_>,
    id: ProjectId,
    owner: UserId,
    changes: &ProjectChanges,
    debounce: std::time::Duration,
) -> Result<Option<Project>, sqlx::Error> {
    sqlx::query_as(concat!(
        "WITH updated AS (
             UPDATE projects p SET
                name = COALESCE($3, p.name), repo = COALESCE($4, p.repo),
                image_url = COALESCE($5, p.image_url), demo = COALESCE($6, p.demo),
                description = COALESCE($7, p.description), hours_spent = COALESCE($8, p.hours_spent),
                validation_status = 'pending', validation_message = ''
             WHERE p.id = $1 AND p.owner_id = $2 AND ",
        event_is_live!("p"),
        "
             RETURNING ",
        project_columns!(),
        "), ",
        queue_validation!("updated", "now() + make_interval(secs => $9)"),
        " SELECT * FROM updated"
    ))
    .bind(id)
    .bind(owner)
    .bind(&changes.name)
    .bind(&changes.repo)
    .bind(&changes.image_url)
    .bind(&changes.demo)
    .bind(&changes.description)
    .bind(changes.hours_spent)
    .bind(debounce.as_secs_f64())
    .fetch_optional(db)
    .await
}

/// Deletes the project when `owner` owns it, with its votes and collaborator rows (`ON DELETE
/// CASCADE`, one statement). Votes for it no longer count; the other projects' points stay.
#[tracing::instrument(skip_all)]
pub async fn delete(
    db: impl PgExecutor<'_>,
    id: ProjectId,
    owner: UserId,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(concat!(
        "DELETE FROM projects p WHERE p.id = $1 AND p.owner_id = $2 AND ",
        event_is_live!("p")
    ))
    .bind(id)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// What joining a project as a collaborator depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct JoinRules {
    pub project_id: ProjectId,
    /// Owner or already a collaborator.
    pub member: bool,
    /// Attends the project's event.
    pub attending: bool,
}

/// Looks the project up by join code, in any case (imported codes may hold lower case).
#[tracing::instrument(skip_all)]
pub async fn join_rules(
    db: impl PgExecutor<'_>,
    join_code: &str,
    user: UserId,
) -> Result<Option<JoinRules>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT p.id AS project_id,
                p.owner_id = $2 OR EXISTS (SELECT 1 FROM project_collaborators c
                                           WHERE c.project_id = p.id AND c.user_id = $2) AS member,
                EXISTS (SELECT 1 FROM event_attendees a
                        WHERE a.event_id = p.event_id AND a.user_id = $2) AS attending
         FROM projects p WHERE upper(p.join_code) = upper($1) AND ",
        event_is_live!("p")
    ))
    .bind(join_code)
    .bind(user)
    .fetch_optional(db)
    .await
}

/// One row of the YSWS export: a project and its owner's personal data (collaborators are not
/// exported).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportRow {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub demo: String,
    pub repo: String,
    pub image_url: String,
    pub description: String,
    pub street_1: String,
    pub street_2: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub zip_code: String,
    pub dob: Option<chrono::NaiveDate>,
    pub hours_spent: i32,
}

/// The export rows of every project of `events`, by event name, event, project name, project,
/// read as a stream (one row at a time off the connection, never the whole result in memory).
pub fn export<'a>(
    db: &'a sqlx::PgPool,
    events: &'a [EventId],
) -> futures_util::stream::BoxStream<'a, Result<ExportRow, sqlx::Error>> {
    sqlx::query_as(
        "SELECT u.first_name, u.last_name, u.email, p.demo, p.repo, p.image_url, p.description,
                u.street_1, u.street_2, u.city, u.state, u.country, u.zip_code, u.dob, p.hours_spent
         FROM projects p
         JOIN users u ON u.id = p.owner_id
         JOIN events e ON e.id = p.event_id
         WHERE p.event_id = ANY($1)
         ORDER BY e.name, e.id, p.name, p.id",
    )
    .bind(events)
    .fetch(db)
}
