//! The projects binary as a Lambda behind a function URL: payload 2.0 events in, HTTP out.

use podium_testing::lambda::{LambdaProcess, function_url_event};
use serde_json::Value;

#[tokio::test]
async fn function_url_events_reach_the_projects_routes() {
    let (_db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_projects")).await;
    let unknown = function
        .invoke(function_url_event(
            "GET",
            "/projects/00000000-0000-0000-0000-000000000000",
            "",
            &[],
            None,
        ))
        .await;
    assert_eq!(
        (&unknown.body["statusCode"], &unknown.body["body"]),
        (
            &Value::from(404),
            &Value::from(r#"{"detail":"Project not found"}"#)
        )
    );
    let malformed = function
        .invoke(function_url_event("GET", "/projects/nope", "", &[], None))
        .await;
    assert_eq!(malformed.body["statusCode"], 422);
    function.stop();
}
