//! A one-shot function's `main`: a CLI on a workstation or in CI, a Lambda function when
//! `AWS_LAMBDA_RUNTIME_API` is set.

use std::process::ExitCode;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::telemetry::{self, Telemetry};
use crate::{ConfigError, Vars};

/// Runs `cli` (logging text at `warn`) outside Lambda. On Lambda (logging JSON at `info`) it
/// reads the settings once per cold start and hands them to `setup` (a missing one stops the
/// function naming it), then answers every invocation with `handle(&state, payload)`; an `Err`
/// is the invocation's function error, logged at `error` with its cause chain (so reported to
/// Sentry when `PODIUM_SENTRY_DSN` is set, before the next invocation is asked for).
///
/// On the CLI the settings are read once too (the Secrets Manager secret fetched once), set up
/// the telemetry and are handed to `cli`, which says itself what is wrong with them; what the
/// CLI reports at `error` goes to Sentry, flushed before the process exits.
pub async fn run_job<S, E, R, Cli: Future<Output = ExitCode>>(
    name: &'static str,
    cli: impl FnOnce(Result<Vars, ConfigError>) -> Cli,
    setup: impl AsyncFnOnce(&Vars) -> Result<S, Error>,
    handle: impl AsyncFn(&S, E) -> Result<R, Error>,
) -> ExitCode
where
    E: DeserializeOwned,
    R: Serialize,
{
    let on_lambda = telemetry::on_lambda();
    let filter = if on_lambda { "info" } else { "warn" };
    let vars = telemetry::load_vars(filter).await;
    let telemetry = match vars
        .as_ref()
        .map(|vars| Telemetry::init_as(name, filter, Some(vars), on_lambda))
    {
        Ok(Ok(telemetry)) => telemetry,
        Ok(Err(err)) => {
            Telemetry::logs_only(filter);
            tracing::error!(error = %err, "configuration");
            return ExitCode::from(2);
        }
        Err(_) => Telemetry::logs_only(filter),
    };
    if !on_lambda {
        // Boxed: a CLI's future is large, and this one's state should not carry it.
        let code = Box::pin(cli(vars)).await;
        drop(telemetry);
        return code;
    }
    let served = async {
        let vars = vars?;
        let state = setup(&vars).await?;
        tracing::info!("{name} function ready");
        let runtime = lambda_runtime::Runtime::new(service_fn(
            async |event: LambdaEvent<E>| {
                let request_id = event.context.request_id.clone();
                let outcome =
                    telemetry::in_job_span(name, &request_id, handle(&state, event.payload)).await;
                if let Err(err) = &outcome {
                    let err: &(dyn std::error::Error + 'static) = &**err;
                    tracing::error!(error = err, job = name, tags.request_id = %request_id, "invocation failed");
                }
                outcome
            },
        ))
        .layer(lambda_runtime::layers::TracingLayer::new())
        .layer(telemetry.lambda_layer());
        runtime.run().await
    };
    match Box::pin(served).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, function = name, "stopped");
            ExitCode::FAILURE
        }
    }
}
