-- Reverts 007_event_phases_and_validation. The flags come back from the phase (votable = voting;
-- leaderboard_enabled = closed, or voting with a live leaderboard). What the December 2025 schema
-- cannot hold (a draft event, validation settings or results, soft deletes, superadmins) makes
-- this fail rather than be lost. The events table is rebuilt so its columns keep their places.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM events
               WHERE phase = 'draft' OR (live_leaderboard AND phase <> 'voting')
                  OR repo_validation <> 'github' OR demo_validation <> 'none'
                  OR custom_validator IS NOT NULL OR deleted_at IS NOT NULL OR require_ysws_pii)
       OR EXISTS (SELECT 1 FROM projects WHERE validation_status <> 'pending' OR validation_message <> '')
       OR EXISTS (SELECT 1 FROM users WHERE is_superadmin) THEN
        RAISE EXCEPTION 'cannot revert 007: events, projects or users hold phases, validation or superadmin data the earlier schema cannot keep';
    END IF;
END $$;

ALTER TABLE event_attendees DROP CONSTRAINT event_attendees_event_id_fkey;
ALTER TABLE projects DROP CONSTRAINT projects_event_id_fkey;
ALTER TABLE referrals DROP CONSTRAINT referrals_event_id_fkey;
ALTER TABLE votes DROP CONSTRAINT votes_event_id_fkey;

CREATE TABLE events_before_007 (
    id uuid NOT NULL,
    airtable_id character varying(32),
    name character varying(255) NOT NULL,
    slug character varying(50) NOT NULL,
    description character varying NOT NULL,
    join_code character varying(20) NOT NULL,
    votable boolean NOT NULL,
    leaderboard_enabled boolean NOT NULL,
    demo_links_optional boolean NOT NULL,
    ysws_checks_enabled boolean NOT NULL,
    feature_flags_csv character varying(500) NOT NULL,
    owner_id uuid NOT NULL
);
INSERT INTO events_before_007
SELECT id, airtable_id, name, slug, description, join_code,
       phase = 'voting', phase = 'closed' OR (phase = 'voting' AND live_leaderboard),
       demo_links_optional, ysws_checks_enabled, feature_flags_csv, owner_id
FROM events;
DROP TABLE events;
ALTER TABLE events_before_007 RENAME TO events;
ALTER TABLE events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id),
    ADD CONSTRAINT events_join_code_key UNIQUE (join_code),
    ADD CONSTRAINT events_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id);
CREATE UNIQUE INDEX ix_events_airtable_id ON events (airtable_id);
CREATE UNIQUE INDEX ix_events_slug ON events (slug);
CREATE INDEX ix_events_owner_id ON events (owner_id);

ALTER TABLE event_attendees ADD CONSTRAINT event_attendees_event_id_fkey
    FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE projects ADD CONSTRAINT projects_event_id_fkey
    FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE referrals ADD CONSTRAINT referrals_event_id_fkey
    FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE votes ADD CONSTRAINT votes_event_id_fkey
    FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;

ALTER TABLE projects
    DROP CONSTRAINT projects_validation_status_check,
    DROP COLUMN validation_message,
    DROP COLUMN validation_status;
ALTER TABLE users DROP COLUMN is_superadmin;
