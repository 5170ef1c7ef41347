//! Sign-in (2026 contract §2.3, §3.2, §3.3, §5.8): Turnstile on signup and `/users/exists`,
//! disposable addresses, per-network limits, and Hack Club OAuth against fakes started here.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use podium_http::turnstile::TurnstileConfig;
use serde_json::{Value, json};

use crate::helpers::{CDN_SECRET, TestApp, send};

const DISPOSABLE: &str =
    "Temporary/disposable email addresses aren't allowed — please use your real email";

/// The forms a fake received, in order.
type Forms = Arc<Mutex<Vec<Vec<(String, String)>>>>;

async fn serve(router: axum::Router) -> String {
    serve_on(std::net::IpAddr::from([127, 0, 0, 1]), router).await
}

async fn serve_on(ip: std::net::IpAddr, router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    format!("http://{}", listener.local_addr().expect("address"))
}

/// A fake siteverify: `good` and `one` pass, `bad` fails, `html` answers a page; records the
/// forms it got.
async fn fake_siteverify() -> (String, Forms) {
    let seen: Forms = Arc::default();
    let router = axum::Router::new()
        .route(
            "/siteverify",
            post(
                |State(seen): State<Forms>,
                 body: axum::body::Bytes| async move {
                    let form: Vec<(String, String)> =
                        url::form_urlencoded::parse(&body).into_owned().collect();
                    let token = form
                        .iter()
                        .find(|(k, _)| k == "response")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    seen.lock().expect("lock").push(form);
                    match token.as_str() {
                        "good" => axum::Json(json!({"success": true})).into_response(),
                        "one" => axum::Json(json!({"success": 1})).into_response(),
                        "html" => "<html>oops</html>".into_response(),
                        _ => (
                            StatusCode::OK,
                            axum::Json(json!({"success": false, "error-codes": ["invalid-input-response"]})),
                        )
                            .into_response(),
                    }
                },
            ),
        )
        .with_state(seen.clone());
    (format!("{}/siteverify", serve(router).await), seen)
}

fn users_with_turnstile(t: &TestApp, verify_url: &str) -> axum::Router {
    let mut config = (*t.state.config).clone();
    config.turnstile = Arc::new(TurnstileConfig::new(
        Some("turnstile-secret".to_owned()),
        verify_url,
    ));
    users::app(podium_http::AppState {
        pool: t.state.pool.clone(),
        reader: t.state.reader.clone(),
        config: Arc::new(config),
    })
}

async fn request(
    app: axum::Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = match body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request");
    let (status, headers, body) = send(app, request).await;
    (
        status,
        headers,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

#[tokio::test]
async fn turnstile_guards_signup_and_exists_before_anything_else() {
    let t = TestApp::new().await;
    let (url, seen) = fake_siteverify().await;
    let app = users_with_turnstile(&t, &url);
    let signup = json!({"email": "ada@example.com", "first_name": "Ada"});
    let required =
        json!({"detail": "Security check required — please complete the CAPTCHA and try again"});
    let failed = json!({"detail": "Security check failed — please refresh the page and try again"});
    for (token, body, expected) in [
        (
            None,
            Some(signup.clone()),
            (StatusCode::FORBIDDEN, required.clone()),
        ),
        // 403 wins over the 422 a bad body would get.
        (
            Some("  "),
            Some(json!({"email": "nope"})),
            (StatusCode::FORBIDDEN, required.clone()),
        ),
        (
            Some("bad"),
            Some(json!({"email": "nope"})),
            (StatusCode::FORBIDDEN, failed.clone()),
        ),
        (
            Some("html"),
            Some(signup.clone()),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"detail": "Security check is temporarily unavailable — please try again in a moment"}),
            ),
        ),
        (
            Some("good"),
            Some(json!({"email": "nope", "first_name": "A"})),
            (StatusCode::UNPROCESSABLE_ENTITY, Value::Null),
        ),
    ] {
        let headers: Vec<(&str, &str)> = token
            .map(|t| ("X-Turnstile-Token", t))
            .into_iter()
            .collect();
        let (status, _, answer) =
            request(app.clone(), Method::POST, "/users/", &headers, body).await;
        assert_eq!(status, expected.0, "{token:?}: {answer}");
        if !expected.1.is_null() {
            assert_eq!(answer, expected.1, "{token:?}");
        }
    }
    assert_eq!(
        t.scalar("SELECT count(*) FROM users").await,
        0,
        "nothing stored"
    );
    let (status, _, _) = request(
        app.clone(),
        Method::POST,
        "/users/",
        &[("x-turnstile-token", "one")],
        Some(signup),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "a truthy success passes");
    let (status, _, answer) = request(
        app.clone(),
        Method::GET,
        "/users/exists?email=bad",
        &[],
        None,
    )
    .await;
    assert_eq!((status, answer), (StatusCode::FORBIDDEN, required));
    let (status, _, answer) = request(
        app.clone(),
        Method::GET,
        "/users/exists?email=ada@example.com",
        &[("x-turnstile-token", "good")],
        None,
    )
    .await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"exists": true})));
    let forms = seen.lock().expect("lock").clone();
    assert!(
        forms
            .iter()
            .all(|f| f.contains(&("secret".to_owned(), "turnstile-secret".to_owned())))
    );
    assert!(forms.iter().all(|f| f.iter().all(|(k, _)| k != "remoteip")));

    // Cloudflare unreachable: 503; Turnstile off: any request passes.
    let down = users_with_turnstile(&t, &closed_url());
    let (status, _, _) = request(
        down,
        Method::GET,
        "/users/exists?email=a@b.co",
        &[("x-turnstile-token", "good")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let off = users::app(t.state.clone());
    let (status, _, _) = request(off, Method::GET, "/users/exists?email=a@b.co", &[], None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn disposable_addresses_and_their_sub_domains_are_refused_on_signup_and_login() {
    let t = TestApp::new().await;
    let users_app = users::app(t.state.clone());
    for email in [
        "x@mailinator.com",
        "x@sub.mailinator.com",
        "Someone@YOPMAIL.com ",
    ] {
        let (status, _, answer) = request(
            users_app.clone(),
            Method::POST,
            "/users/",
            &[],
            Some(json!({"email": email, "first_name": "X"})),
        )
        .await;
        assert_eq!(
            (status, answer),
            (StatusCode::BAD_REQUEST, json!({"detail": DISPOSABLE})),
            "{email}"
        );
        let (status, answer) = t
            .call(
                crate::auth::app(&t, None),
                Method::POST,
                "/request-login?redirect=",
                Some(json!({"email": email})),
                None,
            )
            .await;
        assert_eq!(
            (status, answer),
            (StatusCode::BAD_REQUEST, json!({"detail": DISPOSABLE})),
            "{email}"
        );
    }
    // Malformed addresses keep their 422 on signup; `/users/exists` does not check disposability.
    let (status, _, _) = request(
        users_app.clone(),
        Method::POST,
        "/users/",
        &[],
        Some(json!({"email": "notanemail", "first_name": "X"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, answer) = request(
        users_app,
        Method::GET,
        "/users/exists?email=x@mailinator.com",
        &[],
        None,
    )
    .await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"exists": false})));
    assert_eq!(t.scalar("SELECT count(*) FROM users").await, 0);
}

#[tokio::test]
async fn signups_are_limited_per_client_network_as_the_cdn_reports_it() {
    let t = TestApp::new().await;
    let app = users::app(t.state.clone());
    let via_cdn = |ip: &'static str| {
        [
            ("x-podium-cdn-secret", CDN_SECRET),
            ("x-podium-viewer-ip", ip),
        ]
    };
    for i in 0..60 {
        let (status, _, answer) = request(
            app.clone(),
            Method::POST,
            "/users/",
            &via_cdn("203.0.113.7"),
            Some(json!({"email": format!("kid{i}@school.example"), "first_name": "Kid"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{i}: {answer}");
    }
    let (status, headers, answer) = request(
        app.clone(),
        Method::POST,
        "/users/",
        &via_cdn("203.0.113.7"),
        Some(json!({"email": "one-more@school.example", "first_name": "Kid"})),
    )
    .await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::TOO_MANY_REQUESTS,
            json!({"detail": "Too many requests from your network, try again later"})
        )
    );
    assert!(headers.contains_key("retry-after"));
    // Another network is not affected; a viewer address without the CDN's secret is not
    // believed (the request counts as the connection's own address instead).
    let (status, _, _) = request(
        app.clone(),
        Method::POST,
        "/users/",
        &via_cdn("198.51.100.1"),
        Some(json!({"email": "elsewhere@school.example", "first_name": "Kid"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = request(
        app,
        Method::POST,
        "/users/",
        &[
            ("x-podium-cdn-secret", "guess"),
            ("x-podium-viewer-ip", "198.51.100.99"),
            ("x-forwarded-for", "192.0.2.1"),
        ],
        Some(json!({"email": "spoof@school.example", "first_name": "Kid"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let buckets: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT bucket FROM rate_limit_hits ORDER BY 1")
            .fetch_all(&t.state.pool)
            .await
            .expect("buckets");
    assert_eq!(
        buckets,
        [
            "signup:198.51.100.1",
            "signup:203.0.113.7",
            "signup:unknown"
        ]
    );
}

/// A fake Hack Club: `/oauth/authorize` sends the browser back with `code=<login_hint>`;
/// `/oauth/token` checks the form; `/api/v1/me` answers the identity the code names.
pub(crate) async fn fake_hackclub() -> (String, Forms) {
    fake_hackclub_on(std::net::IpAddr::from([127, 0, 0, 1])).await
}

/// [`fake_hackclub`] listening on `ip`.
pub(crate) async fn fake_hackclub_on(ip: std::net::IpAddr) -> (String, Forms) {
    let forms: Forms = Arc::default();
    let router = axum::Router::new()
        .route(
            "/oauth/authorize",
            get(|axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>| async move {
                let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
                let back = format!(
                    "{}?code=new-user&state={}",
                    get("redirect_uri"),
                    url::form_urlencoded::byte_serialize(get("state").as_bytes()).collect::<String>()
                );
                (StatusCode::FOUND, [("location", back)])
            }),
        )
        .route(
            "/oauth/token",
            post(
                |State(forms): State<Forms>,
                 body: axum::body::Bytes| async move {
                    let form: Vec<(String, String)> =
                        url::form_urlencoded::parse(&body).into_owned().collect();
                    let code = form.iter().find(|(k, _)| k == "code").map(|(_, v)| v.clone()).unwrap_or_default();
                    forms.lock().expect("lock").push(form);
                    match code.as_str() {
                        "provider-down" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                        "no-token" => axum::Json(json!({"token_type": "Bearer"})).into_response(),
                        _ => axum::Json(json!({"access_token": format!("hc-{code}"), "token_type": "Bearer"})).into_response(),
                    }
                },
            ),
        )
        .route(
            "/api/v1/me",
            get(|headers: HeaderMap| async move {
                let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let identity = match token.strip_prefix("Bearer hc-").unwrap_or_default() {
                    "new-user" => json!({"primary_email": "  New.Hacker@Example.com ", "first_name": "New", "last_name": "Hacker"}),
                    "no-email" => json!({"primary_email": null, "first_name": "Nobody"}),
                    "disposable" => json!({"primary_email": "x@sub.mailinator.com", "first_name": "Temp"}),
                    "long-name" => json!({"primary_email": "long@example.com", "first_name": "N".repeat(51)}),
                    "nul-name" => json!({"primary_email": "nul@example.com", "first_name": "Ro\u{0}bert", "last_name": "Tables"}),
                    "control-name" => json!({"primary_email": "ctl@example.com", "first_name": "Bob", "last_name": "Ta\u{1b}[31mbles"}),
                    "named" => json!({"primary_email": "nameless@example.com", "first_name": "Finally", "last_name": "Named"}),
                    _ => return StatusCode::UNAUTHORIZED.into_response(),
                };
                axum::Json(json!({"identity": identity})).into_response()
            }),
        )
        .with_state(forms.clone());
    (serve_on(ip, router).await, forms)
}

fn hackclub_app(t: &TestApp, auth_url: &str, configured: bool) -> axum::Router {
    let mut config = crate::auth::unconfigured_hackclub();
    config.auth_url = auth_url.to_owned();
    config.public_api_url = "https://api.podium.example".to_owned();
    if configured {
        config.client_id = Some("podium-client".to_owned());
        config.client_secret = Some("podium-secret".to_owned());
    }
    auth::app(
        auth::AuthState::new(
            t.state.clone(),
            auth::MailConfig {
                production_url: "https://podium.example".to_owned(),
                loops_api_key: None,
                loops_transactional_id: "t".to_owned(),
                loops_url: "http://127.0.0.1:9".to_owned(),
            },
            config,
        )
        .expect("auth state"),
    )
}

/// Starts a sign-in: (state, the nonce cookie as `name=value`).
async fn begin(app: &axum::Router) -> (String, String) {
    let (status, headers, _) = request(app.clone(), Method::GET, "/auth/hackclub", &[], None).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    let location = headers["location"].to_str().expect("ascii").to_owned();
    let state = url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let cookie = headers["set-cookie"].to_str().expect("ascii").to_owned();
    (state, cookie.split(';').next().expect("pair").to_owned())
}

async fn finish(
    app: &axum::Router,
    code: &str,
    state: &str,
    cookie: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    let uri = format!(
        "/auth/hackclub/callback?code={code}&state={}",
        url::form_urlencoded::byte_serialize(state.as_bytes()).collect::<String>()
    );
    request(app.clone(), Method::GET, &uri, &headers, None).await
}

#[tokio::test]
async fn hack_club_sign_in_is_bound_to_the_browser_used_once_and_ends_in_a_single_use_link() {
    let t = TestApp::new().await;
    let (provider, forms) = fake_hackclub().await;
    let app = hackclub_app(&t, &provider, true);

    let (status, headers, _) = request(app.clone(), Method::GET, "/auth/hackclub", &[], None).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    let location = headers["location"].to_str().expect("ascii");
    assert!(
        location.starts_with(&format!(
            "{provider}/oauth/authorize?client_id=podium-client&redirect_uri=https%3A%2F%2Fapi.podium.example%2Fauth%2Fhackclub%2Fcallback&response_type=code&scope=email+name&state="
        )),
        "{location}"
    );
    let cookie = headers["set-cookie"].to_str().expect("ascii");
    assert!(
        cookie.starts_with("__Host-podium_oauth_nonce=")
            && cookie.ends_with("; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure"),
        "{cookie}"
    );

    let (state, cookie) = begin(&app).await;
    // Another browser (no cookie, or another sign-in's cookie) cannot use this state.
    let (_, other_cookie) = begin(&app).await;
    for jar in [None, Some(other_cookie.as_str())] {
        let (status, _, answer) = finish(&app, "new-user", &state, jar).await;
        assert_eq!(
            (status, answer),
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Invalid OAuth state"})
            )
        );
    }
    let (status, headers, _) = finish(&app, "new-user", &state, Some(&cookie)).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    let landing = headers["location"].to_str().expect("ascii");
    let token = landing
        .strip_prefix("https://podium.example/login?token=")
        .expect("the frontend's login page");
    assert!(
        headers["set-cookie"]
            .to_str()
            .expect("ascii")
            .contains("Max-Age=0")
    );
    let form = forms
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("token request");
    for pair in [
        ("client_id", "podium-client"),
        ("client_secret", "podium-secret"),
        (
            "redirect_uri",
            "https://api.podium.example/auth/hackclub/callback",
        ),
        ("code", "new-user"),
        ("grant_type", "authorization_code"),
    ] {
        assert!(
            form.contains(&(pair.0.to_owned(), pair.1.to_owned())),
            "{pair:?} in {form:?}"
        );
    }
    // The state is single use, even from the right browser.
    let (status, _, _) = finish(&app, "new-user", &state, Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The link logs the new user in once.
    let verify = format!("/verify?token={token}");
    let (status, verified) = t.call(app.clone(), Method::GET, &verify, None, None).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(
        (
            &verified["user"]["email"],
            &verified["user"]["first_name"],
            &verified["user"]["last_name"],
            &verified["user"]["display_name"]
        ),
        (
            &json!("new.hacker@example.com"),
            &json!("New"),
            &json!("Hacker"),
            &json!("New H.")
        )
    );
    let (status, _) = t.call(app.clone(), Method::GET, &verify, None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A user without a first name gets Hack Club's; one with a name keeps it.
    sqlx::query("INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country) VALUES (gen_random_uuid(), 'nameless@example.com', '', '', '', '', '', '', '', '', '', '')")
        .execute(&t.state.pool)
        .await
        .expect("user");
    let (state, cookie) = begin(&app).await;
    let (status, _, _) = finish(&app, "named", &state, Some(&cookie)).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    let names: (String, String, String) = sqlx::query_as("SELECT first_name, last_name, display_name FROM users WHERE email = 'nameless@example.com'")
        .fetch_one(&t.state.pool)
        .await
        .expect("names");
    assert_eq!(
        names,
        (
            "Finally".to_owned(),
            "Named".to_owned(),
            "Finally N.".to_owned()
        )
    );
    assert_eq!(t.scalar("SELECT count(*) FROM users").await, 2);
}

#[tokio::test]
async fn hack_club_failures_are_clear_answers_and_change_nothing() {
    let t = TestApp::new().await;
    let (provider, _) = fake_hackclub().await;
    let app = hackclub_app(&t, &provider, true);
    for (code, expected) in [
        (
            "provider-down",
            (
                StatusCode::BAD_GATEWAY,
                json!({"detail": "Failed to authenticate with Hack Club"}),
            ),
        ),
        (
            "no-token",
            (
                StatusCode::BAD_GATEWAY,
                json!({"detail": "Failed to authenticate with Hack Club"}),
            ),
        ),
        (
            "unknown-code",
            (
                StatusCode::BAD_GATEWAY,
                json!({"detail": "Failed to authenticate with Hack Club"}),
            ),
        ),
        (
            "no-email",
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "No email returned from Hack Club"}),
            ),
        ),
        (
            "disposable",
            (StatusCode::BAD_REQUEST, json!({"detail": DISPOSABLE})),
        ),
        (
            "long-name",
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "The name Hack Club returned is too long (at most 50 characters for first and last name)"}),
            ),
        ),
        // PostgreSQL refuses NUL in text: before, this was a 500.
        (
            "nul-name",
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Hack Club returned a name that is not valid"}),
            ),
        ),
        (
            "control-name",
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Hack Club returned a name that is not valid"}),
            ),
        ),
    ] {
        let (state, cookie) = begin(&app).await;
        let (status, _, answer) = finish(&app, code, &state, Some(&cookie)).await;
        assert_eq!((status, answer), expected, "{code}");
    }
    // The provider unreachable.
    let down = hackclub_app(&t, &closed_url(), true);
    let (state, cookie) = begin(&down).await;
    let (status, _, _) = finish(&down, "new-user", &state, Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    // Garbage, an access token as state, missing parameters.
    let (_, cookie) = begin(&app).await;
    let access = crate::helpers::access_token("someone@example.com");
    for state in ["garbage", access.as_str()] {
        let (status, _, answer) = finish(&app, "new-user", state, Some(&cookie)).await;
        assert_eq!(
            (status, answer),
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Invalid OAuth state"})
            )
        );
    }
    let (status, _, answer) = request(
        app.clone(),
        Method::GET,
        "/auth/hackclub/callback",
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer["detail"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
    // Not configured: both routes say so (the callback checks too, unlike the original).
    let off = hackclub_app(&t, &provider, false);
    let not_configured = (
        StatusCode::NOT_IMPLEMENTED,
        json!({"detail": "Hack Club auth is not configured"}),
    );
    let (status, _, answer) = request(off.clone(), Method::GET, "/auth/hackclub", &[], None).await;
    assert_eq!((status, answer), not_configured);
    let (state, cookie) = begin(&app).await;
    let (status, _, answer) = finish(&off, "new-user", &state, Some(&cookie)).await;
    assert_eq!((status, answer), not_configured);
    assert_eq!(t.scalar("SELECT count(*) FROM users").await, 0);
}
