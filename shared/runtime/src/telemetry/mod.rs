//! What every binary tells its operators, set up once at start:
//!
//! - **logs**: JSON lines on Lambda (CloudWatch), readable text elsewhere (coloured on a
//!   terminal only), both on stderr; `RUST_LOG` overrides the default filter;
//! - **error reports and traces** to Sentry with the official SDK ([`report`]), when
//!   `PODIUM_SENTRY_DSN` is set: `error`-level events (with their cause chains), panics, and the
//!   transactions the HTTP layer starts, every envelope scrubbed of secrets and personal data;
//! - **metrics** through the `metrics` facade ([`measure`]): CloudWatch Embedded Metric Format
//!   lines on Lambda, a Prometheus endpoint on a port of its own elsewhere.
//!
//! On Lambda the process is frozen once an invocation has answered, so nothing may wait in
//! memory: [`Telemetry::lambda_layer`] flushes both after each invocation's answer has been
//! posted and before the next one is asked for, within a fixed budget.

mod lambda;
pub mod measure;
pub mod report;
mod scrub;

use tracing::Instrument as _;
use tracing::instrument::WithSubscriber as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt as _, LevelFilter, filter_fn};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer as _, Registry};

use crate::{ConfigError, Vars};

pub use lambda::{FlushLayer, FlushService};
pub use scrub::Scrubber;

/// The release reported to Sentry: the commit the binary was built from (`PODIUM_BUILD_COMMIT`,
/// which `make build` and `make image` set), else the workspace version with `+dev`.
pub const RELEASE: &str = match option_env!("PODIUM_BUILD_COMMIT") {
    Some(commit) => commit,
    None => concat!("podium@", env!("CARGO_PKG_VERSION"), "+dev"),
};

/// Whether this process runs inside AWS Lambda.
pub fn on_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// The name of the HTTP layer's per-request span; it is not turned into a Sentry span (the
/// request's transaction is the tower integration's, named by the route template).
pub const REQUEST_SPAN: &str = "request";

fn fmt_filter(default_filter: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter))
}

/// Reads the settings ([`Vars::load`]) while logging to stderr only: what the Secrets Manager
/// lookup logs is shown even though the telemetry that the settings configure is not set up yet.
pub async fn load_vars(default_filter: &str) -> Result<Vars, ConfigError> {
    let dispatch = bootstrap_dispatch(default_filter);
    Vars::load().with_subscriber(dispatch).await
}

fn bootstrap_dispatch(default_filter: &str) -> tracing::Dispatch {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(fmt_filter(default_filter))
        .with_writer(std::io::stderr);
    if on_lambda() {
        tracing::Dispatch::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .without_time()
                .finish(),
        )
    } else {
        use std::io::IsTerminal;
        tracing::Dispatch::new(
            builder
                .with_target(false)
                .with_ansi(std::io::stderr().is_terminal())
                .finish(),
        )
    }
}

/// The process's telemetry; keep it alive for the process's life (dropping it flushes Sentry).
#[derive(Debug)]
pub struct Telemetry {
    reporting: Option<report::Reporting>,
    metrics: measure::Exporter,
}

impl Telemetry {
    /// Installs the global subscriber and, as `vars` say, Sentry and the metrics exporter, for
    /// the binary `function`. `default_filter` applies to the logs when `RUST_LOG` is unset.
    /// Without `vars` (the settings could not be read) only the logs are set up.
    ///
    /// A malformed Sentry or metrics setting is an error naming it, as every other setting.
    pub fn init(
        function: &'static str,
        default_filter: &str,
        vars: Option<&Vars>,
    ) -> Result<Self, ConfigError> {
        Self::init_as(function, default_filter, vars, true)
    }

    /// [`Telemetry::init`] for a one-shot CLI run (`server` false: no metrics endpoint unless
    /// `PODIUM_METRICS=prometheus`).
    pub fn init_as(
        function: &'static str,
        default_filter: &str,
        vars: Option<&Vars>,
        server: bool,
    ) -> Result<Self, ConfigError> {
        let settings = match vars {
            Some(vars) => Some((
                report::Settings::from_vars(vars)?,
                measure::Settings::from_vars(vars, server)?,
            )),
            None => None,
        };
        let (report_settings, metrics_settings) = settings.unzip();
        let reporting = report_settings
            .flatten()
            .map(|settings| report::Reporting::start(function, settings));
        install_subscriber(default_filter, reporting.is_some());
        let metrics = measure::Exporter::install(
            function,
            metrics_settings.unwrap_or(measure::Settings::Off),
        );
        if reporting.is_some() {
            tracing::info!(release = RELEASE, "error reports go to Sentry");
        }
        Ok(Self { reporting, metrics })
    }

    /// Logs only (no Sentry, no metrics): for a binary whose settings could not be read, so that
    /// it can still say why.
    pub fn logs_only(default_filter: &str) -> Self {
        install_subscriber(default_filter, false);
        Self {
            reporting: None,
            metrics: measure::Exporter::Off,
        }
    }

    /// The `lambda_runtime` layer that flushes after every invocation (outermost: it runs once
    /// the answer has been posted to the Runtime API, before the next invocation is asked for).
    pub fn lambda_layer(&self) -> FlushLayer {
        FlushLayer::new(
            self.reporting.as_ref().map(report::Reporting::flusher),
            self.metrics.collector(),
        )
    }
}

/// fmt (filtered by `RUST_LOG`) and, with Sentry on, its tracing layers (filtered by level
/// alone, so `RUST_LOG=warn` on a CLI still reports errors): `error` events become Sentry
/// events, `info` and `warn` ones breadcrumbs, and spans (but the per-request one) child spans
/// of the request's transaction. The metrics bridge for the pool's acquire times is always on.
fn install_subscriber(default_filter: &str, sentry: bool) {
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = if on_lambda() {
        fmt.json()
            .flatten_event(true)
            .with_current_span(true)
            .without_time()
            .with_filter(fmt_filter(default_filter))
            .boxed()
    } else {
        use std::io::IsTerminal;
        fmt.with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(fmt_filter(default_filter))
            .boxed()
    };
    let sentry_layers = sentry.then(|| {
        use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer, SpanLayer};
        // The request span is the HTTP layer's (its transaction is the tower integration's);
        // lambda_runtime's invocation span would be a transaction of its own, closed only after
        // the invocation's flush.
        let spans = SpanLayer::new().with_filter(LevelFilter::INFO.and(filter_fn(|meta| {
            meta.name() != REQUEST_SPAN && !meta.target().starts_with("lambda_runtime")
        })));
        // lambda_runtime logs a failed invocation at `error` too; `run_job` reports it once,
        // with its request id and cause chain.
        let errors = ErrorLayer::new().with_filter(LevelFilter::ERROR.and(filter_fn(|meta| {
            !meta.target().starts_with("lambda_runtime")
        })));
        // Errors are events of their own, not breadcrumbs of later ones.
        let breadcrumbs = BreadcrumbLayer::new().with_filter(
            LevelFilter::INFO
                .and(filter_fn(|meta| *meta.level() != tracing::Level::ERROR))
                .and(filter_fn(|meta| !meta.target().starts_with("sqlx::pool"))),
        );
        spans.and_then(errors).and_then(breadcrumbs).boxed()
    });
    let _ = Registry::default()
        .with(fmt)
        .with(sentry_layers)
        .with(measure::pool_waits_layer())
        .try_init();
}

/// Runs `work` inside a span named for the job, so that its logs (and Sentry events) say which
/// job and which invocation they belong to.
pub async fn in_job_span<T>(job: &str, request_id: &str, work: impl Future<Output = T>) -> T {
    work.instrument(tracing::info_span!("job", job, request_id))
        .await
}
