//! The subcommands: the UI's actions for scripts and CI, through the same [`Ops`]. Text on
//! stdout, `--json` for machines; errors on stderr. Exit 0 when done (also when nothing had to
//! change), 1 when refused or the database failed, 2 for bad usage or configuration.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use podium_data::erasure::Erasure;
use podium_data::{Phase, events};
use serde_json::{Value, json};

use crate::ops::{EventForm, OpError, Ops, describe_plan};

/// Podium's operator console. Without a command: the terminal UI. Reads the database from
/// PODIUM_DATABASE_URL or DATABASE_URL (or the Secrets Manager secret PODIUM_SECRETS_ARN), as
/// every Podium binary does.
#[derive(Debug, Parser)]
#[command(name = "podium-console", version)]
pub struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Events: list, create, change phase, attendees, soft delete, restore, delete for good.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Users: list, grant or revoke superadmin, delete with everything that is theirs.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Fill the database with a small demo (idempotent; refused with PODIUM_ENV=production
    /// unless --force).
    Seed {
        #[arg(long)]
        force: bool,
    },
    /// An access token for a user, signed with PODIUM_JWT_SECRET, to call the API as them
    /// (refused with PODIUM_ENV=production unless --force).
    Token {
        email: String,
        /// How long it is valid.
        #[arg(long, default_value_t = 24 * 60)]
        minutes: i64,
        #[arg(long)]
        force: bool,
    },
    /// The end-to-end suite's data: list its events, or remove it as POST /events/test/cleanup does.
    #[command(subcommand, name = "test-data")]
    TestData(TestDataCommand),
    /// An event's results, as GET /events/admin/{event_id}/results computes them: standings with
    /// how sure each place is, participation, integrity flags, the standings without the flagged
    /// votes. A table, or the JSON, CSV or HTML report.
    Results {
        slug: String,
        /// Prize places: the k of "chance of top k" and of the prize line.
        #[arg(long, default_value_t = podium_results::DEFAULT_PLACES,
              value_parser = clap::value_parser!(u32).range(1..=i64::from(podium_results::MAX_PLACES)))]
        places: u32,
        /// text, json, csv or html (--json is the same as --format json).
        #[arg(long, default_value = "text")]
        format: ReportFormat,
        /// Write the report to this file instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
}

/// What `results` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Csv,
    Html,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "html" => Ok(Self::Html),
            _ => Err("expected text, json, csv or html".to_owned()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Every event (soft-deleted ones too) with phase, series, owner and counts.
    List,
    /// A new event (the slug defaults to the slugified name).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        slug: String,
        #[arg(long, default_value = "")]
        description: String,
        /// The series (feature flags, comma-separated) [default: PODIUM_ACTIVE_EVENT_SERIES].
        #[arg(long)]
        series: Option<String>,
        /// The owner's e-mail.
        #[arg(long)]
        owner: String,
        #[arg(long, default_value = "submission")]
        phase: Phase,
        #[arg(long)]
        demo_links_optional: bool,
    },
    /// Move the event to another phase.
    Phase { slug: String, phase: Phase },
    /// The event's attendees.
    Attendees { slug: String },
    /// Add the user with this e-mail to the event's attendees.
    Attend { slug: String, email: String },
    /// Remove the user with this e-mail from the event's attendees.
    Unattend { slug: String, email: String },
    /// Soft-delete (hide) the event; with --permanent --yes, delete it for good with all it holds.
    Delete {
        slug: String,
        #[arg(long)]
        permanent: bool,
        /// Required with --permanent.
        #[arg(long)]
        yes: bool,
    },
    /// Restore a soft-deleted event.
    Restore { slug: String },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Every user with superadmin flag and counts of events, projects and votes.
    List,
    /// Make the user with this e-mail a superadmin.
    Grant { email: String },
    /// Take the superadmin role from the user with this e-mail.
    Revoke { email: String },
    /// Delete the user and everything that is theirs; without --yes, only shows what would go.
    Delete {
        email: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TestDataCommand {
    /// The test users' events.
    List,
    /// Remove the test users with everything they made.
    Cleanup,
}

#[allow(clippy::print_stdout, reason = "the command's answer is its output")]
fn say(json: bool, value: &Value, text: &str) {
    if json {
        println!("{value}");
    } else if !text.is_empty() {
        println!("{text}");
    }
}

#[allow(clippy::print_stderr, reason = "the command's error is its diagnostic")]
fn fail(json: bool, err: &OpError) -> ExitCode {
    if json {
        say(true, &json!({ "error": err.to_string() }), "");
    } else {
        eprintln!("podium-console: {err}");
    }
    ExitCode::FAILURE
}

fn done(json: bool, outcome: Result<String, OpError>) -> ExitCode {
    match outcome {
        Ok(text) => {
            say(json, &json!({ "message": text }), &text);
            ExitCode::SUCCESS
        }
        Err(e) => fail(json, &e),
    }
}

/// An event as `events list --json` prints it.
pub fn event_json(o: &events::Overview) -> Value {
    let e = &o.event;
    json!({
        "id": e.id, "name": e.name, "slug": e.slug, "phase": e.phase.as_str(),
        "series": e.feature_flags_csv, "owner": o.owner_email, "deleted": e.is_deleted(),
        "attendees": o.attendee_count, "projects": o.project_count,
    })
}

/// `events list` and `test-data list`: the table, or `{"events": […]}`.
fn list_events(json: bool, listed: Result<Vec<events::Overview>, OpError>) -> ExitCode {
    match listed {
        Ok(list) => {
            let value = Value::from(list.iter().map(event_json).collect::<Vec<_>>());
            say(
                json,
                &json!({ "events": value }),
                events_table(&list).trim_end(),
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(json, &e),
    }
}

/// The events as a fixed-width table.
pub fn events_table(list: &[events::Overview]) -> String {
    let mut out = format!(
        "{:<28} {:<24} {:<10} {:<14} {:<26} {:>4} {:>4}\n",
        "NAME", "SLUG", "PHASE", "SERIES", "OWNER", "ATT", "PROJ"
    );
    for o in list {
        let e = &o.event;
        let phase = if e.is_deleted() {
            "deleted".to_owned()
        } else {
            e.phase.to_string()
        };
        out.push_str(&format!(
            "{:<28} {:<24} {:<10} {:<14} {:<26} {:>4} {:>4}\n",
            e.name,
            e.slug,
            phase,
            e.feature_flags_csv,
            o.owner_email,
            o.attendee_count,
            o.project_count
        ));
    }
    out
}

/// Runs a subcommand.
pub async fn run(ops: &Ops, command: Command, json: bool, vars: &podium_runtime::Vars) -> ExitCode {
    match command {
        Command::Events(c) => Box::pin(events_command(ops, c, json)).await,
        Command::Users(c) => Box::pin(users_command(ops, c, json)).await,
        Command::Seed { force } => Box::pin(crate::seed::run(ops, vars, force, json)).await,
        Command::Token {
            email,
            minutes,
            force,
        } => token(ops, vars, &email, minutes, force, json).await,
        Command::TestData(TestDataCommand::List) => list_events(json, ops.test_events().await),
        Command::TestData(TestDataCommand::Cleanup) => done(json, ops.clean_test_data().await),
        Command::Results {
            slug,
            places,
            format,
            output,
        } => {
            let format = if json { ReportFormat::Json } else { format };
            results(ops, &slug, places, format, output.as_deref()).await
        }
    }
}

async fn events_command(ops: &Ops, command: EventsCommand, json: bool) -> ExitCode {
    let by_slug = |slug: String| async move { ops.event_by_slug(&slug).await.map(|o| o.event) };
    match command {
        EventsCommand::List => list_events(json, ops.events().await),
        EventsCommand::Create {
            name,
            slug,
            description,
            series,
            owner,
            phase,
            demo_links_optional,
        } => {
            let form = EventForm {
                name,
                slug,
                description,
                series: series.unwrap_or_else(|| ops.series.clone()),
                owner_email: owner,
                phase,
                demo_links_optional,
            };
            done(json, ops.create_event(&form).await)
        }
        EventsCommand::Phase { slug, phase } => match by_slug(slug).await {
            Ok(e) => done(json, ops.set_phase(e.id, phase).await),
            Err(e) => fail(json, &e),
        },
        EventsCommand::Attendees { slug } => {
            let listed = async { ops.attendees(by_slug(slug).await?.id).await };
            match listed.await {
                Ok(list) => {
                    let emails: Vec<&str> = list.iter().map(|a| a.email.as_str()).collect();
                    say(json, &json!({ "attendees": emails }), &emails.join("\n"));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(json, &e),
            }
        }
        EventsCommand::Attend { slug, email } => match by_slug(slug).await {
            Ok(e) => done(json, ops.set_attendance(e.id, &email, true).await),
            Err(e) => fail(json, &e),
        },
        EventsCommand::Unattend { slug, email } => match by_slug(slug).await {
            Ok(e) => done(json, ops.set_attendance(e.id, &email, false).await),
            Err(e) => fail(json, &e),
        },
        EventsCommand::Delete {
            slug,
            permanent,
            yes,
        } => {
            if permanent && !yes {
                return fail(
                    json,
                    &OpError::Refused("a permanent delete needs --yes as well".to_owned()),
                );
            }
            match by_slug(slug).await {
                Ok(e) if permanent => done(json, ops.delete_permanently(e.id).await),
                Ok(e) => done(json, ops.soft_delete(e.id).await),
                Err(e) => fail(json, &e),
            }
        }
        EventsCommand::Restore { slug } => match by_slug(slug).await {
            Ok(e) => done(json, ops.restore(e.id).await),
            Err(e) => fail(json, &e),
        },
    }
}

async fn users_command(ops: &Ops, command: UsersCommand, json: bool) -> ExitCode {
    match command {
        UsersCommand::List => match ops.users().await {
            Ok(list) => {
                let rows: Vec<Value> = list
                    .iter()
                    .map(|u| {
                        json!({"id": u.id, "email": u.email, "display_name": u.display_name,
                               "superadmin": u.is_superadmin, "events": u.events,
                               "projects": u.projects, "votes": u.votes})
                    })
                    .collect();
                let mut text = format!(
                    "{:<36} {:<24} {:<3} {:>6} {:>8} {:>5}",
                    "EMAIL", "NAME", "SA", "EVENTS", "PROJECTS", "VOTES"
                );
                for u in &list {
                    let sa = if u.is_superadmin { "✓" } else { "" };
                    text.push_str(&format!(
                        "\n{:<36} {:<24} {:<3} {:>6} {:>8} {:>5}",
                        u.email, u.display_name, sa, u.events, u.projects, u.votes
                    ));
                }
                say(json, &json!({ "users": rows }), &text);
                ExitCode::SUCCESS
            }
            Err(e) => fail(json, &e),
        },
        UsersCommand::Grant { email } => done(json, ops.set_superadmin(&email, true).await),
        UsersCommand::Revoke { email } => done(json, ops.set_superadmin(&email, false).await),
        UsersCommand::Delete { email, yes } => {
            let user = match ops.user_by_email(&email).await {
                Ok(user) => user,
                Err(e) => return fail(json, &e),
            };
            if !yes {
                let plan = match ops.erasure_plan(user.id).await {
                    Ok(plan) => plan,
                    Err(e) => return fail(json, &e),
                };
                let mut text = describe_plan(&plan).join("\n");
                text.push_str("\nNothing was deleted: run again with --yes to delete all of this.");
                say(
                    json,
                    &json!({ "deleted": false, "would_delete": plan.counts() }),
                    &text,
                );
                return ExitCode::SUCCESS;
            }
            match ops.erase(user.id, None).await {
                Ok(Erasure::Erased(plan)) => {
                    let text = crate::ui::erased_summary(&plan);
                    say(
                        json,
                        &json!({ "deleted": true, "counts": plan.counts() }),
                        &text,
                    );
                    ExitCode::SUCCESS
                }
                Ok(_) => fail(
                    json,
                    &OpError::Refused("the user no longer exists".to_owned()),
                ),
                Err(e) => fail(json, &e),
            }
        }
    }
}

/// `results`: the report in `format`, to `output` or standard output.
async fn results(
    ops: &Ops,
    slug: &str,
    places: u32,
    format: ReportFormat,
    output: Option<&std::path::Path>,
) -> ExitCode {
    let json = format == ReportFormat::Json;
    let (event, input, results) = match ops.results(slug, places).await {
        Ok(found) => found,
        Err(e) => return fail(json, &e),
    };
    let heading = podium_results::report::Heading {
        name: &event.name,
        slug: &event.slug,
        at: chrono::Utc::now(),
    };
    use podium_results::report;
    let bytes = match format {
        ReportFormat::Text => Ok(report::text(&results, &heading).into_bytes()),
        ReportFormat::Json => serde_json::to_vec_pretty(&results)
            .map(|mut v| {
                v.push(b'\n');
                v
            })
            .map_err(|e| e.to_string()),
        ReportFormat::Csv => report::csv(&results).map_err(|e| e.to_string()),
        ReportFormat::Html => report::html(&results, &heading, &input)
            .map(String::into_bytes)
            .map_err(|e| e.to_string()),
    };
    let written = bytes.map_err(OpError::refused).and_then(|bytes| {
        let result = match output {
            Some(path) => std::fs::write(path, &bytes),
            None => std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes),
        };
        result.map_err(|e| OpError::refused(format!("could not write the report: {e}")))
    });
    match (written, output) {
        (Err(e), _) => fail(json, &e),
        (Ok(()), Some(path)) if !json => {
            say(false, &Value::Null, &format!("wrote {}", path.display()));
            ExitCode::SUCCESS
        }
        (Ok(()), _) => ExitCode::SUCCESS,
    }
}

async fn token(
    ops: &Ops,
    vars: &podium_runtime::Vars,
    email: &str,
    minutes: i64,
    force: bool,
    json: bool,
) -> ExitCode {
    if let Err(e) = crate::seed::not_production(vars, force) {
        return fail(json, &e);
    }
    let Some(secret) = vars.optional("PODIUM_JWT_SECRET") else {
        return fail(
            json,
            &OpError::Refused("PODIUM_JWT_SECRET is not set".to_owned()),
        );
    };
    match ops.user_by_email(email).await {
        Ok(user) => {
            let secret = podium_http::jwt::JwtSecret::new(&secret);
            let (token, exp) = secret.issue(&user.email, podium_http::jwt::ACCESS, minutes.max(1));
            say(
                json,
                &json!({ "access_token": token, "token_type": "bearer", "exp": exp }),
                &token,
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(json, &e),
    }
}
