//! The API's views of the data (the contract's response schemas), each built from a data type
//! by a `From` impl. Ids are plain UUIDs here: on the wire, and in the OpenAPI document, an id is
//! a string in UUID format.

use podium_data::VoteId;
use podium_data::attendees::Attendee;
use podium_data::events::Event;
use podium_data::projects::Project;
use podium_data::referrals::Referral;
use podium_data::users::User;
use podium_data::votes::Vote;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// `UserPublic`: what anyone may see of a user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserPublic {
    pub id: Uuid,
    pub display_name: String,
}

/// `UserPrivate`: what a user sees of themself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserPrivate {
    pub id: Uuid,
    pub display_name: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Optional in the original's December 2025 document; always sent.
    #[schema(required = false)]
    pub phone: String,
    /// The ids of every vote the user cast (vote ids, not project ids), in any event. Optional in
    /// the original's April 2026 document (not in December 2025's); always sent.
    #[schema(required = false)]
    pub vote_ids: Vec<Uuid>,
    /// Street, city, country and date of birth are all on the profile. Optional in the
    /// original's April 2026 document; always sent.
    #[schema(required = false)]
    pub has_ysws_pii: bool,
    /// Optional in the original's April 2026 document; always sent.
    #[schema(required = false)]
    pub is_superadmin: bool,
}

impl From<&User> for UserPublic {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.0,
            display_name: user.profile.display_name.clone(),
        }
    }
}

impl UserPrivate {
    /// The user, with the ids of the votes they cast.
    pub fn new(user: &User, vote_ids: Vec<VoteId>) -> Self {
        Self {
            id: user.id.0,
            display_name: user.profile.display_name.clone(),
            email: user.email.clone(),
            first_name: user.profile.first_name.clone(),
            last_name: user.profile.last_name.clone(),
            phone: user.profile.phone.clone(),
            vote_ids: vote_ids.into_iter().map(Uuid::from).collect(),
            has_ysws_pii: user.has_ysws_pii(),
            is_superadmin: user.is_superadmin,
        }
    }
}

/// `EventPublic`: the December 2025 fields, then the April 2026 ones (one shape serves both
/// frontends). `votable` and `leaderboard_enabled` are views of `phase`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventPublic {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: String,
    /// The voting phase.
    pub votable: bool,
    /// The public leaderboard is open: the closed phase, or voting with a live leaderboard.
    pub leaderboard_enabled: bool,
    pub demo_links_optional: bool,
    pub max_votes_per_user: i32,
    /// `draft`, `submission`, `voting` or `closed`.
    pub phase: &'static str,
    pub require_ysws_pii: bool,
    /// `none`, `github` or `custom`.
    pub repo_validation: &'static str,
    /// `none`, `itch` or `custom`.
    pub demo_validation: &'static str,
}

/// `EventPrivate`: what the event's admins see (EventPublic's fields first).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventPrivate {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub votable: bool,
    pub leaderboard_enabled: bool,
    pub demo_links_optional: bool,
    pub max_votes_per_user: i32,
    pub phase: &'static str,
    pub require_ysws_pii: bool,
    pub repo_validation: &'static str,
    pub demo_validation: &'static str,
    pub join_code: String,
    pub owner_id: Uuid,
    pub ysws_checks_enabled: bool,
    /// Required (its value may be `null`), as in the original's April 2026 document.
    #[schema(required = true)]
    pub custom_validator: Option<String>,
    /// Optional in the original's April 2026 document; always sent.
    #[schema(required = false)]
    pub feature_flags_csv: String,
    /// When the event was soft-deleted (UTC), or `null`.
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// In the voting phase, whether the public leaderboard is open too. Ours alone; always sent.
    #[schema(required = false)]
    pub live_leaderboard: bool,
}

impl From<&Event> for EventPublic {
    fn from(event: &Event) -> Self {
        Self {
            id: event.id.0,
            name: event.name.clone(),
            slug: event.slug.clone(),
            description: event.description.clone(),
            votable: event.votable(),
            leaderboard_enabled: event.leaderboard_enabled(),
            demo_links_optional: event.demo_links_optional,
            max_votes_per_user: event.max_votes_per_user(),
            phase: event.phase.as_str(),
            require_ysws_pii: event.require_ysws_pii,
            repo_validation: event.repo_validation.as_str(),
            demo_validation: event.demo_validation.as_str(),
        }
    }
}

impl From<&Event> for EventPrivate {
    fn from(event: &Event) -> Self {
        Self {
            id: event.id.0,
            name: event.name.clone(),
            slug: event.slug.clone(),
            description: event.description.clone(),
            votable: event.votable(),
            leaderboard_enabled: event.leaderboard_enabled(),
            demo_links_optional: event.demo_links_optional,
            max_votes_per_user: event.max_votes_per_user(),
            phase: event.phase.as_str(),
            require_ysws_pii: event.require_ysws_pii,
            repo_validation: event.repo_validation.as_str(),
            demo_validation: event.demo_validation.as_str(),
            join_code: event.join_code.clone(),
            owner_id: event.owner_id.0,
            ysws_checks_enabled: event.ysws_checks_enabled,
            custom_validator: event.custom_validator.clone(),
            feature_flags_csv: event.feature_flags_csv.clone(),
            deleted_at: event.deleted_at,
            live_leaderboard: event.live_leaderboard,
        }
    }
}

/// `ProjectPublic`: the December 2025 fields, then the April 2026 ones.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectPublic {
    pub id: Uuid,
    pub name: String,
    pub repo: String,
    pub image_url: String,
    pub demo: String,
    pub description: String,
    pub points: i32,
    pub owner_id: Uuid,
    /// The owner's current display name. Optional in the original's April 2026 document (not in
    /// December 2025's); always sent.
    #[schema(required = false)]
    pub owner_display_name: String,
    /// Optional in the original's April 2026 document; always sent.
    #[schema(required = false)]
    pub collaborator_display_names: Vec<String>,
}

/// `ProjectPrivate`: what the owner, collaborators and the event's admins see (ProjectPublic's
/// fields first).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectPrivate {
    pub id: Uuid,
    pub name: String,
    pub repo: String,
    pub image_url: String,
    pub demo: String,
    pub description: String,
    pub points: i32,
    pub owner_id: Uuid,
    /// Optional in the original's April 2026 document; always sent.
    #[schema(required = false)]
    pub owner_display_name: String,
    /// Optional in the original's April 2026 document; always sent.
    #[schema(required = false)]
    pub collaborator_display_names: Vec<String>,
    pub join_code: String,
    pub hours_spent: i32,
    pub event_id: Uuid,
    #[schema(value_type = Option<Object>)]
    pub cached_auto_quality: Option<Value>,
    /// `pending`, `valid` or `warning`.
    pub validation_status: String,
    pub validation_message: String,
}

impl ProjectPublic {
    /// The project as the public sees it: its points only once its event's leaderboard is open
    /// (the live count is what the leaderboard gate keeps secret while voting runs), else 0.
    pub fn public(project: &Project, leaderboard_open: bool) -> Self {
        let mut public = Self::from(project);
        if !leaderboard_open {
            public.points = 0;
        }
        public
    }
}

impl From<&Project> for ProjectPublic {
    fn from(project: &Project) -> Self {
        Self {
            id: project.id.0,
            name: project.name.clone(),
            repo: project.repo.clone(),
            image_url: project.image_url.clone(),
            demo: project.demo.clone(),
            description: project.description.clone(),
            points: project.points,
            owner_id: project.owner_id.0,
            owner_display_name: project.owner_display_name.clone(),
            collaborator_display_names: project.collaborator_display_names.clone(),
        }
    }
}

impl From<&Project> for ProjectPrivate {
    fn from(project: &Project) -> Self {
        Self {
            id: project.id.0,
            name: project.name.clone(),
            repo: project.repo.clone(),
            image_url: project.image_url.clone(),
            demo: project.demo.clone(),
            description: project.description.clone(),
            points: project.points,
            owner_id: project.owner_id.0,
            owner_display_name: project.owner_display_name.clone(),
            collaborator_display_names: project.collaborator_display_names.clone(),
            join_code: project.join_code.clone(),
            hours_spent: project.hours_spent,
            event_id: project.event_id.0,
            cached_auto_quality: project.cached_auto_quality.clone(),
            validation_status: project.validation_status.clone(),
            validation_message: project.validation_message.clone(),
        }
    }
}

/// `UserAttendee`: what an event's owner sees of each attendee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserAttendee {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

impl From<Attendee> for UserAttendee {
    fn from(attendee: Attendee) -> Self {
        Self {
            id: attendee.id.0,
            email: attendee.email,
            display_name: attendee.display_name,
            first_name: attendee.first_name,
            last_name: attendee.last_name,
        }
    }
}

/// `VoteResponse`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoteResponse {
    pub id: Uuid,
    pub voter_id: Uuid,
    pub project_id: Uuid,
    pub event_id: Uuid,
}

impl From<Vote> for VoteResponse {
    fn from(vote: Vote) -> Self {
        Self {
            id: vote.id.0,
            voter_id: vote.voter_id.0,
            project_id: vote.project_id.0,
            event_id: vote.event_id.0,
        }
    }
}

/// `ReferralResponse`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralResponse {
    pub id: Uuid,
    pub content: String,
    pub user_id: Uuid,
    pub event_id: Uuid,
}

impl From<Referral> for ReferralResponse {
    fn from(referral: Referral) -> Self {
        Self {
            id: referral.id,
            content: referral.content,
            user_id: referral.user_id.0,
            event_id: referral.event_id.0,
        }
    }
}

/// `UserSummary`: a user in the superadmin's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserSummary {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub is_superadmin: bool,
}

impl From<podium_data::users::Summary> for UserSummary {
    fn from(user: podium_data::users::Summary) -> Self {
        Self {
            id: user.id.0,
            email: user.email,
            display_name: user.display_name,
            is_superadmin: user.is_superadmin,
        }
    }
}

/// One superadmin or operator write (or grant/revoke of the role), as the audit log keeps it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// When (UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    /// The superadmin's user id; `null` for the command line, the operator console or a
    /// since-deleted user.
    pub actor_id: Option<Uuid>,
    /// The superadmin's e-mail at the time, `command line`, `console:<os user>@<host>`, or
    /// `(erased user)` once that user was deleted with their data.
    pub actor: String,
    /// `event.create`, `event.update`, `event.owner_transfer`, `event.soft_delete`,
    /// `event.restore`, `event.delete`, `event.attendee_add`, `event.attendee_remove`,
    /// `user.grant_superadmin`, `user.revoke_superadmin` or `user.delete`.
    pub action: String,
    pub event_id: Option<Uuid>,
    pub subject_user_id: Option<Uuid>,
    /// The row before the change (`null` for a creation).
    pub before: Option<Value>,
    /// The row after it.
    pub after: Option<Value>,
}

impl From<podium_data::audit::Entry> for AuditEntry {
    fn from(entry: podium_data::audit::Entry) -> Self {
        Self {
            id: entry.id,
            at: entry.at,
            actor_id: entry.actor_id.map(Uuid::from),
            actor: entry.actor,
            action: entry.action,
            event_id: entry.event_id.map(Uuid::from),
            subject_user_id: entry.subject_user_id.map(Uuid::from),
            before: entry.before,
            after: entry.after,
        }
    }
}

/// Declares a `Page[T]` response (fastapi-pagination's shape, named as the original names it).
macro_rules! page_of {
    ($(#[$attr:meta])* $name:ident, $item:ty, $title:literal) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Serialize, ToSchema)]
        #[schema(title = $title)]
        pub struct $name {
            pub items: Vec<$item>,
            #[schema(minimum = 0)]
            pub total: i64,
            #[schema(minimum = 1)]
            pub page: u32,
            #[schema(minimum = 1)]
            pub size: u32,
            /// `ceil(total / size)`, 0 when the list is empty.
            #[schema(minimum = 0)]
            pub pages: i64,
        }

        impl $name {
            pub fn new<T: Into<$item>>(
                request: podium_data::page::PageRequest,
                paged: podium_data::page::Paged<T>,
            ) -> Self {
                Self {
                    items: paged.items.into_iter().map(Into::into).collect(),
                    total: paged.total,
                    page: request.page(),
                    size: request.size(),
                    pages: request.pages(paged.total),
                }
            }
        }
    };
}

page_of!(
    /// `Page[EventPrivate]`
    #[allow(non_camel_case_types)]
    Page_EventPrivate_,
    EventPrivate,
    "Page[EventPrivate]"
);
page_of!(
    /// `Page[UserSummary]`
    #[allow(non_camel_case_types)]
    Page_UserSummary_,
    UserSummary,
    "Page[UserSummary]"
);
page_of!(
    /// `Page[AuditEntry]`
    #[allow(non_camel_case_types)]
    Page_AuditEntry_,
    AuditEntry,
    "Page[AuditEntry]"
);

impl From<podium_data::events::Event> for EventPrivate {
    fn from(event: podium_data::events::Event) -> Self {
        Self::from(&event)
    }
}

/// The answer to a soft delete: `{"message": "Event soft-deleted", "deleted_at": "…+00:00"}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SoftDeleted {
    pub message: String,
    /// When (ISO 8601 in UTC with `+00:00`, as Python's `isoformat()` writes it).
    pub deleted_at: String,
}

impl SoftDeleted {
    pub fn new(at: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            message: crate::texts::EVENT_SOFT_DELETED.to_owned(),
            deleted_at: python_isoformat(at),
        }
    }
}

/// Python's `datetime.isoformat()` of an aware UTC time: microseconds only when not zero.
pub fn python_isoformat(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    if at.nanosecond() / 1000 == 0 {
        at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn isoformat_writes_microseconds_only_when_there_are_some() {
        let whole = chrono::Utc
            .with_ymd_and_hms(2026, 11, 28, 23, 59, 4)
            .single()
            .expect("a time");
        assert_eq!(python_isoformat(whole), "2026-11-28T23:59:04+00:00");
        let fraction = whole + chrono::Duration::microseconds(576_477);
        assert_eq!(
            python_isoformat(fraction),
            "2026-11-28T23:59:04.576477+00:00"
        );
    }
}
