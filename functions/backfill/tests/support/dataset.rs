//! A generated Airtable data set with every kind of mess the backfill must survive, and what a
//! correct import of it holds (worked out from how the data was built, not from the importer).

use std::collections::{BTreeMap, HashSet};

use backfill::record::Record;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub users: usize,
    pub events: usize,
    pub attendees_per_event: usize,
    pub projects: usize,
    pub referrals: usize,
    pub votes: usize,
}

/// Small enough for tests (10 pages), with at least one of every mess.
pub const TEST: Scale = Scale {
    users: 250,
    events: 24,
    attendees_per_event: 6,
    projects: 130,
    referrals: 64,
    votes: 230,
};

/// The scale of the real data (contract section 4.1): 3365 users, 217 events, 767 projects,
/// 1266 referrals, about 4078 attendee links.
pub const PRODUCTION: Scale = Scale {
    users: 3365,
    events: 217,
    attendees_per_event: 22,
    projects: 767,
    referrals: 1266,
    votes: 2300,
};

/// One line of the expected report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expected {
    pub source: u64,
    pub in_database: i64,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    /// Records per table name (`users`, `events`, …), in source order.
    pub tables: BTreeMap<&'static str, Vec<Record>>,
    pub lines: BTreeMap<&'static str, Expected>,
    /// Problems by kind name.
    pub problems: BTreeMap<&'static str, usize>,
}

fn record(id: String, fields: Value) -> Record {
    Record {
        id,
        created_time: Some("2025-11-01T10:00:00.000Z".into()),
        fields: match fields {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        },
    }
}

fn long(prefix: &str, n: usize) -> String {
    format!("{prefix}{}", "x".repeat(n))
}

pub fn generate(scale: Scale) -> Dataset {
    let mut problems: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut note = |kind: &'static str| *problems.entry(kind).or_default() += 1;
    let mut lines = BTreeMap::new();

    // Users. Row of each record: itself, the user it duplicates, or none (invalid email).
    let mut users = Vec::new();
    let mut row_of: Vec<Option<usize>> = Vec::new();
    let mut distinct = Vec::new();
    for i in 0..scale.users {
        let mut f = json!({
            "email": format!("user{i}@example.com"),
            "first_name": format!("First{i}"),
            "last_name": format!("Last{i}"),
            "display_name": format!("User {i}"),
            "country": "US",
        });
        let mut row = Some(i);
        if i % 10 == 1 {
            f["email"] = json!(format!(" User{i}@Example.COM "));
            note("normalized_email");
        }
        if i % 50 == 7 && i > 50 {
            // The same person as the record before, in other letter case.
            f["email"] = json!(format!("USER{}@example.com", i - 1));
            note("normalized_email");
            note("duplicate_email");
            row = Some(i - 1);
        }
        if i % 100 == 13 {
            f.as_object_mut().map(|o| o.remove("email"));
            note("invalid_email");
            row = None;
        }
        if i % 100 == 14 {
            f["email"] = json!("not-an-email");
            note("invalid_email");
            row = None;
        }
        if row.is_some() {
            if i % 20 == 3 {
                f["dob"] = json!("31/02/2000");
                note("bad_date");
            } else if i % 20 == 4 {
                f["dob"] = json!("2001-02-03");
            }
            if i % 40 == 5 {
                f["city"] = json!(long("City", 150));
                f["first_name"] = json!(long("First", 80));
                note("truncated");
                note("truncated");
            }
        }
        if row == Some(i) {
            distinct.push(i);
        }
        row_of.push(row);
        users.push(record(format!("recU{i:05}"), f));
    }
    let user_id = |i: usize| format!("recU{i:05}");
    let dups: Vec<usize> = (0..scale.users)
        .filter(|&i| row_of[i].is_some_and(|r| r != i))
        .collect();
    lines.insert(
        "users",
        Expected {
            source: scale.users as u64,
            in_database: distinct.len() as i64,
        },
    );
    let pick = |n: usize| distinct[n % distinct.len()];

    // Events, with their attendees.
    let mut events = Vec::new();
    let mut event_ok = Vec::new();
    let mut attendee_entries = 0u64;
    let mut attendee_pairs = 0i64;
    for j in 0..scale.events {
        let skipped = j % 7 == 3;
        let mut f = json!({
            "name": format!("Event {j}"),
            "owner": [user_id(pick(j * 7))],
            "description": format!("About event {j}"),
            "votable": j % 2 == 0,
            "leaderboard_enabled": j % 3 == 0,
        });
        if j % 2 == 0 {
            f["slug"] = json!(format!("event-{j}"));
        }
        if j % 9 != 8 {
            f["join_code"] = json!(format!("E{j:04}"));
        }
        if skipped {
            f["owner"] = json!([format!("recGHOST{j}")]);
            note("missing_link");
        }
        match j % 5 {
            2 => f["feature_flags"] = json!(["alpha", " beta"]),
            3 => f["feature_flags_csv"] = json!("gamma, delta,"),
            _ => {}
        }
        if j == 4 {
            f["feature_flags"] = json!(["alpha"]);
            f["feature_flags_csv"] = json!("alpha");
            note("both_feature_flag_fields");
        }
        if !skipped && j % 11 == 10 && (j - 1) % 7 != 3 {
            f["slug"] = json!(format!("event-{}", j - 1));
            note("duplicate_slug");
        }
        if !skipped && j % 13 == 12 {
            f["name"] = json!(long(&format!("Event {j} "), 290));
            f["slug"] = json!(format!("event-{j}"));
            note("truncated");
        }
        // Attendees: distinct users, a link to nobody, and a duplicate user's two records.
        let mut attendees: Vec<String> = (0..scale.attendees_per_event)
            .map(|t| user_id(pick(j * 13 + t)))
            .collect();
        let mut ghosts = 0;
        if j % 4 == 0 {
            attendees.push(format!("recGHOST{j}"));
            ghosts += 1;
        }
        if j % 6 == 1 && !dups.is_empty() {
            let d = dups[j % dups.len()];
            attendees.push(user_id(d - 1));
            attendees.push(user_id(d));
        }
        attendee_entries += attendees.len() as u64;
        if !skipped {
            let mut rows = HashSet::new();
            for a in &attendees {
                let index = a.strip_prefix("recU").and_then(|n| n.parse::<usize>().ok());
                match index.and_then(|n| row_of[n]) {
                    Some(row) if rows.insert(row) => attendee_pairs += 1,
                    Some(_) => note("duplicate_link"),
                    None => {}
                }
            }
            for _ in 0..ghosts {
                note("missing_link");
            }
        }
        f["attendees"] = json!(attendees);
        event_ok.push(!skipped);
        events.push(record(format!("recE{j:04}"), f));
    }
    let imported_events: Vec<usize> = (0..scale.events).filter(|&j| event_ok[j]).collect();
    lines.insert(
        "events",
        Expected {
            source: scale.events as u64,
            in_database: imported_events.len() as i64,
        },
    );
    lines.insert(
        "event_attendees",
        Expected {
            source: attendee_entries,
            in_database: attendee_pairs,
        },
    );
    let skipped_event = (0..scale.events).find(|&j| !event_ok[j]);

    // Projects, with their collaborators.
    let mut projects = Vec::new();
    let mut project_event: Vec<Option<usize>> = Vec::new();
    let mut collaborator_entries = 0u64;
    let mut collaborator_pairs = 0i64;
    for k in 0..scale.projects {
        let event = imported_events[k % imported_events.len()];
        let mut f = json!({
            "name": format!("Project {k}"),
            "owner": [user_id(pick(k * 5 + 2))],
            "event": [format!("recE{event:04}")],
            "repo": format!("https://github.com/example/p{k}"),
            "join_code": format!("P{k:04}"),
            "points": k % 5,
        });
        let mut imported = true;
        if k % 10 == 3 {
            f["owner"] = json!(["recGHOSTOWNER"]);
            note("missing_link");
            imported = false;
        } else if k % 15 == 7
            && let Some(s) = skipped_event
        {
            f["event"] = json!([format!("recE{s:04}")]);
            note("missing_link");
            imported = false;
        }
        match k % 4 {
            0 => f["cached_auto_quality"] = json!(format!("{{\"score\": {k}}}")),
            1 => f["cached_auto_quality"] = json!("{not json"),
            3 => f["cached_auto_quality"] = json!("\"just a string\""),
            _ => {}
        }
        match k % 9 {
            0 => f["hours_spent"] = json!("lots"),
            1 => f["hours_spent"] = json!(2.5),
            _ => f["hours_spent"] = json!(k % 30),
        }
        // Reported for skipped records too: every field is read before the links are checked.
        if k % 4 == 1 || k % 4 == 3 {
            note("invalid_quality_json");
        }
        if k % 9 == 0 {
            note("bad_number");
        }
        if imported && k % 25 == 24 && project_event[k - 1].is_some() {
            f["join_code"] = json!(format!("P{:04}", k - 1));
            note("duplicate_join_code");
        }
        let mut collaborators = vec![user_id(pick(k * 3 + 1)), user_id(pick(k * 3 + 2))];
        if k % 8 == 0 {
            collaborators.push("recGHOSTCOLLAB".into());
            if imported {
                note("missing_link");
            }
        }
        collaborator_entries += collaborators.len() as u64;
        if imported {
            collaborator_pairs += 2;
        }
        f["collaborators"] = json!(collaborators);
        project_event.push(imported.then_some(event));
        projects.push(record(format!("recP{k:04}"), f));
    }
    let imported_projects: Vec<usize> = (0..scale.projects)
        .filter(|&k| project_event[k].is_some())
        .collect();
    lines.insert(
        "projects",
        Expected {
            source: scale.projects as u64,
            in_database: imported_projects.len() as i64,
        },
    );
    lines.insert(
        "project_collaborators",
        Expected {
            source: collaborator_entries,
            in_database: collaborator_pairs,
        },
    );

    // Referrals.
    let mut referrals = Vec::new();
    let mut referrals_ok = 0;
    for r in 0..scale.referrals {
        let event = imported_events[r % imported_events.len()];
        let mut f = json!({
            "content": if r % 3 == 0 { "A friend" } else { "Instagram" },
            "user": [user_id(pick(r * 11))],
            "event": [format!("recE{event:04}")],
        });
        if r % 30 == 29 {
            f["user"] = json!(["recGHOSTUSER"]);
            note("missing_link");
        } else if r % 31 == 30
            && let Some(s) = skipped_event
        {
            f["event"] = json!([format!("recE{s:04}")]);
            note("missing_link");
        } else {
            referrals_ok += 1;
        }
        referrals.push(record(format!("recR{r:05}"), f));
    }
    lines.insert(
        "referrals",
        Expected {
            source: scale.referrals as u64,
            in_database: referrals_ok,
        },
    );

    // Votes: each voter for a different project; some twice, some for nothing, some naming
    // another event than their project's.
    let mut votes = Vec::new();
    let mut votes_ok = 0;
    let mut previous: Option<(usize, usize)> = None;
    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    for v in 0..scale.votes {
        let mut voter = pick(v * 3 + 1);
        let mut project = imported_projects[(v * 7) % imported_projects.len()];
        let repeat = v % 20 == 19 && previous.is_some();
        if let Some((pv, pp)) = previous.filter(|_| repeat) {
            (voter, project) = (pv, pp);
        }
        let ghost = v % 33 == 32 && !repeat;
        let project_ref = if ghost {
            "recGHOSTPROJECT".to_owned()
        } else {
            format!("recP{project:04}")
        };
        let mut event = project_event[project].unwrap_or_default();
        let stored = if ghost {
            note("missing_link");
            false
        } else if !pairs.insert((voter, project)) {
            note("duplicate_vote");
            false
        } else {
            true
        };
        if v % 17 == 16 && !ghost {
            let at = imported_events
                .iter()
                .position(|&e| e == event)
                .unwrap_or(0);
            event = imported_events[(at + 1) % imported_events.len()];
            note("vote_event_mismatch");
        }
        votes.push(record(
            format!("recV{v:05}"),
            json!({"voter": [user_id(voter)], "project": [project_ref], "event": [format!("recE{event:04}")]}),
        ));
        if stored {
            votes_ok += 1;
            previous = Some((voter, project));
        }
    }
    lines.insert(
        "votes",
        Expected {
            source: scale.votes as u64,
            in_database: votes_ok,
        },
    );

    let tables = BTreeMap::from([
        ("users", users),
        ("events", events),
        ("projects", projects),
        ("referrals", referrals),
        ("votes", votes),
    ]);
    Dataset {
        tables,
        lines,
        problems,
    }
}

/// Writes the data set as CSV exports (one file per table, linked records comma-separated,
/// checkboxes as `checked`), as the cut-over keeps them.
pub fn write_csv(dataset: &Dataset, dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("csv dir");
    for (table, records) in &dataset.tables {
        let mut columns: Vec<String> = Vec::new();
        for r in records {
            for key in r.fields.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        let mut out = csv::Writer::from_path(dir.join(format!("{table}.csv"))).expect("csv file");
        let mut header = vec!["id".to_owned()];
        header.extend(columns.iter().cloned());
        out.write_record(&header).expect("header");
        for r in records {
            let mut row = vec![r.id.clone()];
            for c in &columns {
                row.push(match r.fields.get(c) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Bool(true)) => "checked".into(),
                    Some(Value::Bool(false)) => String::new(),
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                        .join(","),
                    Some(other) => other.to_string(),
                });
            }
            out.write_record(&row).expect("row");
        }
        out.flush().expect("flush");
    }
}
