//! From an Airtable record to a row: values normalised and cut to their columns, links resolved
//! through the record-id maps, every repair reported. `None` means the record is skipped (with
//! the reason reported).

use std::collections::HashMap;

use chrono::NaiveDate;
use podium_data::domain::Email;
use podium_data::import::Table;
use podium_data::import::events::ImportedEvent;
use podium_data::import::projects::ImportedProject;
use podium_data::import::referrals::ImportedReferral;
use podium_data::import::users::ImportedUser;
use podium_data::import::votes::ImportedVote;
use podium_data::slug;
use podium_data::users::{Profile, limits};
use serde_json::Value;
use uuid::Uuid;

use crate::record::Record;
use crate::report::{Found, Kind};

/// Ids of imported rows are derived from the record id, so every run (and both sources) gives
/// a row the same id.
const NAMESPACE: Uuid = Uuid::from_u128(0x706f_6469_756d_2d61_6972_7461_626c_6521);

pub fn row_id(table: Table, airtable_id: &str) -> Uuid {
    Uuid::new_v5(
        &NAMESPACE,
        format!("{}:{airtable_id}", table.name()).as_bytes(),
    )
}

/// Record ids mapped to row ids so far.
#[derive(Debug, Default)]
pub struct Maps {
    pub users: HashMap<String, Uuid>,
    pub events: HashMap<String, Uuid>,
    /// Project id and its event id.
    pub projects: HashMap<String, (Uuid, Uuid)>,
}

struct Cleaner<'a> {
    record: &'a Record,
    table: &'static str,
    found: &'a mut Vec<Found>,
}

impl Cleaner<'_> {
    fn report(&mut self, kind: Kind, field: &'static str) {
        self.found
            .push((kind, self.table, field, self.record.id.clone()));
    }

    /// A text field cut to `max` characters (reported when cut).
    fn text(&mut self, field: &'static str, max: usize) -> String {
        let value = self.record.text(field).unwrap_or_default();
        self.cut(field, value, max)
    }

    fn cut(&mut self, field: &'static str, value: String, max: usize) -> String {
        match value.char_indices().nth(max) {
            Some((end, _)) => {
                self.report(Kind::Truncated, field);
                value[..end].to_owned()
            }
            None => value,
        }
    }

    fn number(&mut self, field: &'static str) -> i32 {
        match self.record.number(field) {
            Ok(n) => n.and_then(|n| i32::try_from(n).ok()).unwrap_or_default(),
            Err(_) => {
                self.report(Kind::BadNumber, field);
                0
            }
        }
    }

    /// A required link, resolved through `map`.
    fn link<T: Copy>(&mut self, field: &'static str, map: &HashMap<String, T>) -> Option<T> {
        let Some(target) = self.record.link(field) else {
            self.report(Kind::MissingField, field);
            return None;
        };
        let resolved = map.get(&target).copied();
        if resolved.is_none() {
            self.report(Kind::MissingLink, field);
        }
        resolved
    }
}

pub fn user(record: &Record, found: &mut Vec<Found>) -> Option<ImportedUser> {
    let mut c = Cleaner {
        record,
        table: "users",
        found,
    };
    let raw = record.text("email").unwrap_or_default();
    let Ok(email) = Email::parse(&raw, Vec::new()) else {
        c.report(Kind::InvalidEmail, "email");
        return None;
    };
    if email.as_str() != raw {
        c.report(Kind::NormalizedEmail, "email");
    }
    let dob = record.text("dob").and_then(|raw| {
        let date = parse_date(&raw);
        if date.is_none() {
            c.report(Kind::BadDate, "dob");
        }
        date
    });
    let profile = Profile {
        display_name: c.text("display_name", limits::DISPLAY_NAME),
        first_name: c.text("first_name", limits::FIRST_NAME),
        last_name: c.text("last_name", limits::LAST_NAME),
        phone: c.text("phone", limits::PHONE),
        street_1: c.text("street_1", limits::STREET),
        street_2: c.text("street_2", limits::STREET),
        city: c.text("city", limits::CITY),
        state: c.text("state", limits::STATE),
        zip_code: c.text("zip_code", limits::ZIP_CODE),
        country: c.text("country", limits::COUNTRY),
        dob,
    };
    Some(ImportedUser {
        id: row_id(Table::Users, &record.id),
        airtable_id: record.id.clone(),
        email: email.as_str().to_owned(),
        profile,
    })
}

/// `YYYY-MM-DD`, or the date of an ISO timestamp.
fn parse_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    let day = raw
        .get(..10)
        .filter(|_| raw.len() == 10 || raw[10..].starts_with('T'))?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

pub const EVENT_NAME_MAX: usize = 255;
pub const JOIN_CODE_MAX: usize = 20;
pub const FEATURE_FLAGS_MAX: usize = 500;

pub fn event(record: &Record, maps: &Maps, found: &mut Vec<Found>) -> Option<ImportedEvent> {
    let mut c = Cleaner {
        record,
        table: "events",
        found,
    };
    let owner = c.link("owner", &maps.users);
    let slug_field = record.text("slug").map(|s| s.trim().to_owned());
    let name = match (record.text("name"), &slug_field) {
        (Some(name), _) => c.cut("name", name, EVENT_NAME_MAX),
        (None, Some(slug)) => {
            c.report(Kind::MissingField, "name");
            slug.clone()
        }
        (None, None) => {
            c.report(Kind::MissingField, "name");
            return None;
        }
    };
    let slug = match slug_field {
        Some(s) => c.cut("slug", s, slug::SLUG_MAX),
        None => slug::slugify(&name),
    };
    if slug.is_empty() {
        c.report(Kind::MissingField, "slug");
        return None;
    }
    let join_code = match record.text("join_code") {
        Some(code) => c.cut("join_code", code.trim().to_owned(), JOIN_CODE_MAX),
        None => derived_join_code(&record.id, 0),
    };
    let flags = match (record.raw("feature_flags"), record.raw("feature_flags_csv")) {
        (Some(list), other) => {
            if other.is_some() {
                c.report(Kind::BothFeatureFlagFields, "feature_flags");
            }
            flag_list(list)
        }
        (None, Some(csv)) => flag_list(csv),
        (None, None) => String::new(),
    };
    let feature_flags_csv = c.cut("feature_flags", flags, FEATURE_FLAGS_MAX);
    Some(ImportedEvent {
        id: row_id(Table::Events, &record.id),
        airtable_id: record.id.clone(),
        name,
        slug,
        description: record.text("description").unwrap_or_default(),
        join_code,
        votable: record.flag("votable"),
        leaderboard_enabled: record.flag("leaderboard_enabled"),
        demo_links_optional: record.flag("demo_links_optional"),
        ysws_checks_enabled: record.flag("ysws_checks_enabled"),
        feature_flags_csv,
        owner_id: owner?,
    })
}

/// Flags as the API splits them: on `,`, trimmed, empties dropped; stored joined with `,`.
fn flag_list(value: &Value) -> String {
    let items: Vec<String> = match value {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect(),
        Value::String(s) => vec![s.clone()],
        other => vec![other.to_string()],
    };
    items
        .iter()
        .flat_map(|i| i.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn project(record: &Record, maps: &Maps, found: &mut Vec<Found>) -> Option<ImportedProject> {
    let mut c = Cleaner {
        record,
        table: "projects",
        found,
    };
    let owner = c.link("owner", &maps.users);
    let event = c.link("event", &maps.events);
    if record.text("name").is_none() {
        c.report(Kind::MissingField, "name");
    }
    let name = c.text("name", podium_data::projects::limits::NAME);
    let join_code = match record.text("join_code") {
        Some(code) => c.cut("join_code", code.trim().to_owned(), JOIN_CODE_MAX),
        None => derived_join_code(&record.id, 0),
    };
    let cached_auto_quality = match record.raw("cached_auto_quality") {
        None => None,
        Some(Value::Object(o)) => Some(Value::Object(o.clone())),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => Some(Value::Object(o)),
            _ => {
                c.report(Kind::InvalidQualityJson, "cached_auto_quality");
                None
            }
        },
        Some(_) => {
            c.report(Kind::InvalidQualityJson, "cached_auto_quality");
            None
        }
    };
    let hours_spent = c.number("hours_spent");
    let points = c.number("points");
    Some(ImportedProject {
        id: row_id(Table::Projects, &record.id),
        airtable_id: record.id.clone(),
        name,
        repo: record.text("repo").unwrap_or_default(),
        image_url: record.text("image_url").unwrap_or_default(),
        demo: record.text("demo").unwrap_or_default(),
        description: record.text("description").unwrap_or_default(),
        join_code,
        hours_spent,
        points,
        cached_auto_quality,
        owner_id: owner?,
        event_id: event?,
    })
}

pub fn referral(record: &Record, maps: &Maps, found: &mut Vec<Found>) -> Option<ImportedReferral> {
    let mut c = Cleaner {
        record,
        table: "referrals",
        found,
    };
    let user = c.link("user", &maps.users);
    let event = c.link("event", &maps.events);
    Some(ImportedReferral {
        id: row_id(Table::Referrals, &record.id),
        airtable_id: record.id.clone(),
        content: record.text("content").unwrap_or_default(),
        user_id: user?,
        event_id: event?,
    })
}

pub fn vote(record: &Record, maps: &Maps, found: &mut Vec<Found>) -> Option<ImportedVote> {
    let mut c = Cleaner {
        record,
        table: "votes",
        found,
    };
    let voter = c.link("voter", &maps.users);
    let (project, event) = c.link("project", &maps.projects)?;
    let voter = voter?;
    if let Some(named) = record.link("event")
        && maps.events.get(&named) != Some(&event)
    {
        c.report(Kind::VoteEventMismatch, "event");
    }
    Some(ImportedVote {
        id: row_id(Table::Votes, &record.id),
        airtable_id: record.id.clone(),
        voter_id: voter,
        project_id: project,
        event_id: event,
    })
}

/// A join code for a record that has none (or whose code another row holds): four characters
/// of the API's alphabet, derived from the record id and the attempt, so reruns agree.
pub fn derived_join_code(airtable_id: &str, attempt: u32) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut h = fnv(airtable_id, attempt);
    (0..4)
        .map(|_| {
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize];
            h /= ALPHABET.len() as u64;
            char::from(c)
        })
        .collect()
}

/// A slug for an event whose slug another row holds: cut, plus a suffix from the record id.
pub fn derived_slug(slug: &str, airtable_id: &str, attempt: u32) -> String {
    let base: String = slug.chars().take(slug::SLUG_MAX - 5).collect();
    let suffix = derived_join_code(airtable_id, attempt).to_ascii_lowercase();
    format!("{}-{suffix}", base.trim_end_matches('-'))
}

fn fnv(text: &str, attempt: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes().chain(attempt.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(fields: &Value) -> Record {
        Record {
            id: "recX".into(),
            created_time: None,
            fields: fields.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn users_are_normalised_cut_and_reported() {
        let mut found = Vec::new();
        let r = record(&json!({
            "email": " Ada@Example.COM ", "first_name": "x".repeat(60), "city": "c".repeat(150),
            "dob": "31/02/2000"
        }));
        let user = user(&r, &mut found).expect("imported");
        assert_eq!(user.email, "ada@example.com");
        assert_eq!(user.profile.first_name.chars().count(), 50);
        assert_eq!(user.profile.city.chars().count(), 100);
        assert_eq!(user.profile.dob, None);
        let kinds: Vec<_> = found.iter().map(|(k, _, f, _)| (*k, *f)).collect();
        assert_eq!(
            kinds,
            [
                (Kind::NormalizedEmail, "email"),
                (Kind::BadDate, "dob"),
                (Kind::Truncated, "first_name"),
                (Kind::Truncated, "city")
            ]
        );
        assert!(super::user(&record(&json!({"email": "nope"})), &mut found).is_none());
    }

    #[test]
    fn dates_may_be_iso_timestamps() {
        assert_eq!(
            parse_date("2001-02-03T00:00:00.000Z"),
            NaiveDate::from_ymd_opt(2001, 2, 3)
        );
        assert_eq!(
            parse_date("2001-02-03"),
            NaiveDate::from_ymd_opt(2001, 2, 3)
        );
        assert_eq!(parse_date("2001-02-30"), None);
        assert_eq!(parse_date("2001-02-03x"), None);
    }

    #[test]
    fn feature_flags_are_read_from_either_spelling() {
        assert_eq!(flag_list(&json!(["a", " b ", ""])), "a,b");
        assert_eq!(flag_list(&json!("a, b,,c")), "a,b,c");
    }

    #[test]
    fn derived_codes_are_stable_and_differ_by_attempt() {
        let a = derived_join_code("recABC", 0);
        assert_eq!(a, derived_join_code("recABC", 0));
        assert_ne!(a, derived_join_code("recABC", 1));
        assert_eq!(a.len(), 4);
        let slug = derived_slug(&"s".repeat(50), "recABC", 0);
        assert!(slug.len() <= slug::SLUG_MAX, "{slug}");
    }
}
