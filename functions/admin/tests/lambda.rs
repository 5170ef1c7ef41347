//! The admin binary as a Lambda behind a function URL in streaming mode
//! (`InvokeMode: RESPONSE_STREAM`): payload 2.0 events in, a prelude and a body stream out, so an
//! event's votes or attendees larger than a buffered response's 6 MB go out whole, with the
//! function's memory bounded whatever the list's size.

use podium_http::jwt::{ACCESS, JwtSecret};
use podium_testing::lambda::{JWT_SECRET, LambdaProcess, function_url_event};
use serde_json::Value;

/// A buffered Lambda response may be at most 6 MB.
const BUFFERED_LIMIT: usize = 6 * 1024 * 1024;

fn bearer(email: &str) -> String {
    format!(
        "Bearer {}",
        JwtSecret::new(JWT_SECRET).issue(email, ACCESS, 5).0
    )
}

#[tokio::test]
async fn function_url_events_reach_the_admin_routes_and_refuse_non_owners() {
    let (db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_admin")).await;
    let mut conn = db.connect().await;
    sqlx::query("INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country) VALUES (gen_random_uuid(), 'ada@example.com', '', 'Ada', '', '', '', '', '', '', '', '')")
        .execute(&mut conn)
        .await
        .expect("user");
    let authorization = bearer("ada@example.com");
    let answer = function
        .invoke(function_url_event(
            "GET",
            "/events/admin/00000000-0000-0000-0000-000000000000/attendees",
            "",
            &[("authorization", &authorization)],
            None,
        ))
        .await;
    assert_eq!(answer.kind, "stream", "{:?}", answer.body);
    assert_eq!(
        (&answer.body["prelude"]["statusCode"], &answer.body["body"]),
        (
            &Value::from(403),
            &Value::from(r#"{"detail":"You don't have permission to do this"}"#)
        )
    );
    function.stop();
}

/// 100,000 votes (20,000 voters, five each, over 50 projects) and the 20,000 attendees: each
/// list is larger than a buffered answer may be, arrives whole and in order, and the function's
/// peak memory grows by a few MB, not by the answer's size (built whole, it grew by 68 MB).
#[tokio::test]
async fn an_event_of_100k_votes_streams_its_lists_through_the_runtime_in_bounded_memory() {
    let (db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_admin")).await;
    let mut conn = db.connect().await;
    sqlx::raw_sql(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country)
         VALUES ('00000000-0000-0000-0000-0000000000aa', 'owner@example.com', 'Owner', 'O', '',
                 '', '', '', '', '', '', '');
         INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                             ysws_checks_enabled, feature_flags_csv, owner_id, phase)
         VALUES ('00000000-0000-0000-0000-0000000000ee', 'Big', 'big', '', 'BIG1', false, false,
                 '', '00000000-0000-0000-0000-0000000000aa', 'voting');
         INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                               hours_spent, points, owner_id, event_id)
         SELECT ('00000000-0000-0000-0001-' || lpad(n::text, 12, '0'))::uuid, 'P' || n, '', '',
                '', '', 'J' || n, 1, 0, '00000000-0000-0000-0000-0000000000aa',
                '00000000-0000-0000-0000-0000000000ee'
         FROM generate_series(1, 50) n;
         INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country)
         SELECT ('00000000-0000-0000-0002-' || lpad(n::text, 12, '0'))::uuid,
                'voter' || lpad(n::text, 5, '0') || '@example.com', 'Voter ' || lpad(n::text, 5, '0'),
                'V', '', '', '', '', '', '', '', ''
         FROM generate_series(1, 20000) n;
         INSERT INTO event_attendees (event_id, user_id)
         SELECT '00000000-0000-0000-0000-0000000000ee', id FROM users WHERE email LIKE 'voter%';
         INSERT INTO votes (id, voter_id, project_id, event_id)
         SELECT gen_random_uuid(), ('00000000-0000-0000-0002-' || lpad(v::text, 12, '0'))::uuid,
                ('00000000-0000-0000-0001-' || lpad(((v + k) % 50 + 1)::text, 12, '0'))::uuid,
                '00000000-0000-0000-0000-0000000000ee'
         FROM generate_series(1, 20000) v, generate_series(1, 5) k;
         ANALYZE;",
    )
    .execute(&mut conn)
    .await
    .expect("data");
    let (ids, in_order): (i64, bool) = sqlx::query_as(
        "SELECT count(*), bool_and(id::text > lag) FROM (
             SELECT id, coalesce(lag(id::text) OVER (ORDER BY id), '') AS lag FROM votes) v",
    )
    .fetch_one(&mut conn)
    .await
    .expect("votes");
    assert_eq!((ids, in_order), (100_000, true));
    let authorization = bearer("owner@example.com");
    let before = function.peak_memory_kib().expect("VmHWM");

    let votes = function
        .invoke(function_url_event(
            "GET",
            "/events/admin/00000000-0000-0000-0000-0000000000ee/votes",
            "",
            &[("authorization", &authorization)],
            None,
        ))
        .await;
    assert_eq!(votes.kind, "stream", "{:?}", votes.body["prelude"]);
    assert_eq!(votes.body["prelude"]["statusCode"], 200);
    assert_eq!(
        votes.body["prelude"]["headers"]["content-type"],
        "application/json"
    );
    let text = votes.body["body"].as_str().expect("body");
    assert!(text.len() > BUFFERED_LIMIT, "{} bytes", text.len());
    let list: Vec<Value> = serde_json::from_str(text).expect("one JSON array");
    assert_eq!(list.len(), 100_000);
    let expected: Vec<String> = sqlx::query_scalar("SELECT id::text FROM votes ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .expect("ids");
    assert!(
        list.iter()
            .map(|v| v["id"].as_str())
            .eq(expected.iter().map(|id| Some(id.as_str()))),
        "every vote, in id order"
    );
    assert_eq!(
        list[0]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(
            ["id", "voter_id", "project_id", "event_id"]
                .map(String::from)
                .to_vec()
        )
    );

    let attendees = function
        .invoke(function_url_event(
            "GET",
            "/events/admin/00000000-0000-0000-0000-0000000000ee/attendees",
            "",
            &[("authorization", &authorization)],
            None,
        ))
        .await;
    assert_eq!(attendees.body["prelude"]["statusCode"], 200);
    let list: Vec<Value> =
        serde_json::from_str(attendees.body["body"].as_str().expect("body")).expect("JSON");
    assert_eq!(list.len(), 20_000);
    assert_eq!(list[0]["display_name"], "Voter 00001");
    assert_eq!(list[19_999]["email"], "voter20000@example.com");

    let after = function.peak_memory_kib().expect("VmHWM");
    assert!(
        after.saturating_sub(before) < 16 * 1024,
        "peak memory grew from {before} KiB to {after} KiB serving a {} byte list",
        text.len()
    );
    function.stop();
}
