//! `/events` (but `/events/admin/...`): events, joining by code, voting, project listings.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use futures_util::TryStreamExt;
use podium_data::attendees::{self, Join};
use podium_data::events::{self, Deletion, NewEvent, SeriesChange, limits};
use podium_data::projects::{self, Order};
use podium_data::slug::{SLUG_MAX, slugify};
use podium_data::validation::{Issues, ValidationIssue};
use podium_data::votes::{self, VoteError};
use podium_data::{EventId, ProjectId};
use podium_http::bodies::{EventCreate, EventUpdate};
use podium_http::client::ClientNetwork;
use podium_http::openapi::{ErrorDetail, HttpValidationError as HTTPValidationError, Message};
use podium_http::texts::{
    ALREADY_ATTENDING, ALREADY_ATTENDING_EVENT, BAD_ACCESS, EVENT_DELETED, EVENT_NOT_FOUND,
    EVENT_UPDATED, JOINED_EVENT, LEADERBOARD_DISABLED, NO_ACTIVE_SERIES, TEST_DATA_CLEANED,
    TEST_ENDPOINTS_OFF, VOTES_RECORDED, not_in_series,
};
use podium_http::views::{EventPrivate, EventPublic, ProjectPublic};
use podium_http::{
    ApiError, AppState, CurrentUser, EventCreation, Json, Path, Query, finish, join_by_code,
    query_bool,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(OpenApi)]
    #[openapi(paths(
        by_id,
        of_user,
        create,
        attend,
        update,
        delete,
        vote,
        projects_of_event,
        id_by_slug,
        official,
        attend_by_id,
        test_create,
        test_cleanup
    ))]
    struct Doc;
    Doc::openapi()
}

pub fn app(state: AppState) -> Router {
    finish(
        Router::new()
            .route("/events", get(of_user).post(create))
            .route("/events/attend", post(attend))
            .route("/events/official", get(official))
            .route("/events/test/create", post(test_create))
            .route("/events/test/cleanup", post(test_cleanup))
            .route("/events/{event_id}/attend", post(attend_by_id))
            .route("/events/vote", post(vote))
            .route("/events/id/{slug}", get(id_by_slug))
            .route("/events/{event_id}", get(by_id).put(update).delete(delete))
            .route("/events/{event_id}/projects", get(projects_of_event)),
        state,
    )
}

/// An event, as anyone may see it.
#[utoipa::path(get, path = "/events/{event_id}", tag = "events", operation_id = "get_event_endpoint_events__event_id__get", params(("event_id" = Uuid, Path)),
    responses(
        (status = 200, body = EventPublic),
        (status = 404, description = "`Event not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn by_id(
    State(state): State<AppState>,
    Path(event_id): Path<EventId>,
) -> Result<Json<EventPublic>, ApiError> {
    let event = events::find(&state.reader, event_id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    Ok(Json(EventPublic::from(&event)))
}

#[derive(Debug, Serialize, ToSchema)]
struct UserEvents {
    owned_events: Vec<EventPrivate>,
    attending_events: Vec<EventPublic>,
}

/// The events the user owns (with their join codes) and the events the user attends.
#[utoipa::path(get, path = "/events/", tag = "events", operation_id = "get_attending_events_events__get", security(("HTTPBearer" = [])),
    responses((status = 200, body = UserEvents)))]
#[tracing::instrument(skip_all)]
async fn of_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<UserEvents>, ApiError> {
    let (owned, attending) = events::of_user(&state.pool, user.id).await?;
    Ok(Json(UserEvents {
        owned_events: owned.iter().map(EventPrivate::from).collect(),
        attending_events: attending.iter().map(EventPublic::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
struct EventCreated {
    id: Uuid,
    slug: String,
    join_code: String,
}

/// Create an event owned by the user. Its slug comes from the name; its join code is random.
#[utoipa::path(post, path = "/events/", tag = "events", operation_id = "create_event_events__post", request_body = EventCreate, security(("HTTPBearer" = [])),
    responses(
        (status = 403, description = "`You don't have permission to do this` (`PODIUM_EVENT_CREATION=superadmins` and not a superadmin)", body = ErrorDetail),
        (status = 200, body = EventCreated),
        (status = 400, description = "`Event slug already exists`", body = ErrorDetail),
        (status = 422, description = "Missing, mistyped or over-long field, or a name without letters or digits", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<EventCreate>,
) -> Result<Json<EventCreated>, ApiError> {
    if state.config.event_creation == EventCreation::Superadmins && !user.is_superadmin {
        return Err(ApiError::forbidden(BAD_ACCESS));
    }
    let mut issues = Issues::default();
    issues.max_chars("name", &body.name, limits::NAME);
    issues.finish()?;
    let slug = slugify(&body.name);
    if slug.is_empty() {
        return Err(ValidationIssue::body(
            "value_error",
            "name",
            "Value error, the name must contain at least one letter or digit",
        )
        .into());
    }
    let event = NewEvent::december_2025(
        body.name,
        slug,
        body.description,
        body.demo_links_optional,
        body.ysws_checks_enabled,
        user.id,
    );
    let created = events::create(&state.pool, &event, events::new_join_code, None).await?;
    Ok(Json(EventCreated {
        id: created.id.into(),
        slug: created.slug,
        join_code: created.join_code,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AttendQuery {
    /// The event's 4-character code, any case.
    join_code: String,
    /// How the user heard of the event; stored when not empty.
    referral: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Joined {
    message: &'static str,
    event_id: Uuid,
}

/// The events of the active series (`PODIUM_ACTIVE_EVENT_SERIES`), in any phase, by name; none
/// when no series is configured.
#[utoipa::path(get, path = "/events/official", tag = "events", operation_id = "list_official_events_events_official_get",
    responses((status = 200, body = Vec<EventPublic>)))]
#[tracing::instrument(skip_all)]
async fn official(State(state): State<AppState>) -> Result<Json<Vec<EventPublic>>, ApiError> {
    let series = &state.config.active_event_series;
    if series.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let list = events::official(&state.reader, series).await?;
    Ok(Json(list.iter().map(EventPublic::from).collect()))
}

/// Join an official event by its id (April 2026; no join code, no referral). Joining twice is
/// not an error.
#[utoipa::path(post, path = "/events/{event_id}/attend", tag = "events", operation_id = "attend_event_events__event_id__attend_post",
    params(("event_id" = Uuid, Path)), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Joined, description = "`Successfully joined event`, or `Already attending this event`"),
        (status = 400, description = "`No active event series configured` or `Event is not part of the active series (expected '…' in […])`", body = ErrorDetail),
        (status = 404, description = "`Event not found` (also a soft-deleted one)", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn attend_by_id(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<EventId>,
) -> Result<Json<Joined>, ApiError> {
    let series = &state.config.active_event_series;
    if series.is_empty() {
        return Err(ApiError::bad_request(NO_ACTIVE_SERIES));
    }
    let event = events::find(&state.pool, event_id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    if !event.feature_flags().any(|flag| flag == series) {
        return Err(ApiError::bad_request(not_in_series(
            series,
            &event.feature_flags().collect::<Vec<_>>(),
        )));
    }
    let message = match attendees::add(&state.pool, event.id, user.id).await {
        Ok(true) => JOINED_EVENT,
        Ok(false) => ALREADY_ATTENDING_EVENT,
        Err(e) if podium_data::db::is_foreign_key_violation(&e) => {
            return Err(ApiError::not_found(EVENT_NOT_FOUND));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Json(Joined {
        message,
        event_id: event.id.into(),
    }))
}

/// `TestEventCreate`.
#[derive(Debug, Deserialize, ToSchema)]
struct TestEventCreate {
    name: String,
    #[serde(default)]
    description: String,
}

/// Test only (`PODIUM_ENABLE_TEST_ENDPOINTS`): an event of the active series owned by the caller,
/// open for voting, demo links optional, no validation; its slug is the name's (at most 40
/// characters) with a random suffix, drawn again on a collision.
#[utoipa::path(post, path = "/events/test/create", tag = "events", operation_id = "create_test_event_events_test_create_post",
    request_body = TestEventCreate, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = EventPrivate),
        (status = 400, description = "`No active event series configured`", body = ErrorDetail),
        (status = 404, description = "`Not found`: the test endpoints are off", body = ErrorDetail),
        (status = 422, description = "Missing or mistyped field", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn test_create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<TestEventCreate>,
) -> Result<Json<EventPrivate>, ApiError> {
    if !state.config.enable_test_endpoints {
        return Err(ApiError::not_found(TEST_ENDPOINTS_OFF));
    }
    let series = &state.config.active_event_series;
    if series.is_empty() {
        return Err(ApiError::bad_request(NO_ACTIVE_SERIES));
    }
    let mut issues = Issues::default();
    issues.max_chars("name", &body.name, limits::NAME);
    issues.finish()?;
    let base: String = slugify(&body.name).chars().take(40).collect();
    let event = NewEvent {
        phase: podium_data::Phase::Voting,
        feature_flags_csv: series.clone(),
        repo_validation: podium_data::RepoValidation::None,
        ..NewEvent::december_2025(body.name, base, body.description, true, false, user.id)
    };
    let created = events::create_with_slug_suffix(
        &state.pool,
        &event,
        podium_data::slug::random_suffix,
        events::new_join_code,
        None,
    )
    .await?;
    let event = events::find_any(&state.pool, created.id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    Ok(Json(EventPrivate::from(&event)))
}

/// Test only (`PODIUM_ENABLE_TEST_ENDPOINTS`), without authentication, as the original: deletes
/// the end-to-end suite's users (`test+pw…@example.com`, `organizer+…`, `attendee+…`,
/// `admin+…@test.local`) with everything they made, in one transaction.
#[utoipa::path(post, path = "/events/test/cleanup", tag = "events", operation_id = "cleanup_test_data_events_test_cleanup_post",
    responses(
        (status = 200, body = Message, example = json!({"message": "Test data cleaned up"})),
        (status = 404, description = "`Not found`: the test endpoints are off", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn test_cleanup(State(state): State<AppState>) -> Result<Json<Message>, ApiError> {
    if !state.config.enable_test_endpoints {
        return Err(ApiError::not_found(TEST_ENDPOINTS_OFF));
    }
    podium_data::test_data::clean_up(&state.pool).await?;
    Ok(Message::json(TEST_DATA_CLEANED))
}

/// Join an event with its code (and say how you heard of it).
#[utoipa::path(post, path = "/events/attend", tag = "events", operation_id = "attend_event_events_attend_post", params(AttendQuery), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Joined),
        (status = 400, description = "`User already attending event`", body = ErrorDetail),
        (status = 404, description = "`Event not found`", body = ErrorDetail),
        (status = 422, description = "Missing query parameter", body = HTTPValidationError),
        (status = 429, description = "`Too many wrong join codes, try again later` (10 wrong codes in 10 minutes per user, 60 per network; `Retry-After` says when)", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn attend(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    network: ClientNetwork,
    Query(query): Query<AttendQuery>,
) -> Result<Json<Joined>, ApiError> {
    let joined = join_by_code(&state.pool, user.id, &network, async |conn| {
        let joined = attendees::join(conn, &query.join_code, user.id, &query.referral).await?;
        Ok((joined != Join::NoSuchEvent).then_some(joined))
    })
    .await?;
    match joined {
        Some(Join::Joined(event_id)) => Ok(Json(Joined {
            message: JOINED_EVENT,
            event_id: event_id.into(),
        })),
        Some(Join::AlreadyAttending) => Err(ApiError::bad_request(ALREADY_ATTENDING)),
        None | Some(Join::NoSuchEvent) => Err(ApiError::not_found(EVENT_NOT_FOUND)),
    }
}

/// Change an event (its owner only).
#[utoipa::path(put, path = "/events/{event_id}", tag = "events", operation_id = "update_event_events__event_id__put", params(("event_id" = Uuid, Path)),
    request_body = EventUpdate, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Message, example = json!({"message": "Event updated"})),
        (status = 403, description = "Not the owner, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID, mistyped or over-long field", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<EventId>,
    Json(body): Json<EventUpdate>,
) -> Result<Json<Message>, ApiError> {
    let changes = body.changes_2025()?;
    let series = SeriesChange::for_user(&user, &state.config.active_event_series);
    if events::update(&state.pool, event_id, Some(user.id), series, &changes)
        .await?
        .is_none()
    {
        return Err(ApiError::forbidden(BAD_ACCESS));
    }
    Ok(Message::json(EVENT_UPDATED))
}

/// Delete an event (its owner only), with its projects, votes, attendees and referrals. A
/// soft-deleted event is gone for its owner (404); one in the active series is for superadmins
/// to take down (403).
#[utoipa::path(delete, path = "/events/{event_id}", tag = "events", operation_id = "delete_event_events__event_id__delete", params(("event_id" = Uuid, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Message, example = json!({"message": "Event deleted"})),
        (status = 403, description = "Not the owner, no such event, or an event of the active series: `You don't have permission to do this`", body = ErrorDetail),
        (status = 404, description = "Soft-deleted: `Event not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<EventId>,
) -> Result<Json<Message>, ApiError> {
    let series = SeriesChange::for_user(&user, &state.config.active_event_series);
    match events::delete(&state.pool, event_id, user.id, series).await? {
        Deletion::Deleted => Ok(Message::json(EVENT_DELETED)),
        Deletion::SoftDeleted => Err(ApiError::not_found(EVENT_NOT_FOUND)),
        Deletion::NotOwner | Deletion::Official => Err(ApiError::forbidden(BAD_ACCESS)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
struct CreateVotes {
    /// The projects voted for (duplicates count once).
    #[schema(value_type = Vec<Uuid>)]
    projects: Vec<ProjectId>,
    #[schema(value_type = Uuid)]
    event: EventId,
}

/// Vote for projects of an event the user attends, within the event's `max_votes_per_user`.
#[utoipa::path(post, path = "/events/vote", tag = "events", operation_id = "vote_events_vote_post", request_body = CreateVotes, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Message, example = json!({"message": "Votes recorded"})),
        (status = 400, description = "`Cannot vote for {n} projects. You have {m} vote(s) remaining.`, `You have no votes remaining.`, `Project is not in the event` or `User has already voted for this project`", body = ErrorDetail),
        (status = 403, description = "`Voting is not open for this event`, `You don't have permission to do this` (not an attendee) or `User cannot vote for their own project`", body = ErrorDetail),
        (status = 404, description = "`Event not found` or `Project not found`", body = ErrorDetail),
        (status = 422, description = "Missing or malformed field", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn vote(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<CreateVotes>,
) -> Result<Json<Message>, ApiError> {
    let counted = |outcome: &'static str| {
        metrics::counter!(podium_http::measure::BALLOTS, "outcome" => outcome).increment(1);
    };
    if body.projects.len() > votes::MAX_BALLOT {
        counted("too_long");
        return Err(ValidationIssue::too_many_items(
            vec!["body".into(), "projects".into()],
            votes::MAX_BALLOT,
            body.projects.len(),
        )
        .into());
    }
    let cast = votes::cast(&state.pool, user.id, body.event, &body.projects).await;
    counted(cast.as_ref().map_or_else(VoteError::reason, |_| "accepted"));
    cast?;
    Ok(Message::json(VOTES_RECORDED))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ProjectsQuery {
    /// `true`: most points first (only when the event's leaderboard is enabled); `false`:
    /// shuffled. Also `1/0`, `yes/no`, `on/off`.
    #[serde(deserialize_with = "query_bool")]
    leaderboard: bool,
}

/// An event's projects: shuffled, or as its public leaderboard.
#[utoipa::path(get, path = "/events/{event_id}/projects", tag = "events", operation_id = "get_event_projects_events__event_id__projects_get",
    params(("event_id" = Uuid, Path), ProjectsQuery),
    responses(
        (status = 200, body = Vec<ProjectPublic>),
        (status = 403, description = "`Leaderboard is not enabled`", body = ErrorDetail),
        (status = 404, description = "`Event not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID, missing or invalid `leaderboard`", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn projects_of_event(
    State(state): State<AppState>,
    Path(event_id): Path<EventId>,
    Query(query): Query<ProjectsQuery>,
) -> Result<Json<Vec<ProjectPublic>>, ApiError> {
    let event = events::find(&state.reader, event_id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    let order = if query.leaderboard {
        if !event.leaderboard_enabled() {
            return Err(ApiError::forbidden(LEADERBOARD_DISABLED));
        }
        Order::Leaderboard
    } else {
        Order::Random
    };
    let list: Vec<_> = projects::of_event(&state.reader, event_id, order)
        .try_collect()
        .await?;
    Ok(Json(
        list.iter()
            .map(|p| ProjectPublic::public(p, event.leaderboard_enabled()))
            .collect(),
    ))
}

/// An event's id from its slug, as a bare JSON string.
#[utoipa::path(get, path = "/events/id/{slug}", tag = "events", operation_id = "get_at_id_events_id__slug__get",
    params(("slug" = String, Path, min_length = 1, max_length = 50, pattern = "[-a-z0-9]+")),
    responses(
        (status = 200, body = Uuid, content_type = "application/json", example = json!("9758d1f4-6c2e-4d1a-9a43-6f1f1f1f1f1f")),
        (status = 404, description = "`Event not found`", body = ErrorDetail),
        (status = 422, description = "Longer than 50 characters, or no character from `[-a-z0-9]`", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn id_by_slug(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Uuid>, ApiError> {
    check_slug(&slug)?;
    let id = events::id_by_slug(&state.pool, &slug)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    Ok(Json(id.into()))
}

/// The original's path rule: 1 to 50 characters, and the pattern `[-a-z0-9]+` found
/// somewhere in it (an unanchored search, so `ABc` passes and then is simply not found).
fn check_slug(slug: &str) -> Result<(), ApiError> {
    let loc = || vec!["path".into(), "slug".into()];
    if slug.chars().count() > SLUG_MAX {
        return Err(ValidationIssue::too_long(loc(), SLUG_MAX).into());
    }
    if !slug
        .chars()
        .any(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(ValidationIssue::new(
            "string_pattern_mismatch",
            loc(),
            "String should match pattern '[-a-z0-9]+'",
        )
        .with_ctx(serde_json::json!({ "pattern": "[-a-z0-9]+" }))
        .into());
    }
    Ok(())
}
