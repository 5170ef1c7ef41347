//! The admin binary as a Lambda behind a function URL: payload 2.0 events in, HTTP out.

use podium_http::jwt::{ACCESS, JwtSecret};
use podium_testing::lambda::{JWT_SECRET, LambdaProcess, function_url_event};
use serde_json::Value;

#[tokio::test]
async fn function_url_events_reach_the_admin_routes_and_refuse_non_owners() {
    let (db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_admin")).await;
    let mut conn = db.connect().await;
    sqlx::query("INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country) VALUES (gen_random_uuid(), 'ada@example.com', '', 'Ada', '', '', '', '', '', '', '', '')")
        .execute(&mut conn)
        .await
        .expect("user");
    let token = JwtSecret::new(JWT_SECRET)
        .issue("ada@example.com", ACCESS, 5)
        .0;
    let authorization = format!("Bearer {token}");
    let answer = function
        .invoke(function_url_event(
            "GET",
            "/events/admin/00000000-0000-0000-0000-000000000000/attendees",
            "",
            &[("authorization", &authorization)],
            None,
        ))
        .await;
    assert_eq!(
        (&answer.body["statusCode"], &answer.body["body"]),
        (
            &Value::from(403),
            &Value::from(r#"{"detail":"You don't have permission to do this"}"#)
        )
    );
    function.stop();
}
