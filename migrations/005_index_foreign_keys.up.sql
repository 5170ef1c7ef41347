-- no-transaction
-- Indexes behind the foreign keys that cascades and per-event/per-user reads follow. Built
-- CONCURRENTLY so a live database keeps taking writes; IF NOT EXISTS makes a retry after a
-- partial failure safe.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_events_owner_id ON events (owner_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_event_attendees_user_id ON event_attendees (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_projects_event_id ON projects (event_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_projects_owner_id ON projects (owner_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_project_collaborators_user_id ON project_collaborators (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_referrals_event_id ON referrals (event_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_votes_event_id_voter_id ON votes (event_id, voter_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_votes_project_id ON votes (project_id);
