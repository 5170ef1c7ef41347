//! The self-hosting stack for real: compose.yaml brought up with podman from the images `make
//! image` builds, in a scratch directory with its own project name, port and `.env`; the
//! organizer-and-hacker journey driven through its gateway; everything torn down after.
//! Ignored by `make test` (it needs podman and release images): `make stack-test` (CI) builds
//! the images and runs it.

use std::net::{IpAddr, UdpSocket};
use std::path::PathBuf;
use std::process::Command;

use crate::e2e::{fake_github, fake_loops, journey};
use crate::signin::fake_hackclub_on;

/// This machine's address on its default route: reachable from the containers (through their
/// bridge) and from the test alike, so the fakes listen there.
fn host_address() -> IpAddr {
    let socket = UdpSocket::bind("0.0.0.0:0").expect("udp socket");
    // Connecting a UDP socket sends nothing; it only picks the route and the local address.
    socket.connect("203.0.113.1:9").expect("a default route");
    socket.local_addr().expect("local address").ip()
}

fn repository() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `scripts/stack` for this test's project.
fn stack(dir: &std::path::Path, project: &str, command: &str) -> Command {
    let mut stack = Command::new(repository().join("scripts/stack"));
    stack
        .arg(command)
        .env("STACK_DIR", dir)
        .env("PODIUM_STACK_PROJECT", project)
        .env("SKIP_IMAGE", "1")
        .env("VOLUMES", "1");
    stack
}

/// Takes the stack down (containers, network, database volume) however the test ends.
struct Down {
    dir: PathBuf,
    project: String,
}

impl Drop for Down {
    fn drop(&mut self) {
        let _ = stack(&self.dir, &self.project, "down").status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
#[ignore = "needs podman and the images: make stack-test"]
async fn the_organizer_and_hacker_journey_runs_through_the_container_stack() {
    let host = host_address();
    let (loops_url, mut mails) = fake_loops(host).await;
    let github_url = fake_github(host).await;
    let (hackclub_url, _) = fake_hackclub_on(host).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let project = format!("podium-test-{}", std::process::id());
    let dir = std::env::temp_dir().join(&project);
    std::fs::create_dir_all(&dir).expect("stack directory");
    std::fs::copy(repository().join("compose.yaml"), dir.join("compose.yaml"))
        .expect("compose.yaml");
    let secret = || uuid::Uuid::new_v4().simple().to_string();
    let mut settings = vec![
        ("POSTGRES_PASSWORD", secret()),
        ("PODIUM_JWT_SECRET", crate::helpers::SECRET.to_owned()),
        ("PODIUM_CDN_SECRET", secret()),
        ("PODIUM_ENV", "production".to_owned()),
        ("PODIUM_TURNSTILE_DISABLED", "1".to_owned()),
        ("PODIUM_PRODUCTION_URL", "https://podium.example".to_owned()),
        ("PODIUM_PUBLIC_API_URL", format!("http://127.0.0.1:{port}")),
        ("PODIUM_PORT", port.to_string()),
        ("PODIUM_LOOPS_API_KEY", "e2e-key".to_owned()),
        ("PODIUM_LOOPS_URL", loops_url),
        ("PODIUM_GITHUB_API_URL", github_url),
        ("PODIUM_HACKCLUB_CLIENT_ID", "podium-dev".to_owned()),
        (
            "PODIUM_HACKCLUB_CLIENT_SECRET",
            "podium-dev-secret".to_owned(),
        ),
        ("PODIUM_HACKCLUB_AUTH_URL", hackclub_url.clone()),
    ];
    // Unset: `scripts/stack` uses postgres:17, or where no registry answers (here), builds
    // PostgreSQL 17 from Debian's packages, as `make stack` does.
    if let Ok(image) = std::env::var("PODIUM_TEST_POSTGRES_IMAGE") {
        settings.push(("PODIUM_POSTGRES_IMAGE", image));
    }
    let env: String = settings
        .iter()
        .map(|(name, value)| format!("{name}={value}\n"))
        .collect();
    std::fs::write(dir.join(".env"), env).expect(".env");
    let _down = Down {
        dir: dir.clone(),
        project: project.clone(),
    };

    let up = stack(&dir, &project, "up").status().expect("scripts/stack");
    assert!(up.success(), "the stack did not come up healthy");
    let base = format!("http://127.0.0.1:{port}");
    journey(&base, &mut mails, &hackclub_url).await;

    // The gateway, like the CDN, tells the functions the viewer's address itself: a client's
    // own claim (even with a guessed secret) is replaced, so per-network limits key on the
    // connection the gateway saw.
    let spoofed = reqwest::Client::new()
        .post(format!("{base}/users/"))
        .header("x-podium-viewer-ip", "198.51.100.99")
        .header("x-podium-cdn-secret", "a guess")
        .json(&serde_json::json!({"email": "spoofer@example.com", "first_name": "Spoofer"}))
        .send()
        .await
        .expect("signup");
    assert_eq!(spoofed.status(), reqwest::StatusCode::OK);
    let buckets = psql(
        &project,
        "select string_agg(distinct bucket, ',') from rate_limit_hits where bucket like 'signup:%'",
    );
    assert!(!buckets.contains("198.51.100.99"), "{buckets}");
    assert!(
        buckets.starts_with("signup:") && !buckets.contains("unknown"),
        "keyed on the gateway's peer: {buckets}"
    );
}

/// A query run by `psql` inside the stack's database container.
fn psql(project: &str, sql: &str) -> String {
    let id = Command::new("podman")
        .args(["ps", "-q", "--filter"])
        .arg(format!("label=com.docker.compose.project={project}"))
        .args(["--filter", "label=com.docker.compose.service=db"])
        .output()
        .expect("podman ps");
    let id = String::from_utf8_lossy(&id.stdout).trim().to_owned();
    assert!(!id.is_empty(), "no database container");
    let out = Command::new("podman")
        .args([
            "exec", &id, "psql", "-U", "podium", "-d", "podium", "-Atc", sql,
        ])
        .output()
        .expect("podman exec psql");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// compose.yaml runs what the gateway routes to: a service per function of the router table
/// (plus the worker), each started after the migrations and, for the gateway, healthy first;
/// only the gateway publishes a port; every secret comes from `.env`.
#[test]
fn compose_yaml_runs_every_function_the_gateway_routes_to() {
    let text = std::fs::read_to_string(repository().join("compose.yaml")).expect("compose.yaml");
    let mut compose: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    compose.apply_merge().expect("merge keys");
    let services = compose["services"].as_mapping().expect("services");
    let names: std::collections::BTreeSet<&str> =
        services.keys().filter_map(|k| k.as_str()).collect();
    let routed = gateway::functions();
    let mut expected: std::collections::BTreeSet<&str> = routed.iter().copied().collect();
    expected.extend(["db", "migrate", "validate", "gateway"]);
    assert_eq!(names, expected);
    let image = |service: &str| {
        compose["services"][service]["image"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for function in routed.iter().copied().chain(["validate"]) {
        let service = &compose["services"][function];
        assert_eq!(
            image(function),
            format!(
                "${{PODIUM_IMAGE_PREFIX:-localhost/podium-}}{function}:${{PODIUM_IMAGE_TAG:-latest}}"
            )
        );
        assert_eq!(
            service["depends_on"]["migrate"]["condition"].as_str(),
            Some("service_completed_successfully"),
            "{function} starts after the migrations"
        );
        assert_eq!(service["env_file"][0].as_str(), Some(".env"), "{function}");
        assert_eq!(service["read_only"].as_bool(), Some(true), "{function}");
    }
    for function in &routed {
        assert_eq!(
            compose["services"]["gateway"]["depends_on"][*function]["condition"].as_str(),
            Some("service_healthy"),
            "the gateway waits for {function}"
        );
    }
    let published: Vec<&str> = services
        .iter()
        .filter(|(_, s)| s.get("ports").is_some())
        .filter_map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(published, ["gateway"]);
    assert_eq!(
        compose["services"]["projects"]["environment"]["PODIUM_VALIDATION_WORKER"].as_str(),
        Some("off"),
        "the validate service takes the jobs"
    );
    assert_eq!(
        compose["services"]["migrate"]["depends_on"]["db"]["condition"].as_str(),
        Some("service_healthy")
    );
    // Secrets are interpolated from .env, never written here.
    for secret in ["POSTGRES_PASSWORD", "PODIUM_CDN_SECRET"] {
        for (name, service) in services {
            if let Some(value) = service["environment"][secret].as_str() {
                assert!(
                    value.starts_with("${"),
                    "{name:?}: {secret} is not from .env"
                );
            }
        }
    }
    assert!(
        !text.contains("PODIUM_JWT_SECRET:"),
        "the JWT secret only in .env"
    );
}

/// Each function's image is also its Lambda container image: with `AWS_LAMBDA_RUNTIME_API` set
/// (as Lambda sets it) the same entrypoint serves function-URL invocations from the Runtime API
/// instead of listening on `$PORT`. Ignored like the stack test: it needs the images.
#[tokio::test]
#[ignore = "needs podman and the images: make stack-test"]
async fn the_images_serve_lambda_invocations_when_the_runtime_api_is_set() {
    use podium_testing::lambda::{LambdaProcess, function_url_event};
    let env = [
        // Never connected: neither request below reads the database.
        (
            "PODIUM_DATABASE_URL",
            "postgres://podium@127.0.0.1:9/podium",
        ),
        ("PODIUM_JWT_SECRET", crate::helpers::SECRET),
    ];
    let mut auth = LambdaProcess::start_image("localhost/podium-auth:latest", &env).await;
    let rejected = auth
        .invoke(function_url_event(
            "GET",
            "/verify",
            "token=not-a-token",
            &[],
            None,
        ))
        .await;
    assert_eq!(
        (rejected.kind, &rejected.body["statusCode"]),
        ("response", &serde_json::json!(400)),
        "{:?}",
        rejected.body
    );
    let health = auth
        .invoke(function_url_event("GET", "/healthz", "", &[], None))
        .await;
    assert_eq!(
        (&health.body["statusCode"], &health.body["body"]),
        (
            &serde_json::json!(200),
            &serde_json::json!(r#"{"status":"ok"}"#)
        )
    );
    let logs = auth.stop();
    // JSON lines, as on Lambda, with the invocation's request id.
    assert!(logs.contains(r#""request_id":"req-1""#), "{logs}");

    // What every image carries: labels naming its source and revision, a non-root user, and
    // no setting but the port (secrets come from the environment at run time).
    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(repository())
        .output()
        .expect("git");
    let commit = String::from_utf8_lossy(&commit.stdout).trim().to_owned();
    for function in gateway::functions()
        .into_iter()
        .chain(["validate", "gateway", "migrate", "backfill"])
    {
        let inspect = Command::new("podman")
            .args(["image", "inspect"])
            .arg(format!("localhost/podium-{function}:latest"))
            .output()
            .expect("podman image inspect");
        let image: serde_json::Value =
            serde_json::from_slice(&inspect.stdout).expect("podman image inspect's JSON");
        let config = &image[0]["Config"];
        let labels = &config["Labels"];
        assert_eq!(
            labels["org.opencontainers.image.title"],
            format!("podium-{function}")
        );
        assert!(
            labels["org.opencontainers.image.source"]
                .as_str()
                .is_some_and(|s| s.starts_with("https://")),
            "{labels}"
        );
        // The images are built from this checkout (CI builds them right before).
        assert!(
            labels["org.opencontainers.image.revision"]
                .as_str()
                .is_some_and(|r| r.starts_with(&commit)),
            "{function}: {labels} vs {commit}"
        );
        assert_eq!(config["User"], "65532:65532", "{function}");
        let env: Vec<&str> = config["Env"]
            .as_array()
            .expect("env")
            .iter()
            .filter_map(serde_json::Value::as_str)
            .filter(|e| !e.starts_with("PATH="))
            .collect();
        assert_eq!(env, ["PORT=8080"], "{function}");
        let health = image[0]["Healthcheck"]["Test"].clone();
        if ["migrate", "backfill"].contains(&function) {
            assert!(
                health.is_null(),
                "{function}: a one-shot job has no health check"
            );
        } else {
            assert_eq!(
                health,
                serde_json::json!(["CMD", "/usr/local/bin/podium", "health"]),
                "{function}"
            );
        }
    }
}
