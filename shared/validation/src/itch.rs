//! The itch.io validator (`validators/itch.py` of the original): the demo is an itch.io game
//! page that can be played in the browser.

use podium_runtime::outbound::Refused;

use crate::{Check, Validators};

pub const NOT_ITCH: &str =
    "Demo URL must be an itch.io game page (e.g. username.itch.io/game-name).";
pub const UNREACHABLE: &str = "Could not reach the itch.io page to verify playability.";
pub const NOT_PLAYABLE: &str = "Game is not browser-playable. Enable \"Run game in browser\" in your itch.io project settings.";

/// At most this much of a page is read.
const MAX_PAGE: usize = 4 * 1024 * 1024;

/// The original's pattern `^https?://[a-zA-Z0-9\-_]+\.itch\.io/[a-zA-Z0-9\-_]+`,
/// case-insensitive, anchored at the start only.
pub fn is_game_page(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let user = rest.bytes().take_while(|b| word(*b)).count();
    let Some(after) = rest[user..].strip_prefix(".itch.io/") else {
        return false;
    };
    user > 0 && after.bytes().next().is_some_and(word)
}

/// Whether the page has an element whose class list holds `game_frame`.
pub fn has_game_frame(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("class") {
        let after = rest[at + 5..].trim_start();
        rest = &rest[at + 5..];
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let classes = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or_default(),
            _ => value
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or_default(),
        };
        if classes
            .split_whitespace()
            .any(|class| class == "game_frame")
        {
            return true;
        }
    }
    false
}

/// Where an itch.io page may redirect: an `https` URL on `itch.io` or one of its sub-domains,
/// on the default port, without credentials. (The original followed any redirect, so a page
/// could send the worker to any address, inside the stack too.)
pub fn may_redirect_to(url: &reqwest::Url) -> bool {
    let itch = url.domain().is_some_and(|host| {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        host == "itch.io" || host.ends_with(".itch.io")
    });
    url.scheme() == "https"
        && itch
        && url.port().is_none()
        && url.username().is_empty()
        && url.password().is_none()
}

pub async fn check(validators: &Validators, url: &str) -> Check {
    if !is_game_page(url) {
        return Check::Fail(NOT_ITCH.to_owned());
    }
    let transient = || Check::Transient {
        message: UNREACHABLE.to_owned(),
        retry_after: None,
    };
    // Refused (an address the worker may not reach, a redirect away from itch.io): final, with
    // the contract's "not reachable" message; trying again would be refused again.
    let refused = || Check::Fail(UNREACHABLE.to_owned());
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return refused();
    };
    if let Err(err) = validators.egress.check_url(&parsed) {
        tracing::warn!(error = %err, "itch.io page refused");
        return refused();
    }
    let response = match validators.itch.get(parsed).send().await {
        Ok(response) => response,
        Err(err) if Refused::caused(&err) => {
            tracing::warn!(error = %err, "itch.io page refused");
            return refused();
        }
        Err(err) => {
            tracing::warn!(error = %err, "itch.io unreachable");
            return transient();
        }
    };
    let status = response.status();
    if status.is_server_error() || status.as_u16() == 429 {
        return transient();
    }
    if !status.is_success() {
        return Check::Fail(UNREACHABLE.to_owned());
    }
    let mut page = Vec::new();
    let mut response = response;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                page.extend_from_slice(&chunk);
                if page.len() >= MAX_PAGE {
                    break;
                }
            }
            Ok(None) => break,
            Err(_) => return transient(),
        }
    }
    if has_game_frame(&String::from_utf8_lossy(&page)) {
        Check::Pass
    } else {
        Check::Fail(NOT_PLAYABLE.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_pages_are_recognised_as_the_original_recognises_them() {
        for (url, ok) in [
            ("https://alice.itch.io/game", true),
            ("http://Alice-B_2.ITCH.io/My-Game", true),
            ("https://alice.itch.io/", false),
            ("alice.itch.io/game", false),
            ("https://itch.io/game", false),
            ("https://alice.itch.io.evil.example/game", false),
            ("https://example.com/game", false),
        ] {
            assert_eq!(is_game_page(url), ok, "{url}");
        }
    }

    #[test]
    fn redirects_are_followed_only_to_https_itch_io_pages() {
        for (url, ok) in [
            ("https://alice.itch.io/game", true),
            ("https://itch.io/login", true),
            ("https://ALICE.Itch.IO/game", true),
            ("https://a.b.itch.io/game", true),
            ("https://alice.itch.io./game", true),
            ("http://alice.itch.io/game", false),
            ("https://alice.itch.io:8443/game", false),
            ("https://user:pw@alice.itch.io/game", false),
            ("https://itch.io.evil.example/game", false),
            ("https://evilitch.io/game", false),
            ("https://127.0.0.1/", false),
            ("https://[::1]/", false),
            ("https://169.254.169.254/latest/meta-data/", false),
            ("ftp://alice.itch.io/game", false),
        ] {
            let parsed = reqwest::Url::parse(url).expect("url");
            assert_eq!(may_redirect_to(&parsed), ok, "{url}");
        }
    }

    #[test]
    fn a_game_frame_is_any_element_with_that_class() {
        assert!(has_game_frame(r#"<div class="game_frame game_loading">"#));
        assert!(has_game_frame("<div id=x class = 'a game_frame'>"));
        assert!(has_game_frame("<div class=game_frame>"));
        assert!(!has_game_frame(r#"<div class="game_frame_x">"#));
        assert!(!has_game_frame("<p>game_frame</p>"));
    }
}
