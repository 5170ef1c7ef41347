//! An in-process client for the functions' routers: a fresh, migrated database per test.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use podium_shared::http::jwt::{self, JwtSecret};
use podium_shared::http::{ApiConfig, AppState};
use podium_shared::migrations::Migrator;
use podium_shared::testing::TestDb;
use serde_json::Value;
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-of-podium";

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
}

impl TestApp {
    pub async fn new() -> Self {
        let db = TestDb::new().await;
        let mut conn = db.connect().await;
        Migrator::embedded(crate::support::settings())
            .up(&mut conn, None)
            .await
            .expect("migrate");
        let config = ApiConfig {
            database_url: db.url().clone(),
            jwt_secret: JwtSecret::new(SECRET),
            jwt_expire_minutes: 2880,
            // Wide enough that parallel-request tests really run in parallel.
            database_pool_size: 30,
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

/// Sends a raw request; returns status, headers and the body as text.
pub async fn send(app: Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
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
