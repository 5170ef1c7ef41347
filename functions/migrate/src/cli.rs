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
    /// Wait up to this long for the database to accept connections before starting (a
    /// container stack starting it alongside) [default: do not wait].
    #[arg(long, global = true, value_parser = parse_duration, value_name = "DURATION")]
    wait_for_database: Option<std::time::Duration>,
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
    Adopt {
        /// Do all the work in a transaction that is rolled back, and print what would happen.
        #[arg(long)]
        dry_run: bool,
        /// Restore our own data from this archive, written by `unadopt`.
        #[arg(long, value_name = "FILE")]
        archive: Option<std::path::PathBuf>,
    },
    /// Hand the database back to the original service's schema (Alembic e5f6a7b8c9d0), keeping
    /// every row it can hold and writing the rest of ours to an archive first.
    Unadopt {
        /// Do all the work in a transaction that is rolled back, and print what would happen.
        #[arg(long)]
        dry_run: bool,
        /// Where to write our own data (JSON lines; a new file, never overwritten). Required
        /// unless --dry-run.
        #[arg(long, value_name = "FILE", required_unless_present = "dry_run")]
        archive: Option<std::path::PathBuf>,
    },
    /// Grant, revoke or list the superadmin role (every change goes into the audit log).
    #[command(subcommand)]
    Superadmin(RoleCommand),
}

#[derive(Debug, Subcommand)]
enum RoleCommand {
    /// Make the user with this e-mail a superadmin.
    Grant { email: String },
    /// Take the role away from the user with this e-mail.
    Revoke { email: String },
    /// List the superadmins.
    List,
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
    /// The migration command, or `None` for `superadmin` (not a migration; no lock).
    fn command(&self) -> Option<Command> {
        Some(match &self.command {
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
            CliCommand::Adopt { dry_run, archive } => Command::Adopt {
                dry_run: *dry_run,
                archive: archive.clone(),
            },
            CliCommand::Unadopt { dry_run, archive } => Command::Unadopt {
                dry_run: *dry_run,
                archive: archive.clone(),
            },
            CliCommand::Superadmin(_) => return None,
        })
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
/// `vars`: the settings as `run_job` read them (environment, then Secrets Manager).
pub async fn main(vars: Result<Vars, podium_runtime::ConfigError>) -> ExitCode {
    let cli = Cli::parse();
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
    if let Some(patience) = cli.wait_for_database {
        let reachable =
            podium_data::db::wait_until_reachable(&url, "podium-migrate", patience).await;
        if let Err(err) = reachable {
            eprintln!("migrate: the database did not answer within {patience:?}: {err}");
            return ExitCode::FAILURE;
        }
    }
    let command = match (cli.command(), &cli.command) {
        (Some(command), _) => command,
        (None, CliCommand::Superadmin(role)) => return superadmin(role, &url, cli.json).await,
        (None, _) => return ExitCode::from(2),
    };
    let outcome = execute(command, &url, settings).await;
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

/// `migrate superadmin grant|revoke|list`: exit 0 when done (also when nothing had to change),
/// 1 when there is no such user or the database failed.
#[allow(clippy::print_stdout, clippy::print_stderr)]
async fn superadmin(command: &RoleCommand, url: &DatabaseUrl, json: bool) -> ExitCode {
    use podium_data::superadmin::{RoleChange, set_superadmin};
    let pool = podium_data::db::lazy_pool(url, "podium-migrate", 1);
    let (email, on) = match command {
        RoleCommand::Grant { email } => (email, true),
        RoleCommand::Revoke { email } => (email, false),
        RoleCommand::List => {
            return match podium_data::users::superadmins(&pool).await {
                Ok(list) => {
                    if json {
                        let emails: Vec<&str> = list.iter().map(|u| u.email.as_str()).collect();
                        println!("{}", serde_json::json!({ "superadmins": emails }));
                    } else if list.is_empty() {
                        println!("No superadmins.");
                    } else {
                        for user in &list {
                            println!("{} ({})", user.email, user.id);
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("migrate: {err}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    let email = email.trim().to_lowercase();
    let actor = podium_data::audit::Actor::command_line();
    let (outcome, code) = match set_superadmin(&pool, &actor, &email, on).await {
        Ok(RoleChange::Changed) => ("changed", ExitCode::SUCCESS),
        Ok(RoleChange::Unchanged) => ("unchanged", ExitCode::SUCCESS),
        Ok(RoleChange::NoSuchUser) => ("no_such_user", ExitCode::FAILURE),
        Err(err) => {
            eprintln!("migrate: {err}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "email": email, "superadmin": on, "outcome": outcome })
        );
    } else {
        let role = if on {
            "a superadmin"
        } else {
            "not a superadmin"
        };
        match outcome {
            "changed" => println!("{email} is now {role}."),
            "unchanged" => println!("{email} was already {role}; nothing changed."),
            _ => eprintln!("migrate: no user has the e-mail {email}"),
        }
    }
    code
}
