//! The April 2026 rules that one backend serves next to the December 2025 ones (2026 contract
//! §2.1, §2.4, §2.7, §2.10): the new user and project fields, display names, the superadmin
//! bypass on admin routes, the PII gate and validation reset.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::http::TestApp;

async fn signup(t: &TestApp, body: Value) -> (StatusCode, Value) {
    t.call(
        users::app(t.state.clone()),
        Method::POST,
        "/users/",
        Some(body),
        None,
    )
    .await
}

async fn current(t: &TestApp, token: &str) -> Value {
    let (status, body) = t
        .call(
            users::app(t.state.clone()),
            Method::GET,
            "/users/current",
            None,
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn blank_display_names_become_first_name_and_initial_on_signup_and_update() {
    let t = TestApp::new().await;
    for (first, last, display, expected) in [
        ("Ann", "Lee", None, "Ann L."),
        ("Cy", "", Some(""), "Cy"),
        ("", "Zed", Some("   "), "Z."),
        ("ed", "van dyke", None, "ed v."),
        ("Ëva", "Ørsted", None, "Ëva Ø."),
        ("Kept", "As Is", Some(" Sent "), " Sent "),
    ] {
        let email = format!("{}{}@example.com", first.len(), last.len());
        let mut body = json!({"email": email, "first_name": first, "last_name": last});
        if let Some(display) = display {
            body["display_name"] = json!(display);
        }
        let (status, answer) = signup(&t, body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let stored: String = sqlx::query_scalar("SELECT display_name FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(&t.state.pool)
            .await
            .expect("user");
        assert_eq!(stored, expected, "{first:?} {last:?} {display:?}");
    }
    // On update: a blank display name is computed from the names the user will have.
    let (token, _) = t.person("bob@example.com").await;
    let put = async |body: Value| {
        t.call(
            users::app(t.state.clone()),
            Method::PUT,
            "/users/current",
            Some(body),
            Some(&token),
        )
        .await
    };
    let (_, me) = put(json!({"last_name": "Smith"})).await;
    assert_eq!(
        me["display_name"], "Test",
        "names alone do not recompute it"
    );
    let (_, me) = put(json!({"display_name": ""})).await;
    assert_eq!(me["display_name"], "Test S.");
    let (_, me) = put(json!({"display_name": "", "first_name": "Rob", "last_name": ""})).await;
    assert_eq!(me["display_name"], "Rob");
    // is_superadmin in a body is ignored: nothing else to update.
    assert_eq!(
        put(json!({"is_superadmin": true})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "No fields to update"})
        )
    );
    assert_eq!(current(&t, &token).await["is_superadmin"], false);
}

#[tokio::test]
async fn the_current_user_shows_pii_completeness_superadmin_status_and_vote_ids() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (voter, _) = t.person("voter@example.com").await;
    let (event, code) = t.event(&owner, "Votes").await;
    t.attend(&owner, &code).await;
    t.attend(&voter, &code).await;
    let (project, _) = t.project(&owner, &event, "Robot").await;
    t.set_phase(&event, "voting", false).await;
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": [project]})),
            Some(&voter),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let vote: String = sqlx::query_scalar("SELECT id::text FROM votes")
        .fetch_one(&t.state.pool)
        .await
        .expect("vote");
    let me = current(&t, &voter).await;
    assert_eq!(
        (&me["vote_ids"], &me["has_ysws_pii"], &me["is_superadmin"]),
        (&json!([vote]), &json!(false), &json!(false))
    );
    let (status, me) = t
        .call(
            users::app(t.state.clone()),
            Method::PUT,
            "/users/current",
            Some(json!({"street_1": "1 Main St", "city": "Burlington", "country": "US"})),
            Some(&voter),
        )
        .await;
    assert_eq!(
        (status, &me["has_ysws_pii"]),
        (StatusCode::OK, &json!(false)),
        "no dob yet"
    );
    let (_, me) = t
        .call(
            users::app(t.state.clone()),
            Method::PUT,
            "/users/current",
            Some(json!({"dob": "2000-01-01"})),
            Some(&voter),
        )
        .await;
    assert_eq!(me["has_ysws_pii"], true);
}

#[tokio::test]
async fn superadmins_pass_every_admin_route_of_every_event_and_others_still_get_403() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (admin, _) = t.person("admin@example.com").await;
    let (event, _) = t.event(&owner, "Someone else's").await;
    let get = async |token: &str, path: &str| {
        t.call(
            t.admin(),
            Method::GET,
            &format!("/events/admin/{event}{path}"),
            None,
            Some(token),
        )
        .await
    };
    let forbidden = (
        StatusCode::FORBIDDEN,
        json!({"detail": "You don't have permission to do this"}),
    );
    assert_eq!(get(&admin, "").await, forbidden);
    sqlx::query("UPDATE users SET is_superadmin = true WHERE email = 'admin@example.com'")
        .execute(&t.state.pool)
        .await
        .expect("promote");
    for path in ["", "/attendees", "/leaderboard", "/votes", "/referrals"] {
        let (status, body) = get(&admin, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, body) = t
        .call(
            t.admin(),
            Method::POST,
            &format!("/events/admin/{event}/remove-attendee"),
            Some(json!({"user_id": "00000000-0000-0000-0000-000000000000"})),
            Some(&admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An unknown event is still a 403, also for a superadmin.
    let (status, _) = t
        .call(
            t.admin(),
            Method::GET,
            "/events/admin/00000000-0000-0000-0000-000000000000",
            None,
            Some(&admin),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_event_requiring_pii_refuses_submissions_from_profiles_without_it() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "PII").await;
    t.attend(&owner, &code).await;
    t.set_event(&event, "require_ysws_pii", true).await;
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
    let (project, join_code) = t.project(&owner, &event, "Robot").await;
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

/// The test app's state with other settings.
fn with_config(
    t: &TestApp,
    change: impl FnOnce(&mut podium_http::ApiConfig),
) -> podium_http::AppState {
    let mut config = (*t.state.config).clone();
    change(&mut config);
    podium_http::AppState {
        pool: t.state.pool.clone(),
        reader: t.state.reader.clone(),
        config: std::sync::Arc::new(config),
    }
}

async fn set(t: &TestApp, sql: &'static str) {
    sqlx::query(sql)
        .execute(&t.state.pool)
        .await
        .expect("update");
}

#[tokio::test]
async fn official_events_are_those_of_the_active_series_and_joining_them_is_idempotent() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (hacker, _) = t.person("hacker@example.com").await;
    let (flagship, _) = t.event(&owner, "Flagship").await;
    let (other, _) = t.event(&owner, "Other").await;
    let (gone, _) = t.event(&owner, "Gone").await;
    sqlx::query("UPDATE events SET feature_flags_csv = $2 WHERE id = $1::uuid")
        .bind(&flagship)
        .bind(" test-series , beta,,")
        .execute(&t.state.pool)
        .await
        .expect("flags");
    for (id, flags) in [
        (&other, "test-series-2,Test-Series"),
        (&gone, "test-series"),
    ] {
        sqlx::query("UPDATE events SET feature_flags_csv = $2 WHERE id = $1::uuid")
            .bind(id)
            .bind(flags)
            .execute(&t.state.pool)
            .await
            .expect("flags");
    }
    set(
        &t,
        "UPDATE events SET deleted_at = now() WHERE name = 'Gone'",
    )
    .await;
    set(
        &t,
        "UPDATE events SET phase = 'draft' WHERE name = 'Flagship'",
    )
    .await;
    let (status, list) = t
        .call(t.events(), Method::GET, "/events/official", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [flagship.as_str()],
        "exact, trimmed, case-sensitive; drafts listed, deleted not"
    );
    assert_eq!(list[0]["phase"], "draft");

    let attend = async |id: &str, app: axum::Router| {
        t.call(
            app,
            Method::POST,
            &format!("/events/{id}/attend"),
            None,
            Some(&hacker),
        )
        .await
    };
    assert_eq!(
        attend(&flagship, t.events()).await,
        (
            StatusCode::OK,
            json!({"message": "Successfully joined event", "event_id": flagship})
        )
    );
    assert_eq!(
        attend(&flagship, t.events()).await,
        (
            StatusCode::OK,
            json!({"message": "Already attending this event", "event_id": flagship})
        )
    );
    assert_eq!(
        attend(&other, t.events()).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Event is not part of the active series (expected 'test-series' in ['test-series-2', 'Test-Series'])"})
        )
    );
    let not_found = (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}));
    assert_eq!(attend(&gone, t.events()).await, not_found, "soft-deleted");
    assert_eq!(
        attend("00000000-0000-0000-0000-000000000000", t.events()).await,
        not_found
    );
    let no_series = events::app(with_config(&t, |c| c.active_event_series = String::new()));
    assert_eq!(
        attend(&flagship, no_series.clone()).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "No active event series configured"})
        )
    );
    assert_eq!(
        t.call(no_series, Method::GET, "/events/official", None, None)
            .await,
        (StatusCode::OK, json!([]))
    );
    assert_eq!(t.scalar("SELECT count(*) FROM event_attendees").await, 1);
}

#[tokio::test]
async fn soft_deleted_events_are_hidden_from_everyone_but_their_admins() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (hacker, _) = t.person("hacker@example.com").await;
    let (event, code) = t.event(&owner, "Deleted Soon").await;
    t.attend(&hacker, &code).await;
    let (project, _) = {
        t.attend(&owner, &code).await;
        t.project(&owner, &event, "Robot").await
    };
    set(&t, "UPDATE events SET phase = 'voting', deleted_at = now()").await;
    let not_found = (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}));
    let get = async |uri: String, token: Option<&str>| {
        t.call(t.events(), Method::GET, &uri, None, token).await
    };
    assert_eq!(get(format!("/events/{event}"), None).await, not_found);
    assert_eq!(
        get(format!("/events/{event}/projects?leaderboard=false"), None).await,
        not_found
    );
    assert_eq!(get("/events/id/deleted-soon".into(), None).await, not_found);
    let (_, mine) = get("/events/".into(), Some(&hacker)).await;
    assert_eq!(mine["attending_events"], json!([]));
    let (_, theirs) = get("/events/".into(), Some(&owner)).await;
    assert_eq!(
        theirs["owned_events"][0]["id"],
        json!(event),
        "its owner still sees it"
    );
    assert!(theirs["owned_events"][0]["deleted_at"].is_string());
    let (status, _) = t
        .call(
            t.events(),
            Method::POST,
            &format!("/events/attend?join_code={code}&referral="),
            None,
            Some(&t.user("late@example.com").await),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "joining by code");
    assert_eq!(
        t.call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": [project]})),
            Some(&hacker),
        )
        .await,
        not_found
    );
    assert_eq!(
        t.call(
            t.projects(),
            Method::POST,
            "/projects/",
            Some(json!({"name": "P", "repo": "", "image_url": "", "demo": "d", "event_id": event})),
            Some(&hacker),
        )
        .await,
        not_found
    );
    let (status, admin_view) = t
        .call(
            t.admin(),
            Method::GET,
            &format!("/events/admin/{event}"),
            None,
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "admins still reach it");
    assert!(admin_view["deleted_at"].is_string());
}

#[tokio::test]
async fn the_admin_patch_sets_what_it_is_given_and_refuses_nulls_and_unknown_values_with_422() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (stranger, _) = t.person("stranger@example.com").await;
    let (event, _) = t.event(&owner, "Patched").await;
    let patch = async |body: Value, token: &str| {
        t.call(
            t.admin(),
            Method::PATCH,
            &format!("/events/admin/{event}"),
            Some(body),
            Some(token),
        )
        .await
    };
    let (status, after) = patch(
        json!({"phase": "voting", "custom_validator": "sleepover", "repo_validation": "custom",
               "demo_validation": "itch", "require_ysws_pii": true,
               "feature_flags_csv": " beta , foo ,,", "description": "new"}),
        &owner,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        (
            &after["phase"],
            &after["votable"],
            &after["custom_validator"],
            &after["repo_validation"],
            &after["demo_validation"],
            &after["require_ysws_pii"],
            &after["feature_flags_csv"],
            &after["description"],
            &after["name"]
        ),
        (
            &json!("voting"),
            &json!(true),
            &json!("sleepover"),
            &json!("custom"),
            &json!("itch"),
            &json!(true),
            &json!(" beta , foo ,,"),
            &json!("new"),
            &json!("Patched")
        )
    );
    let (_, after) = patch(json!({"custom_validator": null}), &owner).await;
    assert_eq!(after["custom_validator"], Value::Null, "null clears it");
    let (status, same) = patch(json!({}), &owner).await;
    assert_eq!((status, &same["phase"]), (StatusCode::OK, &json!("voting")));
    let (status, body) = patch(
        json!({"phase": "bogus", "name": null, "demo_links_optional": null, "repo_validation": "xyz",
               "feature_flags_csv": "x".repeat(501)}),
        &owner,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems: Vec<(String, String)> = body["detail"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| {
            (
                i["loc"][1].as_str().unwrap_or_default().to_owned(),
                i["type"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            ("name".to_owned(), "string_type".to_owned()),
            ("demo_links_optional".to_owned(), "bool_type".to_owned()),
            ("feature_flags_csv".to_owned(), "string_too_long".to_owned()),
            ("phase".to_owned(), "literal_error".to_owned()),
            ("repo_validation".to_owned(), "literal_error".to_owned()),
        ]
    );
    assert_eq!(
        body["detail"][3]["msg"],
        "Input should be 'draft', 'submission', 'voting' or 'closed'"
    );
    let (_, unchanged) = t
        .call(
            t.admin(),
            Method::GET,
            &format!("/events/admin/{event}"),
            None,
            Some(&owner),
        )
        .await;
    assert_eq!(
        (&unchanged["phase"], &unchanged["name"]),
        (&json!("voting"), &json!("Patched"))
    );
    assert_eq!(
        patch(json!({"phase": "closed"}), &stranger).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
}

#[tokio::test]
async fn with_event_creation_for_superadmins_only_others_get_403_on_the_2025_create() {
    let t = TestApp::new().await;
    let (user, _) = t.person("user@example.com").await;
    let (admin, _) = t.person("admin@example.com").await;
    set(
        &t,
        "UPDATE users SET is_superadmin = true WHERE email = 'admin@example.com'",
    )
    .await;
    let app = events::app(with_config(&t, |c| {
        c.event_creation = podium_http::EventCreation::Superadmins
    }));
    let create = async |token: &str| {
        t.call(
            app.clone(),
            Method::POST,
            "/events/",
            Some(json!({"name": format!("E {token:.8}")})),
            Some(token),
        )
        .await
    };
    assert_eq!(
        create(&user).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
    assert_eq!(create(&admin).await.0, StatusCode::OK);
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 1);
}

#[tokio::test]
async fn the_test_endpoints_make_events_promote_and_clean_up_whatever_others_did_with_their_data() {
    let t = TestApp::new().await;
    let (organizer, _) = t.person("organizer+1@test.local").await;
    let (attendee, _) = t.person("attendee+1@test.local").await;
    let (outsider, _) = t.person("real@example.com").await;
    let (status, event) = t
        .call(
            t.events(),
            Method::POST,
            "/events/test/create",
            Some(json!({"name": "My Test Event 日本", "description": "e2e"})),
            Some(&organizer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{event}");
    let slug = event["slug"].as_str().expect("slug");
    assert!(
        slug.starts_with("my-test-event-ri-ben-") && slug.len() == 27,
        "{slug}"
    );
    assert_eq!(
        (
            &event["phase"],
            &event["demo_links_optional"],
            &event["feature_flags_csv"],
            &event["repo_validation"],
            &event["demo_validation"],
            &event["description"]
        ),
        (
            &json!("voting"),
            &json!(true),
            &json!("test-series"),
            &json!("none"),
            &json!("none"),
            &json!("e2e")
        )
    );
    let id = event["id"].as_str().expect("id").to_owned();
    assert_eq!(
        t.scalar("SELECT count(*) FROM event_attendees").await,
        0,
        "the caller does not attend"
    );
    // Test and real users take part: the attendee and the outsider join and submit, vote.
    for token in [&attendee, &outsider] {
        let (status, _) = t
            .call(
                t.events(),
                Method::POST,
                &format!("/events/{id}/attend"),
                None,
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (real_project, _) = t.project(&outsider, &id, "Real").await;
    let (test_project, _) = t.project(&attendee, &id, "Test").await;
    for (voter, project) in [(&attendee, &real_project), (&outsider, &test_project)] {
        let (status, body) = t
            .call(
                t.events(),
                Method::POST,
                "/events/vote",
                Some(json!({"event": id, "projects": [project]})),
                Some(voter),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, promoted) = t
        .call(
            users::app(t.state.clone()),
            Method::POST,
            "/users/test/promote-superadmin",
            None,
            Some(&attendee),
        )
        .await;
    assert_eq!(
        (status, promoted),
        (StatusCode::OK, json!({"message": "Promoted to superadmin"}))
    );
    assert_eq!(current(&t, &attendee).await["is_superadmin"], true);
    let (action, subject_is_actor): (String, bool) =
        sqlx::query_as("SELECT action, subject_user_id = actor_id FROM audit_log")
            .fetch_one(&t.state.pool)
            .await
            .expect("the grant is in the audit log");
    assert_eq!(
        (action.as_str(), subject_is_actor),
        ("user.grant_superadmin", true)
    );

    // Anyone may clean up; nothing blocks it, and the real user stays.
    assert_eq!(
        t.call(t.events(), Method::POST, "/events/test/cleanup", None, None)
            .await,
        (StatusCode::OK, json!({"message": "Test data cleaned up"}))
    );
    assert_eq!(t.scalar("SELECT count(*) FROM users").await, 1);
    assert_eq!(
        t.scalar("SELECT count(*) FROM events").await
            + t.scalar("SELECT count(*) FROM projects").await
            + t.scalar("SELECT count(*) FROM votes").await
            + t.scalar("SELECT count(*) FROM event_attendees").await,
        0,
        "the test event went whole"
    );
}

#[tokio::test]
async fn test_endpoints_off_answer_404_after_authentication_and_production_refuses_them() {
    let t = TestApp::new().await;
    let (user, _) = t.person("organizer+2@test.local").await;
    let off = with_config(&t, |c| c.enable_test_endpoints = false);
    let not_found = (StatusCode::NOT_FOUND, json!({"detail": "Not found"}));
    assert_eq!(
        t.call(
            events::app(off.clone()),
            Method::POST,
            "/events/test/create",
            Some(json!({"name": "x"})),
            Some(&user)
        )
        .await,
        not_found
    );
    assert_eq!(
        t.call(
            events::app(off.clone()),
            Method::POST,
            "/events/test/cleanup",
            None,
            None
        )
        .await,
        not_found
    );
    assert_eq!(
        t.call(
            users::app(off.clone()),
            Method::POST,
            "/users/test/promote-superadmin",
            None,
            Some(&user)
        )
        .await,
        not_found
    );
    let (status, _) = t
        .call(
            users::app(off),
            Method::POST,
            "/users/test/promote-superadmin",
            None,
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "authentication comes first"
    );
    assert_eq!(t.scalar("SELECT count(*) FROM users").await, 1);

    let vars = |env: &str| {
        podium_runtime::Vars::from_pairs([
            ("PODIUM_DATABASE_URL", "postgres://u@h/db"),
            ("PODIUM_JWT_SECRET", "s"),
            ("PODIUM_ENABLE_TEST_ENDPOINTS", "1"),
            ("PODIUM_ENV", env),
        ])
    };
    let refused = podium_http::ApiConfig::from_vars(&vars("production")).expect_err("refused");
    assert!(
        refused.to_string().contains("PODIUM_ENABLE_TEST_ENDPOINTS"),
        "{refused}"
    );
    assert!(
        podium_http::ApiConfig::from_vars(&vars("development"))
            .is_ok_and(|c| c.enable_test_endpoints)
    );
}

#[tokio::test]
async fn a_suffixed_slug_that_is_taken_is_drawn_again() {
    let t = TestApp::new().await;
    let (owner, owner_id) = t.person("organizer+3@test.local").await;
    let (first, _) = t.event(&owner, "x").await;
    sqlx::query("UPDATE events SET slug = 'x-TAKEN' WHERE id = $1::uuid")
        .bind(&first)
        .execute(&t.state.pool)
        .await
        .expect("slug");
    let event = podium_data::events::NewEvent::december_2025(
        "x".into(),
        "x".into(),
        String::new(),
        true,
        false,
        owner_id.parse::<uuid::Uuid>().expect("uuid").into(),
    );
    let mut suffixes = ["TAKEN", "fresh"].into_iter().map(str::to_owned);
    let created = podium_data::events::create_with_slug_suffix(
        &t.state.pool,
        &event,
        || suffixes.next().unwrap_or_default(),
        podium_data::events::new_join_code,
        None,
    )
    .await
    .expect("created");
    assert_eq!(created.slug, "x-fresh");
}

#[tokio::test]
async fn when_every_suffix_is_taken_the_failure_is_ours_not_the_clients_taken_slug() {
    let t = TestApp::new().await;
    let (owner, owner_id) = t.person("organizer+4@test.local").await;
    let (first, _) = t.event(&owner, "y").await;
    sqlx::query("UPDATE events SET slug = 'y-SAME' WHERE id = $1::uuid")
        .bind(&first)
        .execute(&t.state.pool)
        .await
        .expect("slug");
    let event = podium_data::events::NewEvent::december_2025(
        "y".into(),
        "y".into(),
        String::new(),
        true,
        false,
        owner_id.parse::<uuid::Uuid>().expect("uuid").into(),
    );
    let failed = podium_data::events::create_with_slug_suffix(
        &t.state.pool,
        &event,
        || "SAME".to_owned(),
        podium_data::events::new_join_code,
        None,
    )
    .await;
    let Err(err) = failed else {
        panic!("every suffix collides: {failed:?}");
    };
    assert!(matches!(
        err,
        podium_data::events::CreateEventError::SlugSuffixesExhausted
    ));
    // A 500 with the generic text, not the 400 a client's own taken slug gets.
    let response = axum::response::IntoResponse::into_response(podium_http::ApiError::from(err));
    assert_eq!(
        response.status(),
        axum::http::StatusCode::INTERNAL_SERVER_ERROR
    );
    let taken = axum::response::IntoResponse::into_response(podium_http::ApiError::from(
        podium_data::events::CreateEventError::SlugTaken,
    ));
    assert_eq!(taken.status(), axum::http::StatusCode::BAD_REQUEST);
}
