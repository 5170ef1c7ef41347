-- Alembic 68760cdd30c1: production Airtable data had URLs longer than 500 characters.
ALTER TABLE projects
    ALTER COLUMN repo TYPE text,
    ALTER COLUMN image_url TYPE text,
    ALTER COLUMN demo TYPE text;
