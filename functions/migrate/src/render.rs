//! Human-readable rendering of reports, for the CLI.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use podium_migrations::{AdoptReport, Change, RunReport, State, UnadoptReport};

use crate::Report;

pub fn human(report: &Report) -> String {
    let mut out = String::new();
    match report {
        Report::Status(status) => {
            let _ = writeln!(
                out,
                "{:<8} {:<40} {:<8} {:<26} {:>12}  checksum",
                "version", "name", "state", "installed on", "duration"
            );
            for m in &status.migrations {
                let state = match m.state {
                    State::Applied => "applied",
                    State::Pending => "pending",
                    State::Failed => "FAILED",
                    State::Unknown => "UNKNOWN",
                };
                let installed = m
                    .installed_on
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default();
                let duration = m
                    .duration_ms
                    .map(|d| format!("{d:.1} ms"))
                    .unwrap_or_default();
                let checksum = match m.checksum_matches {
                    Some(true) => "ok",
                    Some(false) => "CHANGED",
                    None => "",
                };
                let _ = writeln!(
                    out,
                    "{:<8} {:<40} {state:<8} {installed:<26} {duration:>12}  {checksum}",
                    format!("{:03}", m.version),
                    m.name
                );
            }
            let pending = status
                .migrations
                .iter()
                .filter(|m| m.state == State::Pending)
                .count();
            let _ = writeln!(
                out,
                "\nDatabase at version {} of {}; {pending} pending.",
                status.current_version, status.latest_version
            );
        }
        Report::Up(run) => run_summary(&mut out, run, "Applied", "Nothing to apply"),
        Report::Down(run) => run_summary(&mut out, run, "Reverted", "Nothing to revert"),
        Report::Plan(plan) => {
            if plan.steps.is_empty() {
                let _ = writeln!(out, "-- nothing to {}", crate::plan_direction(plan));
            } else {
                out.push_str(&plan.to_sql());
            }
        }
        Report::Verify(verify) => {
            if verify.ok {
                let _ = writeln!(
                    out,
                    "OK: history matches this binary's migrations and the schema is what they produce \
                     (version {}, schema {}).",
                    verify.current_version, verify.schema_digest
                );
            } else {
                let _ = writeln!(
                    out,
                    "Verification FAILED (version {}):",
                    verify.current_version
                );
                for problem in &verify.problems {
                    let _ = writeln!(out, "- {problem}");
                }
            }
            if !verify.pending.is_empty() {
                let _ = writeln!(out, "Pending: {}.", versions(&verify.pending));
            }
        }
        Report::Adopt(adopt) => adopt_summary(&mut out, adopt),
        Report::Unadopt(unadopt) => unadopt_summary(&mut out, unadopt),
    }
    out
}

fn run_summary(out: &mut String, run: &RunReport, verb: &str, nothing: &str) {
    if run.steps.is_empty() {
        let _ = writeln!(
            out,
            "{nothing}: the database is at version {}.",
            run.current_version
        );
        return;
    }
    for step in &run.steps {
        let _ = writeln!(
            out,
            "{verb} {:03}_{} ({:.1} ms)",
            step.version, step.name, step.duration_ms
        );
    }
    let _ = writeln!(out, "The database is at version {}.", run.current_version);
}

fn versions(versions: &[i64]) -> String {
    versions
        .iter()
        .map(|v| format!("{v:03}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn refusals(out: &mut String, command: &str, refusals: &[String]) {
    let _ = writeln!(
        out,
        "Dry run: the real `{command}` would REFUSE, changing nothing:"
    );
    for refusal in refusals {
        let _ = writeln!(out, "- {refusal}");
    }
}

fn table_counts<V: std::fmt::Display>(out: &mut String, title: &str, counts: &BTreeMap<String, V>) {
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for (table, n) in counts {
        let _ = writeln!(out, "  {table:<32} {n:>9}");
    }
}

fn changes(out: &mut String, title: &str, changes: &[Change]) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title} ({}):", changes.len());
    for c in changes.iter().take(50) {
        let _ = writeln!(
            out,
            "  {}.{} of {}: {} -> {}",
            c.table,
            c.column,
            c.row,
            c.from.as_deref().unwrap_or("(none)"),
            c.to.as_deref().unwrap_or("(none)")
        );
    }
    if changes.len() > 50 {
        let _ = writeln!(
            out,
            "  … and {} more (--json lists all)",
            changes.len() - 50
        );
    }
}

fn adopt_summary(out: &mut String, adopt: &AdoptReport) {
    if !adopt.refusals.is_empty() {
        return refusals(out, "adopt", &adopt.refusals);
    }
    let lead = if adopt.dry_run {
        "Dry run (rolled back, nothing changed): adopting would take"
    } else {
        "Adopted"
    };
    let _ = writeln!(
        out,
        "{lead} the database at Alembic revision {}: our {} recorded as applied; every row kept.",
        adopt.alembic_revision,
        versions(&adopt.marked_applied)
    );
    table_counts(out, "Rows", &adopt.rows);
    changes(out, "Values made by the conversion", &adopt.changes);
    if let Some(restored) = &adopt.restored {
        table_counts(out, "Restored from the archive", &restored.restored);
        let gone: BTreeMap<String, u64> = restored
            .not_restored
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(t, n)| (t.clone(), *n))
            .collect();
        table_counts(out, "Archived rows not restored (their row is gone)", &gone);
    }
    if !adopt.pending.is_empty() {
        let _ = writeln!(
            out,
            "Pending: {}. Run `migrate up` to apply them.",
            versions(&adopt.pending)
        );
    }
}

fn unadopt_summary(out: &mut String, unadopt: &UnadoptReport) {
    if !unadopt.refusals.is_empty() {
        return refusals(out, "unadopt", &unadopt.refusals);
    }
    let lead = if unadopt.dry_run {
        "Dry run (rolled back, nothing changed): unadopting would hand"
    } else {
        "Handed"
    };
    let _ = writeln!(
        out,
        "{lead} the database from our version {:03} back to the original's Alembic revision {}; every row of its tables kept.",
        unadopt.from_version, unadopt.alembic_revision
    );
    table_counts(out, "Rows", &unadopt.rows);
    let verb = if unadopt.dry_run {
        "would be archived"
    } else {
        "archived"
    };
    table_counts(out, &format!("Lines {verb}"), &unadopt.archived);
    table_counts(
        out,
        "Values the original has no column for (not default; in the archive)",
        &unadopt.archived_values,
    );
    changes(
        out,
        "Points the original will count differently (from the votes)",
        &unadopt.changes,
    );
}
