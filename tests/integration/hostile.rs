//! Hostile requests against the real function binaries, as an attacker sends them: what they
//! cost the process (its peak memory, `VmHWM`), not only what they answer.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{SECRET, TestApp};

/// A function binary serving plain HTTP on its own port; killed on drop.
struct Function {
    name: &'static str,
    child: Child,
    base: String,
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Function {
    /// The process's peak resident memory so far, in KiB.
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }
}

/// The route-group binaries (and the operator console), built (debug) if they are not yet: the
/// same files `make dev` runs.
pub(crate) fn binaries() -> PathBuf {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let built = Command::new(env!("CARGO"))
        .args([
            "build", "-q", "-p", "auth", "-p", "users", "-p", "events", "-p", "admin",
        ])
        .args([
            "-p",
            "projects",
            "-p",
            "superadmin",
            "-p",
            "migrate",
            "-p",
            "podium-console",
        ])
        .current_dir(&root)
        .status()
        .expect("cargo build");
    assert!(built.success(), "building the function binaries failed");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("debug")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn start(bin: &std::path::Path, name: &'static str, database_url: &str) -> Function {
    let port = free_port();
    let child = Command::new(bin.join(name))
        .env_clear()
        .env("PORT", port.to_string())
        .env("PODIUM_DATABASE_URL", database_url)
        .env("PODIUM_JWT_SECRET", SECRET)
        .env("PODIUM_VALIDATION_WORKER", "off")
        .env("PODIUM_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the function");
    let function = Function {
        name,
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{name} did not listen"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    function
}

/// `(method, path)` of every operation of ours that takes a JSON body, with its required query
/// parameters given (empty), so the body is what the route reads next.
fn body_routes() -> Vec<(String, String)> {
    let doc: Value =
        serde_json::from_str(include_str!("../../openapi.json")).expect("openapi.json");
    let mut routes = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            if operation.get("requestBody").is_some() {
                let query: Vec<String> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query" && p["required"] == true)
                    .map(|p| format!("{}=", p["name"].as_str().unwrap_or_default()))
                    .collect();
                let path = if query.is_empty() {
                    path.clone()
                } else {
                    format!("{path}?{}", query.join("&"))
                };
                routes.push((method.to_uppercase(), path));
            }
        }
    }
    routes
}

#[tokio::test]
async fn hostile_bodies_on_every_body_route_answer_4xx_and_keep_each_functions_peak_memory_bounded()
{
    let t = TestApp::new().await;
    let (token, _) = t.superadmin_person("boss@example.com").await;
    let (event, code) = t.event(&token, "Target").await;
    t.attend(&token, &code).await;
    let (project, _) = t.project(&token, event, "Aim").await;
    let bin = binaries();
    let url = t.db.url().expose().to_owned();
    let mut functions = Vec::new();
    for name in ["auth", "users", "events", "admin", "projects", "superadmin"] {
        functions.push(start(&bin, name, &url).await);
    }
    let client = reqwest::Client::new();
    let routes = gateway::Routes::from_table().expect("router table");
    let hostile = [
        "[".repeat(2_000_000),
        "{\"a\":".repeat(400_000),
        format!("{{\"name\":{}", "[".repeat(1_999_000)),
    ];
    let body_routes = body_routes();
    assert!(body_routes.len() >= 14, "{body_routes:?}");

    // Warm each function up (pool, first allocations), then take its peak as the baseline.
    for function in &functions {
        let _ = client
            .get(format!("{}/healthz", function.base))
            .send()
            .await;
    }
    for (method, template) in &body_routes {
        let path = template
            .replace("{event_id}", &event.to_string())
            .replace("{project_id}", &project.to_string());
        let function = routes.function_for(path.split('?').next().unwrap_or_default());
        let target = functions
            .iter()
            .find(|f| f.name == function)
            .expect("a function for every body route");
        let small = client
            .request(
                method.parse().expect("method"),
                format!("{}{path}", target.base),
            )
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("warm-up");
        assert!(small.status() != StatusCode::INTERNAL_SERVER_ERROR);
    }
    let baseline: Vec<u64> = functions.iter().map(Function::peak_kib).collect();

    for (method, template) in &body_routes {
        let path = template
            .replace("{event_id}", &event.to_string())
            .replace("{project_id}", &project.to_string());
        let function = routes.function_for(path.split('?').next().unwrap_or_default());
        let target = functions
            .iter()
            .find(|f| f.name == function)
            .expect("function");
        for body in &hostile {
            let started = Instant::now();
            let response = client
                .request(
                    method.parse().expect("method"),
                    format!("{}{path}", target.base),
                )
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("hostile request");
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            assert!(
                status.is_client_error(),
                "{method} {template}: {status} {text}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{method} {template} took {:?}",
                started.elapsed()
            );
        }
    }
    for (function, before) in functions.iter().zip(&baseline) {
        let grew = function.peak_kib().saturating_sub(*before);
        // Three 2 MB bodies (and their copies on the way in) and nothing proportional to their
        // nesting: before the fix one of them grew a function by ~300 MB.
        assert!(
            grew < 24 * 1024,
            "{}'s peak memory grew by {grew} KiB for hostile bodies",
            function.name
        );
    }
}
