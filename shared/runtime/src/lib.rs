//! How a Podium binary starts, whatever it does: its settings (the environment, overlaid with an
//! AWS Secrets Manager secret when `PODIUM_SECRETS_ARN` is set), its logging, and — for the
//! one-shot functions (`migrate`, `backfill`) — running as a CLI or as a Lambda from one `main`.
//! Serving HTTP is the HTTP crate's `run_function`.
//!
//! A library sets no global allocator: each deployed binary's `main.rs` sets mimalloc itself
//! (under load the HTTP functions spent about 12 % of their CPU in glibc's malloc and free;
//! BENCHMARKS.md, "Reads"), so tests, tools and anything else linking this crate keep theirs.

pub mod edge;
pub mod health;
mod job;
pub mod outbound;
pub mod secrets;
mod settings;
pub mod telemetry;

pub use job::run_job;

/// Resolves on SIGTERM (how a container is stopped) or SIGINT. A process that is PID 1 in a
/// container has no default SIGTERM action, so without this `stop` waits out its timeout and
/// kills it.
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}
pub use settings::{ConfigError, SECRETS_ARN_VAR, Vars};
