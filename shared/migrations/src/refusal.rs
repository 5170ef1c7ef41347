//! Why a command refused to run. Every refusal leaves the database as it was, and its text
//! (what the operator reads) says why and what to do; tests and callers match the variant.

use std::path::PathBuf;

use crate::cutover::{ArchiveError, Unfitting};
use crate::engine::{ALEMBIC_CONVERTED, ALEMBIC_REVISIONS};
use crate::history;

/// A refusal: [`crate::MigrateError::Refused`].
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// `migrate up`/`down`/`plan` to a version no migration has.
    #[error("there is no migration with version {0}")]
    NoSuchVersion(i64),
    /// The recorded history forbids running migrations (a changed, missing or failed one).
    #[error("refusing to run migrations:\n{}", .0.join("\n"))]
    History(Vec<String>),
    /// The database's version has no schema snapshot to compare with.
    #[error("{0}")]
    NoSnapshot(String),

    /// `adopt` of a database that already has our history table.
    #[error(
        "refusing to adopt: {} already records migrations; this database is already managed by podium-migrate",
        history::TABLE
    )]
    AlreadyManaged,
    /// `adopt` of a database without `alembic_version`.
    #[error(
        "refusing to adopt: there is no alembic_version table; this is not a database of the original service \
         (an empty database needs `migrate up`, not `adopt`)"
    )]
    NotTheOriginal,
    /// `adopt` of a database that carries our marker but lost our history table.
    #[error(
        "refusing to adopt: alembic_version holds {}, podium-migrate's own marker, but \
         {} is missing; this database was adopted once and its bookkeeping lost; nothing was changed",
        crate::ALEMBIC_MARKER,
        history::TABLE
    )]
    MarkerWithoutHistory,
    /// `adopt` of a revision between the ones we can adopt.
    #[error(
        "refusing to adopt: alembic_version is at {revision}, between the revisions podium-migrate \
         can adopt ({}); upgrade it to {} with the original's Alembic first; nothing was changed",
        adoptable().join(", "),
        ALEMBIC_CONVERTED.0
    )]
    UnsupportedRevision { revision: String },
    /// `adopt` of a revision we do not know at all.
    #[error(
        "refusing to adopt: alembic_version is at {revision}, which podium-migrate does not know \
         (it can adopt {}); nothing was changed",
        adoptable().join(", ")
    )]
    UnknownRevision { revision: String },
    /// `alembic_version` does not hold exactly one row.
    #[error(
        "refusing to adopt: alembic_version holds {} rows ({}), expected exactly one; nothing was changed",
        .0.len(),
        .0.join(", ")
    )]
    AlembicRows(Vec<String>),
    /// The live schema is not the one its Alembic revision promises.
    #[error(
        "refusing to adopt: alembic_version says {revision}, but the schema differs from that revision's \
         (- expected, + found); nothing was changed:\n  {}",
        diff.join("\n  ")
    )]
    SchemaDrift { revision: String, diff: Vec<String> },
    /// Values one side's schema cannot hold, every one named.
    #[error(
        "refusing to {command} {revision}: {} value(s) do not fit {side} schema; nothing was changed:\n  {}",
        values.len(),
        values.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    ValuesDoNotFit {
        /// `adopt` or `unadopt to`.
        command: &'static str,
        revision: String,
        /// `our` or `the original's`.
        side: &'static str,
        values: Vec<Unfitting>,
    },
    /// A row broke one of our constraints while `adopt` converted it.
    #[error(
        "refusing to adopt {revision}: a row does not fit our schema ({message}); nothing was changed"
    )]
    RowDoesNotFit { revision: String, message: String },

    /// `adopt --archive` of a database that is not at the revision `unadopt` hands back.
    #[error(
        "refusing to adopt: an archive is restored only into a database at {}, as `unadopt` hands it back; \
         this one is at {revision}; nothing was changed",
        ALEMBIC_CONVERTED.0
    )]
    ArchiveNeedsConverted { revision: String },
    /// The archive was written at a schema version this binary cannot restore.
    #[error(
        "refusing to adopt: the archive was written at schema version {version}, which this binary cannot \
         restore (it knows {} to {latest}); use the migrate binary that wrote it; nothing was changed",
        ALEMBIC_CONVERTED.1
    )]
    ArchiveVersion { version: i64, latest: i64 },
    /// The archive's recorded migration differs from this binary's.
    #[error(
        "refusing to adopt: the archive's migration {} differs from this binary's (another build wrote it); \
         nothing was changed",
        version.map_or_else(|| "?".to_owned(), |v| v.to_string())
    )]
    ArchiveFromAnotherBuild { version: Option<i64> },
    /// The archive file cannot be opened.
    #[error("refusing to adopt: cannot open the archive {}: {error}; nothing was changed", path.display())]
    ArchiveUnreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file is not an archive `unadopt` wrote.
    #[error(
        "refusing to adopt: {} is not an archive `unadopt` wrote ({error}); nothing was changed",
        path.display()
    )]
    NotAnArchive { path: PathBuf, error: ArchiveError },

    /// `unadopt` of a database that is not at our head as this binary builds it.
    #[error(
        "refusing to unadopt: the database is not at podium-migrate's head as this binary builds it; \
         nothing was changed:\n  {}",
        .0.join("\n  ")
    )]
    NotAtHead(Vec<String>),
    /// `unadopt` met objects of ours it cannot hand back.
    #[error(
        "refusing to unadopt: unadopt does not know how to hand back these objects of ours; nothing was changed:\n  {}",
        .0.join("\n  ")
    )]
    UnknownObjects(Vec<String>),
    /// The converted schema would not be the original's.
    #[error(
        "refusing to unadopt: the converted schema would differ from the original's at {} \
         (- expected, + found); nothing was changed:\n  {}",
        ALEMBIC_CONVERTED.0,
        .0.join("\n  ")
    )]
    ConvertedSchemaDiffers(Vec<String>),
    /// A real `unadopt` needs an archive for our own data.
    #[error(
        "refusing to unadopt without an archive: give --archive FILE, where our own data is written first; \
         nothing was changed"
    )]
    ArchiveRequired,
    /// The archive file cannot be created (it exists, or the directory refuses).
    #[error("refusing to unadopt: cannot create the archive {}: {why}; nothing was changed", path.display())]
    ArchiveNotCreated { path: PathBuf, why: String },
    /// Writing the archive failed.
    #[error("refusing to unadopt: could not write the archive ({0}); nothing was changed")]
    ArchiveWrite(std::io::Error),

    /// A dry run met these refusals: the real run would refuse.
    #[error("{}", .0.join("\n"))]
    DryRun(Vec<String>),
}

/// The Alembic revisions `adopt` takes, oldest first.
fn adoptable() -> Vec<&'static str> {
    let mut known: Vec<&str> = ALEMBIC_REVISIONS.iter().map(|(r, _)| *r).collect();
    known.push(ALEMBIC_CONVERTED.0);
    known
}
