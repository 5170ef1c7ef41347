//! The `admin` function: what an event's owner sees, and that nobody else does.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const BAD_ACCESS: &str = "You don't have permission to do this";

#[tokio::test]
async fn the_owner_sees_the_event_attendees_leaderboard_votes_and_referrals() {
    let t = TestApp::new().await;
    let (owner, owner_id) = t.person("owner@example.com").await;
    let (hacker, hacker_id) = t.person("hacker@example.com").await;
    let (voter, voter_id) = t.person("voter@example.com").await;
    let (event, code) = t.event(&owner, "Admin View").await;
    let (status, _) = t
        .call(
            t.events(),
            Method::POST,
            &format!("/events/attend?join_code={code}&referral=Friend"),
            None,
            Some(&hacker),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    t.attend(&voter, &code).await;
    t.set_event(event, "votable", true).await;
    let (a, _) = t.project(&hacker, event, "Alpha").await;
    let (b, _) = t.project(&hacker, event, "Beta").await;
    let (status, _) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": [b]})),
            Some(&voter),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let get = |path: &str| {
        let uri = format!("/events/admin/{event}{path}");
        let (t, owner) = (&t, owner.clone());
        async move {
            t.call(t.admin(), Method::GET, &uri, None, Some(&owner))
                .await
        }
    };

    let (status, body) = get("").await;
    assert_eq!(status, StatusCode::OK, "contract 7.1: no 500 for the owner");
    assert_eq!(
        (
            &body["join_code"],
            &body["owner_id"],
            &body["max_votes_per_user"]
        ),
        (&json!(code), &json!(owner_id), &json!(1))
    );

    let (status, body) = get("/attendees").await;
    assert_eq!(status, StatusCode::OK);
    let mut attendees = body.as_array().expect("list").clone();
    attendees.sort_by_key(|a| a["email"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        attendees,
        [
            // Signed up without a display name: "First L." of "Test" and "".
            json!({"id": hacker_id, "email": "hacker@example.com", "display_name": "Test", "first_name": "Test", "last_name": ""}),
            json!({"id": voter_id, "email": "voter@example.com", "display_name": "Test", "first_name": "Test", "last_name": ""}),
        ]
    );

    // Always available to the owner, whatever leaderboard_enabled says; ProjectPrivate.
    let (status, body) = get("/leaderboard").await;
    assert_eq!(status, StatusCode::OK);
    let board = body.as_array().expect("list");
    assert_eq!(
        (&board[0]["id"], &board[0]["points"], &board[1]["id"]),
        (&json!(b), &json!(1), &json!(a))
    );
    assert_eq!(
        board[0]
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
            "collaborator_display_names",
            "join_code",
            "hours_spent",
            "event_id",
            "cached_auto_quality",
            "validation_status",
            "validation_message"
        ]
    );

    let (status, body) = get("/votes").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().expect("list").len(), 1);
    assert_eq!(
        (
            &body[0]["voter_id"],
            &body[0]["project_id"],
            &body[0]["event_id"]
        ),
        (&json!(voter_id), &json!(b), &json!(event))
    );
    assert_eq!(
        body[0]
            .as_object()
            .expect("vote")
            .keys()
            .collect::<Vec<_>>(),
        ["id", "voter_id", "project_id", "event_id"]
    );

    let (status, body) = get("/referrals").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().expect("list").len(), 1);
    assert_eq!(
        (
            &body[0]["content"],
            &body[0]["user_id"],
            &body[0]["event_id"]
        ),
        (&json!("Friend"), &json!(hacker_id), &json!(event))
    );
}

#[tokio::test]
async fn removing_an_attendee_keeps_their_projects_votes_and_referrals() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (hacker, hacker_id) = t.person("hacker@example.com").await;
    let (event, code) = t.event(&owner, "Remove").await;
    t.call(
        t.events(),
        Method::POST,
        &format!("/events/attend?join_code={code}&referral=r"),
        None,
        Some(&hacker),
    )
    .await;
    t.project(&hacker, event, "Stays").await;
    let uri = format!("/events/admin/{event}/remove-attendee");
    let remove = |body: serde_json::Value, token: Option<String>| {
        let (t, uri) = (&t, uri.clone());
        async move {
            t.call(t.admin(), Method::POST, &uri, Some(body), token.as_deref())
                .await
        }
    };
    assert_eq!(
        remove(json!({"user_id": hacker_id}), Some(hacker.clone())).await,
        (StatusCode::FORBIDDEN, json!({"detail": BAD_ACCESS}))
    );
    assert_eq!(
        remove(json!({"user_id": hacker_id}), Some(owner.clone())).await,
        (StatusCode::OK, json!({"message": "Attendee removed"}))
    );
    assert_eq!(t.scalar("SELECT count(*) FROM event_attendees").await, 0);
    assert_eq!(t.scalar("SELECT count(*) FROM projects").await, 1);
    assert_eq!(t.scalar("SELECT count(*) FROM referrals").await, 1);
    // Removing someone who does not attend is not an error.
    assert_eq!(
        remove(json!({"user_id": hacker_id}), Some(owner.clone()))
            .await
            .0,
        StatusCode::OK
    );
    for body in [
        json!("just a string"),
        json!({}),
        json!({"user_id": "nope"}),
    ] {
        let (status, detail) = remove(body, Some(owner.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(detail["detail"][0]["loc"], json!(["body", "user_id"]));
    }
}

#[tokio::test]
async fn every_admin_route_refuses_anyone_but_the_owner_even_for_unknown_events() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (attendee, attendee_id) = t.person("attendee@example.com").await;
    let (maker, _) = t.person("maker@example.com").await;
    let (mate, _) = t.person("mate@example.com").await;
    let (stranger, _) = t.person("stranger@example.com").await;
    let (event, code) = t.event(&owner, "Guarded").await;
    for token in [&attendee, &maker, &mate] {
        t.attend(token, &code).await;
    }
    let (_, project_code) = t.project(&maker, event, "P").await;
    t.call(
        t.projects(),
        Method::POST,
        &format!("/projects/join?join_code={project_code}"),
        None,
        Some(&mate),
    )
    .await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let routes = [
        "",
        "/attendees",
        "/leaderboard",
        "/votes",
        "/referrals",
        "/remove-attendee",
    ];
    for (who, token) in [
        ("anonymous", None),
        ("stranger", Some(&stranger)),
        ("attendee", Some(&attendee)),
        ("project owner", Some(&maker)),
        ("collaborator", Some(&mate)),
        ("owner of another event", Some(&owner)),
    ] {
        let target = if who == "owner of another event" {
            unknown.clone()
        } else {
            event.to_string()
        };
        for route in routes {
            let uri = format!("/events/admin/{target}{route}");
            let (method, body) = if route == "/remove-attendee" {
                (Method::POST, Some(json!({"user_id": attendee_id})))
            } else {
                (Method::GET, None)
            };
            let (status, detail) = t
                .call(t.admin(), method, &uri, body, token.map(String::as_str))
                .await;
            let expected = if token.is_none() {
                (StatusCode::UNAUTHORIZED, "Not authenticated")
            } else {
                (StatusCode::FORBIDDEN, BAD_ACCESS)
            };
            assert_eq!(
                (status, detail),
                (expected.0, json!({"detail": expected.1})),
                "{who} {uri}"
            );
        }
    }
    assert_eq!(
        t.scalar("SELECT count(*) FROM event_attendees").await,
        3,
        "nobody was removed"
    );
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
