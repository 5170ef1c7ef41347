DROP TABLE votes;
DROP TABLE project_collaborators;
DROP TABLE referrals;
DROP TABLE projects;
DROP TABLE event_attendees;
DROP TABLE events;
DROP TABLE users;
