//! Import SQL for `users`.

use crate::users::Profile;
use sqlx::PgExecutor;
use uuid::Uuid;

/// A user record of the Airtable backfill, cleaned (email normalised, values cut to their
/// columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedUser {
    pub id: Uuid,
    pub airtable_id: String,
    pub email: String,
    pub profile: Profile,
}

/// Users an import of these records meets: by `airtable_id`, or by email (`key`).
#[tracing::instrument(skip_all, fields(records = airtable_ids.len()))]
pub async fn matches(
    db: impl PgExecutor<'_>,
    airtable_ids: &[String],
    emails: &[String],
) -> Result<Vec<super::Existing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, airtable_id, email AS key, NULL::text AS key2 FROM users
         WHERE airtable_id = ANY($1) OR email = ANY($2)",
    )
    .bind(airtable_ids)
    .bind(emails)
    .fetch_all(db)
    .await
}

/// Inserts imported users in one statement; a row that meets a unique index (a user created
/// meanwhile) is left out. Returns the `airtable_id`s inserted.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn insert(
    db: impl PgExecutor<'_>,
    rows: &[ImportedUser],
) -> Result<Vec<String>, sqlx::Error> {
    let column = |f: fn(&ImportedUser) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query_scalar(
        "INSERT INTO users (id, airtable_id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country, dob)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::date[])
         ON CONFLICT DO NOTHING RETURNING airtable_id",
    )
    .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
    .bind(column(|r| &r.airtable_id))
    .bind(column(|r| &r.email))
    .bind(column(|r| &r.profile.display_name))
    .bind(column(|r| &r.profile.first_name))
    .bind(column(|r| &r.profile.last_name))
    .bind(column(|r| &r.profile.phone))
    .bind(column(|r| &r.profile.street_1))
    .bind(column(|r| &r.profile.street_2))
    .bind(column(|r| &r.profile.city))
    .bind(column(|r| &r.profile.state))
    .bind(column(|r| &r.profile.zip_code))
    .bind(column(|r| &r.profile.country))
    .bind(rows.iter().map(|r| r.profile.dob).collect::<Vec<_>>())
    .fetch_all(db)
    .await
}
