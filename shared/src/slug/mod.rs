//! Event slugs and join codes.

/// The `events.slug` column is `varchar(50)`.
pub const SLUG_MAX: usize = 50;

/// A slug as the original's python-slugify made them (contract 2.2, `POST /events/`): HTML
/// entities decoded, Unicode transliterated to ASCII (characters outside the Basic Multilingual
/// Plane, i.e. emoji, have no transliteration and are dropped, as unidecode does), lower case,
/// apostrophes removed, commas between digits removed, every other run of characters outside
/// `[a-z0-9]` collapsed to one `-`, and no leading or trailing `-`. Cut to 50 characters at a
/// `-` boundary (contract 7.5; a first word longer than 50 is cut at 50). May be empty.
pub fn slugify(name: &str) -> String {
    // python-slugify turns quotes into separators before transliterating, and drops the ones
    // transliteration produces: `Bob's` → `bob-s`.
    let ascii = transliterate(&decode_entities(&transliterate(&name.replace('\'', "-"))));
    let lower = ascii.to_ascii_lowercase().replace('\'', "");
    let lower = drop_digit_group_commas(&lower);
    let mut slug = String::with_capacity(lower.len());
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    cut_at_word(slug, SLUG_MAX).to_owned()
}

fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if (c as u32) <= 0xFFFF {
            out.push_str(deunicode::deunicode_char(c).unwrap_or(""));
        }
    }
    out
}

/// `&amp;`, `&#38;`, `&#x26;` and the other common named entities.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let decoded = after.find(';').and_then(|end| {
            let entity = &after[..end];
            let c = if let Some(hex) = entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
            {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = entity.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                named_entity(entity)
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, consumed)) => {
                out.push(c);
                rest = &after[consumed..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "eacute" => 'é',
        "egrave" => 'è',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "szlig" => 'ß',
        _ => return None,
    })
}

/// `1,000` → `1000`.
fn drop_digit_group_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = c == ','
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !between_digits {
            out.push(c);
        }
    }
    out
}

/// The longest prefix of at most `max` characters that ends at a word (the slug is ASCII).
fn cut_at_word(slug: &str, max: usize) -> &str {
    if slug.len() <= max {
        return slug;
    }
    if slug.as_bytes()[max] == b'-' {
        return &slug[..max];
    }
    match slug[..max].rfind('-') {
        Some(dash) => &slug[..dash],
        None => &slug[..max],
    }
}

/// A join code as the original made them: 3 random bytes in URL-safe base64, upper-cased, so
/// 4 characters from `[A-Z0-9_-]`. Uniqueness is settled by the database (the unique
/// constraints on `join_code`); callers retry on a collision.
pub fn join_code() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // A v4 UUID's first bytes are random (the version and variant bits are further on).
    let random = uuid::Uuid::new_v4();
    let [a, b, c] = [
        random.as_bytes()[0],
        random.as_bytes()[1],
        random.as_bytes()[2],
    ];
    let n = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
    (0..4)
        .map(|i| char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]).to_ascii_uppercase())
        .collect()
}

/// How many join codes to try before giving up (a collision among ~2 million codes is rare;
/// ten in a row means something else is wrong).
pub const JOIN_CODE_ATTEMPTS: usize = 10;

/// One insert attempt with a given code (boxed so that the future is `Send` for any borrow).
pub(crate) type Insert<'a, T> =
    std::pin::Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'a>>;

/// Runs `insert` with codes from `codes` until it does not violate `code_constraint` (the
/// unique constraint on a `join_code` column): the database settles collisions, also between
/// parallel requests. `Ok(None)` when every attempt collided; other errors are returned as they
/// are.
pub(crate) async fn with_fresh_join_code<'a, T>(
    mut codes: impl FnMut() -> String,
    code_constraint: &str,
    mut insert: impl FnMut(String) -> Insert<'a, T>,
) -> Result<Option<(T, String)>, sqlx::Error> {
    for _ in 0..JOIN_CODE_ATTEMPTS {
        let code = codes();
        match insert(code.clone()).await {
            Ok(value) => return Ok(Some((value, code))),
            Err(e) if crate::db::violated_constraint(&e) == Some(code_constraint) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_match_the_contracts_examples() {
        for (name, slug) in [
            ("Bob's Hack", "bob-s-hack"),
            ("Hack  Club -- 2025!", "hack-club-2025"),
            ("Café Ünïcode 日本", "cafe-unicode-ri-ben"),
            ("C++ / Rust", "c-rust"),
            ("Ümlaut_under_score", "umlaut-under-score"),
            ("Émoji 🎉 party", "emoji-party"),
            ("HTML &amp; entity", "html-entity"),
            ("Raised $1,000,000", "raised-1000000"),
            ("", ""),
            ("!!!", ""),
        ] {
            assert_eq!(slugify(name), slug, "{name:?}");
        }
    }

    #[test]
    fn long_slugs_are_cut_at_a_dash_within_fifty_characters() {
        let name = "The Very Long Annual International Hackathon Of Everything";
        let slug = slugify(name);
        assert_eq!(slug, "the-very-long-annual-international-hackathon-of");
        assert!(slug.len() <= SLUG_MAX);
        let exact = "a".repeat(50) + " b";
        assert_eq!(slugify(&exact), "a".repeat(50));
        assert_eq!(slugify(&"x".repeat(80)), "x".repeat(50));
    }

    #[test]
    fn join_codes_are_four_characters_of_upper_case_url_safe_base64() {
        for _ in 0..200 {
            let code = join_code();
            assert_eq!(code.len(), 4);
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_'),
                "{code}"
            );
        }
    }
}
