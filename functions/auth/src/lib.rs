//! Magic-link login (contract section 3, and 7.6): `POST /request-login` mails a link holding a
//! short-lived JWT; `GET /verify` exchanges it, once, for an access token. Sign-in with Hack Club
//! (`/auth/hackclub`, 2026 contract §2.3) ends in the same kind of link.

pub mod hackclub;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use podium_data::domain::{is_deliverable, normalize_email};
use podium_data::{login_requests, magic_links, rate_limits, users};
use podium_http::client::ClientNetwork;
use podium_http::jwt::{self, MAGIC_LINK_MINUTES};
use podium_http::openapi::{ErrorDetail, HttpValidationError};
use podium_http::texts::{
    DISPOSABLE_EMAIL, INVALID_TOKEN, MAIL_FAILED, TOO_MANY_FROM_NETWORK, TOO_MANY_LOGIN_REQUESTS,
    USER_NOT_FOUND,
};
use podium_http::views::UserPrivate;
use podium_http::{ApiError, AppState, Json, Query, finish, outbound, rate_limit};
use podium_runtime::{ConfigError, Vars};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Where links point and how mail is sent.
#[derive(Clone)]
pub struct MailConfig {
    /// The frontend's origin (`PODIUM_PRODUCTION_URL`); links go to `{it}/login?token=…`.
    pub production_url: String,
    /// `PODIUM_LOOPS_API_KEY`; without it no mail is sent and the link is logged instead.
    pub loops_api_key: Option<String>,
    pub loops_transactional_id: String,
    /// The Loops transactional endpoint (`PODIUM_LOOPS_URL`).
    pub loops_url: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("production_url", &self.production_url)
            .field("loops_api_key", &self.loops_api_key.as_ref().map(|_| "***"))
            .field("loops_transactional_id", &self.loops_transactional_id)
            .field("loops_url", &self.loops_url)
            .finish()
    }
}

impl MailConfig {
    pub fn from_vars(vars: &Vars) -> Self {
        Self {
            production_url: vars
                .optional("PODIUM_PRODUCTION_URL")
                .unwrap_or_else(|| "http://localhost:5173".to_owned()),
            loops_api_key: vars.optional("PODIUM_LOOPS_API_KEY"),
            loops_transactional_id: vars
                .optional("PODIUM_LOOPS_TRANSACTIONAL_ID")
                .unwrap_or_else(|| "cmg1hjhed4xyi0r0ijvfyyqa1".to_owned()),
            loops_url: vars
                .optional("PODIUM_LOOPS_URL")
                .unwrap_or_else(|| "https://app.loops.so/api/v1/transactional".to_owned()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthState {
    pub app: AppState,
    pub mail: Arc<MailConfig>,
    pub hackclub: Arc<hackclub::HackClubConfig>,
    pub http: reqwest::Client,
}

impl FromRef<AuthState> for AppState {
    fn from_ref(state: &AuthState) -> Self {
        state.app.clone()
    }
}

impl AuthState {
    pub fn new(
        app: AppState,
        mail: MailConfig,
        hackclub: hackclub::HackClubConfig,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            app,
            mail: Arc::new(mail),
            hackclub: Arc::new(hackclub),
            http: outbound::client(Duration::from_secs(10))?,
        })
    }
}

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(OpenApi)]
    #[openapi(paths(request_login, verify, hackclub::start, hackclub::callback))]
    struct Doc;
    Doc::openapi()
}

pub fn app(state: AuthState) -> Router {
    finish(
        Router::new()
            .route("/request-login", post(request_login))
            .route("/verify", get(verify))
            .route("/auth/hackclub", get(hackclub::start))
            .route("/auth/hackclub/callback", get(hackclub::callback))
            .route(
                podium_http::openapi::DOCUMENT_PATH,
                podium_http::openapi::document(include_str!("../../../openapi.json")),
            ),
        state,
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RedirectQuery {
    /// Where the frontend goes after login (may be empty); URL-encoded into the link.
    redirect: String,
}

#[derive(Debug, Deserialize, ToSchema)]
struct UserLoginPayload {
    email: String,
}

/// Email a magic link (valid 15 minutes, usable once). Answers JSON `null`.
#[utoipa::path(post, path = "/request-login", tag = "auth", operation_id = "request_login_request_login_post", params(RedirectQuery), request_body = UserLoginPayload,
    responses(
        (status = 200, description = "Link sent (or logged when no mail provider is configured); body `null`"),
        (status = 400, description = "`Temporary/disposable email addresses aren't allowed — please use your real email` (a disposable domain, or an address MailChecker refuses)", body = ErrorDetail),
        (status = 404, description = "`User not found`", body = ErrorDetail),
        (status = 422, description = "Missing redirect or email", body = HttpValidationError),
        (status = 429, description = "`Too many login requests, try again later` (more than 5 per email in 15 minutes); `Too many requests from your network, try again later` (more than 120 in 10 minutes from one network, with `Retry-After`)", body = ErrorDetail),
        (status = 500, description = "`Failed to send auth email`", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
async fn request_login(
    State(state): State<AuthState>,
    network: ClientNetwork,
    Query(query): Query<RedirectQuery>,
    Json(body): Json<UserLoginPayload>,
) -> Result<Json<()>, ApiError> {
    let email = normalize_email(&body.email);
    if !is_deliverable(&email) {
        return Err(ApiError::bad_request(DISPOSABLE_EMAIL));
    }
    let pool = &state.app.pool;
    let bucket = format!("login:{}", network.0);
    rate_limit(
        pool,
        &bucket,
        rate_limits::LOGIN_PER_NETWORK,
        TOO_MANY_FROM_NETWORK,
    )
    .await?;
    users::find_by_email(pool, &email)
        .await?
        .ok_or_else(|| ApiError::not_found(USER_NOT_FOUND))?;
    if !login_requests::try_record(&mut *pool.acquire().await?, &email).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            TOO_MANY_LOGIN_REQUESTS,
        ));
    }
    let (token, _) = state
        .app
        .config
        .jwt_secret
        .issue(&email, jwt::MAGIC_LINK, MAGIC_LINK_MINUTES);
    let link = magic_link(&state.mail.production_url, &token, &query.redirect);
    match &state.mail.loops_api_key {
        None => {
            tracing::warn!(%email, %link, "PODIUM_LOOPS_API_KEY is not set: no email sent; the magic link is logged instead")
        }
        Some(key) => send_with_loops(&state, key, &email, &link).await?,
    }
    Ok(Json(()))
}

/// `{production_url}/login?token=…[&redirect=…]`, the redirect URL-encoded (7.6).
pub fn magic_link(production_url: &str, token: &str, redirect: &str) -> String {
    let mut link = format!(
        "{}/login?token={token}",
        production_url.trim_end_matches('/')
    );
    if !redirect.is_empty() {
        link.push_str("&redirect=");
        link.extend(url::form_urlencoded::byte_serialize(redirect.as_bytes()));
    }
    link
}

async fn send_with_loops(
    state: &AuthState,
    key: &str,
    email: &str,
    link: &str,
) -> Result<(), ApiError> {
    let payload = serde_json::json!({
        "email": email,
        "transactionalId": state.mail.loops_transactional_id,
        "dataVariables": { "auth_link": link },
    });
    let sent = state
        .http
        .post(&state.mail.loops_url)
        .bearer_auth(key)
        .json(&payload)
        .send()
        .await;
    let cause = match sent {
        Ok(response) if response.status().is_success() => return Ok(()),
        Ok(response) => format!(
            "Loops refused the transactional email: {}",
            response.status()
        ),
        Err(err) => format!("could not reach Loops: {}", err.without_url()),
    };
    Err(ApiError::upstream(
        StatusCode::INTERNAL_SERVER_ERROR,
        MAIL_FAILED,
        cause,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TokenQuery {
    /// The magic-link JWT.
    token: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct AuthenticatedUser {
    access_token: String,
    /// Always `access`.
    #[schema(value_type = String)]
    token_type: &'static str,
    user: UserPrivate,
}

/// Exchange a magic link's token, once, for an access token.
#[utoipa::path(get, path = "/verify", tag = "auth", operation_id = "verify_token_verify_get", params(TokenQuery),
    responses(
        (status = 200, body = AuthenticatedUser),
        (status = 400, description = "`Invalid token` (bad signature, expired, not a magic link, already used)", body = ErrorDetail),
        (status = 404, description = "`User not found`", body = ErrorDetail),
        (status = 422, description = "Missing token", body = HttpValidationError),
    ))]
#[tracing::instrument(skip_all)]
async fn verify(
    State(state): State<AuthState>,
    Query(query): Query<TokenQuery>,
) -> Result<Json<AuthenticatedUser>, ApiError> {
    let invalid = || ApiError::bad_request(INVALID_TOKEN);
    let config = &state.app.config;
    let claims = config
        .jwt_secret
        .decode(&query.token)
        .map_err(|_| invalid())?;
    let (sub, exp) = match (claims.sub, claims.token_type.as_deref()) {
        (Some(sub), Some(jwt::MAGIC_LINK)) => (sub, claims.exp),
        _ => return Err(invalid()),
    };
    let mut tx = state.app.pool.begin().await?;
    let user = users::find_by_email(&mut *tx, &sub)
        .await?
        .ok_or_else(|| ApiError::not_found(USER_NOT_FOUND))?;
    let expires_at = exp.and_then(|e| DateTime::<Utc>::from_timestamp(e, 0));
    if !magic_links::redeem(&mut *tx, &query.token, &sub, expires_at).await? {
        return Err(invalid());
    }
    magic_links::purge_expired(&mut *tx).await?;
    let vote_ids = users::vote_ids(&mut *tx, user.id).await?;
    tx.commit().await?;
    let (access_token, _) = config
        .jwt_secret
        .issue(&sub, jwt::ACCESS, config.jwt_expire_minutes);
    Ok(Json(AuthenticatedUser {
        access_token,
        token_type: jwt::ACCESS,
        user: UserPrivate::new(&user, vote_ids),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_is_url_encoded_in_the_link() {
        assert_eq!(
            magic_link("https://podium.example/", "T", ""),
            "https://podium.example/login?token=T"
        );
        assert_eq!(
            magic_link(
                "https://podium.example",
                "T",
                "/events/attend?join_code=AB&referral=a b"
            ),
            "https://podium.example/login?token=T&redirect=%2Fevents%2Fattend%3Fjoin_code%3DAB%26referral%3Da+b"
        );
    }
}
