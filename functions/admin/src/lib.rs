//! `/events/admin/{event_id}/...`: what an event's owner sees and manages. Every route answers
//! 403 `You don't have permission to do this` to anyone but the owner, also when the event does
//! not exist (never 404).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::TryStreamExt;
use podium_data::events::SeriesChange;
use podium_data::validation::ValidationIssue;
use podium_data::{
    EventId, UserId, attendees, events, projects, projects::Order, referrals, votes,
};
use podium_http::bodies::{EventUpdate, Nulls};
use podium_http::openapi::{ErrorDetail, HttpValidationError as HTTPValidationError, Message};
use podium_http::texts::{ATTENDEE_REMOVED, BAD_ACCESS};
use podium_http::views::{
    EventPrivate, ProjectPrivate, ReferralResponse, UserAttendee, VoteResponse,
};
use podium_http::{ApiError, AppState, CurrentUser, EventAdmin, Json, Path, finish, stream};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

mod results;

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(OpenApi)]
    #[openapi(
        paths(
            event,
            patch_event,
            attendees_of,
            remove_attendee,
            leaderboard,
            votes_of,
            referrals_of,
            results::results
        ),
        components(schemas(results::ResultsFormat))
    )]
    struct Doc;
    Doc::openapi()
}

pub fn app(state: AppState) -> Router {
    finish(
        Router::new()
            .route("/events/admin/{event_id}", get(event).patch(patch_event))
            .route("/events/admin/{event_id}/attendees", get(attendees_of))
            .route(
                "/events/admin/{event_id}/remove-attendee",
                post(remove_attendee),
            )
            .route("/events/admin/{event_id}/leaderboard", get(leaderboard))
            .route("/events/admin/{event_id}/votes", get(votes_of))
            .route("/events/admin/{event_id}/referrals", get(referrals_of))
            .route("/events/admin/{event_id}/results", get(results::results)),
        state,
    )
}

/// The event with its join code (contract 7.1: the original answered 500 here).
#[utoipa::path(get, path = "/events/admin/{event_id}", tag = "events", operation_id = "get_event_admin_events_admin__event_id__get", params(("event_id" = Uuid, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = EventPrivate),
        (status = 403, description = "Not the owner, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn event(admin: EventAdmin) -> Json<EventPrivate> {
    Json(EventPrivate::from(&admin.event))
}

/// Change an event (April 2026): every field present is set, `null` clears `custom_validator`
/// and is a 422 for the fields that cannot be empty (the original answered 500); the phase and
/// the validation settings take only their documented values. Answers the event as it is now.
#[utoipa::path(patch, path = "/events/admin/{event_id}", tag = "events", operation_id = "update_event_admin_events_admin__event_id__patch", params(("event_id" = Uuid, Path)),
    request_body = EventUpdate, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = EventPrivate),
        (status = 403, description = "Not an admin of the event, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID; a mistyped, null, over-long or unknown value", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn patch_event(
    State(state): State<AppState>,
    admin: EventAdmin,
    Json(body): Json<EventUpdate>,
) -> Result<Json<EventPrivate>, ApiError> {
    let changes = body.changes(Nulls::Refuse)?;
    let series = SeriesChange::for_user(&admin.user, &state.config.active_event_series);
    let event = events::update(&state.pool, admin.event.id, None, series, &changes)
        .await?
        .ok_or_else(|| ApiError::forbidden(BAD_ACCESS))?;
    Ok(Json(EventPrivate::from(&event)))
}

/// Who attends the event (the owner too, if they joined).
#[utoipa::path(get, path = "/events/admin/{event_id}/attendees", tag = "events", operation_id = "get_event_attendees_events_admin__event_id__attendees_get", params(("event_id" = Uuid, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Vec<UserAttendee>),
        (status = 403, description = "Not the owner, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn attendees_of(
    State(state): State<AppState>,
    admin: EventAdmin,
) -> Result<Response, ApiError> {
    let (pool, event) = (state.pool, admin.event.id);
    stream::json_list(move |out| async move {
        let rows = attendees::of_event(&pool, event).map_ok(UserAttendee::from);
        out.write(rows).await;
    })
    .await
}

/// `{"user_id": uuid}` (an embedded body field: anything but an object with a valid
/// `user_id` is a 422 at `["body", "user_id"]`).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = Body_remove_attendee_events_admin__event_id__remove_attendee_post)]
struct RemoveAttendee {
    #[schema(value_type = Uuid)]
    user_id: UserId,
}

impl RemoveAttendee {
    fn parse(body: &Value) -> Result<Self, ValidationIssue> {
        let loc = || vec!["body".into(), "user_id".into()];
        match body.get("user_id") {
            None | Some(Value::Null) => Err(ValidationIssue::missing(loc())),
            Some(Value::String(text)) => text
                .parse()
                .map(|id: Uuid| Self { user_id: id.into() })
                .map_err(|_| {
                    ValidationIssue::new("uuid_parsing", loc(), "Input should be a valid UUID")
                }),
            Some(_) => Err(ValidationIssue::new(
                "uuid_type",
                loc(),
                "UUID input should be a string, bytes or UUID object",
            )),
        }
    }
}

/// Remove an attendee (their projects, votes and referrals stay). Removing someone who does not
/// attend is not an error.
#[utoipa::path(post, path = "/events/admin/{event_id}/remove-attendee", tag = "events", operation_id = "remove_attendee_events_admin__event_id__remove_attendee_post",
    params(("event_id" = Uuid, Path)), request_body = RemoveAttendee, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Message, example = json!({"message": "Attendee removed"})),
        (status = 403, description = "Not the owner, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID, missing `user_id`", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn remove_attendee(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<EventId>,
    Json(body): Json<Value>,
) -> Result<Json<Message>, ApiError> {
    let attendee = RemoveAttendee::parse(&body)?;
    // After the body: a bad body is a 422 even for a stranger, as in the original.
    let admin = EventAdmin::check(&state, user, event_id).await?;
    attendees::remove(&state.pool, admin.event.id, attendee.user_id).await?;
    Ok(Message::json(ATTENDEE_REMOVED))
}

/// Every project of the event, most points first, whether or not the public leaderboard is on.
#[utoipa::path(get, path = "/events/admin/{event_id}/leaderboard", tag = "events", operation_id = "get_event_leaderboard_events_admin__event_id__leaderboard_get", params(("event_id" = Uuid, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Vec<ProjectPrivate>),
        (status = 403, description = "Not the owner, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn leaderboard(
    State(state): State<AppState>,
    admin: EventAdmin,
) -> Result<Response, ApiError> {
    let (pool, event) = (state.pool, admin.event.id);
    stream::json_list(move |out| async move {
        let rows = projects::of_event(&pool, event, Order::Leaderboard)
            .map_ok(|p| ProjectPrivate::from(&p));
        out.write(rows).await;
    })
    .await
}

/// Every vote cast in the event.
#[utoipa::path(get, path = "/events/admin/{event_id}/votes", tag = "events", operation_id = "get_event_votes_events_admin__event_id__votes_get", params(("event_id" = Uuid, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Vec<VoteResponse>),
        (status = 403, description = "Not the owner, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn votes_of(State(state): State<AppState>, admin: EventAdmin) -> Result<Response, ApiError> {
    let (pool, event) = (state.pool, admin.event.id);
    stream::json_list(move |out| async move {
        let rows = votes::of_event(&pool, event).map_ok(VoteResponse::from);
        out.write(rows).await;
    })
    .await
}

/// How the attendees heard of the event.
#[utoipa::path(get, path = "/events/admin/{event_id}/referrals", tag = "events", operation_id = "get_event_referrals_events_admin__event_id__referrals_get", params(("event_id" = Uuid, Path)),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Vec<ReferralResponse>),
        (status = 403, description = "Not the owner, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn referrals_of(
    State(state): State<AppState>,
    admin: EventAdmin,
) -> Result<Response, ApiError> {
    let (pool, event) = (state.pool, admin.event.id);
    stream::json_list(move |out| async move {
        let rows = referrals::of_event(&pool, event).map_ok(ReferralResponse::from);
        out.write(rows).await;
    })
    .await
}
