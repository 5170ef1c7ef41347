//! `migrate`: a Lambda function when `AWS_LAMBDA_RUNTIME_API` is set, a CLI otherwise.

use std::process::ExitCode;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use migrate::{Invocation, Report, cli, handle, settings_from_env};
use podium_shared::{DatabaseUrl, Vars, telemetry};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if !telemetry::on_lambda() {
        telemetry::init("warn");
        return cli::main().await;
    }
    telemetry::init("info");
    match lambda().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "migrate function stopped");
            ExitCode::FAILURE
        }
    }
}

async fn lambda() -> Result<(), Error> {
    // Read once per cold start (environment, then Secrets Manager when PODIUM_SECRETS_ARN is
    // set); a missing or malformed setting stops the function with its name.
    let url = DatabaseUrl::from_vars(&Vars::load().await?)?;
    let settings = settings_from_env()?;
    tracing::info!(database = %url, "migrate function ready");
    lambda_runtime::run(service_fn(
        async |event: LambdaEvent<Invocation>| -> Result<Report, Error> {
            handle(&event.payload, &url, settings).await
        },
    ))
    .await
}
