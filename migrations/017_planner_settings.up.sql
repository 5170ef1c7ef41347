-- 017_planner_settings: planner settings that fit where Podium's data lives, for the role the
-- application connects as (the one that runs migrations), in this database only:
--   * random_page_cost = 1.1: the data sits in RAM or on SSD (RDS gp3, a container's volume),
--     where a random page costs about what a sequential one does. With the default 4 the
--     planner priced 1,000 index lookups above a sequential scan of every user (an event's
--     attendee list: 10-13 ms of PostgreSQL per request instead of 2.8).
--   * jit = off: Podium's statements are short OLTP reads; whenever an estimate is large (a
--     table scan, as `GET /events/official` was before 013's index) JIT compiles the plan on
--     every request: 15 of 38 ms of that route then.
-- Where the role may not change its own settings the migration says so and changes nothing
-- (set them in the server's configuration instead: docs/operations.md, "Planner settings").
-- Connections opened before this migration keep their settings until they reconnect.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET random_page_cost = 1.1',
                   current_user, current_database());
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET jit = off',
                   current_user, current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'role % may not set its own planner settings: set random_page_cost and jit in the server configuration (docs/operations.md)', current_user;
END
$$;
