//! The committed `openapi.json` is what the code generates, and describes every route.

use serde_json::Value;

#[test]
fn the_committed_openapi_json_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == podium_tests::openapi_json(),
        "openapi.json is stale: run `make openapi` and commit the result"
    );
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
    // Ours alone (README, "Where we differ"): restoring a soft-deleted event and the audit log.
    let ours_alone = [
        "POST /superadmin/events/{event_id}/restore",
        "GET /superadmin/audit",
    ];
    for (route, named) in &ours_ops {
        if ours_alone.contains(&route.as_str()) {
            assert_eq!(named.1, serde_json::json!(["superadmin"]), "{route}");
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
