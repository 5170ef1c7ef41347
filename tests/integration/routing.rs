//! The router table in Cargo.toml (`cargo lambda watch` locally; the CDN's path table in
//! infra/template.yaml is written by hand and checked against it by the deploy test) agrees
//! with the functions' routers: every route of every function is sent to that function, in both
//! slash forms, and answered there by a real route (not the fallback); every table entry serves
//! some route. The self-hosting gateway sends each
//! to the same function. So does `GET /openapi.json`, served by `auth`.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, send, send_unchecked};

/// `(path pattern, function)` from `[workspace.metadata.lambda.watch.router]`, as the gateway
/// reads it (compiled in).
pub fn router_table() -> Vec<(String, String)> {
    let table: Vec<(String, String)> = gateway::table()
        .into_iter()
        .map(|(path, function)| (path.to_owned(), function.to_owned()))
        .collect();
    assert!(!table.is_empty(), "no router table in Cargo.toml");
    table
}

/// The table as `cargo lambda watch` matches it (matchit, as axum): answers the function's name
/// and the pattern that matched.
fn table_router(table: &[(String, String)]) -> Router {
    table
        .iter()
        .fold(Router::new(), |router, (path, function)| {
            let answer = format!("{function} {path}");
            router.route(path, axum::routing::any(move || async move { answer }))
        })
}

/// A concrete path for an OpenAPI path template.
fn concrete(template: &str) -> String {
    template
        .replace("{slug}", "some-slug")
        .replace("{check_id}", "chk-1")
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                uuid::Uuid::new_v4().to_string()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_router_table_sends_every_route_to_its_function_and_nothing_is_shadowed() {
    let t = TestApp::new().await;
    let table = router_table();
    let router = table_router(&table);
    let gateway = gateway::Routes::from_table().expect("the gateway's routes");
    let auth_app = auth::app(
        auth::AuthState::new(
            t.state.clone(),
            auth::MailConfig {
                production_url: "http://localhost:5173".to_owned(),
                loops_api_key: None,
                loops_transactional_id: "t".to_owned(),
                loops_url: "http://127.0.0.1:9".to_owned(),
            },
            crate::auth::unconfigured_hackclub(),
        )
        .expect("auth state"),
    );
    let functions: Vec<(&str, utoipa::openapi::OpenApi, Router)> = vec![
        ("auth", auth::openapi(), auth_app.clone()),
        ("users", users::openapi(), users::app(t.state.clone())),
        ("events", events::openapi(), t.events()),
        ("admin", admin::openapi(), t.admin()),
        ("superadmin", superadmin::openapi(), t.superadmin()),
        ("projects", projects::openapi(), t.projects()),
    ];
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut routes = 0;
    for (function, api, app) in functions {
        for (template, item) in &api.paths.paths {
            let methods = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, _) in methods.into_iter().filter(|(_, present)| *present) {
                routes += 1;
                let path = concrete(template);
                let other_form = match path.strip_suffix('/') {
                    Some(bare) => bare.to_owned(),
                    None => format!("{path}/"),
                };
                for form in [&path, &other_form] {
                    let request = Request::builder()
                        .method(method.clone())
                        .uri(form.as_str())
                        .body(Body::empty())
                        .expect("request");
                    let (status, _, answer) = send_unchecked(router.clone(), request).await;
                    assert_eq!(
                        status,
                        StatusCode::OK,
                        "the table has no entry for {method} {form}"
                    );
                    let (chosen, pattern) = answer.split_once(' ').expect("answer");
                    assert_eq!(
                        chosen, function,
                        "{method} {form} goes to `{chosen}` through `{pattern}`"
                    );
                    assert_eq!(
                        gateway.function_for(form),
                        function,
                        "the gateway disagrees on {method} {form}"
                    );
                    used.insert(pattern.to_owned());
                }
                // The function answers it with a real route, not its fallback.
                let request = Request::builder()
                    .method(method.clone())
                    .uri(path.as_str())
                    .header("content-type", "application/json")
                    .body(Body::from("{}"))
                    .expect("request");
                let (status, _, body) = send(app.clone(), request).await;
                let fallback = [
                    (
                        StatusCode::NOT_FOUND,
                        json!({"detail": "Not Found"}).to_string(),
                    ),
                    (
                        StatusCode::METHOD_NOT_ALLOWED,
                        json!({"detail": "Method Not Allowed"}).to_string(),
                    ),
                ];
                assert!(
                    !fallback.contains(&(status, body.clone())),
                    "{function} does not serve {method} {path}: {status} {body}"
                );
            }
        }
    }
    // The OpenAPI document, where FastAPI serves it (not an operation of the document itself):
    // the frontends' client generator reads it from the running backend.
    for form in ["/openapi.json", "/openapi.json/"] {
        let request = Request::get(form).body(Body::empty()).expect("request");
        let (status, _, answer) = send_unchecked(router.clone(), request).await;
        assert_eq!(status, StatusCode::OK, "the table has no entry for {form}");
        let (chosen, pattern) = answer.split_once(' ').expect("answer");
        assert_eq!(
            chosen, "auth",
            "{form} goes to `{chosen}` through `{pattern}`"
        );
        assert_eq!(gateway.function_for(form), "auth", "the gateway on {form}");
        used.insert(pattern.to_owned());
        let request = Request::get(form).body(Body::empty()).expect("request");
        let (status, _, _) = send_unchecked(auth_app.clone(), request).await;
        assert_eq!(status, StatusCode::OK, "auth does not serve {form}");
    }
    assert_eq!(
        routes, 48,
        "the 2025 contract's 30 operations, the 2026 ones built so far, our two superadmin additions and an event's results"
    );
    let entries: BTreeSet<String> = table.iter().map(|(path, _)| path.clone()).collect();
    assert_eq!(
        used, entries,
        "every table entry serves a route (no dead or shadowed entry)"
    );
}
