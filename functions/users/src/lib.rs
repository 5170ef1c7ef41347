//! `/users`: `GET /users/exists`, `GET|PUT /users/current`, `GET /users/{user_id}`, `POST /users/`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use podium_data::UserId;
use podium_data::domain::{self, Email, parse_date};
use podium_data::rate_limits;
use podium_data::users::{self, Profile, ProfileChanges, limits};
use podium_data::validation::{Issues, ValidationIssue};
use podium_http::client::ClientNetwork;
use podium_http::openapi::{ErrorDetail, HttpValidationError as HTTPValidationError, Message};
use podium_http::texts::{
    DISPOSABLE_EMAIL, NO_FIELDS_TO_UPDATE, PROMOTED, TEST_ENDPOINTS_OFF, TOO_MANY_FROM_NETWORK,
    USER_NOT_FOUND,
};
use podium_http::turnstile::Turnstile;
use podium_http::views::{UserPrivate, UserPublic};
use podium_http::{
    ApiError, AppState, CurrentUser, CurrentUserWithVotes, Json, Path, Query, finish, rate_limit,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(OpenApi)]
    #[openapi(paths(exists, current, update_current, by_id, signup, promote_superadmin))]
    struct Doc;
    Doc::openapi()
}

pub fn app(state: AppState) -> Router {
    finish(
        Router::new()
            .route("/users", axum::routing::post(signup))
            .route("/users/exists", get(exists))
            .route("/users/current", get(current).put(update_current))
            .route("/users/{user_id}", get(by_id))
            .route(
                "/users/test/promote-superadmin",
                axum::routing::post(promote_superadmin),
            ),
        state,
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExistsQuery {
    /// Checked for syntax only; compared trimmed and lower-cased.
    email: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct UserExistsResponse {
    exists: bool,
}

/// Whether a user has this email.
#[utoipa::path(get, path = "/users/exists", tag = "users", operation_id = "user_exists_users_exists_get", params(ExistsQuery),
    responses(
        (status = 200, body = UserExistsResponse),
        (status = 403, description = "Turnstile on and `X-Turnstile-Token` missing or refused: `Security check required — please complete the CAPTCHA and try again`, `Security check failed — please refresh the page and try again`", body = ErrorDetail),
        (status = 422, description = "Invalid or missing email", body = HTTPValidationError),
        (status = 503, description = "`Security check is temporarily unavailable — please try again in a moment` (Cloudflare unreachable), or the database is", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn exists(
    State(state): State<AppState>,
    _: Turnstile,
    Query(query): Query<ExistsQuery>,
) -> Result<Json<UserExistsResponse>, ApiError> {
    let email = Email::parse(&query.email, vec!["query".into(), "email".into()])?;
    let exists = users::email_exists(&state.reader, email.as_str()).await?;
    Ok(Json(UserExistsResponse { exists }))
}

/// The logged-in user.
#[utoipa::path(get, path = "/users/current", tag = "users", operation_id = "get_current_user_info_users_current_get", security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = UserPrivate),
    ))]
#[tracing::instrument(skip_all)]
async fn current(CurrentUserWithVotes(user, vote_ids): CurrentUserWithVotes) -> Json<UserPrivate> {
    Json(UserPrivate::new(&user, vote_ids))
}

/// Test only (`PODIUM_ENABLE_TEST_ENDPOINTS`): makes the caller a superadmin (logged in the
/// audit log as a grant by themself).
#[utoipa::path(post, path = "/users/test/promote-superadmin", tag = "users", operation_id = "promote_to_superadmin_users_test_promote_superadmin_post", security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = Message, example = json!({"message": "Promoted to superadmin"})),
        (status = 404, description = "`Not found`: the test endpoints are off", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn promote_superadmin(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Message>, ApiError> {
    if !state.config.enable_test_endpoints {
        return Err(ApiError::not_found(TEST_ENDPOINTS_OFF));
    }
    // Through the audit log, as every grant is.
    let actor = podium_data::audit::Actor::user(&user);
    podium_data::superadmin::set_superadmin(&state.pool, &actor, &user.email, true).await?;
    Ok(Message::json(PROMOTED))
}

/// A user's public profile.
#[utoipa::path(get, path = "/users/{user_id}", tag = "users", operation_id = "get_user_public_users__user_id__get", params(("user_id" = Uuid, Path)),
    responses(
        (status = 200, body = UserPublic),
        (status = 404, description = "`User not found`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn by_id(
    State(state): State<AppState>,
    Path(user_id): Path<UserId>,
) -> Result<Json<UserPublic>, ApiError> {
    let user = users::find_by_id(&state.reader, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found(USER_NOT_FOUND))?;
    Ok(Json(UserPublic::from(&user)))
}

/// `UserSignup`: email and first name required; the rest optional (`null` means "").
#[derive(Debug, Deserialize, ToSchema)]
struct UserSignup {
    email: String,
    first_name: String,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    street_1: Option<String>,
    #[serde(default)]
    street_2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    zip_code: Option<String>,
    #[serde(default)]
    country: Option<String>,
    /// `YYYY-MM-DD`
    #[serde(default)]
    #[schema(format = Date)]
    dob: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = UserCreated)]
struct Created {
    id: Uuid,
}

/// Sign up (does not log in: the client then asks for a login link).
#[utoipa::path(post, path = "/users/", tag = "users", operation_id = "create_user_users__post", request_body = UserSignup,
    responses(
        (status = 200, body = Created),
        (status = 400, description = "`User already exists`; `Temporary/disposable email addresses aren't allowed — please use your real email`", body = ErrorDetail),
        (status = 403, description = "Turnstile on and `X-Turnstile-Token` missing or refused (checked before the body)", body = ErrorDetail),
        (status = 422, description = "Missing, mistyped or over-long field, invalid email or date", body = HTTPValidationError),
        (status = 429, description = "`Too many requests from your network, try again later` (more than 60 signups in 10 minutes from one network), with `Retry-After`", body = ErrorDetail),
        (status = 503, description = "`Security check is temporarily unavailable — please try again in a moment`, or the database is unavailable", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn signup(
    State(state): State<AppState>,
    _: Turnstile,
    network: ClientNetwork,
    Json(body): Json<UserSignup>,
) -> Result<Json<Created>, ApiError> {
    let (email, profile) = body.parse()?;
    if !domain::is_deliverable(email.as_str()) {
        return Err(ApiError::bad_request(DISPOSABLE_EMAIL));
    }
    let bucket = format!("signup:{}", network.0);
    rate_limit(
        &state.pool,
        &bucket,
        rate_limits::SIGNUP_PER_NETWORK,
        TOO_MANY_FROM_NETWORK,
    )
    .await?;
    let id = users::create(&state.pool, &email, &profile).await?;
    Ok(Json(Created { id: id.into() }))
}

impl UserSignup {
    fn parse(self) -> Result<(Email, Profile), Vec<ValidationIssue>> {
        let mut issues = Issues::default();
        let email = Email::parse(&self.email, vec!["body".into(), "email".into()])
            .map_err(|i| issues.push(i))
            .ok();
        let changes = ProfileFields {
            display_name: self.display_name,
            first_name: Some(self.first_name),
            last_name: self.last_name,
            phone: self.phone,
            street_1: self.street_1,
            street_2: self.street_2,
            city: self.city,
            state: self.state,
            zip_code: self.zip_code,
            country: self.country,
            dob: self.dob,
        }
        .parse(&mut issues);
        issues.finish()?;
        let mut profile = Profile::from(changes);
        // Absent, null or blank: "First L." (as the 2026 original).
        if users::is_blank(&profile.display_name) {
            profile.display_name =
                users::default_display_name(&profile.first_name, &profile.last_name);
        }
        Ok((email.ok_or_else(Vec::new)?, profile))
    }
}

/// `UserUpdate`: every field optional; absent or `null` fields are left alone. `email` is not
/// updatable (ignored if sent, like every unknown field).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = UserUpdate)]
struct ProfileFields {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    street_1: Option<String>,
    #[serde(default)]
    street_2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    zip_code: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    #[schema(format = Date)]
    dob: Option<String>,
}

impl ProfileFields {
    /// Checks each present field against its column; collects every problem.
    fn parse(self, issues: &mut Issues) -> ProfileChanges {
        let mut check = |field: &str, value: &Option<String>, max: usize| {
            if let Some(value) = value {
                issues.max_chars(field, value, max);
            }
        };
        check("display_name", &self.display_name, limits::DISPLAY_NAME);
        check("first_name", &self.first_name, limits::FIRST_NAME);
        check("last_name", &self.last_name, limits::LAST_NAME);
        check("phone", &self.phone, limits::PHONE);
        check("street_1", &self.street_1, limits::STREET);
        check("street_2", &self.street_2, limits::STREET);
        check("city", &self.city, limits::CITY);
        check("state", &self.state, limits::STATE);
        check("zip_code", &self.zip_code, limits::ZIP_CODE);
        check("country", &self.country, limits::COUNTRY);
        let dob = self.dob.as_deref().and_then(|raw| {
            parse_date(raw, vec!["body".into(), "dob".into()])
                .map_err(|issue| issues.push(issue))
                .ok()
        });
        ProfileChanges {
            display_name: self.display_name,
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone,
            street_1: self.street_1,
            street_2: self.street_2,
            city: self.city,
            state: self.state,
            zip_code: self.zip_code,
            country: self.country,
            dob,
        }
    }
}

/// Update the logged-in user's profile: absent or `null` fields are left as they are.
#[utoipa::path(put, path = "/users/current", tag = "users", operation_id = "update_current_user_users_current_put", request_body = ProfileFields, security(("HTTPBearer" = [])),
    responses(
        (status = 200, body = UserPrivate),
        (status = 400, description = "`No fields to update`", body = ErrorDetail),
        (status = 422, description = "Mistyped or over-long field, invalid date", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn update_current(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<ProfileFields>,
) -> Result<Json<UserPrivate>, ApiError> {
    let mut issues = Issues::default();
    let mut changes = body.parse(&mut issues);
    issues.finish()?;
    if changes.is_empty() {
        return Err(ApiError::bad_request(NO_FIELDS_TO_UPDATE));
    }
    // A blank display name sent becomes "First L." of the names the user will have.
    if changes.display_name.as_deref().is_some_and(users::is_blank) {
        let first = changes
            .first_name
            .as_ref()
            .unwrap_or(&user.profile.first_name);
        let last = changes
            .last_name
            .as_ref()
            .unwrap_or(&user.profile.last_name);
        changes.display_name = Some(users::default_display_name(first, last));
    }
    let updated = users::update(&state.pool, user.id, &changes)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let vote_ids = users::vote_ids(&state.pool, user.id).await?;
    Ok(Json(UserPrivate::new(&updated, vote_ids)))
}
