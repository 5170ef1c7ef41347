//! The one way functions build clients for outside services (Loops, the Review Factory, …):
//! every client has a total timeout and a connect timeout, or the function does not start.

use std::time::Duration;

use crate::ConfigError;

/// How long connecting to an outside service may take, within the total `timeout`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client whose every request gives up after `timeout`. A client that cannot be built (no TLS
/// roots, say) is a start-up error, never a silent fallback to a client without timeouts.
pub fn client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    builder(timeout).build().map_err(|e| ConfigError::Invalid {
        name: "outbound HTTP client".to_owned(),
        reason: e.to_string(),
    })
}

/// The builder behind [`client`], for a client that needs more (no redirects, a proxy): the
/// timeouts and user agent are already set.
pub fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .user_agent(concat!("podium/", env!("CARGO_PKG_VERSION")))
}
