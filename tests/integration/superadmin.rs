//! The superadmin function (2026 contract §2.8): lists, create, patch and owner transfer, soft
//! delete and restore, the YSWS CSV export, and the audit log of every write.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::helpers::{TestApp, send};
use podium_data::UserId;

async fn call(
    t: &TestApp,
    method: Method,
    uri: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    t.call(t.superadmin(), method, uri, body, token).await
}

/// The audit log's actions, newest first (all of it, or one event's).
async fn actions(t: &TestApp, token: &str, event: Option<&str>) -> Vec<String> {
    let uri = match event {
        Some(id) => format!("/superadmin/audit?size=100&event_id={id}"),
        None => "/superadmin/audit?size=100".to_owned(),
    };
    let (status, body) = call(t, Method::GET, &uri, None, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect()
}

const ROUTES: [(&str, &str); 8] = [
    ("GET", "/superadmin/events"),
    ("POST", "/superadmin/events"),
    (
        "PATCH",
        "/superadmin/events/00000000-0000-0000-0000-000000000000",
    ),
    (
        "DELETE",
        "/superadmin/events/00000000-0000-0000-0000-000000000000",
    ),
    (
        "POST",
        "/superadmin/events/00000000-0000-0000-0000-000000000000/restore",
    ),
    ("GET", "/superadmin/users"),
    ("GET", "/superadmin/export-csv?series=x"),
    ("GET", "/superadmin/audit"),
];

#[tokio::test]
async fn every_superadmin_route_answers_401_without_credentials_and_403_to_anyone_else() {
    let t = TestApp::new().await;
    let (organizer, _) = t.person("organizer@example.com").await;
    t.event(&organizer, "Owned Elsewhere").await;
    for (method, uri) in ROUTES {
        let method: Method = method.parse().expect("method");
        let body = Some(json!({"name": "x"}));
        let (status, answer) = call(&t, method.clone(), uri, body.clone(), None).await;
        assert_eq!(
            (status, &answer),
            (
                StatusCode::UNAUTHORIZED,
                &json!({"detail": "Not authenticated"})
            ),
            "{method} {uri}"
        );
        let (status, answer) = call(&t, method.clone(), uri, body, Some(&organizer)).await;
        assert_eq!(
            (status, &answer),
            (
                StatusCode::FORBIDDEN,
                &json!({"detail": "You don't have permission to do this"})
            ),
            "{method} {uri}"
        );
    }
    assert_eq!(t.scalar("SELECT count(*) FROM audit_log").await, 0);
}

#[tokio::test]
async fn the_user_list_is_paged_by_email_with_totals_and_a_page_past_the_end_is_empty() {
    let t = TestApp::new().await;
    let (token, admin_id) = t.superadmin_person("root@example.com").await;
    for email in ["carol@example.com", "alice@example.com", "bob@example.com"] {
        t.person(email).await;
    }
    let (status, page) = call(
        &t,
        Method::GET,
        "/superadmin/users?size=2",
        None,
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let emails: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].as_str().expect("email"))
        .collect();
    assert_eq!(emails, ["alice@example.com", "bob@example.com"]);
    assert_eq!(
        (&page["total"], &page["page"], &page["size"], &page["pages"]),
        (&json!(4), &json!(1), &json!(2), &json!(2))
    );
    let (_, second) = call(
        &t,
        Method::GET,
        "/superadmin/users?page=2&size=2",
        None,
        Some(&token),
    )
    .await;
    assert_eq!(
        second["items"],
        json!([
            {"id": second["items"][0]["id"], "email": "carol@example.com", "display_name": "Test", "is_superadmin": false},
            {"id": admin_id, "email": "root@example.com", "display_name": "Test", "is_superadmin": true},
        ])
    );
    let (status, past) = call(
        &t,
        Method::GET,
        "/superadmin/users?page=9&size=2",
        None,
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        past,
        json!({"items": [], "total": 4, "page": 9, "size": 2, "pages": 2})
    );
    let (_, defaults) = call(&t, Method::GET, "/superadmin/users", None, Some(&token)).await;
    assert_eq!(
        (&defaults["page"], &defaults["size"]),
        (&json!(1), &json!(50))
    );
}

/// The totals of the users' and the events' pages: exact up to 10,000 rows, the planner's
/// estimate above (never below 10,001), on a page past the end too.
#[tokio::test]
async fn totals_are_exact_up_to_ten_thousand_rows_and_the_planners_estimate_above() {
    let t = TestApp::new().await;
    let (token, _) = t.superadmin_person("root@example.com").await;
    // `count` users with e-mails `<prefix><n>@example.com`.
    let users = async |prefix: &str, count: i32| {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                                street_2, city, state, zip_code, country)
             SELECT gen_random_uuid(), $1 || n || '@example.com', $1, '', '', '', '', '', '',
                    '', '', ''
             FROM generate_series(1, $2) n",
        )
        .bind(prefix)
        .bind(count)
        .execute(&t.state.pool)
        .await
        .expect("users");
    };
    users("u", 9999).await;
    let total = async |uri: &str| {
        let (status, page) = call(&t, Method::GET, uri, None, Some(&token)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["total"].as_i64().expect("total")
    };
    // 10,000 users, never analysed: counted.
    assert_eq!(total("/superadmin/users?size=1").await, 10_000);
    assert_eq!(total("/superadmin/users?page=20000&size=1").await, 10_000);

    users("v", 10_000).await;
    // Over the limit: counted while the table was never analysed (no estimate to read), the
    // estimate once it was.
    t.exec("ANALYZE users").await;
    for uri in [
        "/superadmin/users?size=1",
        "/superadmin/users?page=400&size=50",
        "/superadmin/users?page=99999&size=1",
    ] {
        let estimate = total(uri).await;
        assert!(
            (19_000..=21_000).contains(&estimate),
            "{uri}: {estimate} is the estimate of 20,000"
        );
    }
    // Back to 10,000 rows: exact again, whatever the statistics still say.
    t.exec("DELETE FROM users WHERE email LIKE 'v%'").await;
    assert_eq!(total("/superadmin/users?size=1").await, 10_000);
    let (_, events) = call(&t, Method::GET, "/superadmin/events", None, Some(&token)).await;
    assert_eq!(
        json!({"items": events["items"], "total": events["total"], "pages": events["pages"]}),
        json!({"items": [], "total": 0, "pages": 0})
    );
}

#[tokio::test]
async fn page_bounds_are_checked_as_the_original_words_them() {
    let t = TestApp::new().await;
    let (token, _) = t.superadmin_person("root@example.com").await;
    for route in [
        "/superadmin/users",
        "/superadmin/events",
        "/superadmin/audit",
    ] {
        for (query, detail) in [
            (
                "page=0",
                json!([{"type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 1", "ctx": {"ge": 1}}]),
            ),
            (
                "size=0",
                json!([{"type": "greater_than_equal", "loc": ["query", "size"], "msg": "Input should be greater than or equal to 1", "ctx": {"ge": 1}}]),
            ),
            (
                "size=101",
                json!([{"type": "less_than_equal", "loc": ["query", "size"], "msg": "Input should be less than or equal to 100", "ctx": {"le": 100}}]),
            ),
            (
                "page=first&size=-1",
                json!([
                    {"type": "int_parsing", "loc": ["query", "page"], "msg": "Input should be a valid integer, unable to parse string as an integer"},
                    {"type": "greater_than_equal", "loc": ["query", "size"], "msg": "Input should be greater than or equal to 1", "ctx": {"ge": 1}},
                ]),
            ),
        ] {
            let (status, body) = call(
                &t,
                Method::GET,
                &format!("{route}?{query}"),
                None,
                Some(&token),
            )
            .await;
            assert_eq!(
                (status, &body),
                (StatusCode::UNPROCESSABLE_ENTITY, &json!({"detail": detail})),
                "{route}?{query}"
            );
        }
        let (status, _) = call(
            &t,
            Method::GET,
            &format!("{route}?page=1&size=100"),
            None,
            Some(&token),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{route} at the bounds");
    }
}

#[tokio::test]
async fn a_superadmin_creates_events_with_a_suffixed_slug_and_only_documented_values() {
    let t = TestApp::new().await;
    let (token, admin_id) = t.superadmin_person("root@example.com").await;
    let (status, event) = call(
        &t,
        Method::POST,
        "/superadmin/events",
        Some(
            json!({"name": "Campfire Paris", "feature_flags_csv": "campfire-2026",
                    "require_ysws_pii": true, "owner_id": "00000000-0000-0000-0000-000000000000"}),
        ),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{event}");
    let slug = event["slug"].as_str().expect("slug");
    let suffix = slug
        .strip_prefix("campfire-paris-")
        .expect("the name's slug");
    assert!(
        suffix.len() == 6
            && suffix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{slug}"
    );
    assert_eq!(
        (
            &event["phase"],
            &event["repo_validation"],
            &event["demo_validation"],
            &event["require_ysws_pii"],
            &event["owner_id"],
            &event["feature_flags_csv"],
            &event["deleted_at"],
            &event["custom_validator"],
        ),
        (
            &json!("draft"),
            &json!("github"),
            &json!("none"),
            &json!(false),
            &json!(admin_id),
            &json!("campfire-2026"),
            &Value::Null,
            &Value::Null,
        )
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM event_attendees").await,
        0,
        "the creator does not join"
    );
    for (name, stem) in [
        ("!!!".to_owned(), "event-".to_owned()),
        // The 40-character cut lands right after a word: no `--` before the suffix.
        (
            format!("{} b", "a".repeat(39)),
            format!("{}-", "a".repeat(39)),
        ),
    ] {
        let (status, event) = call(
            &t,
            Method::POST,
            "/superadmin/events",
            Some(
                json!({"name": name, "phase": "voting", "repo_validation": "custom",
                        "demo_validation": "itch", "custom_validator": "ysws"}),
            ),
            Some(&token),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{event}");
        let slug = event["slug"].as_str().expect("slug");
        assert!(
            slug.starts_with(&stem) && slug.len() == stem.len() + 6,
            "{name:?} → {slug}"
        );
        assert_eq!(event["phase"], "voting");
        assert_eq!(event["custom_validator"], "ysws");
    }
    for (body, issue) in [
        (
            json!({"description": "no name"}),
            json!({"type": "missing", "loc": ["body", "name"], "msg": "Field required"}),
        ),
        (
            json!({"name": "x", "phase": "nope"}),
            json!({"type": "literal_error", "loc": ["body", "phase"], "msg": "Input should be 'draft', 'submission', 'voting' or 'closed'", "ctx": {"expected": "'draft', 'submission', 'voting' or 'closed'"}}),
        ),
        (
            json!({"name": "x", "demo_validation": "github"}),
            json!({"type": "literal_error", "loc": ["body", "demo_validation"], "msg": "Input should be 'none', 'itch' or 'custom'", "ctx": {"expected": "'none', 'itch' or 'custom'"}}),
        ),
        (
            json!({"name": "n".repeat(256)}),
            json!({"type": "string_too_long", "loc": ["body", "name"], "msg": "String should have at most 255 characters", "ctx": {"max_length": 255}}),
        ),
        (
            json!({"name": "x", "phase": null}),
            json!({"type": "string_type", "loc": ["body", "phase"], "msg": "Input should be a valid string"}),
        ),
    ] {
        let (status, answer) = call(
            &t,
            Method::POST,
            "/superadmin/events",
            Some(body.clone()),
            Some(&token),
        )
        .await;
        assert_eq!(
            (status, &answer),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"detail": [issue]})
            ),
            "{body}"
        );
    }
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 3);
    assert_eq!(
        actions(&t, &token, None).await,
        ["event.create", "event.create", "event.create"]
    );
}

#[tokio::test]
async fn owner_transfer_takes_a_trimmed_case_insensitive_email_and_moves_admin_rights() {
    let t = TestApp::new().await;
    let (root, root_id) = t.superadmin_person("root@example.com").await;
    let (first, first_id) = t.person("first@example.com").await;
    let (second, second_id) = t.person("second@example.com").await;
    let (event_id, _) = t.event(&first, "Handover Jam").await;
    let uri = format!("/superadmin/events/{event_id}");
    let (status, event) = call(
        &t,
        Method::PATCH,
        &uri,
        Some(json!({"owner_email": "  Second@EXAMPLE.com ", "phase": "voting"})),
        Some(&root),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{event}");
    assert_eq!(
        (&event["owner_id"], &event["phase"]),
        (&json!(second_id), &json!("voting"))
    );
    let admin_of = |token: String| {
        let t = &t;
        let uri = format!("/events/admin/{event_id}");
        async move {
            t.call(t.admin(), Method::GET, &uri, None, Some(&token))
                .await
                .0
        }
    };
    assert_eq!(admin_of(first.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(admin_of(second.clone()).await, StatusCode::OK);

    for (target, body, expected) in [
        (
            uri.clone(),
            json!({"owner_email": "Nobody@Example.com"}),
            (
                StatusCode::NOT_FOUND,
                json!({"detail": "User 'Nobody@Example.com' not found"}),
            ),
        ),
        (
            "/superadmin/events/00000000-0000-0000-0000-000000000000".to_owned(),
            json!({"owner_email": "nobody@example.com"}),
            (StatusCode::NOT_FOUND, json!({"detail": "Event not found"})),
        ),
        (
            uri.clone(),
            json!({"owner_email": null}),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"detail": [{"type": "string_type", "loc": ["body", "owner_email"], "msg": "Input should be a valid string"}]}),
            ),
        ),
        (
            uri.clone(),
            json!({"name": null}),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"detail": [{"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string"}]}),
            ),
        ),
        (
            uri.clone(),
            json!({"name": 7}),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"detail": [{"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string"}]}),
            ),
        ),
        (
            uri.clone(),
            json!([1]),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"detail": [{"type": "model_attributes_type", "loc": ["body"], "msg": "Input should be a valid dictionary or object to extract fields from"}]}),
            ),
        ),
        (
            "/superadmin/events/not-a-uuid".to_owned(),
            json!({}),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"detail": [{"type": "uuid_parsing", "loc": ["path", "event_id"], "msg": "Input should be a valid UUID"}]}),
            ),
        ),
    ] {
        let answer = call(&t, Method::PATCH, &target, Some(body.clone()), Some(&root)).await;
        assert_eq!(answer, expected, "{target} {body}");
    }
    let owner: UserId = sqlx::query_scalar("SELECT owner_id FROM events WHERE id = $1::uuid")
        .bind(event_id)
        .fetch_one(&t.state.pool)
        .await
        .expect("owner");
    assert_eq!(owner, second_id, "refused patches changed nothing");

    // An empty patch changes nothing and logs nothing.
    let (status, _) = call(&t, Method::PATCH, &uri, Some(json!({})), Some(&root)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, log) = call(
        &t,
        Method::GET,
        &format!("/superadmin/audit?event_id={event_id}"),
        None,
        Some(&root),
    )
    .await;
    assert_eq!(log["total"], 1, "{log}");
    let entry = &log["items"][0];
    assert_eq!(
        (
            &entry["action"],
            &entry["actor"],
            &entry["actor_id"],
            &entry["event_id"],
            &entry["before"]["owner_id"],
            &entry["after"]["owner_id"],
            &entry["before"]["phase"],
            &entry["after"]["phase"],
        ),
        (
            &json!("event.owner_transfer"),
            &json!("root@example.com"),
            &json!(root_id),
            &json!(event_id),
            &json!(first_id),
            &json!(second_id),
            &json!("submission"),
            &json!("voting"),
        )
    );
}

#[tokio::test]
async fn soft_delete_hides_an_event_and_restore_brings_it_back() {
    let t = TestApp::new().await;
    let (root, _) = t.superadmin_person("root@example.com").await;
    let (organizer, _) = t.person("organizer@example.com").await;
    let (event_id, _) = t.event(&organizer, "Vanishing Act").await;
    let uri = format!("/superadmin/events/{event_id}");

    let (status, deleted) = call(&t, Method::DELETE, &uri, None, Some(&root)).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["message"], "Event soft-deleted");
    let at = deleted["deleted_at"].as_str().expect("deleted_at");
    let stored: String = sqlx::query_scalar(
        "SELECT to_char(deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') FROM events WHERE id = $1::uuid",
    )
    .bind(event_id)
    .fetch_one(&t.state.pool)
    .await
    .expect("deleted_at");
    let stored = stored.trim_end_matches(".000000");
    assert_eq!(
        at,
        format!("{stored}+00:00"),
        "Python's isoformat of the stored time"
    );

    let public = |token: Option<String>| {
        let t = &t;
        let uri = format!("/events/{event_id}");
        async move {
            t.call(t.events(), Method::GET, &uri, None, token.as_deref())
                .await
                .0
        }
    };
    assert_eq!(public(None).await, StatusCode::NOT_FOUND);
    let (status, again) = call(&t, Method::DELETE, &uri, None, Some(&root)).await;
    assert_eq!(
        (status, again),
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Event is already deleted"})
        )
    );
    let (_, list) = call(&t, Method::GET, "/superadmin/events", None, Some(&root)).await;
    assert!(list["items"][0]["deleted_at"].is_string(), "{list}");

    let (status, restored) = call(
        &t,
        Method::POST,
        &format!("{uri}/restore"),
        None,
        Some(&root),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(
        (&restored["id"], &restored["deleted_at"]),
        (&json!(event_id), &Value::Null)
    );
    assert_eq!(public(None).await, StatusCode::OK);
    let (status, again) = call(
        &t,
        Method::POST,
        &format!("{uri}/restore"),
        None,
        Some(&root),
    )
    .await;
    assert_eq!(
        (status, again),
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Event is not deleted"})
        )
    );
    for method in [Method::DELETE, Method::POST] {
        let target = if method == Method::POST {
            "/superadmin/events/00000000-0000-0000-0000-000000000000/restore"
        } else {
            "/superadmin/events/00000000-0000-0000-0000-000000000000"
        };
        let answer = call(&t, method, target, None, Some(&root)).await;
        assert_eq!(
            answer,
            (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
        );
    }
    assert_eq!(
        actions(&t, &root, Some(&event_id.to_string())).await,
        ["event.restore", "event.soft_delete"]
    );
    let (status, bad) = call(
        &t,
        Method::GET,
        "/superadmin/audit?event_id=nope",
        None,
        Some(&root),
    )
    .await;
    assert_eq!(
        (status, bad),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"type": "uuid_parsing", "loc": ["query", "event_id"], "msg": "Input should be a valid UUID"}]})
        )
    );
}

/// Stores the fixture's users and projects in an event; returns the event's id and slug.
async fn fixture_event(t: &TestApp, token: &str) -> (String, String) {
    let input: Value =
        serde_json::from_str(include_str!("../fixtures/export/input.json")).expect("fixture");
    let (status, event) = call(
        t,
        Method::POST,
        "/superadmin/events",
        Some(json!({"name": "YSWS Fixture", "feature_flags_csv": "fixture-series"})),
        Some(token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for user in input["users"].as_array().expect("users") {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                                street_2, city, state, zip_code, country, dob)
             SELECT gen_random_uuid(), u.email, u.first_name, u.first_name, u.last_name, '',
                    u.street_1, u.street_2, u.city, u.state, u.zip_code, u.country, u.dob
             FROM jsonb_to_record($1) AS u(email text, first_name text, last_name text,
                  street_1 text, street_2 text, city text, state text, zip_code text,
                  country text, dob date)",
        )
        .bind(user)
        .execute(&t.state.pool)
        .await
        .expect("user");
    }
    for (i, project) in input["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .enumerate()
    {
        sqlx::query(
            "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                                   hours_spent, points, owner_id, event_id)
             SELECT gen_random_uuid(), p.name, p.repo, p.image_url, p.demo, p.description, $3,
                    p.hours_spent, 0, (SELECT id FROM users WHERE email = p.owner), $2::uuid
             FROM jsonb_to_record($1) AS p(name text, owner text, demo text, repo text,
                  image_url text, description text, hours_spent int)",
        )
        .bind(project)
        .bind(event["id"].as_str().expect("id"))
        .bind(format!("FX{i}"))
        .execute(&t.state.pool)
        .await
        .expect("project");
    }
    (
        event["id"].as_str().expect("id").to_owned(),
        event["slug"].as_str().expect("slug").to_owned(),
    )
}

/// GET through the function; (status, content type, content disposition, body bytes, frames).
async fn download(
    t: &TestApp,
    uri: &str,
    token: &str,
) -> (StatusCode, String, String, Vec<u8>, usize) {
    let request = Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = t.superadmin().oneshot(request).await.expect("infallible");
    let (parts, mut body) = response.into_parts();
    let header = |name| {
        parts
            .headers
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
            .unwrap_or_default()
    };
    let (mut bytes, mut frames) = (Vec::new(), 0);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("frame").into_data() {
            frames += 1;
            bytes.extend_from_slice(&data);
        }
    }
    (
        parts.status,
        header("content-type"),
        header("content-disposition"),
        bytes,
        frames,
    )
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn the_export_of_an_event_matches_pythons_csv_byte_for_byte() {
    let t = TestApp::new().await;
    let (root, _) = t.superadmin_person("root@example.com").await;
    let (event_id, slug) = fixture_event(&t, &root).await;
    let (status, content_type, disposition, body, _) = download(
        &t,
        &format!("/superadmin/export-csv?event_id={event_id}"),
        &root,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(
        disposition,
        format!("attachment; filename=projects-{slug}-{}.csv", today())
    );
    let expected = include_bytes!("../fixtures/export/expected.csv");
    assert_eq!(
        String::from_utf8_lossy(&body),
        String::from_utf8_lossy(expected)
    );
    assert_eq!(body, expected, "byte for byte (no BOM)");

    // The series export: the same rows, named after the series.
    let (status, _, disposition, by_series, _) =
        download(&t, "/superadmin/export-csv?series=fixture-series", &root).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=projects-fixture-series-{}.csv",
            today()
        )
    );
    assert_eq!(by_series, expected);
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
const FORMULA_STARTS: [&str; 6] = ["=", "+", "-", "@", "\t", "\r"];

#[tokio::test]
async fn texts_that_start_like_a_formula_are_exported_behind_a_quote_and_numbers_stay_numbers() {
    let t = TestApp::new().await;
    let (root, _) = t.superadmin_person("root@example.com").await;
    let (status, event) = call(
        &t,
        Method::POST,
        "/superadmin/events",
        Some(json!({"name": "Formulas"})),
        Some(&root),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let event_id = event["id"].as_str().expect("id").to_owned();
    // One owner and one project per trigger, every text they control starting with it; the
    // repository of a second project names a GitHub user starting with it (a URL drops tabs and
    // line breaks, so only the other four reach that column).
    let user = |i: usize, start: &str| {
        let text = |column: &str| format!("{start}{column}(1+1)");
        json!({
            "email": format!("{start}u{i}@example.com"), "first_name": text("first"),
            "last_name": text("last"), "street_1": text("street1"), "street_2": text("street2"),
            "city": text("city"), "state": text("state"), "zip_code": format!("{start}z{i}"),
            "country": text("country"),
        })
    };
    let mut expected = Vec::new();
    for (i, start) in FORMULA_STARTS.iter().enumerate() {
        let owner = user(i, start);
        sqlx::query(
            "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                                street_2, city, state, zip_code, country)
             SELECT gen_random_uuid(), u.email, 'U', u.first_name, u.last_name, '', u.street_1,
                    u.street_2, u.city, u.state, u.zip_code, u.country
             FROM jsonb_to_record($1) AS u(email text, first_name text, last_name text,
                  street_1 text, street_2 text, city text, state text, zip_code text, country text)",
        )
        .bind(&owner)
        .execute(&t.state.pool)
        .await
        .expect("user");
        let hours = -i32::try_from(i + 1).expect("small");
        let projects = [
            (format!("P{i}a"), format!("{start}repo(1+1)")),
            (
                format!("P{i}b"),
                format!("https://github.com/{start}gh{i}/r"),
            ),
        ];
        for (name, repo) in &projects {
            sqlx::query(
                "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                                       hours_spent, points, owner_id, event_id)
                 VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, 0,
                         (SELECT id FROM users WHERE email = $8), $9::uuid)",
            )
            .bind(name)
            .bind(repo)
            .bind(format!("{start}image(1+1)"))
            .bind(format!("{start}demo(1+1)"))
            .bind(format!("{start}description(1+1)"))
            .bind(name.to_uppercase())
            .bind(hours)
            .bind(owner["email"].as_str())
            .bind(&event_id)
            .execute(&t.state.pool)
            .await
            .expect("project");
        }
        let quoted = |value: &Value| format!("'{}", value.as_str().expect("text"));
        let owner_cells = [
            quoted(&owner["first_name"]),
            quoted(&owner["last_name"]),
            quoted(&owner["email"]),
        ];
        let address = [
            quoted(&owner["street_1"]),
            quoted(&owner["street_2"]),
            quoted(&owner["city"]),
            quoted(&owner["state"]),
            quoted(&owner["country"]),
            quoted(&owner["zip_code"]),
        ];
        for (repo_cell, github_user) in [
            (format!("'{start}repo(1+1)"), String::new()),
            (
                format!("https://github.com/{start}gh{i}/r"),
                if matches!(*start, "\t" | "\r") {
                    format!("gh{i}")
                } else {
                    format!("'{start}gh{i}")
                },
            ),
        ] {
            let mut row: Vec<String> = owner_cells.to_vec();
            row.extend([
                format!("'{start}demo(1+1)"),
                repo_cell,
                format!("'{start}image(1+1)"),
                format!("'{start}description(1+1)"),
                github_user,
            ]);
            row.extend(address.iter().cloned());
            row.extend([String::new(), hours.to_string()]);
            expected.push(row);
        }
    }
    // Plain numbers stay as they are; anything else starting with `-` is text.
    sqlx::query(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country)
         VALUES (gen_random_uuid(), 'num@example.com', 'N', '-1', '-2.5', '', '-1e5', '-1.',
                 '-.5', '-', '-0042', '--1')",
    )
    .execute(&t.state.pool)
    .await
    .expect("user");
    sqlx::query(
        "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                               hours_spent, points, owner_id, event_id)
         VALUES (gen_random_uuid(), 'Z', '', '', '12', '-3.25', 'ZZZZ', -7, 0,
                 (SELECT id FROM users WHERE email = 'num@example.com'), $1::uuid)",
    )
    .bind(&event_id)
    .execute(&t.state.pool)
    .await
    .expect("project");
    expected.push(
        [
            "-1",
            "-2.5",
            "num@example.com",
            "12",
            "",
            "",
            "-3.25",
            "",
            "'-1e5",
            "'-1.",
            "'-.5",
            "'-",
            "'--1",
            "-0042",
            "",
            "-7",
        ]
        .map(str::to_owned)
        .to_vec(),
    );

    let (status, _, _, body, _) = download(
        &t,
        &format!("/superadmin/export-csv?event_id={event_id}"),
        &root,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), expected.len());
    for (row, expected) in rows.iter().zip(&expected) {
        assert_eq!(row, expected);
    }
}

#[tokio::test]
async fn the_export_takes_one_scope_skips_deleted_events_by_series_and_says_what_is_wrong() {
    let t = TestApp::new().await;
    let (root, _) = t.superadmin_person("root@example.com").await;
    let (event_id, _) = fixture_event(&t, &root).await;
    let unknown = "00000000-0000-0000-0000-000000000000";
    for (query, expected) in [
        (
            "".to_owned(),
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Provide either event_id or series"}),
            ),
        ),
        (
            "?series=".to_owned(),
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Provide either event_id or series"}),
            ),
        ),
        (
            format!("?event_id={event_id}&series=fixture-series"),
            (
                StatusCode::BAD_REQUEST,
                json!({"detail": "Provide either event_id or series, not both"}),
            ),
        ),
        (
            "?event_id=12".to_owned(),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"detail": [{"type": "uuid_parsing", "loc": ["query", "event_id"], "msg": "Input should be a valid UUID"}]}),
            ),
        ),
        (
            "?series=no-such-series".to_owned(),
            (
                StatusCode::NOT_FOUND,
                json!({"detail": "No active events found with series 'no-such-series'"}),
            ),
        ),
    ] {
        let answer = call(
            &t,
            Method::GET,
            &format!("/superadmin/export-csv{query}"),
            None,
            Some(&root),
        )
        .await;
        assert_eq!(answer, expected, "{query}");
    }
    // An unknown event: the header row only, named after the id (as the original).
    let (status, _, disposition, body, _) = download(
        &t,
        &format!("/superadmin/export-csv?event_id={unknown}"),
        &root,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        disposition,
        format!("attachment; filename=projects-{unknown}-{}.csv", today())
    );
    assert_eq!(body.iter().filter(|b| **b == b'\n').count(), 1);
    // A deleted event leaves its series (404 when it was the only one) but not its id export.
    let (status, _) = call(
        &t,
        Method::DELETE,
        &format!("/superadmin/events/{event_id}"),
        None,
        Some(&root),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &t,
        Method::GET,
        "/superadmin/export-csv?series=fixture-series",
        None,
        Some(&root),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _, body, _) = download(
        &t,
        &format!("/superadmin/export-csv?event_id={event_id}"),
        &root,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, include_bytes!("../fixtures/export/expected.csv"));
    // A series name that is not a plain token still makes a valid header.
    sqlx::query("UPDATE events SET deleted_at = NULL, feature_flags_csv = 'Été 2026, other'")
        .execute(&t.state.pool)
        .await
        .expect("series");
    let (status, _, disposition, _, _) = download(
        &t,
        "/superadmin/export-csv?series=%C3%89t%C3%A9%202026",
        &root,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"projects-_t_ 2026-{0}.csv\"; filename*=UTF-8''projects-%C3%89t%C3%A9%202026-{0}.csv",
            today()
        )
    );
}

#[tokio::test]
async fn an_export_of_ten_thousand_projects_streams_in_chunks() {
    let t = TestApp::new().await;
    let (root, _) = t.superadmin_person("root@example.com").await;
    let (event_id, _) = fixture_event(&t, &root).await;
    sqlx::query(
        "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                               hours_spent, points, owner_id, event_id)
         SELECT gen_random_uuid(), 'Bulk ' || lpad(n::text, 5, '0'), 'https://github.com/u' || n || '/r',
                '', 'https://demo.example/' || n, 'A project, \"quoted\", number ' || n,
                'BULK' || n, n % 7, 0, (SELECT id FROM users WHERE email = 'zoe@example.com'), $1::uuid
         FROM generate_series(1, 9996) n",
    )
    .bind(&event_id)
    .execute(&t.state.pool)
    .await
    .expect("bulk projects");
    let (status, _, _, body, frames) = download(
        &t,
        &format!("/superadmin/export-csv?event_id={event_id}"),
        &root,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).expect("utf-8");
    assert_eq!(
        text.matches("\r\nZo").count(),
        2 + 9996,
        "every project, once"
    );
    assert!(text.contains("\r\nZoë,\"O'Brien, Jr.\",zoe@example.com,https://demo.example/42,https://github.com/u42/r,,\"A project, \"\"quoted\"\", number 42\",u42,"));
    assert!(
        frames > 10,
        "sent as it was read, in chunks, not as one buffer ({frames} frames for {} bytes)",
        text.len()
    );
}

#[tokio::test]
async fn the_export_is_documented_as_csv_and_its_errors_as_json() {
    // Every superadmin answer above goes through `send`, which checks it against openapi.json;
    // this one checks the CSV route's documented content type.
    let t = TestApp::new().await;
    let (root, _) = t.superadmin_person("root@example.com").await;
    let request = Request::builder()
        .uri("/superadmin/export-csv?series=none")
        .header("authorization", format!("Bearer {root}"))
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = send(t.superadmin(), request).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let api: Value = serde_json::from_str(&podium_tests::openapi_json()).expect("json");
    let ok = &api["paths"]["/superadmin/export-csv"]["get"]["responses"]["200"]["content"];
    assert!(ok.get("text/csv").is_some(), "{ok}");
}
