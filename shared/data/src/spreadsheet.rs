//! Text we write into CSV files that organizers open in a spreadsheet (the superadmin's project
//! export, an event's results): a cell that starts like a formula must stay text.

/// The characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a
/// formula, or that it skips before looking for one (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet would run as a formula gets a leading `'`, which makes it text (OWASP's
/// rule): one that starts with `=`, `+`, `-`, `@`, a tab or a carriage return, unless it is a plain
/// number, `-?[0-9]+(\.[0-9]+)?` (ASCII digits; so negative hours stay numbers). Every other cell
/// is left exactly as it is.
pub fn neutralised(cell: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && !is_plain_number(&cell) {
        format!("'{cell}").into()
    } else {
        cell
    }
}

/// `-?[0-9]+(\.[0-9]+)?`, the whole text.
fn is_plain_number(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(unsigned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_starts_like_a_formula_gets_a_quote_unless_it_is_a_plain_number() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-1e5", "'-1e5"),
            ("-1.", "'-1."),
            ("-.5", "'-.5"),
            ("--1", "'--1"),
            ("-١", "'-١"),
            ("-3", "-3"),
            ("-0042", "-0042"),
            ("-2.50", "-2.50"),
            ("12", "12"),
            (" =1", " =1"),
            ("a=1", "a=1"),
            ("'=1", "'=1"),
            ("", ""),
        ] {
            assert_eq!(neutralised(cell.into()), out, "{cell:?}");
        }
    }
}
