-- The schema of the original service's first Alembic revision (eb4f2bdf228a, "initial schema").
-- Primary keys have no server default: the application generates UUIDs.

CREATE TABLE users (
    id uuid NOT NULL,
    airtable_id character varying(32),
    email character varying(255) NOT NULL,
    display_name character varying(255) NOT NULL,
    first_name character varying(50) NOT NULL,
    last_name character varying(50) NOT NULL,
    phone character varying(20) NOT NULL,
    street_1 character varying(255) NOT NULL,
    street_2 character varying(255) NOT NULL,
    city character varying(100) NOT NULL,
    state character varying(100) NOT NULL,
    zip_code character varying(20) NOT NULL,
    country character varying(100) NOT NULL,
    dob date,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_users_airtable_id ON users (airtable_id);
CREATE UNIQUE INDEX ix_users_email ON users (email);

CREATE TABLE events (
    id uuid NOT NULL,
    airtable_id character varying(32),
    name character varying(255) NOT NULL,
    slug character varying(50) NOT NULL,
    description character varying NOT NULL,
    join_code character varying(20) NOT NULL,
    votable boolean NOT NULL,
    leaderboard_enabled boolean NOT NULL,
    demo_links_optional boolean NOT NULL,
    ysws_checks_enabled boolean NOT NULL,
    feature_flags_csv character varying(500) NOT NULL,
    owner_id uuid NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (id),
    CONSTRAINT events_join_code_key UNIQUE (join_code),
    CONSTRAINT events_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id)
);
CREATE UNIQUE INDEX ix_events_airtable_id ON events (airtable_id);
CREATE UNIQUE INDEX ix_events_slug ON events (slug);

CREATE TABLE event_attendees (
    event_id uuid NOT NULL,
    user_id uuid NOT NULL,
    CONSTRAINT event_attendees_pkey PRIMARY KEY (event_id, user_id),
    CONSTRAINT event_attendees_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id),
    CONSTRAINT event_attendees_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE projects (
    id uuid NOT NULL,
    airtable_id character varying(32),
    name character varying(255) NOT NULL,
    repo character varying(500) NOT NULL,
    image_url character varying(500) NOT NULL,
    demo character varying(500) NOT NULL,
    description character varying NOT NULL,
    join_code character varying(20) NOT NULL,
    hours_spent integer NOT NULL,
    points integer NOT NULL,
    cached_auto_quality jsonb,
    owner_id uuid NOT NULL,
    event_id uuid NOT NULL,
    CONSTRAINT projects_pkey PRIMARY KEY (id),
    CONSTRAINT projects_join_code_key UNIQUE (join_code),
    CONSTRAINT projects_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id),
    CONSTRAINT projects_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id)
);
CREATE UNIQUE INDEX ix_projects_airtable_id ON projects (airtable_id);
CREATE INDEX ix_projects_points ON projects (points);

CREATE TABLE referrals (
    id uuid NOT NULL,
    airtable_id character varying(32),
    content character varying NOT NULL,
    user_id uuid NOT NULL,
    event_id uuid NOT NULL,
    CONSTRAINT referrals_pkey PRIMARY KEY (id),
    CONSTRAINT referrals_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT referrals_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id)
);
CREATE UNIQUE INDEX ix_referrals_airtable_id ON referrals (airtable_id);

CREATE TABLE project_collaborators (
    project_id uuid NOT NULL,
    user_id uuid NOT NULL,
    CONSTRAINT project_collaborators_pkey PRIMARY KEY (project_id, user_id),
    CONSTRAINT project_collaborators_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id),
    CONSTRAINT project_collaborators_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE votes (
    id uuid NOT NULL,
    airtable_id character varying(32),
    voter_id uuid NOT NULL,
    project_id uuid NOT NULL,
    event_id uuid NOT NULL,
    CONSTRAINT votes_pkey PRIMARY KEY (id),
    CONSTRAINT votes_voter_id_project_id_key UNIQUE (voter_id, project_id),
    CONSTRAINT votes_voter_id_fkey FOREIGN KEY (voter_id) REFERENCES users (id),
    CONSTRAINT votes_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id),
    CONSTRAINT votes_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id)
);
CREATE UNIQUE INDEX ix_votes_airtable_id ON votes (airtable_id);
