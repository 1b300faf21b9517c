-- procrastinate's job search picks a plan that scans and sorts the whole queue
-- when the table's statistics were taken while it was empty (a fresh deploy, or
-- autovacuum between bursts): 0.5-1.6 s per fetch with 5,000 jobs queued, until
-- the next analyze. Without sorting the planner walks the id index instead,
-- which is right at every queue depth (procrastinate issue #1242).
ALTER FUNCTION procrastinate_fetch_job_v2(character varying[], bigint) SET enable_sort = off;
