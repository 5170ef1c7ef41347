//! The command line face: `backfill --from airtable` or `backfill --from csv DIR`.

use std::process::ExitCode;

use clap::Parser;
use podium_runtime::Vars;

use crate::{BackfillError, From, Options, progress, run};

/// Import Podium's Airtable data into PostgreSQL (idempotent: run it again at will). Reads the
/// database URL from PODIUM_DATABASE_URL or DATABASE_URL, and Airtable's settings from
/// PODIUM_AIRTABLE_TOKEN, PODIUM_AIRTABLE_BASE_ID and PODIUM_AIRTABLE_{USERS,EVENTS,PROJECTS,
/// REFERRALS,VOTES}_TABLE_ID (PODIUM_AIRTABLE_URL for another API origin).
#[derive(Debug, Parser)]
#[command(name = "backfill", version)]
pub struct Cli {
    /// `airtable`, or `csv DIR` (a folder with users.csv, events.csv, projects.csv,
    /// referrals.csv and votes.csv).
    #[arg(long, required = true, num_args = 1..=2, value_names = ["SOURCE", "DIR"])]
    from: Vec<String>,
    /// Read and check everything, report what would happen, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

impl Cli {
    pub fn options(&self) -> Result<Options, String> {
        let from = match self.from.as_slice() {
            [source] if source == "airtable" => From::Airtable,
            [source, dir] if source == "csv" => From::Csv(dir.into()),
            [source] if source == "csv" => {
                return Err("--from csv needs a folder: --from csv DIR".into());
            }
            _ => return Err("--from takes `airtable` or `csv DIR`".into()),
        };
        Ok(Options {
            from,
            dry_run: self.dry_run,
        })
    }
}

/// Exit status: 0 verified, 1 failed (verification or a stopped run), 2 bad usage or settings.
#[allow(clippy::print_stdout, clippy::print_stderr)]
/// `vars`: the settings as `run_job` read them (environment, then Secrets Manager).
pub async fn main(vars: Result<Vars, podium_runtime::ConfigError>) -> ExitCode {
    let cli = Cli::parse();
    let options = match cli.options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let vars = match vars {
        Ok(vars) => vars,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut progress = progress::for_stderr();
    let (report, code) = match run(&options, &vars, progress.as_mut()).await {
        Ok(report) => (report, ExitCode::SUCCESS),
        Err(BackfillError::Unverified(report)) => (*report, ExitCode::FAILURE),
        Err(e @ BackfillError::Config(_)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cli.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => eprintln!("error: {e}"),
        }
    } else {
        println!("{report}");
    }
    code
}
