//! The `users` table.

use chrono::NaiveDate;
use sqlx::PgExecutor;

use crate::ids::{UserId, VoteId};
use crate::page::{self, Counted, PageRequest, Paged};

use crate::domain::Email;

/// Every column of `users` but `airtable_id` (never read by the API).
macro_rules! user_columns {
    () => {
        "id, email, is_superadmin, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country, dob"
    };
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub email: String,
    /// May manage every event (granted in the database, never through a user-facing body).
    pub is_superadmin: bool,
    #[sqlx(flatten)]
    pub profile: Profile,
}

impl User {
    /// Whether the profile holds what a YSWS submission needs: street, city, country and date
    /// of birth (2026 contract §2.1; state, ZIP and phone are not required).
    pub fn has_ysws_pii(&self) -> bool {
        let p = &self.profile;
        !p.street_1.is_empty() && !p.city.is_empty() && !p.country.is_empty() && p.dob.is_some()
    }
}

/// "First L.": the first name, a space, the last name's first character and a dot, leaving
/// out empty parts (`Ann`/`Lee` → `Ann L.`, `Cy`/`` → `Cy`, ``/`Zed` → `Z.`).
pub fn default_display_name(first_name: &str, last_name: &str) -> String {
    let initial = last_name.chars().next().map(|c| format!("{c}."));
    [
        Some(first_name.to_owned()).filter(|f| !f.is_empty()),
        initial,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

/// Whether a display name counts as not given (Python's `str.strip()` of the original).
pub fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The ids of every vote `user` cast, in any event.
#[tracing::instrument(skip_all)]
pub async fn vote_ids(db: impl PgExecutor<'_>, user: UserId) -> Result<Vec<VoteId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM votes WHERE voter_id = $1 ORDER BY id")
        .bind(user)
        .fetch_all(db)
        .await
}

/// The user with this e-mail and the ids of every vote they cast, in one statement (what
/// `GET /users/current` answers).
#[tracing::instrument(skip_all)]
pub async fn find_with_vote_ids(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<(User, Vec<VoteId>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        vote_ids: Vec<VoteId>,
    }
    let row: Option<Row> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        ", ARRAY(SELECT v.id FROM votes v WHERE v.voter_id = users.id ORDER BY v.id) AS vote_ids
         FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.user, r.vote_ids)))
}

/// Column limits (`varchar(n)`), checked before writing so that over-long input is a 422.
pub mod limits {
    pub const DISPLAY_NAME: usize = 255;
    pub const FIRST_NAME: usize = 50;
    pub const LAST_NAME: usize = 50;
    pub const PHONE: usize = 20;
    pub const STREET: usize = 255;
    pub const CITY: usize = 100;
    pub const STATE: usize = 100;
    pub const ZIP_CODE: usize = 20;
    pub const COUNTRY: usize = 100;
}

/// The profile fields every user has besides id and email.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Profile {
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub street_1: String,
    pub street_2: String,
    pub city: String,
    pub state: String,
    pub zip_code: String,
    pub country: String,
    pub dob: Option<NaiveDate>,
}

/// Changes to a profile: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub street_1: Option<String>,
    pub street_2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    pub country: Option<String>,
    pub dob: Option<NaiveDate>,
}

impl ProfileChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A new user's profile: fields not given are empty.
impl From<ProfileChanges> for Profile {
    fn from(changes: ProfileChanges) -> Self {
        Self {
            display_name: changes.display_name.unwrap_or_default(),
            first_name: changes.first_name.unwrap_or_default(),
            last_name: changes.last_name.unwrap_or_default(),
            phone: changes.phone.unwrap_or_default(),
            street_1: changes.street_1.unwrap_or_default(),
            street_2: changes.street_2.unwrap_or_default(),
            city: changes.city.unwrap_or_default(),
            state: changes.state.unwrap_or_default(),
            zip_code: changes.zip_code.unwrap_or_default(),
            country: changes.country.unwrap_or_default(),
            dob: changes.dob,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

#[tracing::instrument(skip_all)]
pub async fn find_by_id(db: impl PgExecutor<'_>, id: UserId) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// By exact email (callers normalise first where the contract says so).
#[tracing::instrument(skip_all)]
pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn email_exists(db: impl PgExecutor<'_>, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(email)
        .fetch_one(db)
        .await
}

/// Inserts a user; the unique index on email settles races (`EmailTaken`).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: impl PgExecutor<'_>,
    email: &Email,
    profile: &Profile,
) -> Result<UserId, CreateUserError> {
    let id = UserId::random();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country, dob)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(&profile.display_name)
    .bind(&profile.first_name)
    .bind(&profile.last_name)
    .bind(&profile.phone)
    .bind(&profile.street_1)
    .bind(&profile.street_2)
    .bind(&profile.city)
    .bind(&profile.state)
    .bind(&profile.zip_code)
    .bind(&profile.country)
    .bind(profile.dob)
    .execute(db)
    .await
    .map_err(|e| match e.as_database_error().and_then(|d| d.constraint()) {
        Some("ix_users_email") => CreateUserError::EmailTaken,
        _ => CreateUserError::Database(e),
    })?;
    Ok(id)
}

/// Applies `changes` in one statement and returns the updated user (None if it does not exist).
#[tracing::instrument(skip_all)]
pub async fn update(
    db: impl PgExecutor<'_>,
    id: UserId,
    changes: &ProfileChanges,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(
        "UPDATE users SET
            display_name = COALESCE($2, display_name), first_name = COALESCE($3, first_name),
            last_name = COALESCE($4, last_name), phone = COALESCE($5, phone),
            street_1 = COALESCE($6, street_1), street_2 = COALESCE($7, street_2),
            city = COALESCE($8, city), state = COALESCE($9, state), zip_code = COALESCE($10, zip_code),
            country = COALESCE($11, country), dob = COALESCE($12, dob)
         WHERE id = $1 RETURNING ",
        user_columns!()
    ))
    .bind(id)
    .bind(&changes.display_name)
    .bind(&changes.first_name)
    .bind(&changes.last_name)
    .bind(&changes.phone)
    .bind(&changes.street_1)
    .bind(&changes.street_2)
    .bind(&changes.city)
    .bind(&changes.state)
    .bind(&changes.zip_code)
    .bind(&changes.country)
    .bind(changes.dob)
    .fetch_optional(db)
    .await
}

/// What a superadmin's user list shows of a user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Summary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub is_superadmin: bool,
}

/// A page of every user, by e-mail (unique): the page's e-mails off the e-mail index alone (an
/// index-only scan: rows skipped by the offset are never read), then their rows; the total as
/// [`page::table_total!`] says, in the same statement.
#[tracing::instrument(skip_all)]
pub async fn page(db: &sqlx::PgPool, request: PageRequest) -> Result<Paged<Summary>, sqlx::Error> {
    let rows: Vec<Counted<Summary>> = sqlx::query_as(concat!(
        "WITH page AS (SELECT email FROM users ORDER BY email LIMIT $1 OFFSET $2)
         SELECT u.id, u.email, u.display_name, u.is_superadmin, ",
        page::table_total!("users"),
        " AS total FROM page JOIN users u USING (email) ORDER BY u.email"
    ))
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(db)
    .await?;
    page::from_rows(rows, request, || {
        sqlx::query_scalar(concat!("SELECT ", page::table_total!("users"))).fetch_one(db)
    })
    .await
}

/// The user with this e-mail, locked until the transaction ends.
#[tracing::instrument(skip_all)]
pub async fn lock_by_email(
    conn: &mut sqlx::PgConnection,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE email = $1 FOR UPDATE"
    ))
    .bind(email)
    .fetch_optional(conn)
    .await
}

/// Sets or clears the superadmin flag.
#[tracing::instrument(skip_all)]
pub async fn set_superadmin(
    conn: &mut sqlx::PgConnection,
    id: UserId,
    on: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET is_superadmin = $2 WHERE id = $1")
        .bind(id)
        .bind(on)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every superadmin, by e-mail.
#[tracing::instrument(skip_all)]
pub async fn superadmins(db: impl PgExecutor<'_>) -> Result<Vec<Summary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, email, display_name, is_superadmin FROM users WHERE is_superadmin ORDER BY email",
    )
    .fetch_all(db)
    .await
}

/// The user a Hack Club sign-in names (2026 contract §2.3): created with the given names when
/// the e-mail is new; when the user exists with an empty first name and Hack Club gives one, the
/// names and display name are set; otherwise left alone. One statement: the unique index on
/// `email` settles two sign-ins racing for a new user.
#[tracing::instrument(skip_all)]
pub async fn sign_in_from_hack_club(
    db: impl PgExecutor<'_>,
    email: &Email,
    first_name: &str,
    last_name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1,
                            street_2, city, state, zip_code, country)
         VALUES ($1, $2, $3, $4, $5, '', '', '', '', '', '', '')
         ON CONFLICT (email) DO UPDATE
             SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
                 display_name = EXCLUDED.display_name
             WHERE users.first_name = '' AND EXCLUDED.first_name <> ''",
    )
    .bind(UserId::random())
    .bind(email.as_str())
    .bind(default_display_name(first_name, last_name))
    .bind(first_name)
    .bind(last_name)
    .execute(db)
    .await?;
    Ok(())
}

/// A user as the operator console lists them: what they own and did, counted.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Overview {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub is_superadmin: bool,
    /// Events they own.
    pub events: i64,
    /// Projects they own or collaborate on.
    pub projects: i64,
    /// Votes they cast.
    pub votes: i64,
}

/// Every user by e-mail, with their counts. One statement.
#[tracing::instrument(skip_all)]
pub async fn overview(db: impl PgExecutor<'_>) -> Result<Vec<Overview>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.first_name, u.last_name, u.is_superadmin,
                (SELECT count(*) FROM events e WHERE e.owner_id = u.id) AS events,
                (SELECT count(*) FROM projects p WHERE p.owner_id = u.id)
                  + (SELECT count(*) FROM project_collaborators c WHERE c.user_id = u.id) AS projects,
                (SELECT count(*) FROM votes v WHERE v.voter_id = u.id) AS votes
         FROM users u ORDER BY u.email",
    )
    .fetch_all(db)
    .await
}
