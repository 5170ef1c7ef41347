//! Sign-in with Hack Club (OAuth 2 authorization code, 2026 contract §2.3), done more safely than
//! the original (§5.8): the `state` is bound to the browser that started the flow (a cookie
//! holds a nonce the signed state carries) and is redeemed once; the callback checks that OAuth
//! is configured; a missing or unusable e-mail and over-long names are 400s; disposable addresses
//! are refused as on signup; the `redirect_uri` comes from the configured public API origin, never
//! from forwarded headers.

use axum::extract::State;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use podium_data::domain::{self, Email};
use podium_data::{magic_links, users};
use podium_http::jwt::{self, MAGIC_LINK_MINUTES};
use podium_http::openapi::{ErrorDetail, HttpValidationError};
use podium_http::texts::{
    DISPOSABLE_EMAIL, HACKCLUB_BAD_EMAIL, HACKCLUB_BAD_NAME, HACKCLUB_FAILED,
    HACKCLUB_NAME_TOO_LONG, HACKCLUB_NO_EMAIL, HACKCLUB_NOT_CONFIGURED, INVALID_OAUTH_STATE,
};
use podium_http::{ApiError, Query, client};
use podium_runtime::Vars;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::AuthState;

/// The JWT `token_type` of an OAuth state (10 minutes, as the original).
pub const OAUTH_STATE: &str = "oauth_state";
const STATE_MINUTES: i64 = 10;
/// The cookie holding the browser's nonce over plain http (`make dev`): sent only to
/// `/auth/hackclub...`.
pub const NONCE_COOKIE: &str = "podium_oauth_nonce";
/// The same cookie when the public origin is https: the `__Host-` prefix makes the browser
/// refuse it unless it is `Secure`, host-only (no `Domain`) and for `Path=/`, so no other host
/// of the domain (and no script over http) can plant or overwrite a nonce. It needs `Path=/`,
/// which is why the http name keeps its narrower path.
pub const HOST_NONCE_COOKIE: &str = "__Host-podium_oauth_nonce";
/// Names longer than this do not fit `users.first_name` / `last_name`.
const NAME_MAX: usize = 50;

/// `PODIUM_HACKCLUB_CLIENT_ID`, `PODIUM_HACKCLUB_CLIENT_SECRET`, `PODIUM_HACKCLUB_AUTH_URL`
/// (default `https://auth.hackclub.com`), `PODIUM_PUBLIC_API_URL` (this API's public origin, as
/// the browser sees it; default `http://localhost:8000`, `make dev`'s).
#[derive(Clone)]
pub struct HackClubConfig {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub auth_url: String,
    pub public_api_url: String,
}

impl std::fmt::Debug for HackClubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HackClubConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("auth_url", &self.auth_url)
            .field("public_api_url", &self.public_api_url)
            .finish()
    }
}

impl HackClubConfig {
    pub fn from_vars(vars: &Vars) -> Self {
        let set = |name: &str| vars.optional(name).filter(|v| !v.trim().is_empty());
        Self {
            client_id: set("PODIUM_HACKCLUB_CLIENT_ID"),
            client_secret: set("PODIUM_HACKCLUB_CLIENT_SECRET"),
            auth_url: set("PODIUM_HACKCLUB_AUTH_URL")
                .unwrap_or_else(|| "https://auth.hackclub.com".to_owned())
                .trim_end_matches('/')
                .to_owned(),
            public_api_url: set("PODIUM_PUBLIC_API_URL")
                .unwrap_or_else(|| "http://localhost:8000".to_owned())
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    /// The callback the OAuth app must list: `{PODIUM_PUBLIC_API_URL}/auth/hackclub/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/hackclub/callback", self.public_api_url)
    }

    fn secure_cookie(&self) -> bool {
        self.public_api_url.starts_with("https://")
    }

    fn cookie_name(&self) -> &'static str {
        if self.secure_cookie() {
            HOST_NONCE_COOKIE
        } else {
            NONCE_COOKIE
        }
    }

    fn cookie(&self, value: &str, max_age: i64) -> HeaderValue {
        let cookie = if self.secure_cookie() {
            format!(
                "{HOST_NONCE_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax; Secure"
            )
        } else {
            format!(
                "{NONCE_COOKIE}={value}; Path=/auth/hackclub; Max-Age={max_age}; HttpOnly; SameSite=Lax"
            )
        };
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

fn not_configured() -> ApiError {
    ApiError::new(StatusCode::NOT_IMPLEMENTED, HACKCLUB_NOT_CONFIGURED)
}

/// A random nonce (two v4 UUIDs: 244 random bits), hex.
fn nonce() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Start signing in with Hack Club: 307 to the provider's authorize page. The state is a signed
/// token (10 minutes) carrying a nonce that a cookie gives this browser only.
#[utoipa::path(get, path = "/auth/hackclub", tag = "auth", operation_id = "hackclub_login_auth_hackclub_get",
    responses(
        (status = 200, description = "Listed as the original's document lists it (so a generated client keeps its types); the route answers 307"),
        (status = 307, description = "To `{PODIUM_HACKCLUB_AUTH_URL}/oauth/authorize?client_id=…&redirect_uri=…&response_type=code&scope=email+name&state=…`, setting the nonce cookie"),
        (status = 501, description = "`Hack Club auth is not configured`", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
pub async fn start(State(state): State<AuthState>) -> Result<Response, ApiError> {
    let config = &state.hackclub;
    let client_id = config.client_id.as_deref().ok_or_else(not_configured)?;
    let nonce = nonce();
    let (signed, _) =
        state
            .app
            .config
            .jwt_secret
            .issue(&format!("csrf:{nonce}"), OAUTH_STATE, STATE_MINUTES);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", &config.redirect_uri())
        .append_pair("response_type", "code")
        .append_pair("scope", "email name")
        .append_pair("state", &signed)
        .finish();
    let location = format!("{}/oauth/authorize?{query}", config.auth_url);
    let mut headers = HeaderMap::new();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&location).map_err(ApiError::internal)?,
    );
    headers.insert(SET_COOKIE, config.cookie(&nonce, STATE_MINUTES * 60));
    Ok((StatusCode::TEMPORARY_REDIRECT, headers).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The provider's authorization code.
    #[param(required = true, value_type = String)]
    code: Option<String>,
    /// The state `GET /auth/hackclub` made.
    #[param(required = true, value_type = String)]
    state: Option<String>,
}

/// The provider's redirect back: checks the state against this browser's cookie and redeems it,
/// exchanges the code, reads the user's e-mail and names, creates the user (or fills in a missing
/// name), then 307 to `{PODIUM_PRODUCTION_URL}/login?token=<magic link>` (single use, 15 minutes).
#[utoipa::path(get, path = "/auth/hackclub/callback", tag = "auth", operation_id = "hackclub_callback_auth_hackclub_callback_get",
    params(CallbackQuery),
    responses(
        (status = 200, description = "Listed as the original's document lists it (so a generated client keeps its types); the route answers 307"),
        (status = 307, description = "To `{PODIUM_PRODUCTION_URL}/login?token=…`, clearing the nonce cookie"),
        (status = 400, description = "`Invalid OAuth state` (bad, expired, used, or from another browser); `No email returned from Hack Club`; `Hack Club returned an email address that is not valid`; the disposable-address text; the name-too-long text", body = ErrorDetail),
        (status = 422, description = "Missing `code` or `state`", body = HttpValidationError),
        (status = 501, description = "`Hack Club auth is not configured`", body = ErrorDetail),
        (status = 502, description = "`Failed to authenticate with Hack Club` (the provider failed or is unreachable)", body = ErrorDetail),
    ))]
#[tracing::instrument(skip_all)]
pub async fn callback(
    State(state): State<AuthState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    let missing = [("code", &query.code), ("state", &query.state)]
        .iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| {
            podium_data::validation::ValidationIssue::missing(vec!["query".into(), (*name).into()])
        })
        .collect::<Vec<_>>();
    if !missing.is_empty() {
        return Err(missing.into());
    }
    let (code, signed) = (
        query.code.unwrap_or_default(),
        query.state.unwrap_or_default(),
    );
    let config = &state.hackclub;
    let (Some(client_id), Some(client_secret)) = (&config.client_id, &config.client_secret) else {
        return Err(not_configured());
    };
    let invalid = || ApiError::bad_request(INVALID_OAUTH_STATE);
    let claims = state
        .app
        .config
        .jwt_secret
        .decode(&signed)
        .map_err(|_| invalid())?;
    let nonce = match (claims.sub.as_deref(), claims.token_type.as_deref()) {
        (Some(sub), Some(OAUTH_STATE)) => sub.strip_prefix("csrf:").ok_or_else(invalid)?,
        _ => return Err(invalid()),
    };
    if cookie(&headers, config.cookie_name())
        .is_none_or(|sent| !client::same_secret(sent.as_bytes(), nonce.as_bytes()))
    {
        return Err(invalid());
    }
    let expires_at = claims
        .exp
        .and_then(|e| DateTime::<Utc>::from_timestamp(e, 0));
    if !magic_links::redeem(&state.app.pool, &signed, "oauth state", expires_at).await? {
        return Err(invalid());
    }
    let identity = identity(&state, client_id, client_secret, &code).await?;
    let text = |key: &str| {
        identity[key]
            .as_str()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    let raw_email = text("primary_email");
    if raw_email.is_empty() {
        return Err(ApiError::bad_request(HACKCLUB_NO_EMAIL));
    }
    let email = Email::parse(&raw_email, vec!["hackclub".into()])
        .map_err(|_| ApiError::bad_request(HACKCLUB_BAD_EMAIL))?;
    if !domain::is_deliverable(email.as_str()) {
        return Err(ApiError::bad_request(DISPOSABLE_EMAIL));
    }
    // The provider's answer is input like any other: PostgreSQL refuses NUL in text, and no
    // name holds control characters.
    let (first_name, last_name) = (text("first_name"), text("last_name"));
    if [&first_name, &last_name]
        .iter()
        .any(|name| name.chars().any(char::is_control))
    {
        return Err(ApiError::bad_request(HACKCLUB_BAD_NAME));
    }
    if first_name.chars().count() > NAME_MAX || last_name.chars().count() > NAME_MAX {
        return Err(ApiError::bad_request(HACKCLUB_NAME_TOO_LONG));
    }
    users::sign_in_from_hack_club(&state.app.pool, &email, &first_name, &last_name).await?;
    let (token, _) =
        state
            .app
            .config
            .jwt_secret
            .issue(email.as_str(), jwt::MAGIC_LINK, MAGIC_LINK_MINUTES);
    let location = crate::magic_link(&state.mail.production_url, &token, "");
    let mut response = HeaderMap::new();
    response.insert(
        LOCATION,
        HeaderValue::from_str(&location).map_err(ApiError::internal)?,
    );
    response.insert(SET_COOKIE, config.cookie("", 0));
    Ok((StatusCode::TEMPORARY_REDIRECT, response).into_response())
}

/// Exchanges the code and reads `identity` from the provider's `/api/v1/me`; any failure (the
/// provider unreachable, an error status, no `access_token`, not JSON) is the contract's 502.
async fn identity(
    state: &AuthState,
    client_id: &str,
    client_secret: &str,
    code: &str,
) -> Result<Value, ApiError> {
    let config = &state.hackclub;
    let failed = |why: &str| {
        ApiError::upstream(
            StatusCode::BAD_GATEWAY,
            HACKCLUB_FAILED,
            format!("Hack Club sign-in failed: {why}"),
        )
    };
    let redirect_uri = config.redirect_uri();
    let token: Value = state
        .http
        .post(format!("{}/oauth/token", config.auth_url))
        .form(&[
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("redirect_uri", redirect_uri.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .map_err(|_| failed("token request"))?
        .error_for_status()
        .map_err(|_| failed("token status"))?
        .json()
        .await
        .map_err(|_| failed("token body"))?;
    let access_token = token["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| failed("no access_token"))?;
    let me: Value = state
        .http
        .get(format!("{}/api/v1/me", config.auth_url))
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|_| failed("me request"))?
        .error_for_status()
        .map_err(|_| failed("me status"))?
        .json()
        .await
        .map_err(|_| failed("me body"))?;
    Ok(me["identity"].clone())
}

/// A cookie's value from the `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}
