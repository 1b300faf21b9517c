-- The control center's System screen and its alerts: send failures counted
-- over time, database outages noticed by the processes, what an alert needs to
-- post once when it starts and once when it clears, and retrying a failed job.

-- Every failed or retried send, as delivery records it on its outbox row
-- (last_error): the screen counts flood waits and errors of the last hour and
-- the alerts a spike of flood waits, without scanning the outbox. Kept a few
-- hours (maintenance prunes it).
CREATE TABLE send_events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    outbox_id bigint NOT NULL,
    chat_id   bigint NOT NULL,
    -- The error's class as delivery names it (FloodWait, RecipientUnavailable, ...).
    kind      text NOT NULL,
    detail    text
);

CREATE INDEX send_events_at_idx ON send_events (at);

CREATE FUNCTION send_events_follow_outbox() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO send_events (outbox_id, chat_id, kind, detail)
    VALUES (NEW.id, NEW.chat_id, split_part(NEW.last_error, ':', 1), left(NEW.last_error, 300));
    RETURN NULL;
END;
$$;

-- Delivery writes last_error exactly when a send fails (retried later or failed
-- for good) and clears it when one goes out: a trigger sees every failure
-- whichever code path records it, and costs nothing on a successful send.
CREATE TRIGGER outbox_send_events
    AFTER UPDATE OF last_error ON outbox
    FOR EACH ROW WHEN (NEW.last_error IS NOT NULL)
    EXECUTE FUNCTION send_events_follow_outbox();

-- A time the database could not be reached, recorded by a process that noticed
-- it once it could write again (nothing can be written while it is down). The
-- outages several processes noticed are merged into one row, announced once.
CREATE TABLE db_outages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz NOT NULL,
    noticed_by   text NOT NULL,
    announced_at timestamptz
);

CREATE INDEX db_outages_ended_idx ON db_outages (ended_at);

-- An active alert clears only after its condition stayed clear for a while
-- (clear_since), so a figure hovering at its threshold cannot post a stream;
-- peak is what the clear message reports beside how long it lasted.
ALTER TABLE admin_alerts
    ADD COLUMN clear_since timestamptz,
    ADD COLUMN peak        bigint;

-- The screen lists failed jobs and set-aside updates, newest first.
CREATE INDEX procrastinate_jobs_failed_idx ON procrastinate_jobs (id) WHERE status = 'failed';
CREATE INDEX inbox_failed_idx ON inbox (id) WHERE failed_at IS NOT NULL;

-- An operator's Retry of a failed job: back to the queue, with its attempts
-- counted afresh (it was given up on; the operator asks for a new go).
--
-- A job with a queueing lock (a drain of an inbox shard, a group's delivery)
-- cannot go back while another with the same lock waits: that one does the
-- same work, so the failed one is deleted instead ('superseded'). The unique
-- violation is caught rather than checked for first, so a job queued between a
-- check and the update cannot make the operator's action fail.
CREATE FUNCTION admin_retry_failed_job(p_job_id bigint)
    RETURNS TABLE (outcome text, job_status text, job_queue text, job_task text, job_args jsonb,
                   job_attempts integer, job_queueing_lock text)
    LANGUAGE plpgsql AS $$
DECLARE
    j procrastinate_jobs;
BEGIN
    SELECT * INTO j FROM procrastinate_jobs WHERE id = p_job_id FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'missing';
        RETURN NEXT;
        RETURN;
    END IF;
    job_status := j.status::text;
    job_queue := j.queue_name;
    job_task := j.task_name;
    job_args := j.args;
    job_attempts := j.attempts;
    job_queueing_lock := j.queueing_lock;
    IF j.status <> 'failed' THEN
        outcome := 'not_failed';
        RETURN NEXT;
        RETURN;
    END IF;
    BEGIN
        UPDATE procrastinate_jobs
        SET status = 'todo', attempts = 0, scheduled_at = NULL, worker_id = NULL, abort_requested = false
        WHERE id = p_job_id;
        -- Back in the queue: wake the workers, as an insert would.
        PERFORM pg_notify('procrastinate_queue_v1#' || j.queue_name,
                          json_build_object('type', 'job_inserted', 'job_id', j.id)::text);
        PERFORM pg_notify('procrastinate_any_queue_v1',
                          json_build_object('type', 'job_inserted', 'job_id', j.id)::text);
        outcome := 'retried';
    EXCEPTION WHEN unique_violation THEN
        DELETE FROM procrastinate_jobs WHERE id = p_job_id;
        outcome := 'superseded';
    END;
    RETURN NEXT;
END;
$$;
