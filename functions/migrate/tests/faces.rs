//! The migrate binary's two faces, run as a process: the CLI, and the Lambda talking to a fake
//! Lambda Runtime API (the protocol AWS and `cargo lambda` speak).

use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use podium_shared::testing::TestDb;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

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
        podium_shared::migrations::MigrationSet::embedded()
            .iter()
            .count()
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
            .contains("+ column users.015 shoe_size integer null"),
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

/// What the function posted back for one invocation.
#[derive(Debug)]
struct Outcome {
    request_id: String,
    kind: &'static str,
    body: Value,
}

/// A minimal Lambda Runtime API: hands out the events sent on `events`, reports what the
/// function posts back on the returned channel.
async fn fake_runtime(mut events: mpsc::Receiver<Value>) -> (String, mpsc::Receiver<Outcome>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let (outcomes_tx, outcomes) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut next_id = 0u32;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let mut stream = BufReader::new(stream);
            while let Some((method, path, body)) = read_request(&mut stream).await {
                if method == "GET" && path.ends_with("/invocation/next") {
                    let Some(event) = events.recv().await else {
                        return;
                    };
                    next_id += 1;
                    let headers = format!(
                        "lambda-runtime-aws-request-id: req-{next_id}\r\nlambda-runtime-deadline-ms: {}\r\n\
                         lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:000000000000:function:migrate\r\n",
                        4_102_444_800_000u64
                    );
                    respond(stream.get_mut(), &headers, &event.to_string()).await;
                } else {
                    let request_id = path.split('/').nth(4).unwrap_or_default().to_owned();
                    let kind = if path.ends_with("/error") {
                        "error"
                    } else {
                        "response"
                    };
                    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    respond(stream.get_mut(), "", "{}").await;
                    let _ = outcomes_tx
                        .send(Outcome {
                            request_id,
                            kind,
                            body,
                        })
                        .await;
                }
            }
        }
    });
    (address, outcomes)
}

async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    stream.read_line(&mut line).await.ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        stream.read_line(&mut header).await.ok()?;
        let header = header.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(v) = header.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        chunked |= header.starts_with("transfer-encoding:") && header.contains("chunked");
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        stream.read_exact(&mut body).await.ok()?;
    }
    Some((method, path, body))
}

async fn respond(stream: &mut TcpStream, headers: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_lambda_answers_reports_and_turns_failures_into_function_errors() {
    let db = TestDb::new().await;
    let (events, rx) = mpsc::channel(4);
    let (runtime_api, mut outcomes) = fake_runtime(rx).await;
    let log_path = std::env::temp_dir().join(format!(
        "migrate-lambda-{}-{}.log",
        std::process::id(),
        db.name()
    ));
    let log = std::fs::File::create(&log_path).expect("log file");
    let function = Killed(
        Command::new(env!("CARGO_BIN_EXE_migrate"))
            .env_remove("DATABASE_URL")
            .env("PODIUM_DATABASE_URL", url_with_password(&db))
            .env("AWS_LAMBDA_RUNTIME_API", &runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "migrate")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the function"),
    );
    let mut invoke = async |event: Value| -> Outcome {
        events.send(event).await.expect("queue event");
        tokio::time::timeout(Duration::from_secs(30), outcomes.recv())
            .await
            .expect("answer in time")
            .expect("answer")
    };

    let status = invoke(serde_json::json!({"command": "status"})).await;
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

    let up = invoke(serde_json::json!({"command": "up", "lock_wait": "5s"})).await;
    assert_eq!(up.kind, "response", "{:?}", up.body);
    assert_eq!(up.body["steps"][0]["name"], "initial_schema");

    let mut conn = db.connect().await;
    sqlx::raw_sql("DROP INDEX ix_votes_project_id")
        .execute(&mut conn)
        .await
        .expect("drift");
    let verify = invoke(serde_json::json!({"command": "verify"})).await;
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

    let refused = invoke(serde_json::json!({"command": "down", "to": 77})).await;
    assert_eq!(
        (refused.kind, refused.body["errorMessage"].as_str()),
        ("error", Some("there is no migration with version 77"))
    );

    let typo = invoke(serde_json::json!({"command": "up", "step": 1})).await;
    assert_eq!(typo.kind, "error");
    assert!(!typo.body.to_string().contains(PASSWORD));
    drop(function);
    let logs = std::fs::read_to_string(&log_path).expect("read logs");
    let _ = std::fs::remove_file(&log_path);
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
