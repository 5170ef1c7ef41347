//! Pieces of the OpenAPI document that every function shares: the error bodies, the bearer
//! scheme, and the 500/503 answers any route may give; and the route that serves the document.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::MethodRouter;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, RefOr, ResponseBuilder};
use utoipa::{Modify, PartialSchema, ToSchema};

/// A handled error: `{"detail": "text"}`.
#[derive(Debug, serde::Serialize, ToSchema)]
#[allow(dead_code)] // describes a body built with `serde_json::json!`
pub struct ErrorDetail {
    pub detail: String,
}

/// A 422: `{"detail": [ValidationError, …]}`.
#[derive(Debug, serde::Serialize, ToSchema)]
#[schema(as = HTTPValidationError)]
#[allow(dead_code)] // describes a body built with `serde_json::json!`
pub struct HttpValidationError {
    /// Optional in both of the original's documents; always sent.
    #[schema(required = false)]
    pub detail: Vec<ValidationError>,
}

/// One validation problem (`ValidationError` in the OpenAPI document).
// Describes `podium_data::validation::ValidationIssue`, which the 422s serialise.
#[derive(Debug, serde::Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ValidationError {
    /// The kind of problem, e.g. `missing`, `string_type`, `string_too_long`, `uuid_parsing`.
    #[serde(rename = "type")]
    kind: String,
    /// Where: `body`, `query` or `path`, then the field (strings) or list index (integers).
    #[schema(schema_with = loc_schema)]
    loc: Vec<Value>,
    msg: String,
    /// Details such as `{"max_length": 50}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    ctx: Option<Box<Value>>,
}

/// `loc`: an array of strings (keys) and integers (list indexes).
fn loc_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Type};
    let item = AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Integer));
    ArrayBuilder::new().items(item).build()
}

/// A 422: the validation issues, or `{"detail": "text"}` for a business rule the original also
/// refuses with 422.
// Routes document it with `body = inline(Unprocessable)`.
#[derive(Debug, serde::Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // describes bodies built elsewhere
pub enum Unprocessable {
    Validation(HttpValidationError),
    Detail(ErrorDetail),
}

/// `{"message": "…"}`: the body of the routes that only confirm what they did.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct Message {
    pub message: &'static str,
}

impl Message {
    pub fn json(message: &'static str) -> crate::Json<Self> {
        crate::Json(Self { message })
    }
}

/// The security scheme name routes refer to.
pub const BEARER: &str = "HTTPBearer";

/// Adds the bearer scheme, the shared error schemas, 500/503 to every operation, and the
/// auth failures of contract section 0 (400 `Bad JWT`, 401) to every operation that needs
/// a bearer token, so routes document only their own errors.
#[derive(Debug)]
pub struct Common;

impl Modify for Common {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .schemas
            .insert("ErrorDetail".to_owned(), ErrorDetail::schema());
        components.schemas.insert(
            "HTTPValidationError".to_owned(),
            HttpValidationError::schema(),
        );
        components
            .schemas
            .insert("ValidationError".to_owned(), ValidationError::schema());
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorDetail")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in api.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    let responses = &mut operation.responses.responses;
                    responses.entry("401".to_owned()).or_insert_with(|| {
                        error("`Not authenticated` (no Bearer credentials; with `WWW-Authenticate: Bearer`) or `Invalid authentication credentials`")
                    });
                    match responses.get_mut("400") {
                        Some(RefOr::T(own)) => own.description.push_str(" or `Bad JWT`"),
                        Some(RefOr::Ref(_)) => {}
                        None => {
                            responses.insert("400".to_owned(), error("`Bad JWT`"));
                        }
                    }
                }
                operation
                    .responses
                    .responses
                    .entry("500".to_owned())
                    .or_insert_with(|| error("`Internal server error`"));
                operation
                    .responses
                    .responses
                    .entry("503".to_owned())
                    .or_insert_with(|| error("`The database is unavailable, try again shortly`"));
            }
        }
    }
}

/// Where the API's document is served: where FastAPI serves it, and where both frontends'
/// `openapi-ts.config.ts` read it from the running backend.
pub const DOCUMENT_PATH: &str = "/openapi.json";

/// `GET /openapi.json`: `document` as it is (the function mounting this embeds the committed
/// `openapi.json`; it is not an operation of the document, as in FastAPI's). JSON, CORS as every
/// route, cacheable by anyone for five minutes (`Vary: Origin`, since the CORS headers depend on
/// it) and revalidated by its ETag with a 304.
pub fn document<S: Clone + Send + Sync + 'static>(document: &'static str) -> MethodRouter<S> {
    let etag = format!("\"{:016x}\"", fnv1a(document.as_bytes()));
    let etag = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    axum::routing::get(move |request: HeaderMap| {
        let headers = [
            (ETAG, etag.clone()),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
            (VARY, HeaderValue::from_static("Origin")),
        ];
        let fresh = matches_etag(&request, &etag);
        async move {
            if fresh {
                return (StatusCode::NOT_MODIFIED, headers).into_response();
            }
            let json = [(CONTENT_TYPE, HeaderValue::from_static("application/json"))];
            (headers, json, document).into_response()
        }
    })
}

/// `If-None-Match` names `etag` (weakly or strongly) or is `*`.
fn matches_etag(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or_default();
    request
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// 64-bit FNV-1a: a stable fingerprint of the document for its ETag.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
