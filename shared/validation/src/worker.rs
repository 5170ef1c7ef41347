//! Takes validation jobs off the queue, runs the checks, writes the results.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use podium_data::validation_jobs::{self, Claim};
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
}

impl Drained {
    fn add(&mut self, other: Self) {
        self.validated += other.validated;
        self.retried += other.retried;
        self.superseded += other.superseded;
    }

    fn jobs(self) -> usize {
        self.validated + self.retried + self.superseded
    }
}

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
        })
    }

    /// Takes the jobs due now, a batch at a time, until none is left or `deadline` passes.
    #[tracing::instrument(skip_all)]
    pub async fn drain(&self, deadline: Option<Instant>) -> Result<Drained, sqlx::Error> {
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
            validation_jobs::retry_later(&self.pool, claim, delay.min(MAX_DELAY), message).await?;
            return Ok(Drained {
                retried: 1,
                ..Drained::default()
            });
        }
        let (status, message) = verdict(&checks);
        if validation_jobs::finish(&self.pool, claim, status, &message).await? {
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

    /// `backoff`, doubled for each attempt after the first, at most 15 minutes.
    fn backoff_for(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(10);
        (self.backoff * 2u32.pow(doublings)).min(Duration::from_secs(900))
    }
}
