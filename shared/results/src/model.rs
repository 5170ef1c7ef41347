//! The event as the computation reads it: projects, people and votes by small indexes, each
//! project's team, and each voter's ballot.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use podium_data::results::EventVotes;
use podium_data::{ProjectId, UserId};

/// A vote by indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    /// Index into [`Event::people`].
    pub voter: usize,
    /// Index into [`Event::projects`].
    pub project: usize,
    pub cast_at: Option<DateTime<Utc>>,
}

/// The ballots of an event as one flat list: voter `i` voted for
/// `items[starts[i]..starts[i + 1]]` (project indexes). Only people who voted have a ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballots {
    starts: Vec<usize>,
    items: Vec<usize>,
}

impl Default for Ballots {
    /// No ballots.
    fn default() -> Self {
        Self::new([])
    }
}

impl Ballots {
    /// Ballots from each voter's list of projects.
    pub fn new<I: IntoIterator<Item = Vec<usize>>>(ballots: I) -> Self {
        let mut out = Self {
            starts: vec![0],
            items: Vec::new(),
        };
        for ballot in ballots {
            out.items.extend(ballot);
            out.starts.push(out.items.len());
        }
        out
    }

    /// How many voters.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The projects voter `i` voted for.
    pub fn get(&self, i: usize) -> &[usize] {
        &self.items[self.starts[i]..self.starts[i + 1]]
    }
}

/// The event by indexes.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub input: &'a EventVotes,
    pub projects: Vec<ProjectId>,
    pub people: Vec<UserId>,
    /// Each person's index into [`Event::people`].
    index: HashMap<UserId, usize>,
    /// Per project, its team (owner and collaborators) as person indexes, sorted.
    pub teams: Vec<Vec<usize>>,
    /// Per person, the projects whose team they are on.
    pub teams_of: Vec<Vec<usize>>,
    /// Every vote, in the input's order.
    pub votes: Vec<Vote>,
    /// Per person, the projects they voted for (empty for who did not vote).
    pub ballot_of: Vec<Vec<usize>>,
    /// Per project, the votes it has.
    pub votes_for: Vec<u32>,
}

impl<'a> Event<'a> {
    /// Indexes `input`. A vote for a project or by a person the snapshot does not hold cannot
    /// happen (one transaction, foreign keys); it would be left out rather than invented.
    pub fn new(input: &'a EventVotes) -> Self {
        let projects: Vec<ProjectId> = input.projects.iter().map(|p| p.id).collect();
        let project_index: HashMap<ProjectId, usize> =
            projects.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let mut people: Vec<UserId> = input.people.iter().map(|p| p.id).collect();
        let mut person_index: HashMap<UserId, usize> =
            people.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let mut person = |id: UserId| {
            *person_index.entry(id).or_insert_with(|| {
                people.push(id);
                people.len() - 1
            })
        };
        let teams: Vec<Vec<usize>> = input
            .projects
            .iter()
            .map(|p| {
                let mut team: Vec<usize> = std::iter::once(p.owner_id)
                    .chain(p.collaborators.iter().copied())
                    .map(&mut person)
                    .collect();
                team.sort_unstable();
                team.dedup();
                team
            })
            .collect();
        let votes: Vec<Vote> = input
            .votes
            .iter()
            .filter_map(|v| {
                Some(Vote {
                    project: *project_index.get(&v.project_id)?,
                    voter: person(v.voter_id),
                    cast_at: v.cast_at,
                })
            })
            .collect();
        let mut teams_of = vec![Vec::new(); people.len()];
        for (project, team) in teams.iter().enumerate() {
            for &member in team {
                teams_of[member].push(project);
            }
        }
        let mut ballot_of = vec![Vec::new(); people.len()];
        let mut votes_for = vec![0; projects.len()];
        for vote in &votes {
            ballot_of[vote.voter].push(vote.project);
            votes_for[vote.project] += 1;
        }
        Self {
            input,
            projects,
            people,
            index: person_index,
            teams,
            teams_of,
            votes,
            ballot_of,
            votes_for,
        }
    }

    /// The index of the person with this id, when the event involves them.
    pub fn person(&self, id: UserId) -> Option<usize> {
        self.index.get(&id).copied()
    }

    /// The people who voted, in person order.
    pub fn voters(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.people.len()).filter(|&p| !self.ballot_of[p].is_empty())
    }

    /// The ballots of those who voted.
    pub fn ballots(&self) -> Ballots {
        Ballots::new(self.voters().map(|p| self.ballot_of[p].clone()))
    }

    /// Whether `person` voted for `project`.
    pub fn voted(&self, person: usize, project: usize) -> bool {
        self.ballot_of[person].contains(&project)
    }

    /// Whether `person` is on `project`'s team.
    pub fn on_team(&self, person: usize, project: usize) -> bool {
        self.teams[project].binary_search(&person).is_ok()
    }

    /// Points as the leaderboard shows them.
    pub fn points(&self) -> Vec<i64> {
        self.input
            .projects
            .iter()
            .map(|p| i64::from(p.points))
            .collect()
    }
}
