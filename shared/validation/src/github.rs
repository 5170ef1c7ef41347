//! The GitHub validator (`validators/github.py` of the original): the URL names a repository,
//! and GitHub's API says it exists and is public.

use std::time::Duration;

use podium_runtime::outbound::Refused;

use crate::{Check, Validators};

/// `owner` and `repo` of a GitHub repository URL, read as the original's pattern
/// `^(https?://)?github\.com/(?P<owner>[a-zA-Z0-9\-_]+)/(?P<repo>[a-zA-Z0-9\-_.]+)`
/// (case-insensitive, anchored at the start only) with a trailing `.git` removed, except that
/// `www.github.com` is accepted too (contract §5.11: the original refused it, although GitHub
/// serves the same repository there).
pub fn parse(url: &str) -> Option<(&str, &str)> {
    let lower = url.to_ascii_lowercase();
    let mut at = 0;
    for scheme in ["https://", "http://"] {
        if lower.starts_with(scheme) {
            at = scheme.len();
            break;
        }
    }
    if lower[at..].starts_with("www.") {
        at += 4;
    }
    at += lower[at..]
        .strip_prefix("github.com/")
        .map(|_| "github.com/".len())?;
    let owner_len = url[at..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .count();
    if owner_len == 0 || url.as_bytes().get(at + owner_len) != Some(&b'/') {
        return None;
    }
    let owner = &url[at..at + owner_len];
    let rest = &url[at + owner_len + 1..];
    let repo_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    if repo_len == 0 {
        return None;
    }
    let repo = &rest[..repo_len];
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    Some((owner, repo))
}

pub const NOT_GITHUB: &str = "Repository URL must be a GitHub URL (e.g. github.com/owner/repo).";

pub async fn check(validators: &Validators, url: &str) -> Check {
    let Some((owner, repo)) = parse(url) else {
        return Check::Fail(NOT_GITHUB.to_owned());
    };
    let message = || format!("Could not reach GitHub to verify repository {owner}/{repo}.");
    let unreachable = || Check::Transient {
        message: message(),
        retry_after: None,
    };
    // The API's address refused (loopback, private, metadata, …): final, with the contract's
    // "could not reach" message.
    let refused = |err: &dyn std::fmt::Display| {
        tracing::warn!(error = %err, "GitHub API refused");
        Check::Fail(message())
    };
    let endpoint = match reqwest::Url::parse(&format!(
        "{}/repos/{owner}/{repo}",
        validators.github_api_url
    )) {
        Ok(endpoint) => endpoint,
        Err(err) => return refused(&err),
    };
    if let Err(err) = validators.egress.check_url(&endpoint) {
        return refused(&err);
    }
    let mut request = validators
        .github
        .get(endpoint)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28");
    if let Some(token) = &validators.github_token {
        request = request.bearer_auth(token);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) if Refused::caused(&err) => return refused(&err),
        Err(err) => {
            tracing::warn!(error = %err, "GitHub unreachable");
            return unreachable();
        }
    };
    let status = response.status();
    let returned = format!(
        "Could not verify repository {owner}/{repo} (GitHub returned {}).",
        status.as_u16()
    );
    match status.as_u16() {
        200 => Check::Pass,
        404 => Check::Fail(format!(
            "Repository {owner}/{repo} was not found on GitHub. Make sure it is public."
        )),
        // Rate limited (429, or 403 with no requests left) or GitHub failing: try again later,
        // when GitHub says the limit resets if it says so.
        429 | 500..=599 => Check::Transient {
            message: returned,
            retry_after: retry_after(response.headers()),
        },
        403 if remaining_is_zero(response.headers()) => Check::Transient {
            message: returned,
            retry_after: retry_after(response.headers()),
        },
        _ => Check::Fail(returned),
    }
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn remaining_is_zero(headers: &reqwest::header::HeaderMap) -> bool {
    header(headers, "x-ratelimit-remaining") == Some("0")
}

/// When GitHub says to come back: `retry-after` (seconds), or `x-ratelimit-reset` (epoch
/// seconds) when no requests are left.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if let Some(seconds) = header(headers, "retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds));
    }
    if remaining_is_zero(headers) {
        let reset = header(headers, "x-ratelimit-reset")?.parse::<u64>().ok()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls_are_read_as_the_original_reads_them_and_www_is_accepted() {
        for (url, expected) in [
            (
                "https://github.com/hackclub/podium",
                Some(("hackclub", "podium")),
            ),
            ("http://github.com/a/b.git", Some(("a", "b"))),
            ("github.com/a/b", Some(("a", "b"))),
            (
                "HTTPS://GitHub.com/Owner/Repo/tree/main",
                Some(("Owner", "Repo")),
            ),
            (
                "https://github.com/o/repo.name.js",
                Some(("o", "repo.name.js")),
            ),
            ("https://www.github.com/o/r", Some(("o", "r"))),
            ("https://github.com/o", None),
            ("https://github.com/o/", None),
            ("https://github.com//r", None),
            ("https://gitlab.com/o/r", None),
            ("ftp://github.com/o/r", None),
            ("https://github.com.evil.example/o/r", None),
            (" https://github.com/o/r", None),
            ("", None),
        ] {
            assert_eq!(parse(url), expected, "{url}");
        }
    }
}
