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
