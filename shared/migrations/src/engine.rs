//! Applying, reverting, planning, verifying and adopting migrations.
//!
//! Every command that changes the database first takes a session-level advisory lock on its own
//! connection, waiting at most `Settings::lock_wait`. Session locks die with their connection,
//! so a crashed or killed holder never leaves one behind. Each migration runs in its own
//! transaction (unless its file opts out) with `lock_timeout` and `statement_timeout` set; the
//! statements run are exactly those `plan` prints.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::postgres::{PgDatabaseError, PgErrorPosition};
use sqlx::{AssertSqlSafe, PgConnection};

use super::cutover::{
    self, ALEMBIC_MARKER, Archive, Change, ORIGINAL_FINGERPRINT, ORIGINAL_TABLES, Restored,
    Unfitting,
};
use super::fingerprint::SchemaFingerprint;
use super::history::{self, AppliedMigration};
use super::refusal::Refusal;
use super::source::{Migration, MigrationSet};
use super::sql::line_at;

/// The advisory lock key ("podiummg"). Advisory locks are per database.
pub const LOCK_KEY: i64 = 0x706f_6469_756d_6d67;

/// Alembic revisions of the original service whose schema equals ours after a given version.
pub const ALEMBIC_REVISIONS: [(&str, i64); 3] = [
    ("eb4f2bdf228a", 1),
    ("68760cdd30c1", 2),
    ("e10bb6a39187", 3),
];

/// The original's April 2026 head, which `adopt` converts (its schema lost columns ours keeps):
/// the revision, the version of ours it becomes, its expected schema, and the SQL that moves its
/// rows into ours.
pub const ALEMBIC_CONVERTED: (&str, i64) = ("e5f6a7b8c9d0", 8);
const CONVERT_ROWS: &str = include_str!("adopt_e5f6a7b8c9d0.sql");

/// The revisions between e10bb6a39187 and e5f6a7b8c9d0, which `adopt` cannot take over: bring
/// such a database to the head with the original's Alembic first.
pub const ALEMBIC_UNSUPPORTED: [&str; 8] = [
    "434e824c2c24",
    "86972a653c14",
    "2b44c8c9a626",
    "28f961df26a5",
    "a1b2c3d4e5f6",
    "b2c3d4e5f6a7",
    "c3d4e5f6a7b8",
    "d4e5f6a7b8c9",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long a run waits for another run's lock before giving up.
    pub lock_wait: Duration,
    /// PostgreSQL `lock_timeout` while a migration runs.
    pub lock_timeout: Duration,
    /// PostgreSQL `statement_timeout` while a migration runs.
    pub statement_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lock_wait: Duration::from_secs(60),
            lock_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

/// What a statement of a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// BEGIN, COMMIT, SET/RESET of the timeouts.
    Control,
    /// The migration file: the whole file when it is transactional (`line` 1), else one of its
    /// statements, starting on `line`.
    Migration { line: usize },
    /// A change to the bookkeeping table.
    Bookkeeping,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedStatement {
    pub sql: String,
    #[serde(flatten)]
    pub kind: StatementKind,
}

/// One migration to apply or revert, as the exact statements that will run.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    pub version: i64,
    pub name: String,
    pub direction: Direction,
    pub transactional: bool,
    pub statements: Vec<PlannedStatement>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub direction: Direction,
    /// Statements run before any step (creating the bookkeeping table).
    pub preamble: Vec<String>,
    pub steps: Vec<PlannedStep>,
}

impl Plan {
    /// The whole plan as one SQL script, runnable with psql.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for sql in &self.preamble {
            out.push_str(sql);
            out.push_str(";\n");
        }
        for step in &self.steps {
            let file = format!(
                "{:03}_{}.{}.sql",
                step.version,
                step.name,
                if step.direction == Direction::Up {
                    "up"
                } else {
                    "down"
                }
            );
            let tx = if step.transactional {
                ""
            } else {
                ", outside a transaction"
            };
            out.push_str(&format!("\n-- {file}{tx}\n"));
            for statement in &step.statements {
                let sql = statement.sql.trim_end();
                out.push_str(sql);
                // A whole file usually ends with its own `;`; one whose last line is a `--`
                // comment gets the `;` on a line of its own, outside the comment.
                let last_line = sql.lines().last().unwrap_or_default().trim_start();
                out.push_str(if sql.ends_with(';') {
                    "\n"
                } else if last_line.starts_with("--") {
                    "\n;\n"
                } else {
                    ";\n"
                });
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Applied,
    Pending,
    /// Started outside a transaction and not finished (or a revert that did not finish).
    Failed,
    /// Recorded in the database, unknown to this binary.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    pub version: i64,
    pub name: String,
    pub state: State,
    pub installed_on: Option<chrono::DateTime<chrono::Utc>>,
    pub duration_ms: Option<f64>,
    /// Whether the recorded checksum equals this binary's file (None when not comparable).
    pub checksum_matches: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub current_version: i64,
    pub latest_version: i64,
    pub migrations: Vec<MigrationStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub version: i64,
    pub name: String,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub direction: Direction,
    /// The migrations applied (up) or reverted (down), in the order they ran.
    pub steps: Vec<StepReport>,
    pub current_version: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub current_version: i64,
    pub pending: Vec<i64>,
    pub schema_digest: String,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AdoptReport {
    pub alembic_revision: String,
    /// Our migrations recorded as applied without running them (or run by the conversion).
    pub marked_applied: Vec<i64>,
    /// What `up` will still apply.
    pub pending: Vec<i64>,
    /// Done, then rolled back: this is what the real run would do.
    pub dry_run: bool,
    /// Rows of the original's tables afterwards (all kept).
    pub rows: BTreeMap<String, i64>,
    /// Values the conversion made or changed: join codes drawn, points that differ from the
    /// archived ones.
    pub changes: Vec<Change>,
    /// What was restored from an archive, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored: Option<Restored>,
    /// Why the real run would refuse (a dry run reports them instead of failing).
    pub refusals: Vec<String>,
}

impl AdoptReport {
    fn refused(message: String) -> Self {
        Self {
            dry_run: true,
            refusals: vec![message],
            ..Self::default()
        }
    }
}

/// How `adopt` runs.
#[derive(Debug, Clone, Default)]
pub struct AdoptOptions {
    /// Do everything inside a transaction, report, and roll it back.
    pub dry_run: bool,
    /// Our own data, as `unadopt` archived it, to restore in the same transaction.
    pub archive: Option<Archive>,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "another migration run holds the migration lock{}; gave up after waiting {waited:?} \
         (set PODIUM_MIGRATE_LOCK_WAIT or --lock-wait to wait longer)",
        holder.map(|pid| format!(" (PostgreSQL backend pid {pid})")).unwrap_or_default()
    )]
    LockTimeout {
        waited: Duration,
        holder: Option<i32>,
    },
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    Failed(Box<FailedMigration>),
    #[error("verification failed:\n{}", .0.join("\n"))]
    VerifyFailed(Vec<String>),
}

/// Where and why a migration failed.
#[derive(Debug, Clone)]
pub struct FailedMigration {
    pub label: String,
    pub direction: &'static str,
    /// The 1-based line of the file: where the server's error position points (a transactional
    /// file, sent whole), or where the failing statement starts (a no-transaction file, run
    /// statement by statement). `None` when the server named no position (an error met while
    /// running, such as a broken constraint, rather than while parsing).
    pub line: Option<usize>,
    /// For a no-transaction file: the failing statement's 1-based index, and how many it has.
    pub statement_index: Option<(usize, usize)>,
    /// The failing statement (no-transaction file) or the file's line at the error position
    /// (transactional file), abbreviated; empty when neither is known.
    pub statement: String,
    pub message: String,
    pub aftermath: &'static str,
}

impl std::fmt::Display for FailedMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "migration {} ({}) failed", self.label, self.direction)?;
        match (self.statement_index, self.line) {
            (Some((index, count)), Some(line)) => {
                write!(
                    f,
                    " at statement {index} of {count} (line {line} of its file)"
                )?;
            }
            (None, Some(line)) => write!(f, " at line {line} of its file")?,
            _ => {}
        }
        writeln!(f, ": {}", self.message)?;
        // `at:` is the file's line at the error position; `statement:` a statement run alone
        // (of a no-transaction file, or the engine's own, such as the bookkeeping INSERT).
        match (self.statement_index, self.line, self.statement.is_empty()) {
            (_, _, true) => {}
            (None, Some(_), false) => writeln!(f, "at: {}", self.statement)?,
            _ => writeln!(f, "statement: {}", self.statement)?,
        }
        f.write_str(self.aftermath)
    }
}

impl std::error::Error for FailedMigration {}

impl MigrateError {
    /// The report of a failed `verify`, when that is what this error is.
    pub fn verify_problems(&self) -> Option<&[String]> {
        match self {
            Self::VerifyFailed(problems) => Some(problems),
            _ => None,
        }
    }
}

/// Which migrations `down` reverts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownTarget {
    Steps(usize),
    /// Revert every migration above this version (0 reverts all).
    To(i64),
}

#[derive(Debug, Clone)]
pub struct Migrator {
    pub(crate) set: MigrationSet,
    pub(crate) settings: Settings,
}

impl Migrator {
    pub fn new(set: MigrationSet, settings: Settings) -> Self {
        Self { set, settings }
    }

    pub fn embedded(settings: Settings) -> Self {
        Self::new(MigrationSet::embedded(), settings)
    }

    pub fn set(&self) -> &MigrationSet {
        &self.set
    }

    #[tracing::instrument(skip_all)]
    pub async fn status(&self, conn: &mut PgConnection) -> Result<StatusReport, MigrateError> {
        let applied = history::read(conn).await?;
        let recorded: BTreeMap<i64, &AppliedMigration> =
            applied.iter().map(|a| (a.version, a)).collect();
        let mut versions: Vec<i64> = self
            .set
            .iter()
            .map(|m| m.version)
            .chain(recorded.keys().copied())
            .collect();
        versions.sort_unstable();
        versions.dedup();
        let migrations = versions
            .into_iter()
            .map(|version| {
                let known = self.set.get(version);
                let row = recorded.get(&version);
                let state = match (known, row) {
                    (_, Some(r)) if !r.success => State::Failed,
                    (None, Some(_)) => State::Unknown,
                    (Some(_), Some(_)) => State::Applied,
                    _ => State::Pending,
                };
                MigrationStatus {
                    version,
                    name: known.map_or_else(
                        || {
                            row.map(|r| r.description.replace(' ', "_"))
                                .unwrap_or_default()
                        },
                        |m| m.name.to_string(),
                    ),
                    state,
                    installed_on: row.map(|r| r.installed_on),
                    duration_ms: row
                        .filter(|r| r.success)
                        .map(|r| r.execution_time as f64 / 1e6),
                    checksum_matches: known.zip(row).map(|(m, r)| m.checksum() == r.checksum),
                }
            })
            .collect();
        Ok(StatusReport {
            current_version: current_version(&applied),
            latest_version: self.set.latest_version(),
            migrations,
        })
    }

    /// The statements `up` would run now (to `to`, or to the latest version).
    pub async fn plan_up(
        &self,
        conn: &mut PgConnection,
        to: Option<i64>,
    ) -> Result<Plan, MigrateError> {
        let applied = history::read(conn).await?;
        self.check_history(&applied)?;
        let to = self.target(to)?;
        let done: Vec<i64> = applied.iter().map(|a| a.version).collect();
        let steps = self
            .set
            .iter()
            .filter(|m| m.version <= to && !done.contains(&m.version))
            .map(|m| self.step(m, Direction::Up))
            .collect();
        Ok(Plan {
            direction: Direction::Up,
            preamble: vec![history::CREATE_TABLE.to_owned()],
            steps,
        })
    }

    /// The statements `down` would run now.
    pub async fn plan_down(
        &self,
        conn: &mut PgConnection,
        target: DownTarget,
    ) -> Result<Plan, MigrateError> {
        let applied = history::read(conn).await?;
        self.check_history(&applied)?;
        let newest_first = applied.iter().rev();
        let chosen: Vec<&AppliedMigration> = match target {
            DownTarget::Steps(n) => newest_first.take(n).collect(),
            DownTarget::To(version) => {
                if version != 0 {
                    self.target(Some(version))?;
                }
                newest_first.take_while(|a| a.version > version).collect()
            }
        };
        let steps = chosen
            .into_iter()
            .filter_map(|a| self.set.get(a.version))
            .map(|m| self.step(m, Direction::Down))
            .collect();
        Ok(Plan {
            direction: Direction::Down,
            preamble: Vec::new(),
            steps,
        })
    }

    /// Applies pending migrations up to `to` (or all), under the migration lock.
    #[tracing::instrument(skip(self, conn))]
    pub async fn up(
        &self,
        conn: &mut PgConnection,
        to: Option<i64>,
    ) -> Result<RunReport, MigrateError> {
        self.locked(conn, async |this, conn| {
            let plan = this.plan_up(conn, to).await?;
            this.execute(conn, &plan).await
        })
        .await
    }

    /// Reverts applied migrations, newest first, under the migration lock.
    #[tracing::instrument(skip(self, conn))]
    pub async fn down(
        &self,
        conn: &mut PgConnection,
        target: DownTarget,
    ) -> Result<RunReport, MigrateError> {
        self.locked(conn, async |this, conn| {
            let plan = this.plan_down(conn, target).await?;
            this.execute(conn, &plan).await
        })
        .await
    }

    /// Checks that history and live schema are what this binary's migrations produce.
    /// Returns the report; `Err(VerifyFailed)` when anything is wrong.
    #[tracing::instrument(skip_all)]
    pub async fn verify(&self, conn: &mut PgConnection) -> Result<VerifyReport, MigrateError> {
        let report = self.verify_report(conn).await?;
        if report.ok {
            Ok(report)
        } else {
            Err(MigrateError::VerifyFailed(report.problems))
        }
    }

    /// Like `verify`, but returns the report whatever it found.
    pub async fn verify_report(
        &self,
        conn: &mut PgConnection,
    ) -> Result<VerifyReport, MigrateError> {
        let applied = history::read(conn).await?;
        let mut problems = self.history_problems(&applied);
        for version in history::duplicated_versions(conn).await? {
            problems.push(format!(
                "version {version} is recorded more than once in {}",
                history::TABLE
            ));
        }
        let live = SchemaFingerprint::read(conn).await?;
        let current = current_version(&applied);
        match self.expected_schema(current) {
            Ok(expected) => {
                let diff = SchemaFingerprint::diff(&expected, &live);
                if !diff.is_empty() {
                    problems.push(format!(
                        "the live schema differs from what the migrations up to version {current} produce \
                         (- expected, + found):\n  {}",
                        diff.join("\n  ")
                    ));
                }
            }
            Err(problem) => problems.push(problem),
        }
        let done: Vec<i64> = applied.iter().map(|a| a.version).collect();
        Ok(VerifyReport {
            ok: problems.is_empty(),
            current_version: current,
            pending: self
                .set
                .iter()
                .map(|m| m.version)
                .filter(|v| !done.contains(v))
                .collect(),
            schema_digest: live.digest(),
            problems,
        })
    }

    /// Takes over a database created by the original service's Alembic migrations.
    pub async fn adopt(&self, conn: &mut PgConnection) -> Result<AdoptReport, MigrateError> {
        self.adopt_with(conn, AdoptOptions::default()).await
    }

    /// `adopt`, optionally as a dry run (everything done, then rolled back) and with an archive
    /// of our own data written by `unadopt`, which is restored in the same transaction.
    #[tracing::instrument(skip_all, fields(dry_run = options.dry_run, archive = options.archive.is_some()))]
    pub async fn adopt_with(
        &self,
        conn: &mut PgConnection,
        options: AdoptOptions,
    ) -> Result<AdoptReport, MigrateError> {
        self.locked(conn, async |this, conn| {
            this.begin(conn).await?;
            let outcome = this.adopt_in_transaction(conn, &options).await;
            finish(conn, outcome, options.dry_run, AdoptReport::refused).await
        })
        .await
    }

    async fn adopt_in_transaction(
        &self,
        conn: &mut PgConnection,
        options: &AdoptOptions,
    ) -> Result<AdoptReport, MigrateError> {
        if !history::read(conn).await?.is_empty() {
            return Err(Refusal::AlreadyManaged.into());
        }
        let has_alembic: bool =
            sqlx::query_scalar("SELECT to_regclass('alembic_version') IS NOT NULL")
                .fetch_one(&mut *conn)
                .await?;
        if !has_alembic {
            return Err(Refusal::NotTheOriginal.into());
        }
        let revisions: Vec<String> =
            sqlx::query_scalar("SELECT version_num::text FROM alembic_version ORDER BY 1")
                .fetch_all(&mut *conn)
                .await?;
        if let [one] = revisions.as_slice()
            && one == ALEMBIC_CONVERTED.0
        {
            return self.convert(conn, options).await;
        }
        let (revision, version) = match revisions.as_slice() {
            [one] if one == ALEMBIC_MARKER => {
                return Err(Refusal::MarkerWithoutHistory.into());
            }
            [one] if ALEMBIC_UNSUPPORTED.contains(&one.as_str()) => {
                return Err(Refusal::UnsupportedRevision {
                    revision: one.clone(),
                }
                .into());
            }
            [one] => ALEMBIC_REVISIONS
                .iter()
                .find(|(r, _)| r == one)
                .copied()
                .ok_or_else(|| Refusal::UnknownRevision {
                    revision: one.clone(),
                })?,
            other => {
                return Err(Refusal::AlembicRows(other.to_vec()).into());
            }
        };
        if options.archive.is_some() {
            return Err(Refusal::ArchiveNeedsConverted {
                revision: revision.to_owned(),
            }
            .into());
        }
        let expected = self.expected_schema(version).map_err(Refusal::NoSnapshot)?;
        refuse_drift(revision, &expected, &SchemaFingerprint::read(conn).await?)?;
        let marked = self.up_to(version);
        let mut statements = vec![history::CREATE_TABLE.to_owned()];
        statements.extend(marked.iter().map(|m| history::insert_adopted(m)));
        statements.push(mark_ours());
        run_all(conn, &statements).await?;
        tracing::info!(revision, version, "adopted the original service's database");
        Ok(AdoptReport {
            rows: row_counts(conn).await?,
            dry_run: options.dry_run,
            ..self.adopted(revision, version)
        })
    }

    /// Converts a database at the original's April 2026 head into ours, inside the caller's
    /// transaction: its tables are set aside, ours are made by our migrations 1 to 8, every row
    /// is moved over (fresh join codes for events, no record ids, points counted from votes),
    /// and migrations 1 to 8 are recorded as applied. With an archive, the migrations up to the
    /// archive's version run too and our own data is restored from it. Refuses, changing
    /// nothing, when the schema differs from that revision's, or when a row does not fit ours.
    async fn convert(
        &self,
        conn: &mut PgConnection,
        options: &AdoptOptions,
    ) -> Result<AdoptReport, MigrateError> {
        let (revision, converted) = ALEMBIC_CONVERTED;
        let expected = SchemaFingerprint::parse(ORIGINAL_FINGERPRINT);
        let live = SchemaFingerprint::read(conn).await?;
        refuse_drift(revision, &expected, &live)?;
        let version = match &options.archive {
            Some(archive) => self.check_archive(archive)?,
            None => converted,
        };
        // Rows ours refuses (the original stored any phase or validation value), all named.
        let ours = self
            .expected_schema(converted)
            .map_err(Refusal::NoSnapshot)?;
        let theirs = cutover::columns(&live);
        let shared: Vec<cutover::Column> = cutover::columns(&ours)
            .into_iter()
            .filter(|c| {
                theirs
                    .iter()
                    .any(|t| t.table == c.table && t.name == c.name)
            })
            .collect();
        let unfitting = cutover::unfitting_rows(conn, &theirs, &shared, "our schema").await?;
        if !unfitting.is_empty() {
            return Err(refuse_rows("adopt", revision, "our", unfitting));
        }
        raw(conn, cutover::CREATE_ARCHIVE_TABLE).await?;
        if let Some(archive) = &options.archive {
            cutover::load_archive(conn, archive).await?;
        }
        let mut statements = vec!["CREATE SCHEMA podium_adopt".to_owned()];
        statements.extend(
            ORIGINAL_TABLES
                .iter()
                .map(|t| format!("ALTER TABLE public.{t} SET SCHEMA podium_adopt")),
        );
        // Inside this one transaction: indexes need no CONCURRENTLY.
        let body = |m: &Migration| {
            m.up.statements()
                .into_iter()
                .map(|s| s.sql.replace("INDEX CONCURRENTLY", "INDEX"))
                .collect::<Vec<_>>()
        };
        let marked = self.up_to(version);
        for migration in marked.iter().filter(|m| m.version <= converted) {
            statements.extend(body(migration));
        }
        statements.push(CONVERT_ROWS.to_owned());
        for migration in marked.iter().filter(|m| m.version > converted) {
            statements.extend(body(migration));
        }
        statements.push(history::CREATE_TABLE.to_owned());
        statements.extend(marked.iter().map(|m| history::insert_adopted(m)));
        statements.push(mark_ours());
        run_all(conn, &statements)
            .await
            .map_err(|err| match err.as_database_error() {
                Some(db) if db.constraint().is_some() => {
                    MigrateError::Refused(Refusal::RowDoesNotFit {
                        revision: revision.to_owned(),
                        message: db.message().to_owned(),
                    })
                }
                _ => MigrateError::Database(err),
            })?;
        let restored = match &options.archive {
            Some(archive) => Some(cutover::restore_archive(conn, archive).await?),
            None => None,
        };
        let changes = adoption_changes(conn).await?;
        tracing::info!(
            revision,
            version,
            dry_run = options.dry_run,
            "converted the original service's April 2026 database"
        );
        Ok(AdoptReport {
            dry_run: options.dry_run,
            rows: row_counts(conn).await?,
            changes,
            restored,
            ..self.adopted(revision, version)
        })
    }

    /// The schema version an archive restores into, when this binary can restore it.
    fn check_archive(&self, archive: &Archive) -> Result<i64, MigrateError> {
        let version = archive.header.schema_version;
        if version < ALEMBIC_CONVERTED.1 || self.set.get(version).is_none() {
            return Err(Refusal::ArchiveVersion {
                version,
                latest: self.set.latest_version(),
            }
            .into());
        }
        for line in archive.lines.iter().filter(|l| l.table == history::TABLE) {
            let recorded = line.row.get("version").and_then(serde_json::Value::as_i64);
            let checksum = line.row.get("checksum").and_then(serde_json::Value::as_str);
            let matches = recorded.and_then(|v| self.set.get(v)).is_some_and(|m| {
                checksum == Some(format!("\\x{}", hex::encode(m.checksum())).as_str())
            });
            if !matches {
                return Err(Refusal::ArchiveFromAnotherBuild { version: recorded }.into());
            }
        }
        Ok(version)
    }

    /// The migrations up to `version`, in order.
    pub(crate) fn up_to(&self, version: i64) -> Vec<&Migration> {
        self.set.iter().filter(|m| m.version <= version).collect()
    }

    /// What adopting at `revision` (our `version`) did and leaves to do.
    fn adopted(&self, revision: &str, version: i64) -> AdoptReport {
        AdoptReport {
            alembic_revision: revision.to_owned(),
            marked_applied: self.up_to(version).iter().map(|m| m.version).collect(),
            pending: self
                .set
                .iter()
                .map(|m| m.version)
                .filter(|v| *v > version)
                .collect(),
            ..AdoptReport::default()
        }
    }

    /// The expected fingerprint after `version` (0: the empty schema).
    pub(crate) fn expected_schema(&self, version: i64) -> Result<SchemaFingerprint, String> {
        if version == 0 {
            return Ok(SchemaFingerprint::empty());
        }
        let migration = self.set.get(version).ok_or_else(|| {
            format!("the database is at version {version}, which this binary does not know")
        })?;
        migration
            .schema
            .as_deref()
            .map(SchemaFingerprint::parse)
            .ok_or_else(|| format!("{} has no schema snapshot (migrations/schema/{version:03}.txt): run `make schema`", migration.label()))
    }

    fn target(&self, to: Option<i64>) -> Result<i64, MigrateError> {
        match to {
            None => Ok(self.set.latest_version()),
            Some(v) if self.set.get(v).is_some() => Ok(v),
            Some(v) => Err(Refusal::NoSuchVersion(v).into()),
        }
    }

    /// What in the recorded history forbids running migrations.
    fn history_problems(&self, applied: &[AppliedMigration]) -> Vec<String> {
        let mut problems = Vec::new();
        for row in applied {
            match self.set.get(row.version) {
                None => problems.push(format!(
                    "the database has version {} ({}), which this binary does not know: deploy the migrate function \
                     that applied it, or revert it with that binary",
                    row.version, row.description
                )),
                Some(m) if !row.success => problems.push(format!(
                    "migration {} did not finish (it runs outside a transaction): repair the schema by hand, then \
                     delete its row: DELETE FROM {} WHERE version = {}",
                    m.label(),
                    history::TABLE,
                    m.version
                )),
                Some(m) if m.checksum() != row.checksum => problems.push(format!(
                    "migration {} was applied from a different file: its checksum changed since (an applied migration \
                     must never be edited; add a new migration instead)",
                    m.label()
                )),
                Some(_) => {}
            }
        }
        problems
    }

    fn check_history(&self, applied: &[AppliedMigration]) -> Result<(), MigrateError> {
        let problems = self.history_problems(applied);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Refusal::History(problems).into())
        }
    }

    fn step(&self, migration: &Migration, direction: Direction) -> PlannedStep {
        let script = if direction == Direction::Up {
            &migration.up
        } else {
            &migration.down
        };
        let transactional = !script.no_transaction;
        let (lock_timeout, statement_timeout) = (
            pg_duration(self.settings.lock_timeout),
            pg_duration(self.settings.statement_timeout),
        );
        let control = |sql: String| PlannedStatement {
            sql,
            kind: StatementKind::Control,
        };
        let bookkeeping = |sql: String| PlannedStatement {
            sql,
            kind: StatementKind::Bookkeeping,
        };
        let body = script.statements().into_iter().map(|s| PlannedStatement {
            sql: s.sql,
            kind: StatementKind::Migration { line: s.line },
        });

        let mut statements = Vec::new();
        let v = migration.version;
        if transactional {
            statements.push(control("BEGIN".to_owned()));
            statements.push(control(format!("SET LOCAL lock_timeout = {lock_timeout}")));
            statements.push(control(format!(
                "SET LOCAL statement_timeout = {statement_timeout}"
            )));
            statements.extend(body);
            statements.push(bookkeeping(match direction {
                Direction::Up => history::insert_applied(migration),
                Direction::Down => history::delete(v),
            }));
            statements.push(control("COMMIT".to_owned()));
        } else {
            statements.push(control(format!("SET lock_timeout = {lock_timeout}")));
            statements.push(control(format!(
                "SET statement_timeout = {statement_timeout}"
            )));
            statements.push(bookkeeping(match direction {
                Direction::Up => history::insert_started(migration),
                Direction::Down => history::mark_reverting(v),
            }));
            statements.extend(body);
            statements.push(bookkeeping(match direction {
                Direction::Up => history::mark_finished(v),
                Direction::Down => history::delete(v),
            }));
            statements.push(control("RESET lock_timeout".to_owned()));
            statements.push(control("RESET statement_timeout".to_owned()));
        }
        PlannedStep {
            version: v,
            name: migration.name.to_string(),
            direction,
            transactional,
            statements,
        }
    }

    async fn execute(
        &self,
        conn: &mut PgConnection,
        plan: &Plan,
    ) -> Result<RunReport, MigrateError> {
        for sql in &plan.preamble {
            raw(conn, sql).await?;
        }
        let mut done = Vec::new();
        for step in &plan.steps {
            let started = Instant::now();
            let label = format!("{:03}_{}", step.version, step.name);
            tracing::info!(migration = %label, direction = ?step.direction, "running migration");
            let count = step
                .statements
                .iter()
                .filter(|s| matches!(s.kind, StatementKind::Migration { .. }))
                .count();
            let mut index = 0;
            for statement in &step.statements {
                if let StatementKind::Migration { .. } = statement.kind {
                    index += 1;
                }
                if let Err(err) = raw(conn, &statement.sql).await {
                    if step.transactional {
                        // The transaction is aborted; end it so the connection stays usable.
                        let _ = raw(conn, "ROLLBACK").await;
                    }
                    let (line, statement_index, text) = match statement.kind {
                        StatementKind::Migration { line } if !step.transactional => {
                            (Some(line), Some((index, count)), abbreviate(&statement.sql))
                        }
                        StatementKind::Migration { .. } => {
                            let line = error_position(&err).map(|p| line_at(&statement.sql, p));
                            let text = line
                                .and_then(|l| statement.sql.lines().nth(l - 1))
                                .map(abbreviate)
                                .unwrap_or_default();
                            (line, None, text)
                        }
                        _ => (None, None, abbreviate(&statement.sql)),
                    };
                    let aftermath = if step.transactional {
                        "the migration was rolled back completely; the recorded version is unchanged"
                    } else {
                        "the migration runs outside a transaction: what ran before this statement stays, and the \
                         migration is recorded as failed until repaired by hand"
                    };
                    tracing::error!(migration = %label, error = %db_message(&err), "migration failed");
                    return Err(MigrateError::Failed(Box::new(FailedMigration {
                        label,
                        direction: if step.direction == Direction::Up {
                            "up"
                        } else {
                            "down"
                        },
                        line,
                        statement_index,
                        statement: text,
                        message: db_message(&err),
                        aftermath,
                    })));
                }
            }
            let duration_ms = started.elapsed().as_secs_f64() * 1e3;
            tracing::info!(migration = %label, duration_ms, "migration done");
            done.push(StepReport {
                version: step.version,
                name: step.name.clone(),
                duration_ms,
            });
        }
        let applied = history::read(conn).await?;
        Ok(RunReport {
            direction: plan.direction,
            steps: done,
            current_version: current_version(&applied),
        })
    }

    /// Opens the one transaction of a cut-over, with this run's lock and statement timeouts.
    pub(crate) async fn begin(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        raw(conn, "BEGIN").await?;
        raw(
            conn,
            &format!(
                "SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {}",
                pg_duration(self.settings.lock_timeout),
                pg_duration(self.settings.statement_timeout)
            ),
        )
        .await
    }

    /// Runs `work` holding the migration lock, and releases it whatever happens.
    pub(crate) async fn locked<T>(
        &self,
        conn: &mut PgConnection,
        work: impl AsyncFnOnce(&Self, &mut PgConnection) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        acquire_lock(conn, self.settings.lock_wait).await?;
        let result = work(self, &mut *conn).await;
        // If the connection broke, the lock went with it; otherwise release it now.
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await;
        result
    }
}

/// Takes the migration lock, waiting at most `wait`.
pub async fn acquire_lock(conn: &mut PgConnection, wait: Duration) -> Result<(), MigrateError> {
    let deadline = Instant::now() + wait;
    loop {
        let acquired: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LOCK_KEY)
            .fetch_one(&mut *conn)
            .await?;
        if acquired {
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            let holder = lock_holder(conn).await?;
            return Err(MigrateError::LockTimeout {
                waited: wait,
                holder,
            });
        }
        tokio::time::sleep((deadline - now).min(Duration::from_millis(100))).await;
    }
}

/// The backend pid holding the migration lock in this database, if any.
pub async fn lock_holder(conn: &mut PgConnection) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND objsubid = 1
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((classid::bigint << 32) | objid::bigint) = $1
         LIMIT 1",
    )
    .bind(LOCK_KEY)
    .fetch_optional(conn)
    .await
}

fn current_version(applied: &[AppliedMigration]) -> i64 {
    applied
        .iter()
        .filter(|a| a.success)
        .map(|a| a.version)
        .max()
        .unwrap_or(0)
}

pub(crate) async fn raw(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Refuses, naming every difference, a database whose schema is not `revision`'s.
fn refuse_drift(
    revision: &str,
    expected: &SchemaFingerprint,
    live: &SchemaFingerprint,
) -> Result<(), MigrateError> {
    let diff = SchemaFingerprint::diff(expected, live);
    if diff.is_empty() {
        return Ok(());
    }
    Err(Refusal::SchemaDrift {
        revision: revision.to_owned(),
        diff,
    }
    .into())
}

/// Runs `statements` in order inside the caller's transaction; stops at the first failure.
pub(crate) async fn run_all(
    conn: &mut PgConnection,
    statements: &[String],
) -> Result<(), sqlx::Error> {
    for sql in statements {
        raw(conn, sql).await?;
    }
    Ok(())
}

/// Ends the transaction `begin` opened: commits a real run that succeeded, rolls back a dry run
/// or a failure. A dry run reports a refusal (through `refused`) instead of failing with it.
pub(crate) async fn finish<T>(
    conn: &mut PgConnection,
    outcome: Result<T, MigrateError>,
    dry_run: bool,
    refused: impl FnOnce(String) -> T,
) -> Result<T, MigrateError> {
    match outcome {
        Ok(report) if !dry_run => {
            raw(conn, "COMMIT").await?;
            Ok(report)
        }
        outcome => {
            // A broken connection rolls back by itself.
            let _ = raw(conn, "ROLLBACK").await;
            match outcome {
                Err(MigrateError::Refused(refusal)) if dry_run => Ok(refused(refusal.to_string())),
                outcome => outcome,
            }
        }
    }
}

/// The statement that makes the original's Alembic refuse this database (see [`ALEMBIC_MARKER`]).
fn mark_ours() -> String {
    format!("UPDATE alembic_version SET version_num = '{ALEMBIC_MARKER}'")
}

/// Rows in each of the original's tables.
pub(crate) async fn row_counts(
    conn: &mut PgConnection,
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let mut rows = BTreeMap::new();
    for table in ORIGINAL_TABLES {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&mut *conn)
            .await?;
        rows.insert(table.to_owned(), n);
    }
    Ok(rows)
}

/// What a conversion made that was not there: each event's join code unless it is the archived
/// one, and each project's points where they differ from the archived ones.
async fn adoption_changes(conn: &mut PgConnection) -> Result<Vec<Change>, sqlx::Error> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT 'join_code', e.id::text, a.row->>'join_code', e.join_code::text
         FROM events e LEFT JOIN pg_temp.podium_archive a ON a.tbl = 'events' AND a.row->>'id' = e.id::text
         WHERE (a.row->>'join_code') IS DISTINCT FROM e.join_code
         UNION ALL
         SELECT 'points', p.id::text, a.row->>'points', p.points::text
         FROM projects p JOIN pg_temp.podium_archive a ON a.tbl = 'projects' AND a.row->>'id' = p.id::text
         WHERE (a.row->>'points') IS DISTINCT FROM p.points::text
         ORDER BY 1, 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(column, row, from, to)| Change {
            table: if column == "points" {
                "projects"
            } else {
                "events"
            }
            .to_owned(),
            row,
            column,
            from,
            to,
        })
        .collect())
}

/// The refusal for rows one side's schema cannot hold, every one named.
pub(crate) fn refuse_rows(
    command: &'static str,
    revision: &str,
    side: &'static str,
    values: Vec<Unfitting>,
) -> MigrateError {
    Refusal::ValuesDoNotFit {
        command,
        revision: revision.to_owned(),
        side,
        values,
    }
    .into()
}

/// A duration as a PostgreSQL setting literal.
fn pg_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("'{}s'", ms / 1000)
    } else {
        format!("'{ms}ms'")
    }
}

fn db_message(err: &sqlx::Error) -> String {
    match err.as_database_error() {
        Some(db) => {
            let code = db
                .code()
                .map(|c| format!(" (SQLSTATE {c})"))
                .unwrap_or_default();
            format!("{}{code}", db.message())
        }
        None => err.to_string(),
    }
}

/// The server's error position (1-based, in characters of the query), when it names one.
fn error_position(err: &sqlx::Error) -> Option<usize> {
    let db = err
        .as_database_error()?
        .try_downcast_ref::<PgDatabaseError>()?;
    match db.position()? {
        PgErrorPosition::Original(position) => Some(position),
        PgErrorPosition::Internal { .. } => None,
    }
}

fn abbreviate(sql: &str) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 240 {
        format!("{}…", flat.chars().take(240).collect::<String>())
    } else {
        flat
    }
}
