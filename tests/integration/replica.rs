//! A read replica (`PODIUM_DATABASE_URL_RO`): the public read routes read it, everything else
//! (writes, and reads that must see the caller's own writes) the primary. Two databases stand
//! in for primary and replica, holding different rows under the same ids, so each answer shows
//! where it was read.

use axum::http::{Method, StatusCode};
use podium_testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Copies the primary's users, events, attendees and projects into the replica, renaming
/// what a route shows so its answer says which database it came from.
async fn diverge(primary: &TestApp, replica: &TestDb) {
    let mut conn = replica.connect().await;
    for (table, rename) in [
        ("users", "display_name = 'replica ' || display_name"),
        ("events", "name = 'replica ' || name"),
        ("event_attendees", ""),
        ("projects", "name = 'replica ' || name"),
    ] {
        let rows: Vec<Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT to_jsonb(t) FROM {table} t"
        )))
        .fetch_all(&primary.state.pool)
        .await
        .expect("read primary");
        for row in rows {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, $1)"
            )))
            .bind(row)
            .execute(&mut conn)
            .await
            .expect("copy");
        }
        if !rename.is_empty() {
            sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET {rename}")))
                .execute(&mut conn)
                .await
                .expect("rename");
        }
    }
}

#[tokio::test]
async fn public_reads_go_to_the_replica_and_everything_else_to_the_primary() {
    let mut t = TestApp::new().await;
    let (token, user) = t.person("ada@example.com").await;
    let (event, code) = t.event(&token, "Hack Night").await;
    t.attend(&token, &code).await;
    sqlx::query("UPDATE events SET feature_flags_csv = 'test-series' WHERE id = $1::uuid")
        .bind(event)
        .execute(&t.state.pool)
        .await
        .expect("series");
    let (project, _) = t.project(&token, event, "Rocket").await;
    let replica = TestDb::migrated().await;
    diverge(&t, &replica).await;
    t.state.reader = podium_data::db::lazy_pool(replica.url(), "podium-tests-replica", 4);

    let get = |app: axum::Router, uri: String| {
        let t = &t;
        let token = token.clone();
        async move {
            let (status, body) = t.call(app, Method::GET, &uri, None, Some(&token)).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {body}");
            body
        }
    };
    // Read from the replica.
    assert_eq!(
        get(t.events(), format!("/events/{event}")).await["name"],
        "replica Hack Night"
    );
    assert_eq!(
        get(t.events(), "/events/official".to_owned()).await[0]["name"],
        "replica Hack Night"
    );
    assert_eq!(
        get(
            t.events(),
            format!("/events/{event}/projects?leaderboard=false")
        )
        .await[0]["name"],
        "replica Rocket"
    );
    assert_eq!(
        get(t.projects(), format!("/projects/{project}")).await["name"],
        "replica Rocket"
    );
    let users = users::app(t.state.clone());
    assert_eq!(
        get(users.clone(), format!("/users/{user}")).await["display_name"],
        "replica Test"
    );
    // Read from the primary: the caller's own things, and what admins manage.
    assert_eq!(
        get(users.clone(), "/users/current".to_owned()).await["display_name"],
        "Test"
    );
    assert_eq!(
        get(t.projects(), "/projects/mine".to_owned()).await[0]["name"],
        "Rocket"
    );
    assert_eq!(
        get(t.events(), "/events/".to_owned()).await["attending_events"][0]["name"],
        "Hack Night"
    );
    assert_eq!(
        get(t.admin(), format!("/events/admin/{event}")).await["name"],
        "Hack Night"
    );
    // Writes go to the primary (so the replica, which nothing replicates to here, lacks them).
    let (status, _) = t
        .call(
            users.clone(),
            Method::POST,
            "/users/",
            Some(json!({"email": "new@example.com", "first_name": "New"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        t.scalar("SELECT count(*) FROM users WHERE email = 'new@example.com'")
            .await,
        1
    );
    assert_eq!(
        get(users, "/users/exists?email=new@example.com".to_owned()).await,
        json!({"exists": false}),
        "exists reads the replica"
    );
}
