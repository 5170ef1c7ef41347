-- Fails (and rolls back) if a stored URL is longer than 500 characters, rather than truncating it.
ALTER TABLE projects
    ALTER COLUMN repo TYPE character varying(500),
    ALTER COLUMN image_url TYPE character varying(500),
    ALTER COLUMN demo TYPE character varying(500);
