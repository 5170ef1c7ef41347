//! The events binary as a Lambda behind a function URL: payload 2.0 events in, HTTP out.

use podium_testing::lambda::{LambdaProcess, function_url_event};
use serde_json::Value;

#[tokio::test]
async fn function_url_events_reach_the_events_routes() {
    let (_db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_events")).await;
    let unknown = function
        .invoke(function_url_event(
            "GET",
            "/events/id/no-such-event",
            "",
            &[],
            None,
        ))
        .await;
    assert_eq!(
        (&unknown.body["statusCode"], &unknown.body["body"]),
        (
            &Value::from(404),
            &Value::from(r#"{"detail":"Event not found"}"#)
        )
    );
    let listing = function
        .invoke(function_url_event(
            "GET",
            "/events/00000000-0000-0000-0000-000000000000/projects",
            "leaderboard=false",
            &[("origin", "https://podium.example")],
            None,
        ))
        .await;
    assert_eq!(listing.body["statusCode"], 404);
    assert_eq!(listing.body["headers"]["access-control-allow-origin"], "*");
    let anonymous = function
        .invoke(function_url_event("GET", "/events/", "", &[], None))
        .await;
    assert_eq!(
        anonymous.body["body"],
        Value::from(r#"{"detail":"Not authenticated"}"#)
    );
    function.stop();
}
