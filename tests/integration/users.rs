//! The `users` function: every route, status and error text of contract section 2 (Users),
//! the auth failure matrix of section 0, and the common HTTP layer.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use podium_http::jwt::{self, JwtSecret};
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp, access_token, send};

fn app(t: &TestApp) -> axum::Router {
    users::app(t.state.clone())
}

async fn signup(t: &TestApp, body: Value) -> (StatusCode, Value) {
    t.call(app(t), Method::POST, "/users/", Some(body), None)
        .await
}

fn full_profile(email: &str) -> Value {
    json!({
        "id": "", "email": email, "first_name": "Ada", "last_name": "Lovelace", "display_name": "Ada L.",
        "phone": "+44 20", "street_1": "12 St James's Sq", "street_2": null, "city": "London", "state": "",
        "zip_code": "SW1Y", "country": "GB", "dob": "1815-12-10"
    })
}

#[tokio::test]
async fn signup_stores_the_full_profile_with_a_normalised_email_and_answers_the_id() {
    let t = TestApp::new().await;
    let (status, body) = signup(&t, full_profile("  Ada@Example.COM ")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id: uuid::Uuid = body["id"].as_str().expect("id").parse().expect("uuid");
    assert_eq!(body.as_object().map(|o| o.len()), Some(1));
    let user = podium_data::users::find_by_id(&t.state.pool, id.into())
        .await
        .expect("query")
        .expect("stored");
    assert_eq!(user.email, "ada@example.com");
    assert_eq!(
        (
            user.profile.street_2.as_str(),
            user.profile.country.as_str()
        ),
        ("", "GB")
    );
    assert_eq!(
        user.profile.dob.map(|d| d.to_string()).as_deref(),
        Some("1815-12-10")
    );
}

#[tokio::test]
async fn signup_with_a_taken_email_in_any_case_answers_400_user_already_exists() {
    let t = TestApp::new().await;
    assert_eq!(
        signup(&t, json!({"email": "a@example.com", "first_name": "A"}))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = signup(&t, json!({"email": "A@EXAMPLE.com", "first_name": "B"})).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "User already exists"})
        )
    );
}

#[tokio::test]
async fn parallel_signups_with_one_email_create_one_user_and_answer_400_to_the_rest() {
    let t = TestApp::new().await;
    let calls =
        (0..20).map(|_| signup(&t, json!({"email": "race@example.com", "first_name": "R"})));
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|(s, _)| *s != StatusCode::OK)
            .all(|r| *r
                == (
                    StatusCode::BAD_REQUEST,
                    json!({"detail": "User already exists"})
                ))
    );
}

#[tokio::test]
async fn signup_rejects_bad_input_with_422_naming_the_field_and_stores_nothing() {
    let t = TestApp::new().await;
    let cases = [
        (
            json!({"email": "a@example.com"}),
            json!([{"type": "missing", "loc": ["body", "first_name"], "msg": "Field required"}]),
        ),
        (
            json!({"email": null, "first_name": "A"}),
            json!([{"type": "string_type", "loc": ["body", "email"], "msg": "Input should be a valid string"}]),
        ),
        (
            json!({"email": "a@example.com", "first_name": 7}),
            json!([{"type": "string_type", "loc": ["body", "first_name"], "msg": "Input should be a valid string"}]),
        ),
        (
            json!({"email": "a@example.com", "first_name": "A", "last_name": "x".repeat(51)}),
            json!([{"type": "string_too_long", "loc": ["body", "last_name"], "msg": "String should have at most 50 characters", "ctx": {"max_length": 50}}]),
        ),
        (
            json!({"email": "a@example.com", "first_name": "A", "dob": ""}),
            json!([{"type": "date_parsing", "loc": ["body", "dob"], "msg": "Input should be a valid date in the format YYYY-MM-DD"}]),
        ),
        (
            json!("just a string"),
            json!([{"type": "model_attributes_type", "loc": ["body"], "msg": "Input should be a valid dictionary or object to extract fields from"}]),
        ),
    ];
    for (body, detail) in cases {
        let (status, answer) = signup(&t, body.clone()).await;
        assert_eq!(
            (status, &answer["detail"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &detail),
            "for {body}"
        );
    }
    let (status, answer) = signup(&t, json!({"email": "notanemail", "first_name": "A"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (
            answer["detail"][0]["type"].as_str(),
            &answer["detail"][0]["loc"]
        ),
        (Some("value_error"), &json!(["body", "email"]))
    );
    assert!(
        answer["detail"][0]["msg"]
            .as_str()
            .expect("msg")
            .starts_with("value is not a valid email address")
    );

    let request = Request::post("/users/")
        .header("content-type", "application/json")
        .body(Body::from("{\"email\": "))
        .expect("request");
    let (status, _, text) = send(app(&t), request).await;
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text.starts_with(r#"{"detail":[{"type":"json_invalid","loc":["body","#),
        "keys in the contract's order: {text}"
    );
    assert_eq!(
        (
            answer["detail"][0]["type"].as_str(),
            answer["detail"][0]["msg"].as_str()
        ),
        (Some("json_invalid"), Some("JSON decode error"))
    );
    assert_eq!(answer["detail"][0]["loc"][0], "body");

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&t.state.pool)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn exists_is_case_insensitive_accepts_special_use_domains_and_validates_syntax() {
    let t = TestApp::new().await;
    t.user("signup+1@test.local").await;
    for (query, expected) in [
        ("SIGNUP%2B1@Test.Local", true),
        ("other@example.com", false),
    ] {
        let (status, body) = t
            .call(
                app(&t),
                Method::GET,
                &format!("/users/exists?email={query}"),
                None,
                None,
            )
            .await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"exists": expected}))
        );
    }
    let (status, body) = t
        .call(app(&t), Method::GET, "/users/exists?email=nope", None, None)
        .await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["query", "email"]))
    );
    let (status, body) = t
        .call(app(&t), Method::GET, "/users/exists", None, None)
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"type": "missing", "loc": ["query", "email"], "msg": "Field required"}]})
        )
    );
}

#[tokio::test]
async fn current_user_answers_user_private_with_fields_in_contract_order() {
    let t = TestApp::new().await;
    signup(&t, full_profile("ada@example.com")).await;
    let request = Request::get("/users/current")
        .header(
            "authorization",
            format!("Bearer {}", access_token("ada@example.com")),
        )
        .body(Body::empty())
        .expect("request");
    let (status, _, text) = send(app(&t), request).await;
    assert_eq!(status, StatusCode::OK);
    let id = serde_json::from_str::<Value>(&text).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        text,
        format!(
            r#"{{"id":"{id}","display_name":"Ada L.","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","phone":"+44 20","vote_ids":[],"has_ysws_pii":true,"is_superadmin":false}}"#
        )
    );
}

#[tokio::test]
async fn the_auth_failure_matrix_answers_as_section_0_says() {
    let t = TestApp::new().await;
    t.user("ada@example.com").await;
    let secret = JwtSecret::new(SECRET);
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let unsigned = format!(
        "{}.{}.",
        engine.encode(r#"{"alg":"none","typ":"JWT"}"#),
        engine.encode(r#"{"sub":"ada@example.com","token_type":"access"}"#)
    );
    let no_sub = sign(&json!({"token_type": "access"}));
    let cases: Vec<(Option<String>, StatusCode, &str)> = vec![
        // Missing credentials: 401 with `WWW-Authenticate: Bearer`, as the 2026 original (the
        // 2025 one answered 403; neither frontend depends on it).
        (None, StatusCode::UNAUTHORIZED, "Not authenticated"),
        (
            Some("Bearer ".into()),
            StatusCode::UNAUTHORIZED,
            "Not authenticated",
        ),
        (
            Some(String::new()),
            StatusCode::UNAUTHORIZED,
            "Not authenticated",
        ),
        (
            Some(format!("Basic {}", access_token("ada@example.com"))),
            StatusCode::UNAUTHORIZED,
            "Not authenticated",
        ),
        (
            Some(format!(
                "Bearer {}",
                JwtSecret::new("wrong")
                    .issue("ada@example.com", jwt::ACCESS, 5)
                    .0
            )),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication credentials",
        ),
        (
            Some(format!(
                "Bearer {}",
                secret.issue("ada@example.com", jwt::ACCESS, -1).0
            )),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication credentials",
        ),
        (
            Some("Bearer garbage".into()),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication credentials",
        ),
        (
            Some(format!("Bearer {unsigned}")),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication credentials",
        ),
        (
            Some(format!(
                "Bearer {}",
                secret.issue("ada@example.com", jwt::MAGIC_LINK, 5).0
            )),
            StatusCode::BAD_REQUEST,
            "Bad JWT",
        ),
        (
            Some(format!("Bearer {no_sub}")),
            StatusCode::BAD_REQUEST,
            "Bad JWT",
        ),
        (
            Some(format!("Bearer {}", access_token("nobody@example.com"))),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication credentials",
        ),
        (
            Some(format!("bearer {}", access_token("ADA@example.com"))),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication credentials",
        ),
    ];
    for (header, status, detail) in cases {
        let mut request = Request::get("/users/current");
        if let Some(header) = &header {
            request = request.header("authorization", header);
        }
        let (got, headers, text) =
            send(app(&t), request.body(Body::empty()).expect("request")).await;
        assert_eq!(
            (got, serde_json::from_str::<Value>(&text).expect("json")),
            (status, json!({"detail": detail})),
            "for {header:?}"
        );
        assert_eq!(
            headers
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            (detail == "Not authenticated").then_some("Bearer"),
            "WWW-Authenticate for {header:?}"
        );
    }
    let ok = Request::get("/users/current")
        .header(
            "authorization",
            format!("bearer {}", access_token("ada@example.com")),
        )
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send(app(&t), ok).await.0,
        StatusCode::OK,
        "the scheme is case-insensitive"
    );
}

/// An HS256 token with the test secret and arbitrary claims.
fn sign(claims: &Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), claims, &key).expect("sign")
}

#[tokio::test]
async fn updating_the_current_user_writes_present_fields_only_and_answers_the_new_profile() {
    let t = TestApp::new().await;
    let token = t.user("ada@example.com").await;
    let put = |body: Value| {
        t.call(
            app(&t),
            Method::PUT,
            "/users/current",
            Some(body),
            Some(&token),
        )
    };
    let (status, body) = put(json!({"display_name": "Countess", "last_name": null, "email": "evil@example.com", "phone": ""})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            &body["display_name"],
            &body["email"],
            &body["first_name"],
            &body["phone"]
        ),
        (
            &json!("Countess"),
            &json!("ada@example.com"),
            &json!("Test"),
            &json!("")
        )
    );
    for empty in [
        json!({}),
        json!({"city": null}),
        json!({"email": "x@example.com"}),
    ] {
        assert_eq!(
            put(empty.clone()).await,
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "No fields to update"})
            ),
            "{empty}"
        );
    }
    let (status, body) = put(json!({"display_name": "Ok", "zip_code": "1".repeat(21)})).await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!(["body", "zip_code"])
        )
    );
    let user = podium_data::users::find_by_email(&t.state.pool, "ada@example.com")
        .await
        .expect("query")
        .expect("user");
    assert_eq!(
        user.profile.display_name, "Countess",
        "a rejected update writes nothing"
    );
}

#[tokio::test]
async fn a_user_by_id_is_public_and_unknown_or_malformed_ids_answer_404_and_422() {
    let t = TestApp::new().await;
    let (_, created) = signup(&t, full_profile("ada@example.com")).await;
    let id = created["id"].as_str().expect("id");
    for path in [format!("/users/{id}"), format!("/users/{id}/")] {
        let (status, body) = t.call(app(&t), Method::GET, &path, None, None).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"id": id, "display_name": "Ada L."})),
            "{path}"
        );
    }
    let hyphenless = id.replace('-', "");
    assert_eq!(
        t.call(
            app(&t),
            Method::GET,
            &format!("/users/{hyphenless}"),
            None,
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, body) = t
        .call(
            app(&t),
            Method::GET,
            &format!("/users/{}", uuid::Uuid::new_v4()),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "User not found"}))
    );
    let (status, body) = t
        .call(app(&t), Method::GET, "/users/not-a-uuid", None, None)
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"type": "uuid_parsing", "loc": ["path", "user_id"], "msg": "Input should be a valid UUID"}]})
        )
    );
}

#[tokio::test]
async fn cors_allows_every_origin_and_any_header_and_never_credentials_even_when_a_cookie_comes_along()
 {
    let t = TestApp::new().await;
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/users/current")
        .header("origin", "https://podium.example")
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization, ngrok-skip-browser-warning, x-anything",
        )
        .body(Body::empty())
        .expect("request");
    let (status, headers, _) = send(app(&t), preflight).await;
    assert_eq!(status, StatusCode::OK);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(
        header("access-control-allow-headers").as_deref(),
        Some("authorization, ngrok-skip-browser-warning, x-anything")
    );
    assert_eq!(
        header("access-control-allow-methods").as_deref(),
        Some("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
    );
    assert_eq!(
        (
            header("access-control-allow-credentials").as_deref(),
            header("access-control-max-age").as_deref(),
            header("vary").as_deref()
        ),
        (None, Some("600"), Some("Access-Control-Request-Headers"))
    );

    let simple = Request::get("/users/nope/extra")
        .header("origin", "https://podium.example")
        .body(Body::empty())
        .expect("request");
    let (status, headers, text) = send(app(&t), simple).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#)
    );
    assert_eq!(
        headers
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"*"[..])
    );
    assert!(!headers.contains_key("access-control-allow-credentials"));
    assert!(headers.contains_key("x-request-id"));
    // A cookie does not make the answer readable with credentials by the page's origin.
    let with_cookie = Request::get("/users/nope/extra")
        .header("origin", "https://evil.example")
        .header("cookie", "__Host-podium_oauth_nonce=x")
        .body(Body::empty())
        .expect("request");
    let (_, headers, _) = send(app(&t), with_cookie).await;
    assert_eq!(
        (
            headers
                .get("access-control-allow-origin")
                .map(|v| v.as_bytes()),
            headers.contains_key("access-control-allow-credentials")
        ),
        (Some(&b"*"[..]), false)
    );
}

#[tokio::test]
async fn an_unreachable_database_answers_503_and_the_function_recovers_when_it_returns() {
    let t = TestApp::new().await;
    let token = t.user("ada@example.com").await;
    let get = || t.call(app(&t), Method::GET, "/users/current", None, Some(&token));
    assert_eq!(get().await.0, StatusCode::OK);
    // Every connection of the pool dies (a database restart or failover).
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
        .bind(t.db.name())
        .execute(&mut t.db.connect().await)
        .await
        .expect("terminate");
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get().await.0);
    }
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::OK),
        "recovered by itself: {statuses:?}"
    );

    let mut config = (*t.state.config).clone();
    let port = config.database_url.connect_options().get_port();
    config.database_url = config
        .database_url
        .expose()
        .replace(&format!(":{port}/"), ":1/")
        .parse()
        .expect("url");
    let down = podium_http::AppState::new(config, "down");
    let (status, body) = t
        .call(
            users::app(down),
            Method::GET,
            "/users/exists?email=a@example.com",
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"detail": "The database is unavailable, try again shortly"})
        )
    );
}

#[tokio::test]
async fn blank_display_names_become_first_name_and_initial_on_signup_and_update() {
    let t = TestApp::new().await;
    for (first, last, display, expected) in [
        ("Ann", "Lee", None, "Ann L."),
        ("Cy", "", Some(""), "Cy"),
        ("", "Zed", Some("   "), "Z."),
        ("ed", "van dyke", None, "ed v."),
        ("Ëva", "Ørsted", None, "Ëva Ø."),
        ("Kept", "As Is", Some(" Sent "), " Sent "),
    ] {
        let email = format!("{}{}@example.com", first.len(), last.len());
        let mut body = json!({"email": email, "first_name": first, "last_name": last});
        if let Some(display) = display {
            body["display_name"] = json!(display);
        }
        let (status, answer) = signup(&t, body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let stored: String = sqlx::query_scalar("SELECT display_name FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(&t.state.pool)
            .await
            .expect("user");
        assert_eq!(stored, expected, "{first:?} {last:?} {display:?}");
    }
    // On update: a blank display name is computed from the names the user will have.
    let (token, _) = t.person("bob@example.com").await;
    let put = async |body: Value| {
        t.call(
            users::app(t.state.clone()),
            Method::PUT,
            "/users/current",
            Some(body),
            Some(&token),
        )
        .await
    };
    let (_, me) = put(json!({"last_name": "Smith"})).await;
    assert_eq!(
        me["display_name"], "Test",
        "names alone do not recompute it"
    );
    let (_, me) = put(json!({"display_name": ""})).await;
    assert_eq!(me["display_name"], "Test S.");
    let (_, me) = put(json!({"display_name": "", "first_name": "Rob", "last_name": ""})).await;
    assert_eq!(me["display_name"], "Rob");
    // is_superadmin in a body is ignored: nothing else to update.
    assert_eq!(
        put(json!({"is_superadmin": true})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "No fields to update"})
        )
    );
    assert_eq!(t.current_user(&token).await["is_superadmin"], false);
}

#[tokio::test]
async fn the_current_user_shows_pii_completeness_superadmin_status_and_vote_ids() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (voter, _) = t.person("voter@example.com").await;
    let (event, code) = t.event(&owner, "Votes").await;
    t.attend(&owner, &code).await;
    t.attend(&voter, &code).await;
    let (project, _) = t.project(&owner, event, "Robot").await;
    t.set_phase(event, "voting", false).await;
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": [project]})),
            Some(&voter),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let vote: String = sqlx::query_scalar("SELECT id::text FROM votes")
        .fetch_one(&t.state.pool)
        .await
        .expect("vote");
    let me = t.current_user(&voter).await;
    assert_eq!(
        (&me["vote_ids"], &me["has_ysws_pii"], &me["is_superadmin"]),
        (&json!([vote]), &json!(false), &json!(false))
    );
    let (status, me) = t
        .call(
            users::app(t.state.clone()),
            Method::PUT,
            "/users/current",
            Some(json!({"street_1": "1 Main St", "city": "Burlington", "country": "US"})),
            Some(&voter),
        )
        .await;
    assert_eq!(
        (status, &me["has_ysws_pii"]),
        (StatusCode::OK, &json!(false)),
        "no dob yet"
    );
    let (_, me) = t
        .call(
            users::app(t.state.clone()),
            Method::PUT,
            "/users/current",
            Some(json!({"dob": "2000-01-01"})),
            Some(&voter),
        )
        .await;
    assert_eq!(me["has_ysws_pii"], true);
}
