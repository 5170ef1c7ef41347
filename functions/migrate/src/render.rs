//! Human-readable rendering of reports, for the CLI.

use std::fmt::Write as _;

use podium_migrations::{RunReport, State};

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
        Report::Adopt(adopt) => {
            let _ = writeln!(
                out,
                "Adopted the database at Alembic revision {}: marked {} as applied without running them; every row kept.",
                adopt.alembic_revision,
                versions(&adopt.marked_applied)
            );
            if !adopt.pending.is_empty() {
                let _ = writeln!(
                    out,
                    "Pending: {}. Run `migrate up` to apply them.",
                    versions(&adopt.pending)
                );
            }
        }
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
