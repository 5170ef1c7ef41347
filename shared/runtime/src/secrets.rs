//! Settings kept in AWS Secrets Manager (`PODIUM_SECRETS_ARN`), read once per cold start.
//!
//! Credentials, region and endpoint come from `aws-config`'s usual chain (on Lambda: the
//! function's role through its environment). When no region is configured, the secret's ARN
//! names it. `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_SECRETS_MANAGER`) points at another
//! endpoint, e.g. a local fake in tests. TLS is rustls with ring, like the rest of the workspace.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("could not read the secret from Secrets Manager: {0}")]
    Fetch(String),
    #[error("the secret has no string value (binary secrets are not supported)")]
    NotText,
}

/// The secret's string value.
#[tracing::instrument(skip_all)]
pub async fn fetch(arn: &str) -> Result<String, SecretsError> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
    let region_set = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if let (false, Some(region)) = (region_set, region_of(arn)) {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let config = loader.load().await;
    let output = aws_sdk_secretsmanager::Client::new(&config)
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            // The service's error code and message, else the SDK's error chain (e.g. a connection
            // failure). Neither holds the secret's value.
            SecretsError::Fetch(match e.code() {
                Some(code) => format!("{code}: {}", e.message().unwrap_or_default()),
                None => aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
            })
        })?;
    output
        .secret_string()
        .map(str::to_owned)
        .ok_or(SecretsError::NotText)
}

/// `arn:aws:secretsmanager:<region>:<account>:secret:<name>` → `<region>`.
fn region_of(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_), Some("secretsmanager"), Some(region)) if !region.is_empty() => {
            Some(region)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::region_of;

    #[test]
    fn the_region_is_read_from_a_secrets_manager_arn() {
        assert_eq!(
            region_of("arn:aws:secretsmanager:eu-west-1:123456789012:secret:podium-AbCdEf"),
            Some("eu-west-1")
        );
        assert_eq!(region_of("podium/prod"), None);
        assert_eq!(region_of("arn:aws:s3:::bucket"), None);
    }
}
