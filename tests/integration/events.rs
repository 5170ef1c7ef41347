//! The `events` function: every route, status and error text of contract section 2 (Events).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers;
use crate::helpers::TestApp;
use podium_data::{EventId, UserId};

#[tokio::test]
async fn creating_an_event_answers_id_slug_and_code_and_lists_it_as_owned_not_attended() {
    let t = TestApp::new().await;
    let (owner, owner_id) = t.person("owner@example.com").await;
    let (status, created) = t
        .call(
            t.events(),
            Method::POST,
            "/events/",
            Some(json!({"name": "Café Ünïcode 日本", "description": "d", "ysws_checks_enabled": true, "id": ""})),
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        created
            .as_object()
            .expect("object")
            .keys()
            .collect::<Vec<_>>(),
        ["id", "slug", "join_code"]
    );
    assert_eq!(created["slug"], "cafe-unicode-ri-ben");
    let code = created["join_code"].as_str().expect("code");
    assert_eq!(code.len(), 4);
    assert!(
        code.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
    );

    let (status, mine) = t
        .call(t.events(), Method::GET, "/events/", None, Some(&owner))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mine,
        json!({
            "owned_events": [{
                "id": created["id"], "name": "Café Ünïcode 日本", "slug": "cafe-unicode-ri-ben",
                "description": "d", "votable": false, "leaderboard_enabled": false,
                "demo_links_optional": false, "max_votes_per_user": 1,
                "phase": "submission", "require_ysws_pii": false, "repo_validation": "github",
                "demo_validation": "none", "join_code": code, "owner_id": owner_id,
                "ysws_checks_enabled": true, "custom_validator": null, "feature_flags_csv": "",
                "deleted_at": null, "live_leaderboard": false
            }],
            "attending_events": []
        })
    );
    // The owner joins their own event: now in both lists (no attendee row before).
    t.attend(&owner, &code.to_lowercase()).await;
    let (_, mine) = t
        .call(t.events(), Method::GET, "/events/", None, Some(&owner))
        .await;
    assert_eq!(mine["attending_events"][0]["id"], created["id"]);
    assert_eq!(
        mine["attending_events"][0]
            .as_object()
            .expect("event")
            .keys()
            .collect::<Vec<_>>(),
        [
            "id",
            "name",
            "slug",
            "description",
            "votable",
            "leaderboard_enabled",
            "demo_links_optional",
            "max_votes_per_user",
            "phase",
            "require_ysws_pii",
            "repo_validation",
            "demo_validation"
        ],
        "EventPublic: the 2025 fields, then the 2026 ones"
    );
    let (status, _) = t
        .call(t.events(), Method::GET, "/events/", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn event_names_giving_a_taken_or_empty_slug_and_bad_bodies_are_refused() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    t.event(&owner, "Hack Club 2025").await;
    let create = |body: Value| {
        let t = &t;
        let owner = owner.clone();
        async move {
            t.call(
                t.events(),
                Method::POST,
                "/events/",
                Some(body),
                Some(&owner),
            )
            .await
        }
    };
    assert_eq!(
        create(json!({"name": "hack club -- 2025!"})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Event slug already exists"})
        )
    );
    let (status, body) = create(json!({"name": "!!!"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["detail"][0]["loc"], json!(["body", "name"]));
    let (status, body) = create(json!({"name": "x".repeat(256)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["detail"][0]["type"], "string_too_long");
    let (status, body) = create(json!({"description": "no name"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["detail"][0],
        json!({"type": "missing", "loc": ["body", "name"], "msg": "Field required"})
    );
    let (status, body) = create(json!({"name": "ok", "description": null})).await;
    assert_eq!(
        (status, &body["detail"][0]["type"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("string_type"))
    );
    // A long name is cut at a word boundary, never refused for length.
    let (status, body) =
        create(json!({"name": "The Very Long Annual International Hackathon Of Everything"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["slug"],
        "the-very-long-annual-international-hackathon-of"
    );
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 2);
}

#[tokio::test]
async fn names_in_styled_unicode_letters_get_the_originals_slugs_and_do_not_collide() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    for (name, slug) in [
        ("𝐁𝐨𝐥𝐝 𝐇𝐚𝐜𝐤", "bold-hack"),
        ("𝐇𝐚𝐜𝐤 𝐂𝐥𝐮𝐛 2031", "hack-club-2031"),
        ("𝓢𝓹𝓻𝓲𝓷𝓰 2031", "spring-2031"),
        ("ｆｕｌｌ ｗｉｄｔｈ ２０２６", "full-width-2026"),
    ] {
        let (status, body) = t
            .call(
                t.events(),
                Method::POST,
                "/events/",
                Some(json!({"name": name})),
                Some(&owner),
            )
            .await;
        assert_eq!(
            (status, &body["slug"]),
            (StatusCode::OK, &json!(slug)),
            "{name}: {body}"
        );
    }
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 4);
}

#[tokio::test]
async fn an_event_is_public_with_max_votes_from_its_project_count() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "Votes").await;
    t.attend(&owner, &code).await;
    let max = || {
        let (t, uri) = (&t, format!("/events/{event}"));
        async move {
            let (status, body) = t.call(t.events(), Method::GET, &uri, None, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(
                body.get("join_code").is_none(),
                "public view hides the code"
            );
            body["max_votes_per_user"].as_i64().expect("max")
        }
    };
    assert_eq!(max().await, 1);
    for i in 0..4 {
        t.project(&owner, event, &format!("p{i}")).await;
    }
    assert_eq!(max().await, 2);
    for i in 4..20 {
        t.project(&owner, event, &format!("p{i}")).await;
    }
    assert_eq!(max().await, 3);
    let unknown = format!("/events/{}", uuid::Uuid::new_v4());
    assert_eq!(
        t.call(t.events(), Method::GET, &unknown, None, None).await,
        (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
    );
    let (status, body) = t
        .call(t.events(), Method::GET, "/events/nope", None, None)
        .await;
    assert_eq!(
        (status, &body["detail"][0]["type"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("uuid_parsing"))
    );
}

#[tokio::test]
async fn joining_by_code_is_case_insensitive_records_a_referral_and_refuses_a_second_join() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (hacker, hacker_id) = t.person("hacker@example.com").await;
    let (event, code) = t.event(&owner, "Join").await;
    let join = |query: String, token: Option<String>| {
        let t = &t;
        async move {
            t.call(
                t.events(),
                Method::POST,
                &format!("/events/attend?{query}"),
                None,
                token.as_deref(),
            )
            .await
        }
    };
    let lower = code.to_lowercase();
    let (status, body) = join(
        format!("join_code={lower}&referral=Joined%20from%20link"),
        Some(hacker.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"message": "Successfully joined event", "event_id": event})
    );
    assert_eq!(
        join(
            format!("join_code={code}&referral=again"),
            Some(hacker.clone())
        )
        .await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "User already attending event"})
        )
    );
    assert_eq!(
        join(
            format!("join_code=%20%20{code}&referral="),
            Some(hacker.clone())
        )
        .await,
        (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
    );
    let (status, body) = join("referral=x".to_owned(), Some(hacker.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["detail"][0]["loc"], json!(["query", "join_code"]));
    let (status, body) = join(format!("join_code={code}"), Some(hacker.clone())).await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!(["query", "referral"])
        )
    );
    let (status, _) = join(format!("join_code={code}&referral="), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // One attendee row and one referral (the refused second join wrote nothing).
    let referrals: Vec<(String, UserId)> = sqlx::query_as("SELECT content, user_id FROM referrals")
        .fetch_all(&t.state.pool)
        .await
        .expect("referrals");
    assert_eq!(referrals, [("Joined from link".to_owned(), hacker_id)]);
    assert_eq!(t.scalar("SELECT count(*) FROM event_attendees").await, 1);
    // An empty referral stores none.
    let (other, _) = t.person("other@example.com").await;
    t.attend(&other, &code).await;
    assert_eq!(t.scalar("SELECT count(*) FROM referrals").await, 1);
}

#[tokio::test]
async fn only_the_owner_updates_an_event_and_the_whole_object_put_back_is_accepted() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (other, _) = t.person("other@example.com").await;
    let (event, code) = t.event(&owner, "Edit Me").await;
    t.attend(&other, &code).await;
    let uri = format!("/events/{event}");
    let (_, mut whole) = t.call(t.events(), Method::GET, &uri, None, None).await;
    whole["name"] = json!("Edited");
    whole["votable"] = json!(true);
    whole["slug"] = json!("ignored");
    whole["join_code"] = json!("NOPE");
    whole["owned"] = json!(true);
    whole["partOfEvent"] = json!(false);
    for (token, refused) in [
        (Some(&other), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let (status, _) = t
            .call(
                t.events(),
                Method::PUT,
                &uri,
                Some(whole.clone()),
                token.map(String::as_str),
            )
            .await;
        assert_eq!(status, refused);
    }
    assert_eq!(
        t.call(
            t.events(),
            Method::PUT,
            &uri,
            Some(whole.clone()),
            Some(&owner)
        )
        .await,
        (StatusCode::OK, json!({"message": "Event updated"}))
    );
    let (_, after) = t.call(t.events(), Method::GET, &uri, None, None).await;
    assert_eq!(
        (&after["name"], &after["votable"], &after["slug"]),
        (&json!("Edited"), &json!(true), &json!("edit-me"))
    );
    let code_now: String = sqlx::query_scalar("SELECT join_code FROM events")
        .fetch_one(&t.state.pool)
        .await
        .expect("code");
    assert_eq!(code_now, code);
    assert_eq!(
        t.call(t.events(), Method::PUT, &uri, Some(json!({})), Some(&owner))
            .await,
        (StatusCode::OK, json!({"message": "Event updated"}))
    );
    let unknown = format!("/events/{}", uuid::Uuid::new_v4());
    assert_eq!(
        t.call(
            t.events(),
            Method::PUT,
            &unknown,
            Some(json!({})),
            Some(&owner)
        )
        .await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
    let (status, body) = t
        .call(
            t.events(),
            Method::PUT,
            &uri,
            Some(json!({"name": "n".repeat(256)})),
            Some(&owner),
        )
        .await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["body", "name"]))
    );
}

#[tokio::test]
async fn deleting_an_event_removes_everything_that_belongs_to_it_and_only_its_owner_may() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (hacker, _) = t.person("hacker@example.com").await;
    let (mate, _) = t.person("mate@example.com").await;
    let (event, code) = t.event(&owner, "Doomed").await;
    let (kept, kept_code) = t.event(&owner, "Kept").await;
    for token in [&owner, &hacker, &mate] {
        t.call(
            t.events(),
            Method::POST,
            &format!("/events/attend?join_code={code}&referral=r"),
            None,
            Some(token),
        )
        .await;
        t.attend(token, &kept_code).await;
    }
    t.set_event(event, "votable", true).await;
    let (project, project_code) = t.project(&hacker, event, "P").await;
    t.project(&hacker, kept, "Kept P").await;
    let (status, _) = t
        .call(
            t.projects(),
            Method::POST,
            &format!("/projects/join?join_code={project_code}"),
            None,
            Some(&mate),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": [project]})),
            Some(&owner),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let uri = format!("/events/{event}");
    let (status, _) = t
        .call(t.events(), Method::DELETE, &uri, None, Some(&hacker))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.call(t.events(), Method::DELETE, &uri, None, Some(&owner))
            .await,
        (StatusCode::OK, json!({"message": "Event deleted"}))
    );
    assert_eq!(
        t.call(t.events(), Method::DELETE, &uri, None, Some(&owner))
            .await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
    // Only the other event's rows remain.
    for (sql, expected) in [
        ("SELECT count(*) FROM events", 1),
        ("SELECT count(*) FROM projects", 1),
        ("SELECT count(*) FROM votes", 0),
        ("SELECT count(*) FROM project_collaborators", 0),
        ("SELECT count(*) FROM referrals", 0),
        ("SELECT count(*) FROM event_attendees", 3),
        ("SELECT count(*) FROM users", 3),
    ] {
        assert_eq!(t.scalar(sql).await, expected, "{sql}");
    }
}

#[tokio::test]
async fn an_events_projects_are_shuffled_or_a_leaderboard_only_when_enabled() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "Board").await;
    t.attend(&owner, &code).await;
    for i in 0..5 {
        t.project(&owner, event, &format!("p{i}")).await;
    }
    sqlx::query("UPDATE projects SET points = ascii(right(name, 1)) - 48")
        .execute(&t.state.pool)
        .await
        .expect("points");
    let get = |query: &str| {
        let uri = format!("/events/{event}/projects{query}");
        let t = &t;
        async move { t.call(t.events(), Method::GET, &uri, None, None).await }
    };
    let (status, body) = get("?leaderboard=false").await;
    assert_eq!(status, StatusCode::OK);
    let list = body.as_array().expect("list");
    assert_eq!(list.len(), 5);
    assert_eq!(
        list[0]
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
        ]
    );
    assert_eq!(
        get("?leaderboard=TRUE").await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "Leaderboard is not enabled"})
        )
    );
    t.set_event(event, "leaderboard_enabled", true).await;
    for yes in ["true", "1", "yes", "On"] {
        let (status, body) = get(&format!("?leaderboard={yes}")).await;
        assert_eq!(status, StatusCode::OK);
        let points: Vec<i64> = body
            .as_array()
            .expect("list")
            .iter()
            .map(|p| p["points"].as_i64().expect("points"))
            .collect();
        assert_eq!(points, [4, 3, 2, 1, 0]);
    }
    let (status, body) = get("").await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!(["query", "leaderboard"])
        )
    );
    let (status, body) = get("?leaderboard=maybe").await;
    assert_eq!(
        (status, &body["detail"][0]["type"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("bool_parsing"))
    );
    let unknown = format!(
        "/events/{}/projects?leaderboard=false",
        uuid::Uuid::new_v4()
    );
    assert_eq!(
        t.call(t.events(), Method::GET, &unknown, None, None).await,
        (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
    );
}

#[tokio::test]
async fn an_event_id_is_resolved_from_its_slug_as_a_bare_json_string() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, _) = t.event(&owner, "Slug Me").await;
    let (status, _, body) = crate::helpers::send(
        t.events(),
        axum::http::Request::get("/events/id/slug-me")
            .body(axum::body::Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, format!("\"{event}\"")));
    assert_eq!(
        t.call(t.events(), Method::GET, "/events/id/ABc", None, None)
            .await,
        (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
    );
    assert_eq!(
        t.call(t.events(), Method::GET, "/events/id/NOPE", None, None)
            .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"type": "string_pattern_mismatch", "loc": ["path", "slug"],
                               "msg": "String should match pattern '[-a-z0-9]+'", "ctx": {"pattern": "[-a-z0-9]+"}}]})
        )
    );
    let (status, body) = t
        .call(
            t.events(),
            Method::GET,
            &format!("/events/id/{}", "a".repeat(51)),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, &body["detail"][0]["type"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("string_too_long"))
    );
}

/// The phase is stored; the December 2025 flags are read from it and, when a PUT changes them,
/// set it (docs/behaviour.md, "Phases and the 2025 flags").
#[tokio::test]
async fn phases_are_the_truth_and_the_2025_flags_are_views_of_them() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, _) = t.event(&owner, "Phased").await;
    let put = |body: Value| {
        let t = &t;
        let uri = format!("/events/{event}");
        let owner = owner.clone();
        async move {
            let (status, answer) = t
                .call(t.events(), Method::PUT, &uri, Some(body), Some(&owner))
                .await;
            assert_eq!(status, StatusCode::OK, "{answer}");
        }
    };
    let read = async || {
        let (_, body) = t
            .call(
                t.events(),
                Method::GET,
                &format!("/events/{event}"),
                None,
                None,
            )
            .await;
        (
            body["phase"].as_str().unwrap_or_default().to_owned(),
            body["votable"].as_bool(),
            body["leaderboard_enabled"].as_bool(),
        )
    };
    let flags = |v: bool, l: bool| json!({"votable": v, "leaderboard_enabled": l});
    assert_eq!(
        read().await,
        ("submission".into(), Some(false), Some(false))
    );
    for ((v, l), phase) in [
        ((true, false), "voting"),
        ((true, true), "voting"),
        ((false, true), "closed"),
        ((false, false), "submission"),
    ] {
        put(flags(v, l)).await;
        assert_eq!(read().await, (phase.into(), Some(v), Some(l)), "{v} {l}");
    }
    // Flags sent back unchanged (the 2025 edit form PUTs the whole event) keep the phase.
    t.set_phase(event, "draft", false).await;
    put(json!({"name": "Renamed", "votable": false, "leaderboard_enabled": false})).await;
    assert_eq!(read().await, ("draft".into(), Some(false), Some(false)));
    // One flag alone combines with the other as it reads now.
    put(json!({"leaderboard_enabled": true})).await;
    assert_eq!(read().await, ("closed".into(), Some(false), Some(true)));

    // The gates read the phase: the public leaderboard in closed and live voting only.
    let leaderboard = async || {
        t.call(
            t.events(),
            Method::GET,
            &format!("/events/{event}/projects?leaderboard=true"),
            None,
            None,
        )
        .await
    };
    for (phase, live, open) in [
        ("draft", false, false),
        ("submission", false, false),
        ("voting", false, false),
        ("voting", true, true),
        ("closed", false, true),
    ] {
        t.set_phase(event, phase, live).await;
        let (status, body) = leaderboard().await;
        if open {
            assert_eq!(status, StatusCode::OK, "{phase} {live}: {body}");
        } else {
            assert_eq!(
                (status, body),
                (
                    StatusCode::FORBIDDEN,
                    json!({"detail": "Leaderboard is not enabled"})
                ),
                "{phase} {live}"
            );
        }
    }
    // The database refuses a phase outside the four.
    let refused = sqlx::query("UPDATE events SET phase = 'bogus'")
        .execute(&t.state.pool)
        .await
        .expect_err("check constraint");
    assert_eq!(
        refused.as_database_error().and_then(|d| d.constraint()),
        Some("events_phase_check")
    );
}

async fn flags(t: &TestApp, event: EventId) -> String {
    sqlx::query_scalar("SELECT feature_flags_csv::text FROM events WHERE id = $1")
        .bind(event)
        .fetch_one(&t.state.pool)
        .await
        .expect("flags")
}

async fn official_ids(t: &TestApp) -> Vec<EventId> {
    let (status, body) = t
        .call(t.events(), Method::GET, "/events/official", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .expect("list")
        .iter()
        .map(helpers::id_of)
        .collect()
}

#[tokio::test]
async fn only_a_superadmin_puts_an_event_into_the_active_series_or_changes_the_flags_of_one_in_it()
{
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (boss, _) = t.superadmin_person("boss@example.com").await;
    let (event, _) = t.event(&owner, "Mine").await;
    let patch = |token: &str, body: Value| {
        let (t, event, token) = (&t, &event, token.to_owned());
        async move {
            t.call(
                t.admin(),
                Method::PATCH,
                &format!("/events/admin/{event}"),
                Some(body),
                Some(&token),
            )
            .await
        }
    };
    let refused = (
        StatusCode::FORBIDDEN,
        json!({"detail": "You don't have permission to do this"}),
    );

    // The owner publishing their own event as official: refused, nothing changed.
    for flags_csv in [
        "test-series",
        "beta, test-series ",
        "test-series,test-series",
    ] {
        assert_eq!(
            patch(
                &owner,
                json!({"feature_flags_csv": flags_csv, "name": "Official now"})
            )
            .await,
            refused,
            "{flags_csv}"
        );
    }
    assert_eq!(flags(&t, event).await, "");
    assert!(official_ids(&t).await.is_empty());
    // Other flags, and the 2025 frontend's own changes, still work for owners.
    let (status, body) = patch(&owner, json!({"feature_flags_csv": "beta, Test-Series"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["feature_flags_csv"], "beta, Test-Series",
        "case counts"
    );

    // A superadmin puts it into the series.
    let (status, _) = patch(&boss, json!({"feature_flags_csv": "beta,test-series"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(official_ids(&t).await, std::slice::from_ref(&event));
    // Its owner can no longer change its flags (not even take it out), but can rename it, and
    // sending the flags it already has is no change.
    assert_eq!(
        patch(&owner, json!({"feature_flags_csv": "beta"})).await,
        refused
    );
    assert_eq!(
        patch(&owner, json!({"feature_flags_csv": ""})).await,
        refused
    );
    let (status, body) = patch(
        &owner,
        json!({"name": "Renamed", "feature_flags_csv": "beta,test-series"}),
    )
    .await;
    assert_eq!((status, &body["name"]), (StatusCode::OK, &json!("Renamed")));
    assert_eq!(flags(&t, event).await, "beta,test-series");
    assert_eq!(official_ids(&t).await, std::slice::from_ref(&event));
    // A superadmin takes it out again.
    let (status, _) = patch(&boss, json!({"feature_flags_csv": ""})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(official_ids(&t).await.is_empty());
}

#[tokio::test]
async fn an_owners_delete_of_a_soft_deleted_event_is_a_404_of_an_official_one_a_403_and_nothing_goes()
 {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (other, _) = t.person("other@example.com").await;
    let (event, code) = t.event(&owner, "Going").await;
    t.attend(&other, &code).await;
    t.project(&other, event, "Kept").await;
    let delete = |token: &str| {
        let (t, event, token) = (&t, &event, token.to_owned());
        async move {
            t.call(
                t.events(),
                Method::DELETE,
                &format!("/events/{event}"),
                None,
                Some(&token),
            )
            .await
        }
    };
    exec_sql(&t, "UPDATE events SET deleted_at = now()").await;
    assert_eq!(
        delete(&owner).await,
        (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
    );
    assert_eq!(
        delete(&other).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        ),
        "a stranger learns nothing"
    );
    assert_eq!(t.scalar("SELECT count(*) FROM projects").await, 1);

    // Restored but official (a superadmin's event handed over): the owner cannot delete it.
    exec_sql(
        &t,
        "UPDATE events SET deleted_at = NULL, feature_flags_csv = 'test-series'",
    )
    .await;
    assert_eq!(
        delete(&owner).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 1);
    // Out of the series, the owner's delete works as before.
    exec_sql(&t, "UPDATE events SET feature_flags_csv = ''").await;
    assert_eq!(
        delete(&owner).await,
        (StatusCode::OK, json!({"message": "Event deleted"}))
    );
    assert_eq!(t.scalar("SELECT count(*) FROM projects").await, 0);
}

async fn exec_sql(t: &TestApp, sql: &'static str) {
    sqlx::query(sql)
        .execute(&t.state.pool)
        .await
        .expect("execute");
}

/// Joins by code through `app` at `uri_prefix` (`/events/attend?join_code=` or
/// `/projects/join?join_code=`): (status, Retry-After).
async fn guess(
    t: &TestApp,
    app: axum::Router,
    uri_prefix: &str,
    code: &str,
    token: &str,
) -> (StatusCode, Option<String>) {
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("{uri_prefix}{code}&referral="))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let _ = t;
    let (status, headers, _) = crate::helpers::send(app, request).await;
    let retry = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry)
}

#[tokio::test]
async fn wrong_join_codes_are_limited_per_user_and_per_network_with_retry_after_and_right_ones_never_count()
 {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (guesser, _) = t.person("guesser@example.com").await;
    let (event, code) = t.event(&owner, "Guarded").await;
    t.attend(&owner, &code).await;
    let (_, project_code) = t.project(&owner, event, "Also guarded").await;
    let events_join = "/events/attend?join_code=";
    let projects_join = "/projects/join?join_code=";

    // Right codes first, as often as one likes: they never count.
    for _ in 0..12 {
        let (status, _) = guess(&t, t.events(), events_join, &code, &guesser).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
            "{status}"
        );
    }
    // Ten wrong codes (events and projects share the count), then a 429 with Retry-After.
    for i in 0..10 {
        let (app, prefix) = if i % 2 == 0 {
            (t.events(), events_join)
        } else {
            (t.projects(), projects_join)
        };
        let (status, retry) = guess(&t, app, prefix, "ZZZZ", &guesser).await;
        assert_eq!((status, retry), (StatusCode::NOT_FOUND, None), "guess {i}");
    }
    let (status, retry) = guess(&t, t.events(), events_join, "ZZZZ", &guesser).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=600).contains(&wait), "{wait}");
    // Even the right code waits now (the guesser cannot test guesses), for projects too.
    let (status, _) = guess(&t, t.projects(), projects_join, &project_code, &guesser).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // Per network: accounts are cheap, so 60 wrong codes from one network stop everyone there.
    let mut fresh = Vec::new();
    for i in 0..6 {
        fresh.push(t.person(&format!("sock{i}@example.com")).await.0);
    }
    let mut refused = 0;
    for token in &fresh {
        for _ in 0..10 {
            let (status, _) = guess(&t, t.events(), events_join, "QQQQ", token).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            }
        }
    }
    // The guesser's ten already count for the network: 50 more pass, 10 are refused.
    assert_eq!(refused, 10);
    let (late, _) = t.person("late@example.com").await;
    let (status, _) = guess(&t, t.events(), events_join, "QQQQ", &late).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn public_project_lists_show_points_only_once_the_leaderboard_is_enabled() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (maker, _) = t.person("maker@example.com").await;
    let (voter, _) = t.person("voter@example.com").await;
    let (event, code) = t.event(&owner, "Secret count").await;
    t.attend(&maker, &code).await;
    t.attend(&voter, &code).await;
    let (project, _) = t.project(&maker, event, "Counted").await;
    t.set_phase(event, "voting", false).await;
    let (status, _) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": [project]})),
            Some(&voter),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let points = async || {
        let (_, list) = t
            .call(
                t.events(),
                Method::GET,
                &format!("/events/{event}/projects?leaderboard=false"),
                None,
                None,
            )
            .await;
        let (_, one) = t
            .call(
                t.projects(),
                Method::GET,
                &format!("/projects/{project}"),
                None,
                None,
            )
            .await;
        (list[0]["points"].clone(), one["points"].clone())
    };
    // Voting without a live leaderboard: the count is what the leaderboard gate keeps secret.
    assert_eq!(points().await, (json!(0), json!(0)));
    t.set_phase(event, "voting", true).await;
    assert_eq!(points().await, (json!(1), json!(1)));
    t.set_phase(event, "closed", false).await;
    assert_eq!(points().await, (json!(1), json!(1)));
    // The organizer's own leaderboard always has them.
    t.set_phase(event, "voting", false).await;
    let (_, board) = t
        .call(
            t.admin(),
            Method::GET,
            &format!("/events/admin/{event}/leaderboard"),
            None,
            Some(&owner),
        )
        .await;
    assert_eq!(board[0]["points"], json!(1), "{board}");
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
        .bind(flagship)
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
    t.exec("UPDATE events SET deleted_at = now() WHERE name = 'Gone'")
        .await;
    t.exec("UPDATE events SET phase = 'draft' WHERE name = 'Flagship'")
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
        [flagship.to_string().as_str()],
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
        attend(&flagship.to_string(), t.events()).await,
        (
            StatusCode::OK,
            json!({"message": "Successfully joined event", "event_id": flagship})
        )
    );
    assert_eq!(
        attend(&flagship.to_string(), t.events()).await,
        (
            StatusCode::OK,
            json!({"message": "Already attending this event", "event_id": flagship})
        )
    );
    assert_eq!(
        attend(&other.to_string(), t.events()).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Event is not part of the active series (expected 'test-series' in ['test-series-2', 'Test-Series'])"})
        )
    );
    let not_found = (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}));
    assert_eq!(
        attend(&gone.to_string(), t.events()).await,
        not_found,
        "soft-deleted"
    );
    assert_eq!(
        attend("00000000-0000-0000-0000-000000000000", t.events()).await,
        not_found
    );
    let no_series = events::app(t.with_config(|c| c.active_event_series = String::new()));
    assert_eq!(
        attend(&flagship.to_string(), no_series.clone()).await,
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
        t.project(&owner, event, "Robot").await
    };
    t.exec("UPDATE events SET phase = 'voting', deleted_at = now()")
        .await;
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
async fn with_event_creation_for_superadmins_only_others_get_403_on_the_2025_create() {
    let t = TestApp::new().await;
    let (user, _) = t.person("user@example.com").await;
    let (admin, _) = t.person("admin@example.com").await;
    t.exec("UPDATE users SET is_superadmin = true WHERE email = 'admin@example.com'")
        .await;
    let app =
        events::app(t.with_config(|c| c.event_creation = podium_http::EventCreation::Superadmins));
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
    let (real_project, _) = t.project(&outsider, id.parse().expect("id"), "Real").await;
    let (test_project, _) = t.project(&attendee, id.parse().expect("id"), "Test").await;
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
    assert_eq!(t.current_user(&attendee).await["is_superadmin"], true);
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
    let off = t.with_config(|c| c.enable_test_endpoints = false);
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
        .bind(first)
        .execute(&t.state.pool)
        .await
        .expect("slug");
    let event = podium_data::events::NewEvent::december_2025(
        "x".into(),
        "x".into(),
        String::new(),
        true,
        false,
        owner_id,
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
        .bind(first)
        .execute(&t.state.pool)
        .await
        .expect("slug");
    let event = podium_data::events::NewEvent::december_2025(
        "y".into(),
        "y".into(),
        String::new(),
        true,
        false,
        owner_id,
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
