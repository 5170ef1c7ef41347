//! The `users` function: Lambda (function URL) or plain HTTP.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use podium_http::{ApiConfig, AppState, run_function};

fn main() -> ExitCode {
    run_function("users", |vars| {
        let config = ApiConfig::from_vars(vars)?;
        Ok(users::app(AppState::new(config, "podium-users")))
    })
}
