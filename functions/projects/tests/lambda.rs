//! The projects binary as a Lambda behind a function URL: payload 2.0 events in, HTTP out.

use podium_shared::migrations::{Migrator, Settings};
use podium_shared::testing::TestDb;
use podium_shared::testing::lambda::{LambdaProcess, function_url_event};
use serde_json::Value;

#[tokio::test]
async fn function_url_events_reach_the_projects_routes() {
    let db = TestDb::new().await;
    Migrator::embedded(Settings::default())
        .up(&mut db.connect().await, None)
        .await
        .expect("migrate");
    let url = db.url().expose().to_owned();
    let mut function = LambdaProcess::start(
        env!("CARGO_BIN_EXE_projects"),
        &[("PODIUM_DATABASE_URL", &url), ("PODIUM_JWT_SECRET", "s")],
    )
    .await;
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
