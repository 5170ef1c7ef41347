//! The migrate function: one implementation ([`execute`]) behind two faces, a CLI for people
//! (`migrate status|up|down|plan|verify|adopt`) and a Lambda that takes the same command as JSON
//! ([`Invocation`]) and answers a JSON [`Report`] (or a function error).

use std::time::Duration;

use podium_data::DatabaseUrl;
use std::path::{Path, PathBuf};

use podium_migrations::{
    AdoptOptions, AdoptReport, Archive, Direction, DownTarget, MigrateError, Migrator, Plan,
    Refusal, RunReport, Settings, StatusReport, UnadoptOptions, UnadoptReport, VerifyReport,
};
use serde::{Deserialize, Serialize};

pub mod cli;
pub mod render;

/// Environment variables for the settings (durations such as `500ms`, `30s`, `5m`).
pub const LOCK_WAIT_VAR: &str = "PODIUM_MIGRATE_LOCK_WAIT";
pub const LOCK_TIMEOUT_VAR: &str = "PODIUM_MIGRATE_LOCK_TIMEOUT";
pub const STATEMENT_TIMEOUT_VAR: &str = "PODIUM_MIGRATE_STATEMENT_TIMEOUT";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Status,
    Up {
        to: Option<i64>,
    },
    Down(DownTarget),
    PlanUp {
        to: Option<i64>,
    },
    PlanDown(DownTarget),
    Verify,
    /// Take over the original's database; with an archive `unadopt` wrote, restore our own data.
    Adopt {
        dry_run: bool,
        archive: Option<PathBuf>,
    },
    /// Hand the database back to the original's schema; the archive is required unless dry.
    Unadopt {
        dry_run: bool,
        archive: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "command", rename_all = "lowercase")]
pub enum Report {
    Status(StatusReport),
    Up(RunReport),
    Down(RunReport),
    Plan(Plan),
    Verify(VerifyReport),
    Adopt(AdoptReport),
    Unadopt(UnadoptReport),
}

/// Runs one command against the database, on one connection (it holds the migration lock).
#[tracing::instrument(skip(url, settings), fields(database = %url))]
pub async fn execute(
    command: Command,
    url: &DatabaseUrl,
    settings: Settings,
) -> Result<Report, MigrateError> {
    let mut conn = podium_data::db::connect(url, "podium-migrate").await?;
    let migrator = Migrator::embedded(settings);
    let conn = &mut conn;
    Ok(match command {
        Command::Status => Report::Status(migrator.status(conn).await?),
        Command::Up { to } => Report::Up(migrator.up(conn, to).await?),
        Command::Down(target) => Report::Down(migrator.down(conn, target).await?),
        Command::PlanUp { to } => Report::Plan(migrator.plan_up(conn, to).await?),
        Command::PlanDown(target) => Report::Plan(migrator.plan_down(conn, target).await?),
        Command::Verify => Report::Verify(migrator.verify_report(conn).await?),
        Command::Adopt { dry_run, archive } => {
            let archive = archive.as_deref().map(read_archive).transpose()?;
            let options = AdoptOptions { dry_run, archive };
            Report::Adopt(migrator.adopt_with(conn, options).await?)
        }
        Command::Unadopt { dry_run, archive } => {
            Report::Unadopt(unadopt(&migrator, conn, dry_run, archive.as_deref()).await?)
        }
    })
}

fn read_archive(path: &Path) -> Result<Archive, MigrateError> {
    let file = std::fs::File::open(path).map_err(|error| Refusal::ArchiveUnreadable {
        path: path.to_owned(),
        error,
    })?;
    let archive =
        Archive::read(std::io::BufReader::new(file)).map_err(|error| Refusal::NotAnArchive {
            path: path.to_owned(),
            error,
        })?;
    Ok(archive)
}

/// Runs `unadopt` with a new archive file at `path` (never an existing one, readable by its owner
/// only: it holds e-mail addresses), which is removed again when the run fails.
async fn unadopt(
    migrator: &Migrator,
    conn: &mut sqlx::PgConnection,
    dry_run: bool,
    path: Option<&Path>,
) -> Result<UnadoptReport, MigrateError> {
    let (Some(path), false) = (path, dry_run) else {
        if !dry_run {
            return Err(Refusal::ArchiveRequired.into());
        }
        let options = UnadoptOptions {
            dry_run,
            archive: None,
        };
        return migrator.unadopt(conn, options).await;
    };
    let mut file = new_private_file(path).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "it already exists (an archive is never overwritten; choose a new path)".to_owned()
        } else {
            e.to_string()
        };
        Refusal::ArchiveNotCreated {
            path: path.to_owned(),
            why,
        }
    })?;
    let options = UnadoptOptions {
        dry_run,
        archive: Some(&mut file),
    };
    let outcome = migrator.unadopt(conn, options).await;
    if outcome.is_err() {
        drop(file);
        let _ = std::fs::remove_file(path);
    }
    outcome
}

fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The Lambda face: resolves the event, runs it, and turns a failed `verify` into an error so
/// the invoker sees a function error (`aws lambda invoke` then reports `FunctionError`).
pub async fn handle(
    invocation: &Invocation,
    url: &DatabaseUrl,
    base: Settings,
) -> Result<Report, lambda_runtime::Error> {
    let (command, settings) = invocation.resolve(base)?;
    let report = execute(command, url, settings).await?;
    match report_failed(&report) {
        Some(err) => Err(err.into()),
        None => Ok(report),
    }
}

/// Whether a report means the command failed: a `verify` that found problems, or a dry run
/// that met a refusal (the real run would fail).
pub fn report_failed(report: &Report) -> Option<MigrateError> {
    let refusals = match report {
        Report::Verify(v) if !v.ok => return Some(MigrateError::VerifyFailed(v.problems.clone())),
        Report::Adopt(a) => &a.refusals,
        Report::Unadopt(u) => &u.refusals,
        _ => return None,
    };
    (!refusals.is_empty()).then(|| Refusal::DryRun(refusals.clone()).into())
}

/// The Lambda event: `{"command": "up", "to": 6}`, `{"command": "down", "steps": 1}`,
/// `{"command": "plan", "direction": "down", "to": 3}`, `{"command": "status"}`, … Optional
/// `lock_wait`, `lock_timeout`, `statement_timeout` override the environment's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invocation {
    pub command: CommandName,
    #[serde(default)]
    pub to: Option<i64>,
    #[serde(default)]
    pub steps: Option<usize>,
    #[serde(default)]
    pub direction: Option<PlanDirection>,
    /// `adopt` and `unadopt`: do everything, report, roll back.
    #[serde(default)]
    pub dry_run: Option<bool>,
    #[serde(default)]
    pub lock_wait: Option<String>,
    #[serde(default)]
    pub lock_timeout: Option<String>,
    #[serde(default)]
    pub statement_timeout: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommandName {
    Status,
    Up,
    Down,
    Plan,
    Verify,
    Adopt,
    Unadopt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanDirection {
    Up,
    Down,
}

impl Invocation {
    /// The command and settings this invocation asks for, on top of `base` settings.
    pub fn resolve(&self, base: Settings) -> Result<(Command, Settings), String> {
        let down_target = || match (self.steps, self.to) {
            (Some(_), Some(_)) => Err("give either steps or to, not both".to_owned()),
            (Some(steps), None) => Ok(DownTarget::Steps(steps)),
            (None, Some(to)) => Ok(DownTarget::To(to)),
            (None, None) => Ok(DownTarget::Steps(1)),
        };
        let only = |allowed: &[&str]| {
            let given = [
                ("to", self.to.is_some()),
                ("steps", self.steps.is_some()),
                ("direction", self.direction.is_some()),
                ("dry_run", self.dry_run.is_some()),
            ];
            match given
                .iter()
                .find(|(name, set)| *set && !allowed.contains(name))
            {
                Some((name, _)) => Err(format!("`{name}` does not apply to this command")),
                None => Ok(()),
            }
        };
        let command = match self.command {
            CommandName::Status => only(&[]).map(|()| Command::Status)?,
            CommandName::Verify => only(&[]).map(|()| Command::Verify)?,
            CommandName::Adopt => only(&["dry_run"]).map(|()| Command::Adopt {
                dry_run: self.dry_run.unwrap_or(false),
                archive: None,
            })?,
            CommandName::Unadopt => {
                only(&["dry_run"])?;
                if self.dry_run != Some(true) {
                    return Err("unadopt writes its archive to a file: run `migrate unadopt --archive FILE` from \
                                the command line or the migrate container; here only {\"command\":\"unadopt\",\"dry_run\":true}"
                        .to_owned());
                }
                Command::Unadopt {
                    dry_run: true,
                    archive: None,
                }
            }
            CommandName::Up => only(&["to"]).map(|()| Command::Up { to: self.to })?,
            CommandName::Down => {
                only(&["to", "steps"])?;
                Command::Down(down_target()?)
            }
            CommandName::Plan => match self.direction.unwrap_or(PlanDirection::Up) {
                PlanDirection::Up => {
                    only(&["to", "direction"]).map(|()| Command::PlanUp { to: self.to })?
                }
                PlanDirection::Down => Command::PlanDown(down_target()?),
            },
        };
        let mut settings = base;
        for (value, slot, name) in [
            (&self.lock_wait, &mut settings.lock_wait, "lock_wait"),
            (
                &self.lock_timeout,
                &mut settings.lock_timeout,
                "lock_timeout",
            ),
            (
                &self.statement_timeout,
                &mut settings.statement_timeout,
                "statement_timeout",
            ),
        ] {
            if let Some(value) = value {
                *slot = parse_duration(value).map_err(|e| format!("{name}: {e}"))?;
            }
        }
        Ok((command, settings))
    }
}

/// Settings from `PODIUM_MIGRATE_*`, falling back to the defaults.
pub fn settings_from_env() -> Result<Settings, String> {
    let mut settings = Settings::default();
    for (var, slot) in [
        (LOCK_WAIT_VAR, &mut settings.lock_wait),
        (LOCK_TIMEOUT_VAR, &mut settings.lock_timeout),
        (STATEMENT_TIMEOUT_VAR, &mut settings.statement_timeout),
    ] {
        if let Ok(value) = std::env::var(var) {
            *slot = parse_duration(&value).map_err(|e| format!("{var}: {e}"))?;
        }
    }
    Ok(settings)
}

/// Parses `250ms`, `30s`, `5m`/`5min`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 500ms, 30s, 5m or 1h"))?;
    let ms = match unit.trim() {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1_000),
        "m" | "min" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => {
            return Err(format!(
                "`{text}` is not a duration such as 500ms, 30s, 5m or 1h"
            ));
        }
    };
    ms.map(Duration::from_millis)
        .ok_or_else(|| format!("`{text}` is too long"))
}

/// The direction of a plan, for rendering.
pub fn plan_direction(plan: &Plan) -> &'static str {
    if plan.direction == Direction::Up {
        "up"
    } else {
        "down"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(json: &str) -> Result<(Command, Settings), String> {
        serde_json::from_str::<Invocation>(json)
            .map_err(|e| e.to_string())?
            .resolve(Settings::default())
    }

    #[test]
    fn lambda_events_resolve_to_commands() {
        assert_eq!(
            invocation(r#"{"command":"up"}"#).map(|c| c.0),
            Ok(Command::Up { to: None })
        );
        assert_eq!(
            invocation(r#"{"command":"up","to":4}"#).map(|c| c.0),
            Ok(Command::Up { to: Some(4) })
        );
        assert_eq!(
            invocation(r#"{"command":"down"}"#).map(|c| c.0),
            Ok(Command::Down(DownTarget::Steps(1)))
        );
        assert_eq!(
            invocation(r#"{"command":"down","to":0}"#).map(|c| c.0),
            Ok(Command::Down(DownTarget::To(0)))
        );
        assert_eq!(
            invocation(r#"{"command":"plan","direction":"down","steps":2}"#).map(|c| c.0),
            Ok(Command::PlanDown(DownTarget::Steps(2)))
        );
        assert_eq!(
            invocation(r#"{"command":"adopt","dry_run":true}"#).map(|c| c.0),
            Ok(Command::Adopt {
                dry_run: true,
                archive: None
            })
        );
        assert_eq!(
            invocation(r#"{"command":"unadopt","dry_run":true}"#).map(|c| c.0),
            Ok(Command::Unadopt {
                dry_run: true,
                archive: None
            })
        );
        let (_, settings) =
            invocation(r#"{"command":"status","lock_wait":"250ms"}"#).expect("valid");
        assert_eq!(settings.lock_wait, Duration::from_millis(250));
    }

    #[test]
    fn lambda_events_with_wrong_or_unknown_fields_are_refused() {
        assert_eq!(
            invocation(r#"{"command":"up","steps":1}"#).map(|c| c.0),
            Err("`steps` does not apply to this command".into())
        );
        assert_eq!(
            invocation(r#"{"command":"down","steps":1,"to":2}"#).map(|c| c.0),
            Err("give either steps or to, not both".into())
        );
        assert!(
            invocation(r#"{"command":"unadopt"}"#)
                .expect_err("needs a file")
                .starts_with("unadopt writes its archive to a file")
        );
        assert_eq!(
            invocation(r#"{"command":"up","dry_run":true}"#).map(|c| c.0),
            Err("`dry_run` does not apply to this command".into())
        );
        assert!(
            invocation(r#"{"command":"up","step":1}"#)
                .expect_err("unknown")
                .contains("unknown field `step`")
        );
        assert!(
            invocation(r#"{"command":"sideways"}"#)
                .expect_err("unknown")
                .contains("unknown variant `sideways`")
        );
        assert!(
            invocation(r#"{"command":"up","lock_wait":"soon"}"#)
                .expect_err("bad")
                .starts_with("lock_wait:")
        );
    }

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("5 fortnights").is_err());
        assert!(parse_duration("").is_err());
    }
}
