//! Every response the in-process integration tests receive (through [`crate::helpers::send`]) is
//! checked against the committed `openapi.json`, so the document and the code cannot drift: the
//! status must be documented for the route, and a JSON body must match the documented schema
//! (JSON Schema 2020-12, as OpenAPI 3.1 uses).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, Method, StatusCode};
use boon::{Compiler, SchemaIndex, Schemas};
use serde_json::Value;

/// The document the frontend regenerates its client from.
const DOCUMENT: &str = include_str!("../../openapi.json");
const URL: &str = "http://podium.test/openapi.json";

struct Route {
    method: Method,
    /// Path segments; `None` for a `{parameter}`.
    template: Vec<Option<String>>,
    path: String,
    /// Status → the schema of its `application/json` body, if it has one.
    responses: HashMap<String, Option<SchemaIndex>>,
    /// Status → the other content types it documents (`text/csv`, …), whose bodies are text.
    other_types: HashMap<String, Vec<String>>,
}

struct Contract {
    schemas: Schemas,
    routes: Vec<Route>,
}

static CONTRACT: LazyLock<Contract> = LazyLock::new(Contract::load);

impl Contract {
    fn load() -> Self {
        let doc: Value = serde_json::from_str(DOCUMENT).expect("openapi.json is JSON");
        let mut compiler = Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler
            .add_resource(URL, doc.clone())
            .expect("add the document");
        let mut schemas = Schemas::new();
        let mut routes = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                let mut responses = HashMap::new();
                let mut other_types = HashMap::new();
                for (status, response) in operation["responses"].as_object().expect("responses") {
                    let others: Vec<String> = response["content"]
                        .as_object()
                        .map(|c| {
                            c.keys()
                                .filter(|k| *k != "application/json")
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default();
                    other_types.insert(status.clone(), others);
                    let schema = response
                        .pointer("/content/application~1json/schema")
                        .map(|_| {
                            let pointer = format!(
                                "/paths/{}/{method}/responses/{status}/content/application~1json/schema",
                                path.replace('~', "~0").replace('/', "~1")
                            );
                            let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
                            compiler
                                .compile(&format!("{URL}#{fragment}"), &mut schemas)
                                .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}"))
                        });
                    responses.insert(status.clone(), schema);
                }
                routes.push(Route {
                    method: method.to_uppercase().parse().expect("method"),
                    template: segments(path)
                        .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                        .collect(),
                    path: path.clone(),
                    responses,
                    other_types,
                });
            }
        }
        Self { schemas, routes }
    }

    /// The documented operation a request reaches: the template with the most literal segments
    /// (`/events/attend` before `/events/{event_id}`).
    fn route(&self, method: &Method, path: &str) -> Option<&Route> {
        let parts: Vec<&str> = segments(path).collect();
        self.routes
            .iter()
            .filter(|route| route.method == *method && route.template.len() == parts.len())
            .filter(|route| {
                route
                    .template
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| t.as_deref().is_none_or(|t| t == *p))
            })
            .max_by_key(|route| route.template.iter().flatten().count())
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// Panics, naming the route, when a response is not what the document says it may be.
/// Requests to routes the document does not have (the tests' deliberate 404s and 405s) are
/// not checked.
pub fn check(method: &Method, path: &str, status: StatusCode, headers: &HeaderMap, body: &str) {
    if let Err(problem) = verdict(method, path, status, headers, body) {
        panic!(
            "{method} {path} answered {status} {body}\nwhich openapi.json does not allow: {problem}"
        );
    }
}

/// What is wrong with a response, if anything.
pub fn verdict(
    method: &Method,
    path: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> Result<(), String> {
    let contract = &*CONTRACT;
    let Some(route) = contract.route(method, path) else {
        return Ok(());
    };
    let Some(schema) = route.responses.get(status.as_str()) else {
        return Err(format!(
            "status {status} is not documented for {method} {}",
            route.path
        ));
    };
    let Some(schema) = schema else {
        return Ok(());
    };
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if route
        .other_types
        .get(status.as_str())
        .is_some_and(|types| types.iter().any(|t| t == essence))
    {
        return Ok(());
    }
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "documented as application/json, sent as {content_type:?}"
        ));
    }
    let value: Value =
        serde_json::from_str(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    contract
        .schemas
        .validate(&value, *schema)
        .map_err(|e| format!("{e:#}"))
}

#[test]
fn the_checker_refuses_bodies_statuses_and_types_the_document_does_not_allow() {
    let json = {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().expect("value"));
        headers
    };
    let id = "9758d1f4-6c2e-4d1a-9a43-6f1f1f1f1f1f";
    let path = format!("/users/{id}");
    let user = format!(r#"{{"id":"{id}","display_name":"Ada"}}"#);
    assert_eq!(
        verdict(&Method::GET, &path, StatusCode::OK, &json, &user),
        Ok(())
    );
    for (status, headers, body) in [
        (StatusCode::OK, &json, r#"{"id":"x"}"#.to_owned()),
        (
            StatusCode::OK,
            &json,
            format!(r#"{{"id":"{id}","display_name":7}}"#),
        ),
        (StatusCode::IM_A_TEAPOT, &json, user.clone()),
        (StatusCode::OK, &HeaderMap::new(), user),
        (
            StatusCode::NOT_FOUND,
            &json,
            r#"{"detail":["x"]}"#.to_owned(),
        ),
    ] {
        assert!(
            verdict(&Method::GET, &path, status, headers, &body).is_err(),
            "{status} {body} passed"
        );
    }
    // 422 bodies: `loc` holds strings and integers, nothing else.
    let issue = |loc: &str| {
        format!(r#"{{"detail":[{{"type":"missing","loc":{loc},"msg":"Field required"}}]}}"#)
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    assert_eq!(
        verdict(
            &Method::POST,
            "/users/",
            unprocessable,
            &json,
            &issue(r#"["body","x",0]"#)
        ),
        Ok(())
    );
    assert!(
        verdict(
            &Method::POST,
            "/users/",
            unprocessable,
            &json,
            &issue(r#"["body",{}]"#)
        )
        .is_err()
    );
    // A literal segment wins over a parameter; routes the document lacks are not checked.
    assert!(
        verdict(&Method::POST, "/events/attend", StatusCode::OK, &json, "{}").is_err(),
        "POST /events/attend answers Joined, not an empty object"
    );
    assert_eq!(
        verdict(&Method::PATCH, "/nowhere", StatusCode::NOT_FOUND, &json, ""),
        Ok(())
    );
}
