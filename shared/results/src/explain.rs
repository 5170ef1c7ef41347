//! A flag in words an organizer can pass on to a hacker.

use crate::flags::{BURST_WINDOW, Finding, Flag, NEW_ACCOUNT};
use crate::model::Event;
use crate::{FlagCode, FlaggedVote, IntegrityFlag};

/// The flag as the API answers it.
pub fn flag(event: &Event<'_>, flag: &Flag) -> IntegrityFlag {
    let name = |project: usize| format!("“{}”", event.input.projects[project].name);
    let (code, explanation) = match &flag.finding {
        Finding::Reciprocal {
            a,
            b,
            a_voters,
            a_for_b,
            rate_b,
            b_voters,
            b_for_a,
            rate_a,
            pairs,
        } => (
            FlagCode::ReciprocalTeams,
            format!(
                "The teams of {} and {} voted for each other: {a_for_b} of the {a_voters} voters on {}'s team voted for {}, \
                 and {b_for_a} of the {b_voters} on {}'s team voted for {}. Voters on neither team picked {} at a rate of about {}, and {} about {}. \
                 If everyone voted independently, two teams would trade this many votes by chance {}; \
                 with {pairs} pairs of projects in this event, the check flags below {}.",
                name(*a),
                name(*b),
                name(*a),
                name(*b),
                name(*b),
                name(*a),
                name(*b),
                percent(*rate_b),
                name(*a),
                percent(*rate_a),
                odds(flag.chance),
                odds(flag.threshold.unwrap_or_default()),
            ),
        ),
        Finding::Referral { project, .. } => (
            FlagCode::ReferralLink,
            format!(
                "This voter voted for {}, and a referral links them to a member of its team (one of the two named the other \
                 when joining the event). Voters with no such link picked {} at a rate of about {}.",
                name(*project),
                name(*project),
                percent(flag.chance),
            ),
        ),
        Finding::SharedTeam { project, other, .. } => (
            FlagCode::SharedTeam,
            format!(
                "This voter voted for {}, and they are on the team of {} together with a member of {}'s team. \
                 Voters with no such link picked {} at a rate of about {}.",
                name(*project),
                name(*other),
                name(*project),
                name(*project),
                percent(flag.chance),
            ),
        ),
        Finding::Burst {
            project,
            votes,
            new_voters,
            rate,
            from,
            to,
        } => (
            FlagCode::NewAccountBurst,
            format!(
                "{votes} votes for {} were cast between {} and {} UTC (within {} minutes of each other), each by an account \
                 that had joined the event at most {} minutes before voting. Of the {new_voters} voters who voted that soon after \
                 joining, independent voting at the rate the other voters picked {} (about {}) would give this many {}; the check flags below {}.",
                name(*project),
                from.format("%Y-%m-%d %H:%M"),
                to.format("%H:%M"),
                BURST_WINDOW.num_minutes(),
                NEW_ACCOUNT.num_minutes(),
                name(*project),
                percent(*rate),
                odds(flag.chance),
                odds(flag.threshold.unwrap_or_default()),
            ),
        ),
    };
    IntegrityFlag {
        code,
        explanation,
        votes: flag
            .votes
            .iter()
            .map(|&(voter, project)| FlaggedVote {
                voter_id: event.people[voter],
                project_id: event.projects[project],
            })
            .collect(),
        observed: flag.observed,
        expected: flag.expected,
        chance: flag.chance,
        threshold: flag.threshold,
    }
}

/// `0.2` → `20 %`, `0.004` → `0.4 %`.
pub fn percent(rate: f64) -> String {
    let pct = rate * 100.0;
    if pct >= 10.0 || pct == 0.0 {
        format!("{pct:.0} %")
    } else if pct >= 1.0 {
        format!("{pct:.1} %")
    } else {
        format!("{pct:.2} %")
    }
}

/// A small chance as "1 in N" (N rounded to two significant digits), or "less than 1 in a
/// billion".
pub fn odds(chance: f64) -> String {
    if chance <= 0.0 || 1.0 / chance >= 1e9 {
        return "less than 1 in a billion times".to_owned();
    }
    if chance >= 0.5 {
        return format!("{} of the time", percent(chance));
    }
    let n = 1.0 / chance;
    let magnitude = 10f64.powi(n.log10().floor() as i32 - 1).max(1.0);
    let rounded = (n / magnitude).round() * magnitude;
    format!("about 1 time in {}", thousands(rounded as u64))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chances_read_as_one_time_in_so_many() {
        assert_eq!(odds(0.001), "about 1 time in 1,000");
        assert_eq!(odds(0.000_123), "about 1 time in 8,100");
        assert_eq!(odds(0.25), "about 1 time in 4");
        assert_eq!(odds(0.6), "60 % of the time");
        assert_eq!(odds(1e-12), "less than 1 in a billion times");
        assert_eq!(percent(0.2), "20 %");
        assert_eq!(percent(0.045), "4.5 %");
        assert_eq!(percent(0.004), "0.40 %");
    }
}
