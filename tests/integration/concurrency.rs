//! The rules that must hold under concurrency (issue: "settled inside PostgreSQL"), each with
//! 50 parallel requests through the real routers: never more votes than allowed, never a 500.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use futures_util::future::join_all;
use podium_data::events::{self, NewEvent};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use podium_data::{EventId, ProjectId};

const PARALLEL: usize = 50;

/// Status → count, over every answer.
fn tally(answers: &[(StatusCode, Value)]) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for (status, _) in answers {
        *counts.entry(status.as_u16()).or_default() += 1;
    }
    counts
}

/// An open event with `projects` projects by a maker, and a voter who attends it.
async fn arena(projects: usize) -> (TestApp, EventId, Vec<ProjectId>, String) {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (maker, _) = t.person("maker@example.com").await;
    let (voter, _) = t.person("voter@example.com").await;
    let (event, code) = t.event(&owner, "Race").await;
    t.attend(&maker, &code).await;
    t.attend(&voter, &code).await;
    t.set_event(event, "votable", true).await;
    let mut ids = Vec::new();
    for i in 0..projects {
        ids.push(t.project(&maker, event, &format!("p{i:02}")).await.0);
    }
    (t, event, ids, voter)
}

#[tokio::test]
async fn a_burst_of_ballots_by_one_voter_never_stores_more_than_the_limit() {
    let (t, event, projects, voter) = arena(PARALLEL).await;
    let answers = join_all((0..PARALLEL).map(|i| {
        let body = json!({"event": event, "projects": [projects[i]]});
        t.call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(body),
            Some(&voter),
        )
    }))
    .await;
    // 50 projects: 3 votes each.
    assert_eq!(
        tally(&answers),
        BTreeMap::from([(200, 3), (400, PARALLEL - 3)]),
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|(s, b)| *s == StatusCode::OK
            || b == &json!({"detail": "You have no votes remaining."}))
    );
    assert_eq!(t.scalar("SELECT count(*) FROM votes").await, 3);
    assert_eq!(
        t.scalar("SELECT sum(points) FROM projects").await,
        3,
        "points equal accepted votes"
    );
}

#[tokio::test]
async fn a_burst_of_ballots_for_one_project_stores_one_vote() {
    let (t, event, projects, voter) = arena(20).await;
    let answers = join_all((0..PARALLEL).map(|_| {
        let body = json!({"event": event, "projects": [projects[0]]});
        t.call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(body),
            Some(&voter),
        )
    }))
    .await;
    assert_eq!(
        tally(&answers),
        BTreeMap::from([(200, 1), (400, PARALLEL - 1)])
    );
    assert!(answers.iter().all(|(s, b)| *s == StatusCode::OK
        || b == &json!({"detail": "User has already voted for this project"})));
    assert_eq!(t.scalar("SELECT count(*) FROM votes").await, 1);
    assert_eq!(t.scalar("SELECT sum(points) FROM projects").await, 1);
}

#[tokio::test]
async fn many_voters_at_once_each_get_their_votes_and_points_add_up() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "Crowd").await;
    t.attend(&owner, &code).await;
    t.set_event(event, "votable", true).await;
    let mut projects = Vec::new();
    for i in 0..20 {
        projects.push(t.project(&owner, event, &format!("p{i:02}")).await.0);
    }
    let mut voters = Vec::new();
    for i in 0..PARALLEL {
        let (token, _) = t.person(&format!("voter{i}@example.com")).await;
        t.attend(&token, &code).await;
        voters.push(token);
    }
    // Every voter spends all 3 votes, in orders that overlap (and so lock rows in different orders).
    let answers = join_all(voters.iter().enumerate().map(|(i, token)| {
        let picks: Vec<&ProjectId> = (0..3)
            .map(|k| &projects[(i * 7 + k * (1 + i % 3)) % 20])
            .collect();
        t.call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": picks})),
            Some(token),
        )
    }))
    .await;
    let accepted: usize = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(accepted, PARALLEL, "{answers:?}");
    assert_eq!(t.scalar("SELECT count(*) FROM votes").await, 150);
    assert_eq!(
        t.scalar("SELECT count(*) FROM projects p WHERE points <> (SELECT count(*) FROM votes v WHERE v.project_id = p.id)").await,
        0,
        "every project's points equal its votes"
    );
}

#[tokio::test]
async fn events_created_at_once_with_one_slug_give_one_event_and_400s() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let answers = join_all((0..PARALLEL).map(|i| {
        // Names differing in case and punctuation only: one slug.
        let name = if i % 2 == 0 {
            "Same Hack!"
        } else {
            "same  HACK"
        };
        t.call(
            t.events(),
            Method::POST,
            "/events/",
            Some(json!({"name": name})),
            Some(&owner),
        )
    }))
    .await;
    assert_eq!(
        tally(&answers),
        BTreeMap::from([(200, 1), (400, PARALLEL - 1)])
    );
    assert!(
        answers
            .iter()
            .all(|(s, b)| *s == StatusCode::OK
                || b == &json!({"detail": "Event slug already exists"}))
    );
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 1);
}

#[tokio::test]
async fn join_code_collisions_are_retried_by_the_database_not_refused() {
    let t = TestApp::new().await;
    let (_, owner) = t.person("owner@example.com").await;
    let owner: uuid::Uuid = owner.0;
    // Every creation first draws the same code; all but one collide and draw again.
    let created = join_all((0..PARALLEL).map(|i| {
        let pool = t.state.pool.clone();
        async move {
            let mut first = true;
            let event = NewEvent::december_2025(
                format!("E{i}"),
                format!("e{i}"),
                String::new(),
                false,
                false,
                owner.into(),
            );
            events::create(
                &pool,
                &event,
                move || {
                    if std::mem::take(&mut first) {
                        "SAME".to_owned()
                    } else {
                        events::new_join_code()
                    }
                },
                None,
            )
            .await
        }
    }))
    .await;
    let codes: std::collections::BTreeSet<String> = created
        .into_iter()
        .map(|c| c.expect("created").join_code)
        .collect();
    assert_eq!(codes.len(), PARALLEL);
    assert!(codes.contains("SAME"));
}

#[tokio::test]
async fn parallel_joins_of_one_event_or_project_by_one_user_store_one_row() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (hacker, _) = t.person("hacker@example.com").await;
    let (event, code) = t.event(&owner, "Door").await;
    let answers = join_all((0..PARALLEL).map(|_| {
        let (t, hacker) = (&t, &hacker);
        let uri = format!("/events/attend?join_code={code}&referral=burst");
        async move {
            t.call(t.events(), Method::POST, &uri, None, Some(hacker))
                .await
        }
    }))
    .await;
    assert_eq!(
        tally(&answers),
        BTreeMap::from([(200, 1), (400, PARALLEL - 1)])
    );
    assert_eq!(t.scalar("SELECT count(*) FROM event_attendees").await, 1);
    assert_eq!(
        t.scalar("SELECT count(*) FROM referrals").await,
        1,
        "one referral, from the join that counted"
    );

    let (mate, _) = t.person("mate@example.com").await;
    t.attend(&mate, &code).await;
    let (_, project_code) = t.project(&hacker, event, "Team").await;
    let answers = join_all((0..PARALLEL).map(|_| {
        let (t, mate) = (&t, &mate);
        let uri = format!("/projects/join?join_code={project_code}");
        async move {
            t.call(t.projects(), Method::POST, &uri, None, Some(mate))
                .await
        }
    }))
    .await;
    assert_eq!(
        tally(&answers),
        BTreeMap::from([(200, 1), (400, PARALLEL - 1)])
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM project_collaborators").await,
        1
    );
}

#[tokio::test]
async fn deleting_an_event_while_its_attendees_vote_never_answers_500_and_leaves_nothing() {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "Racing Delete").await;
    t.attend(&owner, &code).await;
    t.set_event(event, "votable", true).await;
    let mut projects = Vec::new();
    for i in 0..5 {
        projects.push(t.project(&owner, event, &format!("p{i}")).await.0);
    }
    let mut voters = Vec::new();
    for i in 0..PARALLEL {
        let (token, _) = t.person(&format!("v{i}@example.com")).await;
        t.attend(&token, &code).await;
        voters.push(token);
    }
    let uri = format!("/events/{event}");
    let delete = t.call(t.events(), Method::DELETE, &uri, None, Some(&owner));
    let votes = join_all(voters.iter().enumerate().map(|(i, token)| {
        let body = json!({"event": event, "projects": [projects[i % 5]]});
        t.call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(body),
            Some(token),
        )
    }));
    let (deleted, answers) = tokio::join!(delete, votes);
    assert_eq!(
        deleted,
        (StatusCode::OK, json!({"message": "Event deleted"}))
    );
    for (status, body) in &answers {
        assert!(
            *status == StatusCode::OK
                || (*status == StatusCode::NOT_FOUND
                    && body == &json!({"detail": "Event not found"})),
            "{status} {body}"
        );
    }
    for table in ["events", "projects", "votes", "event_attendees"] {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&t.state.pool)
                .await
                .expect("count");
        assert_eq!(count, 0, "{table}");
    }
}

/// Nobody holds a vote for a project they own or collaborate on: the count of such votes.
async fn votes_for_own_projects(t: &TestApp) -> i64 {
    t.scalar(
        "SELECT count(*) FROM votes v JOIN projects p ON p.id = v.project_id
         WHERE p.owner_id = v.voter_id
            OR EXISTS (SELECT 1 FROM project_collaborators c WHERE c.project_id = p.id AND c.user_id = v.voter_id)",
    )
    .await
}

#[tokio::test]
async fn joining_a_project_one_voted_for_withdraws_the_vote_and_racing_ballots_and_joins_never_leave_one()
 {
    // In order: vote for P, then join P's team: the vote is withdrawn and its point taken back.
    let (t, event, projects, voter) = arena(4).await;
    let code_of = async |project: &str| -> String {
        sqlx::query_scalar("SELECT join_code::text FROM projects WHERE id = $1::uuid")
            .bind(project)
            .fetch_one(&t.state.pool)
            .await
            .expect("code")
    };
    let vote = |project: &str| {
        let body = json!({"event": event, "projects": [project]});
        t.call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(body),
            Some(&voter),
        )
    };
    let join = async |code: String| {
        let uri = format!("/projects/join?join_code={code}");
        t.call(t.projects(), Method::POST, &uri, None, Some(&voter))
            .await
    };
    assert_eq!(vote(&projects[0].to_string()).await.0, StatusCode::OK);
    assert_eq!(
        join(code_of(&projects[0].to_string()).await).await,
        (
            StatusCode::OK,
            json!({"message": "Successfully joined project"})
        )
    );
    assert_eq!(votes_for_own_projects(&t).await, 0);
    assert_eq!(
        t.scalar("SELECT points::bigint FROM projects ORDER BY name LIMIT 1")
            .await,
        0,
        "the point went with the vote"
    );
    // The other order is refused by the ballot itself.
    assert_eq!(
        vote(&projects[0].to_string()).await.0,
        StatusCode::FORBIDDEN
    );

    // Racing: many voters each vote for a project and join it at the same moment, in both
    // orders; whatever wins, no vote for one's own project stays, and points equal the votes.
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (maker, _) = t.person("maker@example.com").await;
    let (event, code) = t.event(&owner, "Race").await;
    t.attend(&maker, &code).await;
    let mut targets = Vec::new();
    for i in 0..3 {
        targets.push(t.project(&maker, event, &format!("p{i}")).await);
    }
    let mut voters = Vec::new();
    for i in 0..24 {
        let (token, _) = t.person(&format!("racer{i}@example.com")).await;
        t.attend(&token, &code).await;
        voters.push(token);
    }
    t.set_event(event, "votable", true).await;
    let t = &t;
    let races = voters.iter().enumerate().map(|(i, token)| {
        let (project, join_code) = &targets[i % targets.len()];
        let ballot_body = json!({"event": event, "projects": [project]});
        let uri = format!("/projects/join?join_code={join_code}");
        async move {
            let ballot = t.call(
                t.events(),
                Method::POST,
                "/events/vote",
                Some(ballot_body),
                Some(token),
            );
            let joining = t.call(t.projects(), Method::POST, &uri, None, Some(token));
            if i % 2 == 0 {
                futures_util::join!(ballot, joining)
            } else {
                let (j, b) = futures_util::join!(joining, ballot);
                (b, j)
            }
        }
    });
    for (ballot, joined) in join_all(races).await {
        assert_eq!(joined.0, StatusCode::OK, "{joined:?}");
        assert!(
            [StatusCode::OK, StatusCode::FORBIDDEN].contains(&ballot.0),
            "{ballot:?}"
        );
    }
    assert_eq!(votes_for_own_projects(t).await, 0);
    assert_eq!(
        t.scalar(
            "SELECT count(*) FROM projects p
             WHERE p.points <> (SELECT count(*) FROM votes v WHERE v.project_id = p.id)"
        )
        .await,
        0,
        "points equal the votes"
    );
}
