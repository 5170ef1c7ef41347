-- Moves the rows of a database at the original's Alembic head e5f6a7b8c9d0 (April 2026), whose
-- tables were set aside in schema podium_adopt, into our schema after migration 008, which the
-- adoption has just created. Runs inside the adoption's one transaction: any row that does not
-- fit (a phase or validation value outside the documented sets) fails it whole.

INSERT INTO users (id, airtable_id, email, display_name, first_name, last_name, phone, street_1,
                   street_2, city, state, zip_code, country, dob, is_superadmin)
SELECT id, NULL, email, display_name, first_name, last_name, phone, street_1, street_2, city,
       state, zip_code, country, dob, is_superadmin
FROM podium_adopt.users;

-- Events lost their join codes in 28f961df26a5: each gets back the one an archive of ours holds
-- for it (pg_temp.podium_archive, empty when adopting without one), or else a fresh one, as our
-- join codes are made (4 symbols of A-Z, 0-9, -, _, each drawn uniformly from random bytes,
-- rejecting those at or above 228 = 6 × 38), drawn again when it is taken or archived for
-- another event.
DO $$
DECLARE
    event record;
    alphabet constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
    bytes bytea;
    b integer;
    i integer;
    code text;
BEGIN
    FOR event IN SELECT * FROM podium_adopt.events ORDER BY id LOOP
        SELECT a.row->>'join_code' INTO code FROM pg_temp.podium_archive a
        WHERE a.tbl = 'events' AND a.row->>'id' = event.id::text;
        WHILE code IS NULL OR EXISTS (SELECT 1 FROM events WHERE join_code = code) LOOP
            code := '';
            WHILE length(code) < 4 LOOP
                bytes := uuid_send(gen_random_uuid());
                FOR i IN 0..5 LOOP
                    b := get_byte(bytes, i);
                    IF b < 228 AND length(code) < 4 THEN
                        code := code || substr(alphabet, b % 38 + 1, 1);
                    END IF;
                END LOOP;
            END LOOP;
            IF EXISTS (SELECT 1 FROM pg_temp.podium_archive a
                       WHERE a.tbl = 'events' AND a.row->>'join_code' = code) THEN
                code := NULL;
            END IF;
        END LOOP;
        INSERT INTO events (id, airtable_id, name, slug, description, join_code, demo_links_optional,
                            ysws_checks_enabled, feature_flags_csv, owner_id, phase, live_leaderboard,
                            repo_validation, demo_validation, custom_validator, deleted_at,
                            require_ysws_pii)
        VALUES (event.id, NULL, event.name, event.slug, event.description, code,
                event.demo_links_optional, false, event.feature_flags_csv, event.owner_id,
                event.phase, false, event.repo_validation, event.demo_validation,
                event.custom_validator, event.deleted_at, event.require_ysws_pii);
    END LOOP;
END $$;

INSERT INTO event_attendees (event_id, user_id, id)
SELECT event_id, user_id, id FROM podium_adopt.event_attendees;

-- Points were dropped in 434e824c2c24 (computed from votes since): stored again, as the count.
INSERT INTO projects (id, airtable_id, name, repo, image_url, demo, description, join_code,
                      hours_spent, points, cached_auto_quality, owner_id, event_id,
                      validation_status, validation_message)
SELECT p.id, NULL, p.name, p.repo, p.image_url, p.demo, p.description, p.join_code, p.hours_spent,
       (SELECT count(*) FROM podium_adopt.votes v WHERE v.project_id = p.id), NULL, p.owner_id,
       p.event_id, p.validation_status, p.validation_message
FROM podium_adopt.projects p;

INSERT INTO project_collaborators (project_id, user_id, id)
SELECT project_id, user_id, id FROM podium_adopt.project_collaborators;

INSERT INTO referrals (id, airtable_id, content, user_id, event_id)
SELECT id, NULL, content, user_id, event_id FROM podium_adopt.referrals;

INSERT INTO votes (id, airtable_id, voter_id, project_id, event_id)
SELECT id, NULL, voter_id, project_id, event_id FROM podium_adopt.votes;

DROP SCHEMA podium_adopt CASCADE;
