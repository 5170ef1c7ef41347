//! The command line face.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use podium_data::DatabaseUrl;
use podium_migrations::{DownTarget, MigrateError, Settings};
use podium_runtime::Vars;

use crate::{Command, execute, parse_duration, render, report_failed, settings_from_env};

/// Podium's schema migrations. Reads the database URL from PODIUM_DATABASE_URL or DATABASE_URL.
#[derive(Debug, Parser)]
#[command(name = "migrate", version)]
pub struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// How long to wait for another run's migration lock [env: PODIUM_MIGRATE_LOCK_WAIT, default 60s].
    #[arg(long, global = true, value_parser = parse_duration, value_name = "DURATION")]
    lock_wait: Option<std::time::Duration>,
    /// PostgreSQL lock_timeout while a migration runs [env: PODIUM_MIGRATE_LOCK_TIMEOUT, default 10s].
    #[arg(long, global = true, value_parser = parse_duration, value_name = "DURATION")]
    lock_timeout: Option<std::time::Duration>,
    /// PostgreSQL statement_timeout while a migration runs [env: PODIUM_MIGRATE_STATEMENT_TIMEOUT, default 300s].
    #[arg(long, global = true, value_parser = parse_duration, value_name = "DURATION")]
    statement_timeout: Option<std::time::Duration>,
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// List every migration: applied (when, how long, checksum), pending, failed, unknown.
    Status,
    /// Apply pending migrations in order, each in its own transaction.
    Up {
        /// Stop after this version.
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
    },
    /// Revert applied migrations, newest first (one by default).
    Down(DownArgs),
    /// Print the exact SQL that `up` (default) or `down` would run, without running it.
    Plan {
        #[command(subcommand)]
        direction: Option<PlanCommand>,
    },
    /// Fail when history or the live schema differ from what this binary's migrations produce.
    Verify,
    /// Take over a database of the original service (Alembic), keeping every row.
    Adopt,
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    Up {
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
    },
    Down(DownArgs),
}

#[derive(Debug, Args)]
struct DownArgs {
    /// How many migrations to revert.
    #[arg(long, conflicts_with = "to")]
    steps: Option<usize>,
    /// Revert every migration above this version (0 reverts all).
    #[arg(long, value_name = "VERSION")]
    to: Option<i64>,
}

impl DownArgs {
    fn target(&self) -> DownTarget {
        match (self.steps, self.to) {
            (_, Some(to)) => DownTarget::To(to),
            (steps, None) => DownTarget::Steps(steps.unwrap_or(1)),
        }
    }
}

impl Cli {
    fn command(&self) -> Command {
        match &self.command {
            CliCommand::Status => Command::Status,
            CliCommand::Up { to } => Command::Up { to: *to },
            CliCommand::Down(args) => Command::Down(args.target()),
            CliCommand::Plan { direction: None } => Command::PlanUp { to: None },
            CliCommand::Plan {
                direction: Some(PlanCommand::Up { to }),
            } => Command::PlanUp { to: *to },
            CliCommand::Plan {
                direction: Some(PlanCommand::Down(args)),
            } => Command::PlanDown(args.target()),
            CliCommand::Verify => Command::Verify,
            CliCommand::Adopt => Command::Adopt,
        }
    }

    fn settings(&self, base: Settings) -> Settings {
        Settings {
            lock_wait: self.lock_wait.unwrap_or(base.lock_wait),
            lock_timeout: self.lock_timeout.unwrap_or(base.lock_timeout),
            statement_timeout: self.statement_timeout.unwrap_or(base.statement_timeout),
        }
    }
}

/// Runs the CLI: exit 0 on success, 1 when the command failed, 2 for bad usage or configuration.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let vars = Vars::load().await;
    let setup = settings_from_env().and_then(|base| {
        let url = vars
            .and_then(|vars| DatabaseUrl::from_vars(&vars))
            .map_err(|e| e.to_string())?;
        Ok((url, cli.settings(base)))
    });
    let (url, settings) = match setup {
        Ok(setup) => setup,
        Err(message) => {
            eprintln!("migrate: {message}");
            return ExitCode::from(2);
        }
    };
    let outcome = execute(cli.command(), &url, settings).await;
    match outcome {
        Ok(report) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print!("{}", render::human(&report));
            }
            if report_failed(&report).is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({ "error": err.to_string(), "kind": error_kind(&err) })
                );
            } else {
                eprintln!("migrate: {err}");
            }
            ExitCode::FAILURE
        }
    }
}

/// A stable, machine-readable name for an error.
pub fn error_kind(err: &MigrateError) -> &'static str {
    match err {
        MigrateError::Database(_) => "database",
        MigrateError::LockTimeout { .. } => "lock_timeout",
        MigrateError::Refused(_) => "refused",
        MigrateError::Failed { .. } => "migration_failed",
        MigrateError::VerifyFailed(_) => "verify_failed",
    }
}
