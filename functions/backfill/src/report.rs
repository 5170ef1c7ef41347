//! What a run did and found: a line per table and per link kind (source, outcome, what the
//! database holds), and the data problems by kind with the record ids involved.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::Serialize;

/// A kind of messy data. None stops the run; each is counted with its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// No email, or not an address: the user is skipped.
    InvalidEmail,
    /// Upper case or spaces in an email: stored trimmed and lower-cased.
    NormalizedEmail,
    /// A second record with an email already imported: linked to that user, not inserted.
    DuplicateEmail,
    /// A date that is not `YYYY-MM-DD` (or an ISO timestamp): stored as NULL.
    BadDate,
    /// A value longer than its column: cut to the column.
    Truncated,
    /// A link to a record that does not exist (or was skipped): the record or link is skipped.
    MissingLink,
    /// A required value is missing: the record is skipped.
    MissingField,
    /// `cached_auto_quality` text that is not a JSON object: stored as NULL.
    InvalidQualityJson,
    /// A number field holding something else: stored as 0.
    BadNumber,
    /// Both `feature_flags` and `feature_flags_csv`: the list is used.
    BothFeatureFlagFields,
    /// An event slug another imported event has: imported with a suffixed slug.
    DuplicateSlug,
    /// A join code another imported row has: imported with a fresh code.
    DuplicateJoinCode,
    /// A second vote of one voter for one project: skipped.
    DuplicateVote,
    /// A vote whose `event` is not its project's event: stored with the project's event.
    VoteEventMismatch,
    /// The same link twice (also after duplicate users were merged): stored once.
    DuplicateLink,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: Kind,
    pub table: &'static str,
    pub field: &'static str,
    pub count: usize,
    pub records: Vec<String>,
}

/// Problems grouped by (kind, table, field).
#[derive(Debug, Default, Clone)]
pub struct Problems(BTreeMap<(Kind, &'static str, &'static str), Vec<String>>);

/// One problem of one record, before it is added to [`Problems`].
pub type Found = (Kind, &'static str, &'static str, String);

impl Problems {
    pub fn add(&mut self, kind: Kind, table: &'static str, field: &'static str, record: &str) {
        self.0
            .entry((kind, table, field))
            .or_default()
            .push(record.to_owned());
    }

    pub fn extend(&mut self, found: Vec<Found>) {
        for (kind, table, field, record) in found {
            self.add(kind, table, field, &record);
        }
    }

    pub fn list(&self) -> Vec<Problem> {
        self.0
            .iter()
            .map(|(&(kind, table, field), records)| Problem {
                kind,
                table,
                field,
                count: records.len(),
                records: records.clone(),
            })
            .collect()
    }
}

/// One table or link kind: what the source holds, what happened to it, and what the database
/// holds of it at the end. `unexplained = source - merged - skipped - in_database`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Line {
    pub name: &'static str,
    /// Records (tables) or link entries (link kinds) in the source.
    pub source: u64,
    /// Written by this run.
    pub inserted: u64,
    /// Existing rows found by a natural key and stamped with the record id.
    pub adopted: u64,
    /// Already there from an earlier run (or, for links, already present).
    pub already: u64,
    /// Folded into another record's row (duplicate email, the same link twice).
    pub merged: u64,
    /// Not imported, each for a reported problem.
    pub skipped: u64,
    /// Rows (links) in the database for the source's records, counted at the end.
    pub in_database: i64,
    pub unexplained: i64,
}

impl Line {
    pub fn named(name: &'static str) -> Self {
        Self {
            name,
            ..Self::default()
        }
    }

    pub fn settle(&mut self, in_database: i64) {
        self.in_database = in_database;
        let expected = self.source.saturating_sub(self.merged + self.skipped);
        self.unexplained = i64::try_from(expected).unwrap_or(i64::MAX) - in_database;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub source: &'static str,
    pub dry_run: bool,
    /// No unexplained difference between the source and the database.
    pub ok: bool,
    pub lines: Vec<Line>,
    pub problems: Vec<Problem>,
    /// Airtable requests sent, and how many were answered 429.
    pub requests: u32,
    pub throttled: u32,
    pub elapsed_ms: u128,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.dry_run {
            " (dry run: nothing was written)"
        } else {
            ""
        };
        writeln!(f, "backfill from {}{mode}", self.source)?;
        writeln!(
            f,
            "{:<24}{:>8}{:>10}{:>9}{:>9}{:>8}{:>9}{:>13}{:>13}",
            "table",
            "source",
            "inserted",
            "adopted",
            "already",
            "merged",
            "skipped",
            "in database",
            "unexplained"
        )?;
        for l in &self.lines {
            writeln!(
                f,
                "{:<24}{:>8}{:>10}{:>9}{:>9}{:>8}{:>9}{:>13}{:>13}",
                l.name,
                l.source,
                l.inserted,
                l.adopted,
                l.already,
                l.merged,
                l.skipped,
                l.in_database,
                l.unexplained
            )?;
        }
        if !self.problems.is_empty() {
            writeln!(f, "problems:")?;
        }
        for p in &self.problems {
            let mut shown = p
                .records
                .iter()
                .take(8)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if p.count > 8 {
                let _ = write!(shown, ", … {} more", p.count - 8);
            }
            writeln!(
                f,
                "  {:<24} {}.{}: {} ({shown})",
                kind_name(p.kind),
                p.table,
                p.field,
                p.count
            )?;
        }
        if self.source == "airtable" {
            writeln!(
                f,
                "{} Airtable requests, {} answered 429",
                self.requests, self.throttled
            )?;
        }
        let verdict = if self.ok {
            "OK: every record is in the database or explained above".to_owned()
        } else {
            let n: i64 = self.lines.iter().map(|l| l.unexplained.abs()).sum();
            format!("FAILED: {n} unexplained differences between the source and the database")
        };
        write!(f, "verification {verdict} ({} ms)", self.elapsed_ms)
    }
}

fn kind_name(kind: Kind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
