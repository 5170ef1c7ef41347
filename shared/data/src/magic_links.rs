//! The `magic_link_redemptions` table: a magic link works once (contract 7.6).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;

/// Records the redemption of `token`; false when it was redeemed before. The primary key on the
/// token's SHA-256 settles concurrent redemptions: exactly one wins.
#[tracing::instrument(skip_all)]
pub async fn redeem(
    db: impl PgExecutor<'_>,
    token: &str,
    email: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    let inserted = sqlx::query(
        "INSERT INTO magic_link_redemptions (token_sha256, email, expires_at)
         VALUES ($1, $2, COALESCE($3, 'infinity'::timestamptz))
         ON CONFLICT (token_sha256) DO NOTHING",
    )
    .bind(hash)
    .bind(email)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Forgets redemptions of tokens that have expired (they can no longer be replayed anyway).
#[tracing::instrument(skip_all)]
pub async fn purge_expired(db: impl PgExecutor<'_>) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM magic_link_redemptions WHERE expires_at < now()")
            .execute(db)
            .await?
            .rows_affected(),
    )
}
