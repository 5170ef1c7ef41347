-- Reverts 013_event_series_index.
DROP INDEX ix_events_series;
DROP FUNCTION event_series(character varying);
