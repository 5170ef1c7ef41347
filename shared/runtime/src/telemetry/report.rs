//! Error reports and traces to Sentry, with the official SDK (as the original's
//! `sentry_sdk.init` in its `main.py`).
//!
//! | Setting | Default | |
//! |---|---|---|
//! | `PODIUM_SENTRY_DSN` | unset: off | also read from the Secrets Manager secret |
//! | `PODIUM_SENTRY_TRACES_SAMPLE_RATE` | `1.0` (the original's) | share of requests traced, 0 to 1 |
//! | `PODIUM_SENTRY_FLUSH_TIMEOUT_MS` | `500` | how long a Lambda invocation's end waits for Sentry |
//!
//! The environment is `PODIUM_ENV` (`development` when unset), the release [`super::RELEASE`].
//! Envelopes are sent by the SDK's `ureq` transport with short timeouts, through a
//! [`super::Scrubber`] that every item passes on its way out.

use std::sync::Arc;
use std::time::Duration;

use sentry::{ClientInitGuard, ClientOptions, Envelope, Transport, TransportFactory};

use crate::{ConfigError, Vars};

use super::Scrubber;

/// Sentry's settings; `None` from [`Settings::from_vars`] when no DSN is set.
#[derive(Debug, Clone)]
pub struct Settings {
    dsn: sentry::types::Dsn,
    traces_sample_rate: f32,
    environment: String,
    flush_budget: Duration,
    secrets: Vec<String>,
}

impl Settings {
    pub fn from_vars(vars: &Vars) -> Result<Option<Self>, ConfigError> {
        let Some(dsn) = vars.optional("PODIUM_SENTRY_DSN") else {
            return Ok(None);
        };
        let invalid = |name: &str, reason: &str| ConfigError::Invalid {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let dsn = dsn
            .trim()
            .parse()
            .map_err(|_| invalid("PODIUM_SENTRY_DSN", "not a Sentry DSN"))?;
        let traces_sample_rate: f32 = vars.parsed("PODIUM_SENTRY_TRACES_SAMPLE_RATE", 1.0)?;
        if !(0.0..=1.0).contains(&traces_sample_rate) {
            return Err(invalid(
                "PODIUM_SENTRY_TRACES_SAMPLE_RATE",
                "expected a number from 0 to 1",
            ));
        }
        vars.is_production()?;
        let environment = vars.optional(crate::settings::ENV_VAR).map_or_else(
            || "development".to_owned(),
            |e| e.trim().to_ascii_lowercase(),
        );
        Ok(Some(Self {
            dsn,
            traces_sample_rate,
            environment,
            flush_budget: Duration::from_millis(
                vars.parsed("PODIUM_SENTRY_FLUSH_TIMEOUT_MS", 500)?,
            ),
            secrets: vars.secret_values(),
        }))
    }
}

/// A started Sentry client (flushed and closed when dropped).
pub struct Reporting {
    // Dropping it closes the client, waiting at most `shutdown_timeout` for what is queued.
    _guard: ClientInitGuard,
    budget: Duration,
    flusher: Flusher,
}

/// Flushes the Sentry client within a budget, strictly; cheap to clone.
///
/// The SDK's own `flush(timeout)` is not strict: it first hands its sending thread a flush
/// request over a bounded queue, and while a Sentry that accepts connections but never answers
/// holds that thread (up to the transport's 3 s per envelope), the queue fills and the hand-over
/// itself blocks (measured: 3 s per invocation; BENCHMARKS.md). So the SDK's flush runs on a
/// thread of ours, one at a time; a caller waits for it at most the budget, and skips it while
/// an earlier one is still stuck.
#[derive(Debug, Clone)]
pub struct Flusher {
    budget: Duration,
    requests: std::sync::mpsc::SyncSender<std::sync::mpsc::SyncSender<bool>>,
}

impl Flusher {
    fn start(budget: Duration) -> Self {
        let (requests, incoming) =
            std::sync::mpsc::sync_channel::<std::sync::mpsc::SyncSender<bool>>(1);
        let spawned = std::thread::Builder::new()
            .name("sentry-flush".to_owned())
            .spawn(move || {
                for reply in incoming {
                    let sent = sentry::Hub::main()
                        .client()
                        .is_none_or(|client| client.flush(Some(budget)));
                    let _ = reply.try_send(sent);
                }
            });
        if let Err(err) = spawned {
            tracing::warn!(error = %err, "cannot start the Sentry flush thread");
        }
        Self { budget, requests }
    }

    /// Waits until the queued envelopes are sent, at most the budget; whether they all were.
    pub fn flush(&self) -> bool {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        if self.requests.try_send(reply).is_err() {
            // The last flush is still waiting on Sentry: this one would too.
            return false;
        }
        answer.recv_timeout(self.budget).unwrap_or(false)
    }
}

impl std::fmt::Debug for Reporting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporting")
            .field("budget", &self.budget)
            .finish()
    }
}

impl Reporting {
    /// Binds a client to the main hub and reports panics ([`report_panics`]);
    /// `send_default_pii` stays off: the user of a
    /// request is set by the HTTP layer (id and e-mail, or the viewer's address), as the
    /// original's middleware does, and nothing else personal is collected.
    pub fn start(function: &'static str, settings: Settings) -> Self {
        let Settings {
            dsn,
            traces_sample_rate,
            environment,
            flush_budget,
            secrets,
        } = settings;
        let scrubber = Arc::new(Scrubber::new(secrets));
        // Only requests are traced: a
        // background span (a worker's sweep, a CLI's steps) is no transaction.
        let mut options = ClientOptions::new().traces_sampler(move |context| {
            if context.operation() == "http.server" && !context.name().ends_with(" /healthz") {
                traces_sample_rate
            } else {
                0.0
            }
        });
        options.dsn = Some(dsn);
        options.release = Some(super::RELEASE.into());
        options.environment = Some(environment.into());
        options.server_name = Some(function.into());
        options.send_default_pii = false;
        options.max_breadcrumbs = 50;
        options.shutdown_timeout = flush_budget.max(Duration::from_secs(1));
        options.transport = Some(Arc::new(ScrubbingTransportFactory { scrubber }));
        let guard = sentry::init(options);
        report_panics();
        sentry::configure_scope(|scope| scope.set_tag("function", function));
        Self {
            _guard: guard,
            budget: flush_budget,
            flusher: Flusher::start(flush_budget),
        }
    }

    pub fn flusher(&self) -> Flusher {
        self.flusher.clone()
    }
}

/// Builds the SDK's `ureq` transport (connect within 1 s, whole request within 3 s, so a Sentry
/// outage ties the sending thread up briefly), wrapped in the scrubber.
struct ScrubbingTransportFactory {
    scrubber: Arc<Scrubber>,
}

impl TransportFactory for ScrubbingTransportFactory {
    fn create_transport(&self, options: &ClientOptions) -> Arc<dyn Transport> {
        use sentry::transports::UreqHttpTransportOptions;
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(1)))
            .timeout_global(Some(Duration::from_secs(3)))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .provider(ureq::tls::TlsProvider::Rustls)
                    .build(),
            )
            .build()
            .new_agent();
        let inner: Arc<dyn Transport> =
            match sentry::TransportOptions::try_from_client_options(options) {
                Some(transport_options) => Arc::new(
                    UreqHttpTransportOptions::from(transport_options)
                        .with_agent(agent)
                        .build(),
                ),
                None => return Arc::new(Discard),
            };
        Arc::new(Scrubbing {
            inner,
            scrubber: Arc::clone(&self.scrubber),
        })
    }
}

struct Scrubbing {
    inner: Arc<dyn Transport>,
    scrubber: Arc<Scrubber>,
}

impl Transport for Scrubbing {
    fn send_envelope(&self, envelope: Envelope) {
        if let Some(envelope) = self.scrubber.envelope(envelope) {
            self.inner.send_envelope(envelope);
        }
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.inner.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.inner.shutdown(timeout)
    }
}

struct Discard;

impl Transport for Discard {
    fn send_envelope(&self, _: Envelope) {}
}

/// Reports every panic as an unhandled `panic` exception on the current hub (so with the
/// request's tags and user), then flushes — a release build aborts right after — and hands over
/// to the hook that was there (which prints it). What the SDK's `sentry-panic` does, without its
/// stack trace: that needs `backtrace` and `regex` in every zip, and the release binaries are
/// stripped of the symbols it would show.
fn report_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let next = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "Box<dyn Any>".to_owned());
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            sentry::Hub::with_active(|hub| {
                hub.capture_event(sentry::protocol::Event {
                    exception: vec![sentry::protocol::Exception {
                        ty: "panic".into(),
                        value: Some(format!("{message}{location}")),
                        mechanism: Some(sentry::protocol::Mechanism {
                            ty: "panic".into(),
                            handled: Some(false),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }]
                    .into(),
                    level: sentry::Level::Fatal,
                    ..Default::default()
                });
                if let Some(client) = hub.client() {
                    client.flush(None);
                }
            });
            next(info);
        }));
    });
}
