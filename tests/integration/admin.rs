//! The `admin` function: what an event's owner sees, and that nobody else does.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::http::TestApp;

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
    t.set_event(&event, "votable", true).await;
    let (a, _) = t.project(&hacker, &event, "Alpha").await;
    let (b, _) = t.project(&hacker, &event, "Beta").await;
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
    t.project(&hacker, &event, "Stays").await;
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
    let (_, project_code) = t.project(&maker, &event, "P").await;
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
            &unknown
        } else {
            &event
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
