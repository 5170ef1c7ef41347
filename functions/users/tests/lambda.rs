//! The users binary as a Lambda behind a function URL: payload 2.0 events in, HTTP responses out.

use podium_shared::migrations::{Migrator, Settings};
use podium_shared::testing::TestDb;
use podium_shared::testing::lambda::{LambdaProcess, function_url_event};
use serde_json::Value;

#[tokio::test]
async fn function_url_events_sign_up_and_look_up_a_user() {
    let db = TestDb::new().await;
    Migrator::embedded(Settings::default())
        .up(&mut db.connect().await, None)
        .await
        .expect("migrate");
    let url = db.url().expose().to_owned();
    let mut function = LambdaProcess::start(
        env!("CARGO_BIN_EXE_users"),
        &[("PODIUM_DATABASE_URL", &url), ("PODIUM_JWT_SECRET", "s")],
    )
    .await;

    let signup = function
        .invoke(function_url_event(
            "POST",
            "/users/",
            "",
            &[
                ("content-type", "application/json"),
                ("origin", "https://podium.example"),
            ],
            Some(r#"{"email": "Ada@Example.com", "first_name": "Ada", "display_name": "Ada L."}"#),
        ))
        .await;
    assert_eq!(
        (signup.kind, &signup.body["statusCode"]),
        ("response", &Value::from(200)),
        "{:?}",
        signup.body
    );
    assert_eq!(signup.body["headers"]["access-control-allow-origin"], "*");
    let created: Value =
        serde_json::from_str(signup.body["body"].as_str().expect("body")).expect("json");
    let id = created["id"].as_str().expect("id");

    let found = function
        .invoke(function_url_event(
            "GET",
            &format!("/users/{id}"),
            "",
            &[],
            None,
        ))
        .await;
    assert_eq!(found.body["statusCode"], 200);
    assert_eq!(
        found.body["body"],
        format!(r#"{{"id":"{id}","display_name":"Ada L."}}"#)
    );
    let exists = function
        .invoke(function_url_event(
            "GET",
            "/users/exists",
            "email=ada%40example.com",
            &[],
            None,
        ))
        .await;
    assert_eq!(exists.body["body"], r#"{"exists":true}"#);
    let bad = function
        .invoke(function_url_event("GET", "/users/nope", "", &[], None))
        .await;
    assert_eq!(
        (&bad.body["statusCode"], &bad.body["body"]),
        (
            &Value::from(422),
            &Value::from(
                r#"{"detail":[{"type":"uuid_parsing","loc":["path","user_id"],"msg":"Input should be a valid UUID"}]}"#
            )
        )
    );
    let logs = function.stop();
    assert!(
        logs.contains(&format!("\"request_id\":\"{}\"", "req-1")) || logs.contains("request_id"),
        "{logs}"
    );
}
