//! `/projects`: submissions, joining a team by code, validation, and the Review Factory checks.

pub mod checks;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use podium_data::collaborators::{self, AddCollaborator};
use podium_data::events;
use podium_data::projects::{self, NewProject, ProjectChanges, limits};
use podium_data::validation::Issues;
use podium_data::{EventId, ProjectId};
use podium_data::{rate_limits, validation_jobs};
use podium_http::client::ClientNetwork;
use podium_http::openapi::{
    ErrorDetail, HttpValidationError as HTTPValidationError, Message, Unprocessable,
};
use podium_http::texts::{
    ALREADY_MEMBER, BAD_ACCESS, CACHED_CHECK, DEMO_REQUIRED, EVENT_NOT_FOUND, JOINED_PROJECT,
    NO_PROJECT_FOUND, NOT_ATTENDING_EVENT, PROJECT_DELETED, PROJECT_NOT_FOUND,
    VALIDATE_RATE_LIMITED, VALIDATION_QUEUED, YSWS_PII_REQUIRED,
};
use podium_http::views::{ProjectPrivate, ProjectPublic};
use podium_http::{
    ApiError, AppState, CurrentUser, Json, Path, Query, finish, join_by_code, rate_limit,
    uuid_query,
};
use podium_validation::Trigger;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use checks::{CheckStatus, ReviewFactory};

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(OpenApi)]
    #[openapi(paths(
        mine,
        create,
        join,
        update,
        delete,
        by_id,
        validate,
        check_start,
        check_poll
    ))]
    struct Doc;
    Doc::openapi()
}

#[derive(Debug, Clone)]
pub struct ProjectsState {
    pub app: AppState,
    pub checks: Arc<ReviewFactory>,
    /// Wakes a validation worker after a request queued a job.
    pub validation: Trigger,
    /// How long an edit's validation job waits for further edits
    /// (`PODIUM_VALIDATION_DEBOUNCE_SECONDS`, [`podium_validation::EDIT_DEBOUNCE`]).
    pub edit_debounce: std::time::Duration,
}

impl FromRef<ProjectsState> for AppState {
    fn from_ref(state: &ProjectsState) -> Self {
        state.app.clone()
    }
}

impl FromRef<ProjectsState> for Trigger {
    fn from_ref(state: &ProjectsState) -> Self {
        state.validation.clone()
    }
}

pub fn app(state: ProjectsState) -> Router {
    finish(
        Router::new()
            .route("/projects", post(create))
            .route("/projects/mine", get(mine))
            .route("/projects/join", post(join))
            .route("/projects/validate", post(validate))
            .route("/projects/check/start", post(check_start))
            .route("/projects/check/{check_id}", get(check_poll))
            .route(
                "/projects/{project_id}",
                get(by_id).put(update).delete(delete),
            ),
        state,
    )
}

fn demo_required() -> ApiError {
    // A 422 with a string detail, as the original answered.
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, DEMO_REQUIRED)
}

/// The projects the user owns, then those the user collaborates on.
#[utoipa::path(get, path = "/projects/mine", tag = "projects", operation_id = "get_projects_projects_mine_get", security(("HTTPBearer" = [])),
    responses((status = 200, body = Vec<ProjectPrivate>)))]
#[tracing::instrument(skip_all)]
async fn mine(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<ProjectPrivate>>, ApiError> {
    let list = projects::of_user(&state.pool, user.id).await?;
    Ok(Json(list.iter().map(ProjectPrivate::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
struct ProjectCreate {
    name: String,
    repo: String,
    image_url: String,
    #[serde(default)]
    demo: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    hours_spent: i32,
    #[schema(value_type = Uuid)]
    event_id: EventId,
}

#[derive(Debug, Serialize, ToSchema)]
struct ProjectCreated {
    id: Uuid,
    join_code: String,
}

/// Submit a project to an event the user attends.
#[utoipa::path(post, path = "/projects/", tag = "projects", operation_id = "create_project_projects__post", request_body = ProjectCreate, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = ProjectCreated),
        (status = 400, description = "`This event requires your address and date of birth on your profile before you can submit a project`", body = ErrorDetail),
        (status = 403, description = "`Owner not part of event`", body = ErrorDetail),
        (status = 404, description = "`Event not found`", body = ErrorDetail),
        (status = 422, description = "Missing, mistyped or over-long field (a list), or `Demo URL is required for this event` (a string)", body = inline(Unprocessable)),
    ))]
#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    State(validation): State<Trigger>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<ProjectCreate>,
) -> Result<Json<ProjectCreated>, ApiError> {
    let mut issues = Issues::default();
    issues.max_chars("name", &body.name, limits::NAME);
    issues.finish()?;
    let rules = projects::submission_rules(&state.pool, body.event_id, user.id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    if !rules.demo_links_optional && body.demo.trim().is_empty() {
        return Err(demo_required());
    }
    if !rules.attending {
        return Err(ApiError::forbidden(NOT_ATTENDING_EVENT));
    }
    if rules.lacks_ysws_pii {
        return Err(ApiError::bad_request(YSWS_PII_REQUIRED));
    }
    let project = NewProject {
        name: body.name,
        repo: body.repo,
        image_url: body.image_url,
        demo: body.demo,
        description: body.description,
        hours_spent: body.hours_spent,
        owner_id: user.id,
        event_id: body.event_id,
    };
    let (id, join_code) = projects::create(&state.pool, &project, events::new_join_code).await?;
    validation.kick().await;
    Ok(Json(ProjectCreated {
        id: id.into(),
        join_code,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct JoinQuery {
    /// The project's 4-character code, any case.
    join_code: String,
}

/// Join a project as a collaborator (the user must attend its event).
#[utoipa::path(post, path = "/projects/join", tag = "projects", operation_id = "join_project_projects_join_post", params(JoinQuery), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Message, example = json!({"message": "Successfully joined project"})),
        (status = 400, description = "`User is already a collaborator or owner`", body = ErrorDetail),
        (status = 403, description = "Not attending the project's event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 404, description = "`No project found`", body = ErrorDetail),
        (status = 422, description = "Missing `join_code`", body = HTTPValidationError),
        (status = 429, description = "`Too many wrong join codes, try again later` (10 wrong codes in 10 minutes per user, 60 per network; `Retry-After` says when)", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn join(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    network: ClientNetwork,
    Query(query): Query<JoinQuery>,
) -> Result<Json<Message>, ApiError> {
    let rules = join_by_code(&state.pool, user.id, &network, async |conn| {
        projects::join_rules(conn, &query.join_code, user.id).await
    })
    .await?
    .ok_or_else(|| ApiError::not_found(NO_PROJECT_FOUND))?;
    if rules.member {
        return Err(ApiError::bad_request(ALREADY_MEMBER));
    }
    if !rules.attending {
        return Err(ApiError::forbidden(BAD_ACCESS));
    }
    match collaborators::add(&state.pool, rules.project_id, user.id).await? {
        AddCollaborator::Added => Ok(Message::json(JOINED_PROJECT)),
        AddCollaborator::AlreadyMember => Err(ApiError::bad_request(ALREADY_MEMBER)),
        AddCollaborator::ProjectGone => Err(ApiError::not_found(NO_PROJECT_FOUND)),
    }
}

/// `ProjectUpdate`: absent or `null` fields are left alone; unknown fields (the whole project
/// the frontend PUTs back: `event_id`, `points`, `join_code`, …) are ignored.
#[derive(Debug, Deserialize, ToSchema)]
struct ProjectUpdate {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default)]
    image_url: Option<String>,
    #[serde(default)]
    demo: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    hours_spent: Option<i32>,
}

/// Change a project (its owner only; collaborators cannot). When the event requires demos,
/// every update must carry a non-blank `demo`.
#[utoipa::path(put, path = "/projects/{project_id}", tag = "projects", operation_id = "update_project_projects__project_id__put", params(("project_id" = Uuid, Path)),
    request_body = ProjectUpdate, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = ProjectPublic),
        (status = 403, description = "Not the owner, or no such project: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID, mistyped or over-long field (a list), or `Demo URL is required for this event` (a string)", body = inline(Unprocessable)),
    ))]
#[tracing::instrument(skip_all)]
async fn update(
    State(ProjectsState {
        app: state,
        validation,
        edit_debounce,
        ..
    }): State<ProjectsState>,
    CurrentUser(user): CurrentUser,
    Path(project_id): Path<ProjectId>,
    Json(body): Json<ProjectUpdate>,
) -> Result<Json<ProjectPublic>, ApiError> {
    let mut issues = Issues::default();
    if let Some(name) = &body.name {
        issues.max_chars("name", name, limits::NAME);
    }
    issues.finish()?;
    let rules = projects::edit_rules(&state.pool, project_id)
        .await?
        .filter(|rules| rules.owner_id == user.id)
        .ok_or_else(|| ApiError::forbidden(BAD_ACCESS))?;
    if !rules.demo_links_optional && body.demo.as_deref().is_none_or(|d| d.trim().is_empty()) {
        return Err(demo_required());
    }
    let changes = ProjectChanges {
        name: body.name,
        repo: body.repo,
        image_url: body.image_url,
        demo: body.demo,
        description: body.description,
        hours_spent: body.hours_spent,
    };
    let updated = projects::update(&state.pool, project_id, user.id, &changes, edit_debounce)
        .await?
        .ok_or_else(|| ApiError::forbidden(BAD_ACCESS))?;
    validation.kick().await;
    Ok(Json(ProjectPublic::from(&updated)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ValidateQuery {
    /// Project ID to validate
    #[param(value_type = Uuid)]
    project_id: String,
}

/// `ValidationResult`.
#[derive(Debug, Serialize, ToSchema)]
struct ValidationResult {
    valid: bool,
    message: &'static str,
}

/// Validate the project again (its owner or a collaborator): it goes back to `pending` and its
/// job is queued in the same statement; the answer is always `{"valid": true, "message":
/// "Validation queued"}`, and the result shows in `validation_status` once a worker has run.
/// At most 10 requests a minute per user, across every instance (refused ones count too).
#[utoipa::path(post, path = "/projects/validate", tag = "projects", operation_id = "validate_project_projects_validate_post",
    params(ValidateQuery), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = ValidationResult, example = json!({"valid": true, "message": "Validation queued"})),
        (status = 403, description = "Neither owner nor collaborator: `You don't have permission to do this`", body = ErrorDetail),
        (status = 404, description = "`Project not found`", body = ErrorDetail),
        (status = 422, description = "Missing or malformed `project_id`", body = HTTPValidationError),
        (status = 429, description = "`Rate limit exceeded: 10 per 1 minute`, with `Retry-After` (seconds)", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn validate(
    State(state): State<AppState>,
    State(validation): State<Trigger>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ValidateQuery>,
) -> Result<Json<ValidationResult>, ApiError> {
    // Present (a missing one is the query's own 422), so `Some` whenever it parses.
    let project_id =
        ProjectId::from(uuid_query("project_id", Some(&query.project_id))?.unwrap_or_default());
    let bucket = format!("validate:{}", user.id);
    rate_limit(
        &state.pool,
        &bucket,
        rate_limits::VALIDATE,
        VALIDATE_RATE_LIMITED,
    )
    .await?;
    match projects::is_member(&state.pool, project_id, user.id).await? {
        None => return Err(ApiError::not_found(PROJECT_NOT_FOUND)),
        Some(false) => return Err(ApiError::forbidden(BAD_ACCESS)),
        Some(true) => {}
    }
    if !validation_jobs::requeue(&state.pool, project_id).await? {
        return Err(ApiError::not_found(PROJECT_NOT_FOUND));
    }
    validation.kick().await;
    Ok(Json(ValidationResult {
        valid: true,
        message: VALIDATION_QUEUED,
    }))
}

/// Delete a project (its owner only), with its votes and collaborators.
#[utoipa::path(delete, path = "/projects/{project_id}", tag = "projects", operation_id = "delete_project_projects__project_id__delete", params(("project_id" = Uuid, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Message, example = json!({"message": "Project deleted"})),
        (status = 403, description = "Not the owner, or no such project: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(project_id): Path<ProjectId>,
) -> Result<Json<Message>, ApiError> {
    if !projects::delete(&state.pool, project_id, user.id).await? {
        return Err(ApiError::forbidden(BAD_ACCESS));
    }
    Ok(Message::json(PROJECT_DELETED))
}

/// A project, as anyone may see it.
#[utoipa::path(get, path = "/projects/{project_id}", tag = "projects", operation_id = "get_project_endpoint_projects__project_id__get", params(("project_id" = Uuid, Path)),
    responses(
        (status = 200, body = ProjectPublic),
        (status = 404, description = "`Project not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn by_id(
    State(state): State<AppState>,
    Path(project_id): Path<ProjectId>,
) -> Result<Json<ProjectPublic>, ApiError> {
    let found = projects::find_public(&state.reader, project_id)
        .await?
        .ok_or_else(|| ApiError::not_found(PROJECT_NOT_FOUND))?;
    Ok(Json(ProjectPublic::public(
        &found.project,
        found.leaderboard_open(),
    )))
}

/// The body of `/projects/check/start`: a whole `ProjectPublic` (only `id` is used), documented
/// as `ProjectPublic`, as the original does.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct CheckRequest {
    id: ProjectId,
    name: String,
    repo: String,
    image_url: String,
    demo: String,
    description: String,
    points: i32,
}

/// Start a Review Factory check of a project (a stored result is answered at once).
#[utoipa::path(post, path = "/projects/check/start", tag = "projects", operation_id = "start_project_check_projects_check_start_post", request_body = ProjectPublic,
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = CheckStatus),
        (status = 404, description = "`Project not found`", body = ErrorDetail),
        (status = 422, description = "Missing or mistyped field", body = HTTPValidationError),
        (status = 502, description = "`The project check service failed`", body = ErrorDetail),
        (status = 503, description = "`Project checks are not configured`", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn check_start(
    State(state): State<ProjectsState>,
    CurrentUser(_user): CurrentUser,
    Json(body): Json<CheckRequest>,
) -> Result<Json<CheckStatus>, ApiError> {
    state.checks.require_configured()?;
    let project = projects::find(&state.app.pool, body.id)
        .await?
        .ok_or_else(|| ApiError::not_found(PROJECT_NOT_FOUND))?;
    if let Some(cached) = project.cached_auto_quality.filter(is_truthy) {
        return Ok(Json(CheckStatus::cached(cached)));
    }
    let status = state
        .checks
        .start(&project.repo, &project.image_url, &project.demo)
        .await?;
    Ok(Json(status))
}

/// Python truthiness, as the original tested the stored result: `null`, `{}`, `[]`, `""`,
/// `0` and `false` mean "no result".
fn is_truthy(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Poll a Review Factory check.
#[utoipa::path(get, path = "/projects/check/{check_id}", tag = "projects", operation_id = "poll_project_check_projects_check__check_id__get", params(("check_id" = String, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = CheckStatus),
        (status = 404, description = "`Cached results should be returned immediately`", body = ErrorDetail),
        (status = 502, description = "`The project check service failed`", body = ErrorDetail),
        (status = 503, description = "`Project checks are not configured`", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn check_poll(
    State(state): State<ProjectsState>,
    CurrentUser(_user): CurrentUser,
    Path(check_id): Path<String>,
) -> Result<Json<CheckStatus>, ApiError> {
    state.checks.require_configured()?;
    if check_id == "cached" {
        return Err(ApiError::not_found(CACHED_CHECK));
    }
    Ok(Json(state.checks.poll(&check_id).await?))
}
