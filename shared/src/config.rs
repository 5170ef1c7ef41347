//! Settings read from the environment.

use std::fmt;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

/// The environment variables that may hold the database URL, in order of preference.
pub const DATABASE_URL_VARS: [&str; 2] = ["PODIUM_DATABASE_URL", "DATABASE_URL"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(String),
    #[error("{name} is not a valid setting: {reason}")]
    Invalid { name: String, reason: String },
}

/// A required setting.
pub fn required(name: &str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ConfigError::Missing(name.to_owned()))
}

/// An optional setting (unset or empty: `None`).
pub fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A setting parsed from text, `default` when unset.
pub fn parsed<T: FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match optional(name) {
        None => Ok(default),
        Some(value) => value.trim().parse().map_err(|_| ConfigError::Invalid {
            name: name.to_owned(),
            reason: format!("`{value}` is not a valid value"),
        }),
    }
}

/// A PostgreSQL URL. Its `Debug` and `Display` hide the password, so it can be logged.
///
/// The original service's form `postgresql+asyncpg://…` (SQLAlchemy driver suffix) is accepted,
/// so the same secret serves both during the cut-over.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(url::Url);

impl DatabaseUrl {
    /// Reads `PODIUM_DATABASE_URL`, else `DATABASE_URL`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let (name, value) = DATABASE_URL_VARS
            .iter()
            .find_map(|name| {
                std::env::var(name)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*name, v))
            })
            .ok_or_else(|| ConfigError::Missing(DATABASE_URL_VARS.join(" or ")))?;
        value.parse().map_err(|reason| ConfigError::Invalid {
            name: name.to_owned(),
            reason,
        })
    }

    pub fn connect_options(&self) -> PgConnectOptions {
        // The URL was checked by `PgConnectOptions` when it was parsed.
        PgConnectOptions::from_str(self.0.as_str()).unwrap_or_else(|_| PgConnectOptions::new())
    }

    /// The URL with the password, for handing to tools that need it (never for logs).
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// The database's name (the URL's path).
    pub fn database(&self) -> &str {
        self.0.path().trim_start_matches('/')
    }

    /// The same server, another database.
    pub fn with_database(&self, database: &str) -> Self {
        let mut url = self.0.clone();
        url.set_path(&format!("/{database}"));
        Self(url)
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut url = url::Url::parse(s.trim()).map_err(|e| format!("not a URL ({e})"))?;
        let scheme = url
            .scheme()
            .split('+')
            .next()
            .unwrap_or_default()
            .to_owned();
        if scheme != "postgres" && scheme != "postgresql" {
            return Err(format!(
                "expected a postgres:// or postgresql:// URL, got {}://",
                url.scheme()
            ));
        }
        if url.scheme() != scheme {
            // `set_scheme` refuses some changes between special and non-special schemes; rebuild.
            let rest = &url.as_str()[url.scheme().len()..];
            url = url::Url::parse(&format!("{scheme}{rest}"))
                .map_err(|e| format!("not a URL ({e})"))?;
        }
        PgConnectOptions::from_str(url.as_str())
            .map_err(|_| "not a valid PostgreSQL URL".to_owned())?;
        Ok(Self(url))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = self.0.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        // Query parameters may carry a password too (`?password=`).
        if url
            .query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("password"))
        {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k.eq_ignore_ascii_case("password") {
                        "***".to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        f.write_str(url.as_str())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_debug_hide_the_password() {
        let url: DatabaseUrl =
            "postgres://podium:s3cret@db.example:5432/podium?sslmode=require&password=other"
                .parse()
                .expect("valid");
        let shown = format!("{url} {url:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("other"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://podium:***@db.example:5432/podium"),
            "{shown}"
        );
        assert_eq!(
            url.expose(),
            "postgres://podium:s3cret@db.example:5432/podium?sslmode=require&password=other"
        );
    }

    #[test]
    fn the_original_services_driver_suffix_is_accepted() {
        let url: DatabaseUrl = "postgresql+asyncpg://u:p@localhost:5432/podium"
            .parse()
            .expect("valid");
        assert_eq!(url.expose(), "postgresql://u:p@localhost:5432/podium");
        assert_eq!(url.database(), "podium");
    }

    #[test]
    fn other_schemes_are_refused_without_echoing_the_url() {
        let err = "mysql://u:secret@h/db"
            .parse::<DatabaseUrl>()
            .expect_err("refused");
        assert_eq!(
            err,
            "expected a postgres:// or postgresql:// URL, got mysql://"
        );
    }
}
