//! `seed` (`make seed`): a small, realistic demo for a newcomer's local database — a series with
//! an event in every phase, two organizers, hackers in teams with collaborators, projects with
//! validation results, votes, and a superadmin — through the data layer's own functions.
//!
//! Idempotent: users are found by e-mail or created, events by slug; an event that exists is
//! left as it is (with whatever happened to it since), and one that does not is created with
//! all its content. An event is created with the description [`UNFINISHED`], which its last
//! write (description and phase together) replaces: when filling it fails, it is deleted again
//! at once, and one a killed run left with that description is deleted and made afresh by the
//! next run. Refused with `PODIUM_ENV=production` unless forced.

use std::process::ExitCode;

use podium_data::collaborators;
use podium_data::domain::Email;
use podium_data::events::{self, EventChanges, NewEvent};
use podium_data::projects::{self, NewProject};
use podium_data::users::{self, Profile};
use podium_data::{EventId, Phase, ProjectId, RepoValidation, UserId, attendees, votes};
use serde_json::json;

use crate::ops::{OpError, OpResult, Ops};

/// Refuses in production unless `force`.
pub fn not_production(vars: &podium_runtime::Vars, force: bool) -> OpResult<()> {
    match vars.is_production() {
        Ok(true) if !force => Err(OpError::Refused(
            "PODIUM_ENV=production: refused (add --force if you really mean this database)"
                .to_owned(),
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(OpError::Refused(e.to_string())),
    }
}

/// The description of a demo event while it is being filled.
pub const UNFINISHED: &str = "(being seeded: if this stays, run make seed again)";

/// A demo person: e-mail, first and last name, and what they are.
pub const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("root@example.com", "Rosa", "Root", "superadmin"),
    ("ada@example.com", "Ada", "Lovelace", "organizer"),
    ("grace@example.com", "Grace", "Hopper", "organizer"),
    ("alan@example.com", "Alan", "Turing", "hacker"),
    ("katherine@example.com", "Katherine", "Johnson", "hacker"),
    ("dennis@example.com", "Dennis", "Ritchie", "hacker"),
    ("barbara@example.com", "Barbara", "Liskov", "hacker"),
    ("ken@example.com", "Ken", "Thompson", "hacker"),
    ("frances@example.com", "Frances", "Allen", "hacker"),
    ("edsger@example.com", "Edsger", "Dijkstra", "hacker"),
    ("radia@example.com", "Radia", "Perlman", "hacker"),
    ("linus@example.com", "Linus", "Torvalds", "hacker"),
    ("margaret@example.com", "Margaret", "Hamilton", "hacker"),
];

/// A demo event: slug, name, phase, owner (index into [`PEOPLE`]), description.
const EVENTS: &[(&str, &str, Phase, usize, &str)] = &[
    (
        "demo-kickoff",
        "Demo Kickoff",
        Phase::Draft,
        1,
        "Being prepared: only its organizer sees it.",
    ),
    (
        "demo-build-night",
        "Demo Build Night",
        Phase::Submission,
        1,
        "Teams are submitting projects.",
    ),
    (
        "demo-voting-day",
        "Demo Voting Day",
        Phase::Voting,
        2,
        "Attendees vote for the projects of others.",
    ),
    (
        "demo-finals",
        "Demo Finals",
        Phase::Closed,
        2,
        "Voting is over; the leaderboard is public.",
    ),
];

/// A team: project name, owner and collaborators (indexes into [`PEOPLE`]), and whether its
/// demo check warned.
const TEAMS: &[(&str, usize, &[usize], bool)] = &[
    ("Orbit Planner", 3, &[4], false),
    ("Compiler in a Weekend", 5, &[7], false),
    ("Garden Sensor Mesh", 6, &[], true),
    ("Shortest Path Café", 9, &[10], false),
    ("Ground Control", 12, &[8, 11], false),
];

/// Runs the seed and prints who is who and how to sign in.
pub async fn run(ops: &Ops, vars: &podium_runtime::Vars, force: bool, json: bool) -> ExitCode {
    if let Err(e) = not_production(vars, force) {
        return report_error(json, &e);
    }
    match seed(ops).await {
        Ok(created) => {
            print_summary(ops, &created, json);
            ExitCode::SUCCESS
        }
        Err(e) => report_error(json, &e),
    }
}

#[allow(clippy::print_stderr, reason = "the command's error is its diagnostic")]
fn report_error(json: bool, e: &OpError) -> ExitCode {
    if json {
        #[allow(clippy::print_stdout, reason = "the command's answer is its output")]
        {
            println!("{}", json!({ "error": e.to_string() }));
        }
    } else {
        eprintln!("podium-console seed: {e}");
    }
    ExitCode::FAILURE
}

/// What a run created (empty on a second run).
#[derive(Debug, Default)]
pub struct Created {
    pub users: Vec<String>,
    pub events: Vec<String>,
}

/// Fills the database; what it created.
pub async fn seed(ops: &Ops) -> OpResult<Created> {
    let mut created = Created::default();
    let mut ids = Vec::with_capacity(PEOPLE.len());
    for (email, first, last, _) in PEOPLE {
        let (id, new) = person(ops, email, first, last).await?;
        if new {
            created.users.push((*email).to_owned());
        }
        ids.push(id);
    }
    ops.set_superadmin(PEOPLE[0].0, true).await?;
    for (index, (slug, name, phase, owner, description)) in EVENTS.iter().enumerate() {
        match ops.event_by_slug(slug).await {
            Ok(left) if left.event.description == UNFINISHED => discard(ops, left.event.id).await?,
            Ok(_) => continue,
            Err(OpError::Refused(_)) => {}
            Err(e) => return Err(e),
        }
        let event = NewEvent {
            phase: Phase::Voting,
            feature_flags_csv: ops.series.clone(),
            repo_validation: RepoValidation::Github,
            ..NewEvent::december_2025(
                (*name).to_owned(),
                (*slug).to_owned(),
                UNFINISHED.to_owned(),
                true,
                false,
                ids[*owner],
            )
        };
        let made = events::create(&ops.pool, &event, events::new_join_code, Some(&ops.actor))
            .await
            .map_err(|e| OpError::Refused(format!("creating {slug}: {e}")))?;
        if let Err(e) = fill(ops, made.id, index, *phase, description, &ids).await {
            // Leave nothing half made (a failure here leaves the UNFINISHED mark for next time).
            let _ = discard(ops, made.id).await;
            return Err(e);
        }
        created.events.push((*slug).to_owned());
    }
    Ok(created)
}

/// Deletes a half-made demo event for good (soft delete first, as every permanent delete).
async fn discard(ops: &Ops, event: EventId) -> OpResult<()> {
    ops.soft_delete(event).await?;
    ops.delete_permanently(event).await?;
    Ok(())
}

async fn person(ops: &Ops, email: &str, first: &str, last: &str) -> OpResult<(UserId, bool)> {
    if let Some(user) = users::find_by_email(&ops.pool, email).await? {
        return Ok((user.id, false));
    }
    let parsed = Email::parse(email, Vec::new())
        .map_err(|e| OpError::Refused(format!("{email}: {}", e.msg)))?;
    let profile = Profile {
        display_name: users::default_display_name(first, last),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        ..Profile::default()
    };
    match users::create(&ops.pool, &parsed, &profile).await {
        Ok(id) => Ok((id, true)),
        Err(users::CreateUserError::EmailTaken) => {
            let user = ops.user_by_email(email).await?;
            Ok((user.id, false))
        }
        Err(users::CreateUserError::Database(e)) => Err(e.into()),
    }
}

/// The event's attendees, teams, validation results and votes, then its phase. The draft event
/// only gets its organizer's co-organizer as an attendee; the submission event gets teams
/// without votes; the voting and closed events get votes too.
async fn fill(
    ops: &Ops,
    event: EventId,
    index: usize,
    phase: Phase,
    description: &str,
    ids: &[UserId],
) -> OpResult<()> {
    let hackers = &ids[3..];
    if phase == Phase::Draft {
        attendees::add(&ops.pool, event, ids[2]).await?;
    } else {
        for hacker in hackers {
            attendees::add(&ops.pool, event, *hacker).await?;
        }
        let mut projects = Vec::with_capacity(TEAMS.len());
        for (n, (name, owner, collaborators, warned)) in TEAMS.iter().enumerate() {
            let id = team(ops, event, index, n, name, ids[*owner], collaborators, ids).await?;
            let (status, message) = if *warned {
                (
                    "warning",
                    "The demo link did not answer; the repository is fine.",
                )
            } else {
                ("valid", "")
            };
            podium_data::validation_jobs::settle(&ops.pool, id, status, message).await?;
            projects.push((id, *owner, *collaborators));
        }
        if phase != Phase::Submission {
            ballots(ops, event, &projects, ids).await?;
        }
    }
    let changes = EventChanges {
        phase: Some(phase),
        description: Some(description.to_owned()),
        ..EventChanges::default()
    };
    events::update(
        &ops.pool,
        event,
        None,
        events::SeriesChange::Allowed,
        &changes,
    )
    .await?;
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one team's fields, from the TEAMS table"
)]
async fn team(
    ops: &Ops,
    event: EventId,
    index: usize,
    n: usize,
    name: &str,
    owner: UserId,
    members: &[usize],
    ids: &[UserId],
) -> OpResult<ProjectId> {
    let slug = podium_data::slug::slugify(name);
    let project = NewProject {
        name: name.to_owned(),
        repo: format!("https://github.com/example/{slug}"),
        image_url: String::new(),
        demo: format!("https://example.com/demo/{index}/{n}"),
        description: format!("{name}: a demo project of the seed data."),
        hours_spent: i32::try_from(6 + 3 * n).unwrap_or(6),
        owner_id: owner,
        event_id: event,
    };
    let (id, _) = projects::create(&ops.pool, &project, events::new_join_code)
        .await
        .map_err(|e| OpError::Refused(format!("creating {name}: {e}")))?;
    for member in members {
        collaborators::add(&ops.pool, id, ids[*member]).await?;
    }
    Ok(id)
}

/// Every hacker votes for the projects they are not part of, starting after their own team's,
/// up to their event's limit (2 votes with 5 projects): points differ from project to project.
async fn ballots(
    ops: &Ops,
    event: EventId,
    projects: &[(ProjectId, usize, &[usize])],
    ids: &[UserId],
) -> OpResult<()> {
    let limit = usize::try_from(events::max_votes_per_user(projects.len() as i64)).unwrap_or(1);
    for (person, voter) in ids.iter().enumerate().skip(3) {
        let own = |p: &(ProjectId, usize, &[usize])| p.1 == person || p.2.contains(&person);
        let choices: Vec<ProjectId> = projects
            .iter()
            .cycle()
            .skip(person % projects.len())
            .take(projects.len())
            .filter(|p| !own(p))
            .take(limit.min(1 + person % 2))
            .map(|p| p.0)
            .collect();
        votes::cast(&ops.pool, *voter, event, &choices)
            .await
            .map_err(|e| OpError::Refused(format!("a demo ballot was refused: {e}")))?;
    }
    Ok(())
}

#[allow(clippy::print_stdout, reason = "the command's answer is its output")]
fn print_summary(ops: &Ops, created: &Created, json: bool) {
    if json {
        let people: Vec<_> = PEOPLE
            .iter()
            .map(|(email, first, last, role)| json!({"email": email, "name": format!("{first} {last}"), "role": role}))
            .collect();
        println!(
            "{}",
            json!({"created_users": created.users, "created_events": created.events, "people": people, "series": ops.series})
        );
        return;
    }
    if created.users.is_empty() && created.events.is_empty() {
        println!("The demo data is already there; nothing changed.");
    } else {
        println!(
            "Seeded {} users and {} events ({}).",
            created.users.len(),
            created.events.len(),
            created.events.join(", ")
        );
    }
    let series = if ops.series.is_empty() {
        "(none)"
    } else {
        ops.series.as_str()
    };
    println!(
        "Series {series}: demo-kickoff (draft), demo-build-night (submission), demo-voting-day (voting), demo-finals (closed).\n"
    );
    println!("{:<24} {:<20} ROLE", "E-MAIL", "NAME");
    for (email, first, last, role) in PEOPLE {
        println!("{email:<24} {:<20} {role}", format!("{first} {last}"));
    }
    println!(
        "\nSign in as any of them:\n  \
         the API:      curl http://127.0.0.1:8000/users/current -H \"authorization: Bearer $(make -s token EMAIL=ada@example.com)\"\n  \
         the frontend: ask for a login link for the e-mail; under `make dev` the link appears in its log."
    );
}
