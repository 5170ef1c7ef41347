//! What the console does, shared by the terminal UI and the subcommands: each operation calls
//! the data layer's own functions (no SQL here) with the operator as the audit log's actor, and
//! answers with a sentence for the operator or an [`OpError`].

use podium_data::attendees::Attendee;
use podium_data::audit::Actor;
use podium_data::erasure::{self, Erasure, Plan};
use podium_data::events::{self, CreateEventError, EventChanges, NewEvent};
use podium_data::superadmin::{self, AttendeeChange, Deleted, Restored, RoleChange, SoftDeleted};
use podium_data::{EventId, Phase, RepoValidation, UserId, users};
use sqlx::PgPool;

/// Why an operation did not happen: a refusal the operator can act on, or the database.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("{0}")]
    Refused(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl OpError {
    pub(crate) fn refused(text: impl Into<String>) -> Self {
        Self::Refused(text.into())
    }
}

pub type OpResult<T> = Result<T, OpError>;

/// What the new-event form (or `events create`) gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventForm {
    pub name: String,
    /// Empty: the slugified name.
    pub slug: String,
    pub description: String,
    /// The series (`feature_flags_csv`), comma-separated.
    pub series: String,
    pub owner_email: String,
    pub phase: Phase,
    pub demo_links_optional: bool,
}

impl Default for EventForm {
    /// Empty, in the submission phase (the original console's default).
    fn default() -> Self {
        Self {
            name: String::new(),
            slug: String::new(),
            description: String::new(),
            series: String::new(),
            owner_email: String::new(),
            phase: Phase::Submission,
            demo_links_optional: false,
        }
    }
}

impl EventForm {
    /// The slug the event gets: the one given, else the name's.
    pub fn effective_slug(&self) -> String {
        let given = self.slug.trim();
        if given.is_empty() {
            podium_data::slug::slugify(self.name.trim())
        } else {
            given.to_owned()
        }
    }
}

/// The operator's connection and identity.
#[derive(Debug, Clone)]
pub struct Ops {
    pub pool: PgPool,
    pub actor: Actor,
    /// The active series (`PODIUM_ACTIVE_EVENT_SERIES`): the new-event form's default.
    pub series: String,
}

/// `console:<os user>@<host>`: `$USER` (or `$LOGNAME`, `$USERNAME`) and the host name.
pub fn operator() -> Actor {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    Actor::console(user.trim(), if host.is_empty() { "unknown" } else { &host })
}

fn normalise(email: &str) -> String {
    podium_data::domain::normalize_email(email)
}

impl Ops {
    pub async fn events(&self) -> OpResult<Vec<events::Overview>> {
        Ok(events::overview(&self.pool, events::Which::All).await?)
    }

    pub async fn users(&self) -> OpResult<Vec<users::Overview>> {
        Ok(users::overview(&self.pool).await?)
    }

    /// The event with this slug, soft-deleted or not.
    pub async fn event_by_slug(&self, slug: &str) -> OpResult<events::Overview> {
        events::overview(&self.pool, events::Which::Slug(slug.trim()))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| OpError::refused(format!("no event has the slug {}", slug.trim())))
    }

    pub async fn user_by_email(&self, email: &str) -> OpResult<users::User> {
        let email = normalise(email);
        users::find_by_email(&self.pool, &email)
            .await?
            .ok_or_else(|| OpError::refused(format!("no user has the e-mail {email}")))
    }

    pub async fn create_event(&self, form: &EventForm) -> OpResult<String> {
        let name = form.name.trim();
        if name.is_empty() {
            return Err(OpError::refused("the name is required"));
        }
        if name.chars().count() > events::limits::NAME {
            return Err(OpError::refused("the name is longer than 255 characters"));
        }
        let slug = form.effective_slug();
        let well_formed = slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if slug.is_empty() || slug.len() > 50 || !well_formed {
            return Err(OpError::refused(
                "the slug must be 1 to 50 characters of a-z, 0-9 and -",
            ));
        }
        if form.series.chars().count() > events::limits::FEATURE_FLAGS {
            return Err(OpError::refused("the series is longer than 500 characters"));
        }
        if form.owner_email.trim().is_empty() {
            return Err(OpError::refused("the owner's e-mail is required"));
        }
        let owner = self.user_by_email(&form.owner_email).await?;
        let event = NewEvent {
            phase: form.phase,
            feature_flags_csv: form.series.trim().to_owned(),
            repo_validation: RepoValidation::Github,
            ..NewEvent::december_2025(
                name.to_owned(),
                slug.clone(),
                form.description.trim().to_owned(),
                form.demo_links_optional,
                false,
                owner.id,
            )
        };
        match events::create(&self.pool, &event, events::new_join_code, Some(&self.actor)).await {
            Ok(created) => Ok(format!(
                "Created {name} ({}), join code {}, owned by {}.",
                created.slug, created.join_code, owner.email
            )),
            Err(CreateEventError::SlugTaken) => Err(OpError::refused(format!(
                "an event already has the slug {slug}"
            ))),
            Err(CreateEventError::Database(e)) => Err(e.into()),
            Err(other) => Err(OpError::refused(other.to_string())),
        }
    }

    pub async fn set_phase(&self, event: EventId, phase: Phase) -> OpResult<String> {
        let changes = EventChanges {
            phase: Some(phase),
            ..EventChanges::default()
        };
        match superadmin::update_event(&self.pool, &self.actor, event, changes, None).await? {
            superadmin::Updated::Event(e) => Ok(format!("{} is now in {}.", e.name, e.phase)),
            _ => Err(OpError::refused("the event no longer exists")),
        }
    }

    pub async fn attendees(&self, event: EventId) -> OpResult<Vec<Attendee>> {
        use futures_util::TryStreamExt;
        Ok(podium_data::attendees::of_event(&self.pool, event)
            .try_collect()
            .await?)
    }

    pub async fn set_attendance(
        &self,
        event: EventId,
        email: &str,
        attend: bool,
    ) -> OpResult<String> {
        let email = normalise(email);
        if email.is_empty() {
            return Err(OpError::refused("enter an e-mail"));
        }
        let change =
            superadmin::set_attendance(&self.pool, &self.actor, event, &email, attend).await?;
        match (change, attend) {
            (AttendeeChange::Added(_), _) => Ok(format!("Added {email}.")),
            (AttendeeChange::Removed, _) => Ok(format!("Removed {email}.")),
            (AttendeeChange::Unchanged, true) => {
                Ok(format!("{email} already attends; nothing changed."))
            }
            (AttendeeChange::Unchanged, false) => {
                Ok(format!("{email} does not attend; nothing changed."))
            }
            (AttendeeChange::NoSuchEvent, _) => Err(OpError::refused("the event no longer exists")),
            (AttendeeChange::NoSuchUser, _) => {
                Err(OpError::refused(format!("no user has the e-mail {email}")))
            }
        }
    }

    pub async fn soft_delete(&self, event: EventId) -> OpResult<String> {
        match superadmin::soft_delete_event(&self.pool, &self.actor, event).await? {
            SoftDeleted::At(_) => {
                Ok("Soft-deleted: hidden from everyone but its admins (u restores it).".to_owned())
            }
            SoftDeleted::AlreadyDeleted => {
                Err(OpError::refused("the event is already soft-deleted"))
            }
            SoftDeleted::NoSuchEvent => Err(OpError::refused("the event no longer exists")),
        }
    }

    pub async fn restore(&self, event: EventId) -> OpResult<String> {
        match superadmin::restore_event(&self.pool, &self.actor, event).await? {
            Restored::Event(e) => Ok(format!("Restored {}.", e.name)),
            Restored::NotDeleted => Err(OpError::refused("the event is not soft-deleted")),
            Restored::NoSuchEvent => Err(OpError::refused("the event no longer exists")),
        }
    }

    pub async fn delete_permanently(&self, event: EventId) -> OpResult<String> {
        match superadmin::delete_event(&self.pool, &self.actor, event).await? {
            Deleted::Deleted => {
                Ok("Deleted for good, with its projects, votes and attendees.".to_owned())
            }
            Deleted::NoSuchEvent => Err(OpError::refused("the event no longer exists")),
            Deleted::NotSoftDeleted => Err(OpError::refused(
                "the event is not soft-deleted: soft-delete it first, then delete it for good",
            )),
        }
    }

    pub async fn set_superadmin(&self, email: &str, on: bool) -> OpResult<String> {
        let email = normalise(email);
        let role = if on {
            "a superadmin"
        } else {
            "not a superadmin"
        };
        match superadmin::set_superadmin(&self.pool, &self.actor, &email, on).await? {
            RoleChange::Changed => Ok(format!("{email} is now {role}.")),
            RoleChange::Unchanged => Ok(format!("{email} was already {role}; nothing changed.")),
            RoleChange::NoSuchUser => {
                Err(OpError::refused(format!("no user has the e-mail {email}")))
            }
        }
    }

    pub async fn erasure_plan(&self, user: UserId) -> OpResult<Plan> {
        erasure::plan(&self.pool, user)
            .await?
            .ok_or_else(|| OpError::refused("the user no longer exists"))
    }

    /// Erases the user when what would go is still `confirmed`.
    pub async fn erase(&self, user: UserId, confirmed: Option<&Plan>) -> OpResult<Erasure> {
        Ok(erasure::erase_user(&self.pool, &self.actor, user, confirmed).await?)
    }

    /// The results of the event with this slug, with what they were computed from.
    pub async fn results(
        &self,
        slug: &str,
        places: u32,
    ) -> OpResult<(
        events::Event,
        podium_data::results::EventVotes,
        podium_results::EventResults,
    )> {
        let event = self.event_by_slug(slug).await?.event;
        let input = podium_data::results::load(&self.pool, event.id).await?;
        let results = podium_results::compute(event.id, &input, places);
        Ok((event, input, results))
    }

    /// The events of the end-to-end suite's users.
    pub async fn test_events(&self) -> OpResult<Vec<events::Overview>> {
        let owners = podium_data::test_data::users(&self.pool).await?;
        Ok(events::overview(&self.pool, events::Which::OwnedBy(&owners)).await?)
    }

    /// `POST /events/test/cleanup`'s work: the test users with everything they made.
    pub async fn clean_test_data(&self) -> OpResult<String> {
        let (users, events) = podium_data::test_data::clean_up(&self.pool).await?;
        Ok(format!(
            "Removed {users} test user(s) and {events} test event(s) with everything in them."
        ))
    }
}

/// `1 vote`, `2 votes`.
pub fn count(n: impl TryInto<usize>, one: &str, many: &str) -> String {
    match n.try_into().unwrap_or(0) {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// One line per item of an erasure plan: what the confirmation shows, and `users delete` prints.
pub fn describe_plan(plan: &Plan) -> Vec<String> {
    let mut lines = vec![format!(
        "{} <{}> and everything that is theirs:",
        plan.display_name, plan.email
    )];
    lines.push(format!(
        "  {} they own, with all in them:",
        count(plan.events.len(), "event", "events")
    ));
    for e in &plan.events {
        lines.push(format!("    {} ({})", e.name, e.slug));
        lines.push(format!(
            "      with {}, {}, {}",
            count(e.projects, "project", "projects"),
            count(e.attendees, "attendee", "attendees"),
            count(e.votes, "vote", "votes")
        ));
    }
    lines.push(format!(
        "  {} they own:",
        count(plan.projects.len(), "project", "projects")
    ));
    for p in &plan.projects {
        lines.push(format!(
            "    {} in {}: {}, {}",
            p.name,
            p.event,
            count(p.points, "point", "points"),
            count(p.collaborators, "collaborator", "collaborators")
        ));
    }
    let recounted = plan.votes.iter().filter(|v| v.recounted).count();
    lines.push(format!(
        "  {} cast ({recounted} taken back from projects that stay):",
        count(plan.votes.len(), "vote", "votes")
    ));
    for v in &plan.votes {
        let mark = if v.recounted { "  −1 point" } else { "" };
        lines.push(format!("    for {} in {}{mark}", v.project, v.event));
    }
    lines.push(format!(
        "  {}:",
        count(plan.attending.len(), "attendance", "attendances")
    ));
    for a in &plan.attending {
        lines.push(format!("    {} ({})", a.name, a.event));
    }
    lines.push(format!(
        "  {}:",
        count(plan.collaborations.len(), "collaboration", "collaborations")
    ));
    for c in &plan.collaborations {
        lines.push(format!("    {} in {}", c.name, c.event));
    }
    lines.push(format!(
        "  {}, {}; their name leaves {}",
        count(plan.referrals, "referral", "referrals"),
        count(plan.sign_in_traces, "sign-in trace", "sign-in traces"),
        count(plan.audit_rows, "audit row", "audit rows"),
    ));
    lines
}
