//! `/superadmin/...`: what a superadmin sees and changes across every event. Every route answers
//! 401 without credentials and 403 `You don't have permission to do this` to anyone but a
//! superadmin. Every write goes into the audit log in its own transaction.

pub mod export;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, patch, post};
use podium_data::audit::Actor;
use podium_data::events;
use podium_data::slug::{random_suffix, slugify};
use podium_data::superadmin::{self, Restored, SoftDeleted, Updated};
use podium_data::{EventId, users};
use podium_http::bodies::{EventCreate, Nulls, SuperadminEventUpdate};
use podium_http::openapi::{ErrorDetail, HttpValidationError as HTTPValidationError};
use podium_http::texts::{
    EVENT_ALREADY_DELETED, EVENT_NOT_DELETED, EVENT_NOT_FOUND, owner_not_found,
};
use podium_http::views::{
    self, EventPrivate, Page_AuditEntry_, Page_EventPrivate_, Page_UserSummary_,
};
use podium_http::{ApiError, AppState, Json, PageParams, Path, Query, Superadmin, finish};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, OpenApi};

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(OpenApi)]
    #[openapi(paths(
        list_events,
        create_event,
        update_event,
        soft_delete_event,
        restore_event,
        list_users,
        export::export_csv,
        audit_log
    ))]
    struct Doc;
    Doc::openapi()
}

pub fn app(state: AppState) -> Router {
    finish(
        Router::new()
            .route("/superadmin/events", get(list_events).post(create_event))
            .route(
                "/superadmin/events/{event_id}",
                patch(update_event).delete(soft_delete_event),
            )
            .route("/superadmin/events/{event_id}/restore", post(restore_event))
            .route("/superadmin/users", get(list_users))
            .route("/superadmin/export-csv", get(export::export_csv))
            .route("/superadmin/audit", get(audit_log)),
        state,
    )
}

/// Query of the paged lists (documentation; [`PageParams`] reads it).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct PageQuery {
    /// Page number (from 1; default 1).
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Page size (1–100; default 50).
    #[param(minimum = 1, maximum = 100, default = 50)]
    size: Option<u32>,
}

/// Every event, soft-deleted ones too, by name (then id: the original has no order).
#[utoipa::path(get, path = "/superadmin/events", tag = "superadmin", operation_id = "list_all_events_superadmin_events_get",
    params(PageQuery), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Page_EventPrivate_),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "`page` below 1, `size` outside 1–100, or not integers", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn list_events(
    State(state): State<AppState>,
    _: Superadmin,
    PageParams(request): PageParams,
) -> Result<Json<Page_EventPrivate_>, ApiError> {
    let paged = events::page(&state.pool, request).await?;
    Ok(Json(Page_EventPrivate_::new(request, paged)))
}

/// Create an event owned by the caller (who does not join it). Its slug is the name's (at most
/// 40 characters, cut at a word, `event` when nothing is left) with a random suffix, drawn again
/// when taken. The phase and validation settings take only their documented values.
#[utoipa::path(post, path = "/superadmin/events", tag = "superadmin", operation_id = "create_event_superadmin_events_post",
    request_body = EventCreate, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = EventPrivate),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Missing, mistyped or over-long field; a value outside its documented set", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn create_event(
    State(state): State<AppState>,
    Superadmin(user): Superadmin,
    Json(body): Json<EventCreate>,
) -> Result<Json<EventPrivate>, ApiError> {
    let stem = slug_stem(&body.name);
    let event = body.superadmin_event(stem, user.id)?;
    let created = events::create_with_slug_suffix(
        &state.pool,
        &event,
        random_suffix,
        events::new_join_code,
        Some(&Actor::user(&user)),
    )
    .await?;
    let event = events::find_any(&state.pool, created.id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    Ok(Json(EventPrivate::from(&event)))
}

/// The slug of a superadmin's event before its suffix: the name's slug cut to 40 characters
/// without a trailing `-` (the original could end in `--`), or `event`.
pub fn slug_stem(name: &str) -> String {
    let slug: String = slugify(name).chars().take(40).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "event".to_owned()
    } else {
        slug.to_owned()
    }
}

/// Change an event, as the admin PATCH does, and with `owner_email` make that user its owner
/// (the e-mail trimmed and compared case-insensitively; the previous owner loses admin rights).
/// Soft-deleted events can be changed too.
#[utoipa::path(patch, path = "/superadmin/events/{event_id}", tag = "superadmin", operation_id = "update_event_superadmin_events__event_id__patch",
    params(("event_id" = Uuid, Path)), request_body = SuperadminEventUpdate, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = EventPrivate),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 404, description = "`Event not found`; `User '<owner_email>' not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID; a mistyped, null, over-long or unknown value", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn update_event(
    State(state): State<AppState>,
    Superadmin(user): Superadmin,
    Path(event_id): Path<EventId>,
    Json(body): Json<Value>,
) -> Result<Json<EventPrivate>, ApiError> {
    let body = SuperadminEventUpdate::parse(&body)?;
    let owner = body.normalized_owner_email();
    let sent_owner = body.owner_email.clone();
    let changes = body.update.changes(Nulls::Refuse)?;
    match superadmin::update_event(
        &state.pool,
        &Actor::user(&user),
        event_id,
        changes,
        owner.as_deref(),
    )
    .await?
    {
        Updated::Event(event) => Ok(Json(EventPrivate::from(event.as_ref()))),
        Updated::NoSuchEvent => Err(ApiError::not_found(EVENT_NOT_FOUND)),
        Updated::NoSuchOwner => Err(ApiError::not_found(owner_not_found(
            sent_owner.as_deref().unwrap_or_default(),
        ))),
    }
}

/// Soft-delete an event: it disappears for everyone but its admins (see the README), nothing is
/// removed, and `POST /superadmin/events/{event_id}/restore` brings it back.
#[utoipa::path(delete, path = "/superadmin/events/{event_id}", tag = "superadmin", operation_id = "soft_delete_event_superadmin_events__event_id__delete",
    params(("event_id" = Uuid, Path)), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = views::SoftDeleted, example = json!({"message": "Event soft-deleted", "deleted_at": "2026-11-28T23:59:04.576477+00:00"})),
        (status = 400, description = "`Event is already deleted`", body = ErrorDetail),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 404, description = "`Event not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn soft_delete_event(
    State(state): State<AppState>,
    Superadmin(user): Superadmin,
    Path(event_id): Path<EventId>,
) -> Result<Json<views::SoftDeleted>, ApiError> {
    match superadmin::soft_delete_event(&state.pool, &Actor::user(&user), event_id).await? {
        SoftDeleted::At(at) => Ok(Json(views::SoftDeleted::new(at))),
        SoftDeleted::NoSuchEvent => Err(ApiError::not_found(EVENT_NOT_FOUND)),
        SoftDeleted::AlreadyDeleted => Err(ApiError::bad_request(EVENT_ALREADY_DELETED)),
    }
}

/// Restore a soft-deleted event (ours; the original has no way back): visible again wherever it
/// was before. Answers the event as it is now.
#[utoipa::path(post, path = "/superadmin/events/{event_id}/restore", tag = "superadmin", operation_id = "restore_event_superadmin_events__event_id__restore_post",
    params(("event_id" = Uuid, Path)), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = EventPrivate),
        (status = 400, description = "`Event is not deleted`", body = ErrorDetail),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 404, description = "`Event not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn restore_event(
    State(state): State<AppState>,
    Superadmin(user): Superadmin,
    Path(event_id): Path<EventId>,
) -> Result<Json<EventPrivate>, ApiError> {
    match superadmin::restore_event(&state.pool, &Actor::user(&user), event_id).await? {
        Restored::Event(event) => Ok(Json(EventPrivate::from(event.as_ref()))),
        Restored::NoSuchEvent => Err(ApiError::not_found(EVENT_NOT_FOUND)),
        Restored::NotDeleted => Err(ApiError::bad_request(EVENT_NOT_DELETED)),
    }
}

/// Every user, by e-mail (the original has no order).
#[utoipa::path(get, path = "/superadmin/users", tag = "superadmin", operation_id = "list_users_superadmin_users_get",
    params(PageQuery), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Page_UserSummary_),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "`page` below 1, `size` outside 1–100, or not integers", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn list_users(
    State(state): State<AppState>,
    _: Superadmin,
    PageParams(request): PageParams,
) -> Result<Json<Page_UserSummary_>, ApiError> {
    let paged = users::page(&state.pool, request).await?;
    Ok(Json(Page_UserSummary_::new(request, paged)))
}

/// Query of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Only this event's entries.
    #[param(value_type = Option<Uuid>)]
    event_id: Option<String>,
}

/// The audit log (ours; neither original keeps one): every superadmin write and every grant or
/// revoke of the role, newest first, with who, when, and the row before and after.
#[utoipa::path(get, path = "/superadmin/audit", tag = "superadmin", operation_id = "list_audit_log_superadmin_audit_get",
    params(PageQuery, AuditQuery), security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Page_AuditEntry_),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "`page` below 1, `size` outside 1–100, or not integers; a malformed `event_id`", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn audit_log(
    State(state): State<AppState>,
    _: Superadmin,
    PageParams(request): PageParams,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Page_AuditEntry_>, ApiError> {
    let event = podium_http::uuid_query("event_id", query.event_id.as_deref())?;
    let paged = podium_data::audit::page(&state.pool, request, event.map(EventId::from)).await?;
    Ok(Json(Page_AuditEntry_::new(request, paged)))
}
