//! What the edge in front of the functions — CloudFront on AWS, the gateway in a container
//! stack — tells them about a request, in headers it sets itself, overwriting whatever a client
//! sent. The HTTP layer believes them only when the secret matches (`podium_http::client`).

/// The viewer's own address (CloudFront's `event.viewer.ip`, or the gateway's peer).
pub const VIEWER_IP_HEADER: &str = "x-podium-viewer-ip";

/// `PODIUM_CDN_SECRET`: proves the request came through the edge.
pub const CDN_SECRET_HEADER: &str = "x-podium-cdn-secret";

/// The request's id, as every response carries it and every log line and error report of the
/// request shows it.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Whether an incoming request id (from CloudFront, the gateway, a client) may be kept: 1 to 128
/// characters of letters, digits and `-_.:=+/` (UUIDs, CloudFront's and Lambda's ids). Anything
/// else is replaced, so that no log line or report carries what a client chose to inject.
pub fn well_formed_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:=+/".contains(&b))
}

/// The incoming request id when it is well formed, else a fresh UUID.
pub fn request_id_or_new(incoming: Option<&str>) -> String {
    incoming
        .filter(|id| well_formed_request_id(id))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::well_formed_request_id;

    #[test]
    fn uuids_and_cloudfront_ids_are_kept_and_markup_or_long_values_are_not() {
        assert!(well_formed_request_id(
            "0b6f2a4e-8a57-4a4c-9c53-6e1f1f7d1b2a"
        ));
        assert!(well_formed_request_id(
            "Lw3mRz9Q1XkO0yCjDq5hUe2vX_bA-pN7sTg8fYi4ZrKx0oMw=="
        ));
        assert!(!well_formed_request_id(""));
        assert!(!well_formed_request_id("a b"));
        assert!(!well_formed_request_id("<script>"));
        assert!(!well_formed_request_id("x\"y"));
        assert!(!well_formed_request_id(&"a".repeat(129)));
    }
}
