//! Database connections: the URL setting, pools and single connections, and what database
//! errors mean.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use podium_runtime::{ConfigError, Vars};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

/// The environment variables that may hold the database URL, in order of preference.
pub const DATABASE_URL_VARS: [&str; 2] = ["PODIUM_DATABASE_URL", "DATABASE_URL"];

/// A PostgreSQL URL. Its `Debug` and `Display` hide the password, so it can be logged.
///
/// The original service's form `postgresql+asyncpg://…` (SQLAlchemy driver suffix) is accepted,
/// so the same secret serves both during the cut-over.
/// The URL is parsed into connect options once, when the setting is read.
#[derive(Clone)]
pub struct DatabaseUrl {
    url: url::Url,
    options: PgConnectOptions,
}

impl PartialEq for DatabaseUrl {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
    }
}

impl Eq for DatabaseUrl {}

impl DatabaseUrl {
    /// Reads `PODIUM_DATABASE_URL`, else `DATABASE_URL`.
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let (name, value) = DATABASE_URL_VARS
            .iter()
            .find_map(|name| vars.optional(name).map(|v| (*name, v)))
            .ok_or_else(|| ConfigError::Missing(DATABASE_URL_VARS.join(" or ")))?;
        value.parse().map_err(|reason| ConfigError::Invalid {
            name: name.to_owned(),
            reason,
        })
    }

    /// The connect options, as parsed from the URL when the setting was read.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    /// The URL with the password, for handing to tools that need it (never for logs).
    pub fn expose(&self) -> &str {
        self.url.as_str()
    }

    /// Where it points, for people to read: `host:port/database`, never the user or password.
    pub fn describe(&self) -> String {
        let host = self
            .url
            .host_str()
            .filter(|h| !h.is_empty())
            .unwrap_or("local socket");
        match self.url.port() {
            Some(port) => format!("{host}:{port}/{}", self.database()),
            None => format!("{host}/{}", self.database()),
        }
    }

    /// The database's name (the URL's path).
    pub fn database(&self) -> &str {
        self.url.path().trim_start_matches('/')
    }

    /// The same database, user and options on another host (`host` or `host:port`): a read
    /// replica's endpoint.
    pub fn with_host(&self, host: &str) -> Result<Self, String> {
        let mut url = self.url.clone();
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if !name.contains(':') || name.starts_with('[') => (
                name,
                Some(
                    port.parse::<u16>()
                        .map_err(|_| format!("bad port in {host:?}"))?,
                ),
            ),
            _ => (host, None),
        };
        url.set_host(Some(name))
            .map_err(|e| format!("bad host {host:?} ({e})"))?;
        if port.is_some() {
            url.set_port(port)
                .map_err(|()| format!("bad port in {host:?}"))?;
        }
        url.as_str().parse()
    }

    /// The same server, another database.
    pub fn with_database(&self, database: &str) -> Self {
        let mut url = self.url.clone();
        url.set_path(&format!("/{database}"));
        Self {
            url,
            options: self.options.clone().database(database),
        }
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
        let options = PgConnectOptions::from_str(url.as_str())
            .map_err(|_| "not a valid PostgreSQL URL".to_owned())?;
        Ok(Self { url, options })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = self.url.clone();
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

/// A pool that connects on first use, of at most `size` connections (a Lambda instance serves
/// one request at a time, so two are plenty there).
pub fn lazy_pool(url: &DatabaseUrl, application_name: &str, size: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(size)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        // Every acquire's wait as a `trace` event: the telemetry turns them into the pool-wait
        // histogram (`podium_db_pool_acquire_seconds`); the logs never show them.
        .acquire_time_level(log::LevelFilter::Trace)
        .idle_timeout(Some(Duration::from_secs(300)))
        .connect_lazy_with(options(url, application_name))
}

/// Waits until the server accepts a connection (a container stack starts the database and
/// its migrations together), trying every half second for at most `patience`; the last error
/// when it never does.
pub async fn wait_until_reachable(
    url: &DatabaseUrl,
    application_name: &str,
    patience: Duration,
) -> Result<(), sqlx::Error> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match connect(url, application_name).await {
            Ok(connection) => {
                let _ = connection.close().await;
                return Ok(());
            }
            Err(err) if tokio::time::Instant::now() + Duration::from_millis(500) >= deadline => {
                return Err(err);
            }
            Err(err) => {
                tracing::info!(error = %err, "waiting for the database");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// One connection, for tools that hold session state (the migration lock).
pub async fn connect(
    url: &DatabaseUrl,
    application_name: &str,
) -> Result<PgConnection, sqlx::Error> {
    PgConnection::connect_with(&options(url, application_name)).await
}

fn options(url: &DatabaseUrl, application_name: &str) -> PgConnectOptions {
    url.connect_options().application_name(application_name)
}

/// The name of the constraint a database error violated, if any.
pub fn violated_constraint(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error().and_then(|d| d.constraint())
}

/// Whether the error is a foreign-key violation (a row it points to was deleted meanwhile).
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|d| d.code().as_deref() == Some("23503"))
}

/// Whether retrying the transaction may succeed (serialization failure, deadlock).
pub fn is_retryable(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| code == "40001" || code == "40P01")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_host_keeps_the_primarys_user_database_and_options() {
        let primary: DatabaseUrl = "postgres://app:pw@primary.example:5432/podium?sslmode=require"
            .parse()
            .expect("url");
        let reader = primary.with_host("reader.example").expect("reader");
        assert_eq!(
            reader.expose(),
            "postgres://app:pw@reader.example:5432/podium?sslmode=require"
        );
        let moved = primary.with_host("reader.example:6543").expect("reader");
        assert_eq!(
            moved.expose(),
            "postgres://app:pw@reader.example:6543/podium?sslmode=require"
        );
        assert!(primary.with_host("reader.example:port").is_err());
    }

    #[test]
    fn the_url_is_read_from_either_variable_podiums_first() {
        let both = Vars::from_pairs([
            ("DATABASE_URL", "postgres://u@h/other"),
            ("PODIUM_DATABASE_URL", "postgres://u@h/db"),
        ]);
        assert_eq!(
            DatabaseUrl::from_vars(&both).map(|u| u.database().to_owned()),
            Ok("db".to_owned())
        );
        assert_eq!(
            DatabaseUrl::from_vars(&Vars::default()),
            Err(ConfigError::Missing(
                "PODIUM_DATABASE_URL or DATABASE_URL".to_owned()
            ))
        );
    }

    #[test]
    fn another_database_keeps_the_servers_options() {
        let url: DatabaseUrl = "postgres://u:p@h:6543/a?sslmode=require&application_name=x"
            .parse()
            .expect("valid");
        let other = url.with_database("b");
        assert_eq!(other.database(), "b");
        assert_eq!(other.connect_options().get_database(), Some("b"));
        assert_eq!(other.connect_options().get_port(), 6543);
        assert_eq!(url.connect_options().get_database(), Some("a"));
    }

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
