//! The bootstrap and each flag on small events whose answer is known by hand, and a property
//! test that resampling never invents votes.

#![allow(
    clippy::unwrap_used,
    reason = "a fixture that is not there fails the test loudly"
)]

use chrono::{DateTime, Duration, Utc};
use podium_data::results::{EventVotes, Person, Project, Referral, Vote};
use podium_data::{EventId, ProjectId, UserId};
use proptest::prelude::*;
use uuid::Uuid;

use crate::bootstrap::{self, Resampler};
use crate::model::Ballots;
use crate::stats::binomial_tail;
use crate::{EventResults, FlagCode, compute};

/// An event built by hand: people `0..`, projects `0..`, votes between them.
#[derive(Default)]
struct Fixture {
    input: EventVotes,
}

fn user(i: usize) -> UserId {
    UserId(Uuid::from_u128(0x1000 + i as u128))
}

fn project(i: usize) -> ProjectId {
    ProjectId(Uuid::from_u128(0x2000 + i as u128))
}

const EVENT: EventId = EventId(Uuid::from_u128(0xE));

fn noon() -> DateTime<Utc> {
    "2026-04-18T12:00:00Z".parse().unwrap()
}

impl Fixture {
    /// `people` attendees who joined a day before noon, and one project per team (each team a
    /// list of people, its first the owner).
    fn new(people: usize, teams: &[&[usize]]) -> Self {
        let mut f = Self::default();
        for i in 0..people {
            f.input.people.push(Person {
                id: user(i),
                attends: true,
                joined_at: Some(noon() - Duration::days(1)),
                email: format!("person{i}@example.com"),
                display_name: format!("Person {i}"),
                first_name: format!("First{i}"),
                last_name: format!("Last{i}"),
            });
        }
        for (i, team) in teams.iter().enumerate() {
            f.input.projects.push(Project {
                id: project(i),
                name: format!("P{i}"),
                points: 0,
                owner_id: user(team[0]),
                collaborators: team[1..].iter().map(|&m| user(m)).collect(),
            });
        }
        f.input.votes_per_attendee =
            podium_data::events::max_votes_per_user(teams.len() as i64).into();
        f
    }

    /// Solo projects: project `i` is person `i`'s.
    fn solo(people: usize, projects: usize) -> Self {
        let teams: Vec<Vec<usize>> = (0..projects).map(|i| vec![i]).collect();
        let refs: Vec<&[usize]> = teams.iter().map(Vec::as_slice).collect();
        Self::new(people, &refs)
    }

    fn vote_at(&mut self, voter: usize, target: usize, at: Option<DateTime<Utc>>) -> &mut Self {
        self.input.votes.push(Vote {
            voter_id: user(voter),
            project_id: project(target),
            cast_at: at,
        });
        let p = self
            .input
            .projects
            .iter_mut()
            .find(|p| p.id == project(target))
            .unwrap();
        p.points += 1;
        self
    }

    fn vote(&mut self, voter: usize, target: usize) -> &mut Self {
        self.vote_at(voter, target, Some(noon()))
    }

    fn results(&mut self, places: u32) -> EventResults {
        let input = &mut self.input;
        input
            .projects
            .sort_by(|a, b| b.points.cmp(&a.points).then(a.name.cmp(&b.name)));
        compute(EVENT, input, places)
    }
}

fn standing(results: &EventResults, i: usize) -> &crate::Standing {
    results
        .standings
        .iter()
        .find(|s| s.project_id == project(i))
        .unwrap()
}

fn codes(results: &EventResults) -> Vec<FlagCode> {
    results.flags.iter().map(|f| f.code).collect()
}

#[test]
fn a_clear_winner_is_first_in_every_round() {
    // 33 voters besides the three owners, one vote each: 30 for P0, 2 for P1, 1 for P2. For P1
    // to come level, a round would have to draw 30 of 33 ballots from three voters.
    let mut f = Fixture::solo(36, 3);
    for v in 3..33 {
        f.vote(v, 0);
    }
    f.vote(33, 1).vote(34, 1).vote(35, 2);
    let r = f.results(1);
    let winner = standing(&r, 0);
    assert_eq!((winner.place, winner.points, winner.votes), (1, 30, 30));
    assert_eq!((winner.place_low, winner.place_high), (1, 1));
    assert_eq!(winner.chance_first, 1.0);
    assert_eq!(winner.chance_top, 1.0);
    assert_eq!(standing(&r, 1).chance_first, 0.0);
    assert!(r.too_close.is_empty(), "{:?}", r.too_close);
    assert!(r.flags.is_empty());
    assert_eq!(r.participation.attendees, 36);
    assert_eq!(r.participation.voters, 33);
    assert_eq!(r.participation.votes_cast, 33);
    assert_eq!(r.participation.votes_available, 36);
    assert!(!r.without_flagged.prizes_change);
}

#[test]
fn an_exact_tie_shares_the_place_and_is_too_close_to_call() {
    // 4 voters, 2 projects: 2 votes each.
    let mut f = Fixture::solo(4, 2);
    f.vote(1, 0).vote(2, 0).vote(0, 1).vote(3, 1);
    let r = f.results(1);
    let (a, b) = (standing(&r, 0), standing(&r, 1));
    assert_eq!((a.place, b.place), (1, 1));
    assert_eq!(
        (a.place_low, a.place_high, b.place_low, b.place_high),
        (1, 2, 1, 2)
    );
    // The rounds are symmetric: each is first in about half, and the halves add up to one.
    assert!((a.chance_first + b.chance_first - 1.0).abs() < 1e-9);
    assert!((a.chance_first - 0.5).abs() < 0.05, "{}", a.chance_first);
    assert_eq!(r.too_close.len(), 1);
    assert_eq!(r.too_close[0].place, 1);
    assert_eq!(r.too_close[0].project_ids, vec![project(0), project(1)]);
}

#[test]
fn the_chances_of_top_k_add_up_to_k_and_the_same_votes_give_the_same_answer() {
    let input = crate::synthetic::event(200, 12, 7);
    let one = compute(EVENT, &input, 3);
    let again = compute(EVENT, &input, 3);
    let total: f64 = one.standings.iter().map(|s| s.chance_top).sum();
    let first: f64 = one.standings.iter().map(|s| s.chance_first).sum();
    assert!((total - 3.0).abs() < 1e-9, "{total}");
    assert!((first - 1.0).abs() < 1e-9, "{first}");
    assert_eq!(format!("{:?}", one), format!("{:?}", again));
    for s in &one.standings {
        assert!(
            s.place_low <= s.place && s.place <= s.place_high || s.place_low <= s.place_high,
            "{s:?}"
        );
    }
}

#[test]
fn the_rounds_are_enough_for_stable_answers() {
    // Five seeds over one event: interval ends move by at most one place, and chances by at
    // most four standard errors of a share of ROUNDS rounds (0.5 / sqrt(2000) ≈ 1.1 points).
    let input = crate::synthetic::event(300, 20, 11);
    let runs: Vec<EventResults> = (1..=5u128)
        .map(|seed| compute(EventId(Uuid::from_u128(seed)), &input, 3))
        .collect();
    let chance_error = 4.0 * 0.5 / f64::from(bootstrap::ROUNDS).sqrt();
    for i in 0..input.projects.len() {
        let of = |f: fn(&crate::Standing) -> f64| {
            runs.iter().map(|r| f(&r.standings[i])).collect::<Vec<_>>()
        };
        for (what, values, most) in [
            ("low", of(|s| f64::from(s.place_low)), 1.0),
            ("high", of(|s| f64::from(s.place_high)), 1.0),
            ("first", of(|s| s.chance_first), chance_error),
            ("top", of(|s| s.chance_top), chance_error),
        ] {
            let spread = values.iter().cloned().fold(f64::MIN, f64::max)
                - values.iter().cloned().fold(f64::MAX, f64::min);
            assert!(
                spread <= most,
                "project {i}: {what} varies by {spread}: {values:?}"
            );
        }
    }
}

#[test]
fn points_no_ballot_explains_count_in_every_round() {
    // P1 was imported with 10 points and has one vote; P0 has 3 votes.
    let mut f = Fixture::solo(5, 2);
    f.vote(2, 0).vote(3, 0).vote(4, 0).vote(0, 1);
    f.input
        .projects
        .iter_mut()
        .find(|p| p.id == project(1))
        .unwrap()
        .points = 10;
    let r = f.results(1);
    let imported = standing(&r, 1);
    assert_eq!(
        (imported.points, imported.votes, imported.place),
        (10, 1, 1)
    );
    assert_eq!(
        (
            imported.place_low,
            imported.place_high,
            imported.chance_first
        ),
        (1, 1, 1.0)
    );
}

/// Ten teams of three (people 0..30), two votes each; team t votes for t+1 and t+2, except that
/// teams 0 and 5 vote for each other.
fn trading() -> Fixture {
    let teams: Vec<Vec<usize>> = (0..10).map(|t| vec![3 * t, 3 * t + 1, 3 * t + 2]).collect();
    let refs: Vec<&[usize]> = teams.iter().map(Vec::as_slice).collect();
    let mut f = Fixture::new(30, &refs);
    for t in 0..10 {
        let targets = match t {
            0 => [5, 1],
            5 => [0, 6],
            _ => [(t + 1) % 10, (t + 2) % 10],
        };
        for m in 0..3 {
            for target in targets {
                f.vote(3 * t + m, target);
            }
        }
    }
    f
}

#[test]
fn two_teams_trading_votes_are_flagged_with_the_chance_worked_by_hand() {
    let r = trading().results(3);
    assert_eq!(codes(&r), vec![FlagCode::ReciprocalTeams], "{:#?}", r.flags);
    let flag = &r.flags[0];
    // All 3 of team 0 voted for P5 and all 3 of team 5 for P0. Of the 24 voters on neither
    // team, 6 voted for P5 (teams 3 and 4) and 6 for P0 (teams 8 and 9): a smoothed rate of
    // 7/26 each, so the chance is (7/26)^3 × (7/26)^3, below 0.05 / 45 pairs.
    let rate: f64 = 7.0 / 26.0;
    assert!(
        (flag.chance - rate.powi(6)).abs() < 1e-15,
        "{}",
        flag.chance
    );
    assert_eq!(flag.threshold, Some(0.05 / 45.0));
    assert_eq!(flag.observed, 6);
    assert!((flag.expected - 6.0 * rate).abs() < 1e-12);
    let mut votes: Vec<(UserId, ProjectId)> = flag
        .votes
        .iter()
        .map(|v| (v.voter_id, v.project_id))
        .collect();
    votes.sort();
    let mut expected: Vec<(UserId, ProjectId)> = (0..3)
        .map(|m| (user(m), project(5)))
        .chain((15..18).map(|m| (user(m), project(0))))
        .collect();
    expected.sort();
    assert_eq!(votes, expected);
    assert!(
        flag.explanation
            .starts_with("The teams of “P0” and “P5” voted for each other: 3 of the 3 voters"),
        "{}",
        flag.explanation
    );
    // Counts are untouched; without the 6 votes P0 and P5 lose 3 points each.
    assert_eq!(standing(&r, 0).points, 9);
    assert_eq!(r.without_flagged.votes_removed, 6);
    let recount = r
        .without_flagged
        .standings
        .iter()
        .find(|s| s.project_id == project(0))
        .unwrap();
    assert_eq!(recount.points, 6);
}

#[test]
fn votes_traded_once_each_way_are_not_flagged() {
    let mut f = trading();
    // Only one member of each team still votes for the other: (7/26) × (7/26) × 3 each way is
    // far above the threshold.
    for v in f.input.votes.iter_mut() {
        if (v.voter_id == user(1) || v.voter_id == user(2)) && v.project_id == project(5) {
            v.project_id = project(2);
        }
        if (v.voter_id == user(16) || v.voter_id == user(17)) && v.project_id == project(0) {
            v.project_id = project(7);
        }
    }
    let r = compute(EVENT, &f.input, 3);
    assert!(r.flags.is_empty(), "{:#?}", r.flags);
}

#[test]
fn a_referral_ring_flags_each_vote_along_it_and_nothing_else() {
    // Four solo projects (two votes each). Person 0's referral names 1 by first and last name,
    // 1's names 2 by e-mail, 2's names 0 by display name: a ring. Each votes along it once.
    let mut f = Fixture::solo(4, 4);
    let refer = |who: usize, content: &str| Referral {
        user_id: user(who),
        content: content.to_owned(),
    };
    f.input.referrals = vec![
        refer(0, "My friend first1  LAST1 told me"),
        refer(1, "PERSON2@example.com"),
        refer(2, "person 0!"),
        refer(3, "Joined from link"),
    ];
    f.vote(0, 1)
        .vote(0, 3)
        .vote(1, 2)
        .vote(1, 3)
        .vote(2, 0)
        .vote(2, 3)
        .vote(3, 0)
        .vote(3, 1);
    let r = f.results(1);
    assert_eq!(codes(&r), vec![FlagCode::ReferralLink; 3], "{:#?}", r.flags);
    let mut flagged: Vec<(UserId, ProjectId)> = r
        .flags
        .iter()
        .map(|f| (f.votes[0].voter_id, f.votes[0].project_id))
        .collect();
    flagged.sort();
    assert_eq!(
        flagged,
        vec![
            (user(0), project(1)),
            (user(1), project(2)),
            (user(2), project(0))
        ]
    );
    // P1's voters with no link to its team (person 1, linked to 0 and 2): person 3, who voted
    // for it: a rate of (1 + 1) / (1 + 2).
    let on_p1 = r
        .flags
        .iter()
        .find(|f| f.votes[0].project_id == project(1))
        .unwrap();
    assert!((on_p1.chance - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(on_p1.threshold, None);
    assert_eq!(r.without_flagged.votes_removed, 3);
}

#[test]
fn a_referral_names_someone_only_by_whole_words_and_an_unambiguous_display_name() {
    // Nobody is named: "Sam" is two people's display name, "Al" is too short, "first0last0" is
    // not "First0 Last0", "jimbob@…" is not "bob@…", and the one-word display name "Will" names
    // someone only as the whole answer.
    let mut f = Fixture::solo(4, 3);
    f.input.people[1].display_name = "Sam".into();
    f.input.people[2].display_name = "Sam".into();
    f.input.people[0].display_name = "Will".into();
    f.input.people[1].email = "bob@example.com".into();
    let refer = |who: usize, content: &str| Referral {
        user_id: user(who),
        content: content.to_owned(),
    };
    f.input.referrals = vec![
        refer(1, "sam told me, and I will come"),
        refer(2, "first0last0, also al; jimbob@example.com"),
        refer(3, "bob@example.co"),
    ];
    f.vote(1, 0).vote(2, 0).vote(2, 1).vote(3, 1);
    let r = f.results(1);
    assert!(r.flags.is_empty(), "{:#?}", r.flags);
    // The whole answer "will", or the address with a full stop after it, does name them.
    f.input.referrals = vec![refer(1, " WILL "), refer(3, "bob@example.com.")];
    let r = f.results(1);
    let mut flagged: Vec<(UserId, ProjectId)> = r
        .flags
        .iter()
        .map(|f| (f.votes[0].voter_id, f.votes[0].project_id))
        .collect();
    flagged.sort();
    assert_eq!(
        flagged,
        vec![(user(1), project(0)), (user(3), project(1))],
        "{:#?}",
        r.flags
    );
}

#[test]
fn a_vote_for_the_team_of_someone_who_shares_another_team_with_the_voter_is_flagged() {
    // Person 0 owns P0 and is on P2 with person 2; person 2 votes P0? No: 2 is on P2 with 0,
    // who is on P0's team, so 2's vote for P0 is flagged. Person 3's vote for P0 is not.
    let mut f = Fixture::new(4, &[&[0], &[1], &[2, 0]]);
    f.vote(2, 0).vote(3, 0).vote(3, 1);
    let r = f.results(1);
    assert_eq!(codes(&r), vec![FlagCode::SharedTeam], "{:#?}", r.flags);
    assert_eq!(
        (r.flags[0].votes[0].voter_id, r.flags[0].votes[0].project_id),
        (user(2), project(0))
    );
    assert!(
        r.flags[0].explanation.contains("on the team of “P2”"),
        "{}",
        r.flags[0].explanation
    );
}

/// Ten solo projects (2 votes each); people 10..30 joined a day before and vote for P0..P8;
/// people 30..35 joined at noon and vote P9 (and one each for P0..P4) between 12:05 and 12:09.
fn burst(joined_known: bool) -> Fixture {
    let mut f = Fixture::solo(35, 10);
    for v in 10..30 {
        f.vote_at(v, v % 9, Some(noon() - Duration::hours(3)));
        f.vote_at(v, (v + 1) % 9, Some(noon() - Duration::hours(3)));
    }
    for (k, v) in (30..35).enumerate() {
        f.input.people[v].joined_at = joined_known.then_some(noon());
        let at = Some(noon() + Duration::minutes(5 + k as i64));
        f.vote_at(v, 9, at).vote_at(v, k, at);
    }
    f
}

#[test]
fn a_burst_of_votes_from_accounts_that_just_joined_is_flagged() {
    let r = burst(true).results(3);
    assert_eq!(codes(&r), vec![FlagCode::NewAccountBurst], "{:#?}", r.flags);
    let flag = &r.flags[0];
    // 5 new voters, all for P9; none of the 20 others did: rate 1/22, chance (1/22)^5.
    let rate: f64 = 1.0 / 22.0;
    assert!(
        (flag.chance - rate.powi(5)).abs() < 1e-18,
        "{}",
        flag.chance
    );
    assert_eq!(flag.threshold, Some(0.05 / 10.0));
    assert_eq!(flag.observed, 5);
    assert_eq!(
        flag.votes.iter().map(|v| v.project_id).collect::<Vec<_>>(),
        vec![project(9); 5]
    );
    assert!(
        flag.explanation
            .starts_with("5 votes for “P9” were cast between 2026-04-18 12:05 and 12:09 UTC"),
        "{}",
        flag.explanation
    );
    // Their other votes went one to each of P0..P4: no burst there.
    assert_eq!(r.participation.votes_with_time, 50);
}

#[test]
fn without_known_join_times_there_is_no_burst() {
    let r = burst(false).results(3);
    assert!(r.flags.is_empty(), "{:#?}", r.flags);
}

#[test]
fn votes_long_after_joining_are_no_burst() {
    let mut f = burst(true);
    for p in &mut f.input.people[30..35] {
        p.joined_at = Some(noon() - Duration::minutes(31));
    }
    let r = f.results(3);
    assert!(r.flags.is_empty(), "{:#?}", r.flags);
}

#[test]
fn dropping_flagged_votes_that_decide_a_prize_says_the_prizes_change() {
    // Three solo projects (one vote each): 4 settled voters for P0, 4 for P1, and 5 accounts that
    // joined at noon for P2 between 12:05 and 12:09. P2 wins with 5; the burst (rate 1/10 among
    // the settled voters, chance 10^-5, below 0.05 / 3) is flagged, and without it P0 and P1
    // share first place.
    let mut f = Fixture::solo(16, 3);
    for v in 3..7 {
        f.vote_at(v, 0, Some(noon() - Duration::hours(2)));
    }
    for v in 7..11 {
        f.vote_at(v, 1, Some(noon() - Duration::hours(2)));
    }
    for (k, v) in (11..16).enumerate() {
        f.input.people[v].joined_at = Some(noon());
        f.vote_at(v, 2, Some(noon() + Duration::minutes(5 + k as i64)));
    }
    let r = f.results(1);
    assert_eq!(standing(&r, 2).place, 1);
    assert_eq!(codes(&r), vec![FlagCode::NewAccountBurst], "{:#?}", r.flags);
    assert!(
        (r.flags[0].chance - 1e-5).abs() < 1e-18,
        "{}",
        r.flags[0].chance
    );
    let w = &r.without_flagged;
    assert!(w.prizes_change);
    let places: Vec<(ProjectId, i64, u32)> = w
        .standings
        .iter()
        .map(|s| (s.project_id, s.points, s.place))
        .collect();
    assert_eq!(
        places,
        vec![(project(0), 4, 1), (project(1), 4, 1), (project(2), 0, 3)]
    );
}

#[test]
fn an_event_without_projects_or_votes_has_empty_results() {
    let r = Fixture::solo(3, 0).results(3);
    assert!(r.standings.is_empty() && r.flags.is_empty() && r.too_close.is_empty());
    let r = Fixture::solo(3, 2).results(3);
    assert_eq!(r.standings.len(), 2);
    assert!(
        r.standings
            .iter()
            .all(|s| s.place == 1 && s.place_high == 1)
    );
    assert!((r.standings[0].chance_first - 0.5).abs() < 1e-12);
}

#[test]
fn the_binomial_tail_of_the_worked_examples_is_what_the_flags_use() {
    assert!((binomial_tail(3, 7.0 / 26.0, 3) - (7.0f64 / 26.0).powi(3)).abs() < 1e-15);
}

/// Ballots: up to 40 voters over up to 12 projects, each ballot distinct projects.
fn ballots() -> impl Strategy<Value = (usize, Vec<Vec<usize>>)> {
    (1usize..12).prop_flat_map(|n| {
        let ballot = proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n.min(3));
        (Just(n), proptest::collection::vec(ballot, 0..40))
    })
}

proptest! {
    #[test]
    fn resampling_never_invents_votes((n, lists) in ballots(), seed in any::<[u8; 32]>(), base in proptest::collection::vec(0i64..5, 12)) {
        let ballots = Ballots::new(lists.clone());
        let base = &base[..n];
        let mut resampler = Resampler::new(&ballots, seed);
        let (mut drawn, mut counts) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            resampler.round(base, &mut drawn, &mut counts);
            // As many voters as voted, each one of them.
            prop_assert_eq!(drawn.len(), lists.len());
            prop_assert!(drawn.iter().all(|&d| d < lists.len()));
            for p in 0..n {
                // Every vote counted is a drawn voter's real vote: nothing for a project
                // nobody voted for, and exactly one per drawn ballot holding it.
                let from_drawn = drawn.iter().filter(|&&d| lists[d].contains(&p)).count() as i64;
                prop_assert_eq!(counts[p] - base[p], from_drawn);
                if lists.iter().all(|b| !b.contains(&p)) {
                    prop_assert_eq!(counts[p], base[p]);
                }
            }
            let total: i64 = counts.iter().sum::<i64>() - base.iter().sum::<i64>();
            prop_assert_eq!(total, drawn.iter().map(|&d| lists[d].len() as i64).sum::<i64>());
        }
    }

    #[test]
    fn places_are_competition_ranks(points in proptest::collection::vec(0i64..6, 0..15)) {
        let places = bootstrap::places(&points);
        for (i, &p) in places.iter().enumerate() {
            let above = points.iter().filter(|&&q| q > points[i]).count() as u32;
            prop_assert_eq!(p, above + 1);
        }
    }
}
