//! The rules every JSON request body obeys before it is parsed into a route's type, checked in
//! one pass over its bytes (no tree is built, so no recursion limit can end the check early):
//! no string or key holds NUL (`\u0000`, which PostgreSQL refuses in text), and objects and
//! arrays nest at most [`MAX_DEPTH`] deep. Both hold for every field, including the ones a
//! route ignores. The scan stops at the first violation, so what it keeps (one frame per open
//! object or array) never exceeds [`MAX_DEPTH`] frames, whatever the body: a body of two million
//! `[` costs the same as one of thirty-three.

use serde_json::Value;

use podium_data::validation::ValidationIssue;

/// How deep objects and arrays may nest in a request body. The contract's bodies are one or
/// two levels deep (a whole project PUT back, with its cached check result, is four).
pub const MAX_DEPTH: usize = 32;

/// The first NUL or over-deep nesting in `json`, as a 422 issue whose `loc` names where it is.
/// `None` when there is neither; text that is not well-formed JSON is left to the parse that
/// follows (a `json_invalid`) unless a violation comes first.
pub fn check(json: &[u8]) -> Option<ValidationIssue> {
    let mut scanner = Scanner {
        stack: Vec::with_capacity(MAX_DEPTH),
    };
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'"' => {
                let end = string_end(json, i)?;
                let text = &json[i + 1..end];
                let is_key = scanner.expects_key();
                if has_nul_escape(text) {
                    return Some(nul_issue(scanner.loc(is_key.then_some(text))));
                }
                if is_key {
                    scanner.set_key(text);
                }
                i = end + 1;
                continue;
            }
            b'{' | b'[' => {
                if scanner.stack.len() == MAX_DEPTH {
                    return Some(too_deep_issue(scanner.loc(None)));
                }
                scanner.open(json[i] == b'{');
            }
            b'}' | b']' => scanner.close(json[i] == b'}')?,
            b',' => scanner.next_item(),
            _ => {}
        }
        i += 1;
    }
    None
}

#[derive(Debug)]
enum Frame {
    /// An object, with the key of the member being read (`None` while a key is expected).
    Object(Option<Value>),
    /// An array, with the index of the element being read.
    Array(usize),
}

#[derive(Debug)]
struct Scanner {
    stack: Vec<Frame>,
}

impl Scanner {
    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Object(None)))
    }

    fn set_key(&mut self, raw: &[u8]) {
        if let Some(Frame::Object(key)) = self.stack.last_mut() {
            *key = Some(Value::String(decode_key(raw)));
        }
    }

    fn open(&mut self, object: bool) {
        self.stack.push(if object {
            Frame::Object(None)
        } else {
            Frame::Array(0)
        });
    }

    /// `None` when the bracket does not match the open one (malformed JSON).
    fn close(&mut self, object: bool) -> Option<()> {
        match (self.stack.pop()?, object) {
            (Frame::Object(_), true) | (Frame::Array(_), false) => Some(()),
            _ => None,
        }
    }

    fn next_item(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Object(key)) => *key = None,
            Some(Frame::Array(index)) => *index += 1,
            None => {}
        }
    }

    /// `["body", …keys and indexes down to the value being read]`; for a key that holds the
    /// NUL itself, the path of its object.
    fn loc(&self, in_key: Option<&[u8]>) -> Vec<Value> {
        let mut loc: Vec<Value> = vec!["body".into()];
        let depth = self.stack.len();
        for (level, frame) in self.stack.iter().enumerate() {
            let innermost = level + 1 == depth;
            match frame {
                Frame::Object(Some(key)) if !(innermost && in_key.is_some()) => {
                    loc.push(key.clone());
                }
                Frame::Array(index) => loc.push(Value::from(*index)),
                Frame::Object(_) => {}
            }
        }
        loc
    }
}

/// The index of the quote that closes the string opening at `start`; `None` if unterminated.
fn string_end(json: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < json.len() {
        match json[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Whether a string's raw text holds the escape `\u0000` (raw NUL bytes are not valid JSON);
/// an escaped backslash followed by `u0000` is ordinary text.
fn has_nul_escape(raw: &[u8]) -> bool {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            if raw[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// A key's text with its escapes decoded (lossy where the escapes are not valid).
fn decode_key(raw: &[u8]) -> String {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
}

/// PostgreSQL refuses the NUL character in text, so it is refused here, before any query.
pub(super) fn nul_issue(loc: Vec<Value>) -> ValidationIssue {
    ValidationIssue::new(
        "value_error",
        loc,
        "Value error, text must not contain the NUL character (\\u0000)",
    )
}

fn too_deep_issue(loc: Vec<Value>) -> ValidationIssue {
    ValidationIssue::new(
        "value_error",
        loc,
        format!("Value error, JSON must not nest objects and arrays more than {MAX_DEPTH} deep"),
    )
    .with_ctx(serde_json::json!({ "max_depth": MAX_DEPTH }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn loc_of(json: &str) -> Option<Value> {
        check(json.as_bytes()).map(|issue| Value::Array(issue.loc))
    }

    #[test]
    fn a_nul_is_found_in_any_field_at_any_depth_with_its_path() {
        assert_eq!(
            loc_of(r#"{"a":"x","b":[1,{"c":"\u0000"}]}"#),
            Some(json!(["body", "b", 1, "c"]))
        );
        assert_eq!(
            loc_of(r#"{"first_name":"A\u0000"}"#),
            Some(json!(["body", "first_name"]))
        );
        assert_eq!(loc_of(r#"["ok","\u0000"]"#), Some(json!(["body", 1])));
        assert_eq!(loc_of(r#"{"k\u0000":1}"#), Some(json!(["body"])));
        assert_eq!(loc_of(r#"{"o":{"k\u0000":1}}"#), Some(json!(["body", "o"])));
        assert_eq!(
            loc_of(r#"{"a\"b":"\u0000"}"#),
            Some(json!(["body", "a\"b"]))
        );
    }

    #[test]
    fn text_that_only_looks_like_a_nul_is_not_one() {
        assert_eq!(loc_of(r#"{"a":"\\u0000"}"#), None);
        assert_eq!(loc_of(r#"{"a":"u0000","b":"\u0001"}"#), None);
    }

    #[test]
    fn nesting_up_to_the_limit_passes_and_one_more_level_is_named() {
        let nested = |depth: usize| {
            format!(
                r#"{{"email":"a@example.com","x":{}1{}}}"#,
                "[".repeat(depth - 1),
                "]".repeat(depth - 1)
            )
        };
        assert_eq!(check(nested(MAX_DEPTH).as_bytes()), None);
        let issue = check(nested(MAX_DEPTH + 1).as_bytes()).expect("too deep");
        assert_eq!(issue.kind, "value_error");
        let mut expected = vec![json!("body"), json!("x")];
        expected.extend(std::iter::repeat_n(json!(0), MAX_DEPTH - 1));
        assert_eq!(issue.loc, expected);
        assert_eq!(issue.ctx.as_deref(), Some(&json!({"max_depth": MAX_DEPTH})));
    }

    #[test]
    fn deep_nesting_far_past_any_parsers_recursion_limit_is_caught_with_a_nul_beside_it() {
        let body = format!(
            r#"{{"first_name":"A\u0000","x":{}{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let issue = check(body.as_bytes()).expect("an issue");
        assert_eq!(issue.loc, vec![json!("body"), json!("first_name")]);
    }

    #[test]
    fn malformed_json_is_left_to_the_parser_unless_a_violation_comes_first() {
        assert_eq!(check(br#"{"a":"x""#), None);
        assert_eq!(check(br#"{"a":["x"}"#), None);
        assert_eq!(check(br#"{"a":"x"}]"#), None);
        assert_eq!(check(br#"{"a":"x"#), None);
        assert_eq!(
            check(br#"{"a":"\u0000""#).map(|i| Value::Array(i.loc)),
            Some(json!(["body", "a"]))
        );
    }

    #[test]
    fn the_scan_stops_at_the_first_violation_and_keeps_at_most_max_depth_frames() {
        // Two million open brackets: the issue names the 33rd level, found after 33 bytes.
        let body = "[".repeat(2_000_000);
        let issue = check(body.as_bytes()).expect("too deep");
        assert_eq!(issue.loc.len(), 1 + MAX_DEPTH);
        let mut scanner = Scanner {
            stack: Vec::with_capacity(MAX_DEPTH),
        };
        for _ in 0..MAX_DEPTH {
            scanner.open(false);
        }
        assert_eq!(scanner.stack.capacity(), MAX_DEPTH, "never grown");
    }
}
