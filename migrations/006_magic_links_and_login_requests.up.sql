-- Contract 7.6. A magic link is single use: redeeming it records the SHA-256 of the token (the
-- token itself is a credential and is never stored); a second redemption hits the primary key.
-- Rows are useless once the token has expired and may be deleted after expires_at.
CREATE TABLE magic_link_redemptions (
    token_sha256 bytea NOT NULL,
    email character varying(255) NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    redeemed_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT magic_link_redemptions_pkey PRIMARY KEY (token_sha256),
    CONSTRAINT magic_link_redemptions_token_sha256_check CHECK (octet_length(token_sha256) = 32)
);
CREATE INDEX ix_magic_link_redemptions_expires_at ON magic_link_redemptions (expires_at);

-- One row per accepted POST /request-login, for the per-email rate limit (5 per 15 minutes),
-- kept in the database so that it holds across function instances.
CREATE TABLE login_requests (
    id bigint GENERATED ALWAYS AS IDENTITY,
    email character varying(255) NOT NULL,
    requested_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT login_requests_pkey PRIMARY KEY (id)
);
CREATE INDEX ix_login_requests_email_requested_at ON login_requests (email, requested_at);
