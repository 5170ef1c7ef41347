//! The `auth` function: Lambda (function URL) or plain HTTP.

use std::process::ExitCode;

use auth::{AuthState, MailConfig};
use podium_shared::http::{ApiConfig, AppState, serve};
use podium_shared::telemetry;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    telemetry::init("info");
    let config = match ApiConfig::from_env().and_then(|api| Ok((api, MailConfig::from_env()?))) {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(error = %err, "configuration");
            return ExitCode::from(2);
        }
    };
    let (api, mail) = config;
    match serve(auth::app(AuthState::new(
        AppState::new(api, "podium-auth"),
        mail,
    )))
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "stopped");
            ExitCode::FAILURE
        }
    }
}
