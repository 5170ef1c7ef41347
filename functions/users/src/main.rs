//! The `users` function: Lambda (function URL) or plain HTTP.

use std::process::ExitCode;

use podium_http::{ApiConfig, AppState, run_function};

fn main() -> ExitCode {
    run_function("users", |vars| {
        let config = ApiConfig::from_vars(vars)?;
        Ok(users::app(AppState::new(config, "podium-users")))
    })
}
