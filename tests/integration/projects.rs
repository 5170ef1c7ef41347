//! The `projects` function: submissions, teams, edits, deletes and the Review Factory proxy.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode};
use projects::checks::ReviewFactory;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use podium_data::EventId;

const BAD_ACCESS: &str = "You don't have permission to do this";

/// An event with demos required, its owner, and an attending hacker.
async fn setup() -> (TestApp, EventId, String, String) {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (hacker, _) = t.person("hacker@example.com").await;
    let (event, code) = t.event(&owner, "Build").await;
    t.set_event(event, "demo_links_optional", false).await;
    t.attend(&hacker, &code).await;
    (t, event, owner, hacker)
}

#[tokio::test]
async fn submitting_checks_the_event_the_demo_rule_and_attendance_in_that_order() {
    let (t, event, owner, hacker) = setup().await;
    let submit = |body: Value, token: &str| {
        let (t, token) = (&t, token.to_owned());
        async move {
            t.call(
                t.projects(),
                Method::POST,
                "/projects/",
                Some(body),
                Some(&token),
            )
            .await
        }
    };
    let body = |event: &str, demo: &str| json!({"name": "Thing", "repo": "not a url", "image_url": "", "demo": demo, "event_id": event, "hours_spent": -3, "points": 99});
    assert_eq!(
        submit(body(&uuid::Uuid::new_v4().to_string(), ""), &hacker).await,
        (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
    );
    assert_eq!(
        submit(body(&event.to_string(), "   "), &hacker).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": "Demo URL is required for this event"})
        )
    );
    assert_eq!(
        submit(body(&event.to_string(), "https://demo"), &owner).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "Owner not part of event"})
        )
    );
    let (status, created) = submit(body(&event.to_string(), "https://demo"), &hacker).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        created
            .as_object()
            .expect("object")
            .keys()
            .collect::<Vec<_>>(),
        ["id", "join_code"]
    );
    let (status, mine) = t
        .call(
            t.projects(),
            Method::GET,
            "/projects/mine",
            None,
            Some(&hacker),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            &mine[0]["id"],
            &mine[0]["points"],
            &mine[0]["hours_spent"],
            &mine[0]["repo"],
            &mine[0]["cached_auto_quality"]
        ),
        (
            &created["id"],
            &json!(0),
            &json!(-3),
            &json!("not a url"),
            &Value::Null
        )
    );
    for (bad, loc) in [
        (
            json!({"name": "x", "repo": "", "event_id": event}),
            json!(["body", "image_url"]),
        ),
        (
            json!({"name": "n".repeat(256), "repo": "", "image_url": "", "event_id": event}),
            json!(["body", "name"]),
        ),
        (
            json!({"name": "x", "repo": "", "image_url": "", "description": null, "event_id": event}),
            json!(["body", "description"]),
        ),
        (
            json!({"name": "x", "repo": "", "image_url": "", "hours_spent": null, "event_id": event}),
            json!(["body", "hours_spent"]),
        ),
        (
            json!({"name": "x", "repo": "", "image_url": "", "event_id": "nope"}),
            json!(["body", "event_id"]),
        ),
    ] {
        let (status, detail) = submit(bad, &hacker).await;
        assert_eq!(
            (status, &detail["detail"][0]["loc"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &loc)
        );
    }
    assert_eq!(t.scalar("SELECT count(*) FROM projects").await, 1);
}

#[tokio::test]
async fn teammates_join_by_code_and_see_the_project_after_their_own() {
    let (t, event, owner, hacker) = setup().await;
    let (mate, _) = t.person("mate@example.com").await;
    let (outsider, _) = t.person("outsider@example.com").await;
    let (project, code) = t.project(&hacker, event, "Team").await;
    let join = |code: &str, token: &str| {
        let (t, uri, token) = (
            &t,
            format!("/projects/join?join_code={code}"),
            token.to_owned(),
        );
        async move {
            t.call(t.projects(), Method::POST, &uri, None, Some(&token))
                .await
        }
    };
    assert_eq!(
        join("ZZZZZ", &mate).await,
        (StatusCode::NOT_FOUND, json!({"detail": "No project found"}))
    );
    assert_eq!(
        join(&code, &hacker).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "User is already a collaborator or owner"})
        )
    );
    assert_eq!(
        join(&code, &outsider).await,
        (StatusCode::FORBIDDEN, json!({"detail": BAD_ACCESS}))
    );
    let event_code: String = sqlx::query_scalar("SELECT join_code FROM events")
        .fetch_one(&t.state.pool)
        .await
        .expect("code");
    t.attend(&mate, &event_code).await;
    t.attend(&owner, &event_code).await;
    let (own, _) = t.project(&mate, event, "Mine").await;
    assert_eq!(
        join(&code.to_lowercase(), &mate).await,
        (
            StatusCode::OK,
            json!({"message": "Successfully joined project"})
        )
    );
    assert_eq!(
        join(&code, &mate).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "User is already a collaborator or owner"})
        )
    );
    let (_, mine) = t
        .call(
            t.projects(),
            Method::GET,
            "/projects/mine",
            None,
            Some(&mate),
        )
        .await;
    let ids: Vec<&Value> = mine
        .as_array()
        .expect("list")
        .iter()
        .map(|p| &p["id"])
        .collect();
    assert_eq!(
        ids,
        [&json!(own), &json!(project)],
        "owned first, then collaborations"
    );
    let (status, body) = t
        .call(
            t.projects(),
            Method::POST,
            "/projects/join",
            None,
            Some(&mate),
        )
        .await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!(["query", "join_code"])
        )
    );
}

#[tokio::test]
async fn only_the_owner_edits_and_the_demo_rule_applies_to_every_edit() {
    let (t, event, _owner, hacker) = setup().await;
    let (mate, _) = t.person("mate@example.com").await;
    let event_code: String = sqlx::query_scalar("SELECT join_code FROM events")
        .fetch_one(&t.state.pool)
        .await
        .expect("code");
    t.attend(&mate, &event_code).await;
    let (project, code) = t.project(&hacker, event, "Edit").await;
    t.call(
        t.projects(),
        Method::POST,
        &format!("/projects/join?join_code={code}"),
        None,
        Some(&mate),
    )
    .await;
    let uri = format!("/projects/{project}");
    let put = |body: Value, token: &str| {
        let (t, uri, token) = (&t, uri.clone(), token.to_owned());
        async move {
            t.call(t.projects(), Method::PUT, &uri, Some(body), Some(&token))
                .await
        }
    };
    assert_eq!(
        put(json!({"name": "Renamed", "demo": "https://d"}), &mate).await,
        (StatusCode::FORBIDDEN, json!({"detail": BAD_ACCESS})),
        "collaborators may not edit"
    );
    assert_eq!(
        put(json!({"name": "Renamed"}), &hacker).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": "Demo URL is required for this event"})
        )
    );
    // The whole ProjectPrivate PUT back: unknown and read-only fields ignored.
    let (_, mine) = t
        .call(
            t.projects(),
            Method::GET,
            "/projects/mine",
            None,
            Some(&hacker),
        )
        .await;
    let mut whole = mine[0].clone();
    whole["name"] = json!("Renamed");
    whole["points"] = json!(1000);
    whole["join_code"] = json!("HACK");
    whole["hours_spent"] = json!(12);
    let (status, updated) = put(whole, &hacker).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        (&updated["name"], &updated["points"]),
        (&json!("Renamed"), &json!(0))
    );
    assert_eq!(
        updated
            .as_object()
            .expect("project")
            .keys()
            .collect::<Vec<_>>(),
        [
            "id",
            "name",
            "repo",
            "image_url",
            "demo",
            "description",
            "points",
            "owner_id",
            "owner_display_name",
            "collaborator_display_names"
        ],
        "ProjectPublic: the 2025 fields, then the 2026 ones"
    );
    assert_eq!(
        t.scalar("SELECT hours_spent::bigint FROM projects").await,
        12
    );
    t.set_event(event, "demo_links_optional", true).await;
    assert_eq!(put(json!({}), &hacker).await.0, StatusCode::OK);
    let unknown = format!("/projects/{}", uuid::Uuid::new_v4());
    assert_eq!(
        t.call(
            t.projects(),
            Method::PUT,
            &unknown,
            Some(json!({})),
            Some(&hacker)
        )
        .await,
        (StatusCode::FORBIDDEN, json!({"detail": BAD_ACCESS}))
    );
    assert_eq!(
        t.call(t.projects(), Method::GET, &uri, None, None).await.1["name"],
        json!("Renamed")
    );
    assert_eq!(
        t.call(t.projects(), Method::GET, &unknown, None, None)
            .await,
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Project not found"})
        )
    );
}

#[tokio::test]
async fn deleting_a_project_removes_its_votes_and_team_but_not_other_points() {
    let (t, event, owner, hacker) = setup().await;
    let (mate, _) = t.person("mate@example.com").await;
    let event_code: String = sqlx::query_scalar("SELECT join_code FROM events")
        .fetch_one(&t.state.pool)
        .await
        .expect("code");
    t.attend(&mate, &event_code).await;
    t.attend(&owner, &event_code).await;
    t.set_event(event, "votable", true).await;
    let (doomed, code) = t.project(&hacker, event, "Doomed").await;
    let (kept, _) = t.project(&mate, event, "Kept").await;
    t.call(
        t.projects(),
        Method::POST,
        &format!("/projects/join?join_code={code}"),
        None,
        Some(&mate),
    )
    .await;
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": [doomed]})),
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlx::query("UPDATE projects SET points = 7 WHERE id = $1::uuid")
        .bind(kept)
        .execute(&t.state.pool)
        .await
        .expect("points");
    let uri = format!("/projects/{doomed}");
    assert_eq!(
        t.call(t.projects(), Method::DELETE, &uri, None, Some(&mate))
            .await,
        (StatusCode::FORBIDDEN, json!({"detail": BAD_ACCESS}))
    );
    assert_eq!(
        t.call(t.projects(), Method::DELETE, &uri, None, Some(&hacker))
            .await,
        (StatusCode::OK, json!({"message": "Project deleted"}))
    );
    assert_eq!(t.scalar("SELECT count(*) FROM votes").await, 0);
    assert_eq!(
        t.scalar("SELECT count(*) FROM project_collaborators").await,
        0
    );
    assert_eq!(t.scalar("SELECT sum(points) FROM projects").await, 7);
    assert_eq!(
        t.call(t.projects(), Method::DELETE, &uri, None, Some(&hacker))
            .await,
        (StatusCode::FORBIDDEN, json!({"detail": BAD_ACCESS}))
    );
}

type Seen = Arc<Mutex<Vec<(String, HeaderMap, Value)>>>;

/// A fake Review Factory: records requests; answers `status` with a CheckStatus.
async fn fake_review_factory(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let answer = move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
        let record = record.clone();
        async move {
            let body = serde_json::from_str(&body).unwrap_or(Value::Null);
            record
                .lock()
                .expect("lock")
                .push((uri.path().to_owned(), headers, body));
            (
                status,
                axum::Json(
                    json!({"check_id": "chk-1", "status": "running", "created_at": "2026-01-01T00:00:00",
                                  "started_at": null, "completed_at": null, "result": null, "error": null}),
                ),
            )
        }
    };
    let router = axum::Router::new().fallback(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

#[tokio::test]
async fn project_checks_need_a_user_and_a_configured_review_factory_which_gets_the_links() {
    let (t, event, _owner, hacker) = setup().await;
    let (project, _) = t.project(&hacker, event, "Checked").await;
    let (_, public) = t
        .call(
            t.projects(),
            Method::GET,
            &format!("/projects/{project}"),
            None,
            None,
        )
        .await;

    let unconfigured = t.projects();
    assert_eq!(
        t.call(
            unconfigured.clone(),
            Method::POST,
            "/projects/check/start",
            Some(public.clone()),
            Some(&hacker)
        )
        .await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"detail": "Project checks are not configured"})
        )
    );
    assert_eq!(
        t.call(
            unconfigured.clone(),
            Method::GET,
            "/projects/check/chk-1",
            None,
            Some(&hacker)
        )
        .await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"detail": "Project checks are not configured"})
        )
    );
    assert_eq!(
        t.call(
            unconfigured,
            Method::POST,
            "/projects/check/start",
            Some(public.clone()),
            None
        )
        .await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Not authenticated"})
        )
    );

    let (url, seen) = fake_review_factory(StatusCode::OK).await;
    let app =
        t.projects_with(ReviewFactory::new(&url, Some("rf-token".to_owned())).expect("client"));
    let (status, started) = t
        .call(
            app.clone(),
            Method::POST,
            "/projects/check/start",
            Some(public.clone()),
            Some(&hacker),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(
        (&started["check_id"], &started["status"]),
        (&json!("chk-1"), &json!("running"))
    );
    let (status, polled) = t
        .call(
            app.clone(),
            Method::GET,
            "/projects/check/chk%2F..%2F1",
            None,
            Some(&hacker),
        )
        .await;
    assert_eq!(
        (status, &polled["check_id"]),
        (StatusCode::OK, &json!("chk-1"))
    );
    {
        let seen = seen.lock().expect("lock");
        assert_eq!(seen[0].0, "/start-check");
        assert_eq!(seen[0].1["authorization"], "Bearer rf-token");
        assert_eq!(
            seen[0].2,
            json!({"repo": "https://github.com/x/y", "image_url": "", "demo": "https://demo.example"})
        );
        assert_eq!(
            seen[1].0, "/poll-check/chk%2F..%2F1",
            "the id stays one path segment"
        );
    }
    assert_eq!(
        t.call(
            app.clone(),
            Method::GET,
            "/projects/check/cached",
            None,
            Some(&hacker)
        )
        .await,
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Cached results should be returned immediately"})
        )
    );
    let mut missing = public.clone();
    missing["id"] = json!(uuid::Uuid::new_v4());
    assert_eq!(
        t.call(
            app.clone(),
            Method::POST,
            "/projects/check/start",
            Some(missing),
            Some(&hacker)
        )
        .await,
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Project not found"})
        )
    );
    let (status, body) = t
        .call(
            app.clone(),
            Method::POST,
            "/projects/check/start",
            Some(json!({"id": project})),
            Some(&hacker),
        )
        .await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["body", "name"]))
    );

    // A stored result (a Review Factory verdict) is answered without calling out.
    let verdict = json!({
        "valid": true,
        "readme_result": {"features": ["voting"], "program_type": "web", "reasoning": "Clear"},
        "repo_result": {"github": true, "primary_language": "Rust", "valid": true, "features": null, "reasoning": null},
        "demo_result": {"deployed": true, "functional": true, "quality_percent": 80.0, "reasoning": null},
        "reason": "Looks good",
        "image_valid": true,
    });
    sqlx::query("UPDATE projects SET cached_auto_quality = $1")
        .bind(&verdict)
        .execute(&t.state.pool)
        .await
        .expect("cache");
    let calls = seen.lock().expect("lock").len();
    let (status, cached) = t
        .call(
            app,
            Method::POST,
            "/projects/check/start",
            Some(public.clone()),
            Some(&hacker),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&cached["check_id"], &cached["status"], &cached["result"]),
        (&json!("cached"), &json!("completed"), &verdict)
    );
    assert_eq!(seen.lock().expect("lock").len(), calls);

    // The upstream failing is a 502 with a JSON detail, not a 500.
    sqlx::query("UPDATE projects SET cached_auto_quality = NULL")
        .execute(&t.state.pool)
        .await
        .expect("uncache");
    let (url, _) = fake_review_factory(StatusCode::INTERNAL_SERVER_ERROR).await;
    let failing =
        t.projects_with(ReviewFactory::new(&url, Some("rf-token".to_owned())).expect("client"));
    assert_eq!(
        t.call(
            failing,
            Method::POST,
            "/projects/check/start",
            Some(public),
            Some(&hacker)
        )
        .await,
        (
            StatusCode::BAD_GATEWAY,
            json!({"detail": "The project check service failed"})
        )
    );
}

#[tokio::test]
async fn a_project_of_a_soft_deleted_event_is_not_found_by_id_by_join_code_or_for_an_edit() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (maker, _) = t.person("maker@example.com").await;
    let (mate, _) = t.person("mate@example.com").await;
    let (event, code) = t.event(&owner, "Hidden").await;
    t.attend(&maker, &code).await;
    t.attend(&mate, &code).await;
    let (project, join_code) = t.project(&maker, event, "Ghost").await;
    sqlx::query("UPDATE events SET deleted_at = now()")
        .execute(&t.state.pool)
        .await
        .expect("soft delete");

    let (status, body) = t
        .call(
            t.projects(),
            Method::GET,
            &format!("/projects/{project}"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Project not found"})
        )
    );
    let (status, body) = t
        .call(
            t.projects(),
            Method::POST,
            &format!("/projects/join?join_code={join_code}"),
            None,
            Some(&mate),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "No project found"}))
    );
    let (status, body) = t
        .call(
            t.projects(),
            Method::PUT,
            &format!("/projects/{project}"),
            Some(json!({"name": "Edited"})),
            Some(&maker),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        ),
        "as for a project that does not exist"
    );
    let stored: (String, i64) = sqlx::query_as(
        "SELECT name::text, (SELECT count(*) FROM project_collaborators) FROM projects",
    )
    .fetch_one(&t.state.pool)
    .await
    .expect("project");
    assert_eq!(stored, ("Ghost".to_owned(), 0), "nothing changed");
    // Restored, it is there again for everyone.
    sqlx::query("UPDATE events SET deleted_at = NULL")
        .execute(&t.state.pool)
        .await
        .expect("restore");
    let (status, _) = t
        .call(
            t.projects(),
            Method::GET,
            &format!("/projects/{project}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_event_requiring_pii_refuses_submissions_from_profiles_without_it() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "PII").await;
    t.attend(&owner, &code).await;
    t.set_event(event, "require_ysws_pii", true).await;
    let submit = async || {
        t.call(
            t.projects(),
            Method::POST,
            "/projects/",
            Some(json!({"name": "P", "repo": "", "image_url": "", "demo": "", "event_id": event})),
            Some(&owner),
        )
        .await
    };
    assert_eq!(
        submit().await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "This event requires your address and date of birth on your profile before you can submit a project"})
        )
    );
    assert_eq!(t.scalar("SELECT count(*) FROM projects").await, 0);
    sqlx::query(
        "UPDATE users SET street_1 = '1 Main St', city = 'Burlington', country = 'US', dob = '2000-01-01'",
    )
    .execute(&t.state.pool)
    .await
    .expect("pii");
    let (status, body) = submit().await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn projects_show_their_people_and_an_edit_sends_them_back_to_pending_validation() {
    let t = TestApp::new().await;
    let (owner, owner_id) = t.person("owner@example.com").await;
    let (mate, _) = t.person("mate@example.com").await;
    let (event, code) = t.event(&owner, "People").await;
    t.attend(&owner, &code).await;
    t.attend(&mate, &code).await;
    let (project, join_code) = t.project(&owner, event, "Robot").await;
    sqlx::query("UPDATE users SET display_name = 'Mate M.' WHERE email = 'mate@example.com'")
        .execute(&t.state.pool)
        .await
        .expect("rename");
    // Join codes are matched in any case, also one stored in lower case (imported).
    sqlx::query("UPDATE projects SET join_code = lower(join_code), validation_status = 'valid', validation_message = 'ok'")
        .execute(&t.state.pool)
        .await
        .expect("lower");
    let (status, body) = t
        .call(
            t.projects(),
            Method::POST,
            &format!("/projects/join?join_code={}", join_code.to_uppercase()),
            None,
            Some(&mate),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, public) = t
        .call(
            t.projects(),
            Method::GET,
            &format!("/projects/{project}"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (
            &public["owner_id"],
            &public["owner_display_name"],
            &public["collaborator_display_names"]
        ),
        (&json!(owner_id), &json!("Test"), &json!(["Mate M."]))
    );
    let (_, mine) = t
        .call(
            t.projects(),
            Method::GET,
            "/projects/mine",
            None,
            Some(&owner),
        )
        .await;
    assert_eq!(
        (
            &mine[0]["validation_status"],
            &mine[0]["validation_message"]
        ),
        (&json!("valid"), &json!("ok"))
    );
    let (status, _) = t
        .call(
            t.projects(),
            Method::PUT,
            &format!("/projects/{project}"),
            Some(json!({})),
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = t
        .call(
            t.projects(),
            Method::GET,
            "/projects/mine",
            None,
            Some(&owner),
        )
        .await;
    assert_eq!(
        (
            &mine[0]["validation_status"],
            &mine[0]["validation_message"]
        ),
        (&json!("pending"), &json!(""))
    );
}
