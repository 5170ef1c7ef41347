//! `backfill`: a Lambda function when `AWS_LAMBDA_RUNTIME_API` is set, a CLI otherwise.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use backfill::{Invocation, cli, progress, run};
use podium_runtime::{Vars, run_job};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    run_job(
        "backfill",
        cli::main,
        // Settings are read once per cold start (environment, then Secrets Manager).
        async |vars: &Vars| Ok(vars.clone()),
        async |vars, invocation: Invocation| {
            let options = invocation.options()?;
            Ok(run(&options, vars, &mut progress::Log::default()).await?)
        },
    )
    .await
}
