//! What superadmins (and operators at the command line) change: each change runs in one
//! transaction together with its [`audit`] row, the rows it reads locked first, so two
//! superadmins changing the same event one after the other each see and log the other's result.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::attendees;
use crate::audit::{self, Action, Actor};
use crate::events::{self, Event, EventChanges, SeriesChange};
use crate::ids::{EventId, UserId};
use crate::users;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    Event(Box<Event>),
    NoSuchEvent,
    /// No user has the new owner's e-mail.
    NoSuchOwner,
}

/// Applies `changes` to the event and, with `new_owner` (an e-mail, already normalised), makes
/// that user its owner (`event.owner_transfer`; otherwise `event.update`).
#[tracing::instrument(skip_all)]
pub async fn update_event(
    pool: &PgPool,
    actor: &Actor,
    id: EventId,
    mut changes: EventChanges,
    new_owner: Option<&str>,
) -> Result<Updated, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(before) = audit::lock_event(&mut tx, id).await? else {
        return Ok(Updated::NoSuchEvent);
    };
    if let Some(email) = new_owner {
        let Some(owner) = users::find_by_email(&mut *tx, email).await? else {
            return Ok(Updated::NoSuchOwner);
        };
        changes.owner_id = Some(owner.id);
    }
    let Some(event) = events::update(&mut *tx, id, None, SeriesChange::Allowed, &changes).await?
    else {
        return Ok(Updated::NoSuchEvent);
    };
    let action = if new_owner.is_some() {
        Action::EventOwnerTransfer
    } else {
        Action::EventUpdate
    };
    audit::record_event(&mut tx, actor, action, id, Some(&before)).await?;
    tx.commit().await?;
    Ok(Updated::Event(Box::new(event)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoftDeleted {
    At(DateTime<Utc>),
    NoSuchEvent,
    AlreadyDeleted,
}

/// Sets the event's `deleted_at`: hidden from everyone but its admins from now on.
#[tracing::instrument(skip_all)]
pub async fn soft_delete_event(
    pool: &PgPool,
    actor: &Actor,
    id: EventId,
) -> Result<SoftDeleted, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(before) = audit::lock_event(&mut tx, id).await? else {
        return Ok(SoftDeleted::NoSuchEvent);
    };
    let Some(at) = events::soft_delete(&mut tx, id).await? else {
        return Ok(SoftDeleted::AlreadyDeleted);
    };
    audit::record_event(&mut tx, actor, Action::EventSoftDelete, id, Some(&before)).await?;
    tx.commit().await?;
    Ok(SoftDeleted::At(at))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    Event(Box<Event>),
    NoSuchEvent,
    NotDeleted,
}

/// Clears the event's `deleted_at`: visible again wherever it was before the soft delete.
#[tracing::instrument(skip_all)]
pub async fn restore_event(
    pool: &PgPool,
    actor: &Actor,
    id: EventId,
) -> Result<Restored, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(before) = audit::lock_event(&mut tx, id).await? else {
        return Ok(Restored::NoSuchEvent);
    };
    let Some(event) = events::restore(&mut tx, id).await? else {
        return Ok(Restored::NotDeleted);
    };
    audit::record_event(&mut tx, actor, Action::EventRestore, id, Some(&before)).await?;
    tx.commit().await?;
    Ok(Restored::Event(Box::new(event)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    /// The flag changed (and the change is in the audit log).
    Changed,
    /// The user already had (or lacked) the role: nothing written.
    Unchanged,
    NoSuchUser,
}

/// Grants (`on`) or revokes the superadmin role of the user with `email` (exact, as stored).
#[tracing::instrument(skip_all)]
pub async fn set_superadmin(
    pool: &PgPool,
    actor: &Actor,
    email: &str,
    on: bool,
) -> Result<RoleChange, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(user) = users::lock_by_email(&mut tx, email).await? else {
        return Ok(RoleChange::NoSuchUser);
    };
    if user.is_superadmin == on {
        return Ok(RoleChange::Unchanged);
    }
    users::set_superadmin(&mut tx, user.id, on).await?;
    let action = if on {
        Action::UserGrantSuperadmin
    } else {
        Action::UserRevokeSuperadmin
    };
    audit::record_superadmin_change(&mut tx, actor, action, &user, on).await?;
    tx.commit().await?;
    Ok(RoleChange::Changed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    NoSuchEvent,
    /// Only a soft-deleted event is deleted for good (soft delete first: restore undoes it).
    NotSoftDeleted,
}

/// Deletes a soft-deleted event for good, with everything that hangs on it
/// ([`events::delete_permanently`]); checked on the locked row, so an event restored meanwhile
/// stays. The `event.delete` row keeps the event as it was.
#[tracing::instrument(skip_all)]
pub async fn delete_event(
    pool: &PgPool,
    actor: &Actor,
    id: EventId,
) -> Result<Deleted, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(before) = audit::lock_event(&mut tx, id).await? else {
        return Ok(Deleted::NoSuchEvent);
    };
    if before
        .get("deleted_at")
        .is_none_or(serde_json::Value::is_null)
    {
        return Ok(Deleted::NotSoftDeleted);
    }
    if !events::delete_permanently(&mut tx, id).await? {
        return Ok(Deleted::NoSuchEvent);
    }
    audit::record(
        &mut tx,
        actor,
        Action::EventDelete,
        Some(id),
        None,
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Deleted::Deleted)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttendeeChange {
    Added(UserId),
    Removed,
    /// Nothing to do: already attending (add) or not attending (remove).
    Unchanged,
    NoSuchEvent,
    /// No user has that e-mail.
    NoSuchUser,
}

/// Adds the user with `email` (exact, as stored) to the event's attendees, or removes them
/// (`attend` false); their projects, votes and referrals stay either way. The event is locked
/// first; the `event.attendee_add` / `event.attendee_remove` row names the user by id and
/// e-mail.
#[tracing::instrument(skip_all)]
pub async fn set_attendance(
    pool: &PgPool,
    actor: &Actor,
    event: EventId,
    email: &str,
    attend: bool,
) -> Result<AttendeeChange, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if audit::lock_event(&mut tx, event).await?.is_none() {
        return Ok(AttendeeChange::NoSuchEvent);
    }
    let Some(user) = users::find_by_email(&mut *tx, email).await? else {
        return Ok(AttendeeChange::NoSuchUser);
    };
    let changed = if attend {
        attendees::add(&mut *tx, event, user.id).await?
    } else {
        attendees::remove(&mut *tx, event, user.id).await?
    };
    if !changed {
        return Ok(AttendeeChange::Unchanged);
    }
    let view = |attending: bool| serde_json::json!({"email": user.email, "attending": attending});
    let action = if attend {
        Action::EventAttendeeAdd
    } else {
        Action::EventAttendeeRemove
    };
    let (before, after) = (view(!attend), view(attend));
    audit::record(
        &mut tx,
        actor,
        action,
        Some(event),
        Some(user.id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(if attend {
        AttendeeChange::Added(user.id)
    } else {
        AttendeeChange::Removed
    })
}
