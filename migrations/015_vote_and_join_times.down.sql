-- Drops the vote and join times (015): the results' burst check and votes over time then have
-- nothing to read, and say so.
ALTER TABLE event_attendees DROP COLUMN joined_at;
ALTER TABLE votes DROP COLUMN cast_at;
