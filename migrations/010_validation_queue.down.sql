DROP TABLE validation_requests;
DROP TABLE validation_jobs;
