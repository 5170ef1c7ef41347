//! An Airtable record and the typed reads of its fields, the same for both sources: the API gives
//! JSON values (strings, numbers, `true`, arrays of record ids), a CSV export gives text
//! (`checked`, `"recA,recB"`). Empty fields are absent in both.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(
        rename = "createdTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_time: Option<String>,
    #[serde(default)]
    pub fields: Map<String, Value>,
}

/// A number field that holds something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

impl Record {
    fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).filter(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        })
    }

    /// A text field (numbers and checkboxes as their text; a list joined with ", ").
    pub fn text(&self, name: &str) -> Option<String> {
        self.field(name).map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        })
    }

    /// A linked-record field: an array of record ids, or (CSV) ids separated by commas.
    pub fn links(&self, name: &str) -> Vec<String> {
        match self.field(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The first linked record, as the original read `owner`, `event`, `user`, `voter`, `project`.
    pub fn link(&self, name: &str) -> Option<String> {
        self.links(name).into_iter().next()
    }

    /// A checkbox: `true` or absent (CSV: `checked`, `true`, `yes`, `1`).
    pub fn flag(&self, name: &str) -> bool {
        match self.field(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(
                s.trim().to_ascii_lowercase().as_str(),
                "checked" | "true" | "yes" | "1" | "x"
            ),
            Some(Value::Number(n)) => n.as_f64().is_some_and(|n| n != 0.0),
            _ => false,
        }
    }

    /// A whole number (decimals rounded); absent is `Ok(None)`.
    pub fn number(&self, name: &str) -> Result<Option<i64>, NotANumber> {
        let value = match self.field(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        match value {
            #[allow(clippy::cast_possible_truncation)]
            Some(v) if v.is_finite() && v.abs() < 2e9 => Ok(Some(v.round() as i64)),
            _ => Err(NotANumber),
        }
    }

    /// The raw value (for JSON fields).
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.field(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(fields: &Value) -> Record {
        Record {
            id: "rec1".into(),
            created_time: None,
            fields: fields.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn api_and_csv_values_read_the_same() {
        let api =
            record(&json!({"owner": ["recA", "recB"], "votable": true, "hours": 3, "name": "X"}));
        let csv = record(
            &json!({"owner": "recA, recB", "votable": "checked", "hours": "3", "name": "X"}),
        );
        for r in [&api, &csv] {
            assert_eq!(r.links("owner"), ["recA", "recB"]);
            assert_eq!(r.link("owner").as_deref(), Some("recA"));
            assert!(r.flag("votable"));
            assert!(!r.flag("missing"));
            assert_eq!(r.number("hours"), Ok(Some(3)));
            assert_eq!(r.text("name").as_deref(), Some("X"));
        }
    }

    #[test]
    fn empty_values_are_absent_and_numbers_are_checked() {
        let r = record(&json!({"a": "  ", "b": [], "n": "ten", "f": 2.6}));
        assert_eq!(r.text("a"), None);
        assert!(r.links("b").is_empty());
        assert_eq!(r.number("n"), Err(NotANumber));
        assert_eq!(r.number("f"), Ok(Some(3)));
        assert_eq!(r.number("zzz"), Ok(None));
    }
}
