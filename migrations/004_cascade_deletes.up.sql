-- Contract 7.2: deleting an event deletes its projects, votes, attendee rows and referrals;
-- deleting a project deletes its votes and collaborator rows. Foreign keys to users keep
-- NO ACTION: users are never deleted through the API, and a stray DELETE must not wipe data.
ALTER TABLE projects
    DROP CONSTRAINT projects_event_id_fkey,
    ADD CONSTRAINT projects_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE votes
    DROP CONSTRAINT votes_project_id_fkey,
    ADD CONSTRAINT votes_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    DROP CONSTRAINT votes_event_id_fkey,
    ADD CONSTRAINT votes_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE referrals
    DROP CONSTRAINT referrals_event_id_fkey,
    ADD CONSTRAINT referrals_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE event_attendees
    DROP CONSTRAINT event_attendees_event_id_fkey,
    ADD CONSTRAINT event_attendees_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE project_collaborators
    DROP CONSTRAINT project_collaborators_project_id_fkey,
    ADD CONSTRAINT project_collaborators_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE;
