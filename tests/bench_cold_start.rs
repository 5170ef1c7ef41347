//! `bench/cold-start.sh`'s helper: starts a function binary (plain HTTP mode, its environment
//! inherited) RUNS times and measures, each time, from spawning the process to the first answered
//! request for PATH (connection attempts every 100 µs until the server listens).
//!
//!   bench_cold_start NAME BINARY PATH RUNS   → one markdown table row (ms)
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, binary, path, runs] = args.as_slice() else {
        eprintln!("usage: bench_cold_start NAME BINARY PATH RUNS");
        return ExitCode::from(2);
    };
    let runs: usize = runs.parse().unwrap_or(20);
    let mut times = Vec::new();
    let mut status = String::new();
    for run in 0..runs {
        let port = 20_000 + (std::process::id() as usize * 7 + run) % 20_000;
        let started = Instant::now();
        let Ok(mut child) = Command::new(binary)
            .env("PORT", port.to_string())
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            eprintln!("cannot start {binary}");
            return ExitCode::FAILURE;
        };
        let answer = loop {
            if started.elapsed() > Duration::from_secs(10) {
                break None;
            }
            let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port as u16)) else {
                std::thread::sleep(Duration::from_micros(100));
                continue;
            };
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let mut response = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut response).is_ok()
                && !response.is_empty()
            {
                break Some(response);
            }
        };
        let elapsed = started.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        let Some(response) = answer else {
            eprintln!("{name}: no answer within 10 s");
            return ExitCode::FAILURE;
        };
        status = response.lines().next().unwrap_or_default().to_owned();
        times.push(elapsed.as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    println!(
        "| {name} | `{path}` | {} | {median:.1} | {:.1} | {max:.1} |",
        status.trim_start_matches("HTTP/1.1 "),
        times[0]
    );
    ExitCode::SUCCESS
}
