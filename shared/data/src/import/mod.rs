//! The Airtable backfill's SQL, and only the backfill's: per table, the rows an import page meets
//! (`users::matches`, …) and the batched inserts (`users::insert`, `attendees::insert_links`, …);
//! across tables, the `airtable_id` columns (stamping adopted rows, counting imported rows) and
//! the lock that keeps two runs apart. The API's table modules know nothing of it.

pub mod attendees;
pub mod collaborators;
pub mod events;
pub mod projects;
pub mod referrals;
pub mod users;
pub mod votes;

use sqlx::{AssertSqlSafe, PgConnection, PgExecutor};
use uuid::Uuid;

/// The tables with an `airtable_id` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Users,
    Events,
    Projects,
    Referrals,
    Votes,
}

impl Table {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Events => "events",
            Self::Projects => "projects",
            Self::Referrals => "referrals",
            Self::Votes => "votes",
        }
    }
}

/// A row an import meets: found by its `airtable_id` or by a natural key (`key`, `key2`: user
/// email; event slug and join code; project join code).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Existing {
    pub id: Uuid,
    pub airtable_id: Option<String>,
    pub key: Option<String>,
    pub key2: Option<String>,
}

/// Stamps `airtable_id` on rows that have none (adopting rows found by a natural key). Returns
/// how many were stamped: fewer than asked means another writer got there first.
#[tracing::instrument(skip_all, fields(table = table.name(), rows = rows.len()))]
pub async fn stamp(
    db: impl PgExecutor<'_>,
    table: Table,
    rows: &[(Uuid, String)],
) -> Result<u64, sqlx::Error> {
    let (ids, airtable_ids): (Vec<Uuid>, Vec<&str>) =
        rows.iter().map(|(id, a)| (*id, a.as_str())).unzip();
    let sql = format!(
        "UPDATE {table} t SET airtable_id = v.airtable_id
         FROM unnest($1::uuid[], $2::text[]) AS v(id, airtable_id)
         WHERE t.id = v.id AND t.airtable_id IS NULL",
        table = table.name()
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(ids)
        .bind(airtable_ids)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// How many rows of `table` carry one of `airtable_ids`.
#[tracing::instrument(skip_all, fields(table = table.name()))]
pub async fn count_imported(
    db: impl PgExecutor<'_>,
    table: Table,
    airtable_ids: &[String],
) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "SELECT count(*) FROM {} WHERE airtable_id = ANY($1)",
        table.name()
    );
    sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(airtable_ids)
        .fetch_one(db)
        .await
}

/// The session lock one backfill run holds, so two runs never interleave (released when the
/// connection closes, also when the process is killed).
/// The key spells "podiumbf" (the migrations use "podiummg").
const LOCK_KEY: i64 = 0x706f_6469_756d_6266;

/// Takes the backfill lock if it is free.
pub async fn try_lock(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(conn)
        .await
}

pub async fn unlock(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(conn)
        .await
        .map(drop)
}
