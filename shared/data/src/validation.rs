//! Validation problems in the shape the frontend expects (FastAPI/Pydantic v2):
//! `{"type": "...", "loc": ["body", "first_name"], "msg": "...", "ctx": {...}}`.
//! Produced by the domain types and by the HTTP extractors, rendered as a 422 by the HTTP crate's
//! `ApiError` (which also documents the shape as `ValidationError`).

use serde::Serialize;
use serde_json::Value;

/// One validation problem (`ValidationError` in the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationIssue {
    /// The kind of problem, e.g. `missing`, `string_type`, `string_too_long`, `uuid_parsing`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Where: `body`, `query` or `path`, then the field (strings) or list index (integers).
    pub loc: Vec<Value>,
    pub msg: String,
    /// Details such as `{"max_length": 50}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Box<Value>>,
}

impl ValidationIssue {
    pub fn new(kind: &'static str, loc: Vec<Value>, msg: impl Into<String>) -> Self {
        Self {
            kind,
            loc,
            msg: msg.into(),
            ctx: None,
        }
    }

    pub fn with_ctx(mut self, ctx: Value) -> Self {
        self.ctx = Some(Box::new(ctx));
        self
    }

    /// `["body", field]`
    pub fn body(kind: &'static str, field: &str, msg: impl Into<String>) -> Self {
        Self::new(kind, vec!["body".into(), field.into()], msg)
    }

    pub fn missing(loc: Vec<Value>) -> Self {
        Self::new("missing", loc, "Field required")
    }

    /// A list longer than `max` (pydantic's `too_long` for lists).
    pub fn too_many_items(loc: Vec<Value>, max: usize, actual: usize) -> Self {
        Self::new(
            "too_long",
            loc,
            format!("List should have at most {max} items after validation, not {actual}"),
        )
        .with_ctx(
            serde_json::json!({ "field_type": "List", "max_length": max, "actual_length": actual }),
        )
    }

    pub fn too_long(loc: Vec<Value>, max: usize) -> Self {
        let s = if max == 1 { "" } else { "s" };
        Self::new(
            "string_too_long",
            loc,
            format!("String should have at most {max} character{s}"),
        )
        .with_ctx(serde_json::json!({ "max_length": max }))
    }
}

/// Collects issues; `finish` turns them into an error when there are any.
#[derive(Debug, Default)]
pub struct Issues(Vec<ValidationIssue>);

impl Issues {
    pub fn push(&mut self, issue: ValidationIssue) {
        self.0.push(issue);
    }

    /// Checks that `value` fits a `varchar(max)` column (length in characters, as PostgreSQL counts).
    pub fn max_chars(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.push(ValidationIssue::too_long(
                vec!["body".into(), field.into()],
                max,
            ));
        }
    }

    pub fn finish(self) -> Result<(), Vec<ValidationIssue>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
