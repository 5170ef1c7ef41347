//! End to end over real HTTP: `cargo lambda watch` serves every function behind one origin,
//! routed by the table in Cargo.toml, exactly as `make dev` runs it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::http::TestApp;

/// `cargo lambda watch` in its own process group, stopped with all its functions on drop.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn fake_loops() -> (String, tokio::sync::mpsc::Receiver<Value>) {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let router = axum::Router::new().route(
        "/transactional",
        axum::routing::post(move |body: axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body.0).await;
                axum::Json(json!({"success": true}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/transactional",
        listener.local_addr().expect("address")
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, rx)
}

#[tokio::test]
async fn a_new_user_signs_up_gets_a_link_verifies_it_and_reads_their_profile_through_one_origin() {
    let t = TestApp::new().await;
    let (loops_url, mut mails) = fake_loops().await;
    let port = free_port();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let database_url = t.db.url().expose().to_owned();
    let child = {
        use std::os::unix::process::CommandExt;
        Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "--disable-cors",
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .current_dir(root)
            .env("PODIUM_DATABASE_URL", &database_url)
            .env("PODIUM_JWT_SECRET", crate::http::SECRET)
            .env("PODIUM_LOOPS_API_KEY", "e2e-key")
            .env("PODIUM_LOOPS_URL", &loops_url)
            .env("PODIUM_PRODUCTION_URL", "https://podium.example")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("cargo lambda watch (installed by `make test` with pip install cargo-lambda)")
    };
    let _watch = Watch(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");

    // The emulator listens first; each function compiles and starts on its first request.
    let started = Instant::now();
    let signup = loop {
        let attempt = client
            .post(format!("{base}/users/"))
            .header("origin", "https://podium.example")
            .json(&json!({"id": "", "email": "New@Example.com", "first_name": "New", "last_name": "User", "country": "US", "dob": "2000-01-02"}))
            .send()
            .await;
        match attempt {
            Ok(response) => break response,
            Err(_) if started.elapsed() < Duration::from_secs(120) => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            Err(err) => panic!("cargo lambda watch did not answer: {err}"),
        }
    };
    assert_eq!(signup.status(), StatusCode::OK);
    let origins: Vec<_> = signup
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .collect();
    assert_eq!(origins, ["*"], "CORS is ours alone");
    let user_id = signup.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let exists = client
        .get(format!("{base}/users/exists?email=new@example.com"))
        .send()
        .await
        .expect("exists");
    assert_eq!(
        exists.json::<Value>().await.expect("json"),
        json!({"exists": true})
    );

    let login = client
        .post(format!("{base}/request-login?redirect=/events"))
        .json(&json!({"email": "new@example.com"}))
        .send()
        .await
        .expect("login");
    assert_eq!(
        (login.status(), login.text().await.expect("text")),
        (StatusCode::OK, "null".to_owned())
    );
    let mail = tokio::time::timeout(Duration::from_secs(10), mails.recv())
        .await
        .expect("mail sent")
        .expect("mail");
    let link = mail["dataVariables"]["auth_link"].as_str().expect("link");
    let token = link
        .strip_prefix("https://podium.example/login?token=")
        .and_then(|l| l.split('&').next())
        .expect("token");
    assert!(link.ends_with("&redirect=%2Fevents"), "{link}");

    let verified: Value = client
        .get(format!("{base}/verify?token={token}"))
        .send()
        .await
        .expect("verify")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (&verified["token_type"], &verified["user"]["id"]),
        (&json!("access"), &json!(user_id))
    );
    let access = verified["access_token"].as_str().expect("access token");
    let replay = client
        .get(format!("{base}/verify?token={token}"))
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);

    let preflight = client
        .request(reqwest::Method::OPTIONS, format!("{base}/users/current"))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "authorization,ngrok-skip-browser-warning",
        )
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), StatusCode::OK);
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-headers")
            .map(|v| v.as_bytes()),
        Some(&b"authorization,ngrok-skip-browser-warning"[..])
    );

    let me: Value = client
        .get(format!("{base}/users/current"))
        .bearer_auth(access)
        .header("ngrok-skip-browser-warning", "hi")
        .send()
        .await
        .expect("current")
        .json()
        .await
        .expect("json");
    assert_eq!(
        me,
        json!({"id": user_id, "display_name": "", "email": "new@example.com", "first_name": "New", "last_name": "User", "phone": ""})
    );
}
