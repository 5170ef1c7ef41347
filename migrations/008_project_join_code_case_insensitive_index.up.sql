-- no-transaction
-- Project join codes are looked up case-insensitively (`upper(join_code) = upper($1)`, as the
-- April 2026 original does; imported codes may hold lower case), so index that expression.
-- Built CONCURRENTLY so a live database keeps taking writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_projects_upper_join_code ON projects (upper(join_code));
