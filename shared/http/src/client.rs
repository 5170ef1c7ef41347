//! Which network a request comes from, for per-network rate limits. Behind the CDN, the function
//! URL's source address is CloudFront's, so the viewer's address comes from a header that a
//! CloudFront Function sets on every request (`x-podium-viewer-ip`, overwriting anything the
//! client sent) — trusted only when the request also carries the origin secret CloudFront adds
//! (`x-podium-cdn-secret`, equal to `PODIUM_CDN_SECRET`), which a client cannot know. Anything
//! else (a request straight to the function URL, or a container without a CDN) is keyed on the
//! connection's own source address. `X-Forwarded-For` is never read.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};

use crate::{ApiError, AppState};

pub use podium_runtime::edge::{CDN_SECRET_HEADER, VIEWER_IP_HEADER};

/// `PODIUM_CDN_SECRET`; never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct CdnSecret(String);

impl CdnSecret {
    pub fn new(secret: String) -> Option<Self> {
        (!secret.is_empty()).then_some(Self(secret))
    }
}

impl std::fmt::Debug for CdnSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CdnSecret(***)")
    }
}

/// The client's network: its IPv4 address, or the /64 of its IPv6 address (one subscriber's
/// prefix); `unknown` when no address is known (only in tests without a connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientNetwork(pub String);

impl ClientNetwork {
    pub fn of(ip: IpAddr) -> Self {
        Self(match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        })
    }
}

/// Compares without stopping at the first difference (the secret's length is not secret).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn source_address(extensions: &Extensions) -> Option<IpAddr> {
    if let Some(ConnectInfo(address)) = extensions.get::<ConnectInfo<SocketAddr>>() {
        return Some(address.ip());
    }
    use lambda_http::request::RequestContext;
    match extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => {
            context.http.source_ip.as_deref()?.parse().ok()
        }
        _ => None,
    }
}

/// The viewer's address: the edge's word on it when the request carries the CDN secret, else
/// the connection's source address; `None` when neither is known.
pub fn viewer_address(
    headers: &HeaderMap,
    extensions: &Extensions,
    cdn_secret: Option<&CdnSecret>,
) -> Option<IpAddr> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let via_cdn = match (cdn_secret, header(CDN_SECRET_HEADER)) {
        (Some(secret), Some(sent)) => same_secret(secret.0.as_bytes(), sent.as_bytes()),
        _ => false,
    };
    via_cdn
        .then(|| header(VIEWER_IP_HEADER)?.trim().parse::<IpAddr>().ok())
        .flatten()
        .or_else(|| source_address(extensions))
}

impl<S: Send + Sync> FromRequestParts<S> for ClientNetwork
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        Ok(viewer_address(
            &parts.headers,
            &parts.extensions,
            state.config.cdn_secret.as_ref(),
        )
        .map_or_else(|| Self("unknown".to_owned()), Self::of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_is_an_ipv4_address_or_an_ipv6_slash_64() {
        let of = |s: &str| ClientNetwork::of(s.parse().expect("ip")).0;
        assert_eq!(of("203.0.113.9"), "203.0.113.9");
        assert_eq!(of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(of("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
        assert_eq!(of("::ffff:198.51.100.7"), "198.51.100.7");
    }

    #[test]
    fn the_secret_comparison_needs_equal_bytes() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
    }
}
