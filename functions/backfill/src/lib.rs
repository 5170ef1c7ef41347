//! The backfill: moves the Airtable data into PostgreSQL once, idempotently. One implementation
//! ([`run`]) behind two faces: a CLI (`backfill --from airtable`, `--from csv DIR`) and a Lambda
//! taking the same options as JSON ([`Invocation`]).
//!
//! Tables are read a page (100 records) at a time in dependency order (users, events with their
//! attendees, projects with their collaborators, referrals, votes), and each page is written in
//! one transaction of a few multi-row statements. Rows get ids derived from their record ids and
//! carry the record id in `airtable_id`, so a second run, or a run after one that was killed,
//! finds what is there and ends with the same database as one clean run. At the end every table
//! and link kind is counted in the database and compared with the source ([`Report`]).

use std::path::PathBuf;
use std::time::Instant;

use podium_data::DatabaseUrl;
use podium_runtime::{ConfigError, Vars};
use serde::Deserialize;
use sqlx::{Acquire, PgConnection};

pub mod clean;
pub mod cli;
pub mod import;
pub mod progress;
pub mod record;
pub mod report;
pub mod source;

pub use progress::Progress;
pub use report::Report;
use source::{Airtable, AirtableConfig, CsvDir, Source, SourceError, TABLES};

/// Where the records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    Airtable,
    Csv(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub from: From,
    /// Read and decide everything, write nothing (the run's transaction is rolled back).
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("another backfill is running against this database")]
    Locked,
    #[error("the database has no Podium schema yet: run `migrate up` first")]
    NoSchema,
    #[error("rows of the {0} table kept changing while the backfill wrote them; run it again")]
    Contended(&'static str),
    #[error("{}", unverified(.0))]
    Unverified(Box<Report>),
}

fn unverified(report: &Report) -> String {
    let lines: Vec<String> = report
        .lines
        .iter()
        .filter(|l| l.unexplained != 0)
        .map(|l| format!("{} {:+}", l.name, -l.unexplained))
        .collect();
    format!(
        "verification failed: the database differs from the source beyond the reported problems ({})",
        lines.join(", ")
    )
}

/// The Lambda event: `{"from": "airtable"}` or `{"from": "csv", "dir": "/mnt/export"}`, with an
/// optional `"dry_run": true`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invocation {
    pub from: SourceName,
    #[serde(default)]
    pub dir: Option<PathBuf>,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceName {
    Airtable,
    Csv,
}

impl Invocation {
    pub fn options(&self) -> Result<Options, String> {
        let from = match (self.from, &self.dir) {
            (SourceName::Airtable, None) => From::Airtable,
            (SourceName::Airtable, Some(_)) => return Err("`dir` only applies to csv".into()),
            (SourceName::Csv, Some(dir)) => From::Csv(dir.clone()),
            (SourceName::Csv, None) => return Err("csv needs `dir`".into()),
        };
        Ok(Options {
            from,
            dry_run: self.dry_run,
        })
    }
}

/// Runs one import and returns its report; a report with unexplained differences is an error
/// ([`BackfillError::Unverified`]).
#[tracing::instrument(skip_all, fields(dry_run = options.dry_run))]
pub async fn run(
    options: &Options,
    vars: &Vars,
    progress: &mut dyn Progress,
) -> Result<Report, BackfillError> {
    let started = Instant::now();
    let url = DatabaseUrl::from_vars(vars)?;
    let mut source = match &options.from {
        From::Airtable => Source::Airtable(Airtable::new(AirtableConfig::from_vars(vars)?)?),
        From::Csv(dir) => Source::Csv(CsvDir::new(dir)),
    };
    let mut conn = podium_data::db::connect(&url, "podium-backfill").await?;
    let has_schema: bool = sqlx::query_scalar("SELECT to_regclass('votes') IS NOT NULL")
        .fetch_one(&mut conn)
        .await?;
    if !has_schema {
        return Err(BackfillError::NoSchema);
    }
    if !podium_data::import::try_lock(&mut conn).await? {
        return Err(BackfillError::Locked);
    }
    let outcome = if options.dry_run {
        let mut tx = conn.begin().await?;
        let outcome = import_all(&mut tx, &mut source, progress).await;
        tx.rollback().await?;
        outcome
    } else {
        import_all(&mut conn, &mut source, progress).await
    };
    podium_data::import::unlock(&mut conn).await?;
    let (lines, problems) = outcome?;
    let (requests, throttled) = match &source {
        Source::Airtable(a) => (a.requests, a.throttled),
        Source::Csv(_) => (0, 0),
    };
    let report = Report {
        source: source.name(),
        dry_run: options.dry_run,
        ok: lines.iter().all(|l| l.unexplained == 0),
        lines,
        problems,
        requests,
        throttled,
        elapsed_ms: started.elapsed().as_millis(),
    };
    tracing::info!(
        ok = report.ok,
        elapsed_ms = report.elapsed_ms,
        "backfill finished"
    );
    if report.ok {
        Ok(report)
    } else {
        Err(BackfillError::Unverified(Box::new(report)))
    }
}

type Outcome = (Vec<report::Line>, Vec<report::Problem>);

async fn import_all(
    conn: &mut PgConnection,
    source: &mut Source,
    progress: &mut dyn Progress,
) -> Result<Outcome, BackfillError> {
    let mut importer = import::Importer::default();
    for table in TABLES {
        progress.start(table.name(), source.total(table)?);
        let mut offset: Option<String> = None;
        let mut done = 0;
        loop {
            let page = source.page(table, offset.as_deref()).await?;
            importer.page(conn, table, &page.records).await?;
            done += page.records.len();
            progress.advance(done);
            match page.next {
                Some(next) => offset = Some(next),
                None => break,
            }
        }
        progress.finish();
    }
    let lines = importer.verify(conn).await?;
    Ok((lines, importer.problems.list()))
}
