//! What the edge in front of the functions — CloudFront on AWS, the gateway in a container
//! stack — tells them about a request, in headers it sets itself, overwriting whatever a client
//! sent. The HTTP layer believes them only when the secret matches (`podium_http::client`).

/// The viewer's own address (CloudFront's `event.viewer.ip`, or the gateway's peer).
pub const VIEWER_IP_HEADER: &str = "x-podium-viewer-ip";

/// `PODIUM_CDN_SECRET`: proves the request came through the edge.
pub const CDN_SECRET_HEADER: &str = "x-podium-cdn-secret";
