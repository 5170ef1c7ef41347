-- 011_ballot_function: a ballot in one round trip. `cast_ballot` runs every rule of
-- `POST /events/vote` (contract 2.2 and 7.4) in the caller's statement, so a ballot costs one
-- statement instead of BEGIN, five queries and COMMIT. The checks, their order and the locks are
-- those the API ran before:
--   the event row is share-locked (a racing delete waits, or the ballot finds it gone), then the
--   voter's attendee row is locked FOR UPDATE, so one voter's ballots in one event run one after
--   another; the limit and the facts are read after that lock (each statement of a function sees
--   a fresh snapshot), and the projects are key-share-locked in id order before the checks (a
--   racing project delete waits). Votes are inserted and points counted in id order.
-- The outcome names the first rule the ballot breaks, or 'ok'; `remaining` comes with
-- 'over_limit'. `p_projects` holds no duplicates (the API removes them, keeping the first).
-- Votes each attendee has: 1 below 4 projects, 2 from 4 to 19, 3 from 20 (the API's
-- `events::max_votes_per_user`; a test checks that the two agree).
CREATE FUNCTION max_votes_per_user(project_count bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE
RETURN CASE WHEN project_count < 4 THEN 1 WHEN project_count < 20 THEN 2 ELSE 3 END;

CREATE FUNCTION cast_ballot(p_voter uuid, p_event uuid, p_projects uuid[])
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
    SELECT (SELECT count(*) FROM projects WHERE event_id = p_event),
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
