//! Bad input never reaches the database as a 500: PostgreSQL refuses the NUL character in
//! text, so a NUL anywhere in a body, query or path parameter is a 422 naming where it is.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::http::TestApp;

const NUL: &str = "Value error, text must not contain the NUL character (\\u0000)";

#[tokio::test]
async fn a_nul_character_in_a_body_query_or_path_answers_422_naming_it_and_stores_nothing() {
    let t = TestApp::new().await;
    let (token, _) = t.person("owner@example.com").await;
    let issue = |loc: serde_json::Value| json!({"detail": [{"type": "value_error", "loc": loc, "msg": NUL}]});
    assert_eq!(
        t.call(
            users::app(t.state.clone()),
            Method::POST,
            "/users/",
            Some(json!({"email": "n@example.com", "first_name": "a\u{0}b"})),
            None
        )
        .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            issue(json!(["body", "first_name"]))
        )
    );
    assert_eq!(
        t.call(
            t.events(),
            Method::POST,
            "/events/",
            Some(json!({"name": "ok", "description": ["x", "\u{0}"]})),
            Some(&token)
        )
        .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            issue(json!(["body", "description", 1]))
        )
    );
    assert_eq!(
        t.call(
            t.events(),
            Method::POST,
            "/events/attend?join_code=AB%00C&referral=",
            None,
            Some(&token)
        )
        .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            issue(json!(["query", "join_code"]))
        )
    );
    assert_eq!(
        t.call(t.events(), Method::GET, "/events/id/a%00b", None, None)
            .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            issue(json!(["path", "slug"]))
        )
    );
    // An escaped backslash before `u0000` is ordinary text.
    let (status, _) = t
        .call(
            t.events(),
            Method::POST,
            "/events/",
            Some(json!({"name": "back\\u0000slash"})),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t.scalar("SELECT count(*) FROM users").await, 1);
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 1);
}
