//! `bench/validate.sh`: how long a burst of 500 queued validations takes to drain, against fake
//! GitHub and itch.io servers that answer after a delay like the real ones' round trip. Needs
//! DATABASE_URL (a server where it may create a database).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

/// The allocator the `validate` function runs with (its `main.rs`), so the drain is measured as deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::http::StatusCode;
use podium_data::DatabaseUrl;
use podium_validation::{Validators, Worker};

const PROJECTS: usize = 500;

async fn fakes(latency: Duration) -> String {
    let router = axum::Router::new()
        .route(
            "/repos/{owner}/{repo}",
            axum::routing::get(move || async move {
                tokio::time::sleep(latency).await;
                StatusCode::OK
            }),
        )
        .route(
            "/{game}",
            axum::routing::get(move || async move {
                tokio::time::sleep(latency).await;
                axum::response::Html(r#"<div class="game_frame"></div>"#)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

#[tokio::main]
async fn main() {
    let base: DatabaseUrl = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL")
        .parse()
        .unwrap();
    let admin = podium_data::db::lazy_pool(&base, "bench", 1);
    for sql in [
        "DROP DATABASE IF EXISTS podium_validate_bench WITH (FORCE)",
        "CREATE DATABASE podium_validate_bench",
    ] {
        sqlx::raw_sql(sql).execute(&admin).await.unwrap();
    }
    let url = base.with_database("podium_validate_bench");
    let mut conn = podium_data::db::connect(&url, "bench").await.unwrap();
    podium_migrations::Migrator::embedded(podium_migrations::Settings::default())
        .up(&mut conn, None)
        .await
        .unwrap();
    println!("| workers | batch each | fake latency | 500 jobs drained in | jobs/s |");
    println!("|---|---|---|---|---|");
    for (workers, latency_ms) in [(1, 50), (2, 50), (2, 200)] {
        // PROJECTS is a constant: nothing outside reaches this SQL.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "TRUNCATE users, events, projects, validation_jobs CASCADE;
             INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                                street_2, city, state, zip_code, country)
             VALUES ('00000000-0000-0000-0000-0000000000aa', 'm@example.com', 'M', 'M', '', '', '',
                     '', '', '', '', '');
             INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                                 ysws_checks_enabled, feature_flags_csv, owner_id, repo_validation,
                                 demo_validation)
             VALUES ('00000000-0000-0000-0000-0000000000ee', 'E', 'e', '', 'EEEE', true, false, '',
                     '00000000-0000-0000-0000-0000000000aa', 'github', 'itch');
             INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                                   hours_spent, points, owner_id, event_id)
             SELECT gen_random_uuid(), 'P' || n, 'https://github.com/o/r' || n, '',
                    'http://u' || n || '.itch.io/game', '', 'J' || n, 0, 0,
                    '00000000-0000-0000-0000-0000000000aa', '00000000-0000-0000-0000-0000000000ee'
             FROM generate_series(1, {PROJECTS}) n;
             INSERT INTO validation_jobs (project_id) SELECT id FROM projects;"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        let fake = fakes(Duration::from_millis(latency_ms)).await;
        let pool = podium_data::db::lazy_pool(&url, "bench", 2 * workers);
        let worker = Worker {
            pool: pool.clone(),
            // The fakes listen on 127.0.0.1 (PODIUM_OUTBOUND_ALLOW_LOOPBACK=1).
            validators: Validators::with_egress(
                &fake,
                None,
                Some(&fake),
                Duration::from_secs(10),
                podium_runtime::outbound::Egress::PublicAndLoopback,
            )
            .unwrap(),
            max_attempts: 5,
            lease: Duration::from_secs(60),
            backoff: Duration::from_secs(10),
            batch: 8,
            // One owner's 500 projects: the per-owner budget would hold all but 10 back.
            owner_budget: podium_data::rate_limits::Limit {
                max: i64::MAX,
                window_seconds: 60,
            },
        };
        let started = Instant::now();
        let runs: Vec<_> = (0..workers)
            .map(|_| {
                let worker = worker.clone();
                tokio::spawn(async move { worker.drain(None).await.unwrap() })
            })
            .collect();
        let mut validated = 0;
        for run in runs {
            validated += run.await.unwrap().validated;
        }
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(validated, PROJECTS);
        let left: i64 =
            sqlx::query_scalar("SELECT count(*) FROM projects WHERE validation_status <> 'valid'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(left, 0);
        println!(
            "| {workers} | 8 | {latency_ms} ms | {seconds:.2} s | {:.0} |",
            PROJECTS as f64 / seconds
        );
    }
}
