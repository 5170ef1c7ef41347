//! Takes validation jobs off the queue, runs the checks, writes the results.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use podium_data::UserId;
use podium_data::rate_limits::{self, Limit};
use podium_data::validation_jobs::{self, Claim};
use podium_runtime::telemetry::measure;
use podium_runtime::{ConfigError, Vars};
use serde::Serialize;
use sqlx::PgPool;

use crate::{Check, Validators, verdict};

/// A worker's settings and connections. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Worker {
    pub pool: PgPool,
    pub validators: Validators,
    /// Attempts before a job that keeps failing transiently is finished with its last message
    /// (`PODIUM_VALIDATION_MAX_ATTEMPTS`, default 5).
    pub max_attempts: i32,
    /// How long a taken job stays with its worker; a worker that dies leaves it to others after
    /// this (`PODIUM_VALIDATION_LEASE_SECONDS`, default 60: longer than both checks' timeouts).
    pub lease: Duration,
    /// The first retry's delay, doubled for each further attempt up to 15 minutes
    /// (`PODIUM_VALIDATION_BACKOFF_SECONDS`, default 10).
    pub backoff: Duration,
    /// Jobs taken, and validated side by side, at once.
    pub batch: usize,
    /// The checks one project owner's jobs may run (each run sends at most one GitHub request
    /// and one itch.io fetch), whatever queued them; a job over it waits until the budget
    /// allows it (`PODIUM_VALIDATION_RUNS_PER_MINUTE`, default 10 in any 60 s).
    pub owner_budget: Limit,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Drained {
    /// Results written.
    pub validated: usize,
    /// Jobs put back for a later attempt.
    pub retried: usize,
    /// Results dropped because a newer request superseded the job.
    pub superseded: usize,
    /// Jobs put back unrun because their owner's budget was spent.
    pub deferred: usize,
}

impl Drained {
    fn add(&mut self, other: Self) {
        self.validated += other.validated;
        self.retried += other.retried;
        self.superseded += other.superseded;
        self.deferred += other.deferred;
    }

    fn jobs(self) -> usize {
        self.validated + self.retried + self.superseded + self.deferred
    }
}

/// How long a run on Lambda waits, at most, for a job that is about to come due (an edit's
/// debounce, a budget about to free) before it ends; later ones are the schedule's.
pub const LINGER: Duration = Duration::from_secs(15);

/// The longest a retry waits, whatever GitHub asks.
const MAX_DELAY: Duration = Duration::from_secs(3600);

impl Worker {
    pub fn from_vars(pool: PgPool, vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            pool,
            validators: Validators::from_vars(vars)?,
            max_attempts: vars.parsed("PODIUM_VALIDATION_MAX_ATTEMPTS", 5)?,
            lease: Duration::from_secs(vars.parsed("PODIUM_VALIDATION_LEASE_SECONDS", 60)?),
            backoff: Duration::from_secs(vars.parsed("PODIUM_VALIDATION_BACKOFF_SECONDS", 10)?),
            batch: 8,
            owner_budget: Limit {
                max: vars
                    .parsed(
                        "PODIUM_VALIDATION_RUNS_PER_MINUTE",
                        rate_limits::VALIDATION_RUNS.max,
                    )?
                    .max(1),
                window_seconds: rate_limits::VALIDATION_RUNS.window_seconds,
            },
        })
    }

    /// How long until the next job no worker holds comes due (zero when one is due now), or
    /// `None` when the queue has none.
    pub async fn next_due(&self) -> Result<Option<Duration>, sqlx::Error> {
        Ok(validation_jobs::next_due(&self.pool)
            .await?
            .map(|seconds| Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or_default()))
    }

    /// [`Worker::drain`] until `deadline`, then, while a job comes due within `linger` and
    /// before the deadline, waits for it and drains again (a Lambda run woken by an edit takes
    /// the edit's job when its debounce ends, instead of leaving it to the schedule).
    pub async fn drain_lingering(
        &self,
        deadline: Instant,
        linger: Duration,
    ) -> Result<Drained, sqlx::Error> {
        let mut total = self.drain(Some(deadline)).await?;
        while let Some(wait) = self.next_due().await? {
            if wait > linger || Instant::now() + wait >= deadline {
                break;
            }
            tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
            total.add(self.drain(Some(deadline)).await?);
        }
        Ok(total)
    }

    /// Takes the jobs due now, a batch at a time, until none is left or `deadline` passes.
    #[tracing::instrument(skip_all)]
    pub async fn drain(&self, deadline: Option<Instant>) -> Result<Drained, sqlx::Error> {
        // The queue's lag, for its alarm; not being able to read it stops no work.
        match validation_jobs::oldest_due_age(&self.pool).await {
            Ok(lag) => metrics::gauge!(measure::VALIDATION_OLDEST_AGE).set(lag),
            Err(err) => tracing::warn!(error = %err, "cannot read the validation queue's lag"),
        }
        let mut total = Drained::default();
        loop {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let pass = self.run_once().await?;
            if pass.jobs() == 0 {
                break;
            }
            total.add(pass);
        }
        Ok(total)
    }

    /// Takes one batch of due jobs and validates them side by side.
    pub async fn run_once(&self) -> Result<Drained, sqlx::Error> {
        let batch = i64::try_from(self.batch).unwrap_or(1);
        let claims = validation_jobs::claim(&self.pool, batch, self.lease).await?;
        let mut done = Drained::default();
        let mut results =
            futures_util::stream::iter(claims.into_iter().map(|claim| self.run(claim)))
                .buffer_unordered(self.batch.max(1));
        while let Some(result) = results.next().await {
            done.add(result?);
        }
        Ok(done)
    }

    #[tracing::instrument(skip_all, fields(project = %claim.project_id, attempt = claim.attempts))]
    async fn run(&self, claim: Claim) -> Result<Drained, sqlx::Error> {
        let Some(target) = validation_jobs::target(&self.pool, claim.project_id).await? else {
            // The project was deleted (its job with it) after the claim.
            return Ok(Drained::default());
        };
        if self.validators.reaches_out(&target)
            && let Some(wait) = self.spend(target.owner_id).await?
        {
            validation_jobs::defer(&self.pool, claim, Duration::from_secs(wait)).await?;
            return Ok(Drained {
                deferred: 1,
                ..Drained::default()
            });
        }
        let (repo, demo) =
            tokio::join!(self.validators.repo(&target), self.validators.demo(&target));
        let checks: Vec<Check> = [repo, demo].into_iter().flatten().collect();
        let transient = checks.iter().find_map(|check| match check {
            Check::Transient {
                message,
                retry_after,
            } => Some((message, retry_after)),
            _ => None,
        });
        if let Some((message, retry_after)) = transient
            && claim.attempts < self.max_attempts
        {
            let delay = retry_after.unwrap_or_else(|| self.backoff_for(claim.attempts));
            tracing::warn!(reason = %message, ?delay, "validation will be tried again");
            validation_jobs::retry_later(&self.pool, claim, delay.min(MAX_DELAY), message).await?;
            metrics::counter!(measure::VALIDATION_JOBS, "result" => "retried").increment(1);
            return Ok(Drained {
                retried: 1,
                ..Drained::default()
            });
        }
        if let Some((message, _)) = transient {
            // Out of attempts: the verdict says what could not be checked; an operator should
            // know that a validator keeps failing.
            tracing::error!(reason = %message, attempts = claim.attempts, "validation gave up");
        }
        let gave_up = transient.is_some();
        let (status, message) = verdict(&checks);
        let finished = validation_jobs::finish(&self.pool, claim, status, &message).await?;
        let result = match (finished, gave_up) {
            (false, _) => "superseded",
            (true, true) => "failed",
            (true, false) => "done",
        };
        metrics::counter!(measure::VALIDATION_JOBS, "result" => result).increment(1);
        if finished {
            Ok(Drained {
                validated: 1,
                ..Drained::default()
            })
        } else {
            Ok(Drained {
                superseded: 1,
                ..Drained::default()
            })
        }
    }

    /// Counts one run against `owner`'s budget: `None` when it fits, else the seconds until it
    /// would.
    async fn spend(&self, owner: UserId) -> Result<Option<u64>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        rate_limits::try_record(&mut conn, &format!("validation:{owner}"), self.owner_budget).await
    }

    /// `backoff`, doubled for each attempt after the first, at most 15 minutes.
    fn backoff_for(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(10);
        (self.backoff * 2u32.pow(doublings)).min(Duration::from_secs(900))
    }
}
