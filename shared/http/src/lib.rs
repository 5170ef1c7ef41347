//! What every route-group function shares: configuration, state, the error type and the texts
//! clients see, extractors (JSON, path, query, the current user, an event's admin), CORS, request
//! ids, serving (Lambda or plain HTTP), the API's views of the data and the OpenAPI parts.

mod admin;
pub mod bodies;
mod body;
pub mod client;
pub mod download;
mod error;
mod extract;
pub mod jwt;
mod layers;
pub mod openapi;
pub use podium_runtime::outbound;
pub use podium_runtime::telemetry::measure;
pub mod stream;
pub mod texts;
pub mod turnstile;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::PgPool;

pub use admin::{EventAdmin, Superadmin};
pub use body::MAX_DEPTH as MAX_BODY_DEPTH;
pub use error::{ApiError, Failure};
pub use extract::{Json, PageParams, Path, Query, query_bool, query_int, uuid_query};
pub use layers::{RouteTemplate, UNMATCHED, finish};

use jwt::JwtSecret;
use podium_data::DatabaseUrl;
use podium_data::users::{self, User};
use podium_runtime::telemetry::{self, Telemetry};
use podium_runtime::{ConfigError, Vars};

/// Settings every HTTP function reads once, at start.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub database_url: DatabaseUrl,
    /// A read replica for the public read routes (`PODIUM_DATABASE_URL_RO`, or
    /// `PODIUM_DATABASE_READER_HOST` to reach the primary URL's database on another host);
    /// `None`: they read the primary.
    pub database_url_ro: Option<DatabaseUrl>,
    pub jwt_secret: JwtSecret,
    /// Access-token lifetime (`PODIUM_JWT_EXPIRE_MINUTES`, default 2880 = 48 h).
    pub jwt_expire_minutes: i64,
    /// Connections per instance (`PODIUM_DATABASE_POOL_SIZE`, default 2; raise it in containers).
    pub database_pool_size: u32,
    /// The series whose events are official (`PODIUM_ACTIVE_EVENT_SERIES`, default empty: none):
    /// an event is in it when its `feature_flags_csv` lists it.
    pub active_event_series: String,
    /// Who may create events with the December 2025 `POST /events/` (`PODIUM_EVENT_CREATION`).
    pub event_creation: EventCreation,
    /// The end-to-end suite's endpoints (`PODIUM_ENABLE_TEST_ENDPOINTS`, off by default; a
    /// function refuses to start with them on when `PODIUM_ENV=production`).
    pub enable_test_endpoints: bool,
    /// Cloudflare Turnstile on signup and `/users/exists` (`PODIUM_TURNSTILE_*`).
    pub turnstile: Arc<turnstile::TurnstileConfig>,
    /// The secret CloudFront adds to every origin request (`PODIUM_CDN_SECRET`): only requests
    /// carrying it are trusted to report the viewer's address (see [`client`]).
    pub cdn_secret: Option<client::CdnSecret>,
}

/// A yes/no setting: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off` (any case).
fn flag(vars: &Vars, name: &str) -> Result<bool, ConfigError> {
    match vars
        .optional(name)
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(_) => Err(ConfigError::Invalid {
            name: name.to_owned(),
            reason: "expected 1/true/yes/on or 0/false/no/off".to_owned(),
        }),
    }
}

/// `PODIUM_EVENT_CREATION`: `anyone` (default, as in December 2025) or `superadmins` (what Hack
/// Club runs since 2026, where events are made by superadmins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventCreation {
    #[default]
    Anyone,
    Superadmins,
}

impl std::str::FromStr for EventCreation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "anyone" => Ok(Self::Anyone),
            "superadmins" => Ok(Self::Superadmins),
            _ => Err("expected anyone or superadmins".to_owned()),
        }
    }
}

impl ApiConfig {
    /// The access-token secret of [`ApiConfig::for_tests`].
    pub const TEST_JWT_SECRET: &str = "test-secret-of-podium";
    /// The CDN secret of [`ApiConfig::for_tests`]: what a test's "CDN" adds to every request.
    pub const TEST_CDN_SECRET: &str = "test-cdn-secret";

    /// The settings tests and benchmarks run with: what [`from_vars`](Self::from_vars) reads
    /// from an environment with only a database, except that the test endpoints are on, the
    /// secrets are [`TEST_JWT_SECRET`](Self::TEST_JWT_SECRET) and
    /// [`TEST_CDN_SECRET`](Self::TEST_CDN_SECRET), and the pool is wide enough (30) that
    /// parallel-request tests really run in parallel. Change a field with `..for_tests(url)`.
    pub fn for_tests(database_url: DatabaseUrl) -> Self {
        Self {
            database_url,
            database_url_ro: None,
            jwt_secret: JwtSecret::new(Self::TEST_JWT_SECRET),
            jwt_expire_minutes: 2880,
            database_pool_size: 30,
            active_event_series: String::new(),
            event_creation: EventCreation::Anyone,
            enable_test_endpoints: true,
            turnstile: Arc::new(turnstile::TurnstileConfig::new(
                None,
                turnstile::DEFAULT_VERIFY_URL,
            )),
            cdn_secret: client::CdnSecret::new(Self::TEST_CDN_SECRET.to_owned()),
        }
    }

    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        // An unknown PODIUM_ENV stops the function whatever else is set.
        vars.is_production()?;
        Ok(Self {
            database_url: DatabaseUrl::from_vars(vars)?,
            database_url_ro: reader_url(vars)?,
            jwt_secret: JwtSecret::new(&vars.required("PODIUM_JWT_SECRET")?),
            jwt_expire_minutes: vars.parsed("PODIUM_JWT_EXPIRE_MINUTES", 2880)?,
            database_pool_size: vars.parsed("PODIUM_DATABASE_POOL_SIZE", 2)?,
            active_event_series: vars
                .optional("PODIUM_ACTIVE_EVENT_SERIES")
                .map(|s| s.trim().to_owned())
                .unwrap_or_default(),
            event_creation: vars.parsed("PODIUM_EVENT_CREATION", EventCreation::Anyone)?,
            enable_test_endpoints: {
                let on = flag(vars, "PODIUM_ENABLE_TEST_ENDPOINTS")?;
                if on && vars.is_production()? {
                    return Err(ConfigError::Invalid {
                        name: "PODIUM_ENABLE_TEST_ENDPOINTS".to_owned(),
                        reason: "the test endpoints must not be on when PODIUM_ENV=production"
                            .to_owned(),
                    });
                }
                on
            },
            turnstile: Arc::new(turnstile::TurnstileConfig::from_vars(vars)?),
            cdn_secret: cdn_secret(vars)?,
        })
    }
}

/// `PODIUM_CDN_SECRET`. Required when `PODIUM_ENV=production`: behind CloudFront every request's
/// source address is an edge's, so without the secret per-network limits would lump unrelated
/// people together.
fn cdn_secret(vars: &Vars) -> Result<Option<client::CdnSecret>, ConfigError> {
    let secret = vars
        .optional("PODIUM_CDN_SECRET")
        .and_then(client::CdnSecret::new);
    if secret.is_none() && vars.is_production()? {
        return Err(ConfigError::Invalid {
            name: "PODIUM_CDN_SECRET".to_owned(),
            reason: "required with PODIUM_ENV=production (CloudFront sends it; see docs/architecture.md)"
                .to_owned(),
        });
    }
    Ok(secret)
}

/// `PODIUM_DATABASE_URL_RO` (a whole URL), else `PODIUM_DATABASE_READER_HOST` (`host` or
/// `host:port`, with the primary URL's user, password, database and options), else none.
fn reader_url(vars: &Vars) -> Result<Option<DatabaseUrl>, ConfigError> {
    let set = |name: &str| vars.optional(name).filter(|v| !v.trim().is_empty());
    if let Some(url) = set("PODIUM_DATABASE_URL_RO") {
        return url
            .parse()
            .map(Some)
            .map_err(|reason| ConfigError::Invalid {
                name: "PODIUM_DATABASE_URL_RO".to_owned(),
                reason,
            });
    }
    let Some(host) = set("PODIUM_DATABASE_READER_HOST") else {
        return Ok(None);
    };
    let primary = DatabaseUrl::from_vars(vars)?;
    primary
        .with_host(host.trim())
        .map(Some)
        .map_err(|reason| ConfigError::Invalid {
            name: "PODIUM_DATABASE_READER_HOST".to_owned(),
            reason,
        })
}

/// The state handlers receive: the pools (built once, lazily) and the configuration.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The primary: every write, and every read that must see the caller's own writes.
    pub pool: PgPool,
    /// The read replica when configured (else the primary's pool): only the public read routes
    /// that the original also sent there (`GET /events/official`, `/events/{id}`,
    /// `/events/{id}/projects`, `/projects/{id}`, `/users/{id}`, `/users/exists`).
    pub reader: PgPool,
    pub config: Arc<ApiConfig>,
}

impl AppState {
    pub fn new(config: ApiConfig, application_name: &str) -> Self {
        let pool = podium_data::db::lazy_pool(
            &config.database_url,
            application_name,
            config.database_pool_size,
        );
        let reader = match &config.database_url_ro {
            Some(url) => {
                podium_data::db::lazy_pool(url, application_name, config.database_pool_size)
            }
            None => pool.clone(),
        };
        Self {
            pool,
            reader,
            config: Arc::new(config),
        }
    }
}

/// Counts a request in a rate-limit `bucket` (shared by every instance, in PostgreSQL); over
/// `limit`, a 429 `{"detail": detail}` with `Retry-After`.
pub async fn rate_limit(
    pool: &PgPool,
    bucket: &str,
    limit: podium_data::rate_limits::Limit,
    detail: &'static str,
) -> Result<(), ApiError> {
    let mut conn = pool.acquire().await?;
    match podium_data::rate_limits::try_record(&mut conn, bucket, limit).await? {
        None => Ok(()),
        Some(retry_after) => Err(ApiError::RateLimited {
            detail,
            retry_after,
        }),
    }
}

/// Looks a join code up with `lookup` (on the connection given, in one transaction) under the
/// user's and the network's limits of wrong codes (`rate_limits::JOIN_GUESSES_PER_*`): a 429
/// with `Retry-After` when either is reached, and a wrong code (`lookup` answered `None`) is
/// counted against both. The limits' locks are held while the code is looked up, so a burst of
/// guesses is judged one after another and none slips past; right codes never count.
pub async fn join_by_code<T>(
    pool: &PgPool,
    user: podium_data::UserId,
    network: &client::ClientNetwork,
    lookup: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<Option<T>, sqlx::Error>,
) -> Result<Option<T>, ApiError> {
    use podium_data::rate_limits::{self, JOIN_GUESSES_PER_NETWORK, JOIN_GUESSES_PER_USER};
    let buckets = [
        (format!("join-code:user:{user}"), JOIN_GUESSES_PER_USER),
        (
            format!("join-code:network:{}", network.0),
            JOIN_GUESSES_PER_NETWORK,
        ),
    ];
    let mut tx = pool.begin().await?;
    for (bucket, limit) in &buckets {
        if let Some(retry_after) = rate_limits::hold(&mut tx, bucket, *limit).await? {
            return Err(ApiError::RateLimited {
                detail: texts::TOO_MANY_JOIN_CODES,
                retry_after,
            });
        }
    }
    let found = lookup(&mut tx).await?;
    if found.is_none() {
        for (bucket, _) in &buckets {
            rate_limits::count(&mut tx, bucket).await?;
        }
    }
    tx.commit().await?;
    Ok(found)
}

/// The user of a valid access token (contract section 0, "Auth levels": user).
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// The current user and the ids of every vote they cast, read in one statement.
#[derive(Debug, Clone)]
pub struct CurrentUserWithVotes(pub User, pub Vec<podium_data::VoteId>);

/// The `sub` of the request's access token, or the contract's refusal: 401 `Not authenticated`
/// without Bearer credentials, 401 for a bad or expired token, 400 `Bad JWT` for another type.
fn token_subject(parts: &Parts, state: &AppState) -> Result<String, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (scheme, credentials) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let credentials = credentials.trim();
    if scheme.is_empty() || credentials.is_empty() || !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::NotAuthenticated);
    }
    let claims = state
        .config
        .jwt_secret
        .decode(credentials)
        .map_err(|_| ApiError::unauthorized())?;
    match (claims.sub, claims.token_type.as_deref()) {
        (Some(sub), Some(jwt::ACCESS)) => {
            // The token's e-mail is the request's Sentry user from here on, even when the
            // database then cannot be reached to find its id.
            sentry::configure_scope(|scope| {
                scope.set_user(Some(sentry::User {
                    email: Some(sub.clone()),
                    ..sentry::User::default()
                }));
            });
            Ok(sub)
        }
        _ => Err(ApiError::bad_request(texts::BAD_JWT)),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        let sub = token_subject(parts, &state)?;
        let user = users::find_by_email(&state.pool, &sub)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        report_user(&user);
        Ok(Self(user))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUserWithVotes
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        let sub = token_subject(parts, &state)?;
        let (user, vote_ids) = users::find_with_vote_ids(&state.pool, &sub)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        report_user(&user);
        Ok(Self(user, vote_ids))
    }
}

/// The request's Sentry user from here on, as the original tags it: the token's user, by id and
/// e-mail (in place of the viewer's address).
fn report_user(user: &User) {
    sentry::configure_scope(|scope| {
        scope.set_user(Some(sentry::User {
            id: Some(user.id.to_string()),
            email: Some(user.email.clone()),
            ..sentry::User::default()
        }));
    });
}

/// How a function answers on Lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaResponses {
    /// The whole response at once (function URL invoke mode `BUFFERED`; at most 6 MB).
    Buffered,
    /// Streamed as it is produced (invoke mode `RESPONSE_STREAM`): for responses that may be
    /// large, such as the superadmin's CSV export.
    Streamed,
}

/// A route-group function's whole `main`: the settings (environment and, when
/// `PODIUM_SECRETS_ARN` is set, Secrets Manager) read once, the telemetry they configure (logs,
/// Sentry, metrics; see `podium_runtime::telemetry`), the router built from them, then
/// [`serve`]. A missing or malformed setting stops the process at start with exit code 2 and a
/// message naming it. `name` is the function's (`events`): the metrics' `function` label and
/// Sentry's server name.
///
/// Started as `<binary> health` it only probes its own `GET /healthz` and exits (a container's
/// health check; see `podium_runtime::health`).
///
/// On Lambda (one request at a time per instance) the runtime is single-threaded; as a plain
/// HTTP server (a container) it uses every core.
pub fn run_function(
    name: &'static str,
    build: impl FnOnce(&Vars) -> Result<Router, ConfigError>,
) -> std::process::ExitCode {
    run_function_with(name, LambdaResponses::Buffered, build)
}

/// [`run_function`], answering on Lambda as `mode` says.
pub fn run_function_with(
    name: &'static str,
    mode: LambdaResponses,
    build: impl FnOnce(&Vars) -> Result<Router, ConfigError>,
) -> std::process::ExitCode {
    if podium_runtime::health::requested() {
        return podium_runtime::health::exit_code(podium_runtime::health::probe_http());
    }
    let runtime = if telemetry::on_lambda() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            Telemetry::logs_only("info");
            tracing::error!(error = %err, "cannot start the async runtime");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let started = telemetry::load_vars("info").await.and_then(|vars| {
            let telemetry = Telemetry::init(name, "info", Some(&vars))?;
            Ok((telemetry, vars))
        });
        let (telemetry, vars) = match started {
            Ok(started) => started,
            Err(err) => {
                Telemetry::logs_only("info");
                tracing::error!(error = %err, "configuration");
                return std::process::ExitCode::from(2);
            }
        };
        let built = build(&vars).and_then(|app| Ok((app, vars.parsed("PORT", 8080)?)));
        let (app, port) = match built {
            Ok(built) => built,
            Err(err) => {
                tracing::error!(error = %err, "configuration");
                return std::process::ExitCode::from(2);
            }
        };
        match serve(app, port, mode, &telemetry).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!(error = %err, "stopped");
                std::process::ExitCode::FAILURE
            }
        }
    })
}

/// Serves `app` through the Lambda runtime when `AWS_LAMBDA_RUNTIME_API` is set (function
/// URLs, payload 2.0, buffered or streamed as `mode` says; the telemetry flushed after every
/// invocation), otherwise as plain HTTP on `0.0.0.0:port` (the `PORT` setting, default 8080),
/// e.g. in a container.
pub async fn serve(
    app: Router,
    port: u16,
    mode: LambdaResponses,
    telemetry: &Telemetry,
) -> Result<(), lambda_http::Error> {
    if telemetry::on_lambda() {
        let tracing = lambda_http::lambda_runtime::layers::TracingLayer::new();
        return match mode {
            LambdaResponses::Buffered => {
                lambda_http::lambda_runtime::Runtime::new(lambda_http::Adapter::from(app))
                    .layer(tracing)
                    .layer(telemetry.lambda_layer())
                    .run()
                    .await
            }
            LambdaResponses::Streamed => {
                lambda_http::streaming_runtime(app)
                    .layer(tracing)
                    .layer(telemetry.lambda_layer())
                    .run()
                    .await
            }
        };
    }
    let address = SocketAddr::from(([0, 0, 0, 0], port));
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(%address, "listening");
    // The peer address is what per-network rate limits key on off the CDN (see `client`).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(podium_runtime::shutdown_signal())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<ApiConfig, ConfigError> {
        let mut all = vec![
            ("PODIUM_DATABASE_URL", "postgres://u@db.example/podium"),
            ("PODIUM_JWT_SECRET", "s"),
        ];
        all.extend_from_slice(pairs);
        ApiConfig::from_vars(&Vars::from_pairs(all))
    }

    #[test]
    fn production_needs_the_cdn_secret_and_elsewhere_it_is_optional() {
        let production = [
            ("PODIUM_ENV", "production"),
            ("PODIUM_TURNSTILE_SECRET_KEY", "t"),
        ];
        assert!(matches!(
            config(&production),
            Err(ConfigError::Invalid { name, .. }) if name == "PODIUM_CDN_SECRET"
        ));
        let mut with_secret = production.to_vec();
        with_secret.push(("PODIUM_CDN_SECRET", "c"));
        assert!(config(&with_secret).is_ok_and(|c| c.cdn_secret.is_some()));
        assert!(config(&[]).is_ok_and(|c| c.cdn_secret.is_none()));
    }

    #[test]
    fn a_reader_host_reuses_the_primarys_credentials() {
        let config = config(&[("PODIUM_DATABASE_READER_HOST", "reader.example")]).expect("config");
        assert_eq!(
            config.database_url_ro.map(|u| u.expose().to_owned()),
            Some("postgres://u@reader.example/podium".to_owned())
        );
    }
}
