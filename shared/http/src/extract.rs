//! Extractors whose rejections go through [`ApiError`]: JSON bodies, path and query parameters.
//! Unknown JSON fields are ignored (the frontend PUTs whole objects back).

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::body::{self, nul_issue};
use super::error::ApiError;
use podium_data::page::PageRequest;
use podium_data::validation::ValidationIssue;

use crate::texts::BODY_TOO_LARGE;

/// A JSON request body, or a JSON response (`Json(value)` from a handler: `200` with
/// `application/json`, as axum's). One type both ways, so a handler never names `axum::Json`
/// (`clippy.toml` forbids it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    #[allow(
        clippy::disallowed_types,
        reason = "the one place that renders through axum's"
    )]
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, BODY_TOO_LARGE))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ValidationIssue::missing(vec!["body".into()]).into());
        }
        if !json {
            return Err(not_an_object(vec!["body".into()]).into());
        }
        if let Some(issue) = body::check(&bytes) {
            return Err(issue.into());
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(de) {
            Ok(value) => Ok(Self(value)),
            Err(err) => {
                let path = path_segments(err.path());
                Err(json_issue(err.inner(), path).into())
            }
        }
    }
}

/// Reads a body already parsed to JSON as `T`, with the issues [`Json`] would report.
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ValidationIssue> {
    if !value.is_object() {
        return Err(not_an_object(vec!["body".into()]));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = path_segments(err.path());
        json_issue(err.inner(), path)
    })
}

/// A UUID query parameter read as a string (so a bad one is the original's `uuid_parsing` 422
/// naming it): absent is `None`, anything but a UUID (the empty string too) a 422.
pub fn uuid_query(name: &str, value: Option<&str>) -> Result<Option<uuid::Uuid>, ValidationIssue> {
    value
        .map(|text| {
            text.parse().map_err(|_| {
                ValidationIssue::new(
                    "uuid_parsing",
                    vec!["query".into(), name.into()],
                    "Input should be a valid UUID",
                )
            })
        })
        .transpose()
}

/// `?page=&size=` of a paged list (fastapi-pagination's `Params`): `page` ≥ 1, default 1;
/// `size` 1–100, default 50; anything else a 422 naming the parameter, as the original words
/// it (`int_parsing`, `greater_than_equal`, `less_than_equal`).
#[derive(Debug, Clone, Copy)]
pub struct PageParams(pub PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for PageParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        #[derive(serde::Deserialize)]
        struct Raw {
            page: Option<String>,
            size: Option<String>,
        }
        let Query(raw) = Query::<Raw>::from_request_parts(parts, state).await?;
        let mut issues = Vec::new();
        let mut read =
            |name: &str, value: Option<String>, default: u32, max: Option<u32>| match value
                .map(|text| query_int(name, &text, 1, max))
            {
                None => default,
                Some(Ok(n)) => n,
                Some(Err(issue)) => {
                    issues.push(issue);
                    default
                }
            };
        let page = read("page", raw.page, 1, None);
        let size = read(
            "size",
            raw.size,
            PageRequest::DEFAULT_SIZE,
            Some(PageRequest::MAX_SIZE),
        );
        if !issues.is_empty() {
            return Err(ApiError::Validation(issues));
        }
        Ok(Self(PageRequest::new(page, size)))
    }
}

/// A query integer as FastAPI reads `int = Query(ge=min, le=max)`: surrounding whitespace
/// allowed; not an integer, below `min` or above `max` a 422 naming `name` (`int_parsing`,
/// `greater_than_equal`, `less_than_equal`). A number past `u32` with no `max` is `u32::MAX`
/// (a page far past the end is just empty).
pub fn query_int(
    name: &str,
    text: &str,
    min: u32,
    max: Option<u32>,
) -> Result<u32, ValidationIssue> {
    let loc = || vec![Value::from("query"), Value::from(name)];
    match text.trim().parse::<i64>() {
        Err(_) => Err(ValidationIssue::new(
            "int_parsing",
            loc(),
            "Input should be a valid integer, unable to parse string as an integer",
        )),
        Ok(n) if n < i64::from(min) => Err(ValidationIssue::new(
            "greater_than_equal",
            loc(),
            format!("Input should be greater than or equal to {min}"),
        )
        .with_ctx(serde_json::json!({"ge": min}))),
        Ok(n) if max.is_some_and(|max| n > i64::from(max)) => {
            let max = max.unwrap_or_default();
            Err(ValidationIssue::new(
                "less_than_equal",
                loc(),
                format!("Input should be less than or equal to {max}"),
            )
            .with_ctx(serde_json::json!({"le": max})))
        }
        Ok(n) => Ok(u32::try_from(n).unwrap_or(u32::MAX)),
    }
}

/// Path parameters; a malformed one (a bad UUID) is a 422 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    #[allow(clippy::disallowed_types, reason = "the wrapper around axum's Path")]
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        if let Ok(params) = axum::extract::RawPathParams::from_request_parts(parts, state).await
            && let Some((key, _)) = params.iter().find(|(_, value)| value.contains('\0'))
        {
            return Err(nul_issue(vec!["path".into(), key.into()]).into());
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(err)) => {
                let keys: Vec<String> =
                    match axum::extract::RawPathParams::from_request_parts(parts, state).await {
                        Ok(params) => params.iter().map(|(k, _)| k.to_owned()).collect(),
                        Err(_) => Vec::new(),
                    };
                let kind = err.into_kind();
                let key = match &kind {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => Some(key.clone()),
                    ErrorKind::ParseErrorAtIndex { index, .. } => keys.get(*index).cloned(),
                    _ if keys.len() == 1 => keys.first().cloned(),
                    _ => None,
                };
                let mut loc: Vec<Value> = vec!["path".into()];
                loc.extend(key.map(Value::from));
                let described = kind.to_string();
                let issue = if described.contains("Uuid") || described.contains("UUID") {
                    ValidationIssue::new("uuid_parsing", loc, "Input should be a valid UUID")
                } else {
                    ValidationIssue::new("value_error", loc, "Invalid path parameter")
                };
                Err(issue.into())
            }
            Err(other) => Err(ApiError::internal(other.body_text())),
        }
    }
}

/// Query parameters (`?a=b&c=d`), deserialised like a form.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        if let Some((key, _)) =
            form_urlencoded_parse(query).find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(nul_issue(vec!["query".into(), key.replace('\0', "").into()]).into());
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        match serde_path_to_error::deserialize(de) {
            Ok(value) => Ok(Self(value)),
            Err(err) => {
                let mut loc: Vec<Value> = vec!["query".into()];
                loc.extend(path_segments(err.path()));
                let message = err.into_inner().to_string();
                let issue = match missing_field(&message) {
                    Some(field) => {
                        loc.push(field.into());
                        ValidationIssue::missing(loc)
                    }
                    None if message == BOOL_PARSING => ValidationIssue::new(
                        "bool_parsing",
                        loc,
                        "Input should be a valid boolean, unable to interpret input",
                    ),
                    None => ValidationIssue::new("value_error", loc, "Invalid query parameter"),
                };
                Err(issue.into())
            }
        }
    }
}

/// Whether the request says its body is JSON: `application/json` or `application/…+json`, with
/// or without parameters such as `charset`, as FastAPI reads it. A body of any other type (a
/// form, `text/plain`, none at all) could be sent cross-site without a CORS preflight.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

/// What the original answers for a body that is not a JSON object (Pydantic's
/// `model_attributes_type`).
fn not_an_object(loc: Vec<Value>) -> ValidationIssue {
    ValidationIssue::new(
        "model_attributes_type",
        loc,
        "Input should be a valid dictionary or object to extract fields from",
    )
}

const BOOL_PARSING: &str = "bool_parsing";

/// `#[serde(deserialize_with = "query_bool")]`: a query boolean as FastAPI reads it, `true`,
/// `false`, `1`, `0`, `yes`, `no`, `on`, `off` in any case; anything else is a 422
/// `bool_parsing` naming the parameter.
pub fn query_bool<'de, D: serde::Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(de)?;
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Ok(false),
        _ => Err(serde::de::Error::custom(BOOL_PARSING)),
    }
}

fn form_urlencoded_parse(query: &str) -> url::form_urlencoded::Parse<'_> {
    url::form_urlencoded::parse(query.as_bytes())
}

fn path_segments(path: &serde_path_to_error::Path) -> Vec<Value> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Map { key } => Some(Value::from(key.as_str())),
            Segment::Seq { index } => Some(Value::from(*index)),
            Segment::Enum { variant } => Some(Value::from(variant.as_str())),
            Segment::Unknown => None,
        })
        .collect()
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Maps a serde_json error to the Pydantic-style issue the frontend understands.
fn json_issue(err: &serde_json::Error, path: Vec<Value>) -> ValidationIssue {
    use serde_json::error::Category;
    let mut loc: Vec<Value> = vec!["body".into()];
    if matches!(
        err.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        loc.push(Value::from(err.column().saturating_sub(1)));
        return ValidationIssue::new("json_invalid", loc, "JSON decode error")
            .with_ctx(serde_json::json!({ "error": syntax_reason(err) }));
    }
    loc.extend(path);
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    if let Some(field) = missing_field(message) {
        loc.push(field.into());
        return ValidationIssue::missing(loc);
    }
    let expected = message.split(", expected ").nth(1).unwrap_or_default();
    let (kind, msg) = if expected.contains("string") {
        ("string_type", "Input should be a valid string")
    } else if expected.starts_with('i') || expected.starts_with('u') || expected.contains("integer")
    {
        ("int_type", "Input should be a valid integer")
    } else if expected.contains("bool") {
        ("bool_type", "Input should be a valid boolean")
    } else if expected.contains("sequence") {
        ("list_type", "Input should be a valid list")
    } else if expected.contains("struct") || expected.contains("map") {
        return not_an_object(loc);
    } else if message.contains("UUID") {
        ("uuid_parsing", "Input should be a valid UUID")
    } else {
        ("value_error", "Input is not valid for this field")
    };
    ValidationIssue::new(kind, loc, msg)
}

fn syntax_reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    text.split(" at line ")
        .next()
        .unwrap_or_default()
        .to_owned()
}
