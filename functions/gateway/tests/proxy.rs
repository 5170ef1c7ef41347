//! The gateway over real sockets: fake upstreams that echo what reached them, the gateway in
//! front, a client. Routing by the router table, the edge headers, hop-by-hop headers, a large
//! streamed body, and an unreachable function.

#![allow(
    clippy::disallowed_types,
    reason = "the fake upstream functions are axum apps of their own, outside our contract"
)]

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderMap;
use gateway::{Config, Gateway, app};
use podium_runtime::Vars;
use serde_json::{Value, json};

/// An upstream named `name` answering every request with what it saw.
async fn echo(name: &'static str) -> String {
    let router = Router::new().fallback(move |request: Request| async move {
        let headers: serde_json::Map<String, Value> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or_default())))
            .collect();
        let uri = request.uri().to_string();
        let body = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map(|b| b.len())
            .unwrap_or_default();
        axum::Json(json!({"function": name, "uri": uri, "headers": headers, "body_bytes": body}))
    });
    serve(router).await
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    format!("http://{address}")
}

/// The gateway with the given upstream settings; its base URL.
async fn gateway(settings: Vec<(String, String)>) -> String {
    let config = Config::from_vars(&Vars::from_pairs(settings)).expect("config");
    serve(app(Gateway::new(config).expect("gateway"))).await
}

async fn all_echoing(secret: &str) -> String {
    let mut settings = vec![("PODIUM_CDN_SECRET".to_owned(), secret.to_owned())];
    for function in gateway::functions() {
        let name: &'static str = function;
        settings.push((
            format!("PODIUM_UPSTREAM_{}", function.to_ascii_uppercase()),
            echo(name).await,
        ));
    }
    gateway(settings).await
}

#[tokio::test]
async fn requests_reach_the_function_of_their_path_with_the_edge_headers_set_by_the_gateway() {
    let base = all_echoing("edge-secret").await;
    let client = reqwest::Client::new();
    for (path, function) in [
        ("/users/current?x=1", "users"),
        ("/events/admin/abc/attendees", "admin"),
        ("/events/abc/projects?leaderboard=true", "events"),
        ("/auth/hackclub", "auth"),
        ("/superadmin/events", "superadmin"),
        ("/projects/", "projects"),
        ("/openapi.json", "auth"),
        ("/nowhere", "auth"),
    ] {
        let seen: Value = client
            .get(format!("{base}{path}"))
            .header("x-podium-viewer-ip", "203.0.113.5")
            .header("x-podium-cdn-secret", "a guess")
            .header("x-forwarded-for", "198.51.100.1")
            .header("connection", "keep-alive, x-hop")
            .header("x-hop", "1")
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        assert_eq!(
            (seen["function"].as_str(), seen["uri"].as_str()),
            (Some(function), Some(path))
        );
        let headers = &seen["headers"];
        assert_eq!(
            headers["x-podium-viewer-ip"], "127.0.0.1",
            "the peer, not the claim"
        );
        assert_eq!(headers["x-podium-cdn-secret"], "edge-secret");
        assert!(
            headers.get("x-hop").is_none(),
            "named by Connection: {headers}"
        );
        assert!(
            headers["host"]
                .as_str()
                .is_some_and(|h| h.starts_with("127.0.0.1:")),
            "the upstream's own host: {headers}"
        );
    }
}

#[tokio::test]
async fn a_large_body_streams_through_both_ways() {
    let big = Router::new().fallback(|| async {
        let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024]));
        axum::body::Body::from_stream(futures_util::stream::iter(chunks))
    });
    let upstream = serve(big).await;
    let base = gateway(vec![
        ("PODIUM_UPSTREAM_SUPERADMIN".to_owned(), upstream),
        ("PODIUM_UPSTREAM_USERS".to_owned(), echo("users").await),
    ])
    .await;
    let download = reqwest::get(format!("{base}/superadmin/export-csv"))
        .await
        .expect("download")
        .bytes()
        .await
        .expect("body");
    assert_eq!(download.len(), 64 * 64 * 1024);
    let upload: Value = reqwest::Client::new()
        .post(format!("{base}/users/"))
        .body(vec![b'y'; 3 * 1024 * 1024])
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    assert_eq!(upload["body_bytes"], 3 * 1024 * 1024);
}

#[tokio::test]
async fn an_unreachable_function_is_a_502_in_the_contracts_shape_without_the_reason() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let base = gateway(vec![("PODIUM_UPSTREAM_EVENTS".to_owned(), closed)]).await;
    let response = reqwest::get(format!("{base}/events/official"))
        .await
        .expect("request");
    assert_eq!(response.status(), 502);
    let headers: HeaderMap = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        response.text().await.expect("body"),
        r#"{"detail":"Bad Gateway"}"#
    );
    let health = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("health");
    assert_eq!(health.text().await.expect("body"), r#"{"status":"ok"}"#);
}
