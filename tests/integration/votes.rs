//! `POST /events/vote`: every check in the contract's order, and what a ballot stores.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use podium_data::{EventId, ProjectId};

/// An event open for voting with `projects` projects by `maker`, and a voter who attends it.
struct Ballot {
    t: TestApp,
    event: EventId,
    projects: Vec<ProjectId>,
    voter: String,
    maker: String,
}

impl Ballot {
    async fn new(projects: usize) -> Self {
        let t = TestApp::new().await;
        let (owner, _) = t.person("owner@example.com").await;
        let (maker, _) = t.person("maker@example.com").await;
        let (voter, _) = t.person("voter@example.com").await;
        let (event, code) = t.event(&owner, "Vote Here").await;
        t.attend(&maker, &code).await;
        t.attend(&voter, &code).await;
        t.set_event(event, "votable", true).await;
        let mut ids = Vec::new();
        for i in 0..projects {
            ids.push(t.project(&maker, event, &format!("p{i:02}")).await.0);
        }
        Self {
            t,
            event,
            projects: ids,
            voter,
            maker,
        }
    }

    async fn vote(&self, token: Option<&str>, projects: Value) -> (StatusCode, Value) {
        self.t
            .call(
                self.t.events(),
                Method::POST,
                "/events/vote",
                Some(json!({"event": self.event, "projects": projects})),
                token,
            )
            .await
    }
}

#[tokio::test]
async fn a_ballot_stores_one_vote_per_distinct_project_and_adds_a_point_to_each() {
    let b = Ballot::new(4).await;
    let (p0, p1) = (&b.projects[0], &b.projects[1]);
    assert_eq!(
        b.vote(Some(&b.voter), json!([p0, p1, p0])).await,
        (StatusCode::OK, json!({"message": "Votes recorded"}))
    );
    let stored: Vec<(ProjectId, EventId, String)> = sqlx::query_as(
        "SELECT v.project_id, v.event_id, u.email FROM votes v JOIN users u ON u.id = v.voter_id ORDER BY 1",
    )
    .fetch_all(&b.t.state.pool)
    .await
    .expect("votes");
    let mut expected = vec![*p0, *p1];
    expected.sort();
    assert_eq!(
        stored,
        expected
            .into_iter()
            .map(|p| (p, b.event, "voter@example.com".to_owned()))
            .collect::<Vec<_>>()
    );
    assert_eq!(b.t.scalar("SELECT sum(points) FROM projects").await, 2);
    // Nothing left (2 of 2 used): the 7.9 wording, never "0 vote(s)".
    assert_eq!(
        b.vote(Some(&b.voter), json!([b.projects[2]])).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "You have no votes remaining."})
        )
    );
    // An empty ballot is fine and changes nothing.
    assert_eq!(b.vote(Some(&b.voter), json!([])).await.0, StatusCode::OK);
    assert_eq!(b.t.scalar("SELECT count(*) FROM votes").await, 2);
}

#[tokio::test]
async fn every_refusal_answers_its_contract_text_in_order_and_writes_nothing() {
    let b = Ballot::new(4).await;
    let t = &b.t;
    let (stranger, _) = t.person("stranger@example.com").await;
    let (mate, _) = t.person("mate@example.com").await;
    let code: String = sqlx::query_scalar("SELECT join_code FROM events")
        .fetch_one(&t.state.pool)
        .await
        .expect("code");
    t.attend(&mate, &code).await;
    let mate_code: String = sqlx::query_scalar("SELECT join_code FROM projects WHERE name = 'p03'")
        .fetch_one(&t.state.pool)
        .await
        .expect("code");
    t.call(
        t.projects(),
        Method::POST,
        &format!("/projects/join?join_code={mate_code}"),
        None,
        Some(&mate),
    )
    .await;
    let (other_event, other_code) = t.event(&stranger, "Elsewhere").await;
    t.attend(&stranger, &other_code).await;
    let (elsewhere, _) = t.project(&stranger, other_event, "far").await;
    let p = &b.projects;

    let unknown_event = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": uuid::Uuid::new_v4(), "projects": [p[0]]})),
            Some(&b.voter),
        )
        .await;
    assert_eq!(
        unknown_event,
        (StatusCode::NOT_FOUND, json!({"detail": "Event not found"}))
    );
    assert_eq!(
        b.vote(Some(&stranger), json!([p[0]])).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
    assert_eq!(
        b.vote(Some(&b.voter), json!([p[0], p[1], p[2]])).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Cannot vote for 3 projects. You have 2 vote(s) remaining."})
        )
    );
    assert_eq!(
        b.vote(Some(&b.voter), json!([p[0], uuid::Uuid::new_v4()]))
            .await,
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Project not found"})
        )
    );
    assert_eq!(
        b.vote(Some(&b.voter), json!([elsewhere])).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Project is not in the event"})
        )
    );
    assert_eq!(
        b.vote(Some(&b.maker), json!([p[0]])).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "User cannot vote for their own project"})
        )
    );
    assert_eq!(
        b.vote(Some(&mate), json!([p[3]])).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "User cannot vote for their own project"})
        ),
        "collaborators may not vote for their project either"
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM votes").await,
        0,
        "refusals write nothing"
    );
    assert_eq!(
        b.vote(Some(&b.voter), json!([p[0]])).await.0,
        StatusCode::OK
    );
    assert_eq!(
        b.vote(Some(&b.voter), json!([p[0]])).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "User has already voted for this project"})
        )
    );
    assert_eq!(t.scalar("SELECT sum(points) FROM projects").await, 1);
    // Contract 7.4: a closed event refuses votes right after the event-exists check; only the
    // voting phase (with or without a live leaderboard) takes them.
    t.set_event(b.event, "votable", false).await;
    for (phase, live) in [("draft", false), ("submission", false), ("closed", false)] {
        t.set_phase(b.event, phase, live).await;
        assert_eq!(
            b.vote(Some(&stranger), json!([p[1]])).await,
            (
                StatusCode::FORBIDDEN,
                json!({"detail": "Voting is not open for this event"})
            ),
            "{phase}"
        );
    }
    t.set_phase(b.event, "voting", true).await;
    assert_eq!(
        b.vote(Some(&b.voter), json!([p[1]])).await.0,
        StatusCode::OK,
        "voting with a live leaderboard"
    );
    t.set_phase(b.event, "closed", false).await;
    // Auth and input come first.
    assert_eq!(
        b.vote(None, json!([p[1]])).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = b.vote(Some(&b.voter), json!(["not-a-uuid"])).await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!(["body", "projects", 0])
        )
    );
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"projects": []})),
            Some(&b.voter),
        )
        .await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["body", "event"]))
    );
}

#[tokio::test]
async fn the_databases_vote_limit_is_the_apis() {
    let t = TestApp::new().await;
    for count in 0..=30_i64 {
        let sql: i64 = sqlx::query_scalar("SELECT max_votes_per_user($1)")
            .bind(count)
            .fetch_one(&t.state.pool)
            .await
            .expect("limit");
        assert_eq!(
            sql,
            i64::from(podium_data::events::max_votes_per_user(count)),
            "{count} projects"
        );
    }
}

#[tokio::test]
async fn a_ballot_longer_than_any_event_allows_is_refused_before_any_rule_runs() {
    let b = Ballot::new(4).await;
    // 50 000 ids (2 MB): before, deduplicating them cost seconds of CPU before any check.
    let ids: Vec<String> = (0..50_000)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let started = std::time::Instant::now();
    let (status, body) = b.vote(Some(&b.voter), json!(ids)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{
                "type": "too_long",
                "loc": ["body", "projects"],
                "msg": "List should have at most 100 items after validation, not 50000",
                "ctx": {"field_type": "List", "max_length": 100, "actual_length": 50000}
            }]})
        )
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // A long list of duplicates within the bound is still one vote.
    let p0 = &b.projects[0];
    let (status, _) = b.vote(Some(&b.voter), json!(vec![p0; 100])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        b.t.scalar("SELECT count(*) FROM votes").await,
        1,
        "duplicates count once"
    );
}
