-- Reverts 017_planner_settings: the role's planner settings in this database back to the server's.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET random_page_cost',
                   current_user, current_database());
    EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET jit',
                   current_user, current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'role % may not change its own planner settings', current_user;
END
$$;
