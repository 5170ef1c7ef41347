//! The `projects` function: Lambda (function URL) or plain HTTP.

/// mimalloc, as every deployed binary: see podium-runtime's crate docs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;
use std::sync::Arc;

use podium_http::{ApiConfig, AppState, run_function};
use podium_validation::Trigger;
use projects::ProjectsState;
use projects::checks::ReviewFactory;

fn main() -> ExitCode {
    run_function("projects", |vars| {
        let app = AppState::new(ApiConfig::from_vars(vars)?, "podium-projects");
        let checks = Arc::new(ReviewFactory::from_vars(vars)?);
        let validation = Trigger::from_vars(app.pool.clone(), vars)?;
        Ok(projects::app(ProjectsState {
            app,
            checks,
            validation,
            edit_debounce: podium_validation::edit_debounce(vars)?,
        }))
    })
}
