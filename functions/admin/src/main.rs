//! The `admin` function: Lambda (function URL) or plain HTTP.

use std::process::ExitCode;

use podium_http::{ApiConfig, AppState, run_function};

fn main() -> ExitCode {
    run_function("admin", |vars| {
        let config = ApiConfig::from_vars(vars)?;
        Ok(admin::app(AppState::new(config, "podium-admin")))
    })
}
