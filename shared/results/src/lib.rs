//! An event's results (`GET /events/admin/{event_id}/results`, the console's `results`): the
//! standings with how sure each place is, participation, integrity flags, and the standings
//! without the flagged votes; and the same as CSV, one self-contained HTML file, and text.
//!
//! Pure computation over what [`podium_data::results::load`] read: no I/O, and the same votes
//! always give the same answer (the bootstrap is seeded by the event id). Every statistic is
//! defined in the README's "Results: what each number means"; the code's doc comments say the
//! same in its terms.

pub mod bootstrap;
mod explain;
pub mod flags;
pub mod model;
pub mod report;
pub mod stats;
pub mod synthetic;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use podium_data::results::EventVotes;
use podium_data::{EventId, ProjectId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::Event;

/// Prize places when `?places=` is not given.
pub const DEFAULT_PLACES: u32 = 3;
/// The most prize places `?places=` takes.
pub const MAX_PLACES: u32 = 100;

/// An event's results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventResults {
    #[schema(value_type = uuid::Uuid)]
    pub event_id: EventId,
    /// Prize places (`?places=`): the `k` of `chance_top` and of the prize line.
    pub places: u32,
    /// Bootstrap rounds behind every interval and chance.
    pub rounds: u32,
    /// Every project, in the leaderboard's order (points, then name).
    pub standings: Vec<Standing>,
    /// Per prize place, the projects whose 95 % intervals reach both that place (or better)
    /// and the one below it: which of them ends up on which side is too close to call. Only
    /// places with at least two such projects.
    pub too_close: Vec<CloseCall>,
    pub participation: Participation,
    /// Votes that follow a pattern independent voting rarely produces. Flags change no count.
    pub flags: Vec<IntegrityFlag>,
    /// The standings recomputed without every flagged vote.
    pub without_flagged: WithoutFlagged,
}

/// A project's place and how sure it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Standing {
    #[schema(value_type = uuid::Uuid)]
    pub project_id: ProjectId,
    pub name: String,
    /// As the leaderboard shows them.
    pub points: i64,
    /// Votes cast for it (points may differ for projects imported with points of their own).
    pub votes: u32,
    /// 1 + the number of projects with more points: tied projects share a place.
    pub place: u32,
    /// The 95 % interval of its place over the bootstrap rounds (2.5th and 97.5th percentile).
    pub place_low: u32,
    pub place_high: u32,
    /// The share of rounds in which it was first (a tie for first shared equally).
    pub chance_first: f64,
    /// The share of rounds in which it was within the prize places (a tie across the line
    /// shared by the part that fits).
    pub chance_top: f64,
}

/// Projects too close to call across one place.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CloseCall {
    /// The place (1 to `places`) whose line they straddle: each of them could end up at this
    /// place or better, and each could end up below it.
    pub place: u32,
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub project_ids: Vec<ProjectId>,
}

/// Who took part.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Participation {
    /// People attending the event now.
    pub attendees: u32,
    /// People who cast at least one vote (a removed attendee's votes stay).
    pub voters: u32,
    pub votes_cast: u32,
    /// Attendees times the votes each may cast.
    pub votes_available: u32,
    /// Votes each attendee may cast (1 below 4 projects, 2 below 20, then 3).
    pub votes_per_attendee: u32,
    /// Votes whose time is known (cast after the times were first recorded).
    pub votes_with_time: u32,
    /// Per project, in the standings' order.
    pub votes_per_project: Vec<ProjectVotes>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectVotes {
    #[schema(value_type = uuid::Uuid)]
    pub project_id: ProjectId,
    pub votes: u32,
}

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    /// Two teams voted for each other more than independent voting would produce.
    ReciprocalTeams,
    /// A vote for a team one of whose members a referral links to the voter.
    ReferralLink,
    /// A vote for a team one of whose members is on another team with the voter.
    SharedTeam,
    /// Several votes for one project, close together, from accounts that had just joined.
    NewAccountBurst,
}

/// A pattern found in the votes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrityFlag {
    pub code: FlagCode,
    /// What was found, in words an organizer can pass on.
    pub explanation: String,
    /// The votes involved.
    pub votes: Vec<FlaggedVote>,
    /// How many votes the pattern is made of.
    pub observed: u32,
    /// How many independent voting would give on average.
    pub expected: f64,
    /// How likely independent voting makes something at least as extreme (smaller is more
    /// unusual).
    pub chance: f64,
    /// The chance below which this check flags (none for the link checks, which flag every
    /// linked vote).
    pub threshold: Option<f64>,
}

/// A vote, as `GET /events/admin/{event_id}/votes` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
pub struct FlaggedVote {
    #[schema(value_type = uuid::Uuid)]
    pub voter_id: UserId,
    #[schema(value_type = uuid::Uuid)]
    pub project_id: ProjectId,
}

/// The standings without the flagged votes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WithoutFlagged {
    /// Distinct votes left out (a vote in two flags counts once).
    pub votes_removed: u32,
    /// Whether a project would enter or leave the prize places, or take another prize place.
    pub prizes_change: bool,
    /// In the new order.
    pub standings: Vec<Recount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recount {
    #[schema(value_type = uuid::Uuid)]
    pub project_id: ProjectId,
    pub points: i64,
    pub place: u32,
}

/// The results of the event `event_id` from its votes, with `places` prize places and the full
/// number of bootstrap rounds.
pub fn compute(event_id: EventId, input: &EventVotes, places: u32) -> EventResults {
    compute_with(event_id, input, places, bootstrap::ROUNDS)
}

/// [`compute`] with `rounds` bootstrap rounds.
pub fn compute_with(
    event_id: EventId,
    input: &EventVotes,
    places: u32,
    rounds: u32,
) -> EventResults {
    let event = Event::new(input);
    let points = event.points();
    let place = bootstrap::places(&points);
    let unexplained: Vec<i64> = points
        .iter()
        .zip(&event.votes_for)
        .map(|(p, v)| p - i64::from(*v))
        .collect();
    let spread = bootstrap::run(
        &event.ballots(),
        &unexplained,
        bootstrap::seed(event_id.0),
        rounds,
        places,
    );
    let standings: Vec<Standing> = input
        .projects
        .iter()
        .enumerate()
        .map(|(i, p)| Standing {
            project_id: p.id,
            name: p.name.clone(),
            points: points[i],
            votes: event.votes_for[i],
            place: place[i],
            place_low: spread[i].low,
            place_high: spread[i].high,
            chance_first: spread[i].first,
            chance_top: spread[i].top,
        })
        .collect();
    let found = flags::all(&event);
    let without_flagged = without(&event, &points, &place, &found, places);
    EventResults {
        event_id,
        places,
        rounds,
        too_close: too_close(&standings, places),
        participation: participation(&event),
        flags: found
            .iter()
            .map(|flag| explain::flag(&event, flag))
            .collect(),
        without_flagged,
        standings,
    }
}

fn too_close(standings: &[Standing], places: u32) -> Vec<CloseCall> {
    let last = places.min(standings.len().saturating_sub(1) as u32);
    (1..=last)
        .filter_map(|line| {
            let project_ids: Vec<ProjectId> = standings
                .iter()
                .filter(|s| s.place_low <= line && s.place_high > line)
                .map(|s| s.project_id)
                .collect();
            (project_ids.len() >= 2).then_some(CloseCall {
                place: line,
                project_ids,
            })
        })
        .collect()
}

fn participation(event: &Event<'_>) -> Participation {
    let input = event.input;
    let attendees = input.people.iter().filter(|p| p.attends).count() as u32;
    let per = u32::try_from(input.votes_per_attendee).unwrap_or(0);
    Participation {
        attendees,
        voters: event.voters().count() as u32,
        votes_cast: event.votes.len() as u32,
        votes_available: attendees * per,
        votes_per_attendee: per,
        votes_with_time: event.votes.iter().filter(|v| v.cast_at.is_some()).count() as u32,
        votes_per_project: input
            .projects
            .iter()
            .zip(&event.votes_for)
            .map(|(p, &votes)| ProjectVotes {
                project_id: p.id,
                votes,
            })
            .collect(),
    }
}

fn without(
    event: &Event<'_>,
    points: &[i64],
    place: &[u32],
    found: &[flags::Flag],
    places: u32,
) -> WithoutFlagged {
    let removed: std::collections::BTreeSet<(usize, usize)> =
        found.iter().flat_map(|f| f.votes.iter().copied()).collect();
    let mut recount = points.to_vec();
    for &(_, project) in &removed {
        recount[project] -= 1;
    }
    let new_place = bootstrap::places(&recount);
    let prize = |p: u32| p <= places;
    let prizes_change = (0..points.len())
        .any(|i| (prize(place[i]) || prize(new_place[i])) && place[i] != new_place[i]);
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by_key(|&i| new_place[i]);
    WithoutFlagged {
        votes_removed: removed.len() as u32,
        prizes_change,
        standings: order
            .into_iter()
            .map(|i| Recount {
                project_id: event.projects[i],
                points: recount[i],
                place: new_place[i],
            })
            .collect(),
    }
}

/// When the event's known votes were cast, sorted, for the report's votes over time.
fn vote_times(input: &EventVotes) -> Vec<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = input.votes.iter().filter_map(|v| v.cast_at).collect();
    times.sort_unstable();
    times
}
