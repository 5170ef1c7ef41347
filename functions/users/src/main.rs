//! The `users` function: Lambda (function URL) or plain HTTP.

use std::process::ExitCode;

use podium_shared::http::{ApiConfig, AppState, serve};
use podium_shared::telemetry;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    telemetry::init("info");
    let config = match ApiConfig::from_env() {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(error = %err, "configuration");
            return ExitCode::from(2);
        }
    };
    match serve(users::app(AppState::new(config, "podium-users"))).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "stopped");
            ExitCode::FAILURE
        }
    }
}
