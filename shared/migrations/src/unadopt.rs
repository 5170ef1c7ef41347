//! `unadopt`: hands a database at our head back to the original service, at its April 2026
//! Alembic head, in one transaction, keeping every row of the tables the two share and writing
//! everything else of ours to an archive first (which `adopt --archive` takes back).

use std::collections::BTreeMap;
use std::io::BufWriter;

use serde::Serialize;
use sqlx::{AssertSqlSafe, PgConnection};

use super::cutover::{
    self, Change, ORIGINAL_FINGERPRINT, ORIGINAL_SCHEMA_SQL, ORIGINAL_TABLES, OwnData, ident,
};
use super::engine::{
    ALEMBIC_CONVERTED, MigrateError, Migrator, finish, refuse_rows, row_counts, run_all,
};
use super::fingerprint::SchemaFingerprint;
use super::history;
use super::refusal::Refusal;

/// How `unadopt` runs.
#[derive(Debug, Default)]
pub struct UnadoptOptions<'a> {
    /// Do everything inside a transaction, report, and roll it back (no archive is written).
    pub dry_run: bool,
    /// Where our own data goes before the conversion: a new, empty file the caller created. It
    /// is flushed to disk before the transaction commits.
    pub archive: Option<&'a mut std::fs::File>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct UnadoptReport {
    /// The original's revision the database is at afterwards.
    pub alembic_revision: String,
    /// Our schema version it was at.
    pub from_version: i64,
    pub dry_run: bool,
    /// Rows of the original's tables, all kept.
    pub rows: BTreeMap<String, i64>,
    /// Lines written to the archive per table (for the original's tables: rows whose columns of
    /// ours were archived).
    pub archived: BTreeMap<String, u64>,
    /// Per `table.column` the original lacks, how many rows hold a value other than the
    /// column's default (what the original loses, and the archive keeps).
    pub archived_values: BTreeMap<String, i64>,
    /// Values the original will show differently: points it counts from the votes where ours
    /// stored others.
    pub changes: Vec<Change>,
    /// Why the real run would refuse (a dry run reports them instead of failing).
    pub refusals: Vec<String>,
}

impl UnadoptReport {
    fn refused(message: String) -> Self {
        Self {
            dry_run: true,
            refusals: vec![message],
            ..Self::default()
        }
    }
}

/// The schema the original's tables are set aside in while its own are made.
const ASIDE: &str = "podium_unadopt";

impl Migrator {
    /// Converts a database at this binary's head back to the original's schema at Alembic
    /// `e5f6a7b8c9d0`, exactly as its Alembic builds it, in one transaction. Refuses, changing
    /// nothing, when the database is not at the head or has drifted, or when a value does not fit
    /// the original's columns.
    #[tracing::instrument(skip_all, fields(dry_run = options.dry_run))]
    pub async fn unadopt(
        &self,
        conn: &mut PgConnection,
        options: UnadoptOptions<'_>,
    ) -> Result<UnadoptReport, MigrateError> {
        let UnadoptOptions { dry_run, archive } = options;
        self.locked(conn, async move |this, conn| {
            this.begin(conn).await?;
            let outcome = this.unadopt_in_transaction(conn, archive, dry_run).await;
            finish(conn, outcome, dry_run, UnadoptReport::refused).await
        })
        .await
    }

    async fn unadopt_in_transaction(
        &self,
        conn: &mut PgConnection,
        archive: Option<&mut std::fs::File>,
        dry_run: bool,
    ) -> Result<UnadoptReport, MigrateError> {
        let revision = ALEMBIC_CONVERTED.0;
        let verify = self.verify_report(conn).await?;
        let head = self.set.latest_version();
        let mut problems = verify.problems;
        if verify.current_version != head {
            problems.push(format!(
                "the database is at version {} and this binary's head is {head}: run `migrate up` first",
                verify.current_version
            ));
        }
        if !problems.is_empty() {
            return Err(Refusal::NotAtHead(problems).into());
        }
        let live = SchemaFingerprint::read(conn).await?;
        let own = OwnData::read(&live);
        if !own.unknown.is_empty() {
            return Err(Refusal::UnknownObjects(own.unknown).into());
        }
        let original = SchemaFingerprint::parse(ORIGINAL_FINGERPRINT);
        let unfitting = cutover::unfitting_rows(
            conn,
            &cutover::columns(&live),
            &cutover::columns(&original),
            "the original",
        )
        .await?;
        if !unfitting.is_empty() {
            return Err(refuse_rows(
                "unadopt to",
                revision,
                "the original's",
                unfitting,
            ));
        }

        let rows = row_counts(conn).await?;
        let mut archived_values = BTreeMap::new();
        for (table, cols) in &own.columns {
            for column in cols {
                let default = column.default.as_deref().unwrap_or("NULL");
                let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT count(*) FROM {} WHERE {} IS DISTINCT FROM {default}",
                    ident(table),
                    ident(&column.name)
                )))
                .fetch_one(&mut *conn)
                .await?;
                archived_values.insert(format!("{table}.{}", column.name), n);
            }
        }
        let changes = points_the_original_counts_differently(conn).await?;
        let archived = match archive {
            Some(file) => {
                let mut out = BufWriter::new(&*file);
                let counts = cutover::write_archive(conn, &own, head, &mut out).await;
                drop(out);
                let counts = counts.map_err(archive_error)?;
                file.sync_all().map_err(|e| archive_error(e.into()))?;
                counts
            }
            None => cutover::write_archive(conn, &own, head, &mut std::io::sink())
                .await
                .map_err(archive_error)?,
        };

        let mut statements = vec![format!("CREATE SCHEMA {ASIDE}")];
        statements.extend(
            ORIGINAL_TABLES
                .iter()
                .map(|t| format!("ALTER TABLE public.{t} SET SCHEMA {ASIDE}")),
        );
        statements.extend(
            own.tables
                .iter()
                .map(|t| format!("DROP TABLE public.{}", ident(t))),
        );
        statements.push(format!("DROP TABLE public.{}", history::TABLE));
        statements.push("DROP TABLE IF EXISTS public.alembic_version".to_owned());
        statements.push(ORIGINAL_SCHEMA_SQL.to_owned());
        let theirs = cutover::columns(&original);
        for table in ORIGINAL_TABLES {
            let cols = theirs
                .iter()
                .filter(|c| c.table == table)
                .map(|c| ident(&c.name))
                .collect::<Vec<_>>()
                .join(", ");
            statements.push(format!(
                "INSERT INTO public.{table} ({cols}) SELECT {cols} FROM {ASIDE}.{table}"
            ));
        }
        statements.push(format!("DROP SCHEMA {ASIDE} CASCADE"));
        // After the tables set aside: their indexes may use our functions.
        statements.extend(
            own.functions
                .iter()
                .map(|f| format!("DROP FUNCTION public.{f}")),
        );
        run_all(conn, &statements).await?;

        let left = SchemaFingerprint::read(conn).await?;
        let diff = SchemaFingerprint::diff(&original, &left);
        if !diff.is_empty() {
            return Err(Refusal::ConvertedSchemaDiffers(diff).into());
        }
        tracing::info!(
            revision,
            from_version = head,
            dry_run,
            "handed the database back to the original's schema"
        );
        Ok(UnadoptReport {
            alembic_revision: revision.to_owned(),
            from_version: head,
            dry_run,
            rows,
            archived,
            archived_values,
            changes,
            refusals: Vec::new(),
        })
    }
}

fn archive_error(err: cutover::WriteError) -> MigrateError {
    match err {
        cutover::WriteError::Database(e) => MigrateError::Database(e),
        cutover::WriteError::Io(e) => Refusal::ArchiveWrite(e).into(),
    }
}

/// Projects whose stored points differ from their votes: the original counts the votes.
async fn points_the_original_counts_differently(
    conn: &mut PgConnection,
) -> Result<Vec<Change>, sqlx::Error> {
    let rows: Vec<(String, i32, i64)> = sqlx::query_as(
        "SELECT p.id::text, p.points, count(v.id)
         FROM projects p LEFT JOIN votes v ON v.project_id = p.id
         GROUP BY p.id HAVING p.points <> count(v.id) ORDER BY p.id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(row, stored, counted)| Change {
            table: "projects".to_owned(),
            row,
            column: "points".to_owned(),
            from: Some(stored.to_string()),
            to: Some(counted.to_string()),
        })
        .collect())
}
