//! `EventAdmin`: the extractor for the routes only an event's owner may use; `Superadmin`: for
//! the `/superadmin` routes.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use podium_data::EventId;
use podium_data::events::{self, Event};
use podium_data::users::User;
use serde::Deserialize;

use crate::texts::BAD_ACCESS;
use crate::{ApiError, AppState, CurrentUser, Path};

/// The current user and the event of the `{event_id}` path parameter, which they own or, as a
/// superadmin, may manage (soft-deleted events included). Anyone else gets 403 `You don't have
/// permission to do this`, also when the event does not exist (an admin route never tells a
/// stranger whether an event exists). One statement.
#[derive(Debug, Clone)]
pub struct EventAdmin {
    pub user: User,
    pub event: Event,
}

impl EventAdmin {
    /// The same check for a handler that must validate its body first (a 422 comes before the
    /// 403, as in the original, and extractors run before the body is read).
    pub async fn check(state: &AppState, user: User, event_id: EventId) -> Result<Self, ApiError> {
        let event = if user.is_superadmin {
            events::find_any(&state.pool, event_id).await?
        } else {
            events::find_owned(&state.pool, event_id, user.id).await?
        };
        let event = event.ok_or_else(|| ApiError::forbidden(BAD_ACCESS))?;
        Ok(Self { user, event })
    }
}

#[derive(Deserialize)]
struct EventPath {
    event_id: EventId,
}

impl<S: Send + Sync> FromRequestParts<S> for EventAdmin
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        let Path(path) = Path::<EventPath>::from_request_parts(parts, state).await?;
        Self::check(&AppState::from_ref(state), user, path.event_id).await
    }
}

/// The current user, who must be a superadmin: anyone else gets 403 `You don't have permission
/// to do this` (and a caller without credentials 401, before that).
#[derive(Debug, Clone)]
pub struct Superadmin(pub User);

impl<S: Send + Sync> FromRequestParts<S> for Superadmin
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if !user.is_superadmin {
            return Err(ApiError::forbidden(BAD_ACCESS));
        }
        Ok(Self(user))
    }
}
