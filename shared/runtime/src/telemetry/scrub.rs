//! What never leaves the process in an error report or a trace: tokens (access tokens, magic
//! links, anything that looks like a JWT or follows `Bearer`), the `Authorization` and `Cookie`
//! headers, the CDN secret, the values of every secret setting, request bodies and query
//! strings, and personal data other than the user the HTTP layer sets (addresses, phone
//! numbers, dates of birth).
//!
//! It works on the envelope, the one way out: every event and transaction is turned into JSON,
//! cleaned, and read back; an item that cannot be is dropped rather than sent as it was.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use sentry::Envelope;
use sentry::protocol::EnvelopeItem;

/// What a removed value is replaced with.
pub const FILTERED: &str = "[Filtered]";

/// Headers a report may carry; every other one is dropped.
const KEPT_HEADERS: [&str; 7] = [
    "accept",
    "content-length",
    "content-type",
    "host",
    "origin",
    "user-agent",
    "x-request-id",
];

/// Parts of a key (lower case, `-` read as `_`) that mark its value as secret or personal.
const SENSITIVE_KEYS: [&str; 18] = [
    "authorization",
    "cookie",
    "token",
    "secret",
    "password",
    "passwd",
    "dsn",
    "api_key",
    "apikey",
    "jwt",
    "magic",
    "phone",
    "address",
    "street",
    "postal",
    "zip",
    "birth",
    "dob",
];

/// Cleans Sentry envelopes.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    /// Values that must not appear anywhere (the secret settings' values), longest first.
    secrets: Vec<String>,
}

impl Scrubber {
    pub fn new(mut secrets: Vec<String>) -> Self {
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self { secrets }
    }

    /// The envelope with every event and transaction cleaned; `None` when nothing is left.
    pub fn envelope(&self, envelope: Envelope) -> Option<Envelope> {
        let headers = envelope.headers().clone();
        let mut cleaned = Envelope::new().with_headers(headers);
        let mut any = false;
        for item in envelope.into_items() {
            let item = match item {
                EnvelopeItem::Event(event) => self.item(*event).map(EnvelopeItem::from),
                EnvelopeItem::Transaction(transaction) => {
                    self.item(*transaction).map(EnvelopeItem::from)
                }
                // Sessions and client reports carry no request data; anything else (an
                // attachment, an item container) is not enabled here and never sent unread.
                item @ (EnvelopeItem::SessionUpdate(_)
                | EnvelopeItem::SessionAggregates(_)
                | EnvelopeItem::ClientReport(_)) => Some(item),
                _ => None,
            };
            if let Some(item) = item {
                cleaned.add_item::<EnvelopeItem>(item);
                any = true;
            }
        }
        any.then_some(cleaned)
    }

    fn item<T: Serialize + DeserializeOwned>(&self, item: T) -> Option<T> {
        let mut value = serde_json::to_value(item).ok()?;
        self.document(&mut value);
        serde_json::from_value(value).ok()
    }

    /// Cleans an event or transaction as JSON.
    pub fn document(&self, value: &mut Value) {
        let Value::Object(map) = value else {
            return;
        };
        if let Some(Value::Object(request)) = map.get_mut("request") {
            clean_request(request);
        }
        // The user is set by the HTTP layer alone: keep only what it sets.
        if let Some(Value::Object(user)) = map.get_mut("user") {
            user.retain(|key, _| matches!(key.as_str(), "id" | "email" | "ip_address"));
            for field in user.values_mut() {
                if let Value::String(s) = field {
                    *s = self.text(s);
                }
            }
        }
        for (key, field) in map.iter_mut() {
            if key == "user" {
                continue;
            }
            self.value(Some(key), field);
        }
    }

    fn value(&self, key: Option<&str>, value: &mut Value) {
        if key.is_some_and(sensitive_key) {
            if !value.is_null() {
                *value = Value::String(FILTERED.to_owned());
            }
            return;
        }
        match value {
            Value::String(s) => {
                let cleaned = self.text(s);
                if cleaned != *s {
                    *s = cleaned;
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.value(None, item);
                }
            }
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    self.value(Some(key), field);
                }
            }
            _ => {}
        }
    }

    /// A text with secret values, JWTs, `Bearer` credentials and `token=` parameters removed.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), FILTERED);
            }
        }
        let out = without_jwts(&out);
        let out = after_marker(&out, "bearer ");
        after_marker(&out, "token=")
    }
}

fn sensitive_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    SENSITIVE_KEYS.iter().any(|mark| key.contains(mark))
}

/// A request as a report may show it: method, URL without its query, the kept headers.
fn clean_request(request: &mut Map<String, Value>) {
    request.retain(|key, _| matches!(key.as_str(), "method" | "url" | "headers"));
    if let Some(Value::String(url)) = request.get_mut("url")
        && let Some(at) = url.find(['?', '#'])
    {
        url.truncate(at);
    }
    if let Some(Value::Object(headers)) = request.get_mut("headers") {
        headers.retain(|name, _| KEPT_HEADERS.contains(&name.to_ascii_lowercase().as_str()));
    }
}

fn base64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '='
}

/// Replaces every `eyJ….….…` (a JWT: base64url JSON header, payload, signature).
fn without_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let end = candidate
            .char_indices()
            .find(|(_, c)| !(base64url(*c) || *c == '.'))
            .map_or(candidate.len(), |(i, _)| i);
        let token = &candidate[..end];
        if token.matches('.').count() >= 2 {
            out.push_str(FILTERED);
        } else {
            out.push_str(token);
        }
        rest = &candidate[end..];
    }
    out.push_str(rest);
    out
}

/// Replaces what follows `marker` (case-insensitive) up to the next space, quote, `&` or `,`.
fn after_marker(text: &str, marker: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !lower.contains(marker) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = lower[from..].find(marker) {
        let start = from + found + marker.len();
        out.push_str(&text[from..start]);
        let end = text[start..]
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || matches!(c, '"' | '\'' | '&' | ',' | ')'))
            .map_or(text.len(), |(i, _)| start + i);
        if end > start {
            out.push_str(FILTERED);
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_tokens_and_personal_fields_are_replaced_and_the_user_kept() {
        let scrubber = Scrubber::new(vec!["hunter2-cdn-secret".to_owned()]);
        let mut event = json!({
            "message": "failed with Bearer abc.def and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl, secret hunter2-cdn-secret",
            "request": {
                "url": "https://podium.example/verify?token=abc",
                "query_string": "token=abc",
                "data": "{\"phone\": \"555\"}",
                "cookies": "session=1",
                "headers": {"Authorization": "Bearer x", "Cookie": "a=b", "x-podium-cdn-secret": "hunter2-cdn-secret", "User-Agent": "ua", "x-request-id": "r1"}
            },
            "user": {"id": "u1", "email": "ada@example.com", "ip_address": "203.0.113.9", "username": "ada"},
            "extra": {"phone": "555-0100", "street_address": "1 Main St", "birthday": "2000-01-01", "count": 3,
                      "magic_link": "https://x/verify?token=abc", "note": "see https://x/verify?token=abc&x=1"}
        });
        scrubber.document(&mut event);
        assert_eq!(
            event,
            json!({
                "message": "failed with Bearer [Filtered] and [Filtered], secret [Filtered]",
                "request": {
                    "url": "https://podium.example/verify",
                    "headers": {"User-Agent": "ua", "x-request-id": "r1"}
                },
                "user": {"id": "u1", "email": "ada@example.com", "ip_address": "203.0.113.9"},
                "extra": {"phone": "[Filtered]", "street_address": "[Filtered]", "birthday": "[Filtered]", "count": 3,
                          "magic_link": "[Filtered]", "note": "see https://x/verify?token=[Filtered]&x=1"}
            })
        );
    }

    #[test]
    fn a_text_without_secrets_is_left_as_it_was() {
        let scrubber = Scrubber::new(vec!["s3cr3t-value".to_owned()]);
        let text = "GET /events/{event_id} answered 500: pool timed out (eyJ alone is no token)";
        assert_eq!(scrubber.text(text), text);
    }
}
