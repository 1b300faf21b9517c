-- name: stalls_recover
SELECT kind, job_id, task_name, outbox_id, detail FROM recover_stalled_work($1);

-- name: stalls_status
-- Jobs running on workers whose heartbeat is gone, and the recoveries of the last hour.
SELECT (SELECT count(*) FROM procrastinate_jobs j
        WHERE j.status = 'doing'
          AND (j.worker_id IS NULL OR j.worker_id NOT IN (SELECT l.id FROM live_workers($1) l)))
           AS stalled_jobs,
       (SELECT count(*) FROM live_workers($1)) AS live_workers,
       (SELECT count(*) FROM stall_recoveries r
        WHERE r.at > now() - interval '1 hour' AND r.kind IN ('job_retried', 'job_aborted'))
           AS jobs_recovered_last_hour,
       (SELECT count(*) FROM stall_recoveries r
        WHERE r.at > now() - interval '1 hour' AND r.kind = 'send_returned') AS sends_returned_last_hour,
       (SELECT count(*) FROM stall_recoveries r
        WHERE r.at > now() - interval '1 hour' AND r.kind = 'job_error') AS recovery_errors_last_hour,
       (SELECT max(r.at) FROM stall_recoveries r) AS last_recovery_at;

-- name: stalls_prune
DELETE FROM stall_recoveries WHERE at < now() - make_interval(days => $1);
