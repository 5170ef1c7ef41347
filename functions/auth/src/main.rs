//! The `auth` function: Lambda (function URL) or plain HTTP.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use auth::hackclub::HackClubConfig;
use auth::{AuthState, MailConfig};
use podium_http::{ApiConfig, AppState, run_function};

fn main() -> ExitCode {
    run_function("auth", |vars| {
        let app = AppState::new(ApiConfig::from_vars(vars)?, "podium-auth");
        Ok(auth::app(AuthState::new(
            app,
            MailConfig::from_vars(vars),
            HackClubConfig::from_vars(vars),
        )?))
    })
}
