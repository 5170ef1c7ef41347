//! Values parsed from input: once constructed, they are valid.

use std::fmt;

use chrono::NaiveDate;
use serde_json::Value;

use crate::validation::ValidationIssue;

/// An email address, trimmed and lower-cased, checked for syntax only (contract 7.8): one `@`,
/// a non-empty local part, a domain with a dot and no empty labels. Special-use domains such as
/// `.local` and `.test` are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// The column is `varchar(255)`.
pub const EMAIL_MAX: usize = 255;

impl Email {
    pub fn parse(raw: &str, loc: Vec<Value>) -> Result<Self, ValidationIssue> {
        let email = normalize_email(raw);
        let invalid = |why: &str| {
            ValidationIssue::new(
                "value_error",
                loc.clone(),
                format!("value is not a valid email address: {why}"),
            )
        };
        if email.chars().count() > EMAIL_MAX {
            return Err(ValidationIssue::too_long(loc, EMAIL_MAX));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(invalid("An email address must have an @-sign."));
        };
        if domain.contains('@') {
            return Err(invalid("An email address must have exactly one @-sign."));
        }
        if local.is_empty() {
            return Err(invalid("There must be something before the @-sign."));
        }
        if email.chars().any(char::is_whitespace) {
            return Err(invalid("An email address cannot contain spaces."));
        }
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(invalid(
                "The part after the @-sign is not valid. It should have a period.",
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// MailChecker's disposable domains, sorted, one per line (written by `build.rs` from the
/// `mailchecker` crate).
static DISPOSABLE_DOMAINS: &str = include_str!(concat!(env!("OUT_DIR"), "/disposable_domains.txt"));

fn disposable_domains() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| DISPOSABLE_DOMAINS.lines().collect())
}

/// Whether MailChecker accepts the address, as its `is_valid` decides (the check the original
/// uses): its syntax check, then no domain suffix of two or more labels (`mailinator.com`,
/// `sub.mailinator.com`, …) on its list of ~55 000 disposable domains, kept up to date by that
/// project (the `mailchecker` crate, read at build time). Expects a normalised address.
pub fn is_deliverable(email: &str) -> bool {
    if !fast_chemail::is_valid_email(email) {
        return false;
    }
    let lower = email.to_lowercase();
    let Some((_, domain)) = lower.rsplit_once('@') else {
        return false;
    };
    let list = disposable_domains();
    // Every suffix but the last label alone: `b.c.d` gives `c.d` and `b.c.d`.
    let mut suffixes = Vec::new();
    let mut rest = domain;
    while let Some((_, tail)) = rest.split_once('.') {
        suffixes.push(rest);
        rest = tail;
    }
    !suffixes.iter().any(|s| list.binary_search(s).is_ok())
}

/// How the API compares emails: trimmed and lower-cased.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// An ISO `YYYY-MM-DD` date, as the frontend sends `dob`.
pub fn parse_date(raw: &str, loc: Vec<Value>) -> Result<NaiveDate, ValidationIssue> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        ValidationIssue::new(
            "date_parsing",
            loc,
            "Input should be a valid date in the format YYYY-MM-DD",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compact_list_answers_as_mailchecker_itself_does() {
        let list = mailchecker::blacklist();
        let mut checked = 0;
        for domain in list.iter().step_by(97) {
            for email in [
                format!("someone@{domain}"),
                format!("someone@sub.{domain}"),
                format!("Someone@{}", domain.to_uppercase()),
            ] {
                assert_eq!(
                    is_deliverable(&email),
                    mailchecker::is_valid(&email),
                    "{email}"
                );
                checked += 1;
            }
        }
        for email in [
            "ada@example.com",
            "a@b.c",
            "a@[1.2.3.4]",
            "kid@school.test",
            "a@b..com",
            "ü@example.com",
            "",
        ] {
            assert_eq!(
                is_deliverable(email),
                mailchecker::is_valid(email),
                "{email}"
            );
        }
        assert!(checked > 1500);
    }

    #[test]
    fn disposable_domains_and_their_sub_domains_are_not_deliverable() {
        for (email, ok) in [
            ("ada@example.com", true),
            ("a@b.c", true),
            ("kid@school.test", true),
            ("x@mailinator.com", false),
            ("x@sub.mailinator.com", false),
            ("x@yopmail.com", false),
            ("notanemail", false),
            ("a@localhost", false),
            ("x@33mail.com", false),
            ("x@ok.33mail.com", false),
            ("plop@plop.com", true),
        ] {
            assert_eq!(is_deliverable(email), ok, "{email}");
        }
    }

    fn email(raw: &str) -> Result<String, String> {
        Email::parse(raw, vec!["query".into(), "email".into()])
            .map(|e| e.0)
            .map_err(|i| i.msg)
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_checked_for_syntax_only() {
        assert_eq!(email("  Ada@Example.COM "), Ok("ada@example.com".into()));
        assert_eq!(
            email("signup+1@test.local"),
            Ok("signup+1@test.local".into())
        );
        assert_eq!(email("x@mail.test"), Ok("x@mail.test".into()));
        assert!(email("notanemail").is_err());
        assert!(email("@example.com").is_err());
        assert!(email("a@b@example.com").is_err());
        assert!(email("a@localhost").is_err());
        assert!(email("a@example..com").is_err());
        assert!(email("a b@example.com").is_err());
    }

    #[test]
    fn dates_are_iso() {
        let loc = || vec!["body".into(), "dob".into()];
        assert_eq!(
            parse_date("2001-02-03", loc()),
            Ok(NaiveDate::from_ymd_opt(2001, 2, 3).expect("date"))
        );
        assert_eq!(
            parse_date("", loc()).map_err(|i| i.kind),
            Err("date_parsing")
        );
        assert!(parse_date("03/02/2001", loc()).is_err());
    }
}
