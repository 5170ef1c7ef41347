ALTER TABLE project_collaborators
    DROP CONSTRAINT project_collaborators_project_id_fkey,
    ADD CONSTRAINT project_collaborators_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id);
ALTER TABLE event_attendees
    DROP CONSTRAINT event_attendees_event_id_fkey,
    ADD CONSTRAINT event_attendees_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id);
ALTER TABLE referrals
    DROP CONSTRAINT referrals_event_id_fkey,
    ADD CONSTRAINT referrals_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id);
ALTER TABLE votes
    DROP CONSTRAINT votes_event_id_fkey,
    ADD CONSTRAINT votes_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id),
    DROP CONSTRAINT votes_project_id_fkey,
    ADD CONSTRAINT votes_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id);
ALTER TABLE projects
    DROP CONSTRAINT projects_event_id_fkey,
    ADD CONSTRAINT projects_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id);
