//! What computing an event's results costs: `compute` (the bootstrap's full rounds and every
//! flag) over a made-up event of VOTERS voters and PROJECTS projects, and rendering its CSV and
//! HTML. Run through `bench/results.sh`, which pins it to one core. With REPORT_HTML=<path> it
//! also writes the made-up event's report there.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::time::{Duration, Instant};

use podium_data::EventId;
use podium_results::report::{self, Heading};
use podium_results::{DEFAULT_PLACES, compute, synthetic};
use uuid::Uuid;

fn var(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Vec<Duration>, T) {
    let mut out = Vec::with_capacity(runs);
    let mut last = f();
    for _ in 0..runs {
        let start = Instant::now();
        last = f();
        out.push(start.elapsed());
    }
    out.sort_unstable();
    (out, last)
}

fn show(what: &str, times: &[Duration]) {
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{what:<28} min {:>8.2?}  median {:>8.2?}  p95 {:>8.2?}  max {:>8.2?}",
        times[0],
        at(0.5),
        at(0.95),
        times[times.len() - 1]
    );
}

fn main() {
    let (voters, projects, runs) = (var("VOTERS", 1000), var("PROJECTS", 50), var("RUNS", 30));
    let input = synthetic::event(voters, projects, 1);
    let event = EventId(Uuid::from_u128(42));
    println!(
        "{voters} voters, {projects} projects, {} votes, {} rounds, {runs} runs",
        input.votes.len(),
        podium_results::bootstrap::ROUNDS
    );
    let indexed = podium_results::model::Event::new(&input);
    let ballots = indexed.ballots();
    let base = vec![0; input.projects.len()];
    let seed = podium_results::bootstrap::seed(event.0);
    let (times, _) = time(runs, || {
        podium_results::bootstrap::run(&ballots, &base, seed, podium_results::bootstrap::ROUNDS, 3)
    });
    show("bootstrap alone", &times);
    let (times, _) = time(runs, || podium_results::flags::all(&indexed).len());
    show("flags alone", &times);
    let (times, results) = time(runs, || compute(event, &input, DEFAULT_PLACES));
    show("compute (bootstrap + flags)", &times);
    println!(
        "  {} flags, {} too-close groups",
        results.flags.len(),
        results.too_close.len()
    );
    let name = format!("A made-up hackathon: {voters} voters, {projects} projects");
    let heading = Heading {
        name: &name,
        slug: "made-up",
        at: chrono::Utc::now(),
    };
    let (times, csv) = time(runs, || report::csv(&results).map(|c| c.len()));
    show("csv", &times);
    let (times, html) = time(runs, || {
        report::html(&results, &heading, &input).map(|h| h.len())
    });
    show("html", &times);
    println!(
        "  csv {} bytes, html {} bytes",
        csv.unwrap_or(0),
        html.unwrap_or(0)
    );
    // REPORT_HTML=<path> also writes the report (scripts/report-screenshot opens it in Chromium).
    if let Some(path) = std::env::var_os("REPORT_HTML") {
        let page = report::html(&results, &heading, &input).expect("render");
        std::fs::write(&path, page).expect("write the report");
    }
}
