//! Every handler runs a fixed number of SQL statements, however much data an event has: counted
//! on the wire (a proxy between the pool and PostgreSQL) for an event with 5 and with 50
//! projects, votes and attendees.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

/// A request: its name, method, URI, body and bearer token.
type Route<'a> = (
    &'static str,
    Method,
    String,
    Option<serde_json::Value>,
    Option<&'a str>,
);

/// Statements per request for an event with `n` projects (and `n` attendees who voted).
async fn statements_per_request(n: usize) -> Vec<(&'static str, usize)> {
    let (t, counter) = TestApp::counting().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "Counted").await;
    t.attend(&owner, &code).await;
    t.set_event(event, "votable", true).await;
    t.set_event(event, "leaderboard_enabled", true).await;
    let mut projects = Vec::new();
    for i in 0..n {
        let (token, _) = t.person(&format!("maker{i}@example.com")).await;
        t.call(
            t.events(),
            Method::POST,
            &format!("/events/attend?join_code={code}&referral=r{i}"),
            None,
            Some(&token),
        )
        .await;
        projects.push((t.project(&token, event, &format!("p{i:02}")).await.0, token));
    }
    for i in 0..n {
        let (token, target) = (&projects[i].1, &projects[(i + 1) % n].0);
        let (status, body) = t
            .call(
                t.events(),
                Method::POST,
                "/events/vote",
                Some(json!({"event": event, "projects": [target]})),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (voter, _) = t.person("voter@example.com").await;
    t.attend(&voter, &code).await;
    let routes: Vec<Route<'_>> = vec![
        (
            "GET /events/{id}",
            Method::GET,
            format!("/events/{event}"),
            None,
            None,
        ),
        (
            "GET /events/{id}/projects?leaderboard=true",
            Method::GET,
            format!("/events/{event}/projects?leaderboard=true"),
            None,
            None,
        ),
        (
            "GET /events/{id}/projects?leaderboard=false",
            Method::GET,
            format!("/events/{event}/projects?leaderboard=false"),
            None,
            None,
        ),
        (
            "GET /events/",
            Method::GET,
            "/events/".to_owned(),
            None,
            Some(&owner),
        ),
        (
            "POST /events/vote",
            Method::POST,
            "/events/vote".to_owned(),
            Some(json!({"event": event, "projects": [projects[0].0, projects[1].0]})),
            Some(&voter),
        ),
        (
            "GET /events/admin/{id}/leaderboard",
            Method::GET,
            format!("/events/admin/{event}/leaderboard"),
            None,
            Some(&owner),
        ),
        (
            "GET /events/admin/{id}/attendees",
            Method::GET,
            format!("/events/admin/{event}/attendees"),
            None,
            Some(&owner),
        ),
        (
            "GET /events/admin/{id}/votes",
            Method::GET,
            format!("/events/admin/{event}/votes"),
            None,
            Some(&owner),
        ),
        (
            "GET /events/admin/{id}/results",
            Method::GET,
            format!("/events/admin/{event}/results"),
            None,
            Some(&owner),
        ),
        (
            "GET /events/admin/{id}/results?format=html",
            Method::GET,
            format!("/events/admin/{event}/results?format=html"),
            None,
            Some(&owner),
        ),
        (
            "GET /events/admin/{id}/referrals",
            Method::GET,
            format!("/events/admin/{event}/referrals"),
            None,
            Some(&owner),
        ),
        (
            "GET /projects/mine",
            Method::GET,
            "/projects/mine".to_owned(),
            None,
            Some(&projects[0].1),
        ),
    ];
    let mut counts = Vec::new();
    for (name, method, uri, body, token) in routes {
        let app = if uri.starts_with("/events/admin") {
            t.admin()
        } else if uri.starts_with("/projects") {
            t.projects()
        } else {
            t.events()
        };
        counter.reset();
        let (status, answer) = t.call(app, method, &uri, body, token).await;
        assert_eq!(status, StatusCode::OK, "{name}: {answer}");
        counts.push((name, counter.count()));
    }
    counts
}

#[tokio::test]
async fn list_and_vote_routes_run_the_same_few_statements_for_5_or_50_projects() {
    let small = statements_per_request(5).await;
    let large = statements_per_request(50).await;
    assert_eq!(small, large, "no statement per row");
    assert_eq!(
        large,
        [
            ("GET /events/{id}", 1),
            ("GET /events/{id}/projects?leaderboard=true", 2),
            ("GET /events/{id}/projects?leaderboard=false", 2),
            // The bearer token's user, then the query.
            ("GET /events/", 2),
            // The bearer token's user, then the ballot itself: one statement (`cast_ballot`).
            ("POST /events/vote", 2),
            ("GET /events/admin/{id}/leaderboard", 3),
            ("GET /events/admin/{id}/attendees", 3),
            ("GET /events/admin/{id}/votes", 3),
            // The user, the event, then one read-only snapshot: BEGIN, projects with their
            // teams, votes, the people involved, referrals, COMMIT.
            ("GET /events/admin/{id}/results", 8),
            ("GET /events/admin/{id}/results?format=html", 8),
            ("GET /events/admin/{id}/referrals", 3),
            ("GET /projects/mine", 2),
        ]
    );
}

#[tokio::test]
async fn the_current_user_and_their_vote_ids_are_one_statement() {
    let (t, counter) = TestApp::counting().await;
    let token = t.user("me@example.com").await;
    counter.reset();
    let (status, me) = t
        .call(
            users::app(t.state.clone()),
            Method::GET,
            "/users/current",
            None,
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["vote_ids"], serde_json::json!([]));
    assert_eq!(counter.count(), 1);
}
