//! The migrations a binary knows: embedded at build time from `migrations/`, or (for tests and
//! tooling) read from a folder in the same `NNN_name.up.sql` / `NNN_name.down.sql` format.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha384};

use super::sql::{Statement, lint_no_transaction, split_statements};

/// The directive that makes a migration file run outside a transaction (sqlx's spelling).
pub const NO_TRANSACTION_DIRECTIVE: &str = "-- no-transaction";

struct EmbeddedMigration {
    version: i64,
    name: &'static str,
    up: &'static str,
    down: &'static str,
    schema: Option<&'static str>,
}

static EMBEDDED: &[EmbeddedMigration] =
    include!(concat!(env!("OUT_DIR"), "/embedded_migrations.rs"));

/// One SQL file of a migration.
#[derive(Debug, Clone)]
pub struct Script {
    pub sql: Cow<'static, str>,
    /// Whether the file opts out of the transaction (first line `-- no-transaction`).
    pub no_transaction: bool,
}

impl Script {
    fn new(sql: Cow<'static, str>) -> Self {
        let no_transaction = sql
            .lines()
            .next()
            .is_some_and(|l| l.trim() == NO_TRANSACTION_DIRECTIVE);
        Self {
            sql,
            no_transaction,
        }
    }

    /// What the engine sends, in order: a transactional file whole (one statement to us, many
    /// to the server, which parses them), a no-transaction file split on top-level `;`.
    pub fn statements(&self) -> Vec<Statement> {
        if self.no_transaction {
            split_statements(&self.sql)
        } else {
            vec![Statement {
                sql: self.sql.to_string(),
                line: 1,
            }]
        }
    }
}

/// A reversible migration.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    /// The file name's part after the version, e.g. `initial_schema`.
    pub name: Cow<'static, str>,
    pub up: Script,
    pub down: Script,
    /// The expected schema fingerprint after this migration (`migrations/schema/NNN.txt`).
    pub schema: Option<Cow<'static, str>>,
}

impl Migration {
    /// `001_initial_schema`: how people and error messages name a migration.
    pub fn label(&self) -> String {
        format!("{:03}_{}", self.version, self.name)
    }

    /// sqlx's description: the name with spaces for underscores.
    pub fn description(&self) -> String {
        self.name.replace('_', " ")
    }

    /// SHA-384 of the up file, as sqlx computes it.
    pub fn checksum(&self) -> Vec<u8> {
        Sha384::digest(self.up.sql.as_bytes()).to_vec()
    }
}

/// Errors in a set of migration files.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read migrations from {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "migration file {0} must be named NNN_name.up.sql or NNN_name.down.sql (name: letters, digits, _)"
    )]
    BadName(String),
    #[error("two migrations share version {version}: {first} and {second}")]
    DuplicateVersion {
        version: i64,
        first: String,
        second: String,
    },
    #[error("migration {0} lacks its {1} file")]
    MissingFile(String, &'static str),
    #[error("migration {label}'s {file} file cannot run outside a transaction: {reason}")]
    NoTransactionLint {
        label: String,
        file: &'static str,
        reason: String,
    },
}

/// An ordered set of migrations with unique versions.
#[derive(Debug, Clone)]
pub struct MigrationSet {
    migrations: Vec<Migration>,
}

impl MigrationSet {
    /// The migrations embedded in this binary from the repository's `migrations/` folder.
    pub fn embedded() -> Self {
        let migrations = EMBEDDED
            .iter()
            .map(|m| Migration {
                version: m.version,
                name: Cow::Borrowed(m.name),
                up: Script::new(Cow::Borrowed(m.up)),
                down: Script::new(Cow::Borrowed(m.down)),
                schema: m.schema.map(Cow::Borrowed),
            })
            .collect();
        Self { migrations }
    }

    /// Builds a set from migrations, refusing duplicated versions and no-transaction files that
    /// cannot be split safely ([`crate::sql::lint_no_transaction`]).
    pub fn new(mut migrations: Vec<Migration>) -> Result<Self, SourceError> {
        migrations.sort_by_key(|m| m.version);
        for migration in &migrations {
            for (file, script) in [("up", &migration.up), ("down", &migration.down)] {
                if script.no_transaction {
                    lint_no_transaction(&script.sql).map_err(|reason| {
                        SourceError::NoTransactionLint {
                            label: migration.label(),
                            file,
                            reason,
                        }
                    })?;
                }
            }
        }
        for pair in migrations.windows(2) {
            if pair[0].version == pair[1].version {
                return Err(SourceError::DuplicateVersion {
                    version: pair[0].version,
                    first: pair[0].label(),
                    second: pair[1].label(),
                });
            }
        }
        Ok(Self { migrations })
    }

    /// Reads `NNN_name.up.sql` / `.down.sql` pairs (and `schema/NNN.txt`) from a folder.
    pub fn from_dir(dir: &Path) -> Result<Self, SourceError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| SourceError::Io { path, source }
        };
        let mut files: BTreeMap<(i64, String), (Option<String>, Option<String>)> = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            let Some(file) = path.file_name().and_then(|f| f.to_str()).map(str::to_owned) else {
                continue;
            };
            let (stem, is_up) = match (file.strip_suffix(".up.sql"), file.strip_suffix(".down.sql"))
            {
                (Some(stem), _) => (stem.to_owned(), true),
                (_, Some(stem)) => (stem.to_owned(), false),
                _ => continue,
            };
            let (version, name) =
                parse_stem(&stem).ok_or_else(|| SourceError::BadName(file.clone()))?;
            let sql = std::fs::read_to_string(&path).map_err(io(&path))?;
            let slot = files.entry((version, name)).or_default();
            if is_up {
                slot.0 = Some(sql)
            } else {
                slot.1 = Some(sql)
            }
        }
        let mut migrations = Vec::new();
        for ((version, name), (up, down)) in files {
            let label = format!("{version:03}_{name}");
            let up = up.ok_or_else(|| SourceError::MissingFile(label.clone(), "up"))?;
            let down = down.ok_or(SourceError::MissingFile(label, "down"))?;
            let schema =
                std::fs::read_to_string(dir.join("schema").join(format!("{version:03}.txt"))).ok();
            migrations.push(Migration {
                version,
                name: Cow::Owned(name),
                up: Script::new(Cow::Owned(up)),
                down: Script::new(Cow::Owned(down)),
                schema: schema.map(Cow::Owned),
            });
        }
        Self::new(migrations)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Migration> {
        self.migrations.iter()
    }

    pub fn get(&self, version: i64) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }

    pub fn latest_version(&self) -> i64 {
        self.migrations.last().map_or(0, |m| m.version)
    }

    /// Adds a migration (tests use this to append a deliberately failing one).
    pub fn with(mut self, migration: Migration) -> Result<Self, SourceError> {
        self.migrations.push(migration);
        Self::new(self.migrations)
    }
}

impl Migration {
    /// A migration built from strings (tests and tooling).
    pub fn from_sql(version: i64, name: &str, up: &str, down: &str) -> Self {
        Self {
            version,
            name: Cow::Owned(name.to_owned()),
            up: Script::new(Cow::Owned(up.to_owned())),
            down: Script::new(Cow::Owned(down.to_owned())),
            schema: None,
        }
    }
}

fn parse_stem(stem: &str) -> Option<(i64, String)> {
    let (version, name) = stem.split_once('_')?;
    let version = version.parse().ok()?;
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| (version, name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_set_is_ordered_and_every_migration_has_a_schema_snapshot() {
        let set = MigrationSet::embedded();
        let versions: Vec<i64> = set.iter().map(|m| m.version).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert_eq!(versions.first(), Some(&1));
        for m in set.iter() {
            assert!(
                m.schema.is_some(),
                "{} has no migrations/schema/{:03}.txt: run `make schema`",
                m.label(),
                m.version
            );
        }
    }

    #[test]
    fn a_no_transaction_file_the_splitter_cannot_cut_safely_is_refused_by_the_set() {
        let migration = Migration::from_sql(
            900,
            "atomic",
            "-- no-transaction\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
            "DROP FUNCTION f();",
        );
        let err = MigrationSet::embedded()
            .with(migration)
            .expect_err("refused");
        assert!(
            matches!(&err, SourceError::NoTransactionLint { label, file: "up", .. } if label == "900_atomic"),
            "{err}"
        );
        assert!(
            MigrationSet::new(MigrationSet::embedded().migrations).is_ok(),
            "every embedded file passes"
        );
    }

    #[test]
    fn the_no_transaction_directive_is_read_from_the_first_line_only() {
        assert!(
            Script::new(Cow::Borrowed(
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);"
            ))
            .no_transaction
        );
        assert!(!Script::new(Cow::Borrowed("SELECT 1;\n-- no-transaction\n")).no_transaction);
    }

    #[test]
    fn duplicated_versions_are_refused() {
        let err = MigrationSet::new(vec![
            Migration::from_sql(3, "a", "", ""),
            Migration::from_sql(3, "b", "", ""),
        ])
        .expect_err("duplicate");
        assert_eq!(
            err.to_string(),
            "two migrations share version 3: 003_a and 003_b"
        );
    }
}
