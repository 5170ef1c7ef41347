//! `backfill`: a Lambda function when `AWS_LAMBDA_RUNTIME_API` is set, a CLI otherwise.

use std::process::ExitCode;

use backfill::{Invocation, Report, cli, progress, run};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use podium_shared::{Vars, telemetry};

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
            tracing::error!(error = %err, "backfill function stopped");
            ExitCode::FAILURE
        }
    }
}

async fn lambda() -> Result<(), Error> {
    // Settings are read once per cold start (environment, then Secrets Manager).
    let vars = Vars::load().await?;
    lambda_runtime::run(service_fn(
        async |event: LambdaEvent<Invocation>| -> Result<Report, Error> {
            let options = event.payload.options()?;
            let mut progress = progress::Log::default();
            Ok(run(&options, &vars, &mut progress).await?)
        },
    ))
    .await
}
