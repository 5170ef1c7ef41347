//! How a Podium binary starts, whatever it does: its settings (the environment, overlaid with an
//! AWS Secrets Manager secret when `PODIUM_SECRETS_ARN` is set), its logging, and — for the
//! one-shot functions (`migrate`, `backfill`) — running as a CLI or as a Lambda from one `main`.
//! Serving HTTP is the HTTP crate's `run_function`.

/// Every Podium binary allocates with mimalloc: under load the HTTP functions spent about 12 % of
/// their CPU in glibc's malloc and free (BENCHMARKS.md, "Reads").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod job;
pub mod outbound;
pub mod secrets;
mod settings;
pub mod telemetry;

pub use job::run_job;
pub use settings::{ConfigError, SECRETS_ARN_VAR, Vars};
