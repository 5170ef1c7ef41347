//! `GET /events/admin/{event_id}/results`: the event's results (standings with how sure each
//! place is, participation, integrity flags, the standings without the flagged votes), as JSON
//! or as a CSV or HTML download. Ours only: neither frontend calls it.

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use podium_data::validation::ValidationIssue;
use podium_http::download;
use podium_http::openapi::{ErrorDetail, HttpValidationError as HTTPValidationError};
use podium_http::{ApiError, AppState, CurrentUser, EventAdmin, Json, Path, Query, query_int};
use podium_results::report::{self, Heading};
use podium_results::{DEFAULT_PLACES, EventResults, MAX_PLACES};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// What the HTML report may load: nothing but its own inline styles (it has no script, and
/// its charts are inline SVG).
const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// What the results come as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResultsFormat {
    /// `EventResults`
    #[default]
    Json,
    /// One row per project, as a download.
    Csv,
    /// One self-contained page (inline CSS and SVG charts, no script), as a download.
    Html,
}

/// `?places=&format=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Prize places: the `k` of `chance_top` and of the prize line (1 to 100, default 3).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 3)]
    places: Option<String>,
    /// `json` (default), `csv` or `html`.
    #[param(value_type = Option<ResultsFormat>)]
    format: Option<String>,
}

impl ResultsQuery {
    /// The prize places and the format; every bad value a 422 naming its parameter.
    fn parse(self) -> Result<(u32, ResultsFormat), ApiError> {
        let mut issues = Vec::new();
        let places = match self
            .places
            .map(|p| query_int("places", &p, 1, Some(MAX_PLACES)))
        {
            None => DEFAULT_PLACES,
            Some(Ok(n)) => n,
            Some(Err(issue)) => {
                issues.push(issue);
                DEFAULT_PLACES
            }
        };
        let format = match self.format.as_deref().map(str::trim) {
            None => ResultsFormat::Json,
            Some("json") => ResultsFormat::Json,
            Some("csv") => ResultsFormat::Csv,
            Some("html") => ResultsFormat::Html,
            Some(_) => {
                issues.push(
                    ValidationIssue::new(
                        "enum",
                        vec![Value::from("query"), Value::from("format")],
                        "Input should be 'json', 'csv' or 'html'",
                    )
                    .with_ctx(serde_json::json!({"expected": "'json', 'csv' or 'html'"})),
                );
                ResultsFormat::Json
            }
        };
        if issues.is_empty() {
            Ok((places, format))
        } else {
            Err(ApiError::Validation(issues))
        }
    }
}

/// The event's results: how sure each place is, participation and integrity flags.
///
/// For event admins (the owner or a superadmin). Standings with a bootstrap
/// over ballots (2,000 rounds seeded by the event id: a 95 % place interval, the chance of being
/// first and of being within the prize places), the groups too close to call across a prize
/// place, participation, integrity flags (reciprocal team voting, votes along referrals or
/// shared teams, bursts from accounts that just joined) and the standings without the flagged
/// votes. Flags change no count. The README's "Results: what each number means" defines every
/// number. `format=csv` and `format=html` answer the same as a download
/// (`results-<slug>-<date>.csv|html`); the HTML loads nothing from outside.
#[utoipa::path(get, path = "/events/admin/{event_id}/results", tag = "results", operation_id = "get_event_results_events_admin__event_id__results_get",
    params(("event_id" = Uuid, Path), ResultsQuery),
    security(("HTTPBearer" = [])),
    responses(
        (status = 200, description = "The results: JSON, or with `format` a CSV or HTML download", content(
            (EventResults = "application/json"),
            (String = "text/csv"),
            (String = "text/html"),
        )),
        (status = 403, description = "Not an admin of the event, or no such event: `You don't have permission to do this`", body = ErrorDetail),
        (status = 422, description = "Malformed UUID; `places` not an integer from 1 to 100; `format` not `json`, `csv` or `html`", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
pub async fn results(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<podium_data::EventId>,
    Query(query): Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    let (places, format) = query.parse()?;
    // After the parameters: a bad one is a 422 even for a stranger, as FastAPI orders them.
    let admin = EventAdmin::check(&state, user, event_id).await?;
    let input = podium_data::results::load(&state.pool, admin.event.id).await?;
    // Tens of milliseconds of arithmetic: off the async workers on a server with many requests.
    let event_id = admin.event.id;
    let (input, results) = tokio::task::spawn_blocking(move || {
        let results = podium_results::compute(event_id, &input, places);
        (input, results)
    })
    .await
    .map_err(ApiError::internal)?;
    let now = chrono::Utc::now();
    let heading = Heading {
        name: &admin.event.name,
        slug: &admin.event.slug,
        at: now,
    };
    let filename = |ext: &str| {
        format!(
            "results-{}-{}.{ext}",
            admin.event.slug,
            now.format("%Y-%m-%d")
        )
    };
    Ok(match format {
        ResultsFormat::Json => (
            [(CACHE_CONTROL, HeaderValue::from_static("private, no-store"))],
            Json(results),
        )
            .into_response(),
        ResultsFormat::Csv => {
            let body = report::csv(&results).map_err(ApiError::internal)?;
            file("text/csv; charset=utf-8", &filename("csv"), body, None)
        }
        ResultsFormat::Html => {
            let body = report::html(&results, &heading, &input).map_err(ApiError::internal)?;
            file(
                "text/html; charset=utf-8",
                &filename("html"),
                body.into_bytes(),
                Some(REPORT_POLICY),
            )
        }
    })
}

/// A file to save ([`download::headers`]), the HTML with a policy that lets it load nothing.
fn file(
    kind: &'static str,
    filename: &str,
    body: Vec<u8>,
    policy: Option<&'static str>,
) -> Response {
    let mut response = (download::headers(kind, filename), body).into_response();
    if let Some(policy) = policy {
        response.headers_mut().insert(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(policy),
        );
    }
    response
}
