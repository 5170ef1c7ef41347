-- 016_costs_that_follow_the_answer: what made some reads grow with the whole database instead of
-- with their answer (issue 29).
--   * `ix_votes_event_id_id`: an event's votes in id order straight off an index, no sort (the
--     admin votes list, streamed).
--   * `ix_events_name_id`: the superadmin's event pages (by name, then id) off an index instead
--     of a sort of every event.
--   * `estimated_rows`: the planner's own row estimate of a table (its statistics scaled to the
--     table's current size, as the planner scales them), for the totals of the superadmin's
--     pages over large tables; NULL for a table never analysed. Read in the caller's statement,
--     it costs two catalogue lookups, and it reads only what a hot standby replicates. NULL too
--     for a table analysed while empty (nothing to scale from): the caller counts instead.
--   * `cast_ballot` counts an event's projects only up to 20: the vote limit tells apart
--     "under 4", "under 20" and "20 or more", so a capped count decides the same and costs the
--     same whatever the event's size. Otherwise unchanged from 011.
-- The indexes are built in this transaction: the tables hold thousands of rows (a lock of
-- milliseconds), not the millions that would call for CONCURRENTLY outside one.
CREATE INDEX ix_votes_event_id_id ON votes (event_id, id);
CREATE INDEX ix_events_name_id ON events (name, id);

CREATE FUNCTION estimated_rows(tbl regclass) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT CASE
                   WHEN c.reltuples < 0 OR c.relpages = 0 THEN NULL
                   ELSE c.reltuples / c.relpages
                        * (pg_relation_size(c.oid) / current_setting('block_size')::bigint)
               END::bigint
        FROM pg_class c WHERE c.oid = tbl);

CREATE OR REPLACE FUNCTION cast_ballot(p_voter uuid, p_event uuid, p_projects uuid[])
RETURNS TABLE (outcome text, remaining bigint)
LANGUAGE plpgsql
AS $$
DECLARE
    v_phase text;
    v_projects bigint;
    v_existing bigint;
    v_max bigint;
    v_failure text;
BEGIN
    SELECT e.phase INTO v_phase
    FROM events e WHERE e.id = p_event AND e.deleted_at IS NULL
    FOR KEY SHARE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'event_not_found'::text, NULL::bigint;
        RETURN;
    END IF;
    IF v_phase <> 'voting' THEN
        RETURN QUERY SELECT 'voting_closed'::text, NULL::bigint;
        RETURN;
    END IF;
    PERFORM 1 FROM event_attendees a
    WHERE a.event_id = p_event AND a.user_id = p_voter
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_attendee'::text, NULL::bigint;
        RETURN;
    END IF;
    IF cardinality(p_projects) = 0 THEN
        RETURN QUERY SELECT 'ok'::text, NULL::bigint;
        RETURN;
    END IF;
    SELECT (SELECT count(*) FROM (SELECT 1 FROM projects WHERE event_id = p_event LIMIT 20) capped),
           (SELECT count(*) FROM votes WHERE event_id = p_event AND voter_id = p_voter)
    INTO v_projects, v_existing;
    v_max := max_votes_per_user(v_projects);
    IF v_existing + cardinality(p_projects) > v_max THEN
        RETURN QUERY SELECT 'over_limit'::text, v_max - v_existing;
        RETURN;
    END IF;
    PERFORM 1 FROM projects p WHERE p.id = ANY (p_projects) ORDER BY p.id FOR KEY SHARE;
    SELECT f.failure INTO v_failure
    FROM (
        SELECT r.n,
               CASE
                   WHEN p.id IS NULL THEN 'project_not_found'
                   WHEN p.event_id <> p_event THEN 'not_in_event'
                   WHEN EXISTS (SELECT 1 FROM votes v WHERE v.project_id = r.id AND v.voter_id = p_voter)
                       THEN 'already_voted'
                   WHEN p.owner_id = p_voter
                        OR EXISTS (SELECT 1 FROM project_collaborators c
                                   WHERE c.project_id = r.id AND c.user_id = p_voter)
                       THEN 'own_project'
               END AS failure
        FROM unnest(p_projects) WITH ORDINALITY AS r(id, n)
        LEFT JOIN projects p ON p.id = r.id
    ) f
    WHERE f.failure IS NOT NULL
    ORDER BY f.n
    LIMIT 1;
    IF v_failure IS NOT NULL THEN
        RETURN QUERY SELECT v_failure, NULL::bigint;
        RETURN;
    END IF;
    WITH accepted AS (
        INSERT INTO votes (id, voter_id, project_id, event_id)
        SELECT gen_random_uuid(), p_voter, id, p_event FROM unnest(p_projects) AS id ORDER BY id
        RETURNING project_id
    )
    UPDATE projects p SET points = p.points + 1 FROM accepted WHERE p.id = accepted.project_id;
    RETURN QUERY SELECT 'ok'::text, NULL::bigint;
END;
$$;
