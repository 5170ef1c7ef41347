//! Logging setup shared by every binary: JSON lines on Lambda (CloudWatch), readable text
//! elsewhere (coloured on a terminal only), both on stderr. `RUST_LOG` overrides the default filter.

use tracing_subscriber::EnvFilter;

/// Whether this process runs inside AWS Lambda.
pub fn on_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Installs the global subscriber. `default_filter` applies when `RUST_LOG` is unset.
pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if on_lambda() {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .without_time()
            .try_init()
    } else {
        // Colours for a terminal only: a container's log collector stores the raw bytes.
        use std::io::IsTerminal;
        builder
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}
