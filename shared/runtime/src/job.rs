//! A one-shot function's `main`: a CLI on a workstation or in CI, a Lambda function when
//! `AWS_LAMBDA_RUNTIME_API` is set.

use std::process::ExitCode;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::telemetry;

/// Runs `cli` (logging text at `warn`) outside Lambda. On Lambda (logging JSON at `info`) it
/// runs `setup` once per cold start (read the settings: a missing one stops the function naming
/// it), then answers every invocation with `handle(&state, payload)`; an `Err` is the
/// invocation's function error.
pub async fn run_job<S, E, R, Cli: Future<Output = ExitCode>>(
    name: &str,
    cli: impl FnOnce() -> Cli,
    setup: impl AsyncFnOnce() -> Result<S, Error>,
    handle: impl AsyncFn(&S, E) -> Result<R, Error>,
) -> ExitCode
where
    E: DeserializeOwned,
    R: Serialize,
{
    if !telemetry::on_lambda() {
        telemetry::init("warn");
        // Boxed: a CLI's future is large, and this one's state should not carry it.
        return Box::pin(cli()).await;
    }
    telemetry::init("info");
    let served = async {
        let state = setup().await?;
        tracing::info!("{name} function ready");
        lambda_runtime::run(service_fn(async |event: LambdaEvent<E>| {
            handle(&state, event.payload).await
        }))
        .await
    };
    match Box::pin(served).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, function = name, "stopped");
            ExitCode::FAILURE
        }
    }
}
