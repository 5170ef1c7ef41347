//! Pieces of the OpenAPI document that every function shares: the error bodies, the bearer
//! scheme, and the 500/503 answers any route may give.

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
    pub fn json(message: &'static str) -> axum::Json<Self> {
        axum::Json(Self { message })
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
