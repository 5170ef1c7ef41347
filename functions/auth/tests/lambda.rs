//! The auth binary as a Lambda behind a function URL: payload 2.0 events in, HTTP responses out.

use podium_testing::lambda::{LambdaProcess, function_url_event};
use serde_json::Value;

#[tokio::test]
async fn function_url_events_request_a_login_link_without_a_mail_provider() {
    let (db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_auth")).await;
    let mut conn = db.connect().await;
    sqlx::raw_sql(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country)
         VALUES (gen_random_uuid(), 'ada@example.com', '', 'Ada', '', '', '', '', '', '', '', '')",
    )
    .execute(&mut conn)
    .await
    .expect("user");

    let event = function_url_event(
        "POST",
        "/request-login",
        "redirect=%2Fevents",
        &[("content-type", "application/json")],
        Some(r#"{"email": "ada@example.com"}"#),
    );
    let answer = function.invoke(event).await;
    assert_eq!(
        (
            answer.kind,
            &answer.body["statusCode"],
            &answer.body["body"]
        ),
        ("response", &Value::from(200), &Value::from("null")),
        "{:?}",
        answer.body
    );
    let unknown = function
        .invoke(function_url_event(
            "POST",
            "/request-login",
            "redirect=",
            &[("content-type", "application/json")],
            Some(r#"{"email": "x@example.com"}"#),
        ))
        .await;
    assert_eq!(
        (&unknown.body["statusCode"], &unknown.body["body"]),
        (
            &Value::from(404),
            &Value::from(r#"{"detail":"User not found"}"#)
        )
    );
    let logs = function.stop();
    assert!(
        logs.contains("/login?token=") && logs.contains("redirect=%2Fevents"),
        "without a Loops key the link is logged: {logs}"
    );
}
