-- 013_event_series_index: the series an event belongs to (the items of `feature_flags_csv`,
-- split on commas and trimmed, case kept: the original's matching), as an immutable function
-- and a GIN index over it. `GET /events/official` then finds the active series' events through
-- the index instead of splitting every event's flags (a sequential scan that grew with all
-- events while the answer stays a handful), and the rule that only superadmins may move an
-- event into or out of the active series reads the same function. The events table holds
-- hundreds of rows, so the index is built in this transaction (a lock of milliseconds) rather
-- than CONCURRENTLY outside one.
CREATE FUNCTION event_series(feature_flags_csv character varying) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT btrim(flag) FROM unnest(string_to_array(feature_flags_csv, ',')) AS flag
             WHERE btrim(flag) <> '');

CREATE INDEX ix_events_series ON events USING gin (event_series(feature_flags_csv));
