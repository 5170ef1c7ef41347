-- 010_validation_queue: project validation as durable work (2026 contract §2.10). The original
-- validated "in the background" inside the web process, so a restart left projects `pending`
-- forever; here the request that makes a project need validation writes its job in the same
-- statement, and `validate` workers take jobs with a lease (a killed worker's job is taken again
-- when the lease runs out). One row per project: a newer request bumps `generation`, and a worker
-- only writes its result while the generation it took is still the current one.
CREATE TABLE validation_jobs (
    project_id uuid NOT NULL,
    generation bigint NOT NULL DEFAULT 1,
    attempts integer NOT NULL DEFAULT 0,
    queued_at timestamp with time zone NOT NULL DEFAULT now(),
    run_after timestamp with time zone NOT NULL DEFAULT now(),
    leased_until timestamp with time zone,
    last_error text,
    CONSTRAINT validation_jobs_pkey PRIMARY KEY (project_id),
    CONSTRAINT validation_jobs_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT validation_jobs_attempts_check CHECK (attempts >= 0)
);

CREATE INDEX ix_validation_jobs_run_after ON validation_jobs (run_after);

-- Rate limits that must hold across every function instance (the original counted in one
-- process's memory, keyed on a spoofable X-Forwarded-For): one row per counted request in a
-- bucket such as `validate:<user id>` or `signup:<client network>`.
CREATE TABLE rate_limit_hits (
    id bigint GENERATED ALWAYS AS IDENTITY,
    bucket character varying(100) NOT NULL,
    hit_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT rate_limit_hits_pkey PRIMARY KEY (id)
);

CREATE INDEX ix_rate_limit_hits_bucket_hit_at ON rate_limit_hits (bucket, hit_at);
