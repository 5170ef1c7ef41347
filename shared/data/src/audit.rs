//! The `audit_log` table: every superadmin write (and every grant or revoke of the role), with
//! who, what, when, and the row before and after, as JSON. Written in the transaction of the
//! change it records; never updated.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};

use crate::ids::{EventId, UserId};
use crate::page::{self, Counted, PageRequest, Paged};
use crate::users::User;

/// What was done (the `audit_log_action_check` constraint lists the same values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    EventCreate,
    EventUpdate,
    EventOwnerTransfer,
    EventSoftDelete,
    EventRestore,
    UserGrantSuperadmin,
    UserRevokeSuperadmin,
    /// A permanent delete (the operator console): the event and all that hangs on it.
    EventDelete,
    EventAttendeeAdd,
    EventAttendeeRemove,
    /// A user erased with everything that was theirs (the operator console).
    UserDelete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EventCreate => "event.create",
            Self::EventUpdate => "event.update",
            Self::EventOwnerTransfer => "event.owner_transfer",
            Self::EventSoftDelete => "event.soft_delete",
            Self::EventRestore => "event.restore",
            Self::UserGrantSuperadmin => "user.grant_superadmin",
            Self::UserRevokeSuperadmin => "user.revoke_superadmin",
            Self::EventDelete => "event.delete",
            Self::EventAttendeeAdd => "event.attendee_add",
            Self::EventAttendeeRemove => "event.attendee_remove",
            Self::UserDelete => "user.delete",
        }
    }
}

/// Who did it: a signed-in superadmin, or an operator at the command line or in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<UserId>,
    /// The user's e-mail, `command line`, or `console:<os user>@<host>`.
    pub name: String,
}

impl Actor {
    pub fn user(user: &User) -> Self {
        Self {
            id: Some(user.id),
            name: user.email.clone(),
        }
    }

    /// The `migrate superadmin` command.
    pub fn command_line() -> Self {
        Self {
            id: None,
            name: "command line".to_owned(),
        }
    }

    /// The operator console, run by `os_user` on `host` (`console:alice@laptop`), cut to the
    /// column's 255 characters.
    pub fn console(os_user: &str, host: &str) -> Self {
        Self {
            id: None,
            name: format!("console:{os_user}@{host}")
                .chars()
                .take(255)
                .collect(),
        }
    }
}

/// One row of the log.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor: String,
    pub action: String,
    pub event_id: Option<EventId>,
    pub subject_user_id: Option<UserId>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The event's row as JSON, locked until the transaction ends (the "before" of a change), or
/// `None` when there is no such event.
#[tracing::instrument(skip_all)]
pub async fn lock_event(
    conn: &mut PgConnection,
    id: EventId,
) -> Result<Option<Value>, sqlx::Error> {
    sqlx::query_scalar("SELECT to_jsonb(e) FROM events e WHERE e.id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Records a change to an event; "after" is the event's row as the transaction now sees it. A
/// write that changed nothing (after = before) leaves no row.
#[tracing::instrument(skip_all, fields(action = action.as_str()))]
pub async fn record_event(
    conn: &mut PgConnection,
    actor: &Actor,
    action: Action,
    event: EventId,
    before: Option<&Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor, action, event_id, before, after)
         SELECT $1, $2, $3, e.id, $5, to_jsonb(e) FROM events e
         WHERE e.id = $4 AND to_jsonb(e) IS DISTINCT FROM $5",
    )
    .bind(actor.id)
    .bind(&actor.name)
    .bind(action.as_str())
    .bind(event)
    .bind(before)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a change given its before and after as JSON (either may be absent).
#[tracing::instrument(skip_all, fields(action = action.as_str()))]
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    action: Action,
    event: Option<EventId>,
    subject: Option<UserId>,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor, action, event_id, subject_user_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(actor.id)
    .bind(&actor.name)
    .bind(action.as_str())
    .bind(event)
    .bind(subject)
    .bind(before)
    .bind(after)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a change of a user's superadmin flag (before and after: `{"email", "is_superadmin"}`,
/// no other personal data).
#[tracing::instrument(skip_all, fields(action = action.as_str()))]
pub async fn record_superadmin_change(
    conn: &mut PgConnection,
    actor: &Actor,
    action: Action,
    user: &User,
    now_superadmin: bool,
) -> Result<(), sqlx::Error> {
    let view = |flag: bool| serde_json::json!({"email": user.email, "is_superadmin": flag});
    let (before, after) = (view(user.is_superadmin), view(now_superadmin));
    record(
        conn,
        actor,
        action,
        None,
        Some(user.id),
        Some(&before),
        Some(&after),
    )
    .await
}

/// The total of a page of the log (`$event`: the parameter holding the event, or NULL): one event's entries counted exactly
/// off `ix_audit_log_event_id`, the whole log as [`page::table_total!`] says.
macro_rules! total_of_log {
    ($event:literal) => {
        concat!(
            "CASE WHEN ",
            $event,
            "::uuid IS NULL THEN ",
            page::table_total!("audit_log"),
            " ELSE (SELECT count(*) FROM audit_log WHERE event_id = ",
            $event,
            ") END"
        )
    };
}

/// A page of the log, newest first, all of it or one event's.
#[tracing::instrument(skip_all)]
pub async fn page(
    db: impl PgExecutor<'_> + Copy,
    request: PageRequest,
    event: Option<EventId>,
) -> Result<Paged<Entry>, sqlx::Error> {
    let rows: Vec<Counted<Entry>> = sqlx::query_as(concat!(
        "WITH page AS (
             SELECT id FROM audit_log WHERE $3::uuid IS NULL OR event_id = $3
             ORDER BY id DESC LIMIT $1 OFFSET $2
         )
         SELECT a.id, a.at, a.actor_id, a.actor, a.action, a.event_id, a.subject_user_id,
                a.before, a.after, ",
        total_of_log!("$3"),
        " AS total FROM page JOIN audit_log a USING (id) ORDER BY a.id DESC"
    ))
    .bind(request.limit())
    .bind(request.offset())
    .bind(event)
    .fetch_all(db)
    .await?;
    page::from_rows(rows, request, || {
        sqlx::query_scalar(concat!("SELECT ", total_of_log!("$1")))
            .bind(event)
            .fetch_one(db)
    })
    .await
}
