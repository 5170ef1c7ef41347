//! The `validation_jobs` table: projects waiting for (re)validation, one row per project. A row
//! is written by the statement that makes the project need validation (create, edit,
//! `POST /projects/validate`), so nothing saved can miss its job. Workers take jobs with a lease
//! (`leased_until`); a newer request bumps `generation`, and a result is written only while the
//! generation a worker took is still current.

use std::time::Duration;

use sqlx::{PgExecutor, PgPool};

use crate::ids::{ProjectId, UserId};
use crate::validators::{DemoValidation, RepoValidation};

/// The common table expression that queues validation for the projects its `$source` CTE
/// returns (a column `id`): a new job, or the project's job made current again (a new
/// generation, no attempts yet; a running worker keeps its lease and its result will be
/// discarded), due at `$run_after` (an SQL expression; `now()` when not given).
macro_rules! queue_validation {
    ($source:literal) => {
        $crate::validation_jobs::queue_validation!($source, "now()")
    };
    ($source:literal, $run_after:literal) => {
        concat!(
            "queued AS (
                 INSERT INTO validation_jobs (project_id, run_after) SELECT id, ",
            $run_after,
            " FROM ",
            $source,
            " ON CONFLICT (project_id) DO UPDATE SET
                     generation = validation_jobs.generation + 1, attempts = 0,
                     queued_at = now(), run_after = EXCLUDED.run_after, last_error = NULL
             )"
        )
    };
}
pub(crate) use queue_validation;

/// A job a worker took: the project, the generation it validates, and which attempt this is
/// (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Claim {
    pub project_id: ProjectId,
    pub generation: i64,
    pub attempts: i32,
}

/// Takes up to `batch` due jobs that no live lease holds, leasing them for `lease`. Concurrent
/// workers skip each other's rows (`FOR UPDATE SKIP LOCKED`), and a lease keeps a job from
/// being taken again while its worker runs; a worker that dies leaves a lease that runs out.
#[tracing::instrument(skip_all)]
pub async fn claim(
    db: impl PgExecutor<'_>,
    batch: i64,
    lease: Duration,
) -> Result<Vec<Claim>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE validation_jobs j
         SET leased_until = now() + make_interval(secs => $2), attempts = j.attempts + 1
         FROM (
             SELECT project_id FROM validation_jobs
             WHERE run_after <= now() AND (leased_until IS NULL OR leased_until <= now())
             ORDER BY run_after, project_id
             LIMIT $1
             FOR UPDATE SKIP LOCKED
         ) due
         WHERE j.project_id = due.project_id
         RETURNING j.project_id, j.generation, j.attempts",
    )
    .bind(batch)
    .bind(lease.as_secs_f64())
    .fetch_all(db)
    .await
}

/// What validating a project looks at: its URLs and its event's settings, and whose checks
/// they are (the owner's budget pays for them).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Target {
    pub owner_id: UserId,
    pub repo: String,
    pub demo: String,
    pub repo_validation: RepoValidation,
    pub demo_validation: DemoValidation,
    pub custom_validator: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn target(
    db: impl PgExecutor<'_>,
    project: ProjectId,
) -> Result<Option<Target>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.owner_id, p.repo, p.demo, e.repo_validation, e.demo_validation, e.custom_validator
         FROM projects p JOIN events e ON e.id = p.event_id WHERE p.id = $1",
    )
    .bind(project)
    .fetch_optional(db)
    .await
}

/// Writes the result and removes the job, when `claim` is still the project's current job;
/// false when a newer request superseded it (nothing written; the lease is released so the
/// newer job can run at once).
///
/// Two statements in a transaction: the project row is locked first, in the order the requests
/// that queue jobs take them (so the two never deadlock), and only then is the job read and
/// changed, by a statement whose snapshot is taken after the lock. In one statement, an edit
/// that committed while it waited for the lock stayed invisible to it: the job was neither
/// removed nor released, and the edit's check waited for the lease to run out.
#[tracing::instrument(skip_all)]
pub async fn finish(
    db: &PgPool,
    claim: Claim,
    status: &str,
    message: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE")
        .bind(claim.project_id)
        .execute(&mut *tx)
        .await?;
    let written = sqlx::query_scalar(
        "WITH done AS (
             DELETE FROM validation_jobs
             WHERE project_id = $1 AND generation = $2
             RETURNING project_id
         ), released AS (
             UPDATE validation_jobs SET leased_until = NULL
             WHERE project_id = $1 AND generation <> $2
         ), written AS (
             UPDATE projects p SET validation_status = $3, validation_message = $4
             FROM done WHERE p.id = done.project_id
             RETURNING p.id
         )
         SELECT EXISTS (SELECT 1 FROM written)",
    )
    .bind(claim.project_id)
    .bind(claim.generation)
    .bind(status)
    .bind(message)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// Puts the job back, due after `delay`, noting why (a transient failure); a superseded job's
/// lease is simply released.
#[tracing::instrument(skip_all)]
pub async fn retry_later(
    db: impl PgExecutor<'_>,
    claim: Claim,
    delay: Duration,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE validation_jobs SET leased_until = NULL,
             run_after = CASE WHEN generation = $2 THEN now() + make_interval(secs => $3) ELSE run_after END,
             last_error = CASE WHEN generation = $2 THEN $4 ELSE last_error END
         WHERE project_id = $1",
    )
    .bind(claim.project_id)
    .bind(claim.generation)
    .bind(delay.as_secs_f64())
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Puts a job back unrun, due after `delay` (its owner's budget is spent): the attempt it took
/// is given back, and a job superseded meanwhile keeps the newer request's due time. The
/// statement finds the row by project only and decides by its current generation, so an edit
/// that commits meanwhile is seen.
#[tracing::instrument(skip_all)]
pub async fn defer(
    db: impl PgExecutor<'_>,
    claim: Claim,
    delay: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE validation_jobs SET leased_until = NULL,
             run_after = CASE WHEN generation = $2
                              THEN greatest(run_after, now() + make_interval(secs => $3))
                              ELSE run_after END,
             attempts = CASE WHEN generation = $2 THEN greatest(attempts - 1, 0) ELSE attempts END
         WHERE project_id = $1",
    )
    .bind(claim.project_id)
    .bind(claim.generation)
    .bind(delay.as_secs_f64())
    .execute(db)
    .await?;
    Ok(())
}

/// How long until the next job no worker holds comes due (zero or less: one is due now);
/// `None` when there is none. Jobs under a live lease are left out: their worker is on them.
#[tracing::instrument(skip_all)]
pub async fn next_due(db: impl PgExecutor<'_>) -> Result<Option<f64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT extract(epoch FROM min(run_after) - now())::float8 FROM validation_jobs
         WHERE leased_until IS NULL OR leased_until <= now()",
    )
    .fetch_one(db)
    .await
}

/// Marks the project `pending` again and queues it, in one statement.
#[tracing::instrument(skip_all)]
pub async fn requeue(db: impl PgExecutor<'_>, project: ProjectId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "WITH reset AS (
             UPDATE projects SET validation_status = 'pending', validation_message = ''
             WHERE id = $1 RETURNING id
         ), ",
        queue_validation!("reset"),
        " SELECT EXISTS (SELECT 1 FROM reset)"
    ))
    .bind(project)
    .fetch_one(db)
    .await
}

/// How many jobs are waiting (due or not), and how many of those are due now and free.
#[tracing::instrument(skip_all)]
pub async fn backlog(db: &PgPool) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*),
                count(*) FILTER (WHERE run_after <= now() AND (leased_until IS NULL OR leased_until <= now()))
         FROM validation_jobs",
    )
    .fetch_one(db)
    .await
}

/// How long, in seconds, the job that has been due longest has waited for a worker (0 when
/// none is due): the queue's lag, which an alarm watches. A job waiting for its retry or its
/// debounce is not late, so the wait counts from `run_after`, not from `queued_at`; jobs under a
/// live lease are being worked on.
#[tracing::instrument(skip_all)]
pub async fn oldest_due_age(db: impl PgExecutor<'_>) -> Result<f64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(extract(epoch FROM now() - min(run_after))::float8, 0) FROM validation_jobs
         WHERE run_after <= now() AND (leased_until IS NULL OR leased_until <= now())",
    )
    .fetch_one(db)
    .await
}

/// Writes a result for `project` that was decided without running its checks (the console's
/// demo data), and removes its job whatever its generation, in one statement.
#[tracing::instrument(skip_all)]
pub async fn settle(
    db: impl PgExecutor<'_>,
    project: ProjectId,
    status: &str,
    message: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH done AS (DELETE FROM validation_jobs WHERE project_id = $1)
         UPDATE projects SET validation_status = $2, validation_message = $3 WHERE id = $1",
    )
    .bind(project)
    .bind(status)
    .bind(message)
    .execute(db)
    .await?;
    Ok(())
}
