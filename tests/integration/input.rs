//! Bad input never reaches the database as a 500: PostgreSQL refuses the NUL character in
//! text, so a NUL anywhere in a body, query or path parameter is a 422 naming where it is.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

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

/// Every route that takes a JSON body (method and path), on a test app with an owner who attends
/// their event and has a project in it, so that each request gets as far as its body.
struct BodyRoutes {
    t: TestApp,
    token: String,
    routes: Vec<(Method, String)>,
}

impl BodyRoutes {
    async fn new() -> Self {
        let t = TestApp::new().await;
        let (token, _) = t.person("owner@example.com").await;
        let (event, code) = t.event(&token, "Hack Night").await;
        t.attend(&token, &code).await;
        let (project, _) = t.project(&token, event, "Robot").await;
        let routes = vec![
            (Method::POST, "/users/".to_owned()),
            (Method::PUT, "/users/current".to_owned()),
            (Method::POST, "/request-login?redirect=".to_owned()),
            (Method::POST, "/events/".to_owned()),
            (Method::PUT, format!("/events/{event}")),
            (Method::POST, "/events/vote".to_owned()),
            (
                Method::POST,
                format!("/events/admin/{event}/remove-attendee"),
            ),
            (Method::POST, "/projects/".to_owned()),
            (Method::PUT, format!("/projects/{project}")),
            (Method::POST, "/projects/check/start".to_owned()),
        ];
        Self { t, token, routes }
    }

    fn app(&self, path: &str) -> axum::Router {
        let t = &self.t;
        match path.split('/').nth(1).unwrap_or_default() {
            "users" => users::app(t.state.clone()),
            s if s.starts_with("request-login") => crate::auth::app(t, None),
            "events" if path.starts_with("/events/admin/") => t.admin(),
            "events" => t.events(),
            _ => t.projects(),
        }
    }

    async fn send(
        &self,
        method: &Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> (StatusCode, serde_json::Value) {
        self.t
            .raw(
                self.app(path),
                method.clone(),
                path,
                content_type,
                body,
                Some(&self.token),
            )
            .await
    }

    /// The rows of every table, to show that nothing was written.
    async fn rows(&self) -> i64 {
        self.t
            .scalar(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM events) \
                 + (SELECT count(*) FROM projects) + (SELECT count(*) FROM votes) \
                 + (SELECT count(*) FROM magic_link_redemptions) + (SELECT count(*) FROM login_requests)",
            )
            .await
    }
}

/// The body the outside probe sent: a NUL in `first_name`, beside an ignored field nested
/// `depth` levels deep.
fn probe_body(depth: usize) -> String {
    format!(
        r#"{{"email":"a@example.com","first_name":"A\u0000","x":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[tokio::test]
async fn a_nul_beside_nesting_past_any_parsers_limit_answers_422_on_every_route_with_a_body() {
    let r = BodyRoutes::new().await;
    let before = r.rows().await;
    for depth in [1, 20, 126, 127, 128, 5000] {
        for (method, path) in &r.routes {
            let (status, body) = r
                .send(method, path, Some("application/json"), &probe_body(depth))
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {path} {depth}: {body}"
            );
            if depth < podium_http::MAX_BODY_DEPTH {
                assert_eq!(
                    body,
                    json!({"detail": [{"type": "value_error", "loc": ["body", "first_name"], "msg": NUL}]}),
                    "{method} {path} {depth}"
                );
            } else {
                assert_eq!(
                    body["detail"][0]["type"], "value_error",
                    "{method} {path} {depth}"
                );
            }
        }
    }
    assert_eq!(r.rows().await, before);
}

#[tokio::test]
async fn nesting_deeper_than_the_limit_answers_422_naming_where_and_the_limit() {
    let r = BodyRoutes::new().await;
    let max = podium_http::MAX_BODY_DEPTH;
    let nested = |depth: usize| {
        format!(
            r#"{{"email":"n@example.com","first_name":"N","name":"N","x":{}{}}}"#,
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        )
    };
    let mut loc = vec![json!("body"), json!("x")];
    loc.extend(std::iter::repeat_n(json!(0), max - 1));
    let expected = json!({"detail": [{
        "type": "value_error",
        "loc": loc,
        "msg": format!("Value error, JSON must not nest objects and arrays more than {max} deep"),
        "ctx": {"max_depth": max},
    }]});
    let before = r.rows().await;
    for (method, path) in &r.routes {
        let answer = r
            .send(method, path, Some("application/json"), &nested(max + 1))
            .await;
        assert_eq!(
            answer,
            (StatusCode::UNPROCESSABLE_ENTITY, expected.clone()),
            "{method} {path}"
        );
    }
    assert_eq!(r.rows().await, before);
    // At the limit the nesting itself is fine (the field is ignored).
    for (method, path) in &r.routes {
        let (_, body) = r
            .send(method, path, Some("application/json"), &nested(max))
            .await;
        assert_ne!(body, expected, "{method} {path}");
    }
}

#[tokio::test]
async fn bodies_not_declared_as_json_answer_422_on_every_route_with_a_body_and_store_nothing() {
    let r = BodyRoutes::new().await;
    let expected = json!({"detail": [{
        "type": "model_attributes_type",
        "loc": ["body"],
        "msg": "Input should be a valid dictionary or object to extract fields from",
    }]});
    let body = r#"{"email":"cross@example.com","first_name":"Cross","name":"Cross site"}"#;
    let before = r.rows().await;
    for (method, path) in &r.routes {
        for content_type in [
            Some("text/plain"),
            Some("text/plain;charset=UTF-8"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/xml"),
            Some("text/json"),
            Some("application/jsonp"),
            Some("json"),
            None,
        ] {
            let answer = r.send(method, path, content_type, body).await;
            assert_eq!(
                answer,
                (StatusCode::UNPROCESSABLE_ENTITY, expected.clone()),
                "{method} {path} {content_type:?}"
            );
        }
    }
    assert_eq!(r.rows().await, before);
    // JSON with parameters, in any case, and the `+json` types are JSON.
    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ] {
        let (status, answer) = r
            .send(
                &Method::POST,
                "/users/",
                Some(content_type),
                &format!(
                    r#"{{"email":"{}@example.com","first_name":"J"}}"#,
                    content_type.len()
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{content_type}: {answer}");
    }
}
