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

/// Whether MailChecker (the list the original uses, ~55 000 disposable domains, kept up to date
/// by its project; a domain and its sub-domains) and its syntax check accept the address. Expects
/// a normalised address.
pub fn is_deliverable(email: &str) -> bool {
    mailchecker::is_valid(email)
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
