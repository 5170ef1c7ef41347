//! `migrate`: a Lambda function when `AWS_LAMBDA_RUNTIME_API` is set, a CLI otherwise.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use migrate::{Invocation, cli, handle, settings_from_env};
use podium_data::DatabaseUrl;
use podium_runtime::{Vars, run_job};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    run_job(
        "migrate",
        cli::main,
        // Read once per cold start (environment, then Secrets Manager when PODIUM_SECRETS_ARN
        // is set); a missing or malformed setting stops the function with its name.
        async |vars: &Vars| Ok((DatabaseUrl::from_vars(vars)?, settings_from_env()?)),
        async |(url, settings), invocation: Invocation| handle(&invocation, url, *settings).await,
    )
    .await
}
