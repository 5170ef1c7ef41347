//! `POST /projects/validate` is limited to 10 a minute per user across every instance: two
//! projects processes on one database share the window (the original counted per process).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use podium_http::jwt::{self, JwtSecret};
use podium_testing::TestDb;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start(db: &TestDb, port: u16) -> Server {
    Server(
        Command::new(env!("CARGO_BIN_EXE_projects"))
            .env_remove("DATABASE_URL")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env("PODIUM_DATABASE_URL", db.url().expose())
            .env("PODIUM_JWT_SECRET", "rate-secret")
            .env("PODIUM_VALIDATION_WORKER", "off")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start projects"),
    )
}

#[tokio::test]
async fn two_instances_share_one_window_per_user() {
    let db = TestDb::migrated().await;
    let mut conn = db.connect().await;
    sqlx::raw_sql(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country)
         VALUES ('00000000-0000-0000-0000-0000000000aa', 'maker@example.com', 'M', 'M', '', '', '',
                 '', '', '', '', ''),
                ('00000000-0000-0000-0000-0000000000bb', 'other@example.com', 'O', 'O', '', '', '',
                 '', '', '', '', '');
         INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                             ysws_checks_enabled, feature_flags_csv, owner_id)
         VALUES ('00000000-0000-0000-0000-0000000000ee', 'E', 'e', '', 'EEEE', true, false, '',
                 '00000000-0000-0000-0000-0000000000aa');
         INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                               hours_spent, points, owner_id, event_id)
         VALUES ('00000000-0000-0000-0000-0000000000cc', 'P', '', '', '', '', 'PPPP', 0, 0,
                 '00000000-0000-0000-0000-0000000000aa', '00000000-0000-0000-0000-0000000000ee');",
    )
    .execute(&mut conn)
    .await
    .expect("data");
    let ports = [free_port(), free_port()];
    let _servers = [start(&db, ports[0]), start(&db, ports[1])];
    let client = reqwest::Client::new();
    let secret = JwtSecret::new("rate-secret");
    let token = |email: &str| secret.issue(email, jwt::ACCESS, 60).0;
    let validate = |port: u16, token: String| {
        let client = client.clone();
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            loop {
                let sent = client
                    .post(format!(
                        "http://127.0.0.1:{port}/projects/validate?project_id=00000000-0000-0000-0000-0000000000cc"
                    ))
                    .bearer_auth(&token)
                    // Spoofing the client address changes nothing: the key is the user.
                    .header("x-forwarded-for", format!("10.0.0.{port}"))
                    .send()
                    .await;
                match sent {
                    Ok(response) => return response,
                    Err(_) if std::time::Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(err) => panic!("the function did not start: {err}"),
                }
            }
        }
    };
    let mut statuses = Vec::new();
    for i in 0..12 {
        let response = validate(ports[i % 2], token("maker@example.com")).await;
        let status = response.status().as_u16();
        if status == 429 {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=60).contains(&retry));
            assert_eq!(
                response.text().await.expect("body"),
                r#"{"detail":"Rate limit exceeded: 10 per 1 minute"}"#
            );
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [[200; 10].as_slice(), &[429, 429]].concat());
    // Someone else's requests are counted apart (and a stranger's 403 is still an answer).
    let other = validate(ports[1], token("other@example.com")).await;
    assert_eq!(other.status().as_u16(), 403);
}
