//! Cloudflare Turnstile (2026 contract §3.2) on `GET /users/exists` and `POST /users/`: the
//! `X-Turnstile-Token` header is verified with Cloudflare's siteverify before anything else of
//! the request is read (a 403 wins over a 422).

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use podium_runtime::{ConfigError, Vars, outbound};
use serde_json::Value;

use crate::texts::{TURNSTILE_FAILED, TURNSTILE_REQUIRED, TURNSTILE_UNAVAILABLE};
use crate::{ApiError, AppState};

pub const DEFAULT_VERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/// `PODIUM_TURNSTILE_SECRET_KEY` (empty or unset: no check) and `PODIUM_TURNSTILE_VERIFY_URL`.
pub struct TurnstileConfig {
    secret: Option<String>,
    verify_url: String,
    client: OnceLock<reqwest::Client>,
}

impl std::fmt::Debug for TurnstileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnstileConfig")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("verify_url", &self.verify_url)
            .finish()
    }
}

impl TurnstileConfig {
    pub fn new(secret: Option<String>, verify_url: &str) -> Self {
        Self {
            secret: secret.filter(|s| !s.trim().is_empty()),
            verify_url: verify_url.to_owned(),
            client: OnceLock::new(),
        }
    }

    /// Off (no secret) is refused when `PODIUM_ENV=production` unless `PODIUM_TURNSTILE_DISABLED=1`
    /// says it is meant.
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let config = Self::new(
            vars.optional("PODIUM_TURNSTILE_SECRET_KEY"),
            &vars
                .optional("PODIUM_TURNSTILE_VERIFY_URL")
                .unwrap_or_else(|| DEFAULT_VERIFY_URL.to_owned()),
        );
        let production = vars.is_production()?;
        let disabled = vars.optional("PODIUM_TURNSTILE_DISABLED").as_deref() == Some("1");
        if config.secret.is_none() && production && !disabled {
            return Err(ConfigError::Invalid {
                name: "PODIUM_TURNSTILE_SECRET_KEY".to_owned(),
                reason: "empty with PODIUM_ENV=production; set it, or PODIUM_TURNSTILE_DISABLED=1 to run without the check".to_owned(),
            });
        }
        Ok(config)
    }

    pub fn enabled(&self) -> bool {
        self.secret.is_some()
    }

    /// Verifies `token` with siteverify: `Ok` when Cloudflare says `success`.
    pub async fn verify(&self, token: &str) -> Result<(), ApiError> {
        let Some(secret) = &self.secret else {
            return Ok(());
        };
        let client = match self.client.get() {
            Some(client) => client,
            None => {
                let built =
                    outbound::client(Duration::from_secs(10)).map_err(ApiError::internal)?;
                self.client.get_or_init(|| built)
            }
        };
        let unavailable = |cause: String| {
            ApiError::upstream(
                StatusCode::SERVICE_UNAVAILABLE,
                TURNSTILE_UNAVAILABLE,
                cause,
            )
        };
        let response = client
            .post(&self.verify_url)
            .form(&[("secret", secret.as_str()), ("response", token)])
            .send()
            .await
            .map_err(|err| {
                unavailable(format!(
                    "Turnstile siteverify unreachable: {}",
                    err.without_url()
                ))
            })?;
        // As the original: siteverify's status is not looked at, only its JSON.
        let answer: Value = response
            .json()
            .await
            .map_err(|err| unavailable(format!("Turnstile siteverify answered no JSON: {err}")))?;
        if truthy(&answer["success"]) {
            Ok(())
        } else {
            Err(ApiError::forbidden(TURNSTILE_FAILED))
        }
    }
}

/// Python's truth of a JSON value (the original reads `result.get("success")`).
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The extractor: passes when Turnstile is off or the request's token verifies; else 403/503.
/// Put it before any body or query extractor.
#[derive(Debug, Clone, Copy)]
pub struct Turnstile;

impl<S: Send + Sync> FromRequestParts<S> for Turnstile
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        let config = &state.config.turnstile;
        if !config.enabled() {
            return Ok(Self);
        }
        let token = parts
            .headers
            .get("x-turnstile-token")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or_default();
        if token.is_empty() {
            return Err(ApiError::forbidden(TURNSTILE_REQUIRED));
        }
        config.verify(token).await.map(|()| Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_read_as_python_reads_it() {
        for (value, expected) in [
            (serde_json::json!(true), true),
            (serde_json::json!(false), false),
            (serde_json::json!(null), false),
            (serde_json::json!(1), true),
            (serde_json::json!(0), false),
            (serde_json::json!("yes"), true),
            (serde_json::json!(""), false),
        ] {
            assert_eq!(truthy(&value), expected, "{value}");
        }
    }

    #[test]
    fn production_refuses_to_run_without_a_secret_unless_told_to() {
        let vars = |pairs: &[(&str, &str)]| Vars::from_pairs(pairs.iter().copied());
        assert!(TurnstileConfig::from_vars(&vars(&[("PODIUM_ENV", "production")])).is_err());
        assert!(
            TurnstileConfig::from_vars(&vars(&[
                ("PODIUM_ENV", "production"),
                ("PODIUM_TURNSTILE_DISABLED", "1")
            ]))
            .is_ok_and(|c| !c.enabled())
        );
        assert!(
            TurnstileConfig::from_vars(&vars(&[
                ("PODIUM_ENV", "production"),
                ("PODIUM_TURNSTILE_SECRET_KEY", "s")
            ]))
            .is_ok_and(|c| c.enabled())
        );
        assert!(TurnstileConfig::from_vars(&vars(&[])).is_ok_and(|c| !c.enabled()));
    }
}
