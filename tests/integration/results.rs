//! `GET /events/admin/{event_id}/results` through the admin function against a real
//! PostgreSQL: an event built through the API whose standings, participation, flags and recount
//! are worked out by hand; the route's refusals; the CSV and HTML downloads with hostile names.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use podium_data::{EventId, ProjectId, UserId};
use serde_json::{Value, json};

use crate::helpers::{TestApp, send};

/// Five solo projects P0..P4 (makers m0..m4), ten hackers h0..h9 who joined a day ago and voted
/// 20 hours ago (h0..h5 for P0 and P1, h6..h9 for P2 and P3; m3 for P4, m4 for P3), and four
/// accounts n0..n3 that joined just now and voted at once, each for P4 and for P0..P3 in turn.
struct Scenario {
    t: TestApp,
    owner: String,
    event: EventId,
    projects: Vec<ProjectId>,
    hackers: Vec<UserId>,
    newcomers: Vec<UserId>,
}

async fn vote(t: &TestApp, token: &str, event: EventId, projects: &[ProjectId]) {
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": event, "projects": projects})),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn join(t: &TestApp, token: &str, code: &str, referral: &str) {
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            &format!("/events/attend?join_code={code}&referral={referral}"),
            None,
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn scenario() -> Scenario {
    let t = TestApp::new().await;
    let (owner, _) = t.person("owner@example.com").await;
    let (event, code) = t.event(&owner, "Results Jam").await;
    let mut projects = Vec::new();
    let mut maker_tokens = Vec::new();
    for i in 0..5 {
        let (token, _) = t.person(&format!("m{i}@example.com")).await;
        join(&t, &token, &code, "").await;
        projects.push(t.project(&token, event, &format!("P{i}")).await.0);
        maker_tokens.push(token);
    }
    let mut hackers = Vec::new();
    let mut hacker_tokens = Vec::new();
    for i in 0..10 {
        let (token, id) = t.person(&format!("h{i}@example.com")).await;
        // h0 heard of the event from m0, by e-mail address.
        let referral = if i == 0 {
            "m0%40example.com%20sent%20me"
        } else {
            ""
        };
        join(&t, &token, &code, referral).await;
        hackers.push(id);
        hacker_tokens.push(token);
    }
    t.set_event(event, "votable", true).await;
    for (i, token) in hacker_tokens.iter().enumerate() {
        let pair = if i < 6 { [0, 1] } else { [2, 3] };
        vote(&t, token, event, &[projects[pair[0]], projects[pair[1]]]).await;
    }
    vote(&t, &maker_tokens[3], event, &[projects[4]]).await;
    vote(&t, &maker_tokens[4], event, &[projects[3]]).await;
    // Everyone so far joined a day ago and voted 20 hours ago.
    sqlx::query(
        "UPDATE event_attendees SET joined_at = now() - interval '1 day' WHERE event_id = $1;",
    )
    .bind(event)
    .execute(&t.state.pool)
    .await
    .expect("joined_at");
    sqlx::query("UPDATE votes SET cast_at = now() - interval '20 hours' WHERE event_id = $1")
        .bind(event)
        .execute(&t.state.pool)
        .await
        .expect("cast_at");
    let mut newcomers = Vec::new();
    for i in 0..4 {
        let (token, id) = t.person(&format!("n{i}@example.com")).await;
        join(&t, &token, &code, "").await;
        vote(&t, &token, event, &[projects[4], projects[i]]).await;
        newcomers.push(id);
    }
    Scenario {
        t,
        owner,
        event,
        projects,
        hackers,
        newcomers,
    }
}

async fn results(s: &Scenario, query: &str, token: Option<&str>) -> (StatusCode, Value) {
    s.t.call(
        s.t.admin(),
        Method::GET,
        &format!("/events/admin/{}/results{query}", s.event),
        None,
        token,
    )
    .await
}

#[tokio::test]
async fn an_events_results_give_standings_participation_flags_and_the_recount_worked_out_by_hand() {
    let s = scenario().await;
    let (status, body) = results(&s, "", Some(&s.owner)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let p = |i: usize| json!(s.projects[i]);
    assert_eq!(body["event_id"], json!(s.event));
    assert_eq!(
        (body["places"].clone(), body["rounds"].clone()),
        (json!(3), json!(2000))
    );
    // Points: P0 6 + n0 = 7, P1 6 + n1 = 7, P3 4 + m4 + n3 = 6, P2 4 + n2 = 5, P4 m3 + 4 = 5.
    let table: Vec<Value> = body["standings"]
        .as_array()
        .expect("standings")
        .iter()
        .map(|s| {
            json!([
                s["project_id"],
                s["name"],
                s["points"],
                s["votes"],
                s["place"]
            ])
        })
        .collect();
    assert_eq!(
        table,
        vec![
            json!([p(0), "P0", 7, 7, 1]),
            json!([p(1), "P1", 7, 7, 1]),
            json!([p(3), "P3", 6, 6, 3]),
            json!([p(2), "P2", 5, 5, 4]),
            json!([p(4), "P4", 5, 5, 4]),
        ]
    );
    let standings = body["standings"].as_array().expect("standings");
    let sum = |key: &str| {
        standings
            .iter()
            .map(|s| s[key].as_f64().expect("chance"))
            .sum::<f64>()
    };
    assert!((sum("chance_first") - 1.0).abs() < 1e-9);
    assert!((sum("chance_top") - 3.0).abs() < 1e-9);
    for s in standings {
        let (low, place, high) = (&s["place_low"], &s["place"], &s["place_high"]);
        assert!(
            low.as_u64() <= place.as_u64() && place.as_u64() <= high.as_u64(),
            "{s}"
        );
    }
    // P0 and P1 tie for first: too close to call at place 1.
    let first_line = &body["too_close"][0];
    assert_eq!(first_line["place"], 1);
    assert!(
        first_line["project_ids"]
            .as_array()
            .expect("ids")
            .contains(&p(0))
    );
    assert_eq!(
        body["participation"],
        json!({
            "attendees": 19, "voters": 16, "votes_cast": 30, "votes_available": 38,
            "votes_per_attendee": 2, "votes_with_time": 30,
            "votes_per_project": [
                {"project_id": p(0), "votes": 7}, {"project_id": p(1), "votes": 7},
                {"project_id": p(3), "votes": 6}, {"project_id": p(2), "votes": 5},
                {"project_id": p(4), "votes": 5},
            ],
        })
    );
    let flags = body["flags"].as_array().expect("flags");
    let summary: Vec<Value> = flags
        .iter()
        .map(|f| json!([f["code"], f["votes"], f["observed"], f["threshold"]]))
        .collect();
    let vote_of =
        |voter: UserId, project: usize| json!({"voter_id": voter, "project_id": p(project)});
    assert_eq!(
        summary,
        vec![
            // h0's vote for P0, whose maker their referral names; no threshold: every such vote.
            json!(["referral_link", [vote_of(s.hackers[0], 0)], 1, null]),
            // The four new accounts' votes for P4, cast within minutes of joining.
            json!([
                "new_account_burst",
                (0..4)
                    .map(|i| vote_of(s.newcomers[i], 4))
                    .collect::<Vec<_>>(),
                4,
                0.05 / 5.0
            ]),
        ],
        "{body:#}"
    );
    // Of the 15 voters with no link to P0's team, 6 voted for it: (6 + 1) / (15 + 2).
    assert!((flags[0]["chance"].as_f64().expect("chance") - 7.0 / 17.0).abs() < 1e-12);
    // Of the 12 voters who had not just joined, only m3 voted for P4: 2/14, to the fourth power.
    assert!((flags[1]["chance"].as_f64().expect("chance") - (1.0f64 / 7.0).powi(4)).abs() < 1e-15);
    assert!(
        flags[1]["explanation"]
            .as_str()
            .expect("text")
            .starts_with("4 votes for “P4” were cast between "),
        "{}",
        flags[1]["explanation"]
    );
    // Without the five flagged votes: P1 7, P0 6, P3 6, P2 5, P4 1; P0 drops from first.
    assert_eq!(
        body["without_flagged"],
        json!({
            "votes_removed": 5,
            "prizes_change": true,
            "standings": [
                {"project_id": p(1), "points": 7, "place": 1},
                {"project_id": p(0), "points": 6, "place": 2},
                {"project_id": p(3), "points": 6, "place": 2},
                {"project_id": p(2), "points": 5, "place": 4},
                {"project_id": p(4), "points": 1, "place": 5},
            ],
        })
    );
    // Flags change no count: the leaderboard still has the flagged votes.
    let (_, board) =
        s.t.call(
            s.t.admin(),
            Method::GET,
            &format!("/events/admin/{}/leaderboard", s.event),
            None,
            Some(&s.owner),
        )
        .await;
    assert_eq!(board[0]["points"], 7);
    // The same votes give the same answer, to the last digit.
    let (_, again) = results(&s, "", Some(&s.owner)).await;
    assert_eq!(again, body);
}

#[tokio::test]
async fn results_are_for_event_admins_and_take_only_valid_places_and_formats() {
    let s = scenario().await;
    let (stranger, _) = s.t.person("stranger@example.com").await;
    let (status, body) = results(&s, "", Some(&stranger)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You don't have permission to do this"})
        )
    );
    let (status, _) = results(&s, "", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (admin, _) = s.t.superadmin_person("root@example.com").await;
    let (status, body) = results(&s, "?places=1", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["places"], 1);
    for (query, issue) in [
        (
            "?places=0",
            json!({"type": "greater_than_equal", "loc": ["query", "places"], "msg": "Input should be greater than or equal to 1", "ctx": {"ge": 1}}),
        ),
        (
            "?places=101",
            json!({"type": "less_than_equal", "loc": ["query", "places"], "msg": "Input should be less than or equal to 100", "ctx": {"le": 100}}),
        ),
        (
            "?places=three",
            json!({"type": "int_parsing", "loc": ["query", "places"], "msg": "Input should be a valid integer, unable to parse string as an integer"}),
        ),
        (
            "?format=pdf",
            json!({"type": "enum", "loc": ["query", "format"], "msg": "Input should be 'json', 'csv' or 'html'", "ctx": {"expected": "'json', 'csv' or 'html'"}}),
        ),
    ] {
        // A bad parameter is a 422 for anyone signed in, before the admin check.
        for token in [&s.owner, &stranger] {
            let (status, body) = results(&s, query, Some(token)).await;
            assert_eq!(
                (status, body),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"detail": [issue.clone()]})
                ),
                "{query}"
            );
        }
    }
}

async fn download(s: &Scenario, format: &str) -> (axum::http::HeaderMap, String) {
    let request = Request::builder()
        .uri(format!("/events/admin/{}/results?format={format}", s.event))
        .header("authorization", format!("Bearer {}", s.owner))
        .body(Body::empty())
        .expect("request");
    let (status, headers, body) = send(s.t.admin(), request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (headers, body)
}

#[tokio::test]
async fn the_csv_and_html_reports_are_downloads_that_escape_every_name_and_load_nothing() {
    let s = scenario().await;
    let hostile = "<script>alert(1)</script> & \"x\"";
    sqlx::query("UPDATE projects SET name = $2 WHERE id = $1")
        .bind(s.projects[2])
        .bind(hostile)
        .execute(&s.t.state.pool)
        .await
        .expect("rename");
    sqlx::query("UPDATE projects SET name = '=HYPERLINK(\"https://evil.example\")' WHERE id = $1")
        .bind(s.projects[3])
        .execute(&s.t.state.pool)
        .await
        .expect("rename");
    let today = chrono::Utc::now().format("%Y-%m-%d");
    let (headers, csv) = download(&s, "csv").await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=results-results-jam-{}.csv", today).as_str()
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "place,project,project_id,points,votes,place_low,place_high,chance_first,chance_top_3,flagged_votes,points_without_flagged,place_without_flagged"
    );
    assert_eq!(lines.len(), 6);
    let row = |i: usize| {
        lines
            .iter()
            .find(|l| l.contains(&s.projects[i].to_string()))
            .expect("row")
    };
    assert!(
        row(3).starts_with("3,\"'=HYPERLINK(\"\"https://evil.example\"\")\","),
        "{}",
        row(3)
    );
    assert!(row(4).ends_with(",4,1,5"), "{}", row(4));

    let (headers, html) = download(&s, "html").await;
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=results-results-jam-{}.html", today).as_str()
    );
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "private, no-store");
    // Voters are not named in the report to hand out: no user id appears in it.
    let voter = sqlx::query_scalar::<_, uuid::Uuid>("SELECT voter_id FROM votes LIMIT 1")
        .fetch_one(&s.t.state.pool)
        .await
        .expect("a voter");
    assert!(!html.contains(&voter.to_string()));
    // Askama's escapes: numeric character references.
    assert!(html.contains("<td>&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;x&#34;</td>"));
    assert!(!html.contains("<script"), "no script");
    // Nothing to fetch: no src or href, and the only URL is SVG's namespace name.
    assert!(!html.contains("src=") && !html.contains("href="));
    let urls: Vec<&str> = html
        .match_indices("http")
        .filter(|(at, _)| !html[*at..].starts_with("http-equiv"))
        .map(|(at, _)| &html[at..(at + 26).min(html.len())])
        .filter(|u| {
            !u.starts_with("http://www.w3.org/2000/svg") && !u.starts_with("https://evil.exam")
        })
        .collect();
    assert_eq!(urls, Vec::<&str>::new(), "only the project's name, as text");
    // Three charts: places with intervals, votes per project, votes over time.
    assert_eq!(html.matches("<svg ").count(), 3);
    assert!(html.contains("30 of 30 votes have a known time"));
    assert!(html.contains("Results: Results Jam"));
}
