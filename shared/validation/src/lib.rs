//! Project validation (2026 contract §2.10): the validators (GitHub, itch.io, the custom
//! registry), the worker that takes jobs off the `validation_jobs` queue and writes results, and
//! the trigger a request uses to wake a worker (an asynchronous Lambda invoke, or a worker in the
//! same process). Jobs are durable: whatever a trigger does, a scheduled sweep finds what is left.

mod github;
mod itch;
pub mod trigger;
pub mod worker;

use std::time::Duration;

use podium_data::validation_jobs::Target;
use podium_data::{DemoValidation, RepoValidation};
use podium_runtime::outbound::{self, Egress, Refused};
use podium_runtime::{ConfigError, Vars};

pub use trigger::Trigger;
pub use worker::{Drained, Worker};

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Pass,
    /// Failed for good: the project's URL is wrong, missing or not playable.
    Fail(String),
    /// Could not tell right now (network, timeout, 5xx, rate limit): worth another attempt.
    /// `message` is what the project shows if every attempt ends like this.
    Transient {
        message: String,
        retry_after: Option<Duration>,
    },
}

/// Where the validators send their requests, and how long they wait. Every client here is
/// guarded ([`outbound::guarded_builder`]): it connects only to addresses the [`Egress`]
/// allows, public ones by default, whatever a URL, a redirect or a DNS answer names.
#[derive(Clone)]
pub struct Validators {
    github_api_url: String,
    github_token: Option<String>,
    egress: Egress,
    /// Redirects are not followed (the contract's GitHub client).
    github: reqwest::Client,
    /// Redirects are followed, only to https itch.io pages (see [`itch::may_redirect_to`]).
    itch: reqwest::Client,
}

impl std::fmt::Debug for Validators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validators")
            .field("github_api_url", &self.github_api_url)
            .field("github_token", &self.github_token.as_ref().map(|_| "***"))
            .field("egress", &self.egress)
            .finish_non_exhaustive()
    }
}

/// The contract's timeout for a validator's request.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How long an edit's validation waits for further edits (`PUT /projects/{id}` queues the
/// project's job due this far ahead; each edit pushes it back).
pub const EDIT_DEBOUNCE: Duration = Duration::from_secs(5);

/// `PODIUM_VALIDATION_DEBOUNCE_SECONDS` (default [`EDIT_DEBOUNCE`]; 0: due at once).
pub fn edit_debounce(vars: &Vars) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(vars.parsed(
        "PODIUM_VALIDATION_DEBOUNCE_SECONDS",
        EDIT_DEBOUNCE.as_secs(),
    )?))
}

/// Redirects an itch.io page may take before it counts as unreachable (reqwest's default).
const MAX_REDIRECTS: usize = 10;

impl Validators {
    /// `github_api_url` without a trailing `/`; `itch_proxy` routes itch.io page requests through
    /// an HTTP proxy (tests and sandboxes; `None` in production). Outbound requests reach public
    /// addresses only; [`Validators::with_egress`] chooses otherwise.
    pub fn new(
        github_api_url: &str,
        github_token: Option<String>,
        itch_proxy: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, ConfigError> {
        Self::with_egress(
            github_api_url,
            github_token,
            itch_proxy,
            timeout,
            Egress::Public,
        )
    }

    /// [`Validators::new`] with the addresses `egress` allows. The proxy's own address is the
    /// operator's choice and is not filtered (give it as an IP address); the pages asked for
    /// through it are checked as without one (the redirect rule, IP-address hosts), but their
    /// names are resolved by the proxy, out of the resolver's sight.
    pub fn with_egress(
        github_api_url: &str,
        github_token: Option<String>,
        itch_proxy: Option<&str>,
        timeout: Duration,
        egress: Egress,
    ) -> Result<Self, ConfigError> {
        let invalid = |name: &str, reason: String| ConfigError::Invalid {
            name: name.to_owned(),
            reason,
        };
        let github = outbound::guarded_builder(timeout, egress)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| invalid("PODIUM_GITHUB_API_URL", e.to_string()))?;
        let mut itch = outbound::guarded_builder(timeout, egress).redirect(itch_redirects(egress));
        if let Some(proxy) = itch_proxy {
            itch = itch.proxy(
                reqwest::Proxy::all(proxy)
                    .map_err(|e| invalid("PODIUM_ITCH_PROXY", e.to_string()))?,
            );
        }
        let itch = itch
            .build()
            .map_err(|e| invalid("PODIUM_ITCH_PROXY", e.to_string()))?;
        Ok(Self {
            github_api_url: github_api_url.trim_end_matches('/').to_owned(),
            github_token: github_token.filter(|t| !t.is_empty()),
            egress,
            github,
            itch,
        })
    }

    /// `PODIUM_GITHUB_API_URL` (default `https://api.github.com`), `PODIUM_GITHUB_TOKEN`
    /// (optional; raises GitHub's rate limit), `PODIUM_ITCH_PROXY` (optional),
    /// `PODIUM_VALIDATION_TIMEOUT_SECONDS` (default 10), `PODIUM_OUTBOUND_ALLOW_LOOPBACK`
    /// (`1`: loopback addresses too, refused in production; see [`Egress::from_vars`]).
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let seconds: u64 = vars.parsed("PODIUM_VALIDATION_TIMEOUT_SECONDS", TIMEOUT.as_secs())?;
        Self::with_egress(
            &vars
                .optional("PODIUM_GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".to_owned()),
            vars.optional("PODIUM_GITHUB_TOKEN"),
            vars.optional("PODIUM_ITCH_PROXY").as_deref(),
            Duration::from_secs(seconds.max(1)),
            Egress::from_vars(vars)?,
        )
    }

    /// Whether validating `target` sends any request (a GitHub check of a URL that names a
    /// repository, an itch.io check of a game page URL): only those spend the owner's budget.
    pub fn reaches_out(&self, target: &Target) -> bool {
        let github = target.repo_validation == RepoValidation::Github
            && github::parse(&target.repo).is_some();
        let itch =
            target.demo_validation == DemoValidation::Itch && itch::is_game_page(&target.demo);
        github || itch
    }

    /// The repository check the event asks for, if any: `github` runs the GitHub validator on a
    /// non-empty URL, `custom` the registry's validator when it has one; anything else, none.
    pub async fn repo(&self, target: &Target) -> Option<Check> {
        match target.repo_validation {
            RepoValidation::Github if !target.repo.is_empty() => {
                Some(github::check(self, &target.repo).await)
            }
            RepoValidation::Custom => custom(target.custom_validator.as_deref()).map(|c| c.repo),
            RepoValidation::Github | RepoValidation::None => None,
        }
    }

    /// The demo check the event asks for, if any: `itch` on a non-empty URL, or `custom`.
    pub async fn demo(&self, target: &Target) -> Option<Check> {
        match target.demo_validation {
            DemoValidation::Itch if !target.demo.is_empty() => {
                Some(itch::check(self, &target.demo).await)
            }
            DemoValidation::Custom => custom(target.custom_validator.as_deref()).map(|c| c.demo),
            DemoValidation::Itch | DemoValidation::None => None,
        }
    }
}

/// The itch client's redirect policy: at most [`MAX_REDIRECTS`], each to an https itch.io page
/// ([`itch::may_redirect_to`]) whose host, if an address, `egress` allows. Anything else stops
/// the fetch with an error (the page is "not reachable") before anything is sent there.
fn itch_redirects(egress: Egress) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        let url = attempt.url();
        if let Err(refused) = egress.check_url(url) {
            return attempt.error(refused);
        }
        if !itch::may_redirect_to(url) {
            let host = url.host_str().unwrap_or_default().to_owned();
            return attempt.error(Refused {
                host,
                reason: "a redirect away from https itch.io",
            });
        }
        attempt.follow()
    })
}

/// A custom validator's answers.
struct Custom {
    repo: Check,
    demo: Check,
}

/// The custom validators by name; none of them sends a request today (a validator with a
/// service would send it with a client built in [`Validators::with_egress`], guarded like the
/// others). `sleepover` has no service configured in the original (an
/// empty URL), so both its checks pass at once; an unknown name runs no check.
fn custom(name: Option<&str>) -> Option<Custom> {
    match name? {
        "sleepover" => Some(Custom {
            repo: Check::Pass,
            demo: Check::Pass,
        }),
        _ => None,
    }
}

/// The status and message a project gets from its checks (repository first): `valid` and `""`
/// when every check that ran passed, else `warning` and the failures' messages joined by ` | `.
pub fn verdict(checks: &[Check]) -> (&'static str, String) {
    let messages: Vec<&str> = checks
        .iter()
        .filter_map(|check| match check {
            Check::Pass => None,
            Check::Fail(message) | Check::Transient { message, .. } => Some(message.as_str()),
        })
        .collect();
    if messages.is_empty() {
        ("valid", String::new())
    } else {
        ("warning", messages.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_joins_failures_repository_first() {
        assert_eq!(verdict(&[]), ("valid", String::new()));
        assert_eq!(
            verdict(&[Check::Pass, Check::Pass]),
            ("valid", String::new())
        );
        assert_eq!(
            verdict(&[
                Check::Fail("repo".into()),
                Check::Transient {
                    message: "demo".into(),
                    retry_after: None
                }
            ]),
            ("warning", "repo | demo".to_owned())
        );
    }
}
