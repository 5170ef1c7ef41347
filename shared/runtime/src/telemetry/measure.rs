//! Metrics through the `metrics` facade: every binary records with `metrics::counter!` and
//! friends, and this module decides where they go.
//!
//! | `PODIUM_METRICS` | |
//! |---|---|
//! | `auto` (default) | EMF on Lambda, Prometheus elsewhere for a server (the HTTP functions, the gateway); off for a one-shot CLI (`migrate`, `backfill`, `validate`: set `prometheus` for `validate --watch`) |
//! | `emf` | CloudWatch Embedded Metric Format: one JSON line per invocation on stdout, namespace `Podium`, dimension `function` (no API calls: CloudWatch reads them from the log) |
//! | `prometheus` | text format on `http://0.0.0.0:$PODIUM_METRICS_PORT/metrics` (default port 9464), never the public port |
//! | `off` | nothing |
//!
//! The names (the same in both forms) are the constants below; [`describe`] gives their units.

use std::net::SocketAddr;

use metrics::Unit;
use tracing_subscriber::Layer;

use crate::{ConfigError, Vars};

/// The CloudWatch namespace of the EMF lines.
pub const NAMESPACE: &str = "Podium";

/// Requests answered, by `route` (the template, `unmatched` for none) and `status` (`2xx`…).
pub const REQUESTS: &str = "podium_requests_total";
/// Time to answer, in seconds, by `route`.
pub const REQUEST_DURATION: &str = "podium_request_duration_seconds";
/// Ballots, by `outcome`: `accepted`, or the reason it was refused.
pub const BALLOTS: &str = "podium_ballots_total";
/// Validation jobs run, by `result`: `done`, `retried`, `failed` (out of attempts) or
/// `superseded` (a newer request replaced the job while it ran).
pub const VALIDATION_JOBS: &str = "podium_validation_jobs_total";
/// Age in seconds of the oldest validation job waiting in the queue (0 when none).
pub const VALIDATION_OLDEST_AGE: &str = "podium_validation_oldest_queued_age_seconds";
/// Time to get a database connection from the pool, in seconds (a wait when it is long).
pub const DB_POOL_ACQUIRE: &str = "podium_db_pool_acquire_seconds";
/// Requests that could not get a database connection (unreachable, refused, or the pool gave up
/// waiting): each one a 503.
pub const DB_CONNECTION_FAILURES: &str = "podium_db_connection_failures_total";

/// Units and help texts (Prometheus shows them; EMF takes the unit).
pub fn describe() {
    metrics::describe_counter!(REQUESTS, Unit::Count, "Requests answered");
    metrics::describe_histogram!(REQUEST_DURATION, Unit::Seconds, "Time to answer a request");
    metrics::describe_counter!(BALLOTS, Unit::Count, "Ballots accepted and refused");
    metrics::describe_counter!(VALIDATION_JOBS, Unit::Count, "Validation jobs run");
    metrics::describe_gauge!(
        VALIDATION_OLDEST_AGE,
        Unit::Seconds,
        "Age of the oldest queued validation job"
    );
    metrics::describe_histogram!(DB_POOL_ACQUIRE, Unit::Seconds, "Time to get a connection");
    metrics::describe_counter!(
        DB_CONNECTION_FAILURES,
        Unit::Count,
        "Database operations that could not reach the database"
    );
}

/// The status class of an HTTP status: `2xx`, `4xx`, …
pub fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// Where metrics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settings {
    Emf,
    Prometheus(SocketAddr),
    Off,
}

impl Settings {
    /// `server`: the process serves until stopped (a Prometheus endpoint by default off
    /// Lambda), rather than a CLI run that exits.
    pub fn from_vars(vars: &Vars, server: bool) -> Result<Self, ConfigError> {
        let port: u16 = vars.parsed("PODIUM_METRICS_PORT", 9464)?;
        let prometheus = Self::Prometheus(SocketAddr::from(([0, 0, 0, 0], port)));
        match vars
            .optional("PODIUM_METRICS")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("auto") if super::on_lambda() => Ok(Self::Emf),
            None | Some("auto") if !server => Ok(Self::Off),
            None | Some("auto" | "prometheus") => Ok(prometheus),
            Some("emf") => Ok(Self::Emf),
            Some("off") => Ok(Self::Off),
            Some(_) => Err(ConfigError::Invalid {
                name: "PODIUM_METRICS".to_owned(),
                reason: "expected auto, emf, prometheus or off".to_owned(),
            }),
        }
    }
}

/// The installed recorder.
pub enum Exporter {
    Emf(&'static metrics_cloudwatch_embedded::Collector),
    Prometheus,
    Off,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Emf(_) => "Exporter::Emf",
            Self::Prometheus => "Exporter::Prometheus",
            Self::Off => "Exporter::Off",
        })
    }
}

impl Exporter {
    /// Installs the global recorder as `settings` say, labelled with `function`. A Prometheus
    /// port that cannot be bound is logged and metrics are off: they never stop a function.
    pub fn install(function: &'static str, settings: Settings) -> Self {
        let installed = match settings {
            Settings::Off => return Self::Off,
            Settings::Emf => metrics_cloudwatch_embedded::Builder::new()
                .cloudwatch_namespace(NAMESPACE)
                .with_dimension("function", function)
                .init()
                .map(Self::Emf)
                .map_err(|e| e.to_string()),
            Settings::Prometheus(address) => {
                let seconds = [
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ];
                metrics_exporter_prometheus::PrometheusBuilder::new()
                    .with_http_listener(address)
                    .add_global_label("function", function)
                    .set_buckets(&seconds)
                    .and_then(metrics_exporter_prometheus::PrometheusBuilder::install)
                    .map(|()| {
                        tracing::info!(%address, "metrics at /metrics");
                        Self::Prometheus
                    })
                    .map_err(|e| e.to_string())
            }
        };
        match installed {
            Ok(exporter) => {
                describe();
                exporter
            }
            Err(err) => {
                tracing::warn!(error = %err, "metrics are off");
                Self::Off
            }
        }
    }

    /// The EMF collector, when metrics go to CloudWatch.
    pub fn collector(&self) -> Option<&'static metrics_cloudwatch_embedded::Collector> {
        match self {
            Self::Emf(collector) => Some(collector),
            _ => None,
        }
    }
}

pub(super) fn flush_emf(collector: &metrics_cloudwatch_embedded::Collector) {
    if let Err(err) = collector.flush(std::io::stdout().lock()) {
        tracing::warn!(error = %err, "cannot write the metrics");
    }
}

/// Turns the pool's acquire-time events (`sqlx::pool::acquire`, which `podium-data` asks for at
/// `trace`) into the [`DB_POOL_ACQUIRE`] histogram; no other event reaches it.
pub fn pool_waits_layer<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    PoolWaits.with_filter(tracing_subscriber::filter::filter_fn(|meta| {
        meta.is_event() && meta.target() == "sqlx::pool::acquire"
    }))
}

struct PoolWaits;

impl<S: tracing::Subscriber> Layer<S> for PoolWaits {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Seconds(Option<f64>);
        impl tracing::field::Visit for Seconds {
            fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
                if field.name() == "acquired_after_secs" {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        let mut seconds = Seconds(None);
        event.record(&mut seconds);
        if let Some(seconds) = seconds.0 {
            metrics::histogram!(DB_POOL_ACQUIRE).record(seconds);
        }
    }
}
