//! What operators are told: the real function binaries, as Lambdas behind the fake Runtime API
//! and as plain HTTP servers, reporting to a fake Sentry and emitting metrics.

use std::process::{Command, Stdio};
use std::time::Duration;

use podium_http::jwt::{ACCESS, JwtSecret};
use podium_runtime::telemetry::RELEASE;
use podium_testing::lambda::{JWT_SECRET, LambdaProcess, function_url_event};
use podium_testing::sentry::FakeSentry;
use serde_json::Value;

use crate::hostile::binaries;

/// A database URL nobody answers on: the database is down.
const DOWN: &str = "postgres://podium:db-password-never-sent@127.0.0.1:9/podium";
const CDN_SECRET: &str = "cdn-secret-never-sent-4f1c";

async fn events_lambda(sentry: &FakeSentry, database_url: &str) -> LambdaProcess {
    LambdaProcess::start(
        binaries().join("events").to_str().expect("path"),
        &[
            ("PODIUM_DATABASE_URL", database_url),
            ("PODIUM_JWT_SECRET", JWT_SECRET),
            ("PODIUM_CDN_SECRET", CDN_SECRET),
            ("PODIUM_ENABLE_TEST_ENDPOINTS", "1"),
            ("PODIUM_SENTRY_DSN", &sentry.dsn()),
            ("PODIUM_ENV", "staging"),
        ],
    )
    .await
}

/// The one error event that arrived, after waiting for it and for the function to ask for its
/// next invocation (by when everything of the one before must have been sent).
async fn the_event(sentry: &FakeSentry, function: &LambdaProcess) -> Value {
    let next_asked = function.wait_for_poll(2).await;
    assert!(
        sentry
            .wait_until(Duration::from_secs(10), |all| all
                .iter()
                .any(|e| e.of_type("event").next().is_some()))
            .await,
        "no event reached Sentry"
    );
    let events = sentry.items("event");
    assert_eq!(events.len(), 1, "exactly one event: {events:?}");
    let (arrived, event) = events.into_iter().next().expect("one");
    assert!(
        arrived < next_asked,
        "the report left before the next invocation was asked for"
    );
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_on_lambda_reaches_sentry_before_the_next_invocation_with_route_request_id_user_and_release_and_nothing_secret()
 {
    let sentry = FakeSentry::start().await;
    let mut function = events_lambda(&sentry, DOWN).await;
    let (token, _) = JwtSecret::new(JWT_SECRET).issue("ada@example.com", ACCESS, 60);
    let body = r#"{"event": "00000000-0000-0000-0000-000000000001", "projects": [], "phone": "+1-555-0100-marker", "street_1": "12 Marker Street"}"#;
    let failed = function
        .invoke(function_url_event(
            "POST",
            "/events/vote",
            "token=query-token-never-sent",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {token}")),
                ("cookie", "session=cookie-never-sent"),
                ("x-podium-cdn-secret", CDN_SECRET),
                ("x-podium-viewer-ip", "203.0.113.7"),
            ],
            Some(body),
        ))
        .await;
    assert_eq!(failed.body["statusCode"], 503, "{:?}", failed.body);
    assert_eq!(
        failed.body["headers"]["x-request-id"].as_str(),
        Some(failed.request_id.as_str())
    );

    let event = the_event(&sentry, &function).await;
    // `error` is the protocol's default level, left out of the payload.
    assert!(event.get("level").is_none_or(|l| l == "error"), "{event}");
    assert_eq!(event["release"], RELEASE);
    assert_eq!(event["environment"], "staging");
    assert_eq!(event["server_name"], "events");
    assert_eq!(event["transaction"], "POST /events/vote");
    assert_eq!(event["tags"]["route"], "/events/vote");
    assert_eq!(event["tags"]["request_id"], failed.request_id.as_str());
    assert_eq!(
        event["user"],
        serde_json::json!({"email": "ada@example.com"})
    );
    // The cause: the pool gave up waiting for a connection.
    let exceptions = event["exception"]["values"].as_array().expect("exceptions");
    assert_eq!(
        exceptions.last().map(|e| &e["type"]),
        Some(&Value::from("PoolTimedOut")),
        "{event}"
    );
    // And the request's transaction, named by its template.
    // And the request's one transaction, named by its template, which the event belongs to.
    let transactions = sentry.items("transaction");
    assert_eq!(transactions.len(), 1, "{transactions:?}");
    let transaction = &transactions[0].1;
    assert_eq!(transaction["transaction"], "POST /events/vote");
    assert_eq!(
        event["contexts"]["trace"]["trace_id"],
        transaction["contexts"]["trace"]["trace_id"]
    );
    let logs = function.stop();
    for envelope in sentry.envelopes() {
        for secret in [
            token.as_str(),
            "query-token-never-sent",
            "cookie-never-sent",
            CDN_SECRET,
            "db-password-never-sent",
            "555-0100-marker",
            "Marker Street",
        ] {
            assert!(
                !envelope.raw.contains(secret),
                "{secret} was sent: {}",
                envelope.raw
            );
        }
    }
    // One id in the logs too: the request's line names the route, status, latency and causes.
    let line = logs
        .lines()
        .find(|l| l.contains("request failed"))
        .unwrap_or_else(|| panic!("no request line: {logs}"));
    let line: Value = serde_json::from_str(line).expect("a JSON log line");
    assert_eq!(line["route"], "/events/vote");
    assert_eq!(line["status"], 503);
    assert!(line["latency_ms"].as_f64().is_some(), "{line}");
    assert!(
        line["causes"]
            .as_str()
            .is_some_and(|c| c.contains("pool timed out")),
        "{line}"
    );
    assert_eq!(line["span"]["request_id"], failed.request_id.as_str());
    assert!(!logs.contains(&token), "the token was logged");
    // The invocation's metrics, as EMF on stdout.
    let emf = logs
        .lines()
        .find(|l| l.contains("\"_aws\"") && l.contains("podium_requests_total"))
        .unwrap_or_else(|| panic!("no EMF line: {logs}"));
    let emf: Value = serde_json::from_str(emf).expect("EMF JSON");
    assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Podium");
    assert_eq!(
        (&emf["function"], &emf["route"], &emf["status"]),
        (
            &Value::from("events"),
            &Value::from("/events/vote"),
            &Value::from("5xx")
        )
    );
    let failures = logs
        .lines()
        .filter(|l| l.contains("\"_aws\""))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|l| l.get("podium_db_connection_failures_total").cloned());
    assert_eq!(failures, Some(Value::from(1)), "{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_handler_reaches_sentry_once_with_its_route_request_id_and_the_viewer_address()
{
    let sentry = FakeSentry::start().await;
    let mut function = events_lambda(&sentry, DOWN).await;
    let panicked = function
        .invoke(function_url_event("GET", "/__test/panic", "", &[], None))
        .await;
    assert_eq!(panicked.kind, "error", "{:?}", panicked.body);

    let event = the_event(&sentry, &function).await;
    let exception = &event["exception"]["values"][0];
    assert_eq!(exception["mechanism"]["type"], "panic");
    assert!(
        exception["value"]
            .as_str()
            .is_some_and(|v| v.contains("on purpose"))
    );
    assert_eq!(event["tags"]["route"], "/__test/panic");
    assert_eq!(event["tags"]["request_id"], panicked.request_id.as_str());
    assert_eq!(event["release"], RELEASE);
    // Anonymous: the viewer's address (the function URL's source address; no CDN secret).
    assert_eq!(
        event["user"],
        serde_json::json!({"ip_address": "127.0.0.1"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migrate_invocation_reaches_sentry_once_before_the_next_invocation() {
    let sentry = FakeSentry::start().await;
    let mut migrate = LambdaProcess::start(
        binaries().join("migrate").to_str().expect("path"),
        &[
            ("PODIUM_DATABASE_URL", DOWN),
            ("PODIUM_SENTRY_DSN", &sentry.dsn()),
        ],
    )
    .await;
    let failed = migrate.invoke(serde_json::json!({"command": "up"})).await;
    assert_eq!(failed.kind, "error", "{:?}", failed.body);

    let event = the_event(&sentry, &migrate).await;
    assert_eq!(
        event["tags"]["request_id"],
        failed.request_id.as_str(),
        "{event}"
    );
    assert_eq!(event["server_name"], "migrate");
    assert_eq!(event["release"], RELEASE);
    assert!(
        !sentry
            .envelopes()
            .iter()
            .any(|e| e.raw.contains("db-password-never-sent"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_counts_requests_on_a_metrics_port_of_its_own_and_echoes_a_well_formed_request_id()
{
    let db = podium_testing::TestDb::migrated().await;
    let (port, metrics_port) = (crate::e2e::free_port(), crate::e2e::free_port());
    let mut child = Command::new(binaries().join("events"))
        .env_clear()
        .env("PORT", port.to_string())
        .env("PODIUM_METRICS_PORT", metrics_port.to_string())
        .env("PODIUM_DATABASE_URL", db.url().expose())
        .env("PODIUM_JWT_SECRET", JWT_SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start events");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut answer = None;
    for _ in 0..300 {
        if let Ok(response) = client
            .get(format!(
                "{base}/events/00000000-0000-0000-0000-000000000001"
            ))
            .header("x-request-id", "cdn-id_42.a")
            .send()
            .await
        {
            answer = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answer = answer.expect("events listened");
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.headers()["x-request-id"], "cdn-id_42.a");
    let replaced = client
        .get(format!("{base}/events/official"))
        .header("x-request-id", "<script>")
        .send()
        .await
        .expect("answer");
    let id = replaced.headers()["x-request-id"].to_str().expect("id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "a fresh id, not {id}");

    let metrics = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(
            r#"podium_requests_total{function="events",route="/events/{event_id}",status="4xx"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("podium_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        metrics.contains("podium_db_pool_acquire_seconds"),
        "{metrics}"
    );
    // Not on the public port.
    let public = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("answer");
    assert_eq!(public.status(), 404);
    let _ = child.kill();
    let _ = child.wait();
}
