//! Request bodies that more than one function takes.

use podium_data::events::{EventChanges, limits};
use podium_data::text_enum::NamedSet;
use podium_data::validation::{Issues, ValidationIssue};
use podium_data::{DemoValidation, Phase, RepoValidation};
use serde::{Deserialize, Deserializer};
use serde_json::json;
use utoipa::ToSchema;

/// `Some(None)` for an explicit `null`, `None` when the field is absent (with `#[serde(default)]`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    de: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(de).map(Some)
}

/// `EventUpdate`: the December 2025 fields, which `PUT /events/{id}` reads, and the April 2026
/// ones, which `PATCH /events/admin/{id}` reads; every field optional. Unknown fields (the whole
/// event object the 2025 frontend PUTs back, which now carries the 2026 fields too) are ignored.
/// `phase`, `repo_validation` and `demo_validation` take only their documented values (a 422,
/// where the original stored anything).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EventUpdate {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    // The phase table is now in docs/behaviour.md; these two doc comments are descriptions in
    // openapi.json, kept word for word until the document changes for another reason.
    /// December 2025: sets the phase (see the README's phase table).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    votable: Option<Option<bool>>,
    /// December 2025: sets the phase (see the README's phase table).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    leaderboard_enabled: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    demo_links_optional: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    ysws_checks_enabled: Option<Option<bool>>,
    /// `draft`, `submission`, `voting` or `closed`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    phase: Option<Option<String>>,
    /// In the voting phase, whether the public leaderboard is open too.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    live_leaderboard: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    require_ysws_pii: Option<Option<bool>>,
    /// `none`, `github` or `custom`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    repo_validation: Option<Option<String>>,
    /// `none`, `itch` or `custom`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    demo_validation: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    custom_validator: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    feature_flags_csv: Option<Option<String>>,
}

/// What an explicit `null` means for a field that cannot be empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// Leave the field as it is (the 2025 PUT: "absent or null fields are ignored").
    Ignore,
    /// A 422 naming the field (the 2026 PATCH, where the original answered 500).
    Refuse,
}

impl EventUpdate {
    /// The December 2025 changes (`PUT /events/{id}`): name, description and the four flags;
    /// `null` leaves a field alone, and the 2026 fields the frontend sends back are ignored (a
    /// stale `phase` in the object must not undo a flag it changes).
    pub fn changes_2025(self) -> Result<EventChanges, Vec<ValidationIssue>> {
        let december = Self {
            name: self.name,
            description: self.description,
            votable: self.votable,
            leaderboard_enabled: self.leaderboard_enabled,
            demo_links_optional: self.demo_links_optional,
            ysws_checks_enabled: self.ysws_checks_enabled,
            ..Self::default()
        };
        december.changes(Nulls::Ignore)
    }

    /// The changes to apply, or every problem with the body.
    pub fn changes(self, nulls: Nulls) -> Result<EventChanges, Vec<ValidationIssue>> {
        let mut issues = Issues::default();
        let mut take = Take {
            issues: &mut issues,
            nulls,
        };
        let (string, boolean) = ("string_type", "bool_type");
        let name = take.field("name", string, self.name);
        let description = take.field("description", string, self.description);
        let votable = take.field("votable", boolean, self.votable);
        let leaderboard_enabled =
            take.field("leaderboard_enabled", boolean, self.leaderboard_enabled);
        let demo_links_optional =
            take.field("demo_links_optional", boolean, self.demo_links_optional);
        let ysws_checks_enabled =
            take.field("ysws_checks_enabled", boolean, self.ysws_checks_enabled);
        let phase = take.field("phase", string, self.phase);
        let live_leaderboard = take.field("live_leaderboard", boolean, self.live_leaderboard);
        let require_ysws_pii = take.field("require_ysws_pii", boolean, self.require_ysws_pii);
        let repo_validation = take.field("repo_validation", string, self.repo_validation);
        let demo_validation = take.field("demo_validation", string, self.demo_validation);
        let feature_flags_csv = take.field("feature_flags_csv", string, self.feature_flags_csv);
        if let Some(name) = &name {
            issues.max_chars("name", name, limits::NAME);
        }
        if let Some(flags) = &feature_flags_csv {
            issues.max_chars("feature_flags_csv", flags, limits::FEATURE_FLAGS);
        }
        if let Some(Some(custom)) = &self.custom_validator {
            issues.max_chars("custom_validator", custom, limits::CUSTOM_VALIDATOR);
        }
        let phase = phase.and_then(|p| one_of_names(&mut issues, "phase", &p));
        let repo_validation =
            repo_validation.and_then(|v| one_of_names(&mut issues, "repo_validation", &v));
        let demo_validation =
            demo_validation.and_then(|v| one_of_names(&mut issues, "demo_validation", &v));
        issues.finish()?;
        Ok(EventChanges {
            name,
            description,
            votable,
            leaderboard_enabled,
            demo_links_optional,
            ysws_checks_enabled,
            phase,
            live_leaderboard,
            require_ysws_pii,
            repo_validation,
            demo_validation,
            custom_validator: self.custom_validator,
            feature_flags_csv,
            owner_id: None,
        })
    }
}

/// Reads optional fields, refusing explicit nulls when asked to.
struct Take<'a> {
    issues: &'a mut Issues,
    nulls: Nulls,
}

impl Take<'_> {
    fn field<T>(
        &mut self,
        field: &'static str,
        kind: &'static str,
        value: Option<Option<T>>,
    ) -> Option<T> {
        if matches!(value, Some(None)) && self.nulls == Nulls::Refuse {
            let msg = if kind == "bool_type" {
                "Input should be a valid boolean"
            } else {
                "Input should be a valid string"
            };
            self.issues.push(ValidationIssue::body(kind, field, msg));
        }
        value.flatten()
    }
}

/// One of a [`NamedSet`] (a phase, a validator), or a 422 `literal_error`
/// naming the set's values.
fn one_of_names<T: NamedSet>(issues: &mut Issues, field: &'static str, value: &str) -> Option<T> {
    match value.parse::<T>() {
        Ok(value) => Some(value),
        Err(_) => {
            issues.push(one_of(field, T::names()));
            None
        }
    }
}

/// `EventCreate`: the December 2025 `POST /events/` body (name, description and two flags) and
/// the April 2026 `POST /superadmin/events` one (name, description, `demo_links_optional`, the
/// phase and the validation settings) in one schema, as the original's two documents name both
/// `EventCreate`. Each route reads its own fields and ignores the others.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EventCreate {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub demo_links_optional: bool,
    /// December 2025 only.
    #[serde(default)]
    pub ysws_checks_enabled: bool,
    /// April 2026: `draft` (default), `submission`, `voting` or `closed`.
    #[serde(default = "default_phase")]
    #[schema(default = "draft")]
    pub phase: String,
    /// April 2026: `none`, `github` (default) or `custom`.
    #[serde(default = "default_repo_validation")]
    #[schema(default = "github")]
    pub repo_validation: String,
    /// April 2026: `none` (default), `itch` or `custom`.
    #[serde(default = "default_demo_validation")]
    #[schema(default = "none")]
    pub demo_validation: String,
    /// April 2026.
    #[serde(default)]
    pub custom_validator: Option<String>,
    /// April 2026: comma-separated flags, such as the event's series.
    #[serde(default)]
    pub feature_flags_csv: String,
}

fn default_phase() -> String {
    "draft".to_owned()
}

fn default_repo_validation() -> String {
    "github".to_owned()
}

fn default_demo_validation() -> String {
    "none".to_owned()
}

impl EventCreate {
    /// The April 2026 (superadmin) event `owner` asks for, with `slug` as the slug's stem; a
    /// 422 listing every over-long field and every value outside its documented set.
    pub fn superadmin_event(
        self,
        slug: String,
        owner: podium_data::UserId,
    ) -> Result<podium_data::events::NewEvent, Vec<ValidationIssue>> {
        let mut issues = Issues::default();
        issues.max_chars("name", &self.name, limits::NAME);
        issues.max_chars(
            "feature_flags_csv",
            &self.feature_flags_csv,
            limits::FEATURE_FLAGS,
        );
        if let Some(custom) = &self.custom_validator {
            issues.max_chars("custom_validator", custom, limits::CUSTOM_VALIDATOR);
        }
        let phase = one_of_names(&mut issues, "phase", &self.phase);
        let repo_validation = one_of_names(&mut issues, "repo_validation", &self.repo_validation);
        let demo_validation = one_of_names(&mut issues, "demo_validation", &self.demo_validation);
        issues.finish()?;
        Ok(podium_data::events::NewEvent {
            name: self.name,
            slug,
            description: self.description,
            demo_links_optional: self.demo_links_optional,
            ysws_checks_enabled: false,
            owner_id: owner,
            phase: phase.unwrap_or(Phase::Draft),
            feature_flags_csv: self.feature_flags_csv,
            repo_validation: repo_validation.unwrap_or(RepoValidation::Github),
            demo_validation: demo_validation.unwrap_or(DemoValidation::None),
            custom_validator: self.custom_validator,
        })
    }
}

/// `SuperadminEventUpdate`: [`EventUpdate`] and `owner_email`, the e-mail of the user to make
/// the event's owner (trimmed and compared case-insensitively, where the original matched it
/// exactly; `null` is a 422, where the original looked for a user `'None'`).
#[derive(Debug, Default, ToSchema)]
pub struct SuperadminEventUpdate {
    // One flat object, as the original's (and as `parse` reads it): the event's fields beside
    // `owner_email`, not under an `update` key.
    #[serde(flatten)]
    pub update: EventUpdate,
    #[schema(value_type = Option<String>)]
    pub owner_email: Option<String>,
}

impl SuperadminEventUpdate {
    /// Reads the body (already checked to be JSON): every problem of both parts in one 422.
    pub fn parse(body: &serde_json::Value) -> Result<Self, Vec<ValidationIssue>> {
        let update: EventUpdate = crate::extract::from_value(body).map_err(|issue| vec![issue])?;
        let owner_email = match body.get("owner_email") {
            None => None,
            Some(serde_json::Value::String(email)) => Some(email.clone()),
            Some(_) => {
                return Err(vec![ValidationIssue::body(
                    "string_type",
                    "owner_email",
                    "Input should be a valid string",
                )]);
            }
        };
        Ok(Self {
            update,
            owner_email,
        })
    }

    /// The e-mail to look up: trimmed and lower-cased, as stored e-mails are.
    pub fn normalized_owner_email(&self) -> Option<String> {
        self.owner_email
            .as_deref()
            .map(|email| email.trim().to_lowercase())
    }
}

/// Pydantic's `literal_error`: `Input should be 'a', 'b' or 'c'`.
fn one_of(field: &str, allowed: &[&str]) -> ValidationIssue {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    let expected = match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    ValidationIssue::body(
        "literal_error",
        field,
        format!("Input should be {expected}"),
    )
    .with_ctx(json!({ "expected": expected }))
}
