//! Splits a migration file into statements, so each one can be run (and reported) on its own.
//!
//! PostgreSQL's simple-query protocol would accept the whole file at once, but then a failure
//! cannot be pinned to a statement, and `CREATE INDEX CONCURRENTLY` refuses to run inside the
//! implicit transaction a multi-statement string gets. The splitter understands exactly the
//! lexical forms that can hide a `;`: quoted strings (including `E'…'` escapes), quoted
//! identifiers, dollar quoting, and both comment styles (block comments nest, as in PostgreSQL).

/// One statement of a migration file, without its terminating `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text, trimmed of surrounding whitespace (comments inside are kept).
    pub sql: String,
    /// The 1-based line of the file on which the statement starts.
    pub line: usize,
}

/// Splits `sql` on top-level semicolons. Pieces holding only whitespace and comments are dropped.
pub fn split_statements(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = memchr_or_end(bytes, i, b'\n');
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
            }
            b'\'' => {
                let backslash_escapes = i > 0
                    && matches!(bytes[i - 1], b'E' | b'e')
                    && !is_ident_byte_before(bytes, i - 1);
                i = skip_quoted(bytes, i, b'\'', backslash_escapes);
            }
            b'"' => i = skip_quoted(bytes, i, b'"', false),
            b'$' => i = skip_dollar_quoted(bytes, i),
            b';' => {
                push_statement(sql, start, i, &mut statements);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push_statement(sql, start, bytes.len(), &mut statements);
    statements
}

fn push_statement(sql: &str, start: usize, end: usize, out: &mut Vec<Statement>) {
    let piece = &sql[start..end];
    let Some(code) = first_code_byte(piece) else {
        return;
    };
    let line = sql[..start + code].matches('\n').count() + 1;
    out.push(Statement {
        sql: piece.trim().to_owned(),
        line,
    });
}

/// The offset of the first byte of `piece` that is neither whitespace nor inside a comment.
fn first_code_byte(piece: &str) -> Option<usize> {
    let bytes = piece.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = memchr_or_end(bytes, i, b'\n'),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b if b.is_ascii_whitespace() => i += 1,
            _ => return Some(i),
        }
    }
    None
}

fn memchr_or_end(bytes: &[u8], from: usize, needle: u8) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == needle)
        .map_or(bytes.len(), |p| from + p)
}

fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Skips a quoted run starting at `start` (the opening quote); a doubled quote is an escaped one.
fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash_escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if backslash_escapes && bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Skips `$tag$ … $tag$` when `start` opens a dollar quote; otherwise (a `$1` parameter, or a `$`
/// inside an identifier) steps over the single `$`.
fn skip_dollar_quoted(bytes: &[u8], start: usize) -> usize {
    if is_ident_byte_before(bytes, start) {
        return start + 1;
    }
    let mut j = start + 1;
    while j < bytes.len()
        && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] >= 0x80)
    {
        j += 1;
    }
    if bytes.get(j) != Some(&b'$') || bytes.get(start + 1).is_some_and(u8::is_ascii_digit) {
        return start + 1;
    }
    let tag = &bytes[start..=j];
    let body = j + 1;
    bytes[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map_or(bytes.len(), |p| body + p + tag.len())
}

/// Whether the byte before `pos` continues an identifier (so `pos` is not a token start).
fn is_ident_byte_before(bytes: &[u8], pos: usize) -> bool {
    pos > 0 && {
        let b = bytes[pos - 1];
        b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split_statements(sql).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_and_drops_empty_pieces() {
        assert_eq!(
            texts("SELECT 1; SELECT 2;\n;\n  "),
            ["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn keeps_semicolons_inside_strings_identifiers_and_comments() {
        let sql = "INSERT INTO t VALUES ('a;b', 'it''s;'); -- trailing; comment\n\
                   CREATE TABLE \"odd;name\" (x int); /* a; /* nested; */ still; */ SELECT 3";
        assert_eq!(
            texts(sql),
            [
                "INSERT INTO t VALUES ('a;b', 'it''s;')",
                "-- trailing; comment\nCREATE TABLE \"odd;name\" (x int)",
                "/* a; /* nested; */ still; */ SELECT 3",
            ]
        );
    }

    #[test]
    fn understands_escape_strings_and_dollar_quoting() {
        let sql = "SELECT E'a\\';b'; CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; \
                   DO $$ BEGIN PERFORM 1; END $$; SELECT $1";
        assert_eq!(
            texts(sql),
            [
                "SELECT E'a\\';b'",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                "DO $$ BEGIN PERFORM 1; END $$",
                "SELECT $1",
            ]
        );
    }

    #[test]
    fn a_comment_only_file_has_no_statements() {
        assert!(split_statements("-- no-transaction\n/* nothing */\n").is_empty());
    }

    #[test]
    fn reports_the_line_each_statement_s_code_starts_on() {
        let lines: Vec<usize> = split_statements("-- header\n\nSELECT 1;\nSELECT\n  2;")
            .iter()
            .map(|s| s.line)
            .collect();
        assert_eq!(lines, [3, 4]);
    }
}
