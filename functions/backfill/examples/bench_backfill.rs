//! Benchmark: a full import at the scale of the real data (contract section 4.1) from the fake
//! Airtable of the tests, limited to 5 requests per second, next to the time that limit alone
//! forces; and the same data from CSV (no rate limit: the cost of our own work).
//! Run with `bench/backfill.sh` (needs DATABASE_URL; `scripts/pg run` provides one).

#![allow(clippy::print_stdout, clippy::unwrap_used, dead_code)]

#[path = "../tests/support/dataset.rs"]
mod dataset;
#[path = "../tests/support/fake.rs"]
mod fake;

use std::time::{Duration, Instant};

use backfill::{From, Options, progress, run};
use podium_shared::Vars;
use podium_shared::migrations::{Migrator, Settings};
use podium_shared::testing::TestDb;

async fn migrated() -> TestDb {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    Migrator::embedded(Settings {
        lock_wait: Duration::from_secs(60),
        ..Settings::default()
    })
    .up(&mut conn, None)
    .await
    .unwrap();
    db
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let data = dataset::generate(dataset::PRODUCTION);
    let records: usize = data.tables.values().map(Vec::len).sum();
    let airtable = fake::FakeAirtable::start(&data.tables).await;

    let db = migrated().await;
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
    let forced = Duration::from_millis(200 * (requests as u64 - 1));

    let dir = std::env::temp_dir().join(format!("podium-bench-csv-{}", std::process::id()));
    dataset::write_csv(&data, &dir);
    let csv_db = migrated().await;
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
        "time the rate limit alone forces:  {:.2} s  ((requests - 1) x 200 ms)",
        forced.as_secs_f64()
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
