-- no-transaction
DROP INDEX CONCURRENTLY IF EXISTS ix_votes_project_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_votes_event_id_voter_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_referrals_event_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_project_collaborators_user_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_projects_owner_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_projects_event_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_event_attendees_user_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_events_owner_id;
