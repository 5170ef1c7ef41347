//! `podium-console`: the terminal UI without arguments, a subcommand otherwise (`--help`).

use std::process::ExitCode;

use clap::Parser;
use podium_console::cli::{Cli, run};
use podium_console::ops::{Ops, operator};
use podium_console::ui::App;
use podium_data::DatabaseUrl;
use podium_runtime::Vars;

#[allow(
    clippy::print_stderr,
    reason = "setup errors go to stderr before any UI starts"
)]
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let vars = match Vars::load().await {
        Ok(vars) => vars,
        Err(e) => {
            eprintln!("podium-console: {e}");
            return ExitCode::from(2);
        }
    };
    let url = match DatabaseUrl::from_vars(&vars) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("podium-console: {e}");
            return ExitCode::from(2);
        }
    };
    let ops = Ops {
        pool: podium_data::db::lazy_pool(&url, "podium-console", 2),
        actor: operator(),
        series: vars
            .optional("PODIUM_ACTIVE_EVENT_SERIES")
            .unwrap_or_default(),
    };
    let Some(command) = cli.command else {
        let mut app = App::new(ops, url.describe());
        let mut terminal = match ratatui::try_init() {
            Ok(terminal) => terminal,
            Err(e) => {
                eprintln!(
                    "podium-console: the UI needs a terminal ({e}); see --help for the commands"
                );
                return ExitCode::from(2);
            }
        };
        let outcome = podium_console::run_ui(&mut terminal, &mut app).await;
        ratatui::restore();
        return match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("podium-console: the terminal failed: {e}");
                ExitCode::FAILURE
            }
        };
    };
    run(&ops, command, cli.json, &vars).await
}
