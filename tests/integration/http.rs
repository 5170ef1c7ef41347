//! An in-process client for the functions' routers: a fresh, migrated database per test.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use podium_data::DatabaseUrl;
use podium_http::jwt::{self, JwtSecret};
use podium_http::{ApiConfig, AppState};
use podium_migrations::Migrator;
use podium_testing::TestDb;
use podium_testing::statements::StatementCounter;
use serde_json::Value;
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-of-podium";
/// What the test CDN adds to every origin request (see `podium_http::client`).
pub const CDN_SECRET: &str = "test-cdn-secret";

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
}

impl TestApp {
    pub async fn new() -> Self {
        let db = TestDb::new().await;
        let url = db.url().clone();
        Self::build(db, url).await
    }

    /// The app over an existing database (say, one just adopted), brought up to date first, as
    /// an operator does before the functions move.
    pub async fn over(db: TestDb) -> Self {
        let url = db.url().clone();
        Self::build(db, url).await
    }

    /// The app's pool goes through a proxy that counts the statements it sends.
    pub async fn counting() -> (Self, StatementCounter) {
        let db = TestDb::new().await;
        let counter = StatementCounter::start(db.url()).await;
        let url = counter.url().clone();
        (Self::build(db, url).await, counter)
    }

    async fn build(db: TestDb, url: DatabaseUrl) -> Self {
        let mut conn = db.connect().await;
        Migrator::embedded(crate::support::settings())
            .up(&mut conn, None)
            .await
            .expect("migrate");
        let config = ApiConfig {
            database_url: url,
            database_url_ro: None,
            jwt_secret: JwtSecret::new(SECRET),
            jwt_expire_minutes: 2880,
            // Wide enough that parallel-request tests really run in parallel.
            database_pool_size: 30,
            active_event_series: "test-series".to_owned(),
            event_creation: podium_http::EventCreation::Anyone,
            enable_test_endpoints: true,
            turnstile: std::sync::Arc::new(podium_http::turnstile::TurnstileConfig::new(
                None,
                podium_http::turnstile::DEFAULT_VERIFY_URL,
            )),
            cdn_secret: podium_http::client::CdnSecret::new(CDN_SECRET.to_owned()),
        };
        let state = AppState::new(config, "podium-tests");
        Self { db, state }
    }

    /// A signed-up user's access token (through the real signup route).
    pub async fn user(&self, email: &str) -> String {
        let (status, body) = self
            .call(
                users::app(self.state.clone()),
                Method::POST,
                "/users/",
                Some(serde_json::json!({"email": email, "first_name": "Test"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        access_token(email)
    }

    pub async fn call(
        &self,
        app: Router,
        method: Method,
        uri: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        let (status, _, body) = send(app, request).await;
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }
}

impl TestApp {
    /// Sends `body` as it is, with the given content type (none when `None`).
    pub async fn raw(
        &self,
        app: Router,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<String>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        let request = builder.body(Body::from(body.into())).expect("request");
        let (status, _, body) = send(app, request).await;
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }
}

/// Sends a raw request; returns status, headers and the body as text, after checking the
/// response against the committed OpenAPI document (see [`crate::contract`]).
pub async fn send(app: Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (status, headers, body) = send_unchecked(app, request).await;
    crate::contract::check(&method, &path, status, &headers, &body);
    (status, headers, body)
}

/// [`send`] without the document check, for routers that are not the API (test stand-ins).
pub async fn send_unchecked(
    app: Router,
    request: Request<Body>,
) -> (StatusCode, HeaderMap, String) {
    let response = app.oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub fn access_token(email: &str) -> String {
    JwtSecret::new(SECRET).issue(email, jwt::ACCESS, 60).0
}

pub fn magic_token(email: &str) -> String {
    JwtSecret::new(SECRET).issue(email, jwt::MAGIC_LINK, 15).0
}

/// The route groups of the judging flow, on the test's state.
impl TestApp {
    pub fn events(&self) -> Router {
        events::app(self.state.clone())
    }

    pub fn admin(&self) -> Router {
        admin::app(self.state.clone())
    }

    pub fn superadmin(&self) -> Router {
        superadmin::app(self.state.clone())
    }

    /// The projects function with a validation trigger (its Review Factory unconfigured).
    pub fn projects_validating(&self, validation: podium_validation::Trigger) -> Router {
        projects::app(projects::ProjectsState {
            app: self.state.clone(),
            checks: std::sync::Arc::new(
                projects::checks::ReviewFactory::new("http://127.0.0.1:9", None).expect("client"),
            ),
            validation,
            edit_debounce: podium_validation::EDIT_DEBOUNCE,
        })
    }

    /// The projects function, its Review Factory unconfigured.
    pub fn projects(&self) -> Router {
        self.projects_with(
            projects::checks::ReviewFactory::new("http://127.0.0.1:9", None).expect("client"),
        )
    }

    pub fn projects_with(&self, checks: projects::checks::ReviewFactory) -> Router {
        projects::app(projects::ProjectsState {
            app: self.state.clone(),
            checks: std::sync::Arc::new(checks),
            // Jobs stay queued; the validation tests run workers themselves.
            validation: podium_validation::Trigger::Off,
            edit_debounce: podium_validation::EDIT_DEBOUNCE,
        })
    }

    /// Signs a user up; returns (token, id).
    pub async fn person(&self, email: &str) -> (String, String) {
        let token = self.user(email).await;
        let id: String = sqlx::query_scalar("SELECT id::text FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.pool)
            .await
            .expect("user id");
        (token, id)
    }

    /// Signs a user up and makes them a superadmin; returns (token, id).
    pub async fn superadmin_person(&self, email: &str) -> (String, String) {
        let (token, id) = self.person(email).await;
        sqlx::query("UPDATE users SET is_superadmin = true WHERE id = $1::uuid")
            .bind(&id)
            .execute(&self.state.pool)
            .await
            .expect("promote");
        (token, id)
    }

    /// Creates an event through the API; returns (id, join_code).
    pub async fn event(&self, token: &str, name: &str) -> (String, String) {
        let (status, body) = self
            .call(
                self.events(),
                Method::POST,
                "/events/",
                Some(serde_json::json!({"name": name, "demo_links_optional": true})),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            body["id"].as_str().expect("id").to_owned(),
            body["join_code"].as_str().expect("code").to_owned(),
        )
    }

    pub async fn attend(&self, token: &str, join_code: &str) {
        let (status, body) = self
            .call(
                self.events(),
                Method::POST,
                &format!("/events/attend?join_code={join_code}&referral="),
                None,
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Submits a project through the API; returns (id, join_code).
    pub async fn project(&self, token: &str, event_id: &str, name: &str) -> (String, String) {
        let (status, body) = self
            .call(
                self.projects(),
                Method::POST,
                "/projects/",
                Some(serde_json::json!({
                    "name": name, "repo": "https://github.com/x/y", "image_url": "",
                    "demo": "https://demo.example", "event_id": event_id
                })),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            body["id"].as_str().expect("id").to_owned(),
            body["join_code"].as_str().expect("code").to_owned(),
        )
    }

    /// Sets an event's phase directly.
    pub async fn set_phase(&self, event_id: &str, phase: &str, live_leaderboard: bool) {
        sqlx::query("UPDATE events SET phase = $2, live_leaderboard = $3 WHERE id = $1::uuid")
            .bind(event_id)
            .bind(phase)
            .bind(live_leaderboard)
            .execute(&self.state.pool)
            .await
            .expect("update event");
    }

    /// Sets an event's boolean column directly; the December 2025 flags `votable` and
    /// `leaderboard_enabled` set the phase they describe.
    pub async fn set_event(&self, event_id: &str, flag: &str, value: bool) {
        let (votable, leaderboard): (bool, bool) = sqlx::query_as(
            "SELECT phase = 'voting', phase = 'closed' OR (phase = 'voting' AND live_leaderboard)
             FROM events WHERE id = $1::uuid",
        )
        .bind(event_id)
        .fetch_one(&self.state.pool)
        .await
        .expect("read event");
        let (votable, leaderboard) = match flag {
            "votable" => (value, leaderboard),
            "leaderboard_enabled" => (votable, value),
            column => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE events SET {column} = $2 WHERE id = $1::uuid"
                )))
                .bind(event_id)
                .bind(value)
                .execute(&self.state.pool)
                .await
                .expect("update event");
                return;
            }
        };
        let (phase, live) = podium_data::Phase::from_flags(votable, leaderboard);
        self.set_phase(event_id, phase.as_str(), live).await;
    }

    pub async fn scalar(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.state.pool)
            .await
            .expect("scalar")
    }
}
