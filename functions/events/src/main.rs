//! The `events` function: Lambda (function URL) or plain HTTP.

use std::process::ExitCode;

use podium_http::{ApiConfig, AppState, run_function};

fn main() -> ExitCode {
    run_function("events", |vars| {
        let config = ApiConfig::from_vars(vars)?;
        Ok(events::app(AppState::new(config, "podium-events")))
    })
}
