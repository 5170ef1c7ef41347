//! The validate binary as a worker process: a worker killed in the middle of a job leaves
//! nothing stuck; the job's lease runs out and the next run validates the project.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use podium_testing::TestDb;
use podium_testing::sentry::FakeSentry;
use tokio::sync::mpsc;

/// A fake GitHub whose first request never gets an answer (it reports it on `first`); later
/// requests find the repository.
async fn hanging_github() -> (String, mpsc::Receiver<()>) {
    let (tx, first) = mpsc::channel(1);
    let calls = Arc::new(AtomicUsize::new(0));
    let router = axum::Router::new().route(
        "/repos/{owner}/{repo}",
        axum::routing::get(move || {
            let (tx, calls) = (tx.clone(), calls.clone());
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    let _ = tx.send(()).await;
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, first)
}

fn validate(db: &TestDb, github: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_validate"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("PODIUM_DATABASE_URL", db.url().expose())
        .env("PODIUM_GITHUB_API_URL", github)
        .env("PODIUM_OUTBOUND_ALLOW_LOOPBACK", "1")
        .env("PODIUM_VALIDATION_LEASE_SECONDS", "1")
        .env("PODIUM_VALIDATION_TIMEOUT_SECONDS", "30");
    command
}

async fn status(db: &TestDb) -> (String, i64) {
    let mut conn = db.connect().await;
    sqlx::query_as(
        "SELECT p.validation_status, (SELECT count(*) FROM validation_jobs)
         FROM projects p",
    )
    .fetch_one(&mut conn)
    .await
    .expect("project")
}

/// A maker, an event that checks GitHub repositories, one project, and its queued job.
async fn one_queued_project(db: &TestDb) {
    let mut conn = db.connect().await;
    sqlx::raw_sql(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country)
         VALUES ('00000000-0000-0000-0000-0000000000aa', 'maker@example.com', 'M', 'M', '', '', '',
                 '', '', '', '', '');
         INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                             ysws_checks_enabled, feature_flags_csv, owner_id, repo_validation)
         VALUES ('00000000-0000-0000-0000-0000000000ee', 'E', 'e', '', 'EEEE', true, false, '',
                 '00000000-0000-0000-0000-0000000000aa', 'github');
         INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                               hours_spent, points, owner_id, event_id)
         VALUES (gen_random_uuid(), 'P', 'https://github.com/o/r', '', '', '', 'PPPP', 0, 0,
                 '00000000-0000-0000-0000-0000000000aa', '00000000-0000-0000-0000-0000000000ee');
         INSERT INTO validation_jobs (project_id) SELECT id FROM projects;",
    )
    .execute(&mut conn)
    .await
    .expect("data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_leaves_the_job_to_the_next_run_and_the_project_ends_valid() {
    let db = TestDb::migrated().await;
    one_queued_project(&db).await;
    let (github, mut first) = hanging_github().await;

    let mut doomed = validate(&db, &github)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start validate");
    tokio::time::timeout(Duration::from_secs(30), first.recv())
        .await
        .expect("the worker reached GitHub")
        .expect("first request");
    doomed.kill().expect("kill -9");
    doomed.wait().expect("reaped");
    assert_eq!(
        status(&db).await,
        ("pending".to_owned(), 1),
        "mid-job: still queued"
    );

    // A run while the dead worker's lease holds takes nothing; after it, the job is redone.
    let early = validate(&db, &github).output().expect("run");
    assert!(early.status.success());
    assert_eq!(
        String::from_utf8_lossy(&early.stdout),
        "{\"validated\":0,\"retried\":0,\"superseded\":0,\"deferred\":0}\n"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let output = validate(&db, &github).output().expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "{\"validated\":1,\"retried\":0,\"superseded\":0,\"deferred\":0}\n"
    );
    assert_eq!(status(&db).await, ("valid".to_owned(), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_that_runs_out_of_attempts_reaches_sentry_once_with_the_release_before_the_worker_exits()
 {
    let db = TestDb::migrated().await;
    one_queued_project(&db).await;
    let sentry = FakeSentry::start().await;

    // GitHub cannot be reached (a transient failure), and one attempt is all there is.
    let output = validate(&db, "http://127.0.0.1:9")
        .env("PODIUM_VALIDATION_MAX_ATTEMPTS", "1")
        .env("PODIUM_SENTRY_DSN", sentry.dsn())
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let events = sentry.items("event");
    assert_eq!(events.len(), 1, "{:?}", sentry.envelopes());
    let event = &events[0].1;
    assert!(event.get("level").is_none_or(|l| l == "error"), "{event}");
    assert_eq!(event["release"], podium_runtime::telemetry::RELEASE);
    assert_eq!(event["server_name"], "validate");
    assert_eq!(event["tags"]["function"], "validate");
    assert!(event.to_string().contains("validation gave up"), "{event}");
}
