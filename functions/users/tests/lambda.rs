//! The users binary as a Lambda behind a function URL: payload 2.0 events in, HTTP responses out.

use podium_http::jwt::JwtSecret;
use podium_testing::TestDb;
use podium_testing::lambda::{LambdaProcess, function_url_event};
use podium_testing::secrets_manager::FakeSecretsManager;
use serde_json::Value;

#[tokio::test]
async fn function_url_events_sign_up_and_look_up_a_user() {
    let (_db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_users")).await;

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

#[tokio::test]
async fn with_podium_secrets_arn_the_settings_come_from_secrets_manager_once_and_win_over_the_environment()
 {
    let db = TestDb::migrated().await;
    sqlx::query("INSERT INTO users (id, email, first_name, display_name, last_name, phone, street_1, street_2, city, state, zip_code, country) VALUES (gen_random_uuid(), 'ada@example.com', 'Ada', 'Ada L.', '', '', '', '', '', '', '', '')")
        .execute(&mut db.connect().await)
        .await
        .expect("user");
    let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:podium-AbCdEf";
    let secret = serde_json::json!({
        "PODIUM_DATABASE_URL": db.url().expose(),
        // The original service's lower-case name is accepted too.
        "jwt_secret": "jwt-secret-from-secrets-manager",
    });
    let fake = FakeSecretsManager::start(arn, &secret.to_string()).await;
    let aws = fake.env();
    let mut env: Vec<(&str, &str)> = aws.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([
        ("PODIUM_SECRETS_ARN", arn),
        // A stale variable must not shadow the secret.
        ("PODIUM_JWT_SECRET", "stale-value-in-the-environment"),
    ]);
    let mut function = LambdaProcess::start(env!("CARGO_BIN_EXE_users"), &env).await;

    let (token, _) = JwtSecret::new("jwt-secret-from-secrets-manager").issue(
        "ada@example.com",
        podium_http::jwt::ACCESS,
        5,
    );
    let authorization = format!("Bearer {token}");
    for _ in 0..2 {
        let current = function
            .invoke(function_url_event(
                "GET",
                "/users/current",
                "",
                &[("authorization", &authorization)],
                None,
            ))
            .await;
        assert_eq!(current.body["statusCode"], 200, "{:?}", current.body);
        let user: Value =
            serde_json::from_str(current.body["body"].as_str().expect("body")).expect("json");
        assert_eq!(user["email"], "ada@example.com");
    }
    let logs = function.stop();

    let seen = fake.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1, "read once per cold start: {seen:?}");
    assert_eq!(seen[0].target, "secretsmanager.GetSecretValue");
    assert_eq!(seen[0].body["SecretId"], arn);
    assert!(seen[0].signed, "the request is SigV4-signed");
    assert!(
        !logs.contains("jwt-secret-from-secrets-manager") && !logs.contains("test-secret-key"),
        "a secret was logged: {logs}"
    );
    assert!(
        logs.contains("PODIUM_JWT_SECRET"),
        "names are logged: {logs}"
    );
}

// Multi-threaded: the fake answers on the runtime while this test waits for the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_secret_stops_the_function_at_start_naming_the_setting() {
    let fake = FakeSecretsManager::start("arn:aws:secretsmanager:eu-west-1:1:secret:a", "{}").await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_users"))
        .env_remove("DATABASE_URL")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env(
            "PODIUM_SECRETS_ARN",
            "arn:aws:secretsmanager:eu-west-1:1:secret:other",
        )
        .envs(fake.env())
        .output()
        .await
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("PODIUM_SECRETS_ARN is not a valid setting: could not read the secret from Secrets Manager: ResourceNotFoundException: Secrets Manager can't find the specified secret."),
        "{stderr}"
    );
}

#[tokio::test]
async fn on_lambda_signups_count_against_the_function_urls_source_address_not_headers() {
    let (db, mut function) = LambdaProcess::http_function(env!("CARGO_BIN_EXE_users")).await;
    for (email, source, headers) in [
        ("one@example.com", "203.0.113.5", vec![]),
        // A client's own viewer header is not believed without the CDN's secret (none is set).
        (
            "two@example.com",
            "203.0.113.5",
            vec![
                ("x-podium-viewer-ip", "198.51.100.1"),
                ("x-forwarded-for", "192.0.2.1"),
            ],
        ),
        ("three@example.com", "2001:db8:7:8:9::1", vec![]),
    ] {
        let mut all = vec![("content-type", "application/json")];
        all.extend(headers);
        let mut event = function_url_event(
            "POST",
            "/users/",
            "",
            &all,
            Some(&format!(r#"{{"email": "{email}", "first_name": "X"}}"#)),
        );
        event["requestContext"]["http"]["sourceIp"] = Value::from(source);
        let answer = function.invoke(event).await;
        assert_eq!(answer.body["statusCode"], 200, "{:?}", answer.body);
    }
    let mut conn = db.connect().await;
    let buckets: Vec<(String, i64)> = sqlx::query_as(
        "SELECT bucket, count(*) FROM rate_limit_hits GROUP BY bucket ORDER BY bucket",
    )
    .fetch_all(&mut conn)
    .await
    .expect("buckets");
    assert_eq!(
        buckets,
        [
            ("signup:2001:db8:7:8::/64".to_owned(), 1),
            ("signup:203.0.113.5".to_owned(), 2),
        ]
    );
    function.stop();
}
