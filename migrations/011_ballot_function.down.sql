DROP FUNCTION cast_ballot(uuid, uuid, uuid[]);
DROP FUNCTION max_votes_per_user(bigint);
