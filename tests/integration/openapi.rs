//! The committed `openapi.json` is what the code generates, describes every route, and is what
//! `GET /openapi.json` serves.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;

use crate::helpers::{TestApp, send_unchecked};

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn the_committed_openapi_json_is_up_to_date() {
    assert!(
        committed() == podium_tests::openapi_json(),
        "openapi.json is stale: run `make openapi` and commit the result"
    );
}

/// The frontends' `openapi-ts.config.ts` read `http://localhost:8000/openapi.json` from the
/// running backend, where FastAPI serves it; the CDN, the gateway and `make dev` send the path to
/// `auth` (see `routing` and `deploy`), which answers the committed bytes, as any public GET
/// answers: JSON, CORS for any origin, and cacheable, with an ETag to revalidate.
#[tokio::test]
async fn get_openapi_json_answers_the_committed_document_as_cacheable_json_to_any_origin() {
    let t = TestApp::new().await;
    let app = crate::auth::app(&t, None);
    let get = |path: &str, if_none_match: Option<&str>| {
        let mut request = Request::get(path).header(header::ORIGIN, "https://podium.example");
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        request.body(Body::empty()).expect("request")
    };
    let committed = committed();
    assert!(committed.starts_with('{'), "openapi.json is not there");
    let mut etag = None;
    for path in ["/openapi.json", "/openapi.json/"] {
        let (status, headers, body) = send_unchecked(app.clone(), get(path, None)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body:.200}");
        assert!(
            body == committed,
            "{path} does not serve the committed openapi.json"
        );
        let text = |name: header::HeaderName| {
            headers
                .get(&name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(text(header::CONTENT_TYPE), "application/json");
        let cache = text(header::CACHE_CONTROL);
        assert!(
            cache.contains("public") && cache.contains("max-age="),
            "{cache}"
        );
        assert_eq!(text(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
        assert_eq!(
            text(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
            "",
            "never with credentials"
        );
        assert!(
            text(header::VARY).contains("Origin"),
            "a cache keys on Origin"
        );
        let tag = text(header::ETAG);
        assert!(tag.starts_with('"') && tag.len() > 2, "{tag:?}");
        etag = Some(tag);
    }
    let etag = etag.expect("an ETag");
    for matching in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"x\", {etag}"),
        "*".to_owned(),
    ] {
        let (status, headers, body) =
            send_unchecked(app.clone(), get("/openapi.json", Some(&matching))).await;
        assert_eq!(
            status,
            StatusCode::NOT_MODIFIED,
            "If-None-Match: {matching}"
        );
        assert!(body.is_empty());
        assert_eq!(
            headers.get(header::ETAG).and_then(|v| v.to_str().ok()),
            Some(etag.as_str())
        );
    }
    let (status, _, body) = send_unchecked(app, get("/openapi.json", Some("\"stale\""))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == committed);
    // As in FastAPI's, the document does not list itself.
    let api: Value = serde_json::from_str(&committed).expect("json");
    assert!(api["paths"].get("/openapi.json").is_none());
}

#[test]
fn the_document_describes_every_route_with_its_errors() {
    let api: Value = serde_json::from_str(&podium_tests::openapi_json()).expect("json");
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in api["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            operations.push(format!("{} {path}", method.to_uppercase()));
            let responses = operation["responses"].as_object().expect("responses");
            // Success is 200, or 307 for the sign-in redirects.
            assert!(
                responses.contains_key("200") || responses.contains_key("307"),
                "{method} {path} lacks a success"
            );
            for status in ["500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            if operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} needs a token but lacks 401"
                );
                let bad_request = responses["400"]["description"].as_str().unwrap_or_default();
                assert!(
                    bad_request.contains("`Bad JWT`"),
                    "{method} {path}: 400 must mention Bad JWT"
                );
            }
        }
    }
    operations.sort();
    assert_eq!(
        operations,
        [
            "DELETE /events/{event_id}",
            "DELETE /projects/{project_id}",
            "DELETE /superadmin/events/{event_id}",
            "GET /auth/hackclub",
            "GET /auth/hackclub/callback",
            "GET /events/",
            "GET /events/admin/{event_id}",
            "GET /events/admin/{event_id}/attendees",
            "GET /events/admin/{event_id}/leaderboard",
            "GET /events/admin/{event_id}/referrals",
            "GET /events/admin/{event_id}/results",
            "GET /events/admin/{event_id}/votes",
            "GET /events/id/{slug}",
            "GET /events/official",
            "GET /events/{event_id}",
            "GET /events/{event_id}/projects",
            "GET /projects/check/{check_id}",
            "GET /projects/mine",
            "GET /projects/{project_id}",
            "GET /superadmin/audit",
            "GET /superadmin/events",
            "GET /superadmin/export-csv",
            "GET /superadmin/users",
            "GET /users/current",
            "GET /users/exists",
            "GET /users/{user_id}",
            "GET /verify",
            "PATCH /events/admin/{event_id}",
            "PATCH /superadmin/events/{event_id}",
            "POST /events/",
            "POST /events/admin/{event_id}/remove-attendee",
            "POST /events/attend",
            "POST /events/test/cleanup",
            "POST /events/test/create",
            "POST /events/vote",
            "POST /events/{event_id}/attend",
            "POST /projects/",
            "POST /projects/check/start",
            "POST /projects/join",
            "POST /projects/validate",
            "POST /request-login",
            "POST /superadmin/events",
            "POST /superadmin/events/{event_id}/restore",
            "POST /users/",
            "POST /users/test/promote-superadmin",
            "PUT /events/{event_id}",
            "PUT /projects/{project_id}",
            "PUT /users/current",
        ]
    );
    let schemas = api["components"]["schemas"].as_object().expect("schemas");
    for name in [
        "ErrorDetail",
        "HTTPValidationError",
        "ValidationError",
        "UserPrivate",
        "UserPublic",
        "UserSignup",
        "UserUpdate",
        "AuthenticatedUser",
        "EventPublic",
        "EventPrivate",
        "UserEvents",
        "ProjectPublic",
        "ProjectPrivate",
        "UserAttendee",
        "VoteResponse",
        "ReferralResponse",
        "CheckStatus",
        "Unified",
        "CreateVotes",
        "EventCreate",
        "EventUpdate",
        "ProjectCreate",
        "ProjectUpdate",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    let signup = &schemas["UserSignup"];
    assert_eq!(
        signup["required"],
        serde_json::json!(["email", "first_name"])
    );
}

/// The frontends regenerate their client from our document (tags become service classes,
/// operation ids method names, schema names type names): every route of the original's December
/// 2025 document has its operation id and tags, and every schema it names exists; every route
/// we serve that the April 2026 original has too carries that document's id and tags.
#[test]
fn operation_ids_tags_and_schema_names_are_the_originals() {
    let original: Value =
        serde_json::from_str(include_str!("../fixtures/original-openapi-2025.json"))
            .expect("the original's document");
    let april: Value = serde_json::from_str(include_str!("../fixtures/original-openapi-2026.json"))
        .expect("the original's 2026 document");
    let ours: Value = serde_json::from_str(&podium_tests::openapi_json()).expect("json");
    let operations = |doc: &Value| {
        let mut found = std::collections::BTreeMap::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("item") {
                found.insert(
                    format!("{} {path}", method.to_uppercase()),
                    (operation["operationId"].clone(), operation["tags"].clone()),
                );
            }
        }
        found
    };
    let (ours_ops, december, april) =
        (operations(&ours), operations(&original), operations(&april));
    for (route, named) in &december {
        assert_eq!(ours_ops.get(route), Some(named), "{route} (December 2025)");
    }
    // Ours alone (docs/differences.md): restoring a soft-deleted event and the audit log, under
    // the original's tag; an event's results, under a tag of their own.
    let ours_alone = [
        ("POST /superadmin/events/{event_id}/restore", "superadmin"),
        ("GET /superadmin/audit", "superadmin"),
        ("GET /events/admin/{event_id}/results", "results"),
    ];
    for (route, named) in &ours_ops {
        if let Some((_, tag)) = ours_alone.iter().find(|(r, _)| r == route) {
            assert_eq!(named.1, serde_json::json!([tag]), "{route}");
            assert!(!april.contains_key(route) && !december.contains_key(route));
            continue;
        }
        assert!(
            december.get(route) == Some(named) || april.get(route) == Some(named),
            "{route}: {named:?} is in neither original document"
        );
    }
    let ids: Vec<String> = ours_ops.values().map(|(id, _)| id.to_string()).collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique");
    let schemas = ours["components"]["schemas"].as_object().expect("schemas");
    for name in original["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
    {
        assert!(schemas.contains_key(name), "schema {name} is missing");
    }
}

/// The original's documents, named.
fn originals() -> [(&'static str, Value); 2] {
    let parse = |text: &str| serde_json::from_str::<Value>(text).expect("an original's document");
    [
        (
            "December 2025",
            parse(include_str!("../fixtures/original-openapi-2025.json")),
        ),
        (
            "April 2026",
            parse(include_str!("../fixtures/original-openapi-2026.json")),
        ),
    ]
}

/// A schema's properties and its required ones, through `$ref`s and `allOf`.
fn fields(doc: &Value, schema: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return fields(doc, &doc["components"]["schemas"][name]);
    }
    let mut properties: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let mut required: BTreeSet<String> = schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = fields(doc, part);
        properties.extend(p);
        required.extend(r);
    }
    (properties, required)
}

/// One document serves both frontends; each builds values of these types (the December 2025 one
/// a `UserPrivate` without the April 2026 fields) and reads them as its own document types them.
/// So a field is required where the originals that have the schema agree: some original requires
/// it and none that has it leaves it optional. A field one original leaves optional and the other
/// lacks (`UserPrivate.vote_ids`), or that neither has (`live_leaderboard`), is optional, though
/// always sent; one that an original requires and the other lacks (`EventPublic.phase`,
/// `UserEvents.owned_events`) stays required, since that original's frontend reads it as always
/// there (`data.events.owned_events.length`).
#[test]
fn a_field_is_required_where_an_original_requires_it_and_none_that_has_it_leaves_it_optional() {
    let ours: Value = serde_json::from_str(&podium_tests::openapi_json()).expect("json");
    let originals = originals();
    let mut wrong = Vec::new();
    for (name, schema) in ours["components"]["schemas"].as_object().expect("schemas") {
        let having: Vec<(&str, BTreeSet<String>, BTreeSet<String>)> = originals
            .iter()
            .filter_map(|(label, doc)| {
                let schema = doc["components"]["schemas"].get(name)?;
                let (properties, required) = fields(doc, schema);
                Some((*label, properties, required))
            })
            .collect();
        if having.is_empty() {
            continue;
        }
        let (properties, required) = fields(&ours, schema);
        for field in &properties {
            let optional_in: Vec<&str> = having
                .iter()
                .filter(|(_, p, r)| p.contains(field) && !r.contains(field))
                .map(|(label, ..)| *label)
                .collect();
            let required_in: Vec<&str> = having
                .iter()
                .filter(|(_, _, r)| r.contains(field))
                .map(|(label, ..)| *label)
                .collect();
            let should = !required_in.is_empty() && optional_in.is_empty();
            if required.contains(field) && !should {
                wrong.push(match optional_in.as_slice() {
                    [] => format!("{name}.{field} is required; no original requires it"),
                    labels => format!("{name}.{field} is required; optional in {labels:?}"),
                });
            } else if should && !required.contains(field) {
                wrong.push(format!(
                    "{name}.{field} is optional; required in {required_in:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A request body the frontend builds from its own document's type must fit ours: every field
/// that type has, ours has (`SuperadminEventUpdate` is flat, not `{update, owner_email}`).
#[test]
fn every_field_of_an_originals_request_body_is_a_field_of_ours() {
    let ours: Value = serde_json::from_str(&podium_tests::openapi_json()).expect("json");
    let mut missing = Vec::new();
    for (label, doc) in originals() {
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("item") {
                let pointer = "/requestBody/content/application~1json/schema";
                let Some(schema) = operation.pointer(pointer) else {
                    continue;
                };
                let theirs = fields(&doc, schema).0;
                let mine = ours["paths"][path][method]
                    .pointer(pointer)
                    .map(|s| fields(&ours, s).0)
                    .unwrap_or_default();
                for field in theirs.difference(&mine) {
                    missing.push(format!("{method} {path}: `{field}` ({label})"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
/// What a frontend passes as a path or query parameter, ours takes: no parameter the original
/// lacks or leaves optional is required here, and one the original lets be `null` may be `null`
/// here too (the generated client's type says so; it leaves a `null` out of the URL).
#[test]
fn every_parameter_of_an_original_is_taken_alike() {
    fn admits_null(schema: &Value) -> bool {
        let types = &schema["type"];
        types == "null"
            || types
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "null"))
            || ["anyOf", "oneOf"]
                .iter()
                .filter_map(|k| schema[*k].as_array())
                .flatten()
                .any(admits_null)
    }
    let ours: Value = serde_json::from_str(&podium_tests::openapi_json()).expect("json");
    let mut wrong = Vec::new();
    for (label, doc) in originals() {
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("item") {
                let key = |p: &Value| (p["name"].clone(), p["in"].clone());
                let theirs: Vec<&Value> = operation["parameters"]
                    .as_array()
                    .map(|p| p.iter().collect())
                    .unwrap_or_default();
                let mine: Vec<&Value> = ours["paths"][path][method]["parameters"]
                    .as_array()
                    .map(|p| p.iter().collect())
                    .unwrap_or_default();
                for parameter in &mine {
                    let original = theirs.iter().find(|t| key(t) == key(parameter));
                    let name = &parameter["name"];
                    if parameter["required"] == true
                        && original.is_none_or(|o| o["required"] != true)
                    {
                        wrong.push(format!("{method} {path}: {name} is required ({label})"));
                    }
                    if original.is_some_and(|o| admits_null(&o["schema"]))
                        && !admits_null(&parameter["schema"])
                    {
                        wrong.push(format!("{method} {path}: {name} refuses null ({label})"));
                    }
                }
                for parameter in &theirs {
                    if !mine.iter().any(|m| key(m) == key(parameter)) {
                        let name = &parameter["name"];
                        wrong.push(format!("{method} {path}: no {name} ({label})"));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
