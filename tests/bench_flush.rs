//! `bench/flush.sh`'s helper: runs a function binary as a Lambda behind the fake Runtime API and
//! times, per invocation, the answer (event handed out → response posted) and the gap after it
//! (response posted → the next invocation asked for, where the telemetry is flushed), without
//! Sentry, with a Sentry that answers at once, and with one that accepts connections and never
//! answers (an outage).
//!
//!   bench_flush BINARY RUNS   → a markdown table (ms)
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use podium_testing::lambda::{LambdaProcess, function_url_event};
use podium_testing::sentry::FakeSentry;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [binary, runs] = args.as_slice() else {
        eprintln!("usage: bench_flush BINARY RUNS");
        return ExitCode::from(2);
    };
    let runs: usize = runs.parse().unwrap_or(50);
    println!(
        "| Sentry | invocations | answer p50 ms | answer p99 ms | gap to next p50 ms | gap p99 ms |"
    );
    println!("|---|---|---|---|---|---|");
    let (up, down) = (FakeSentry::start().await, FakeSentry::unresponsive().await);
    for (name, dsn) in [
        ("none", None),
        ("answering (rate 1.0)", Some(up.dsn())),
        ("not answering (rate 1.0)", Some(down.dsn())),
    ] {
        let mut env = vec![
            (
                "PODIUM_DATABASE_URL",
                "postgres://bench@127.0.0.1:9/bench".to_owned(),
            ),
            ("PODIUM_JWT_SECRET", "bench-secret".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ];
        if let Some(dsn) = dsn {
            env.push(("PODIUM_SENTRY_DSN", dsn));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut function = LambdaProcess::start(binary, &env).await;
        let (mut answers, mut gaps) = (Vec::new(), Vec::new());
        for n in 0..runs {
            let sent = Instant::now();
            // A 422 answered without the database: the cost measured is ours alone.
            let outcome = function
                .invoke(function_url_event(
                    "GET",
                    "/events/not-a-uuid",
                    "",
                    &[],
                    None,
                ))
                .await;
            let answered = Instant::now();
            assert_eq!(outcome.body["statusCode"], 422);
            let next = function.wait_for_poll(n + 2).await;
            answers.push(answered - sent);
            gaps.push(next.saturating_duration_since(answered));
        }
        println!(
            "| {name} | {runs} | {:.2} | {:.2} | {:.2} | {:.2} |",
            ms(&mut answers, 50),
            ms(&mut answers, 99),
            ms(&mut gaps, 50),
            ms(&mut gaps, 99)
        );
        drop(function);
    }
    ExitCode::SUCCESS
}

fn ms(values: &mut [Duration], percentile: usize) -> f64 {
    values.sort();
    let at = (values.len() * percentile / 100).min(values.len().saturating_sub(1));
    values.get(at).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
