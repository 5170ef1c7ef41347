//! The `superadmin` function: Lambda (function URL, responses streamed) or plain HTTP.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use podium_http::{ApiConfig, AppState, LambdaResponses, run_function_with};

fn main() -> ExitCode {
    // Streamed on Lambda: a CSV export may be larger than a buffered response may be (6 MB).
    run_function_with("superadmin", LambdaResponses::Streamed, |vars| {
        let config = ApiConfig::from_vars(vars)?;
        Ok(superadmin::app(AppState::new(config, "podium-superadmin")))
    })
}
