//! `GET /superadmin/export-csv`: the projects of an event, or of a series, as the CSV the YSWS
//! (You Ship, We Ship) grant database imports. Streamed: rows go out as they come off the
//! database connection, in chunks, so memory stays flat however many projects there are.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use podium_data::projects::{self, ExportRow};
use podium_data::spreadsheet::neutralised;
use podium_data::{EventId, events};
use podium_http::download;
use podium_http::openapi::{ErrorDetail, HttpValidationError as HTTPValidationError};
use podium_http::stream::{CHUNK, Gone, Sender};
use podium_http::texts::{EXPORT_NEEDS_SCOPE, EXPORT_ONE_SCOPE, no_series_events};
use podium_http::{ApiError, AppState, Query, Superadmin, uuid_query};
use serde::Deserialize;
use sqlx::PgPool;
use utoipa::IntoParams;

/// The columns, in order, as the YSWS import expects them (2026 contract §2.8).
pub const COLUMNS: [&str; 16] = [
    "First Name",
    "Last Name",
    "Email",
    "Playable URL",
    "Code URL",
    "Screenshot",
    "Description",
    "GitHub Username",
    "Address (Line 1)",
    "Address (Line 2)",
    "City",
    "State / Province",
    "Country",
    "ZIP / Postal Code",
    "Birthday",
    "Override Hours Spent",
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Every project of this event (soft-deleted events too).
    #[param(value_type = Option<Uuid>, nullable)]
    event_id: Option<String>,
    /// Every project of every event of this series that is not soft-deleted.
    #[param(nullable)]
    series: Option<String>,
}

/// The projects of one event (`event_id`) or of one series (`series`) as CSV: one row per
/// project with its owner's name, e-mail, address and birthday, by event then project name.
/// UTF-8 without BOM, `\r\n` line ends, fields quoted only when they hold `,`, `"` or a line
/// break; `Override Hours Spent` is empty when 0. Named
/// `projects-<event slug, event_id or series>-<today, UTC>.csv`.
#[utoipa::path(get, path = "/superadmin/export-csv", tag = "superadmin", operation_id = "export_projects_csv_superadmin_export_csv_get",
    params(ExportQuery), security(("HTTPBearer" = [])),
    responses(
        (status = 200, description = "The CSV (an unknown `event_id` gives the header row only)", content_type = "text/csv", body = String),
        (status = 400, description = "`Provide either event_id or series`; `Provide either event_id or series, not both`", body = ErrorDetail),
        (status = 403, description = "Not a superadmin: `You don't have permission to do this`", body = ErrorDetail),
        (status = 404, description = "`No active events found with series '<series>'`", body = ErrorDetail),
        (status = 422, description = "Malformed `event_id`", body = HTTPValidationError),
    ))]
#[tracing::instrument(skip_all)]
pub async fn export_csv(
    State(state): State<AppState>,
    _: Superadmin,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let event_id = uuid_query("event_id", query.event_id.as_deref())?.map(EventId::from);
    let series = query.series.filter(|s| !s.is_empty());
    let (events, name) = match (event_id, series) {
        (None, None) => return Err(ApiError::bad_request(EXPORT_NEEDS_SCOPE)),
        (Some(_), Some(_)) => return Err(ApiError::bad_request(EXPORT_ONE_SCOPE)),
        (Some(id), None) => {
            let name = match events::find_any(&state.pool, id).await? {
                Some(event) => event.slug,
                None => id.to_string(),
            };
            (vec![id], name)
        }
        (None, Some(series)) => {
            let found = events::official(&state.pool, &series).await?;
            if found.is_empty() {
                return Err(ApiError::not_found(no_series_events(&series)));
            }
            (found.into_iter().map(|e| e.id).collect(), series)
        }
    };
    let filename = format!(
        "projects-{name}-{}.csv",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    Ok((
        StatusCode::OK,
        download::headers("text/csv; charset=utf-8", &filename),
        stream(state.pool.clone(), events),
    )
        .into_response())
}

/// The CSV as a body streamed as [`podium_http::stream`] says.
fn stream(pool: PgPool, events: Vec<EventId>) -> Body {
    let (tx, body) = podium_http::stream::channel();
    let task = async move {
        if let Err(err) = write_rows(&pool, &events, &tx).await {
            tracing::error!(error = %err, "the CSV export failed");
            podium_http::stream::fail(&tx).await;
        }
    };
    tokio::spawn(tracing::Instrument::in_current_span(task));
    body
}

#[derive(Debug)]
enum ExportError {
    Database(sqlx::Error),
    Csv(csv::Error),
    /// The client went away: nothing to report.
    Gone,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database(e) => write!(f, "database: {e}"),
            Self::Csv(e) => write!(f, "csv: {e}"),
            Self::Gone => f.write_str("client gone"),
        }
    }
}

async fn write_rows(pool: &PgPool, events: &[EventId], tx: &Sender) -> Result<(), ExportError> {
    let mut chunk = writer(Vec::with_capacity(CHUNK + CHUNK / 4));
    chunk.write_record(COLUMNS).map_err(ExportError::Csv)?;
    let mut rows = projects::export(pool, events);
    while let Some(row) = rows.next().await {
        let row = row.map_err(ExportError::Database)?;
        chunk
            .write_record(record(&row).iter().map(|field| field.as_bytes()))
            .map_err(ExportError::Csv)?;
        // The writer hands its 8 KiB buffer to the Vec as it fills.
        if chunk.get_ref().len() >= CHUNK {
            let full = std::mem::replace(&mut chunk, writer(Vec::with_capacity(CHUNK + CHUNK / 4)));
            send(full, tx).await?;
        }
    }
    match send(chunk, tx).await {
        Err(ExportError::Gone) => Ok(()),
        done => done,
    }
}

/// Python's `csv` dialect `excel`: `,`, `"` doubled, quoting only when needed, `\r\n`.
pub fn writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out)
}

async fn send(chunk: csv::Writer<Vec<u8>>, tx: &Sender) -> Result<(), ExportError> {
    let bytes = chunk
        .into_inner()
        .map_err(|e| ExportError::Csv(csv::Error::from(e.into_error())))?;
    podium_http::stream::send(tx, bytes)
        .await
        .map_err(|Gone| ExportError::Gone)
}

/// One project's row, in [`COLUMNS`] order, every cell [`neutralised`].
pub fn record(row: &ExportRow) -> [std::borrow::Cow<'_, str>; 16] {
    use std::borrow::Cow::{Borrowed, Owned};
    let cells = [
        Borrowed(row.first_name.as_str()),
        Borrowed(row.last_name.as_str()),
        Borrowed(row.email.as_str()),
        Borrowed(row.demo.as_str()),
        Borrowed(row.repo.as_str()),
        Borrowed(row.image_url.as_str()),
        Borrowed(row.description.as_str()),
        github_username(&row.repo),
        Borrowed(row.street_1.as_str()),
        Borrowed(row.street_2.as_str()),
        Borrowed(row.city.as_str()),
        Borrowed(row.state.as_str()),
        Borrowed(row.country.as_str()),
        Borrowed(row.zip_code.as_str()),
        row.dob
            .map_or(Borrowed(""), |d| Owned(d.format("%Y-%m-%d").to_string())),
        if row.hours_spent == 0 {
            Borrowed("")
        } else {
            Owned(row.hours_spent.to_string())
        },
    ];
    cells.map(neutralised)
}

/// The GitHub user or organisation of a repository URL: the first path segment (case kept) when
/// the URL has a scheme and its host is `github.com` or `www.github.com`, else empty.
pub fn github_username(repo: &str) -> std::borrow::Cow<'_, str> {
    let Ok(url) = url::Url::parse(repo.trim()) else {
        return "".into();
    };
    if !matches!(url.host_str(), Some("github.com" | "www.github.com")) {
        return "".into();
    }
    let first = url
        .path_segments()
        .and_then(|mut segments| segments.next())
        .unwrap_or_default();
    first.to_owned().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_github_username_is_the_first_path_segment_of_a_github_url() {
        for (repo, user) in [
            ("https://www.github.com/Owner/Repo/tree/main", "Owner"),
            ("http://github.com/x", "x"),
            ("https://github.com/hackclub/podium", "hackclub"),
            ("https://github.com/", ""),
            ("https://github.com", ""),
            ("github.com/a/b", ""),
            ("https://gitlab.com/a/b", ""),
            ("https://github.com.evil.example/a", ""),
            ("https://gist.github.com/a/b", ""),
            ("", ""),
            ("not a url", ""),
        ] {
            assert_eq!(github_username(repo), user, "{repo}");
        }
    }

    #[test]
    fn hours_are_empty_when_zero_and_negative_hours_are_kept() {
        let mut row = ExportRow {
            first_name: "A".into(),
            last_name: "B".into(),
            email: "a@b.c".into(),
            demo: String::new(),
            repo: String::new(),
            image_url: String::new(),
            description: String::new(),
            street_1: String::new(),
            street_2: String::new(),
            city: String::new(),
            state: String::new(),
            country: String::new(),
            zip_code: String::new(),
            dob: None,
            hours_spent: 0,
        };
        assert_eq!(record(&row)[15], "");
        row.hours_spent = -3;
        assert_eq!(record(&row)[15], "-3");
    }
}
