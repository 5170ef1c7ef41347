//! A made-up event of any size, the same for the same seed: for the benchmark
//! (`examples/bench_results.rs`) and the tests that need a large event. Teams of three own the
//! projects; everyone else only votes; each voter casts the full ballot, favouring projects
//! with lower numbers (so places differ and some are close); one in ten voters joined just
//! before voting, and one in ten left a referral naming someone.

use chrono::{DateTime, Duration, Utc};
use podium_data::results::{EventVotes, Person, Project, Referral, Vote};
use podium_data::{ProjectId, UserId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// `voters` voters (team members included) and `projects` projects.
pub fn event(voters: usize, projects: usize, seed: u64) -> EventVotes {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut id = || Uuid::from_u128(rng.random());
    let start: DateTime<Utc> = DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    let people: Vec<Person> = (0..voters.max(projects * 3))
        .map(|i| Person {
            id: UserId(id()),
            attends: true,
            joined_at: Some(start + Duration::minutes(i as i64 % 600)),
            email: format!("hacker{i}@example.com"),
            display_name: format!("Hacker {i}"),
            first_name: format!("First{i}"),
            last_name: format!("Last{i}"),
        })
        .collect();
    let projects: Vec<Project> = (0..projects)
        .map(|p| Project {
            id: ProjectId(id()),
            name: format!("Project {p}"),
            points: 0,
            owner_id: people[p * 3].id,
            collaborators: vec![people[p * 3 + 1].id, people[p * 3 + 2].id],
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let per = podium_data::events::max_votes_per_user(projects.len() as i64) as usize;
    let mut votes = Vec::new();
    let mut points = vec![0; projects.len()];
    for (i, person) in people.iter().enumerate() {
        let own = i / 3;
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < per.min(projects.len().saturating_sub(1)) {
            // Lower numbers more often: the smaller of two uniform draws.
            let p = rng
                .random_range(0..projects.len())
                .min(rng.random_range(0..projects.len()));
            if p != own && !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        let joined = person.joined_at.unwrap_or(start);
        let after = if i % 10 == 0 {
            5
        } else {
            90 + (i as i64 % 300)
        };
        for p in chosen {
            points[p] += 1;
            votes.push(Vote {
                voter_id: person.id,
                project_id: projects[p].id,
                cast_at: Some(joined + Duration::minutes(after)),
            });
        }
    }
    let referrals = people
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 == 3)
        .map(|(i, p)| Referral {
            user_id: p.id,
            content: format!("my friend first{} last{}", i + 1, i + 1),
        })
        .collect();
    let mut projects = projects;
    for (project, points) in projects.iter_mut().zip(points) {
        project.points = points;
    }
    projects.sort_by(|a, b| b.points.cmp(&a.points).then(a.name.cmp(&b.name)));
    EventVotes {
        votes_per_attendee: per as i64,
        projects,
        votes,
        people,
        referrals,
    }
}
