//! The `auth` function: magic links, single use, the rate limit, and the Loops payload.

use std::sync::{Arc, Mutex};

use auth::{AuthState, MailConfig};
use axum::http::{HeaderMap, Method, StatusCode};
use podium_http::jwt::{self, JwtSecret};
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp, magic_token};

fn mail(loops: Option<(&str, &str)>) -> MailConfig {
    MailConfig {
        production_url: "https://podium.example".to_owned(),
        loops_api_key: loops.map(|(key, _)| key.to_owned()),
        loops_transactional_id: "tx-123".to_owned(),
        loops_url: loops.map_or_else(String::new, |(_, url)| url.to_owned()),
    }
}

pub(crate) fn app(t: &TestApp, loops: Option<(&str, &str)>) -> axum::Router {
    auth::app(
        AuthState::new(t.state.clone(), mail(loops), unconfigured_hackclub()).expect("auth state"),
    )
}

/// Hack Club sign-in without a client id (the routes answer 501).
pub(crate) fn unconfigured_hackclub() -> auth::hackclub::HackClubConfig {
    auth::hackclub::HackClubConfig {
        client_id: None,
        client_secret: None,
        auth_url: "http://127.0.0.1:9".to_owned(),
        public_api_url: "http://localhost:8000".to_owned(),
    }
}

async fn request_login(
    t: &TestApp,
    app: axum::Router,
    email: &str,
    redirect: &str,
) -> (StatusCode, Value) {
    let uri = format!("/request-login?redirect={}", url_encode(redirect));
    t.call(app, Method::POST, &uri, Some(json!({"email": email})), None)
        .await
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A fake Loops API: records each request's headers and JSON body, answers `status`.
async fn fake_loops(status: StatusCode) -> (String, Arc<Mutex<Vec<(HeaderMap, Value)>>>) {
    let seen: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let record = seen.clone();
    let router = axum::Router::new().route(
        "/api/v1/transactional",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let record = record.clone();
            async move {
                record.lock().expect("lock").push((headers, body.0));
                (status, axum::Json(json!({"success": status.is_success()})))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/api/v1/transactional",
        listener.local_addr().expect("address")
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

#[tokio::test]
async fn request_login_sends_loops_the_exact_payload_with_a_link_that_logs_in_once() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    let (loops_url, seen) = fake_loops(StatusCode::OK).await;
    let (status, body) = request_login(
        &t,
        app(&t, Some(("loops-key", &loops_url))),
        " ADA@example.com",
        "/events/attend?join_code=AB&referral=a b",
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));

    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let (headers, payload) = &seen[0];
    assert_eq!(
        headers.get("authorization").map(|v| v.as_bytes()),
        Some(&b"Bearer loops-key"[..])
    );
    assert!(
        headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
    );
    let link = payload["dataVariables"]["auth_link"]
        .as_str()
        .expect("link")
        .to_owned();
    assert_eq!(
        payload,
        &json!({"email": "ada@example.com", "transactionalId": "tx-123", "dataVariables": {"auth_link": link}})
    );
    let (prefix, redirect) = link.split_once("&redirect=").expect("redirect appended");
    assert_eq!(
        redirect,
        "%2Fevents%2Fattend%3Fjoin_code%3DAB%26referral%3Da+b"
    );
    let token = prefix
        .strip_prefix("https://podium.example/login?token=")
        .expect("link to the frontend");
    let claims = JwtSecret::new(SECRET)
        .decode(token)
        .expect("signed with the secret");
    assert_eq!(
        (claims.sub.as_deref(), claims.token_type.as_deref()),
        (Some("ada@example.com"), Some(jwt::MAGIC_LINK))
    );
    let lifetime = claims.exp.expect("exp") - chrono::Utc::now().timestamp();
    assert!((14 * 60..=15 * 60).contains(&lifetime), "{lifetime}");

    let verify = async |token: String| {
        t.call(
            app(&t, None),
            Method::GET,
            &format!("/verify?token={token}"),
            None,
            None,
        )
        .await
    };
    let (status, body) = verify(token.to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "access");
    assert_eq!(body["user"]["email"], "ada@example.com");
    let access = body["access_token"].as_str().expect("token");
    let (status, me) = t
        .call(
            users::app(t.state.clone()),
            Method::GET,
            "/users/current",
            None,
            Some(access),
        )
        .await;
    assert_eq!(
        (status, &me["email"]),
        (StatusCode::OK, &json!("ada@example.com")),
        "the access token works on the users function"
    );
    assert_eq!(
        verify(token.to_owned()).await,
        (StatusCode::BAD_REQUEST, json!({"detail": "Invalid token"})),
        "a replayed link is refused"
    );
}

#[tokio::test]
async fn request_login_without_a_loops_key_succeeds_and_sends_nothing() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    assert_eq!(
        request_login(&t, app(&t, None), "ada@example.com", "").await,
        (StatusCode::OK, Value::Null)
    );
}

#[tokio::test]
async fn request_login_errors_unknown_user_missing_redirect_and_loops_failure() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    assert_eq!(
        request_login(&t, app(&t, None), "nobody@example.com", "").await,
        (StatusCode::NOT_FOUND, json!({"detail": "User not found"}))
    );
    let (status, body) = t
        .call(
            app(&t, None),
            Method::POST,
            "/request-login",
            Some(json!({"email": "ada@example.com"})),
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"type": "missing", "loc": ["query", "redirect"], "msg": "Field required"}]})
        )
    );
    let (status, body) = t
        .call(
            app(&t, None),
            Method::POST,
            "/request-login?redirect=",
            Some(json!({})),
            None,
        )
        .await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["body", "email"]))
    );

    let (loops_url, _) = fake_loops(StatusCode::BAD_GATEWAY).await;
    let failing = app(&t, Some(("key", &loops_url)));
    assert_eq!(
        request_login(&t, failing, "ada@example.com", "").await,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"detail": "Failed to send auth email"})
        )
    );
    let unreachable = app(&t, Some(("key", "http://127.0.0.1:1/api/v1/transactional")));
    assert_eq!(
        request_login(&t, unreachable, "ada@example.com", "")
            .await
            .0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[tokio::test]
async fn request_login_is_limited_to_five_per_email_per_fifteen_minutes_even_in_a_burst() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    t.user("bob@example.com").await;
    let burst = (0..20).map(|_| request_login(&t, app(&t, None), "ada@example.com", ""));
    let results = futures_util::future::join_all(burst).await;
    let accepted = results.iter().filter(|r| r.0 == StatusCode::OK).count();
    assert_eq!(accepted, 5, "{results:?}");
    assert!(results.iter().filter(|r| r.0 != StatusCode::OK).all(|r| *r
        == (
            StatusCode::TOO_MANY_REQUESTS,
            json!({"detail": "Too many login requests, try again later"})
        )));
    assert_eq!(
        request_login(&t, app(&t, None), "bob@example.com", "")
            .await
            .0,
        StatusCode::OK,
        "other addresses are not affected"
    );
    // Requests older than the window no longer count.
    sqlx::query("UPDATE login_requests SET requested_at = now() - interval '16 minutes' WHERE email = 'ada@example.com'")
        .execute(&t.state.pool)
        .await
        .expect("age");
    assert_eq!(
        request_login(&t, app(&t, None), "ADA@example.com", "")
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn verify_refuses_every_kind_of_bad_token_and_unknown_users() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    let secret = JwtSecret::new(SECRET);
    let verify = async |token: String| {
        t.call(
            app(&t, None),
            Method::GET,
            &format!("/verify?token={token}"),
            None,
            None,
        )
        .await
    };
    let invalid = (StatusCode::BAD_REQUEST, json!({"detail": "Invalid token"}));
    assert_eq!(
        verify(secret.issue("ada@example.com", jwt::ACCESS, 5).0).await,
        invalid,
        "an access token"
    );
    assert_eq!(
        verify(secret.issue("ada@example.com", jwt::MAGIC_LINK, -1).0).await,
        invalid,
        "expired"
    );
    assert_eq!(
        verify(
            JwtSecret::new("other")
                .issue("ada@example.com", jwt::MAGIC_LINK, 5)
                .0
        )
        .await,
        invalid,
        "other secret"
    );
    assert_eq!(verify("garbage".to_owned()).await, invalid);
    let no_sub = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"token_type": "magic_link"}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign");
    assert_eq!(verify(no_sub).await, invalid, "no sub");
    let not_found = (StatusCode::NOT_FOUND, json!({"detail": "User not found"}));
    assert_eq!(verify(magic_token("nobody@example.com")).await, not_found);
    assert_eq!(
        verify(magic_token("ADA@example.com")).await,
        not_found,
        "sub is compared exactly"
    );
    let (status, body) = t
        .call(app(&t, None), Method::GET, "/verify", None, None)
        .await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["query", "token"]))
    );
}

#[tokio::test]
async fn parallel_redemptions_of_one_magic_link_log_in_exactly_once() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    let token = magic_token("ada@example.com");
    let uri = format!("/verify?token={token}");
    let calls = (0..20).map(|_| t.call(app(&t, None), Method::GET, &uri, None, None));
    let results = futures_util::future::join_all(calls).await;
    assert_eq!(results.iter().filter(|r| r.0 == StatusCode::OK).count(), 1);
    assert!(
        results
            .iter()
            .filter(|r| r.0 != StatusCode::OK)
            .all(|r| r.1 == json!({"detail": "Invalid token"}))
    );
}

/// A token signed with the test secret, with the contract's claims and `extra` ones.
fn signed(email: &str, token_type: &str, extra: &Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({"sub": email, "token_type": token_type, "exp": now + 600});
    if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
        claims.extend(extra.clone());
    }
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

#[tokio::test]
async fn tokens_not_yet_valid_or_issued_in_the_future_are_refused_with_the_usual_texts() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    let now = chrono::Utc::now().timestamp();
    let early = [
        json!({"nbf": now + 300}),
        json!({"iat": now + 300}),
        json!({"nbf": now + 300, "iat": now}),
    ];
    for claims in &early {
        let access = signed("ada@example.com", jwt::ACCESS, claims);
        assert_eq!(
            t.call(
                users::app(t.state.clone()),
                Method::GET,
                "/users/current",
                None,
                Some(&access)
            )
            .await,
            (
                StatusCode::UNAUTHORIZED,
                json!({"detail": "Invalid authentication credentials"})
            ),
            "access token with {claims}"
        );
        let magic = signed("ada@example.com", jwt::MAGIC_LINK, claims);
        assert_eq!(
            t.call(
                app(&t, None),
                Method::GET,
                &format!("/verify?token={magic}"),
                None,
                None
            )
            .await,
            (StatusCode::BAD_REQUEST, json!({"detail": "Invalid token"})),
            "magic link with {claims}"
        );
    }
    // Already valid, or issued within a minute of clock skew: accepted.
    let fine = json!({"nbf": now - 10, "iat": now + 30});
    let access = signed("ada@example.com", jwt::ACCESS, &fine);
    let (status, _) = t
        .call(
            users::app(t.state.clone()),
            Method::GET,
            "/users/current",
            None,
            Some(&access),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let magic = signed("ada@example.com", jwt::MAGIC_LINK, &fine);
    let (status, body) = t
        .call(
            app(&t, None),
            Method::GET,
            &format!("/verify?token={magic}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn two_magic_links_mailed_in_the_same_second_differ_and_redeeming_one_leaves_the_other() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    let (first, second) = (
        magic_token("ada@example.com"),
        magic_token("ada@example.com"),
    );
    assert_ne!(first, second, "a jti tells them apart");
    for token in [&first, &second] {
        let (status, body) = t
            .call(
                app(&t, None),
                Method::GET,
                &format!("/verify?token={token}"),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Each is still single use.
    let (status, _) = t
        .call(
            app(&t, None),
            Method::GET,
            &format!("/verify?token={first}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn expired_rate_limit_and_login_rows_of_every_bucket_are_purged_in_bounded_batches() {
    let t = TestApp::new().await;
    t.user("one@example.com").await;
    t.user("two@example.com").await;
    sqlx::raw_sql(
        "INSERT INTO rate_limit_hits (bucket, hit_at)
           SELECT 'signup:198.51.100.' || n, now() - interval '2 days' FROM generate_series(1, 150) n;
         INSERT INTO rate_limit_hits (bucket, hit_at) VALUES ('signup:fresh', now() - interval '5 minutes');
         INSERT INTO login_requests (email, requested_at)
           SELECT 'gone' || n || '@example.com', now() - interval '1 day' FROM generate_series(1, 150) n;",
    )
    .execute(&t.state.pool)
    .await
    .expect("old rows");
    let login = |email: &str| {
        t.call(
            app(&t, None),
            Method::POST,
            "/request-login?redirect=",
            Some(json!({"email": email})),
            None,
        )
    };
    // Each request purges at most 100 expired rows: two requests clear 150 of each kind.
    let (status, body) = login("one@example.com").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        t.scalar(
            "SELECT count(*) FROM login_requests WHERE requested_at < now() - interval '1 hour'"
        )
        .await,
        50
    );
    login("two@example.com").await;
    for (sql, left) in [
        (
            "SELECT count(*) FROM login_requests WHERE requested_at < now() - interval '1 hour'",
            0,
        ),
        (
            "SELECT count(*) FROM rate_limit_hits WHERE hit_at < now() - interval '1 hour'",
            0,
        ),
        (
            "SELECT count(*) FROM rate_limit_hits WHERE bucket = 'signup:fresh'",
            1,
        ),
    ] {
        assert_eq!(t.scalar(sql).await, left, "{sql}");
    }
}
