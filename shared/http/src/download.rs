//! What a file download answers with besides its bytes.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};

/// The headers of a file to save, never to render in our origin or keep in a cache: its type,
/// `attachment` with its name, `nosniff`, and `private, no-store` (exports carry people's data).
pub fn headers(kind: &'static str, filename: &str) -> [(HeaderName, HeaderValue); 4] {
    [
        (CONTENT_TYPE, HeaderValue::from_static(kind)),
        (CONTENT_DISPOSITION, content_disposition(filename)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
    ]
}

/// `attachment; filename=<name>` as the original sends it when the name is a plain token (an
/// event slug always is); otherwise (a series with spaces or non-ASCII letters, which the
/// original could not send) a quoted ASCII fallback and the exact name in `filename*` (RFC 6266).
pub fn content_disposition(filename: &str) -> HeaderValue {
    const TOKEN: &[u8] = b"!#$%&'*+-.^_`|~";
    const ATTR: &[u8] = b"!#$&+-.^_`|~";
    let plain = |b: u8| b.is_ascii_alphanumeric() || TOKEN.contains(&b);
    let text = if filename.bytes().all(plain) {
        format!("attachment; filename={filename}")
    } else {
        let fallback: String = filename
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut encoded = String::with_capacity(filename.len() * 3);
        for b in filename.bytes() {
            if b.is_ascii_alphanumeric() || ATTR.contains(&b) {
                encoded.push(char::from(b));
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_file_name_is_sent_as_the_original_sends_it_and_others_are_encoded() {
        assert_eq!(
            content_disposition("projects-campfire-paris-adfnCg-2026-11-29.csv"),
            "attachment; filename=projects-campfire-paris-adfnCg-2026-11-29.csv"
        );
        assert_eq!(
            content_disposition("projects-été 2026-2026-11-29.csv"),
            "attachment; filename=\"projects-_t_ 2026-2026-11-29.csv\"; \
             filename*=UTF-8''projects-%C3%A9t%C3%A9%202026-2026-11-29.csv"
        );
    }
}
