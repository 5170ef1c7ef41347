//! `bench/http.sh`'s helper: sets up a benchmark database (an event with 50 projects and
//! enough voters that every ballot is accepted) and drives HTTP load at a fixed number of
//! connections, printing requests per second and p50/p99 latency.
//!
//!   bench_http setup URL                      → prints `EVENT_ID`
//!   bench_http load NAME BASE PATH CONNS SECS → one markdown table row
//!   bench_http fake-sentry PORT               → takes Sentry envelopes until killed; on
//!                                               SIGTERM prints how many arrived
//!
//! `load vote` posts ballots (each voter casts 3 distinct single-project ballots); other names
//! GET `PATH`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use podium_data::DatabaseUrl;
use podium_http::jwt::{self, JwtSecret};
use podium_migrations::{Migrator, Settings};

/// The secret the benchmark's `events` process is started with.
const SECRET: &str = "bench-secret";
const PROJECTS: usize = 50;
const VOTERS: usize = 60_000;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["setup", url] => setup(url).await,
        ["token", email] => {
            // An access token of the bench's secret, for wrk's Authorization header.
            println!("{}", JwtSecret::new(SECRET).issue(email, jwt::ACCESS, 60).0);
            ExitCode::SUCCESS
        }
        ["fake-sentry", port] => {
            let Ok(port) = port.parse() else {
                eprintln!("PORT is a number");
                return ExitCode::from(2);
            };
            fake_sentry(port).await
        }
        ["load", name, base, path, conns, secs] => {
            let (Ok(conns), Ok(secs)) = (conns.parse(), secs.parse()) else {
                eprintln!("CONNS and SECS are numbers");
                return ExitCode::from(2);
            };
            load(name, base, path, conns, Duration::from_secs(secs)).await
        }
        _ => {
            eprintln!(
                "usage: bench_http setup URL | bench_http token EMAIL | bench_http load NAME BASE PATH CONNS SECS"
            );
            ExitCode::from(2)
        }
    }
}

async fn setup(url: &str) -> ExitCode {
    let url: DatabaseUrl = match url.parse() {
        Ok(url) => url,
        Err(e) => {
            eprintln!("bad URL: {e}");
            return ExitCode::from(2);
        }
    };
    let mut conn = podium_data::db::connect(&url, "podium-bench")
        .await
        .expect("connect");
    Migrator::embedded(Settings::default())
        .up(&mut conn, None)
        .await
        .expect("migrate");
    let statements = [
        "TRUNCATE users, events, projects, votes, referrals, event_attendees, project_collaborators CASCADE".to_owned(),
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country)
         SELECT gen_random_uuid(), 'user' || n || '@bench.example', 'User ' || n, 'User', '', '', '', '', '', '', '', ''
         FROM generate_series(0, 60100) n".to_owned(),
        "INSERT INTO events (id, name, slug, description, join_code, phase, live_leaderboard, demo_links_optional,
                             ysws_checks_enabled, feature_flags_csv, owner_id)
         SELECT gen_random_uuid(), 'Bench', 'bench', 'The benchmark event', 'BNCH', 'voting', true, true, false, '', id
         FROM users WHERE email = 'user0@bench.example'".to_owned(),
        "INSERT INTO event_attendees (event_id, user_id) SELECT e.id, u.id FROM events e, users u".to_owned(),
        format!(
            "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent, points, owner_id, event_id)
             SELECT gen_random_uuid(), 'Project ' || n, 'https://github.com/bench/p' || n, '', 'https://demo.example/' || n,
                    'A project', 'P' || lpad(n::text, 3, '0'), 10, 0, u.id, e.id
             FROM generate_series(1, {PROJECTS}) n
             JOIN users u ON u.email = 'user' || (60000 + n) || '@bench.example', events e"
        ),
        // History, as a live database has: a past event whose 60 000 votes give the planner
        // real statistics for `votes` (analysed empty, its cached plans would scan it whole).
        "INSERT INTO events (id, name, slug, description, join_code, phase, demo_links_optional,
                             ysws_checks_enabled, feature_flags_csv, owner_id)
         SELECT gen_random_uuid(), 'Past', 'past', '', 'PAST', 'closed', true, false, '', id
         FROM users WHERE email = 'user0@bench.example'".to_owned(),
        "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent, points, owner_id, event_id)
         SELECT gen_random_uuid(), 'Past ' || n, '', '', '', '', 'Q' || lpad(n::text, 3, '0'), 0, 0, u.id, e.id
         FROM generate_series(1, 50) n, users u, events e
         WHERE u.email = 'user1@bench.example' AND e.slug = 'past'".to_owned(),
        "INSERT INTO votes (id, voter_id, project_id, event_id)
         SELECT gen_random_uuid(), u.id, p.id, p.event_id
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM users) u
         JOIN (SELECT id, event_id, row_number() OVER (ORDER BY id) AS r FROM projects WHERE name LIKE 'Past %') p
           ON p.r = u.r % 50 + 1".to_owned(),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("seed");
    }
    let event: String = sqlx::query_scalar("SELECT id::text FROM events WHERE slug = 'bench'")
        .fetch_one(&mut conn)
        .await
        .expect("event");
    println!("{event}");
    ExitCode::SUCCESS
}

async fn load(name: &str, base: &str, path: &str, conns: usize, duration: Duration) -> ExitCode {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .build()
        .expect("client");
    let vote = *name == *"vote";
    let (event, projects) = if vote {
        // The event and its projects, from the public API.
        let event: String = client
            .get(format!("{base}/events/id/bench"))
            .send()
            .await
            .expect("event")
            .json()
            .await
            .expect("json");
        let list: Vec<serde_json::Value> = client
            .get(format!("{base}/events/{event}/projects?leaderboard=false"))
            .send()
            .await
            .expect("projects")
            .json()
            .await
            .expect("json");
        let ids: Vec<String> = list
            .iter()
            .filter_map(|p| p["id"].as_str().map(str::to_owned))
            .collect();
        (event, ids)
    } else {
        (String::new(), Vec::new())
    };
    let secret = Arc::new(JwtSecret::new(SECRET));
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + duration;
    let workers = (0..conns).map(|_| {
        let (client, next, secret) = (client.clone(), next.clone(), secret.clone());
        let (event, projects) = (event.clone(), projects.clone());
        let url = format!("{base}{path}");
        async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            while Instant::now() < deadline {
                let request = if vote {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let voter = 1 + (k / 3) % VOTERS;
                    let project = &projects[(k % 3 + voter) % projects.len()];
                    let token = secret
                        .issue(&format!("user{voter}@bench.example"), jwt::ACCESS, 60)
                        .0;
                    client
                        .post(&url)
                        .bearer_auth(token)
                        .json(&serde_json::json!({"event": event, "projects": [project]}))
                } else {
                    client.get(&url)
                };
                let started = Instant::now();
                match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let _ = response.bytes().await;
                        if ok {
                            latencies.push(started.elapsed());
                        } else {
                            failures += 1;
                        }
                    }
                    Err(_) => failures += 1,
                }
            }
            (latencies, failures)
        }
    });
    let results = futures_util::future::join_all(workers).await;
    let mut latencies: Vec<Duration> = Vec::new();
    let mut failures = 0;
    for (l, f) in results {
        latencies.extend(l);
        failures += f;
    }
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let rps = latencies.len() as f64 / duration.as_secs_f64();
    println!(
        "| {name} | {conns} | {rps:.0} | {:.2} | {:.2} | {failures} |",
        pick(0.50),
        pick(0.99)
    );
    if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Sentry's envelope endpoint at its cheapest: reads each request's body (by content-length)
/// and answers 200, counting envelopes; prints the count when terminated.
async fn fake_sentry(port: u16) -> ExitCode {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
        eprintln!("cannot listen on {port}");
        return ExitCode::FAILURE;
    };
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    let accepting = async move {
        while let Ok((stream, _)) = listener.accept().await {
            let count = Arc::clone(&counted);
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let header = line.trim_end().to_ascii_lowercase();
                        if header.is_empty() {
                            break;
                        }
                        if let Some(v) = header.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                    let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                    if stream.get_mut().write_all(ok).await.is_err() {
                        return;
                    }
                }
            });
        }
    };
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return ExitCode::FAILURE,
        };
    tokio::select! {
        () = accepting => {}
        _ = terminate.recv() => {}
    }
    println!("{}", count.load(Ordering::Relaxed));
    ExitCode::SUCCESS
}
