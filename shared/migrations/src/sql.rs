//! The lexical work on migration files: splitting a no-transaction file into statements,
//! linting such a file, and finding the line of a server error's position.
//!
//! A transactional file is sent to the server whole, as one simple query inside the migration's
//! transaction (as sqlx does), so PostgreSQL's own parser decides where statements end — a
//! `CREATE FUNCTION … BEGIN ATOMIC … END` body with `;` inside is one statement to it — and a
//! failure's line comes from the server's error position ([`line_at`]).
//!
//! A no-transaction file (first line `-- no-transaction`) cannot be sent whole: a multi-statement
//! string runs in an implicit transaction, which `CREATE INDEX CONCURRENTLY` refuses. It is split
//! on top-level semicolons and run statement by statement. The splitter understands the lexical
//! forms that can hide a `;` — quoted strings (including `E'…'` escapes), quoted identifiers,
//! dollar quoting, and both comment styles (block comments nest, as in PostgreSQL) — but not
//! SQL-standard function bodies, so [`lint_no_transaction`] refuses a `BEGIN ATOMIC` in such a
//! file (and transaction control, which the engine owns).

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
        if let Some(past) = skip_hidden(bytes, i) {
            i = past;
            continue;
        }
        match bytes[i] {
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

/// Why a no-transaction file cannot be run statement by statement, if it cannot: a
/// `BEGIN ATOMIC` body (the splitter would cut it at its inner `;`) or a transaction-control
/// statement (the file runs outside a transaction by design; the engine owns BEGIN/COMMIT).
pub fn lint_no_transaction(sql: &str) -> Result<(), String> {
    for statement in split_statements(sql) {
        let words = code_words(&statement.sql);
        let first = words.first().map(String::as_str);
        if let Some(
            control @ ("begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint"
            | "release"),
        ) = first
        {
            return Err(format!(
                "line {}: `{}` in a no-transaction file: the engine runs such a file outside a \
                 transaction, statement by statement; move the statements that need one into \
                 a migration of their own",
                statement.line,
                control.to_ascii_uppercase()
            ));
        }
        if words
            .windows(2)
            .any(|w| w[0] == "begin" && w[1] == "atomic")
        {
            return Err(format!(
                "line {}: a BEGIN ATOMIC body in a no-transaction file, which is split on `;`; \
                 put the function in a transactional migration (sent whole) or give it a \
                 dollar-quoted body",
                statement.line
            ));
        }
    }
    Ok(())
}

/// The 1-based line of `sql` holding the server's error position (PostgreSQL's `position`:
/// 1-based, counted in characters of the query string); the last line for a position past the end
/// (PostgreSQL's "at end of input" points one past the file's final newline).
pub fn line_at(sql: &str, position: usize) -> usize {
    let before: String = sql.chars().take(position.saturating_sub(1)).collect();
    (before.matches('\n').count() + 1).min(sql.lines().count().max(1))
}

/// The words (keywords and unquoted identifiers, lower-cased) outside strings, quoted
/// identifiers, dollar quotes and comments.
fn code_words(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(past) = skip_hidden(bytes, i) {
            i = past;
            continue;
        }
        match bytes[i] {
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                words.push(sql[start..i].to_ascii_lowercase());
            }
            _ => i += 1,
        }
    }
    words
}

/// When `bytes[i]` opens one of the forms that can hide a `;` or a keyword — a comment, a quoted
/// string (`E'…'` with backslash escapes) or identifier, a dollar quote — the offset just past it.
fn skip_hidden(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes[i] {
        b'-' if bytes.get(i + 1) == Some(&b'-') => Some(memchr_or_end(bytes, i, b'\n')),
        b'/' if bytes.get(i + 1) == Some(&b'*') => Some(skip_block_comment(bytes, i)),
        b'\'' => {
            let backslash_escapes =
                i > 0 && matches!(bytes[i - 1], b'E' | b'e') && !is_ident_byte_before(bytes, i - 1);
            Some(skip_quoted(bytes, i, b'\'', backslash_escapes))
        }
        b'"' => Some(skip_quoted(bytes, i, b'"', false)),
        b'$' => Some(skip_dollar_quoted(bytes, i)),
        _ => None,
    }
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
    fn a_begin_atomic_body_is_refused_in_a_no_transaction_file_and_only_outside_quotes() {
        let atomic = "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n\
                      CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\nEND;\n";
        let err = lint_no_transaction(atomic).expect_err("refused");
        assert!(err.starts_with("line 3: a BEGIN ATOMIC body"), "{err}");
        // The splitter would have cut it inside the body: the reason for the lint.
        assert_eq!(
            texts(atomic)[1],
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1"
        );

        assert_eq!(
            lint_no_transaction(
                "-- no-transaction\n-- begin atomic in a comment\nCREATE INDEX CONCURRENTLY \"begin atomic\" ON t (x);\n\
                 COMMENT ON INDEX \"begin atomic\" IS 'BEGIN ATOMIC'; DO $$ BEGIN PERFORM 1; END $$;"
            ),
            Ok(())
        );
    }

    #[test]
    fn transaction_control_is_refused_in_a_no_transaction_file() {
        let err =
            lint_no_transaction("-- no-transaction\nBEGIN;\nCREATE TABLE t (x int);\nCOMMIT;")
                .expect_err("refused");
        assert!(
            err.starts_with("line 2: `BEGIN` in a no-transaction file"),
            "{err}"
        );
    }

    #[test]
    fn the_server_s_error_position_is_turned_into_its_line_counting_characters() {
        let sql = "-- é\nSELECT 1;\nSELECT 'ünï' + x;";
        let position = sql.chars().position(|c| c == 'x').expect("x") + 1;
        assert_eq!(line_at(sql, position), 3);
        assert_eq!(line_at(sql, 1), 1);
        assert_eq!(line_at(sql, 10_000), 3);
        // "syntax error at end of input": one past the last character of a file ending in `\n`.
        let unclosed = "SELECT 1;\nSELECT (2;\n";
        assert_eq!(line_at(unclosed, unclosed.chars().count() + 1), 2);
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
