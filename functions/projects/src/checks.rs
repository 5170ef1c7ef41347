//! The Review Factory: an outside service that judges a project's repo, demo and README.
//! `/projects/check/...` proxy it (contract 2.2 and 7.7).

use std::time::Duration;

use axum::http::StatusCode;
use podium_http::texts::{CHECK_SERVICE_FAILED, CHECKS_NOT_CONFIGURED};
use podium_http::{ApiError, outbound};
use podium_runtime::{ConfigError, Vars};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// `PODIUM_REVIEW_FACTORY_URL` (default the real service) and `PODIUM_REVIEW_FACTORY_TOKEN`
/// (unset: the check routes answer 503).
#[derive(Clone)]
pub struct ReviewFactory {
    pub url: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl std::fmt::Debug for ReviewFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReviewFactory")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl ReviewFactory {
    pub fn new(url: &str, token: Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            url: url.trim_end_matches('/').to_owned(),
            token,
            http: outbound::client(Duration::from_secs(30))?,
        })
    }

    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        Self::new(
            &vars
                .optional("PODIUM_REVIEW_FACTORY_URL")
                .unwrap_or_else(|| "https://review-factory-backend.hackclub.com".to_owned()),
            vars.optional("PODIUM_REVIEW_FACTORY_TOKEN"),
        )
    }

    fn token(&self) -> Result<&str, ApiError> {
        self.token
            .as_deref()
            .ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, CHECKS_NOT_CONFIGURED))
    }

    /// 503 when no token is configured (checked before anything else).
    pub fn require_configured(&self) -> Result<(), ApiError> {
        self.token().map(|_| ())
    }

    /// `POST {url}/start-check` with the project's links.
    pub async fn start(
        &self,
        repo: &str,
        image_url: &str,
        demo: &str,
    ) -> Result<CheckStatus, ApiError> {
        let token = self.token()?;
        let request = self
            .http
            .post(format!("{}/start-check", self.url))
            .bearer_auth(token)
            .json(&serde_json::json!({"repo": repo, "image_url": image_url, "demo": demo}));
        Self::answer(request).await
    }

    /// `GET {url}/poll-check/{check_id}` (the id percent-encoded as one path segment).
    pub async fn poll(&self, check_id: &str) -> Result<CheckStatus, ApiError> {
        let token = self.token()?;
        let mut url = url_of(&self.url)?;
        url.path_segments_mut()
            .map_err(|()| ApiError::internal("the Review Factory URL cannot take a path"))?
            .pop_if_empty()
            .extend(["poll-check", check_id]);
        Self::answer(self.http.get(url).bearer_auth(token)).await
    }

    async fn answer(request: reqwest::RequestBuilder) -> Result<CheckStatus, ApiError> {
        let failed = |cause: String| {
            ApiError::upstream(StatusCode::BAD_GATEWAY, CHECK_SERVICE_FAILED, cause)
        };
        let response = request
            .send()
            .await
            .map_err(|e| failed(format!("Review Factory unreachable: {}", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!("Review Factory refused: {status}")));
        }
        response.json::<CheckStatus>().await.map_err(|e| {
            failed(format!(
                "Review Factory answered something else than a CheckStatus: {e}"
            ))
        })
    }
}

fn url_of(base: &str) -> Result<url::Url, ApiError> {
    url::Url::parse(base).map_err(|_| ApiError::internal("PODIUM_REVIEW_FACTORY_URL is not a URL"))
}

/// A check's state (`Status` in the original's document).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = Status)]
pub enum CheckState {
    Pending,
    Running,
    Completed,
    Failed,
}

/// A check's state, as the Review Factory reports it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckStatus {
    pub check_id: String,
    pub status: CheckState,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[serde(default)]
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[serde(default)]
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Unified>)]
    pub result: Option<Value>,
    #[serde(default)]
    pub error: Option<String>,
}

impl CheckStatus {
    /// A project's stored result, answered without calling out.
    pub fn cached(result: Value) -> Self {
        Self {
            check_id: "cached".to_owned(),
            status: CheckState::Completed,
            created_at: chrono::Utc::now()
                .naive_utc()
                .format("%Y-%m-%dT%H:%M:%S%.6f")
                .to_string(),
            started_at: None,
            completed_at: None,
            result: Some(result),
            error: None,
        }
    }
}

/// The Review Factory's verdict (documentation of `CheckStatus.result`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct Unified {
    valid: bool,
    readme_result: ReadmeResult,
    repo_result: RepoResult,
    demo_result: DemoResult,
    reason: String,
    image_valid: bool,
}

#[derive(Debug, ToSchema)]
#[schema(as = Readme)]
#[allow(dead_code)]
pub struct ReadmeResult {
    features: Option<Vec<String>>,
    program_type: Option<ProgramType>,
    reasoning: Option<String>,
}

/// What kind of program the README describes.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ProgramType {
    Cli,
    Web,
    Desktop,
    Mobile,
    Other,
}

#[derive(Debug, ToSchema)]
#[schema(as = Repo)]
#[allow(dead_code)]
pub struct RepoResult {
    github: bool,
    primary_language: String,
    valid: bool,
    features: Option<Vec<String>>,
    reasoning: Option<String>,
}

#[derive(Debug, ToSchema)]
#[schema(as = Demo)]
#[allow(dead_code)]
pub struct DemoResult {
    deployed: bool,
    functional: bool,
    quality_percent: f64,
    reasoning: Option<String>,
}
