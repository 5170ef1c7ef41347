-- 015_vote_and_join_times: when each vote was cast and when each attendee joined, for the
-- results' integrity checks (a burst of votes from accounts that joined just before) and the
-- report's votes over time. New rows get the time of their transaction; rows from before stay
-- NULL, which every reader treats as "not known" (the column is added without a default, so no
-- row is rewritten and no time is made up, then the default is set for rows to come). Imports
-- (`backfill`, `adopt`) write NULL too. Both columns are ours only: `unadopt` archives them and
-- `adopt --archive` takes them back.
ALTER TABLE votes ADD COLUMN cast_at timestamp with time zone;
ALTER TABLE votes ALTER COLUMN cast_at SET DEFAULT now();
ALTER TABLE event_attendees ADD COLUMN joined_at timestamp with time zone;
ALTER TABLE event_attendees ALTER COLUMN joined_at SET DEFAULT now();
