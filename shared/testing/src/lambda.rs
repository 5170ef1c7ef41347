//! A minimal Lambda Runtime API (the protocol AWS and `cargo lambda` speak), so tests can run a
//! function's real binary as a Lambda: the test queues events and reads what the function posts.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Polls = Arc<Mutex<Vec<Instant>>>;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What the function posted back for one invocation.
#[derive(Debug)]
pub struct Outcome {
    pub request_id: String,
    /// `"response"`, `"error"`, or `"stream"` for a streamed response (invoke mode
    /// `RESPONSE_STREAM`), whose `body` is `{"prelude": {statusCode, headers, …}, "body": text}`.
    pub kind: &'static str,
    pub body: Value,
}

/// A function binary running against a fake Runtime API; killed when dropped.
#[derive(Debug)]
pub struct LambdaProcess {
    child: Child,
    events: mpsc::Sender<Value>,
    outcomes: mpsc::Receiver<Outcome>,
    log_path: PathBuf,
    /// When the function asked for each invocation (`GET …/invocation/next`).
    next_polls: Polls,
    /// The podman container's name, for a function run from its image.
    container: Option<String>,
}

/// The JWT secret [`LambdaProcess::http_function`] gives the function.
pub const JWT_SECRET: &str = "s";

impl LambdaProcess {
    /// A route-group function's `binary` as a Lambda on a fresh migrated database, with
    /// `PODIUM_JWT_SECRET` = [`JWT_SECRET`]; the database is dropped with the returned value.
    pub async fn http_function(binary: &str) -> (crate::TestDb, Self) {
        let db = crate::TestDb::migrated().await;
        let url = db.url().expose().to_owned();
        let function = Self::start(
            binary,
            &[
                ("PODIUM_DATABASE_URL", &url),
                ("PODIUM_JWT_SECRET", JWT_SECRET),
            ],
        )
        .await;
        (db, function)
    }

    /// Starts `binary` as a Lambda with `env` (plus the runtime's own variables).
    pub async fn start(binary: &str, env: &[(&str, &str)]) -> Self {
        Self::launch(env, None, |runtime| {
            let mut command = Command::new(binary);
            command.env_remove("DATABASE_URL");
            for (key, value) in runtime {
                command.env(key, value);
            }
            command
        })
        .await
    }

    /// Runs the container `image` (with podman, on the host's network) as a Lambda with `env`:
    /// what Lambda does with a container image.
    pub async fn start_image(image: &str, env: &[(&str, &str)]) -> Self {
        let name = format!("podium-lambda-{}", uuid::Uuid::new_v4().simple());
        let container = name.clone();
        Self::launch(env, Some(name), move |runtime| {
            let mut command = Command::new("podman");
            command.args(["run", "--rm", "--network", "host", "--name", &container]);
            for (key, value) in runtime {
                command.arg("--env").arg(format!("{key}={value}"));
            }
            command.arg(image);
            command
        })
        .await
    }

    async fn launch(
        env: &[(&str, &str)],
        container: Option<String>,
        command: impl FnOnce(&[(String, String)]) -> Command,
    ) -> Self {
        let (events, rx) = mpsc::channel(4);
        let next_polls = Polls::default();
        let (api, outcomes) = fake_runtime_polled(rx, Arc::clone(&next_polls)).await;
        let log_path = std::env::temp_dir().join(format!(
            "podium-lambda-{}-{}.log",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut runtime: Vec<(String, String)> = [
            ("AWS_LAMBDA_RUNTIME_API", api.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", "podium-test"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        runtime.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        // Both streams: the logs on stderr, the EMF metrics on stdout.
        let child = command(&runtime)
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start the function");
        Self {
            child,
            events,
            outcomes,
            log_path,
            next_polls,
            container,
        }
    }

    /// When the function asked for each invocation so far: the first at start, each later one
    /// once it had finished with the one before (whatever it does after answering, such as
    /// flushing its telemetry, happens before).
    pub fn next_polls(&self) -> Vec<Instant> {
        self.next_polls.lock().expect("lock").clone()
    }

    /// Waits (at most 30 s) until the function has asked for invocation number `n` (from 1).
    pub async fn wait_for_poll(&self, n: usize) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(at) = self.next_polls().get(n - 1) {
                return *at;
            }
            assert!(
                Instant::now() < deadline,
                "the function never asked for invocation {n}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The function process's peak resident memory so far, in KiB (`VmHWM` of
    /// `/proc/<pid>/status`; Linux only, `None` elsewhere or for a function in a container).
    pub fn peak_memory_kib(&self) -> Option<u64> {
        if self.container.is_some() {
            return None;
        }
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// Sends one event and waits for the function's answer.
    pub async fn invoke(&mut self, event: Value) -> Outcome {
        self.events.send(event).await.expect("queue event");
        tokio::time::timeout(Duration::from_secs(30), self.outcomes.recv())
            .await
            .expect("the function answered in time")
            .expect("an answer")
    }

    /// Stops the function and returns what it logged.
    pub fn stop(mut self) -> String {
        self.end();
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn end(&mut self) {
        if let Some(container) = self.container.take() {
            let _ = Command::new("podman")
                .args(["rm", "--force", "--time", "0", &container])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LambdaProcess {
    fn drop(&mut self) {
        self.end();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

/// A Lambda function-URL event (payload format 2.0).
pub fn function_url_event(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Value {
    let mut header_map = serde_json::Map::new();
    header_map.insert("host".into(), "abcdef.lambda-url.us-east-1.on.aws".into());
    for (name, value) in headers {
        header_map.insert((*name).to_owned(), (*value).into());
    }
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": header_map,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdef",
            "domainName": "abcdef.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abcdef",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "podium-tests" },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:07:00:00 +0000",
            "timeEpoch": 1_795_000_000_000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// A minimal Lambda Runtime API: hands out the events sent on `events`, reports what the
/// function posts back on the returned channel.
pub async fn fake_runtime(events: mpsc::Receiver<Value>) -> (String, mpsc::Receiver<Outcome>) {
    fake_runtime_polled(events, Polls::default()).await
}

/// [`fake_runtime`], noting in `polls` when each `…/invocation/next` arrives.
async fn fake_runtime_polled(
    mut events: mpsc::Receiver<Value>,
    polls: Polls,
) -> (String, mpsc::Receiver<Outcome>) {
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
                    polls.lock().expect("lock").push(Instant::now());
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
                    let (kind, body) = if path.ends_with("/error") {
                        (
                            "error",
                            serde_json::from_slice(&body).unwrap_or(Value::Null),
                        )
                    } else if let Some(streamed) = streamed(&body) {
                        ("stream", streamed)
                    } else {
                        (
                            "response",
                            serde_json::from_slice(&body).unwrap_or(Value::Null),
                        )
                    };
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

/// A streamed HTTP response as Lambda receives it: the prelude (JSON), eight NUL bytes, then
/// the body as the function wrote it.
fn streamed(posted: &[u8]) -> Option<Value> {
    const SEPARATOR: [u8; 8] = [0; 8];
    let at = posted.windows(8).position(|w| w == SEPARATOR)?;
    let prelude: Value = serde_json::from_slice(&posted[..at]).ok()?;
    let body = String::from_utf8_lossy(&posted[at + 8..]).into_owned();
    Some(serde_json::json!({ "prelude": prelude, "body": body }))
}

/// One HTTP/1.1 request off `stream`: method, path and body (by length or chunked); `None` at
/// the end of the connection. Shared with the fake Sentry.
pub(crate) async fn read_request(
    stream: &mut BufReader<TcpStream>,
) -> Option<(String, String, Vec<u8>)> {
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
            if size == 0 {
                // Trailers (a streamed error's type and body), then an empty line.
                loop {
                    let mut trailer = String::new();
                    stream.read_line(&mut trailer).await.ok()?;
                    if trailer.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).await.ok()?;
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
