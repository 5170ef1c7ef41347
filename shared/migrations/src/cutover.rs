//! The cut-over in both directions between the original service's schema at its April 2026
//! Alembic head (`e5f6a7b8c9d0`) and ours: what the two schemas share, what only ours holds,
//! the archive that carries our own data across a round trip, and the checks that make either
//! direction refuse before it changes anything.
//!
//! Which columns and tables are "ours only" is not written down here: it is read from the live
//! schema and the original's fingerprint (`alembic_e5f6a7b8c9d0.txt`), so a table or column added
//! by a later migration is archived without anyone remembering to list it.

use std::collections::BTreeMap;
use std::io::Write;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection};

use super::fingerprint::SchemaFingerprint;

/// What `adopt` writes into `alembic_version`: a revision the original's Alembic does not know,
/// so its deploys (which run `alembic upgrade head` first) stop with "Can't locate revision
/// identified by 'podium_rs_adopted_see_unadopt'" instead of half-running on our schema.
/// `unadopt` puts the original's own revision back.
pub const ALEMBIC_MARKER: &str = "podium_rs_adopted_see_unadopt";

/// The original's schema at its head and its revision row, as its Alembic leaves them.
pub(crate) const ORIGINAL_SCHEMA_SQL: &str = include_str!("original_e5f6a7b8c9d0.sql");
/// The same schema as a fingerprint (what `adopt` checks and `unadopt` must leave).
pub(crate) const ORIGINAL_FINGERPRINT: &str = include_str!("alembic_e5f6a7b8c9d0.txt");

/// The original's tables, in an order in which each only references those before it.
pub const ORIGINAL_TABLES: [&str; 7] = [
    "users",
    "events",
    "event_attendees",
    "projects",
    "project_collaborators",
    "referrals",
    "votes",
];

/// Values the original's code knows for its free-text enum columns (it stores any string; its
/// code and frontends understand only these). Ours has the same sets as CHECK constraints.
pub const KNOWN_VALUES: [(&str, &str, &[&str]); 4] = [
    (
        "events",
        "phase",
        &["draft", "submission", "voting", "closed"],
    ),
    ("events", "repo_validation", &["none", "github", "custom"]),
    ("events", "demo_validation", &["none", "itch", "custom"]),
    (
        "projects",
        "validation_status",
        &["pending", "valid", "warning"],
    ),
];

/// Columns of ours that `adopt` computes instead of taking back from an archive: join codes are
/// drawn again unless the archive has the event's own (see `adopt_e5f6a7b8c9d0.sql`), and points
/// are always counted from the votes the original kept.
pub(crate) const COMPUTED_ON_ADOPT: [(&str, &str); 2] =
    [("events", "join_code"), ("projects", "points")];

/// The archive's format version (its first line says it).
pub const ARCHIVE_FORMAT: u32 = 1;
/// The pseudo-table of the archive's first line.
pub const ARCHIVE_HEADER: &str = "podium_archive";
/// The bookkeeping table, archived so a round trip keeps when each migration first ran.
const HISTORY: &str = "_sqlx_migrations";

/// One column of a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub table: String,
    pub name: String,
    pub ty: String,
    pub not_null: bool,
    pub default: Option<String>,
}

/// The columns of a fingerprint, each table's in physical order.
pub(crate) fn columns(fingerprint: &SchemaFingerprint) -> Vec<Column> {
    let mut out: Vec<(String, String, Column)> = fingerprint
        .lines()
        .iter()
        .filter_map(|line| {
            let rest = line.strip_prefix("column ")?;
            let (place, rest) = rest.split_once(' ')?;
            let (table, position) = place.rsplit_once('.')?;
            let (name, rest) = rest.split_once(' ')?;
            let (ty, not_null, tail) = if let Some(i) = rest.find(" not null") {
                (&rest[..i], true, &rest[i + " not null".len()..])
            } else {
                let i = rest.find(" null")?;
                (&rest[..i], false, &rest[i + " null".len()..])
            };
            let default = tail.strip_prefix(" default ").map(str::to_owned);
            Some((
                table.to_owned(),
                position.to_owned(),
                Column {
                    table: table.to_owned(),
                    name: name.to_owned(),
                    ty: ty.to_owned(),
                    not_null,
                    default,
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out.into_iter().map(|(_, _, c)| c).collect()
}

/// The objects of a fingerprint of one kind (`table`, `function`, …): the rest of each line.
fn objects<'a>(fingerprint: &'a SchemaFingerprint, kind: &str) -> Vec<&'a str> {
    let prefix = format!("{kind} ");
    fingerprint
        .lines()
        .iter()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

/// What only our schema holds, found by comparing the live schema with the original's.
#[derive(Debug, Clone)]
pub(crate) struct OwnData {
    /// Tables the original does not have (the bookkeeping table not among them).
    pub tables: Vec<String>,
    /// Per original table, the columns it does not have, in physical order.
    pub columns: BTreeMap<String, Vec<Column>>,
    /// Functions, as `name(identity arguments)`.
    pub functions: Vec<String>,
    /// Objects neither side of the conversion knows how to carry (a refusal each).
    pub unknown: Vec<String>,
}

impl OwnData {
    pub fn read(live: &SchemaFingerprint) -> Self {
        let original = SchemaFingerprint::parse(ORIGINAL_FINGERPRINT);
        let theirs = columns(&original);
        let tables = objects(live, "table")
            .into_iter()
            .filter(|t| !ORIGINAL_TABLES.contains(t))
            .map(str::to_owned)
            .collect();
        let mut own_columns: BTreeMap<String, Vec<Column>> = BTreeMap::new();
        for column in columns(live) {
            if ORIGINAL_TABLES.contains(&column.table.as_str())
                && !theirs
                    .iter()
                    .any(|c| c.table == column.table && c.name == column.name)
            {
                own_columns
                    .entry(column.table.clone())
                    .or_default()
                    .push(column);
            }
        }
        let functions = objects(live, "function")
            .into_iter()
            .filter_map(|f| {
                f.rsplit_once(' ')
                    .map(|(signature, _)| signature.to_owned())
            })
            .collect();
        // Views, enum types, triggers and extensions of ours would need their own handling;
        // today there are none, and a migration that adds one makes `unadopt` refuse until it is
        // taught (the round-trip tests then fail).
        let unknown = [
            "view",
            "view-definition",
            "materialized-view",
            "enum",
            "trigger",
            "extension",
        ]
        .iter()
        .flat_map(|kind| {
            objects(live, kind)
                .into_iter()
                .map(move |o| format!("{kind} {o}"))
        })
        .collect();
        Self {
            tables,
            columns: own_columns,
            functions,
            unknown,
        }
    }
}

/// A value or object that the other side's schema cannot hold: the table, and where known the
/// row (its id) and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unfitting {
    pub table: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Unfitting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.table)?;
        if let Some(row) = &self.row {
            write!(f, " row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A value the conversion changes (or computes), per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub table: String,
    pub row: String,
    pub column: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// How many rows of a table may be named in refusals; the count says how many there are.
const NAMED_ROWS: i64 = 20;

/// Rows of the original's tables whose values the other side cannot hold: values outside the
/// sets the original knows, and (for columns whose type differs between the sides) values too
/// long for, or absent from, the narrower side. `from` is the live schema's columns, `to` the
/// target's (`target` names it in the reasons: "the original", "our schema").
pub(crate) async fn unfitting_rows(
    conn: &mut PgConnection,
    from: &[Column],
    to: &[Column],
    target: &str,
) -> Result<Vec<Unfitting>, sqlx::Error> {
    let mut refusals = Vec::new();
    for column in to
        .iter()
        .filter(|c| ORIGINAL_TABLES.contains(&c.table.as_str()))
    {
        let Some(source) = from
            .iter()
            .find(|c| c.table == column.table && c.name == column.name)
        else {
            refusals.push(Unfitting {
                table: column.table.clone(),
                row: None,
                column: Some(column.name.clone()),
                reason: "the column is missing, so its values cannot be carried over".to_owned(),
            });
            continue;
        };
        let mut conditions: Vec<(String, String)> = Vec::new();
        if column.not_null && !source.not_null {
            conditions.push((
                format!("{} IS NULL", ident(&column.name)),
                format!("is empty (NULL), which {target} does not allow here"),
            ));
        }
        if source.ty != column.ty {
            match varchar_limit(&column.ty) {
                Some(limit) if is_text(&source.ty) => conditions.push((
                    format!("char_length({}) > {limit}", ident(&column.name)),
                    format!(
                        "holds more than {limit} characters, which {target}'s {} cannot hold",
                        column.ty
                    ),
                )),
                _ if is_text(&column.ty) && is_text(&source.ty) => {}
                _ => refusals.push(Unfitting {
                    table: column.table.clone(),
                    row: None,
                    column: Some(column.name.clone()),
                    reason: format!(
                        "is {} here and {} in {target}; there is no conversion for it",
                        source.ty, column.ty
                    ),
                }),
            }
        }
        if let Some((_, _, known)) = KNOWN_VALUES
            .iter()
            .find(|(t, c, _)| *t == column.table && *c == column.name)
        {
            let list = known
                .iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ");
            conditions.push((
                format!("{} <> ALL (ARRAY[{list}])", ident(&column.name)),
                format!(
                    "is a value {target} does not know (it knows {})",
                    known.join(", ")
                ),
            ));
        }
        for (condition, reason) in conditions {
            let sql = format!(
                "SELECT id::text, left({col}::text, 60), count(*) OVER () FROM public.{table}
                 WHERE {condition} ORDER BY id LIMIT {NAMED_ROWS}",
                col = ident(&column.name),
                table = ident(&column.table),
            );
            let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(AssertSqlSafe(sql))
                .fetch_all(&mut *conn)
                .await?;
            let total = rows.first().map(|r| r.2).unwrap_or(0);
            for (id, value, _) in &rows {
                let shown = value
                    .as_deref()
                    .map(|v| format!("'{v}' "))
                    .unwrap_or_default();
                refusals.push(Unfitting {
                    table: column.table.clone(),
                    row: Some(id.clone()),
                    column: Some(column.name.clone()),
                    reason: format!("{shown}{reason}"),
                });
            }
            if total > NAMED_ROWS {
                refusals.push(Unfitting {
                    table: column.table.clone(),
                    row: None,
                    column: Some(column.name.clone()),
                    reason: format!("and {} more rows like these", total - NAMED_ROWS),
                });
            }
        }
    }
    Ok(refusals)
}

fn varchar_limit(ty: &str) -> Option<u32> {
    ty.strip_prefix("character varying(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

fn is_text(ty: &str) -> bool {
    ty == "text" || ty.starts_with("character varying")
}

/// A catalog name as an SQL identifier.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The first line of an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveHeader {
    pub format: u32,
    /// Our schema version the archive was written at (what `adopt` brings the database to before
    /// restoring it).
    pub schema_version: i64,
    pub written_at: chrono::DateTime<chrono::Utc>,
    pub written_by: String,
}

/// One line of an archive: a row of `table` (for the original's tables, only the row's `id` and
/// the columns the original does not have).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveLine {
    pub table: String,
    pub row: serde_json::Value,
}

/// An archive read back: what `unadopt` wrote, for `adopt` to restore.
#[derive(Debug, Clone)]
pub struct Archive {
    pub header: ArchiveHeader,
    pub lines: Vec<ArchiveLine>,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("could not read the archive: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line} of the archive is not an archive line: {message}")]
    Malformed { line: usize, message: String },
    #[error("the archive is empty")]
    Empty,
    #[error(
        "the archive's first line is not its header ({ARCHIVE_HEADER}, format {ARCHIVE_FORMAT})"
    )]
    NoHeader,
}

impl Archive {
    /// Reads an archive (JSON lines; the first is the header).
    pub fn read(reader: impl std::io::BufRead) -> Result<Self, ArchiveError> {
        let mut header = None;
        let mut lines = Vec::new();
        for (n, text) in reader.lines().enumerate() {
            let text = text?;
            if text.trim().is_empty() {
                continue;
            }
            let line: ArchiveLine =
                serde_json::from_str(&text).map_err(|e| ArchiveError::Malformed {
                    line: n + 1,
                    message: e.to_string(),
                })?;
            if header.is_none() {
                if line.table != ARCHIVE_HEADER {
                    return Err(ArchiveError::NoHeader);
                }
                let parsed: ArchiveHeader =
                    serde_json::from_value(line.row).map_err(|e| ArchiveError::Malformed {
                        line: n + 1,
                        message: e.to_string(),
                    })?;
                if parsed.format != ARCHIVE_FORMAT {
                    return Err(ArchiveError::NoHeader);
                }
                header = Some(parsed);
            } else {
                lines.push(line);
            }
        }
        Ok(Self {
            header: header.ok_or(ArchiveError::Empty)?,
            lines,
        })
    }

    /// Lines per table.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for line in &self.lines {
            *counts.entry(line.table.clone()).or_default() += 1;
        }
        counts
    }
}

/// Writes our own data to `out` as archive lines, the header first; returns lines per table.
/// Reads inside the caller's transaction, so it sees exactly what the conversion then drops.
pub(crate) async fn write_archive(
    conn: &mut PgConnection,
    own: &OwnData,
    schema_version: i64,
    out: &mut dyn Write,
) -> Result<BTreeMap<String, u64>, WriteError> {
    let header = ArchiveHeader {
        format: ARCHIVE_FORMAT,
        schema_version,
        written_at: chrono::Utc::now(),
        written_by: format!("podium-migrate {} unadopt", env!("CARGO_PKG_VERSION")),
    };
    let first = ArchiveLine {
        table: ARCHIVE_HEADER.to_owned(),
        row: serde_json::to_value(&header).map_err(std::io::Error::other)?,
    };
    serde_json::to_writer(&mut *out, &first).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    let mut counts = BTreeMap::new();
    let mut queries: Vec<(String, String)> = Vec::new();
    for (table, cols) in &own.columns {
        let pairs = std::iter::once("'id', id".to_owned())
            .chain(
                cols.iter()
                    .map(|c| format!("'{}', {}", c.name, ident(&c.name))),
            )
            .collect::<Vec<_>>()
            .join(", ");
        queries.push((
            table.clone(),
            format!(
                "SELECT jsonb_build_object({pairs})::text FROM {} ORDER BY id",
                ident(table)
            ),
        ));
    }
    for table in own.tables.iter().map(String::as_str).chain([HISTORY]) {
        queries.push((
            table.to_owned(),
            format!(
                "SELECT to_jsonb(t)::text FROM {} t ORDER BY 1",
                ident(table)
            ),
        ));
    }
    for (table, sql) in queries {
        let mut rows = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).fetch(&mut *conn);
        let mut n = 0u64;
        let prefix = format!(
            "{{\"table\":{},\"row\":",
            serde_json::Value::from(table.as_str())
        );
        while let Some(row) = rows.try_next().await? {
            out.write_all(prefix.as_bytes())?;
            out.write_all(row.as_bytes())?;
            out.write_all(b"}\n")?;
            n += 1;
        }
        counts.insert(table, n);
    }
    out.flush()?;
    Ok(counts)
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("could not write the archive: {0}")]
    Io(#[from] std::io::Error),
}

/// Loads an archive's lines into `pg_temp.podium_archive` (created by the caller) in batches.
pub(crate) async fn load_archive(
    conn: &mut PgConnection,
    archive: &Archive,
) -> Result<(), sqlx::Error> {
    for chunk in archive.lines.chunks(2_000) {
        let tables: Vec<&str> = chunk.iter().map(|l| l.table.as_str()).collect();
        let rows: Vec<String> = chunk.iter().map(|l| l.row.to_string()).collect();
        sqlx::query(
            "INSERT INTO pg_temp.podium_archive (tbl, row)
             SELECT t, r::jsonb FROM unnest($1::text[], $2::text[]) AS u(t, r)",
        )
        .bind(&tables)
        .bind(&rows)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(crate) const CREATE_ARCHIVE_TABLE: &str =
    "CREATE TEMP TABLE podium_archive (tbl text NOT NULL, row jsonb NOT NULL) ON COMMIT DROP;
     CREATE INDEX ON pg_temp.podium_archive (tbl, (row->>'id'))";

/// What restoring an archive did, per table: rows restored, and rows left out because the row
/// (or, for our own tables, a row it belongs to) is gone from the original's data since.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Restored {
    pub restored: BTreeMap<String, u64>,
    pub not_restored: BTreeMap<String, u64>,
}

/// Puts our own data back from `pg_temp.podium_archive` into a database at the archive's schema
/// version whose original rows were just converted: the columns the original lacks (but those
/// computed on adoption), our own tables (a reference to a row that is gone is emptied where the
/// foreign key says `SET NULL`, and the row left out otherwise), identity sequences past the
/// restored ids, and when each migration first ran.
pub(crate) async fn restore_archive(
    conn: &mut PgConnection,
    archive: &Archive,
) -> Result<Restored, sqlx::Error> {
    let live = SchemaFingerprint::read(conn).await?;
    let own = OwnData::read(&live);
    let counts = archive.counts();
    let mut done = Restored::default();
    for (table, cols) in &own.columns {
        let cols: Vec<&Column> = cols
            .iter()
            .filter(|c| !COMPUTED_ON_ADOPT.contains(&(table.as_str(), c.name.as_str())))
            .collect();
        let total = counts.get(table).copied().unwrap_or(0);
        if total == 0 {
            continue;
        }
        let restored = if cols.is_empty() {
            sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
                "SELECT count(*) FROM pg_temp.podium_archive a JOIN {t} x ON x.id::text = a.row->>'id' WHERE a.tbl = '{table}'",
                t = ident(table)
            )))
            .fetch_one(&mut *conn)
            .await? as u64
        } else {
            let names = cols
                .iter()
                .map(|c| ident(&c.name))
                .collect::<Vec<_>>()
                .join(", ");
            let values = cols
                .iter()
                .map(|c| format!("r.{}", ident(&c.name)))
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE {t} SET ({names}) = ROW({values})
                 FROM pg_temp.podium_archive a CROSS JOIN LATERAL jsonb_populate_record(NULL::{t}, a.row) r
                 WHERE a.tbl = '{table}' AND {t}.id = r.id",
                t = ident(table)
            )))
            .execute(&mut *conn)
            .await?
            .rows_affected()
        };
        done.restored.insert(table.clone(), restored);
        done.not_restored.insert(table.clone(), total - restored);
    }
    for table in &own.tables {
        let total = counts.get(table).copied().unwrap_or(0);
        if total == 0 {
            continue;
        }
        let references: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT a.attname::text, c.confrelid::regclass::text, af.attname::text, c.confdeltype::text
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
             WHERE c.contype = 'f' AND c.conrelid = $1::regclass AND cardinality(c.conkey) = 1",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
        for (column, parent, key, on_delete) in references {
            let gone = format!(
                "a.tbl = '{table}' AND a.row->>'{column}' IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key}::text = a.row->>'{column}')",
                key = ident(&key)
            );
            let sql = if on_delete == "n" {
                format!(
                    "UPDATE pg_temp.podium_archive a SET row = jsonb_set(a.row, '{{{column}}}', 'null') WHERE {gone}"
                )
            } else {
                format!("DELETE FROM pg_temp.podium_archive a WHERE {gone}")
            };
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await?;
        }
        let restored = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {t} OVERRIDING SYSTEM VALUE
             SELECT r.* FROM pg_temp.podium_archive a CROSS JOIN LATERAL jsonb_populate_record(NULL::{t}, a.row) r
             WHERE a.tbl = '{table}'",
            t = ident(table)
        )))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let identities: Vec<String> = sqlx::query_scalar(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass AND attidentity <> ''",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
        for column in identities {
            sqlx::raw_sql(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), coalesce(max({c}), 0) + 1, false) FROM {t}",
                c = ident(&column),
                t = ident(table)
            )))
            .execute(&mut *conn)
            .await?;
        }
        done.restored.insert(table.clone(), restored);
        done.not_restored.insert(table.clone(), total - restored);
    }
    let history = sqlx::query(
        "UPDATE _sqlx_migrations h SET installed_on = r.installed_on, execution_time = r.execution_time
         FROM pg_temp.podium_archive a CROSS JOIN LATERAL jsonb_populate_record(NULL::_sqlx_migrations, a.row) r
         WHERE a.tbl = '_sqlx_migrations' AND h.version = r.version AND h.checksum = r.checksum",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    done.restored.insert(HISTORY.to_owned(), history);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_from_fingerprint_lines_with_types_nullability_and_defaults() {
        let fp = SchemaFingerprint::parse(
            "column events.002 slug character varying(50) not null\n\
             column events.001 deleted_at timestamp with time zone null\n\
             column events.003 phase character varying(20) not null default 'draft'::character varying\n",
        );
        let cols = columns(&fp);
        assert_eq!(
            cols.iter()
                .map(|c| (
                    c.name.as_str(),
                    c.ty.as_str(),
                    c.not_null,
                    c.default.as_deref()
                ))
                .collect::<Vec<_>>(),
            [
                ("deleted_at", "timestamp with time zone", false, None),
                ("slug", "character varying(50)", true, None),
                (
                    "phase",
                    "character varying(20)",
                    true,
                    Some("'draft'::character varying")
                ),
            ]
        );
    }

    #[test]
    fn our_own_tables_columns_and_functions_are_what_the_original_lacks() {
        let head = SchemaFingerprint::parse(include_str!("../../../migrations/schema/017.txt"));
        let own = OwnData::read(&head);
        assert_eq!(
            own.tables,
            [
                "audit_log",
                "login_requests",
                "magic_link_redemptions",
                "rate_limit_hits",
                "validation_jobs"
            ]
        );
        let names = |t: &str| {
            own.columns[t]
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("events"),
            [
                "airtable_id",
                "join_code",
                "ysws_checks_enabled",
                "live_leaderboard"
            ]
        );
        assert_eq!(
            names("projects"),
            ["airtable_id", "points", "cached_auto_quality"]
        );
        assert_eq!(names("users"), ["airtable_id"]);
        assert_eq!(names("votes"), ["airtable_id", "cast_at"]);
        assert_eq!(names("referrals"), ["airtable_id"]);
        assert_eq!(names("event_attendees"), ["joined_at"]);
        assert_eq!(
            own.functions,
            [
                "cast_ballot(p_voter uuid, p_event uuid, p_projects uuid[])",
                "estimated_rows(tbl regclass)",
                "event_series(feature_flags_csv character varying)",
                "max_votes_per_user(project_count bigint)"
            ]
        );
        assert!(own.unknown.is_empty());
    }

    #[test]
    fn an_archive_reads_back_its_header_and_lines_and_refuses_what_is_not_one() {
        let text = "{\"table\":\"podium_archive\",\"row\":{\"format\":1,\"schema_version\":12,\"written_at\":\"2026-12-02T00:00:00Z\",\"written_by\":\"t\"}}\n\
                    {\"table\":\"audit_log\",\"row\":{\"id\":1}}\n\n\
                    {\"table\":\"events\",\"row\":{\"id\":\"x\",\"join_code\":\"AB\"}}\n";
        let archive = Archive::read(text.as_bytes()).expect("archive");
        assert_eq!(archive.header.schema_version, 12);
        assert_eq!(
            archive.counts().into_iter().collect::<Vec<_>>(),
            [("audit_log".to_owned(), 1), ("events".to_owned(), 1)]
        );
        assert!(matches!(
            Archive::read("{\"table\":\"events\",\"row\":{}}\n".as_bytes()),
            Err(ArchiveError::NoHeader)
        ));
        assert!(matches!(
            Archive::read("".as_bytes()),
            Err(ArchiveError::Empty)
        ));
        assert!(matches!(
            Archive::read("not json\n".as_bytes()),
            Err(ArchiveError::Malformed { line: 1, .. })
        ));
    }
}
