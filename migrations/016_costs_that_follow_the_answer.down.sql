-- Reverts 016_costs_that_follow_the_answer: the ballot counts every project again (011's body).
DROP INDEX ix_votes_event_id_id;
DROP INDEX ix_events_name_id;
DROP FUNCTION estimated_rows(regclass);

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
