//! Benchmark: a full import at the scale of the real data (contract section 4.1) from the fake
//! Airtable of the tests, limited to 5 requests per second, next to the time that limit alone
//! forces; and the same data from CSV (no rate limit: the cost of our own work).
//! Run with `bench/backfill.sh` (needs DATABASE_URL; `scripts/pg run` provides one). With
//! `BUSY=1` the fake holds each request 0-80 ms before counting it (the script also loads the
//! CPUs). With `JITTER=1` it holds requests and answers by uneven delays of hundreds of ms, both
//! ways (the cycles of the test `requests_and_answers_delayed_by_hundreds_of_ms_…`).

#![allow(clippy::print_stdout, clippy::unwrap_used, dead_code)]

#[path = "../tests/support/dataset.rs"]
mod dataset;
#[path = "../tests/support/fake.rs"]
mod fake;

use std::time::{Duration, Instant};

use backfill::{From, Options, progress, run};
use podium_runtime::Vars;
use podium_testing::TestDb;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let data = dataset::generate(dataset::PRODUCTION);
    let records: usize = data.tables.values().map(Vec::len).sum();
    let airtable = fake::FakeAirtable::start(&data.tables).await;
    if std::env::var_os("BUSY").is_some() {
        airtable.delay_arrivals(&[80, 0, 40, 10, 70, 0, 30, 60, 0, 20, 80, 5, 55, 15, 65]);
    }
    if std::env::var_os("JITTER").is_some() {
        airtable.delay_arrivals(&[600, 0, 20, 0, 10, 0, 450, 10, 0, 30, 0, 5]);
        airtable.delay_responses(&[0, 10, 0, 20, 0, 450, 0, 0, 10, 0, 30, 300]);
    }

    let db = TestDb::migrated().await;
    let mut env = airtable.env();
    env.push(("PODIUM_DATABASE_URL".into(), db.url().expose().to_owned()));
    let options = Options {
        from: From::Airtable,
        dry_run: false,
    };
    let started = Instant::now();
    let report = run(
        &options,
        &Vars::from_pairs(env),
        &mut progress::Log::default(),
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();
    let requests = airtable.requests();
    // Request k (from 0) may go no sooner than floor(k / 5) windows of 1 s + margin, plus k mod 5
    // spacings (and, since the window runs from an answer, the round trips it waits for).
    let last = requests as u32 - 1;
    let forced = (Duration::from_secs(1) + backfill::source::PACING_MARGIN) * (last / 5)
        + Duration::from_millis(200) * (last % 5);

    let dir = std::env::temp_dir().join(format!("podium-bench-csv-{}", std::process::id()));
    dataset::write_csv(&data, &dir);
    let csv_db = TestDb::migrated().await;
    let csv_env = vec![(
        "PODIUM_DATABASE_URL".to_owned(),
        csv_db.url().expose().to_owned(),
    )];
    let started = Instant::now();
    run(
        &Options {
            from: From::Csv(dir.clone()),
            dry_run: false,
        },
        &Vars::from_pairs(csv_env),
        &mut progress::Log::default(),
    )
    .await
    .unwrap();
    let csv_elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);

    println!("{report}");
    println!();
    println!("records in the source:             {records}");
    println!("Airtable requests (pages of 100):  {requests}");
    println!(
        "answered 429:                      {}",
        airtable.answered_429()
    );
    println!(
        "import from Airtable (5 req/s):    {:.2} s",
        elapsed.as_secs_f64()
    );
    println!(
        "time the pacing alone forces:      {:.2} s  (5 a second, {:.3} s per 5)",
        forced.as_secs_f64(),
        (Duration::from_secs(1) + backfill::source::PACING_MARGIN).as_secs_f64()
    );
    println!(
        "overhead over the rate limit:      {:.2} s",
        elapsed.as_secs_f64() - forced.as_secs_f64()
    );
    println!(
        "import from CSV (no rate limit):   {:.2} s",
        csv_elapsed.as_secs_f64()
    );
}
