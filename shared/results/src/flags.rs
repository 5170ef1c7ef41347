//! The integrity checks. Each finds votes that follow a pattern independent voting rarely
//! produces, and says how rare: none changes a count. The rules and thresholds are the README's
//! ("Results: what each number means"); the constants here are those numbers.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use crate::model::Event;
use crate::stats::{binomial_tail, smoothed_rate};

/// The chance of a false flag the reciprocal and burst checks allow per event, shared out over
/// every test they make (Bonferroni): 1 in 20.
pub const FAMILY_RATE: f64 = 0.05;
/// A vote is from a new account when it was cast at most this long after its voter joined.
pub const NEW_ACCOUNT: Duration = Duration::minutes(30);
/// The votes of a burst fall within this long of each other.
pub const BURST_WINDOW: Duration = Duration::minutes(15);
/// The fewest votes a burst has.
pub const BURST_MIN_VOTES: u32 = 3;

/// What a flag is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// Two teams voting for each other: `a_voters` of team `a` voted, `a_for_b` of them for `b`
    /// (and the other way round); voters outside both picked `b` at `rate_b`.
    Reciprocal {
        a: usize,
        b: usize,
        a_voters: u32,
        a_for_b: u32,
        rate_b: f64,
        b_voters: u32,
        b_for_a: u32,
        rate_a: f64,
        pairs: u32,
    },
    /// A vote for a project by someone a referral links to a member of its team (`member`).
    Referral {
        voter: usize,
        project: usize,
        member: usize,
    },
    /// A vote for a project by someone who shares another team (`other`) with a member.
    SharedTeam {
        voter: usize,
        project: usize,
        member: usize,
        other: usize,
    },
    /// `votes` votes for `project` within [`BURST_WINDOW`], each from an account that joined at
    /// most [`NEW_ACCOUNT`] before voting; of the event's `new_voters` such voters; voters who
    /// were not new picked it at `rate`.
    Burst {
        project: usize,
        votes: u32,
        new_voters: u32,
        rate: f64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// A flag: what was found, the votes involved (voter, project), how likely independent voting
/// makes something at least as extreme, and the threshold it was held to (none for the link
/// rules, which flag every linked vote).
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub finding: Finding,
    pub votes: Vec<(usize, usize)>,
    pub observed: u32,
    pub expected: f64,
    pub chance: f64,
    pub threshold: Option<f64>,
}

/// Every flag of the event: reciprocal pairs, referral links, shared teams, bursts, in that
/// order, each kind by its chance, rarest first.
pub fn all(event: &Event<'_>) -> Vec<Flag> {
    let mut out = reciprocal(event);
    let mut linked = links(event);
    linked.sort_by(|a, b| a.chance.total_cmp(&b.chance));
    out.extend(linked);
    out.extend(bursts(event));
    out
}

/// Voters of `project`'s team who voted for `target`, and how many of the team voted.
fn team_votes(event: &Event<'_>, project: usize, target: usize) -> (u32, u32) {
    let team = &event.teams[project];
    let voters = team
        .iter()
        .filter(|&&m| !event.ballot_of[m].is_empty())
        .count();
    let for_target = team.iter().filter(|&&m| event.voted(m, target)).count();
    (voters as u32, for_target as u32)
}

/// Two teams (of projects `a` and `b`, no member in common), each with at least one vote for
/// the other. With `x` of team a's `n_a` voters voting for b, and voters on neither team picking
/// b at the smoothed rate `r_b`, independent voting gives at least `x` with chance
/// `P(Bin(n_a, r_b) >= x)`; the pair's chance is that times the same the other way. Flagged
/// below `FAMILY_RATE` over the number of pairs of projects.
fn reciprocal(event: &Event<'_>) -> Vec<Flag> {
    let n = event.projects.len();
    if n < 2 {
        return Vec::new();
    }
    let pairs = (n * (n - 1) / 2) as u32;
    let threshold = FAMILY_RATE / f64::from(pairs);
    // Pairs (team's project, voted-for project) with at least one such vote.
    let mut crossing = BTreeSet::new();
    for vote in &event.votes {
        for &team in &event.teams_of[vote.voter] {
            crossing.insert((team, vote.project));
        }
    }
    let voters = event.voters().count() as u32;
    let mut out = Vec::new();
    for &(a, b) in &crossing {
        if a >= b || !crossing.contains(&(b, a)) || shares_member(event, a, b) {
            continue;
        }
        let (a_voters, a_for_b) = team_votes(event, a, b);
        let (b_voters, b_for_a) = team_votes(event, b, a);
        // Voters on neither team, and how many of them voted for `target` (each voter votes
        // for a project at most once, so its votes less those from the two teams).
        let outside = voters - a_voters - b_voters;
        let rate = |target: usize, from_a: u32, from_b: u32| {
            smoothed_rate(event.votes_for[target] - from_a - from_b, outside)
        };
        let rate_b = rate(b, a_for_b, team_votes(event, b, b).1);
        let rate_a = rate(a, team_votes(event, a, a).1, b_for_a);
        let chance =
            binomial_tail(a_voters, rate_b, a_for_b) * binomial_tail(b_voters, rate_a, b_for_a);
        if chance >= threshold {
            continue;
        }
        let votes = event
            .votes
            .iter()
            .filter(|v| {
                (v.project == b && event.on_team(v.voter, a))
                    || (v.project == a && event.on_team(v.voter, b))
            })
            .map(|v| (v.voter, v.project))
            .collect();
        out.push(Flag {
            finding: Finding::Reciprocal {
                a,
                b,
                a_voters,
                a_for_b,
                rate_b,
                b_voters,
                b_for_a,
                rate_a,
                pairs,
            },
            votes,
            observed: a_for_b + b_for_a,
            expected: f64::from(a_voters) * rate_b + f64::from(b_voters) * rate_a,
            chance,
            threshold: Some(threshold),
        });
    }
    out.sort_by(|x, y| x.chance.total_cmp(&y.chance));
    out
}

fn shares_member(event: &Event<'_>, a: usize, b: usize) -> bool {
    event.teams[a].iter().any(|&m| event.on_team(m, b))
}

/// What a referral may name someone by, lower-cased, runs of whitespace made one space.
#[derive(Debug, Clone, Default)]
pub struct Names {
    email: Option<String>,
    full_name: Option<String>,
    display_name: Option<String>,
}

/// Lower case, runs of whitespace made one space, trimmed.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Names {
    /// `person`'s e-mail (when it has an `@`); their first and last name (when both are
    /// given); their display name when it has at least 3 letters and `display_unique` (nobody
    /// else involved in the event has the same one).
    pub fn of(person: &podium_data::results::Person, display_unique: bool) -> Self {
        let email = fold(&person.email);
        let (first, last) = (fold(&person.first_name), fold(&person.last_name));
        let display = fold(&person.display_name);
        Self {
            email: email.contains('@').then_some(email),
            full_name: (!first.is_empty() && !last.is_empty()).then(|| format!("{first} {last}")),
            display_name: (display_unique
                && display.chars().filter(|c| c.is_alphabetic()).count() >= 3)
                .then_some(display),
        }
    }

    /// Whether `text` (as [`fold`] leaves it) names them: the e-mail as a whole address; the
    /// full name as whole words; the display name as whole words when it is two words or more,
    /// and a one-word display name only when it is the whole text (so "Will" or "Friend" do not
    /// match "a friend told me").
    fn named_in(&self, text: &str) -> bool {
        let in_word = |c: char| c.is_alphanumeric();
        self.email.as_deref().is_some_and(|e| address_in(text, e))
            || self
                .full_name
                .as_deref()
                .is_some_and(|n| occurs(text, n, in_word))
            || self
                .display_name
                .as_deref()
                .is_some_and(|d| text == d || (d.contains(' ') && occurs(text, d, in_word)))
    }
}

/// Whether the e-mail address `address` occurs in `text` as a whole address: not inside a
/// longer one ("jimbob@x.com" does not hold "bob@x.com", nor "bob@x.com.au" "bob@x.com"),
/// though a full stop may end the sentence after it.
fn address_in(text: &str, address: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || ".-_+@".contains(c);
    text.match_indices(address).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let mut after = text[at + address.len()..].chars();
        let ends = match after.next() {
            None => true,
            Some('.') => !after.next().is_some_and(part),
            Some(c) => !part(c),
        };
        !before.is_some_and(part) && ends
    })
}

/// Whether `needle` occurs in `text` with no character `part` accepts right before or after it.
fn occurs(text: &str, needle: &str, part: impl Fn(char) -> bool) -> bool {
    !needle.is_empty()
        && text.match_indices(needle).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + needle.len()..].chars().next();
            !before.is_some_and(&part) && !after.is_some_and(&part)
        })
}

/// Pairs of people (lower index first) one of whose referrals names the other, by e-mail, by
/// first and last name, or by a display name nobody else involved has (case and spacing
/// ignored; see [`Names`]).
pub fn referral_links(event: &Event<'_>) -> BTreeSet<(usize, usize)> {
    let input = event.input;
    let mut display_count: BTreeMap<String, u32> = BTreeMap::new();
    for p in &input.people {
        *display_count.entry(fold(&p.display_name)).or_default() += 1;
    }
    let names: Vec<(usize, Names)> = input
        .people
        .iter()
        .filter_map(|p| {
            let unique = display_count.get(&fold(&p.display_name)) == Some(&1);
            Some((event.person(p.id)?, Names::of(p, unique)))
        })
        .collect();
    let mut links = BTreeSet::new();
    for referral in &input.referrals {
        let Some(writer) = event.person(referral.user_id) else {
            continue;
        };
        let text = fold(&referral.content);
        for (named, person) in &names {
            if *named != writer && person.named_in(&text) {
                links.insert((writer.min(*named), writer.max(*named)));
            }
        }
    }
    links
}

/// Votes for a project by someone linked to a member of its team: by a referral that names one
/// of them, or by both being on another team. Every such vote is flagged; its chance is the
/// smoothed rate at which voters with no link to the team (and not on it) picked the project.
fn links(event: &Event<'_>) -> Vec<Flag> {
    let referrals = referral_links(event);
    let referred = |a: usize, b: usize| referrals.contains(&(a.min(b), a.max(b)));
    let shared = |a: usize, b: usize, project: usize| {
        event.teams_of[a]
            .iter()
            .copied()
            .find(|&other| other != project && event.on_team(b, other))
    };
    let mut out = Vec::new();
    let mut rates: BTreeMap<usize, f64> = BTreeMap::new();
    for vote in &event.votes {
        let (voter, project) = (vote.voter, vote.project);
        let members = event.teams[project].iter().copied().filter(|&m| m != voter);
        let mut findings = Vec::new();
        if let Some(member) = members.clone().find(|&m| referred(voter, m)) {
            findings.push(Finding::Referral {
                voter,
                project,
                member,
            });
        }
        if let Some((member, other)) = members
            .filter_map(|m| shared(voter, m, project).map(|other| (m, other)))
            .next()
        {
            findings.push(Finding::SharedTeam {
                voter,
                project,
                member,
                other,
            });
        }
        if findings.is_empty() {
            continue;
        }
        let rate = *rates.entry(project).or_insert_with(|| {
            let team = &event.teams[project];
            let unlinked: Vec<usize> = event
                .voters()
                .filter(|&v| {
                    !event.on_team(v, project)
                        && !team
                            .iter()
                            .any(|&m| referred(v, m) || shared(v, m, project).is_some())
                })
                .collect();
            let chose = unlinked
                .iter()
                .filter(|&&v| event.voted(v, project))
                .count();
            smoothed_rate(chose as u32, unlinked.len() as u32)
        });
        for finding in findings {
            out.push(Flag {
                finding,
                votes: vec![(voter, project)],
                observed: 1,
                expected: rate,
                chance: rate,
                threshold: None,
            });
        }
    }
    out
}

/// Bursts: for each project, the most votes cast within [`BURST_WINDOW`] of each other by
/// voters who joined at most [`NEW_ACCOUNT`] before casting them (votes and joins whose times
/// are known only). With `new_voters` such voters in the event, and the others picking the
/// project at the smoothed rate `r`, independent voting gives at least that many with chance
/// `P(Bin(new_voters, r) >= votes)`. Flagged from [`BURST_MIN_VOTES`] votes and below
/// `FAMILY_RATE` over the number of projects.
fn bursts(event: &Event<'_>) -> Vec<Flag> {
    let joined: Vec<Option<DateTime<Utc>>> = {
        let mut joined = vec![None; event.people.len()];
        for p in &event.input.people {
            if let Some(i) = event.person(p.id) {
                joined[i] = p.joined_at;
            }
        }
        joined
    };
    let new_vote = |voter: usize, cast: Option<DateTime<Utc>>| -> Option<DateTime<Utc>> {
        let (cast, joined) = (cast?, joined[voter]?);
        (cast >= joined && cast - joined <= NEW_ACCOUNT).then_some(cast)
    };
    let mut new_voters = BTreeSet::new();
    let mut fresh: Vec<Vec<(DateTime<Utc>, usize)>> = vec![Vec::new(); event.projects.len()];
    for vote in &event.votes {
        if let Some(at) = new_vote(vote.voter, vote.cast_at) {
            new_voters.insert(vote.voter);
            fresh[vote.project].push((at, vote.voter));
        }
    }
    let settled: Vec<usize> = event.voters().filter(|v| !new_voters.contains(v)).collect();
    let threshold = FAMILY_RATE / event.projects.len().max(1) as f64;
    let mut out = Vec::new();
    for (project, votes) in fresh.iter_mut().enumerate() {
        votes.sort_unstable();
        // The longest run of votes within the window (the earliest such run).
        let (mut best, mut start) = ((0, 0), 0);
        for end in 0..votes.len() {
            while votes[end].0 - votes[start].0 > BURST_WINDOW {
                start += 1;
            }
            if end + 1 - start > best.1 - best.0 {
                best = (start, end + 1);
            }
        }
        let run = &votes[best.0..best.1];
        let count = run.len() as u32;
        if count < BURST_MIN_VOTES {
            continue;
        }
        let chose = settled.iter().filter(|&&v| event.voted(v, project)).count();
        let rate = smoothed_rate(chose as u32, settled.len() as u32);
        let n = new_voters.len() as u32;
        let chance = binomial_tail(n, rate, count);
        if chance >= threshold {
            continue;
        }
        out.push(Flag {
            finding: Finding::Burst {
                project,
                votes: count,
                new_voters: n,
                rate,
                from: run[0].0,
                to: run[run.len() - 1].0,
            },
            votes: run.iter().map(|&(_, voter)| (voter, project)).collect(),
            observed: count,
            expected: f64::from(n) * rate,
            chance,
            threshold: Some(threshold),
        });
    }
    out.sort_by(|a, b| a.chance.total_cmp(&b.chance));
    out
}
