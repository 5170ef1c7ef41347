-- 007_event_phases_and_validation: the April 2026 additions (2026 contract §1.2). An event's
-- phase is the truth (draft → submission → voting → closed); the December 2025 flags `votable` and
-- `leaderboard_enabled` become views of it, computed on read, so their columns go. Both flags on
-- (votable with a public leaderboard) is kept as `voting` with `live_leaderboard`. The value sets
-- the original only documents are CHECK constraints here. Projects get their validation result,
-- users the superadmin flag.
ALTER TABLE events
    ADD COLUMN phase character varying(20) NOT NULL DEFAULT 'draft',
    ADD COLUMN live_leaderboard boolean NOT NULL DEFAULT false,
    ADD COLUMN repo_validation character varying(20) NOT NULL DEFAULT 'github',
    ADD COLUMN demo_validation character varying(20) NOT NULL DEFAULT 'none',
    ADD COLUMN custom_validator character varying(50),
    ADD COLUMN deleted_at timestamp with time zone,
    ADD COLUMN require_ysws_pii boolean NOT NULL DEFAULT false;

-- As the original's a1b2c3d4e5f6 maps them, but both flags on stays open for voting.
UPDATE events SET
    phase = CASE WHEN votable THEN 'voting' WHEN leaderboard_enabled THEN 'closed' ELSE 'submission' END,
    live_leaderboard = votable AND leaderboard_enabled;

ALTER TABLE events
    DROP COLUMN votable,
    DROP COLUMN leaderboard_enabled,
    ADD CONSTRAINT events_phase_check
        CHECK (phase IN ('draft', 'submission', 'voting', 'closed')),
    ADD CONSTRAINT events_repo_validation_check
        CHECK (repo_validation IN ('none', 'github', 'custom')),
    ADD CONSTRAINT events_demo_validation_check
        CHECK (demo_validation IN ('none', 'itch', 'custom'));

ALTER TABLE projects
    ADD COLUMN validation_status character varying(20) NOT NULL DEFAULT 'pending',
    ADD COLUMN validation_message text NOT NULL DEFAULT '',
    ADD CONSTRAINT projects_validation_status_check
        CHECK (validation_status IN ('pending', 'valid', 'warning'));

ALTER TABLE users ADD COLUMN is_superadmin boolean NOT NULL DEFAULT false;
