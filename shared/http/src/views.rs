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
    /// The ids of every vote the user cast (vote ids, not project ids), in any event.
    pub vote_ids: Vec<Uuid>,
    /// Street, city, country and date of birth are all on the profile.
    pub has_ysws_pii: bool,
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
    pub repo_validation: String,
    /// `none`, `itch` or `custom`.
    pub demo_validation: String,
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
    pub repo_validation: String,
    pub demo_validation: String,
    pub join_code: String,
    pub owner_id: Uuid,
    pub ysws_checks_enabled: bool,
    pub custom_validator: Option<String>,
    pub feature_flags_csv: String,
    /// When the event was soft-deleted (UTC), or `null`.
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// In the voting phase, whether the public leaderboard is open too.
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
            repo_validation: event.repo_validation.clone(),
            demo_validation: event.demo_validation.clone(),
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
            repo_validation: event.repo_validation.clone(),
            demo_validation: event.demo_validation.clone(),
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
    /// The owner's current display name.
    pub owner_display_name: String,
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
    pub owner_display_name: String,
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
