//! Project validation (2026 contract §2.10) as durable work: the job is queued by the statement
//! that saves the project, workers take it with a lease, results are written only for the
//! current job. Against fake GitHub and itch.io servers started here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::Method;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use podium_validation::{Trigger, Validators, Worker};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use podium_data::EventId;

/// What the fake GitHub saw: path and the headers the contract names.
#[derive(Debug, Clone, Default)]
struct Seen {
    path: String,
    accept: String,
    api_version: String,
    authorization: String,
}

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    calls: Arc<Mutex<HashMap<String, usize>>>,
}

impl Fake {
    fn count(&self, path: &str) -> usize {
        self.calls
            .lock()
            .expect("lock")
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn github(
    State(fake): State<Fake>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/repos/{owner}/{repo}");
    fake.seen.lock().expect("lock").push(Seen {
        path: path.clone(),
        accept: header(&headers, "accept"),
        api_version: header(&headers, "x-github-api-version"),
        authorization: header(&headers, "authorization"),
    });
    let call = {
        let mut calls = fake.calls.lock().expect("lock");
        let n = calls.entry(path).or_default();
        *n += 1;
        *n
    };
    match owner.as_str() {
        "missing" => StatusCode::NOT_FOUND.into_response(),
        "teapot" => StatusCode::IM_A_TEAPOT.into_response(),
        "down" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        "flaky" if call == 1 => StatusCode::BAD_GATEWAY.into_response(),
        "limited" => (
            StatusCode::FORBIDDEN,
            [("x-ratelimit-remaining", "0"), ("retry-after", "120")],
        )
            .into_response(),
        "moved" => (
            StatusCode::MOVED_PERMANENTLY,
            [("location", "/repos/ok/repo")],
        )
            .into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            axum::Json(json!({})).into_response()
        }
        "queue" => {
            tokio::time::sleep(Duration::from_millis(20)).await;
            axum::Json(json!({})).into_response()
        }
        _ => axum::Json(json!({"full_name": format!("{owner}/{repo}")})).into_response(),
    }
}

/// itch.io pages, reached through the validators' proxy setting (absolute-form requests).
async fn itch(State(fake): State<Fake>, UrlPath(game): UrlPath<String>) -> Response {
    *fake
        .calls
        .lock()
        .expect("lock")
        .entry(format!("itch/{game}"))
        .or_default() += 1;
    match game.as_str() {
        "playable" => axum::response::Html(
            r#"<html><body><div class="game_frame game_loading" id="game_drop"></div></body></html>"#,
        )
        .into_response(),
        "no-frame" => axum::response::Html("<html><body><p>Download only</p></body></html>")
            .into_response(),
        "moved" => (
            StatusCode::FOUND,
            [("location", "http://alice.itch.io/playable")],
        )
            .into_response(),
        "broken" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts the fakes; returns their base URL and what they saw.
async fn fakes() -> (String, Fake) {
    let fake = Fake::default();
    let router = axum::Router::new()
        .route("/repos/{owner}/{repo}", get(github))
        .route("/{game}", get(itch))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, fake)
}

fn worker(t: &TestApp, github_url: &str, itch_proxy: &str, max_attempts: i32) -> Worker {
    Worker {
        pool: t.state.pool.clone(),
        // The fakes listen on 127.0.0.1: the opt-in `PODIUM_OUTBOUND_ALLOW_LOOPBACK=1` gives.
        validators: Validators::with_egress(
            github_url,
            Some("gh-token".to_owned()),
            Some(itch_proxy),
            Duration::from_secs(1),
            podium_runtime::outbound::Egress::PublicAndLoopback,
        )
        .expect("validators"),
        max_attempts,
        lease: Duration::from_secs(30),
        backoff: Duration::ZERO,
        batch: 8,
        owner_budget: podium_data::rate_limits::VALIDATION_RUNS,
    }
}

/// An event validating repositories on GitHub and demos on itch.io, and an attending owner;
/// returns (owner's token, event id).
async fn validating_event(t: &TestApp, email: &str) -> (String, EventId) {
    let (token, _) = t.person(email).await;
    let (event, code) = t.event(&token, "Validated Jam").await;
    t.attend(&token, &code).await;
    sqlx::query(
        "UPDATE events SET repo_validation = 'github', demo_validation = 'itch' WHERE id = $1::uuid",
    )
    .bind(event)
    .execute(&t.state.pool)
    .await
    .expect("event");
    (token, event)
}

/// Submits a project through the API; returns its id.
async fn submit(t: &TestApp, token: &str, event: EventId, repo: &str, demo: &str) -> String {
    let (status, body) = t
        .call(
            t.projects(),
            Method::POST,
            "/projects/",
            Some(json!({"name": format!("{repo} {demo}"), "repo": repo, "image_url": "", "demo": demo, "event_id": event})),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

async fn result(t: &TestApp, project: &str) -> (String, String) {
    sqlx::query_as("SELECT validation_status, validation_message FROM projects WHERE id = $1::uuid")
        .bind(project)
        .fetch_one(&t.state.pool)
        .await
        .expect("project")
}

const NOT_GITHUB: &str = "Repository URL must be a GitHub URL (e.g. github.com/owner/repo).";
const NOT_ITCH: &str = "Demo URL must be an itch.io game page (e.g. username.itch.io/game-name).";
const ITCH_UNREACHABLE: &str = "Could not reach the itch.io page to verify playability.";
const NOT_PLAYABLE: &str = "Game is not browser-playable. Enable \"Run game in browser\" in your itch.io project settings.";

#[tokio::test]
async fn every_validator_message_of_the_contract_is_written_by_a_worker() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let cases: Vec<(&str, &str, &str, String)> = vec![
        (
            "https://github.com/ok/repo",
            "http://alice.itch.io/playable",
            "valid",
            String::new(),
        ),
        // www.github.com is accepted (the original refused it, §5.11); `.git` is dropped.
        (
            "https://www.github.com/ok/www.git",
            "",
            "valid",
            String::new(),
        ),
        // Redirects are followed only to https itch.io pages (the original followed any).
        (
            "https://github.com/ok/redirected",
            "http://alice.itch.io/moved",
            "warning",
            ITCH_UNREACHABLE.to_owned(),
        ),
        (
            "https://gitlab.com/a/b",
            "https://example.com/game",
            "warning",
            format!("{NOT_GITHUB} | {NOT_ITCH}"),
        ),
        (
            "https://github.com/missing/repo",
            "http://alice.itch.io/no-frame",
            "warning",
            format!(
                "Repository missing/repo was not found on GitHub. Make sure it is public. | {NOT_PLAYABLE}"
            ),
        ),
        (
            "https://github.com/teapot/repo",
            "http://alice.itch.io/gone",
            "warning",
            format!(
                "Could not verify repository teapot/repo (GitHub returned 418). | {ITCH_UNREACHABLE}"
            ),
        ),
        (
            "https://github.com/moved/repo",
            "",
            "warning",
            "Could not verify repository moved/repo (GitHub returned 301).".to_owned(),
        ),
        (
            "https://github.com/down/repo",
            "http://alice.itch.io/broken",
            "warning",
            format!(
                "Could not verify repository down/repo (GitHub returned 503). | {ITCH_UNREACHABLE}"
            ),
        ),
    ];
    let mut projects = Vec::new();
    for (repo, demo, _, _) in &cases {
        projects.push(submit(&t, &token, event, repo, demo).await);
    }
    assert_eq!(
        t.scalar("SELECT count(*) FROM validation_jobs").await,
        i64::try_from(cases.len()).expect("count"),
        "each submission queued its job in the same statement"
    );
    let done = worker(&t, &url, &url, 1).drain(None).await.expect("drain");
    assert_eq!(done.validated, cases.len());
    for ((repo, demo, status, message), project) in cases.iter().zip(&projects) {
        assert_eq!(
            result(&t, project).await,
            ((*status).to_owned(), message.clone()),
            "{repo} {demo}"
        );
    }
    assert_eq!(t.scalar("SELECT count(*) FROM validation_jobs").await, 0);
    // The redirect was not followed; the headers are the contract's.
    assert_eq!(fake.count("/repos/ok/repo"), 1);
    let seen = fake.seen.lock().expect("lock").clone();
    assert!(
        seen.iter()
            .all(|s| s.accept == "application/vnd.github+json"
                && s.api_version == "2022-11-28"
                && s.authorization == "Bearer gh-token")
    );
    assert!(seen.iter().any(|s| s.path == "/repos/ok/www"));

    // GitHub unreachable (nothing listens), after the last attempt.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let project = submit(&t, &token, event, "https://github.com/ok/offline", "").await;
    worker(&t, &closed, &url, 1)
        .drain(None)
        .await
        .expect("drain");
    assert_eq!(
        result(&t, &project).await,
        (
            "warning".to_owned(),
            "Could not reach GitHub to verify repository ok/offline.".to_owned()
        )
    );
}

#[tokio::test]
async fn events_without_checks_and_the_sleepover_validator_pass_at_once() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    sqlx::query("UPDATE events SET repo_validation = 'custom', demo_validation = 'custom', custom_validator = 'sleepover'")
        .execute(&t.state.pool)
        .await
        .expect("sleepover");
    let sleepover = submit(&t, &token, event, "https://gitlab.com/a/b", "nowhere").await;
    worker(&t, &url, &url, 1).drain(None).await.expect("drain");
    assert_eq!(
        result(&t, &sleepover).await,
        ("valid".to_owned(), String::new())
    );
    sqlx::query("UPDATE events SET repo_validation = 'none', demo_validation = 'none', custom_validator = NULL")
        .execute(&t.state.pool)
        .await
        .expect("none");
    let unchecked = submit(&t, &token, event, "https://gitlab.com/a/b", "nowhere").await;
    worker(&t, &url, &url, 1).drain(None).await.expect("drain");
    assert_eq!(
        result(&t, &unchecked).await,
        ("valid".to_owned(), String::new())
    );
    assert!(fake.seen.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn transient_failures_are_retried_and_a_rate_limit_waits_until_github_says() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let flaky = submit(&t, &token, event, "https://github.com/flaky/repo", "").await;
    let done = worker(&t, &url, &url, 3).drain(None).await.expect("drain");
    assert_eq!((done.retried, done.validated), (1, 1));
    assert_eq!(fake.count("/repos/flaky/repo"), 2);
    assert_eq!(
        result(&t, &flaky).await,
        ("valid".to_owned(), String::new())
    );

    let limited = submit(&t, &token, event, "https://github.com/limited/repo", "").await;
    let done = worker(&t, &url, &url, 3).drain(None).await.expect("drain");
    assert_eq!((done.retried, done.validated), (1, 0));
    assert_eq!(
        result(&t, &limited).await,
        ("pending".to_owned(), String::new())
    );
    let wait: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM run_after - now())::float8 FROM validation_jobs WHERE project_id = $1::uuid",
    )
    .bind(&limited)
    .fetch_one(&t.state.pool)
    .await
    .expect("job");
    assert!(
        (100.0..=121.0).contains(&wait),
        "waits for GitHub's retry-after: {wait}"
    );

    // After the last attempt the failure's message is the result.
    sqlx::query("UPDATE validation_jobs SET run_after = now()")
        .execute(&t.state.pool)
        .await
        .expect("due");
    worker(&t, &url, &url, 2).drain(None).await.expect("drain");
    assert_eq!(
        result(&t, &limited).await,
        (
            "warning".to_owned(),
            "Could not verify repository limited/repo (GitHub returned 403).".to_owned()
        )
    );
}

#[tokio::test]
async fn a_slow_validator_times_out_and_reports_github_unreachable() {
    let t = TestApp::new().await;
    let (url, _) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let slow = submit(&t, &token, event, "https://github.com/slow/repo", "").await;
    let started = Instant::now();
    worker(&t, &url, &url, 1).drain(None).await.expect("drain");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        result(&t, &slow).await,
        (
            "warning".to_owned(),
            "Could not reach GitHub to verify repository slow/repo.".to_owned()
        )
    );
}

#[tokio::test]
async fn a_newer_request_supersedes_a_running_job_and_its_stale_result_is_dropped() {
    let t = TestApp::new().await;
    let (url, _) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let project = submit(&t, &token, event, "https://github.com/missing/repo", "").await;
    let claims = podium_data::validation_jobs::claim(&t.state.pool, 10, Duration::from_secs(30))
        .await
        .expect("claim");
    assert_eq!(claims.len(), 1);
    // The owner fixes the URL while the first job runs.
    let (status, _) = t
        .call(
            t.projects(),
            Method::PUT,
            &format!("/projects/{project}"),
            Some(json!({"repo": "https://github.com/ok/repo"})),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let stale = podium_data::validation_jobs::finish(
        &t.state.pool,
        claims[0],
        "warning",
        "Repository missing/repo was not found on GitHub. Make sure it is public.",
    )
    .await
    .expect("finish");
    assert!(!stale, "the old job's result is not written");
    assert_eq!(
        result(&t, &project).await,
        ("pending".to_owned(), String::new())
    );
    // Past the edit's debounce.
    sqlx::query("UPDATE validation_jobs SET run_after = now()")
        .execute(&t.state.pool)
        .await
        .expect("due");
    let done = worker(&t, &url, &url, 1).drain(None).await.expect("drain");
    assert_eq!(done.validated, 1);
    assert_eq!(
        result(&t, &project).await,
        ("valid".to_owned(), String::new())
    );
}

#[tokio::test]
async fn two_workers_racing_for_one_queue_validate_each_project_once() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let mut projects = Vec::new();
    for i in 0..40 {
        projects.push(
            submit(
                &t,
                &token,
                event,
                &format!("https://github.com/queue/r{i}"),
                "",
            )
            .await,
        );
    }
    // One owner's 40 projects: lift the owner's budget, which would hold 30 of them back.
    let unlimited = |mut w: Worker| {
        w.owner_budget.max = 1000;
        w
    };
    let (a, b) = (
        unlimited(worker(&t, &url, &url, 1)),
        unlimited(worker(&t, &url, &url, 1)),
    );
    let (one, two) = tokio::join!(a.drain(None), b.drain(None));
    let (one, two) = (one.expect("one"), two.expect("two"));
    assert_eq!(one.validated + two.validated, 40);
    assert!(
        one.validated > 0 && two.validated > 0,
        "both took work: {one:?} {two:?}"
    );
    for i in 0..40 {
        assert_eq!(
            fake.count(&format!("/repos/queue/r{i}")),
            1,
            "r{i} validated once"
        );
    }
    assert_eq!(
        t.scalar("SELECT count(*) FROM projects WHERE validation_status = 'valid'")
            .await,
        40
    );
}

#[tokio::test]
async fn a_failed_job_insert_leaves_no_project_behind() {
    let t = TestApp::new().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'queue down'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON validation_jobs FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(&t.state.pool)
    .await
    .expect("trigger");
    let (status, body) = t
        .call(
            t.projects(),
            Method::POST,
            "/projects/",
            Some(json!({"name": "P", "repo": "", "image_url": "", "demo": "d", "event_id": event})),
            Some(&token),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"detail": "Internal server error"})
        )
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM projects").await,
        0,
        "saved and queued, or neither"
    );
}

#[tokio::test]
async fn validate_is_for_members_limited_to_ten_a_minute_and_queues_the_project_again() {
    let t = TestApp::new().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let (stranger, _) = t.person("stranger@example.com").await;
    let project = submit(&t, &token, event, "https://github.com/ok/repo", "").await;
    sqlx::raw_sql("UPDATE projects SET validation_status = 'warning', validation_message = 'old'; DELETE FROM validation_jobs")
        .execute(&t.state.pool)
        .await
        .expect("reset");
    let validate = |token: String, query: String| {
        let t = &t;
        async move {
            t.call(
                t.projects(),
                Method::POST,
                &format!("/projects/validate{query}"),
                None,
                Some(&token),
            )
            .await
        }
    };
    assert_eq!(
        validate(token.clone(), format!("?project_id={project}")).await,
        (
            StatusCode::OK,
            json!({"valid": true, "message": "Validation queued"})
        )
    );
    assert_eq!(
        result(&t, &project).await,
        ("pending".to_owned(), String::new())
    );
    assert_eq!(t.scalar("SELECT count(*) FROM validation_jobs").await, 1);
    assert_eq!(
        validate(stranger.clone(), format!("?project_id={project}")).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
    assert_eq!(
        validate(
            token.clone(),
            "?project_id=00000000-0000-0000-0000-000000000000".to_owned()
        )
        .await,
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Project not found"})
        )
    );
    assert_eq!(
        validate(token.clone(), "?project_id=nope".to_owned()).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"type": "uuid_parsing", "loc": ["query", "project_id"], "msg": "Input should be a valid UUID"}]})
        )
    );
    // 2 answered (200, 404) so far for the owner; 8 more fit, the 11th does not.
    for _ in 0..8 {
        let (status, _) = validate(token.clone(), format!("?project_id={project}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/projects/validate?project_id={project}"))
        .header("authorization", format!("Bearer {token}"))
        .header("x-forwarded-for", "10.9.8.7")
        .body(axum::body::Body::empty())
        .expect("request");
    let (status, headers, body) = crate::helpers::send(t.projects(), request).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!({"detail": "Rate limit exceeded: 10 per 1 minute"})
    );
    let retry: u64 = header(&headers, "retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Another user has their own window.
    let (status, _) = validate(stranger, format!("?project_id={project}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn with_an_in_process_worker_a_submitted_project_ends_validated_by_itself() {
    let t = TestApp::new().await;
    let (url, _) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let local = podium_validation::trigger::LocalWorker::new(
        worker(&t, &url, &url, 1),
        Duration::from_secs(3600),
    );
    let app = t.projects_validating(Trigger::Local(local));
    let (status, created) = t
        .call(
            app.clone(),
            Method::POST,
            "/projects/",
            Some(json!({"name": "Auto", "repo": "https://github.com/missing/auto", "image_url": "", "demo": "http://alice.itch.io/playable", "event_id": event})),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let started = Instant::now();
    loop {
        let (_, mine) = t
            .call(
                app.clone(),
                Method::GET,
                "/projects/mine",
                None,
                Some(&token),
            )
            .await;
        if mine[0]["validation_status"] != "pending" {
            assert_eq!(
                (
                    &mine[0]["validation_status"],
                    &mine[0]["validation_message"]
                ),
                (
                    &json!("warning"),
                    &json!(
                        "Repository missing/auto was not found on GitHub. Make sure it is public."
                    )
                )
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the fake Lambda API received: the function name and the headers.
type Invocations = Arc<Mutex<Vec<(String, HeaderMap)>>>;

#[tokio::test]
async fn on_lambda_a_request_invokes_the_validate_function_asynchronously_and_signed() {
    let seen: Invocations = Arc::default();
    let router = axum::Router::new()
        .route(
            "/2015-03-31/functions/{name}/invocations",
            axum::routing::post(
                |State(seen): State<Invocations>,
                 UrlPath(name): UrlPath<String>,
                 headers: HeaderMap| async move {
                    seen.lock().expect("lock").push((name, headers));
                    StatusCode::ACCEPTED
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let vars = podium_runtime::Vars::from_pairs([
        ("PODIUM_VALIDATE_FUNCTION", "podium-test-validate"),
        ("PODIUM_LAMBDA_ENDPOINT", url.as_str()),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "secret-never-sent"),
        ("AWS_SESSION_TOKEN", "session"),
    ]);
    let t = TestApp::new().await;
    let trigger = Trigger::from_vars(t.state.pool.clone(), &vars).expect("trigger");
    assert!(matches!(trigger, Trigger::Invoke(_)));
    trigger.kick().await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let (name, headers) = &seen[0];
    assert_eq!(name, "podium-test-validate");
    assert_eq!(header(headers, "x-amz-invocation-type"), "Event");
    assert_eq!(header(headers, "x-amz-security-token"), "session");
    let authorization = header(headers, "authorization");
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
            && authorization.contains("/eu-west-1/lambda/aws4_request")
            && !authorization.contains("secret-never-sent"),
        "{authorization}"
    );
    // An unreachable Lambda API does not fail anything: the job waits for the schedule.
    let vars = podium_runtime::Vars::from_pairs([
        ("PODIUM_VALIDATE_FUNCTION", "podium-test-validate"),
        ("PODIUM_LAMBDA_ENDPOINT", "http://127.0.0.1:9"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ]);
    Trigger::from_vars(t.state.pool.clone(), &vars)
        .expect("trigger")
        .kick()
        .await;
}

/// A server on 127.0.0.1 standing for what sits inside the stack (the Lambda runtime API,
/// instance metadata, the database's neighbours): counts the requests it gets and answers a
/// page a validator would accept.
async fn inside() -> (String, Arc<Mutex<usize>>) {
    let hits: Arc<Mutex<usize>> = Arc::default();
    let router = axum::Router::new()
        .fallback(|State(hits): State<Arc<Mutex<usize>>>| async move {
            *hits.lock().expect("lock") += 1;
            axum::response::Html(r#"<div class="game_frame">secret</div>"#)
        })
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("127.0.0.1:{}", address.port()), hits)
}

/// The network as the itch validator's proxy setting sees it (absolute-form requests): itch.io
/// pages that redirect inward (to `inside`) or to plain http, and plain forwarding to any
/// 127.0.0.1 address (nothing else is ever forwarded).
async fn network(inside: String) -> String {
    let handler = move |uri: axum::http::Uri| {
        let inside = inside.clone();
        async move {
            match (uri.host(), uri.path()) {
                (Some("127.0.0.1"), _) => {
                    match reqwest::get(format!(
                        "http://{}{}",
                        uri.authority().expect("authority"),
                        uri.path()
                    ))
                    .await
                    {
                        Ok(r) => (
                            StatusCode::from_u16(r.status().as_u16()).expect("status"),
                            r.text().await.unwrap_or_default(),
                        )
                            .into_response(),
                        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
                    }
                }
                (Some(host), "/inward") if host.ends_with(".itch.io") => (
                    StatusCode::FOUND,
                    [("location", format!("http://{inside}/latest/meta-data/"))],
                )
                    .into_response(),
                (Some(host), "/plain") if host.ends_with(".itch.io") => (
                    StatusCode::MOVED_PERMANENTLY,
                    [("location", "http://bob.itch.io/playable".to_owned())],
                )
                    .into_response(),
                (Some(host), "/playable") if host.ends_with(".itch.io") => {
                    axum::response::Html(r#"<div class="game_frame"></div>"#).into_response()
                }
                _ => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
    };
    let router = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// A worker with the validators' defaults (the outbound protection on), GitHub at
/// `github_url`, itch.io pages through `itch_proxy`, five attempts.
fn protected_worker(t: &TestApp, github_url: &str, itch_proxy: &str) -> Worker {
    Worker {
        pool: t.state.pool.clone(),
        validators: Validators::new(github_url, None, Some(itch_proxy), Duration::from_secs(2))
            .expect("validators"),
        max_attempts: 5,
        lease: Duration::from_secs(30),
        backoff: Duration::ZERO,
        batch: 8,
        owner_budget: podium_data::rate_limits::VALIDATION_RUNS,
    }
}

#[tokio::test]
async fn an_itch_page_that_redirects_inward_or_to_plain_http_is_not_reachable_and_nothing_inside_is_fetched()
 {
    let t = TestApp::new().await;
    let (inner, hits) = inside().await;
    let proxy = network(inner.clone()).await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    sqlx::query("UPDATE events SET repo_validation = 'none'")
        .execute(&t.state.pool)
        .await
        .expect("event");
    let inward = submit(&t, &token, event, "", "http://alice.itch.io/inward").await;
    let plain = submit(&t, &token, event, "", "http://alice.itch.io/plain").await;
    let playable = submit(&t, &token, event, "", "http://alice.itch.io/playable").await;
    let done = protected_worker(&t, "https://api.github.com", &proxy)
        .drain(None)
        .await
        .expect("drain");
    assert_eq!(
        (done.validated, done.retried),
        (3, 0),
        "a refused redirect is final"
    );
    for project in [&inward, &plain] {
        assert_eq!(
            result(&t, project).await,
            ("warning".to_owned(), ITCH_UNREACHABLE.to_owned())
        );
    }
    assert_eq!(*hits.lock().expect("lock"), 0, "nothing inside was asked");
    // The page itself, on an itch.io host, is fetched as before.
    assert_eq!(
        result(&t, &playable).await,
        ("valid".to_owned(), String::new())
    );
}

#[tokio::test]
async fn a_github_api_on_a_loopback_name_or_address_is_refused_before_any_request() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let port = url.rsplit(':').next().expect("port").to_owned();
    let (token, event) = validating_event(&t, "maker@example.com").await;
    // `localhost` resolves to 127.0.0.1 (and ::1): refused on the resolved address.
    for (api, repo) in [
        (format!("http://localhost:{port}"), "ok/by-name"),
        (format!("http://127.0.0.1:{port}"), "ok/by-address"),
        (format!("http://[::ffff:127.0.0.1]:{port}"), "ok/mapped"),
    ] {
        let project = submit(&t, &token, event, &format!("https://github.com/{repo}"), "").await;
        let done = protected_worker(&t, &api, &url)
            .drain(None)
            .await
            .expect("drain");
        assert_eq!((done.validated, done.retried), (1, 0), "{api}: final");
        assert_eq!(
            result(&t, &project).await,
            (
                "warning".to_owned(),
                format!("Could not reach GitHub to verify repository {repo}.")
            ),
            "{api}"
        );
    }
    assert!(
        fake.seen.lock().expect("lock").is_empty(),
        "the fake GitHub never got a request"
    );
}

/// Polls the owner's projects (through `app`) until the first is no longer `pending`; its
/// (status, message).
async fn settled(t: &TestApp, app: &axum::Router, token: &str) -> (Value, Value) {
    let started = Instant::now();
    loop {
        let (_, mine) = t
            .call(
                app.clone(),
                Method::GET,
                "/projects/mine",
                None,
                Some(token),
            )
            .await;
        if mine[0]["validation_status"] != "pending" {
            return (
                mine[0]["validation_status"].clone(),
                mine[0]["validation_message"].clone(),
            );
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn twenty_quick_edits_make_one_github_call_that_checks_the_last_edit() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    sqlx::query("UPDATE events SET demo_validation = 'none'")
        .execute(&t.state.pool)
        .await
        .expect("event");
    let local = podium_validation::trigger::LocalWorker::new(
        worker(&t, &url, &url, 1),
        Duration::from_secs(3600),
    );
    let app = t.projects_validating(Trigger::Local(local));
    let (status, created) = t
        .call(
            app.clone(),
            Method::POST,
            "/projects/",
            Some(json!({"name": "Edited", "repo": "https://github.com/ok/first", "image_url": "", "demo": "", "event_id": event})),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let project = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        settled(&t, &app, &token).await,
        (json!("valid"), json!("")),
        "a new project is checked at once"
    );
    let started = Instant::now();
    for i in 0..20 {
        let repo = if i == 19 {
            "https://github.com/missing/last".to_owned()
        } else {
            format!("https://github.com/ok/edit{i}")
        };
        let (status, body) = t
            .call(
                app.clone(),
                Method::PUT,
                &format!("/projects/{project}"),
                Some(json!({"repo": repo})),
                Some(&token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let burst = started.elapsed();
    assert_eq!(
        settled(&t, &app, &token).await,
        (
            json!("warning"),
            json!("Repository missing/last was not found on GitHub. Make sure it is public.")
        ),
        "the stored result is the last edit's"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = fake.seen.lock().expect("lock").len();
    assert_eq!(
        calls, 2,
        "one call for the submission, one for 20 edits in {burst:?}"
    );
    assert_eq!(fake.count("/repos/missing/last"), 1);
}

#[tokio::test]
async fn an_edit_committed_while_a_worker_writes_its_stale_result_leaves_the_new_job_free_to_run() {
    let t = TestApp::new().await;
    let (url, _) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let project = submit(&t, &token, event, "https://github.com/missing/repo", "").await;
    let claims = podium_data::validation_jobs::claim(&t.state.pool, 10, Duration::from_secs(30))
        .await
        .expect("claim");
    assert_eq!(claims.len(), 1);
    // The owner's edit is mid-statement (its transaction holds the project row) when the
    // worker comes to write the result of the generation it took.
    let owner: uuid::Uuid = sqlx::query_scalar("SELECT owner_id FROM projects")
        .fetch_one(&t.state.pool)
        .await
        .expect("owner");
    let project_id = podium_data::ProjectId::from(uuid::Uuid::parse_str(&project).expect("id"));
    let mut edit = t.state.pool.begin().await.expect("begin");
    let changes = podium_data::projects::ProjectChanges {
        repo: Some("https://github.com/ok/repo".to_owned()),
        ..Default::default()
    };
    podium_data::projects::update(
        &mut *edit,
        project_id,
        podium_data::UserId::from(owner),
        &changes,
        Duration::ZERO,
    )
    .await
    .expect("edit")
    .expect("edited");
    let pool = t.state.pool.clone();
    let claim = claims[0];
    let finishing = tokio::spawn(async move {
        podium_data::validation_jobs::finish(&pool, claim, "warning", "stale").await
    });
    let started = Instant::now();
    while t
        .scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
        .await
        == 0
    {
        assert!(started.elapsed() < Duration::from_secs(10), "finish never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    edit.commit().await.expect("commit");
    let written = finishing.await.expect("task").expect("finish");
    assert!(!written, "the stale result is not written");
    assert_eq!(
        t.scalar(
            "SELECT count(*) FROM validation_jobs WHERE generation = 2 AND leased_until IS NULL"
        )
        .await,
        1,
        "the edit's job is not held by the finished worker's lease"
    );
    let done = worker(&t, &url, &url, 1).drain(None).await.expect("drain");
    assert_eq!(done.validated, 1);
    assert_eq!(
        result(&t, &project).await,
        ("valid".to_owned(), String::new())
    );
}

#[tokio::test]
async fn an_owners_checks_past_the_budget_wait_for_it_and_other_owners_are_not_held_up() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let (other, _) = t.person("other@example.com").await;
    let code: String = sqlx::query_scalar("SELECT join_code FROM events")
        .fetch_one(&t.state.pool)
        .await
        .expect("code");
    t.attend(&other, &code).await;
    let mut mine = Vec::new();
    for i in 0..15 {
        mine.push(
            submit(
                &t,
                &token,
                event,
                &format!("https://github.com/ok/m{i}"),
                "",
            )
            .await,
        );
    }
    // Checks that send nothing (a URL that is not GitHub's) cost nothing.
    let free = submit(&t, &token, event, "https://gitlab.com/a/b", "").await;
    let theirs = submit(&t, &other, event, "https://github.com/ok/theirs", "").await;
    // Two workers at once share the budget.
    let worker = worker(&t, &url, &url, 1);
    let racer = worker.clone();
    let (one, two) = tokio::join!(worker.drain(None), racer.drain(None));
    let (one, two) = (one.expect("one"), two.expect("two"));
    assert_eq!(
        (
            one.validated + two.validated,
            one.deferred + two.deferred,
            one.retried + two.retried
        ),
        (12, 5, 0),
        "10 of the owner's checks, the free one and the other owner's; 5 wait"
    );
    assert_eq!(
        fake.seen.lock().expect("lock").len(),
        11,
        "the owner's 10 and the other owner's 1"
    );
    assert_eq!(result(&t, &theirs).await.0, "valid");
    assert_eq!(
        result(&t, &free).await,
        ("warning".to_owned(), NOT_GITHUB.to_owned())
    );
    let (waiting, attempts, soonest): (i64, i64, f64) = sqlx::query_as(
        "SELECT count(*), sum(attempts), extract(epoch FROM min(run_after) - now())::float8
         FROM validation_jobs",
    )
    .fetch_one(&t.state.pool)
    .await
    .expect("waiting");
    assert_eq!(
        (waiting, attempts),
        (5, 0),
        "deferred, not dropped or retried"
    );
    assert!(
        (50.0..=61.0).contains(&soonest),
        "until the budget frees: {soonest}"
    );
    // A minute later the rest run.
    sqlx::raw_sql(
        "UPDATE rate_limit_hits SET hit_at = hit_at - interval '61 seconds';
         UPDATE validation_jobs SET run_after = now();",
    )
    .execute(&t.state.pool)
    .await
    .expect("a minute later");
    let done = worker.drain(None).await.expect("drain");
    assert_eq!((done.validated, done.deferred), (5, 0));
    for project in &mine {
        assert_eq!(result(&t, project).await.0, "valid");
    }
    for i in 0..15 {
        assert_eq!(fake.count(&format!("/repos/ok/m{i}")), 1, "m{i} once");
    }
}

#[tokio::test]
async fn a_lambda_run_waits_for_an_edit_about_to_come_due_and_not_for_later_jobs() {
    let t = TestApp::new().await;
    let (url, fake) = fakes().await;
    let (token, event) = validating_event(&t, "maker@example.com").await;
    let project = submit(&t, &token, event, "https://github.com/ok/before", "").await;
    let worker = worker(&t, &url, &url, 1);
    worker.drain(None).await.expect("drain");
    let (status, _) = t
        .call(
            t.projects(),
            Method::PUT,
            &format!("/projects/{project}"),
            Some(json!({"repo": "https://github.com/ok/after"})),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // As the validate function invoked by that PUT: the job is due after the debounce.
    let started = Instant::now();
    let done = worker
        .drain_lingering(
            Instant::now() + Duration::from_secs(45),
            podium_validation::worker::LINGER,
        )
        .await
        .expect("run");
    assert_eq!(done.validated, 1);
    assert!(
        started.elapsed() >= podium_validation::EDIT_DEBOUNCE - Duration::from_millis(500),
        "waited for the debounce: {:?}",
        started.elapsed()
    );
    assert_eq!(fake.count("/repos/ok/after"), 1);
    // A job due after the linger is the schedule's: the run ends at once.
    submit(&t, &token, event, "https://github.com/ok/later", "").await;
    sqlx::query("UPDATE validation_jobs SET run_after = now() + interval '50 seconds'")
        .execute(&t.state.pool)
        .await
        .expect("later");
    let started = Instant::now();
    let done = worker
        .drain_lingering(
            Instant::now() + Duration::from_secs(45),
            podium_validation::worker::LINGER,
        )
        .await
        .expect("run");
    assert_eq!(done, podium_validation::Drained::default());
    assert!(started.elapsed() < Duration::from_secs(2));
}
