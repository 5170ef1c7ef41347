//! `validate`: a Lambda function when `AWS_LAMBDA_RUNTIME_API` is set (invoked asynchronously
//! after a request queued a job, and by a schedule that sweeps), a CLI otherwise.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use podium_data::DatabaseUrl;
use podium_runtime::health::Heartbeat;
use podium_runtime::{Vars, run_job};
use podium_validation::Worker;

/// Validates the projects waiting in the queue, then exits (or, with --watch, keeps going).
/// Reads PODIUM_DATABASE_URL (or DATABASE_URL) and the validators' settings (see docs/configuration.md).
/// `validate health` exits 0 while a --watch worker in the same container is sweeping on time.
#[derive(Debug, Parser)]
#[command(name = "validate", version)]
struct Cli {
    /// Keep running: drain the queue every --every seconds (a container's worker).
    #[arg(long)]
    watch: bool,
    /// Seconds between sweeps with --watch.
    #[arg(long, default_value_t = 10)]
    every: u64,
}

fn worker(vars: &Vars) -> Result<Worker, podium_runtime::ConfigError> {
    let url = DatabaseUrl::from_vars(vars)?;
    let size = vars.parsed("PODIUM_DATABASE_POOL_SIZE", 2)?;
    Worker::from_vars(
        podium_data::db::lazy_pool(&url, "podium-validate", size),
        vars,
    )
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
async fn cli(vars: Result<Vars, podium_runtime::ConfigError>) -> ExitCode {
    let cli = Cli::parse();
    let heartbeat = Heartbeat::new("validate");
    let worker = match vars.and_then(|vars| worker(&vars)) {
        Ok(worker) => worker,
        Err(err) => {
            eprintln!("validate: {err}");
            return ExitCode::from(2);
        }
    };
    loop {
        match worker.drain(None).await {
            // A watching worker says only when it did something.
            Ok(done) if cli.watch && done == podium_validation::Drained::default() => {}
            Ok(done) => println!("{}", serde_json::to_string(&done).unwrap_or_default()),
            Err(err) => {
                // Logged on stderr, and reported to Sentry when it is on.
                let err: &(dyn std::error::Error + 'static) = &err;
                tracing::error!(error = err, "validation sweep failed");
                if !cli.watch {
                    return ExitCode::FAILURE;
                }
            }
        }
        if !cli.watch {
            return ExitCode::SUCCESS;
        }
        // A sweep (even a failed one: the database may be briefly away) proves the loop is
        // alive; overdue means stuck. Allow three periods plus a batch's longest run.
        let due = Duration::from_secs(cli.every.saturating_mul(3).saturating_add(120));
        if let Err(err) = heartbeat.beat(due) {
            eprintln!("validate: cannot write the heartbeat: {err}");
        }
        // The next sweep, or sooner when a waiting job comes due (an edit's debounce).
        let every = Duration::from_secs(cli.every);
        let pause = match worker.next_due().await {
            Ok(Some(due)) => due.clamp(Duration::from_millis(50), every),
            _ => every,
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            // A claimed job whose run is cut short goes back to the queue when its lease ends.
            () = podium_runtime::shutdown_signal() => return ExitCode::SUCCESS,
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // A container's health check, every few seconds: no settings, no telemetry.
    if podium_runtime::health::requested() {
        return podium_runtime::health::exit_code(Heartbeat::new("validate").check());
    }
    run_job(
        "validate",
        cli,
        async |vars: &Vars| {
            let budget = Duration::from_secs(vars.parsed("PODIUM_VALIDATION_RUN_SECONDS", 45)?);
            Ok((worker(vars)?, budget))
        },
        // Any payload: an asynchronous invoke from a request, or the schedule's event. Stops
        // taking new batches after the budget, inside the function's timeout; until then waits
        // for a job about to come due (an edit's debounce) rather than leave it to the schedule.
        async |(worker, budget): &(Worker, Duration), _event: serde_json::Value| {
            Ok(worker
                .drain_lingering(Instant::now() + *budget, podium_validation::worker::LINGER)
                .await?)
        },
    )
    .await
}
