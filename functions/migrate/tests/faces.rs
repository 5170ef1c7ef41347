//! The migrate binary's two faces, run as a process: the CLI, and the Lambda talking to a fake
//! Lambda Runtime API (the protocol AWS and `cargo lambda` speak).

use std::process::{Command, Output};

use podium_testing::TestDb;
use podium_testing::lambda::LambdaProcess;
use serde_json::{Value, json};

const PASSWORD: &str = "hunter2-never-shown";

/// The test database's URL with a password added (the test server trusts everyone, so the
/// password is ignored by the server but must never be printed by us).
fn url_with_password(db: &TestDb) -> String {
    db.url()
        .expose()
        .replacen("postgres@", &format!("postgres:{PASSWORD}@"), 1)
}

fn migrate(url: &str, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("PODIUM_DATABASE_URL", url)
        .output()
        .expect("run migrate");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(PASSWORD), "the password leaked: {all}");
    output
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[tokio::test]
async fn status_json_on_an_empty_database_lists_every_migration_as_pending_then_up_and_verify_succeed()
 {
    let db = TestDb::new().await;
    let url = url_with_password(&db);

    let status = migrate(&url, &["status", "--json"]);
    assert!(status.status.success());
    let status = json(&status);
    assert_eq!(status["command"], "status");
    assert_eq!(status["current_version"], 0);
    let migrations = status["migrations"].as_array().expect("list");
    assert_eq!(
        migrations.len(),
        podium_migrations::MigrationSet::embedded().iter().count()
    );
    assert!(
        migrations.iter().all(|m| m["state"] == "pending"),
        "{status}"
    );
    assert_eq!(migrations[0]["name"], "initial_schema");

    let up = migrate(&url, &["up"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let text = String::from_utf8_lossy(&up.stdout);
    assert!(
        text.contains("Applied 001_initial_schema (")
            && text.contains("The database is at version"),
        "{text}"
    );

    let verify = migrate(&url, &["verify", "--json"]);
    assert!(verify.status.success());
    assert_eq!(json(&verify)["ok"], true);
}

#[tokio::test]
async fn verify_exits_non_zero_with_the_problems_when_the_schema_drifted() {
    let db = TestDb::new().await;
    let url = url_with_password(&db);
    assert!(migrate(&url, &["up"]).status.success());
    let mut conn = db.connect().await;
    sqlx::raw_sql("ALTER TABLE users ADD COLUMN shoe_size int")
        .execute(&mut conn)
        .await
        .expect("drift");

    let verify = migrate(&url, &["verify", "--json"]);
    assert_eq!(verify.status.code(), Some(1));
    let report = json(&verify);
    assert_eq!(report["ok"], false);
    assert!(
        report["problems"][0]
            .as_str()
            .expect("text")
            .contains("+ column users.016 shoe_size integer null"),
        "{report}"
    );

    let human = migrate(&url, &["verify"]);
    assert_eq!(human.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&human.stdout).starts_with("Verification FAILED (version"));
}

#[tokio::test]
async fn failures_exit_non_zero_with_a_clear_message_and_never_the_password() {
    let db = TestDb::new().await;
    let url = url_with_password(&db);

    let refused = migrate(&url, &["down", "--to", "77"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "migrate: there is no migration with version 77"
    );

    let unreachable = url.replace(
        &format!(":{}/", db.url().connect_options().get_port()),
        ":1/",
    );
    let down = migrate(&unreachable, &["status", "--json"]);
    assert_eq!(down.status.code(), Some(1));
    assert_eq!(json(&down)["kind"], "database");

    let no_url = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .arg("status")
        .env_remove("DATABASE_URL")
        .env_remove("PODIUM_DATABASE_URL")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("run");
    assert_eq!(no_url.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&no_url.stderr).trim(),
        "migrate: PODIUM_DATABASE_URL or DATABASE_URL is not set"
    );

    let bad_flag = migrate(&url, &["up", "--lock-wait", "soon"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[tokio::test]
async fn the_lambda_answers_reports_and_turns_failures_into_function_errors() {
    let db = TestDb::new().await;
    let url = url_with_password(&db);
    let mut function = LambdaProcess::start(
        env!("CARGO_BIN_EXE_migrate"),
        &[("PODIUM_DATABASE_URL", &url)],
    )
    .await;

    let status = function.invoke(json!({"command": "status"})).await;
    assert_eq!(
        (status.kind, status.request_id.as_str()),
        ("response", "req-1")
    );
    assert_eq!(status.body["command"], "status");
    assert!(
        status.body["migrations"]
            .as_array()
            .expect("list")
            .iter()
            .all(|m| m["state"] == "pending")
    );

    let up = function
        .invoke(json!({"command": "up", "lock_wait": "5s"}))
        .await;
    assert_eq!(up.kind, "response", "{:?}", up.body);
    assert_eq!(up.body["steps"][0]["name"], "initial_schema");

    let mut conn = db.connect().await;
    sqlx::raw_sql("DROP INDEX ix_votes_project_id")
        .execute(&mut conn)
        .await
        .expect("drift");
    let verify = function.invoke(json!({"command": "verify"})).await;
    assert_eq!(
        verify.kind, "error",
        "a failed verify is a function error: {:?}",
        verify.body
    );
    let message = verify.body["errorMessage"].as_str().expect("message");
    assert!(
        message.starts_with("verification failed:")
            && message.contains("- index votes.ix_votes_project_id"),
        "{message}"
    );

    let refused = function.invoke(json!({"command": "down", "to": 77})).await;
    assert_eq!(
        (refused.kind, refused.body["errorMessage"].as_str()),
        ("error", Some("there is no migration with version 77"))
    );

    let typo = function.invoke(json!({"command": "up", "step": 1})).await;
    assert_eq!(typo.kind, "error");
    assert!(!typo.body.to_string().contains(PASSWORD));
    let logs = function.stop();
    assert!(
        logs.contains("\"message\":\"migrate function ready\""),
        "JSON logs on Lambda: {logs}"
    );
    assert!(
        logs.contains("postgres:***@"),
        "the URL is logged redacted: {logs}"
    );
    assert!(
        !logs.contains(PASSWORD),
        "the password leaked into the logs: {logs}"
    );
}

// Multi-threaded: the fake answers on the runtime while this test waits for the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_podium_secrets_arn_the_database_url_comes_from_secrets_manager() {
    use podium_testing::secrets_manager::FakeSecretsManager;
    let db = TestDb::new().await;
    let arn = "arn:aws:secretsmanager:us-east-2:123456789012:secret:podium-migrate";
    let secret = json!({ "PODIUM_DATABASE_URL": url_with_password(&db) }).to_string();
    let fake = FakeSecretsManager::start(arn, &secret).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(["status", "--json"])
        .env_remove("DATABASE_URL")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("PODIUM_SECRETS_ARN", arn)
        .envs(fake.env())
        .output()
        .await
        .expect("run migrate");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{all}");
    assert!(!all.contains(PASSWORD), "the password leaked: {all}");
    assert_eq!(json(&output)["current_version"], 0);
    let seen = fake.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body["SecretId"], arn);
}

#[tokio::test]
async fn superadmin_grant_revoke_and_list_change_the_role_and_log_each_change() {
    let db = TestDb::migrated().await;
    let url = url_with_password(&db);
    let mut conn = db.connect().await;
    sqlx::raw_sql(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country)
         VALUES (gen_random_uuid(), 'ops@example.com', 'Ops', 'Ops', '', '', '', '', '', '', '', '')",
    )
    .execute(&mut conn)
    .await
    .expect("user");
    let text = |output: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };

    let granted = migrate(&url, &["superadmin", "grant", "  Ops@Example.COM "]);
    assert!(granted.status.success(), "{}", text(&granted));
    assert_eq!(text(&granted), "ops@example.com is now a superadmin.\n");
    let again = migrate(&url, &["superadmin", "grant", "ops@example.com", "--json"]);
    assert_eq!(
        json(&again),
        json!({"email": "ops@example.com", "superadmin": true, "outcome": "unchanged"})
    );
    let listed = migrate(&url, &["superadmin", "list", "--json"]);
    assert_eq!(json(&listed), json!({"superadmins": ["ops@example.com"]}));
    let revoked = migrate(&url, &["superadmin", "revoke", "ops@example.com"]);
    assert!(revoked.status.success());
    assert_eq!(text(&revoked), "ops@example.com is now not a superadmin.\n");
    let missing = migrate(&url, &["superadmin", "grant", "nobody@example.com"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        text(&missing),
        "migrate: no user has the e-mail nobody@example.com\n"
    );

    let log: Vec<(String, Option<uuid::Uuid>, String, Value, Value)> =
        sqlx::query_as("SELECT action, actor_id, actor, before, after FROM audit_log ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .expect("audit log");
    assert_eq!(
        log,
        [
            (
                "user.grant_superadmin".to_owned(),
                None,
                "command line".to_owned(),
                json!({"email": "ops@example.com", "is_superadmin": false}),
                json!({"email": "ops@example.com", "is_superadmin": true}),
            ),
            (
                "user.revoke_superadmin".to_owned(),
                None,
                "command line".to_owned(),
                json!({"email": "ops@example.com", "is_superadmin": true}),
                json!({"email": "ops@example.com", "is_superadmin": false}),
            ),
        ]
    );
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn host_port(url: &str) -> &str {
    let after_user = url.split_once('@').map_or(url, |(_, rest)| rest);
    after_user.split_once('/').map_or(after_user, |(hp, _)| hp)
}

#[tokio::test]
async fn wait_for_database_waits_for_a_server_that_comes_up_late_and_gives_up_on_one_that_does_not()
{
    let db = TestDb::new().await;
    let url = url_with_password(&db);
    let server = host_port(&url).to_owned();
    // A port nothing listens on for the first 1.5 s; then a forwarder to the real server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let late_url = url.replacen(&server, &format!("127.0.0.1:{port}"), 1);
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind late");
        while let Ok((mut client, _)) = listener.accept().await {
            let server = server.clone();
            tokio::spawn(async move {
                if let Ok(mut upstream) = tokio::net::TcpStream::connect(&server).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    let started = std::time::Instant::now();
    let waited = tokio::task::spawn_blocking(move || {
        migrate(&late_url, &["--wait-for-database", "20s", "up", "--json"])
    })
    .await
    .expect("migrate");
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(1400));
    assert_eq!(json(&waited)["command"], "up");

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let never = url.replacen(host_port(&url), &format!("127.0.0.1:{closed}"), 1);
    let gave_up = tokio::task::spawn_blocking(move || {
        migrate(&never, &["--wait-for-database", "1s", "status"])
    })
    .await
    .expect("migrate");
    assert_eq!(gave_up.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&gave_up.stderr);
    assert!(
        stderr.contains("migrate: the database did not answer within 1s"),
        "{stderr}"
    );
}

#[tokio::test]
async fn unadopt_writes_a_private_archive_never_overwrites_one_and_its_dry_run_exits_by_what_the_real_run_would_do()
 {
    let db = TestDb::migrated().await;
    let url = url_with_password(&db);
    let dir = std::env::temp_dir().join(format!("podium-faces-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let taken = dir.join("taken.jsonl");
    std::fs::write(&taken, "keep me").expect("write");

    let refused = migrate(
        &url,
        &["unadopt", "--archive", taken.to_str().expect("path")],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("cannot create the archive") && stderr.contains("it already exists"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&taken).expect("read"), "keep me");

    let missing = migrate(&url, &["unadopt"]);
    assert_eq!(missing.status.code(), Some(2), "the archive is required");

    let dry = migrate(&url, &["unadopt", "--dry-run", "--json"]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let report = json(&dry);
    assert_eq!(
        (report["command"].as_str(), report["dry_run"].as_bool()),
        (Some("unadopt"), Some(true))
    );
    assert_eq!(report["rows"]["users"], 0);

    let path = dir.join("archive.jsonl");
    let done = migrate(
        &url,
        &["unadopt", "--archive", path.to_str().expect("path")],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let text = String::from_utf8_lossy(&done.stdout);
    assert!(
        text.starts_with("Handed the database from our version")
            && text.contains("back to the original's Alembic revision e5f6a7b8c9d0"),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path)
        .expect("archive")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the archive holds e-mail addresses");

    // Now at the original's schema: a dry run of unadopt refuses (exit 1), adopt's succeeds.
    let again = migrate(&url, &["unadopt", "--dry-run"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("would REFUSE"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let adopt = migrate(
        &url,
        &[
            "adopt",
            "--dry-run",
            "--archive",
            path.to_str().expect("path"),
        ],
    );
    assert!(
        adopt.status.success(),
        "{}",
        String::from_utf8_lossy(&adopt.stderr)
    );
    let text = String::from_utf8_lossy(&adopt.stdout);
    assert!(
        text.starts_with("Dry run (rolled back, nothing changed): adopting would take"),
        "{text}"
    );
    let adopt = migrate(&url, &["adopt", "--archive", path.to_str().expect("path")]);
    assert!(
        adopt.status.success(),
        "{}",
        String::from_utf8_lossy(&adopt.stderr)
    );
    assert!(migrate(&url, &["verify"]).status.success());
}
