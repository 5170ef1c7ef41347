-- As the original downgrade: the Mathesar view depends on the surrogate keys.
DROP VIEW IF EXISTS users_with_events;

ALTER TABLE project_collaborators DROP CONSTRAINT project_collaborators_project_id_user_id_key;
ALTER TABLE project_collaborators DROP CONSTRAINT project_collaborators_pkey;
ALTER TABLE project_collaborators ADD CONSTRAINT project_collaborators_pkey PRIMARY KEY (project_id, user_id);
ALTER TABLE project_collaborators DROP COLUMN id;

ALTER TABLE event_attendees DROP CONSTRAINT event_attendees_event_id_user_id_key;
ALTER TABLE event_attendees DROP CONSTRAINT event_attendees_pkey;
ALTER TABLE event_attendees ADD CONSTRAINT event_attendees_pkey PRIMARY KEY (event_id, user_id);
ALTER TABLE event_attendees DROP COLUMN id;
