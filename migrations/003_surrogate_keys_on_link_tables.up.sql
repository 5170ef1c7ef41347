-- Alembic e10bb6a39187: Mathesar needs junction tables with a single-column primary key.
ALTER TABLE event_attendees ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE event_attendees DROP CONSTRAINT event_attendees_pkey;
ALTER TABLE event_attendees ADD CONSTRAINT event_attendees_pkey PRIMARY KEY (id);
ALTER TABLE event_attendees
    ADD CONSTRAINT event_attendees_event_id_user_id_key UNIQUE (event_id, user_id);

ALTER TABLE project_collaborators ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE project_collaborators DROP CONSTRAINT project_collaborators_pkey;
ALTER TABLE project_collaborators ADD CONSTRAINT project_collaborators_pkey PRIMARY KEY (id);
ALTER TABLE project_collaborators
    ADD CONSTRAINT project_collaborators_project_id_user_id_key UNIQUE (project_id, user_id);
