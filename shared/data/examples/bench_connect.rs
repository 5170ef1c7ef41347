//! `bench/tls-connect.sh`: how long opening a connection to PostgreSQL takes, with and without
//! TLS (`sslmode=require` / `disable`), 20 times each in one process; the first is the cold start's.
//! Needs DATABASE_URL (a server with TLS on).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};

async fn times(options: &PgConnectOptions) -> Vec<Duration> {
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let mut conn = PgConnection::connect_with(options).await.unwrap();
        sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
        times.push(started.elapsed());
        conn.close().await.unwrap();
    }
    times
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let base: PgConnectOptions = url.parse().unwrap();
    println!("| sslmode | first connection + SELECT 1 | median of 20 | max |");
    println!("|---|---|---|---|");
    for (name, mode) in [
        ("require", PgSslMode::Require),
        ("disable", PgSslMode::Disable),
    ] {
        let mut list = times(&base.clone().ssl_mode(mode)).await;
        let first = list[0];
        list.sort();
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} ms |",
            first.as_secs_f64() * 1000.0,
            list[list.len() / 2].as_secs_f64() * 1000.0,
            list[list.len() - 1].as_secs_f64() * 1000.0
        );
    }
}
