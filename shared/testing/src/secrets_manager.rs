//! A fake AWS Secrets Manager endpoint (the JSON 1.1 protocol `GetSecretValue` speaks), so tests
//! can run a function with `PODIUM_SECRETS_ARN` and no AWS account.

use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use serde_json::{Value, json};

/// One request the fake received: the `x-amz-target` header, whether it was SigV4-signed, and
/// its JSON body.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub target: String,
    pub signed: bool,
    pub body: Value,
}

#[derive(Debug)]
pub struct FakeSecretsManager {
    /// For `AWS_ENDPOINT_URL`.
    pub endpoint: String,
    pub seen: Arc<Mutex<Vec<SeenRequest>>>,
}

impl FakeSecretsManager {
    /// Serves `secret_string` for the secret `arn`; any other id gets `ResourceNotFoundException`.
    pub async fn start(arn: &str, secret_string: &str) -> Self {
        let seen: Arc<Mutex<Vec<SeenRequest>>> = Arc::default();
        let record = seen.clone();
        let (arn, secret) = (arn.to_owned(), secret_string.to_owned());
        let router = axum::Router::new().route(
            "/",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (record, arn, secret) = (record.clone(), arn.clone(), secret.clone());
                async move {
                    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let request = SeenRequest {
                        target: header("x-amz-target"),
                        signed: header("authorization").starts_with("AWS4-HMAC-SHA256 "),
                        body,
                    };
                    record.lock().expect("lock").push(request.clone());
                    let (status, answer) = if request.body["SecretId"] == arn.as_str() {
                        (
                            200,
                            json!({"ARN": arn, "Name": "podium", "SecretString": secret,
                                   "VersionId": "v1", "CreatedDate": 1.7e9}),
                        )
                    } else {
                        (
                            400,
                            json!({"__type": "ResourceNotFoundException",
                                   "message": "Secrets Manager can't find the specified secret."}),
                        )
                    };
                    (
                        axum::http::StatusCode::from_u16(status)
                            .unwrap_or(axum::http::StatusCode::BAD_REQUEST),
                        [("content-type", "application/x-amz-json-1.1")],
                        answer.to_string(),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { endpoint, seen }
    }

    /// The environment a process needs to reach this fake with throwaway credentials.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "AKIDTEST".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test-secret-key".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
    }
}
