//! The `events` function: Lambda (function URL) or plain HTTP.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use podium_http::{ApiConfig, AppState, run_function};

fn main() -> ExitCode {
    run_function("events", |vars| {
        let config = ApiConfig::from_vars(vars)?;
        Ok(events::app(AppState::new(config, "podium-events")))
    })
}
