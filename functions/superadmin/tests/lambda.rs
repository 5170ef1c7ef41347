//! The superadmin binary as a Lambda behind a function URL in streaming mode
//! (`InvokeMode: RESPONSE_STREAM`): answers reach the runtime as a prelude and a body stream, so a
//! CSV export larger than a buffered response's 6 MB goes out whole.

use podium_http::jwt::{self, JwtSecret};
use podium_testing::lambda::{JWT_SECRET, LambdaProcess, function_url_event};
use serde_json::Value;

/// A buffered Lambda response may be at most 6 MB; the export below is larger.
const BUFFERED_LIMIT: usize = 6 * 1024 * 1024;

#[tokio::test]
async fn an_export_larger_than_a_buffered_response_streams_through_the_runtime_whole() {
    let (db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_superadmin")).await;
    let mut conn = db.connect().await;
    sqlx::raw_sql(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country, is_superadmin)
         VALUES ('00000000-0000-0000-0000-0000000000aa', 'root@example.com', 'Root', 'Root', 'A',
                 '', '1 Main St', '', 'Town', '', '', 'Land', true);
         INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                             ysws_checks_enabled, feature_flags_csv, owner_id)
         VALUES ('00000000-0000-0000-0000-0000000000ee', 'Big', 'big', '', 'BIG1', false, false,
                 'big-series', '00000000-0000-0000-0000-0000000000aa');
         INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                               hours_spent, points, owner_id, event_id)
         SELECT gen_random_uuid(), 'P' || lpad(n::text, 4, '0'), 'https://github.com/u/r', '', '',
                repeat('x', 6000) || ', line ' || n, 'J' || n, 1, 0,
                '00000000-0000-0000-0000-0000000000aa', '00000000-0000-0000-0000-0000000000ee'
         FROM generate_series(1, 1200) n;",
    )
    .execute(&mut conn)
    .await
    .expect("data");
    let token = JwtSecret::new(JWT_SECRET)
        .issue("root@example.com", jwt::ACCESS, 60)
        .0;
    let authorization = format!("Bearer {token}");

    let export = function
        .invoke(function_url_event(
            "GET",
            "/superadmin/export-csv",
            "series=big-series",
            &[("authorization", &authorization)],
            None,
        ))
        .await;
    assert_eq!(export.kind, "stream", "{:?}", export.body);
    let prelude = &export.body["prelude"];
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(
        prelude["headers"]["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = export.body["body"].as_str().expect("body");
    assert!(csv.len() > BUFFERED_LIMIT, "{} bytes", csv.len());
    assert_eq!(
        csv.matches("\r\nRoot,A,").count(),
        1200,
        "every row arrived"
    );
    assert!(csv.ends_with(", line 1200\",u,1 Main St,,Town,,Land,,,1\r\n"));

    // JSON answers stream the same way.
    let anonymous = function
        .invoke(function_url_event(
            "GET",
            "/superadmin/users",
            "",
            &[],
            None,
        ))
        .await;
    assert_eq!(anonymous.kind, "stream");
    assert_eq!(anonymous.body["prelude"]["statusCode"], 401);
    assert_eq!(
        serde_json::from_str::<Value>(anonymous.body["body"].as_str().expect("body"))
            .expect("json"),
        serde_json::json!({"detail": "Not authenticated"})
    );
    function.stop();
}
