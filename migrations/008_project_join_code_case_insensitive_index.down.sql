-- no-transaction
-- Reverts 008_project_join_code_case_insensitive_index.
DROP INDEX CONCURRENTLY IF EXISTS ix_projects_upper_join_code;
