//! The one error type of the HTTP surface. Every rejection renders as the contract says:
//! `{"detail": "text"}` for business errors, 422 `{"detail": [{type, loc, msg}, …]}` for
//! validation, 503 when the database is unreachable, and 500 `{"detail": "Internal server
//! error"}` for the rest, never showing internal text. The cause of a 5xx travels with the
//! response as a [`Failure`] extension; the request layer logs it with its whole chain in the
//! request's span (and so reports it to Sentry), as the axum error-handling example does.
//!
//! # Mapping data-layer errors
//!
//! One rule, so a handler never decides twice what a database failure means:
//!
//! - **An error type of the data layer** (`sqlx::Error`, and the `…Error` enums of
//!   `podium_data` such as [`VoteError`] or [`CreateEventError`]) has a `From` impl here, with
//!   an exhaustive `match` and the contract's texts from [`crate::texts`]. A handler only writes
//!   `?`. A new variant is then a compile error here, not a silent 500 somewhere.
//! - **`sqlx::Error` is never matched outside this module**: its `From` makes an unreachable
//!   database a 503 (and counts it) and anything else a 500 with the cause kept for the log.
//!   A constraint a request can break is turned into a variant of its table's error enum by
//!   the data layer, which knows the constraint's name.
//! - **An answer that is not an error** (`Ok(Join::AlreadyAttending)`, `Ok(Deletion::NotOwner)`,
//!   `Ok(None)` for "no such row") is matched by the handler: which status each answer gets is
//!   that route's part of the contract.
//! - **Outside services** (mail, Review Factory, Hack Club, Turnstile) answer through
//!   [`ApiError::upstream`], which keeps their cause for the log and shows the client only the
//!   contract's text.

use std::borrow::Cow;
use std::sync::Arc;

use crate::extract::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use podium_data::events::CreateEventError;
use podium_data::projects::CreateProjectError;
use podium_data::users::CreateUserError;
use podium_data::validation::ValidationIssue;
use podium_data::votes::VoteError;

use crate::texts::{self, BAD_AUTH, DATABASE_UNAVAILABLE, INTERNAL_ERROR, NOT_AUTHENTICATED};

/// Why a response is a 5xx: carried in the response's extensions to the request layer, which
/// logs it (never sent to the client).
#[derive(Debug, Clone)]
pub struct Failure(pub Arc<dyn std::error::Error + Send + Sync>);

#[derive(Debug)]
pub enum ApiError {
    /// A handled error with a status and a `detail` string.
    Detail {
        status: StatusCode,
        detail: Cow<'static, str>,
    },
    /// 401 `Not authenticated` with `WWW-Authenticate: Bearer`: no credentials, empty ones, or
    /// another scheme than Bearer (the 2026 original; the 2025 one answered 403).
    NotAuthenticated,
    /// 429 `{"detail": …}` with `Retry-After` (seconds).
    RateLimited {
        detail: &'static str,
        retry_after: u64,
    },
    /// 422 with a list of validation issues.
    Validation(Vec<ValidationIssue>),
    /// 503: the database (or another dependency) cannot be reached right now, and why.
    Unavailable {
        detail: &'static str,
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A 5xx with a `detail` the contract gives (a dependency failed: mail, Review Factory,
    /// Hack Club, Turnstile) and the reason, logged and reported, never shown.
    Upstream {
        status: StatusCode,
        detail: &'static str,
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
    /// 500: logged, never shown.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Detail {
            status,
            detail: detail.into(),
        }
    }

    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn forbidden(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, BAD_AUTH)
    }

    /// A dependency's failure: `status` (a 5xx) and the contract's `detail` for the client, the
    /// `cause` for the request's log line and Sentry.
    pub fn upstream(
        status: StatusCode,
        detail: &'static str,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Upstream {
            status,
            detail,
            cause: cause.into(),
        }
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }
}

impl From<ValidationIssue> for ApiError {
    fn from(issue: ValidationIssue) -> Self {
        Self::Validation(vec![issue])
    }
}

impl From<Vec<ValidationIssue>> for ApiError {
    fn from(issues: Vec<ValidationIssue>) -> Self {
        Self::Validation(issues)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if database_unreachable(&err) {
            metrics::counter!(podium_runtime::telemetry::measure::DB_CONNECTION_FAILURES)
                .increment(1);
            Self::Unavailable {
                detail: DATABASE_UNAVAILABLE,
                cause: err.into(),
            }
        } else {
            Self::Internal(err.into())
        }
    }
}

/// Creating an event: a slug the client chose being taken is its 400 (the contract's text);
/// running out of join codes or slug suffixes is ours.
impl From<CreateEventError> for ApiError {
    fn from(err: CreateEventError) -> Self {
        match err {
            CreateEventError::SlugTaken => Self::bad_request(texts::EVENT_SLUG_TAKEN),
            CreateEventError::Database(e) => e.into(),
            e
            @ (CreateEventError::JoinCodesExhausted | CreateEventError::SlugSuffixesExhausted) => {
                Self::internal(e)
            }
        }
    }
}

/// Creating a project: its event is gone (deleted meanwhile) is the 404 of a missing event.
impl From<CreateProjectError> for ApiError {
    fn from(err: CreateProjectError) -> Self {
        match err {
            CreateProjectError::EventGone => Self::not_found(texts::EVENT_NOT_FOUND),
            CreateProjectError::Database(e) => e.into(),
            e @ CreateProjectError::JoinCodesExhausted => Self::internal(e),
        }
    }
}

/// Signing up with an address that has an account is the contract's 400.
impl From<CreateUserError> for ApiError {
    fn from(err: CreateUserError) -> Self {
        match err {
            CreateUserError::EmailTaken => Self::bad_request(texts::USER_EXISTS),
            CreateUserError::Database(e) => e.into(),
        }
    }
}

/// A refused ballot: the first rule it breaks, in the contract's words (2.2 `POST /events/vote`).
impl From<VoteError> for ApiError {
    fn from(err: VoteError) -> Self {
        match err {
            VoteError::EventNotFound => Self::not_found(texts::EVENT_NOT_FOUND),
            VoteError::VotingClosed => Self::forbidden(texts::VOTING_CLOSED),
            VoteError::NotAttendee => Self::forbidden(texts::BAD_ACCESS),
            // Contract 7.9: never a zero or negative remainder.
            VoteError::OverLimit { remaining, .. } if remaining <= 0 => {
                Self::bad_request(texts::NO_VOTES_REMAINING)
            }
            VoteError::OverLimit {
                requested,
                remaining,
            } => Self::bad_request(texts::over_vote_limit(requested, remaining)),
            VoteError::ProjectNotFound => Self::not_found(texts::PROJECT_NOT_FOUND),
            VoteError::NotInEvent => Self::bad_request(texts::NOT_IN_EVENT),
            VoteError::AlreadyVoted => Self::bad_request(texts::ALREADY_VOTED),
            VoteError::OwnProject => Self::forbidden(texts::OWN_PROJECT),
            VoteError::Database(e) => e.into(),
        }
    }
}

/// Errors that mean "cannot reach the database now" rather than "this request is wrong".
fn database_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // connection exceptions, insufficient resources, operator intervention (shutdown, …)
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
        }),
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Detail { status, detail } => {
                (status, Json(json!({ "detail": detail }))).into_response()
            }
            Self::NotAuthenticated => (
                StatusCode::UNAUTHORIZED,
                [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
                Json(json!({ "detail": NOT_AUTHENTICATED })),
            )
                .into_response(),
            Self::RateLimited {
                detail,
                retry_after,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, retry_after.to_string())],
                Json(json!({ "detail": detail })),
            )
                .into_response(),
            Self::Validation(issues) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "detail": issues })),
            )
                .into_response(),
            Self::Unavailable { detail, cause } => {
                with_cause(StatusCode::SERVICE_UNAVAILABLE, detail, cause)
            }
            Self::Upstream {
                status,
                detail,
                cause,
            } => with_cause(status, detail, cause),
            Self::Internal(err) => {
                with_cause(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_ERROR, err)
            }
        }
    }
}

/// A 5xx `{"detail": detail}` whose cause rides along as a [`Failure`] for the request layer.
fn with_cause(
    status: StatusCode,
    detail: &str,
    cause: Box<dyn std::error::Error + Send + Sync>,
) -> Response {
    let mut response = (status, Json(json!({ "detail": detail }))).into_response();
    response.extensions_mut().insert(Failure(cause.into()));
    response
}
