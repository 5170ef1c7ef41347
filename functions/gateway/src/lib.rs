//! The self-hosting gateway: one HTTP port in front of the route-group functions of a container
//! stack (`compose.yaml`), doing what CloudFront does on AWS:
//!
//! - **Routing** by the router table in the workspace's `Cargo.toml`
//!   (`[workspace.metadata.lambda.watch.router]`, read with the `toml` crate and compiled in by
//!   `build.rs`), matched by `matchit` exactly as `cargo lambda watch` and axum match it; a path
//!   no entry matches goes to `auth`, the CDN's default behaviour. The CDN's behaviours in
//!   `infra/template.yaml` are written by hand and the deploy test checks them against the same
//!   table, and a test checks every contract route lands on the same function everywhere.
//! - **The viewer's address**: `x-podium-viewer-ip` is set from the connection's peer (or, with
//!   `PODIUM_GATEWAY_TRUST_FORWARDED_FOR=1` behind a proxy such as Coolify's Traefik, from the
//!   last `X-Forwarded-For` hop that proxy appended), overwriting what the client sent, and
//!   `x-podium-cdn-secret` from `PODIUM_CDN_SECRET`, so the functions' per-network limits key on
//!   viewers and not on the gateway.
//! - Bodies stream both ways (the superadmin's CSV export); hop-by-hop headers are dropped.
//!
//! `GET /healthz` is answered here. Upstreams: `http://<function>:8080` (the compose service
//! names) unless `PODIUM_UPSTREAM_<FUNCTION>` says otherwise.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, Version, header};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use podium_runtime::edge::{
    CDN_SECRET_HEADER, REQUEST_ID_HEADER, VIEWER_IP_HEADER, request_id_or_new,
};
use podium_runtime::{ConfigError, Vars, health, telemetry};

#[cfg(test)]
mod router_table;

/// The router table, compiled in by `build.rs` from the workspace's `Cargo.toml`.
const TABLE: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/router_table.rs"));

/// Where a path that no table entry matches goes: the CDN's default behaviour.
pub const DEFAULT_FUNCTION: &str = "auth";

/// The router table, `(path pattern, function)` sorted by path.
pub fn table() -> Vec<(&'static str, &'static str)> {
    TABLE.to_vec()
}

/// Every function the table routes to (and the default), each once, sorted.
pub fn functions() -> Vec<&'static str> {
    let mut functions: Vec<&str> = table().into_iter().map(|(_, f)| f).collect();
    functions.push(DEFAULT_FUNCTION);
    functions.sort_unstable();
    functions.dedup();
    functions
}

/// The table as a matcher.
#[derive(Debug)]
pub struct Routes {
    router: matchit::Router<&'static str>,
}

impl Routes {
    /// The compiled-in table. Fails only if the table itself is malformed (a test builds it).
    pub fn from_table() -> Result<Self, String> {
        let mut router = matchit::Router::new();
        for (path, function) in table() {
            router
                .insert(path, function)
                .map_err(|err| format!("router table entry {path}: {err}"))?;
        }
        Ok(Self { router })
    }

    /// The function serving `path`.
    pub fn function_for(&self, path: &str) -> &'static str {
        self.router
            .at(path)
            .map_or(DEFAULT_FUNCTION, |matched| *matched.value)
    }
}

/// The gateway's settings.
#[derive(Debug)]
pub struct Config {
    upstreams: BTreeMap<&'static str, Authority>,
    cdn_secret: Option<HeaderValue>,
    trust_forwarded_for: bool,
    pub port: u16,
}

impl Config {
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let mut upstreams = BTreeMap::new();
        for function in functions() {
            let name = format!("PODIUM_UPSTREAM_{}", function.to_ascii_uppercase());
            let url = vars
                .optional(&name)
                .unwrap_or_else(|| format!("http://{function}:8080"));
            upstreams.insert(
                function,
                upstream(&url).map_err(|reason| invalid(&name, reason))?,
            );
        }
        let cdn_secret = match vars.optional("PODIUM_CDN_SECRET") {
            Some(secret) => {
                let mut value = HeaderValue::from_str(&secret)
                    .map_err(|_| invalid("PODIUM_CDN_SECRET", "not a header value".into()))?;
                // `Debug` shows `Sensitive`, never the secret.
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        Ok(Self {
            upstreams,
            cdn_secret,
            trust_forwarded_for: vars.parsed("PODIUM_GATEWAY_TRUST_FORWARDED_FOR", 0_u8)? == 1,
            port: vars.parsed("PORT", 8080)?,
        })
    }
}

fn invalid(name: &str, reason: String) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        reason,
    }
}

/// `http://host:port` (no path): the only form an upstream takes.
fn upstream(url: &str) -> Result<Authority, String> {
    let uri: Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("{url}: upstreams are plain http://host:port"));
    }
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
        return Err(format!("{url}: an upstream has no path"));
    }
    uri.authority()
        .cloned()
        .ok_or_else(|| format!("{url} has no host"))
}

/// Routes, upstreams and one pooled HTTP/1.1 client.
#[derive(Debug)]
pub struct Gateway {
    routes: Routes,
    config: Config,
    client: Client<HttpConnector, Body>,
}

impl Gateway {
    pub fn new(config: Config) -> Result<Self, String> {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .set_host(true)
            .build(connector);
        Ok(Self {
            routes: Routes::from_table()?,
            config,
            client,
        })
    }

    /// The viewer's address: the peer, or the last `X-Forwarded-For` hop when told to trust it.
    fn viewer(&self, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
        if !self.config.trust_forwarded_for {
            return peer;
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|list| list.rsplit(',').next())
            .and_then(|hop| hop.trim().parse().ok())
            .unwrap_or(peer)
    }
}

/// The gateway's router: `/healthz` here, everything else proxied.
#[allow(
    clippy::disallowed_types,
    reason = "the gateway is no part of the API (it links podium-runtime only) and reads no body"
)]
pub fn app(gateway: Gateway) -> Router {
    Router::new()
        .route(
            health::PATH,
            axum::routing::get(async || axum::Json(serde_json::json!({"status": "ok"}))),
        )
        .fallback(proxy)
        .with_state(Arc::new(gateway))
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

fn drop_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    for name in HOP_BY_HOP
        .iter()
        .copied()
        .chain(named.iter().map(String::as_str))
    {
        headers.remove(name);
    }
    // hyper frames the body itself.
    headers.remove(header::TRANSFER_ENCODING);
}

async fn proxy(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let function = gateway.routes.function_for(request.uri().path());
    let (mut parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let Some(authority) = gateway.config.upstreams.get(function) else {
        return bad_gateway(function, "no upstream");
    };
    let uri = Uri::builder()
        .scheme("http")
        .authority(authority.clone())
        .path_and_query(path_and_query)
        .build();
    let Ok(uri) = uri else {
        return bad_gateway(function, "unusable request target");
    };
    let viewer = gateway.viewer(&parts.headers, peer.ip());
    drop_hop_by_hop(&mut parts.headers);
    // One id for the request from here to the function's logs and reports: the caller's when
    // well formed, else a new one; the function keeps it and echoes it.
    let request_id = request_id_or_new(
        parts
            .headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        parts.headers.insert(REQUEST_ID_HEADER, value);
    }
    // As CloudFront: the origin sees its own host, and only the edge's word on the viewer.
    parts.headers.remove(header::HOST);
    parts.headers.remove(CDN_SECRET_HEADER);
    if let Ok(value) = HeaderValue::from_str(&viewer.to_string()) {
        parts.headers.insert(VIEWER_IP_HEADER, value);
    }
    if let Some(secret) = &gateway.config.cdn_secret {
        parts.headers.insert(CDN_SECRET_HEADER, secret.clone());
    }
    parts.uri = uri;
    parts.version = Version::HTTP_11;
    match gateway
        .client
        .request(Request::from_parts(parts, body))
        .await
    {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            drop_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, Body::new(body))
        }
        Err(err) => {
            let mut response = bad_gateway(function, &err.to_string());
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            response
        }
    }
}

/// The function could not be reached: logged with the reason, answered without it.
#[allow(
    clippy::disallowed_types,
    reason = "the gateway is no part of the API (it links podium-runtime only) and reads no body"
)]
fn bad_gateway(function: &str, reason: &str) -> Response {
    tracing::error!(function, reason, "upstream unavailable");
    (
        StatusCode::BAD_GATEWAY,
        axum::Json(serde_json::json!({"detail": "Bad Gateway"})),
    )
        .into_response()
}

/// The binary's whole `main`: `gateway health` probes a running gateway; otherwise it serves
/// until SIGTERM or SIGINT.
pub fn run() -> ExitCode {
    if health::requested() {
        return health::exit_code(health::probe_http());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            telemetry::Telemetry::logs_only("info");
            tracing::error!(error = %err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let started = telemetry::load_vars("info").await.and_then(|vars| {
            let telemetry = telemetry::Telemetry::init("gateway", "info", Some(&vars))?;
            Ok((telemetry, Config::from_vars(&vars)?))
        });
        let (_telemetry, config) = match started {
            Ok(started) => started,
            Err(err) => {
                telemetry::Telemetry::logs_only("info");
                tracing::error!(error = %err, "configuration");
                return ExitCode::from(2);
            }
        };
        let address = SocketAddr::from(([0, 0, 0, 0], config.port));
        let gateway = match Gateway::new(config) {
            Ok(gateway) => gateway,
            Err(err) => {
                tracing::error!(error = %err, "router table");
                return ExitCode::from(2);
            }
        };
        let listener = match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::error!(error = %err, %address, "cannot listen");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(%address, "gateway listening");
        let served = axum::serve(
            listener,
            app(gateway).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(podium_runtime::shutdown_signal())
        .await;
        match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!(error = %err, "stopped");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_from_the_manifest_and_builds_a_matcher() {
        let table = table();
        assert!(table.contains(&("/events/admin/{*rest}", "admin")));
        assert!(table.contains(&("/users", "users")));
        let routes = Routes::from_table().expect("routes");
        assert_eq!(routes.function_for("/events/admin/abc/attendees"), "admin");
        assert_eq!(routes.function_for("/events/abc"), "events");
        assert_eq!(routes.function_for("/users/"), "users");
        assert_eq!(routes.function_for("/nowhere"), DEFAULT_FUNCTION);
        assert_eq!(
            functions(),
            ["admin", "auth", "events", "projects", "superadmin", "users"]
        );
    }

    #[test]
    fn upstreams_are_plain_http_authorities() {
        assert_eq!(
            upstream("http://users:8080").map(|a| a.to_string()),
            Ok("users:8080".to_owned())
        );
        assert!(upstream("https://users:8080").is_err());
        assert!(upstream("http://users:8080/api").is_err());
        assert!(upstream("users").is_err());
        let vars = Vars::from_pairs([("PODIUM_UPSTREAM_AUTH", "ftp://x")]);
        assert!(matches!(
            Config::from_vars(&vars),
            Err(ConfigError::Invalid { name, .. }) if name == "PODIUM_UPSTREAM_AUTH"
        ));
    }

    #[test]
    fn the_viewer_is_the_peer_unless_forwarded_for_is_trusted() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("1.1.1.1"));
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        let peer: IpAddr = [10, 0, 0, 2].into();
        let gateway = |trust: &str| {
            let vars = Vars::from_pairs([("PODIUM_GATEWAY_TRUST_FORWARDED_FOR", trust)]);
            Gateway::new(Config::from_vars(&vars).expect("config")).expect("gateway")
        };
        assert_eq!(gateway("0").viewer(&headers, peer), peer);
        let trusted = gateway("1");
        assert_eq!(
            trusted.viewer(&headers, peer),
            IpAddr::from([198, 51, 100, 7])
        );
        assert_eq!(trusted.viewer(&HeaderMap::new(), peer), peer);
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-secret-hop"),
        );
        headers.insert("x-secret-hop", HeaderValue::from_static("1"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
        drop_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key(header::CONTENT_TYPE));
    }
}
