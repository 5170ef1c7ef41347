//! The `admin` function: Lambda (function URL, responses streamed) or plain HTTP.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use podium_http::{ApiConfig, AppState, LambdaResponses, run_function_with};

fn main() -> ExitCode {
    // Streamed on Lambda: an event's votes or attendees may be larger than a buffered response
    // may be (6 MB).
    run_function_with("admin", LambdaResponses::Streamed, |vars| {
        let config = ApiConfig::from_vars(vars)?;
        Ok(admin::app(AppState::new(config, "podium-admin")))
    })
}
