//! What the integration tests share: an in-process client for the functions' routers over a
//! fresh, migrated database per test ([`TestApp`]), the people, events and projects a test
//! needs (made through the real routes, returned as typed ids), and the SQL helpers the
//! migration and cut-over tests use.
//!
//! `TEST_LOG=1` (or a filter such as `TEST_LOG=podium=debug`) prints the functions' logs, so a
//! failing test shows a 500's logged cause: `TEST_LOG=1 scripts/pg run -- cargo nextest run
//! -p podium-tests -E 'test(name)' --no-capture`.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use podium_data::{DatabaseUrl, EventId, ProjectId, UserId};
use podium_http::jwt::{self, JwtSecret};
use podium_http::{ApiConfig, AppState};
use podium_migrations::{Migrator, SchemaFingerprint, Settings};
use podium_testing::TestDb;
use podium_testing::statements::StatementCounter;
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgConnection};
use tower::ServiceExt;

pub const SECRET: &str = ApiConfig::TEST_JWT_SECRET;
/// What the test CDN adds to every origin request (see `podium_http::client`).
pub const CDN_SECRET: &str = ApiConfig::TEST_CDN_SECRET;

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
}

impl TestApp {
    /// The functions' state over a fresh database cloned from the run's migrated template.
    pub async fn new() -> Self {
        let db = TestDb::migrated().await;
        let url = db.url().clone();
        Self::with_state(db, url)
    }

    /// The app over an existing database (say, one just adopted), brought up to date first, as
    /// an operator does before the functions move.
    pub async fn over(db: TestDb) -> Self {
        Migrator::embedded(settings())
            .up(&mut db.connect().await, None)
            .await
            .expect("migrate");
        let url = db.url().clone();
        Self::with_state(db, url)
    }

    /// The app's pool goes through a proxy that counts the statements it sends.
    pub async fn counting() -> (Self, StatementCounter) {
        let db = TestDb::migrated().await;
        let counter = StatementCounter::start(db.url()).await;
        let url = counter.url().clone();
        (Self::with_state(db, url), counter)
    }

    fn with_state(db: TestDb, url: DatabaseUrl) -> Self {
        init_test_log();
        let config = ApiConfig {
            active_event_series: "test-series".to_owned(),
            ..ApiConfig::for_tests(url)
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

/// With `TEST_LOG` set, a tracing subscriber printing every log line (the value is the filter;
/// `1` means `info`) to the test's output; once per process.
pub fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let Some(filter) = std::env::var("TEST_LOG").ok().filter(|v| !v.is_empty()) else {
        return;
    };
    ONCE.call_once(|| {
        let filter = if filter == "1" {
            "info".to_owned()
        } else {
            filter
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}

/// The `id` of a created thing in an answer's body, as a typed id.
#[track_caller]
pub fn id_of<T: From<uuid::Uuid>>(body: &Value) -> T {
    let id = body["id"]
        .as_str()
        .and_then(|id| id.parse::<uuid::Uuid>().ok());
    T::from(id.unwrap_or_else(|| panic!("no id in {body}")))
}

#[track_caller]
pub fn access_token(email: &str) -> String {
    JwtSecret::new(SECRET).issue(email, jwt::ACCESS, 60).0
}

#[track_caller]
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
    pub async fn person(&self, email: &str) -> (String, UserId) {
        let token = self.user(email).await;
        let id: UserId = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.pool)
            .await
            .expect("user id");
        (token, id)
    }

    /// Signs a user up and makes them a superadmin; returns (token, id).
    pub async fn superadmin_person(&self, email: &str) -> (String, UserId) {
        let (token, id) = self.person(email).await;
        sqlx::query("UPDATE users SET is_superadmin = true WHERE id = $1")
            .bind(id)
            .execute(&self.state.pool)
            .await
            .expect("promote");
        (token, id)
    }

    /// Creates an event through the API; returns (id, join_code).
    pub async fn event(&self, token: &str, name: &str) -> (EventId, String) {
        let (status, body) = self
            .call(
                self.events(),
                Method::POST,
                "/events/",
                Some(serde_json::json!({"name": name, "demo_links_optional": true})),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "creating event {name}: {body}");
        (
            id_of(&body),
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
    pub async fn project(&self, token: &str, event_id: EventId, name: &str) -> (ProjectId, String) {
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
        assert_eq!(status, StatusCode::OK, "submitting project {name}: {body}");
        (
            id_of(&body),
            body["join_code"].as_str().expect("code").to_owned(),
        )
    }

    /// Sets an event's phase directly.
    pub async fn set_phase(&self, event_id: EventId, phase: &str, live_leaderboard: bool) {
        sqlx::query("UPDATE events SET phase = $2, live_leaderboard = $3 WHERE id = $1")
            .bind(event_id)
            .bind(phase)
            .bind(live_leaderboard)
            .execute(&self.state.pool)
            .await
            .expect("update event");
    }

    /// Sets an event's boolean column directly; the December 2025 flags `votable` and
    /// `leaderboard_enabled` set the phase they describe.
    pub async fn set_event(&self, event_id: EventId, flag: &str, value: bool) {
        let (votable, leaderboard): (bool, bool) = sqlx::query_as(
            "SELECT phase = 'voting', phase = 'closed' OR (phase = 'voting' AND live_leaderboard)
             FROM events WHERE id = $1",
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
                    "UPDATE events SET {column} = $2 WHERE id = $1"
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

    /// `GET /users/current` as `token`'s user; must answer 200.
    pub async fn current_user(&self, token: &str) -> Value {
        let (status, body) = self
            .call(
                users::app(self.state.clone()),
                Method::GET,
                "/users/current",
                None,
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "GET /users/current: {body}");
        body
    }

    /// The test app's state with other settings (the same pools).
    pub fn with_config(&self, change: impl FnOnce(&mut ApiConfig)) -> AppState {
        let mut config = (*self.state.config).clone();
        change(&mut config);
        AppState {
            pool: self.state.pool.clone(),
            reader: self.state.reader.clone(),
            config: std::sync::Arc::new(config),
        }
    }

    /// Runs one statement on the test's database.
    pub async fn exec(&self, sql: &'static str) {
        sqlx::query(sql)
            .execute(&self.state.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub async fn scalar(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.state.pool)
            .await
            .expect("scalar")
    }
}

// The SQL helpers of the migration and cut-over tests.

pub fn settings() -> Settings {
    Settings {
        lock_wait: Duration::from_secs(60),
        ..Settings::default()
    }
}

pub async fn fingerprint(conn: &mut PgConnection) -> SchemaFingerprint {
    SchemaFingerprint::read(conn)
        .await
        .expect("read fingerprint")
}

pub async fn exec(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .expect("execute SQL");
}

/// `(version, success, checksum)` of every recorded migration.
pub async fn history(conn: &mut PgConnection) -> Vec<(i64, bool, Vec<u8>)> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .expect("query");
    if !exists {
        return Vec::new();
    }
    sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
        .fetch_all(conn)
        .await
        .expect("read history")
}

/// Every row of `table` as JSON, in primary-key order.
pub async fn rows(conn: &mut PgConnection, table: &str) -> String {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT coalesce(json_agg(t ORDER BY t.id), '[]')::text FROM {table} t"
    )))
    .fetch_one(conn)
    .await
    .expect("read rows")
}

/// Whether any session holds the migration lock in this database.
pub async fn lock_is_held(conn: &mut PgConnection) -> bool {
    podium_migrations::lock_holder(conn)
        .await
        .expect("query pg_locks")
        .is_some()
}

/// Inserts a user with empty optional fields; returns its id.
pub async fn insert_user(conn: &mut PgConnection, email: &str) -> String {
    sqlx::query_scalar(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country)
         VALUES (gen_random_uuid(), $1, '', 'Test', '', '', '', '', '', '', '', '') RETURNING id::text",
    )
    .bind(email)
    .fetch_one(conn)
    .await
    .expect("insert user")
}
