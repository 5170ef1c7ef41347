//! End to end over real HTTP: `cargo lambda watch` serves every function behind one origin,
//! routed by the table in Cargo.toml, exactly as `make dev` runs it.

use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// `cargo lambda watch` in its own process group, stopped with all its functions on drop.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A fake Loops on `ip` (loopback, or an address containers can reach).
pub(crate) async fn fake_loops(ip: IpAddr) -> (String, tokio::sync::mpsc::Receiver<Value>) {
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
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let url = format!(
        "http://{}/transactional",
        listener.local_addr().expect("address")
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, rx)
}

/// A fake GitHub API: every repository exists.
pub(crate) async fn fake_github(ip: IpAddr) -> String {
    let router = axum::Router::new().route(
        "/repos/{owner}/{repo}",
        axum::routing::get(|| async { axum::Json(json!({})) }),
    );
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

#[tokio::test]
async fn the_organizer_and_hacker_journey_runs_from_signup_to_leaderboard_through_one_origin() {
    let t = TestApp::new().await;
    watch_and_walk(t.db.url().expose()).await;
}

/// The same journey against the database `scripts/rehearse-cutover` restored and adopted (named
/// by `PODIUM_REHEARSAL_DATABASE_URL`): the functions serve a copy of production before the
/// switch, and the rehearsal then checks the original's rows came through untouched.
#[tokio::test]
#[ignore = "run by scripts/rehearse-cutover against the database it restored"]
async fn the_journey_runs_against_the_rehearsal_database() {
    let url = std::env::var("PODIUM_REHEARSAL_DATABASE_URL")
        .expect("PODIUM_REHEARSAL_DATABASE_URL names the rehearsal's database");
    watch_and_walk(&url).await;
}

/// Serves every function with `cargo lambda watch` on `database_url` and walks the journey.
async fn watch_and_walk(database_url: &str) {
    let loopback = IpAddr::from([127, 0, 0, 1]);
    let (loops_url, mut mails) = fake_loops(loopback).await;
    let github_url = fake_github(loopback).await;
    let (hackclub_url, _) = crate::signin::fake_hackclub_on(loopback).await;
    let port = free_port();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
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
            .env("PODIUM_DATABASE_URL", database_url)
            .env("PODIUM_JWT_SECRET", crate::helpers::SECRET)
            .env("PODIUM_LOOPS_API_KEY", "e2e-key")
            .env("PODIUM_LOOPS_URL", &loops_url)
            .env("PODIUM_PRODUCTION_URL", "https://podium.example")
            .env("PODIUM_GITHUB_API_URL", &github_url)
            // The fakes listen on 127.0.0.1, which validation refuses without this opt-in.
            .env("PODIUM_OUTBOUND_ALLOW_LOOPBACK", "1")
            .env("PODIUM_HACKCLUB_CLIENT_ID", "podium-dev")
            .env("PODIUM_HACKCLUB_CLIENT_SECRET", "podium-dev-secret")
            .env("PODIUM_HACKCLUB_AUTH_URL", &hackclub_url)
            .env("PODIUM_PUBLIC_API_URL", format!("http://127.0.0.1:{port}"))
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("cargo lambda watch (installed by `make test` with pip install cargo-lambda)")
    };
    let _watch = Watch(child);
    let base = format!("http://127.0.0.1:{port}");
    journey(&base, &mut mails, &hackclub_url).await;
}

/// The organizer-and-hacker journey against one origin at `base` (`cargo lambda watch` here,
/// the container stack's gateway in `stack.rs`), whose functions were started with the test
/// JWT secret, `https://podium.example` as the frontend, Loops sending to `mails`, a GitHub
/// where every repository exists, and the fake Hack Club at `hackclub_url`.
pub(crate) async fn journey(
    base: &str,
    mails: &mut tokio::sync::mpsc::Receiver<Value>,
    hackclub_url: &str,
) {
    let base = base.to_owned();
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
        json!({"id": user_id, "display_name": "New U.", "email": "new@example.com", "first_name": "New", "last_name": "User", "phone": "", "vote_ids": [], "has_ysws_pii": false, "is_superadmin": false})
    );
    // Section 5, organizer: create an event, list it, open its admin panel.
    let api = Api {
        client: client.clone(),
        base: base.clone(),
    };
    let organizer = access;
    let (status, created) = api
        .call(
            reqwest::Method::POST,
            "/events/",
            Some(organizer),
            Some(json!({"name": "Hack Night 2026", "description": "Build things"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let event = created["id"].as_str().expect("id").to_owned();
    let code = created["join_code"].as_str().expect("code").to_owned();
    assert_eq!(created["slug"], "hack-night-2026");
    let (_, mine) = api
        .call(reqwest::Method::GET, "/events/", Some(organizer), None)
        .await;
    assert_eq!(mine["owned_events"][0]["join_code"], json!(code));

    // Hacker: sign up, log in with an externally minted magic link, join by link with a referral.
    let (status, _) = api
        .call(reqwest::Method::POST, "/users/", None, Some(json!({"email": "hacker@example.com", "first_name": "Hacker", "display_name": "Hacker H."})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let magic = crate::helpers::magic_token("hacker@example.com");
    let (_, verified) = api
        .call(
            reqwest::Method::GET,
            &format!("/verify?token={magic}"),
            None,
            None,
        )
        .await;
    let hacker = verified["access_token"].as_str().expect("token").to_owned();
    let (status, joined) = api
        .call(
            reqwest::Method::POST,
            &format!(
                "/events/attend?join_code={}&referral=Joined%20from%20link",
                code.to_lowercase()
            ),
            Some(&hacker),
            None,
        )
        .await;
    assert_eq!(
        (status, &joined["event_id"]),
        (StatusCode::OK, &json!(event))
    );
    // The organizer joins their own event with the code, like anyone else.
    let (status, _) = api
        .call(
            reqwest::Method::POST,
            &format!("/events/attend?join_code={code}&referral="),
            Some(organizer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Both submit projects; the hacker lists and edits theirs by PUTting it back whole.
    let submit = |name: &str| json!({"name": name, "repo": "https://github.com/h/p", "image_url": "", "demo": "https://demo.example", "event_id": event});
    let (status, project) = api
        .call(
            reqwest::Method::POST,
            "/projects/",
            Some(&hacker),
            Some(submit("Rocket")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{project}");
    let (status, other) = api
        .call(
            reqwest::Method::POST,
            "/projects/",
            Some(organizer),
            Some(submit("Organizer's")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{other}");
    let (_, projects) = api
        .call(reqwest::Method::GET, "/projects/mine", Some(&hacker), None)
        .await;
    let mut whole = projects[0].clone();
    whole["description"] = json!("Now with fins");
    let path = format!("/projects/{}", project["id"].as_str().expect("id"));
    let (status, edited) = api
        .call(reqwest::Method::PUT, &path, Some(&hacker), Some(whole))
        .await;
    assert_eq!(
        (status, &edited["description"]),
        (StatusCode::OK, &json!("Now with fins"))
    );
    // As under `make dev`: the projects function's own worker validates the edited project by
    // itself (the event checks repositories on GitHub, here a fake).
    let started = Instant::now();
    loop {
        let (_, mine) = api
            .call(reqwest::Method::GET, "/projects/mine", Some(&hacker), None)
            .await;
        if mine[0]["validation_status"] != "pending" {
            assert_eq!(
                (
                    &mine[0]["validation_status"],
                    &mine[0]["validation_message"]
                ),
                (&json!("valid"), &json!(""))
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still pending: {mine}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The organizer opens voting by PUTting the whole event back.
    let (_, mut whole_event) = api
        .call(
            reqwest::Method::GET,
            &format!("/events/{event}"),
            None,
            None,
        )
        .await;
    whole_event["votable"] = json!(true);
    whole_event["owned"] = json!(true);
    let (status, _) = api
        .call(
            reqwest::Method::PUT,
            &format!("/events/{event}"),
            Some(organizer),
            Some(whole_event),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Hacker: resolve the event by slug, list its projects, vote.
    let (_, by_slug) = api
        .call(
            reqwest::Method::GET,
            "/events/id/hack-night-2026",
            None,
            None,
        )
        .await;
    assert_eq!(by_slug, json!(event));
    let (_, listed) = api
        .call(
            reqwest::Method::GET,
            &format!("/events/{event}/projects?leaderboard=false"),
            None,
            None,
        )
        .await;
    assert_eq!(listed.as_array().expect("list").len(), 2);
    let (status, voted) = api
        .call(
            reqwest::Method::POST,
            "/events/vote",
            Some(&hacker),
            Some(json!({"event": event, "projects": [other["id"]]})),
        )
        .await;
    assert_eq!(
        (status, voted),
        (StatusCode::OK, json!({"message": "Votes recorded"}))
    );

    // Organizer: the admin panel's four lists, then the public leaderboard once enabled.
    for (route, len) in [
        ("attendees", 2),
        ("leaderboard", 2),
        ("votes", 1),
        ("referrals", 1),
    ] {
        let (status, list) = api
            .call(
                reqwest::Method::GET,
                &format!("/events/admin/{event}/{route}"),
                Some(organizer),
                None,
            )
            .await;
        assert_eq!(
            (status, list.as_array().map(Vec::len)),
            (StatusCode::OK, Some(len)),
            "{route}"
        );
    }
    let (status, _) = api
        .call(
            reqwest::Method::PUT,
            &format!("/events/{event}"),
            Some(organizer),
            Some(json!({"leaderboard_enabled": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, board) = api
        .call(
            reqwest::Method::GET,
            &format!("/events/{event}/projects?leaderboard=true"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&board[0]["id"], &board[0]["points"]),
        (&other["id"], &json!(1))
    );

    // Organizer removes the hacker; the hacker's project stays.
    let (_, hacker_me) = api
        .call(reqwest::Method::GET, "/users/current", Some(&hacker), None)
        .await;
    let (status, _) = api
        .call(
            reqwest::Method::POST,
            &format!("/events/admin/{event}/remove-attendee"),
            Some(organizer),
            Some(json!({"user_id": hacker_me["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, attendees) = api
        .call(
            reqwest::Method::GET,
            &format!("/events/admin/{event}/attendees"),
            Some(organizer),
            None,
        )
        .await;
    assert_eq!(attendees.as_array().map(Vec::len), Some(1));

    // A newcomer signs in with Hack Club, as a browser would: the authorize redirect (and its
    // cookie), the provider's redirect back, the callback's redirect to the frontend, /verify.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser");
    let start = browser
        .get(format!("{base}/auth/hackclub"))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), StatusCode::TEMPORARY_REDIRECT);
    let cookie = start.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let authorize = start.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(authorize.starts_with(&format!(
        "{hackclub_url}/oauth/authorize?client_id=podium-dev&"
    )));
    let back = browser.get(&authorize).send().await.expect("provider");
    let callback = back.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(
        callback.starts_with(&format!("{base}/auth/hackclub/callback?code=")),
        "{callback}"
    );
    let landed = browser
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("callback");
    assert_eq!(
        landed.status(),
        StatusCode::TEMPORARY_REDIRECT,
        "{:?}",
        landed.text().await
    );
    let login = landed.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let token = login
        .strip_prefix("https://podium.example/login?token=")
        .expect("the frontend's login page");
    let (status, verified) = api
        .call(
            reqwest::Method::GET,
            &format!("/verify?token={token}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verified["user"]["email"], "new.hacker@example.com");
}

/// A client of the one local origin.
struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("ngrok-skip-browser-warning", "hi")
            .header(
                "authorization",
                format!("Bearer {}", token.unwrap_or_default()),
            );
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}
