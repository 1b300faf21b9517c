-- procrastinate's job search skips a job whose lock has a running or earlier
-- job (procrastinate_fetch_job_v2). Its only index for that check is on
-- (id, lock), which cannot look a lock up: every queued job scanned the index
-- of all queued and running jobs, dead entries included. With each inbox shard
-- running a drain and holding one queued behind it, that was 16 scans per
-- fetch, 3-6 ms of the server per fetch in bench/relay.py (a third of a
-- relayed message's server time at 200 messages/s). Looked up by lock, each
-- check reads only its own lock's jobs.
CREATE INDEX paid_desk_jobs_lock_queued_idx ON procrastinate_jobs (lock, priority, id)
    WHERE status = ANY (ARRAY['todo'::procrastinate_job_status, 'doing'::procrastinate_job_status]);
