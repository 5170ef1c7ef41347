-- no-transaction
ALTER TABLE projects RESET (fillfactor);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_projects_points ON projects (points);
