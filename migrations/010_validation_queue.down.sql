DROP TABLE rate_limit_hits;
DROP TABLE validation_jobs;
