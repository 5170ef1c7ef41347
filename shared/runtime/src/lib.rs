//! How a Podium binary starts, whatever it does: its settings (the environment, overlaid with an
//! AWS Secrets Manager secret when `PODIUM_SECRETS_ARN` is set), its logging, and — for the
//! one-shot functions (`migrate`, `backfill`) — running as a CLI or as a Lambda from one `main`.
//! Serving HTTP is the HTTP crate's `run_function`.

mod job;
pub mod outbound;
pub mod secrets;
mod settings;
pub mod telemetry;

pub use job::run_job;
pub use settings::{ConfigError, SECRETS_ARN_VAR, Vars};
