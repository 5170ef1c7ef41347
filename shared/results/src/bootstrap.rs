//! How sure each place is: a bootstrap over ballots. Each round draws as many voters as voted,
//! with replacement, and counts what the drawn voters' ballots give each project (plus the
//! points no ballot explains, which every round keeps as they are); the spread of the places
//! over the rounds is the answer. The rounds are a ChaCha8 stream seeded by the event id, so the
//! same votes always give the same answer.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::model::Ballots;

/// Rounds per bootstrap. A chance read from them is off by at most 0.5 / sqrt(2000) ≈ 1.1
/// percentage points (one standard error), and a 95 % interval's ends (the 50th and 1,950th of
/// the 2,000 places) move by at most one place between seeds (`the_rounds_are_enough_for_
/// stable_answers`); 1,000 voters and 50 projects take a few milliseconds (BENCHMARKS.md).
pub const ROUNDS: u32 = 2_000;

/// Places in competition ranking ("1, 1, 3"): one more than the number of projects with more
/// points, so tied projects share a place.
pub fn places(points: &[i64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_unstable_by(|&a, &b| points[b].cmp(&points[a]));
    let mut out = vec![0; points.len()];
    let mut place = 1;
    for (position, &project) in order.iter().enumerate() {
        if position > 0 && points[project] != points[order[position - 1]] {
            place = position as u32 + 1;
        }
        out[project] = place;
    }
    out
}

/// The seed of an event's rounds: its id's 16 bytes, then zeros.
pub fn seed(event: Uuid) -> [u8; 32] {
    let mut seed = [0; 32];
    seed[..16].copy_from_slice(event.as_bytes());
    seed
}

/// Draws rounds of voters from a set of ballots.
#[derive(Debug)]
pub struct Resampler<'b> {
    ballots: &'b Ballots,
    rng: ChaCha8Rng,
}

impl<'b> Resampler<'b> {
    pub fn new(ballots: &'b Ballots, seed: [u8; 32]) -> Self {
        Self {
            ballots,
            rng: ChaCha8Rng::from_seed(seed),
        }
    }

    /// One round: `drawn` gets as many voter indexes as there are ballots, drawn uniformly with
    /// replacement, and `counts` becomes `base` plus one for every drawn ballot that holds the
    /// project.
    pub fn round(&mut self, base: &[i64], drawn: &mut Vec<usize>, counts: &mut Vec<i64>) {
        let voters = self.ballots.len();
        counts.clear();
        counts.extend_from_slice(base);
        drawn.clear();
        for _ in 0..voters {
            let voter = self.rng.random_range(0..voters);
            drawn.push(voter);
            for &project in self.ballots.get(voter) {
                counts[project] += 1;
            }
        }
    }
}

/// One project's spread over the rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The 2.5th and 97.5th percentiles of its place (nearest rank): a 95 % interval.
    pub low: u32,
    pub high: u32,
    /// The share of rounds it was first, a tie for first counting 1/m for each of m projects.
    pub first: f64,
    /// The share of rounds it was within the first `places`, a tie across the line counting
    /// the part of it that fits (two tied for third with 3 places: 1/2 each).
    pub top: f64,
}

/// Runs `rounds` rounds over `ballots` and reads each project's [`Spread`]. `base` holds, per
/// project, the points no ballot explains.
pub fn run(
    ballots: &Ballots,
    base: &[i64],
    seed: [u8; 32],
    rounds: u32,
    prize_places: u32,
) -> Vec<Spread> {
    let n = base.len();
    if n == 0 {
        return Vec::new();
    }
    // Each project's place in each round: memory grows with projects × rounds (400 KB for 50
    // projects), not with projects² as a histogram of places would.
    let rounds_n = rounds as usize;
    let mut seen = vec![0u32; n * rounds_n];
    let mut first = vec![0.0; n];
    let mut top = vec![0.0; n];
    let mut resampler = Resampler::new(ballots, seed);
    let (mut drawn, mut counts) = (Vec::with_capacity(ballots.len()), Vec::with_capacity(n));
    let mut order: Vec<usize> = (0..n).collect();
    for round in 0..rounds_n {
        resampler.round(base, &mut drawn, &mut counts);
        order.sort_unstable_by(|&a, &b| counts[b].cmp(&counts[a]));
        let mut start = 0;
        while start < n {
            let mut end = start + 1;
            while end < n && counts[order[end]] == counts[order[start]] {
                end += 1;
            }
            let (place, tied) = (start as u32 + 1, (end - start) as f64);
            let share = |line: u32| f64::from((line + 1).saturating_sub(place)).min(tied) / tied;
            for &project in &order[start..end] {
                seen[project * rounds_n + round] = place;
                first[project] += share(1);
                top[project] += share(prize_places);
            }
            start = end;
        }
    }
    let rounds_f = f64::from(rounds.max(1));
    (0..n)
        .map(|project| {
            let row = &mut seen[project * rounds_n..(project + 1) * rounds_n];
            row.sort_unstable();
            Spread {
                low: percentile(row, 0.025),
                high: percentile(row, 0.975),
                first: first[project] / rounds_f,
                top: top[project] / rounds_f,
            }
        })
        .collect()
}

/// The place at nearest rank `ceil(q × rounds)` of the sorted places of every round (1 when
/// there were no rounds).
fn percentile(sorted: &[u32], q: f64) -> u32 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
    sorted.get(rank - 1).copied().unwrap_or(1)
}
