-- Operations: the totals /metrics reports, Telegram's view of the webhook,
-- wake-ups for workers that no longer poll, and indexes for retention.

-- Monotonic totals for Prometheus counters (updates received, sends, flood
-- waits, relays, payments). Kept in Postgres so that every web dyno reports
-- the same figures; rows are added to by triggers and by the ingress. Each
-- database session adds to rows of its own (``slot`` is its backend's pid),
-- so concurrent transactions never wait on one another or deadlock over a
-- counter; maintenance folds those rows into slot 0 now and then.
CREATE TABLE metric_counters (
    metric text NOT NULL,
    -- Label values, in the order the metric declares its labels.
    labels text[] NOT NULL,
    slot   integer NOT NULL,
    value  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (metric, labels, slot)
);

-- PL/pgSQL rather than SQL: its statement's plan is kept for the session (an SQL
-- function's is made again on every call before PostgreSQL 18), and triggers call it per row.
CREATE FUNCTION metric_add(p_metric text, p_labels text[], p_n bigint)
    RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO metric_counters AS c (metric, labels, slot, value)
    VALUES (p_metric, p_labels, pg_backend_pid(), p_n)
    ON CONFLICT (metric, labels, slot) DO UPDATE SET value = c.value + EXCLUDED.value;
END;
$$;

-- Sends per Bot API method and outcome, as the outbox records them.
CREATE FUNCTION metrics_count_send() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM metric_add('telegram_sends', ARRAY[NEW.method, NEW.status], 1);
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_count_sends
    AFTER UPDATE OF status ON outbox
    FOR EACH ROW WHEN (NEW.status IN ('sent', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION metrics_count_send();

-- Flood waits per kind of bucket (chat, group): each one sets blocked_until.
CREATE FUNCTION metrics_count_flood_wait() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM metric_add('telegram_flood_waits', ARRAY[split_part(NEW.key, ':', 1)], 1);
    RETURN NULL;
END;
$$;

CREATE TRIGGER send_budgets_count_flood_waits_new
    AFTER INSERT ON send_budgets
    FOR EACH ROW WHEN (NEW.blocked_until IS NOT NULL)
    EXECUTE FUNCTION metrics_count_flood_wait();

CREATE TRIGGER send_budgets_count_flood_waits
    AFTER UPDATE OF blocked_until ON send_budgets
    FOR EACH ROW WHEN (NEW.blocked_until IS NOT NULL)
    EXECUTE FUNCTION metrics_count_flood_wait();

-- Messages relayed, per direction (in: user to topic, out: operator to user).
CREATE FUNCTION metrics_count_relayed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM metric_add('messages_relayed', ARRAY[NEW.direction], 1);
    RETURN NULL;
END;
$$;

CREATE TRIGGER messages_count_relayed
    AFTER UPDATE OF status ON messages
    FOR EACH ROW WHEN (NEW.status = 'relayed' AND OLD.status IS DISTINCT FROM 'relayed')
    EXECUTE FUNCTION metrics_count_relayed();

CREATE TRIGGER messages_count_relayed_new
    AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.status = 'relayed')
    EXECUTE FUNCTION metrics_count_relayed();

-- Payments, revenue and refunds per rail and currency, in minor units (Stars
-- for XTR), counted when a transaction first becomes paid and as its refunded
-- amount grows.
CREATE FUNCTION metrics_count_payment() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    paid constant text[] := ARRAY['succeeded', 'refunded', 'partially_refunded', 'disputed'];
    labels text[] := ARRAY[NEW.rail, upper(NEW.currency)];
    refunded_before bigint := 0;
BEGIN
    IF NEW.status = ANY (paid) AND (TG_OP = 'INSERT' OR NOT OLD.status = ANY (paid)) THEN
        PERFORM metric_add('payments', labels, 1);
        PERFORM metric_add('revenue_minor', labels, NEW.amount);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        refunded_before := OLD.amount_refunded;
    END IF;
    IF NEW.amount_refunded > refunded_before THEN
        PERFORM metric_add('refunded_minor', labels, NEW.amount_refunded - refunded_before);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER transactions_count_payments
    AFTER INSERT OR UPDATE OF status, amount_refunded ON transactions
    FOR EACH ROW EXECUTE FUNCTION metrics_count_payment();

-- What was paid before this migration, once.
INSERT INTO metric_counters (metric, labels, slot, value)
SELECT m.metric, ARRAY[t.rail, upper(t.currency)], 0, sum(m.value)
FROM transactions t
CROSS JOIN LATERAL (VALUES
    ('payments', CASE WHEN t.status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')
                      THEN 1 ELSE 0 END::bigint),
    ('revenue_minor', CASE WHEN t.status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')
                           THEN t.amount ELSE 0 END),
    ('refunded_minor', t.amount_refunded)) AS m(metric, value)
GROUP BY m.metric, t.rail, upper(t.currency)
HAVING sum(m.value) > 0;

INSERT INTO metric_counters (metric, labels, slot, value)
SELECT 'messages_relayed', ARRAY[direction], 0, count(*) FROM messages
WHERE status = 'relayed'
GROUP BY direction;

INSERT INTO metric_counters (metric, labels, slot, value)
SELECT 'telegram_sends', ARRAY[method, status], 0, count(*) FROM outbox
WHERE status IN ('sent', 'failed')
GROUP BY method, status;

-- Telegram's own view of the webhook (getWebhookInfo), as last fetched by an
-- admin worker: /metrics and the control center read it from here.
CREATE TABLE telegram_webhook_status (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- The WebhookInfo object as Telegram returned it; null when the fetch failed.
    info       jsonb,
    -- Why the last fetch failed, or null.
    error      text,
    checked_at timestamptz NOT NULL DEFAULT now()
);

-- Waking workers: they no longer poll every 20 ms. procrastinate notifies
-- them when a job is inserted, but not when a job waiting behind a lock can
-- run because the job holding it finished, nor when a scheduled job becomes
-- due. The first is a notification here, in the transaction that frees the
-- lock; the second is announced when the job is scheduled, and each worker
-- process sets an alarm for it (workers/wakeups.py).
CREATE INDEX procrastinate_jobs_todo_lock_idx ON procrastinate_jobs (lock)
    WHERE status = 'todo' AND lock IS NOT NULL;
CREATE INDEX procrastinate_jobs_scheduled_idx ON procrastinate_jobs (queue_name, scheduled_at)
    WHERE status = 'todo' AND scheduled_at IS NOT NULL;

CREATE FUNCTION jobs_wake_behind_lock() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    waiting record;
    payload text;
BEGIN
    SELECT j.id, j.queue_name INTO waiting FROM procrastinate_jobs j
    WHERE j.lock = OLD.lock AND j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
    ORDER BY j.priority DESC, j.id
    LIMIT 1;
    IF FOUND THEN
        -- The message procrastinate's own insert trigger sends: workers fetch at once.
        payload := json_build_object('type', 'job_inserted', 'job_id', waiting.id)::text;
        PERFORM pg_notify('procrastinate_queue_v1#' || waiting.queue_name, payload);
        PERFORM pg_notify('procrastinate_any_queue_v1', payload);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER procrastinate_jobs_wake_behind_lock
    AFTER UPDATE OF status ON procrastinate_jobs
    FOR EACH ROW WHEN (OLD.status = 'doing' AND NEW.status <> 'doing' AND OLD.lock IS NOT NULL)
    EXECUTE FUNCTION jobs_wake_behind_lock();

CREATE TRIGGER procrastinate_jobs_wake_behind_lock_deleted
    AFTER DELETE ON procrastinate_jobs
    FOR EACH ROW WHEN (OLD.status = 'doing' AND OLD.lock IS NOT NULL)
    EXECUTE FUNCTION jobs_wake_behind_lock();

CREATE FUNCTION jobs_announce_scheduled() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('paid_desk_scheduled#' || NEW.queue_name,
                      extract(epoch FROM NEW.scheduled_at)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER procrastinate_jobs_announce_scheduled
    AFTER INSERT OR UPDATE OF status, scheduled_at ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.status = 'todo' AND NEW.scheduled_at IS NOT NULL AND NEW.scheduled_at > now())
    EXECUTE FUNCTION jobs_announce_scheduled();

-- A drain's next batch (as inbox_take), and when the shard is empty, the
-- shard's drain queued behind the running one goes: it would find nothing
-- (and cost a job's round trips for it). Recorders
-- that counted on that job hold the shard's lock shared until they commit, so
-- their updates are seen here before the job is dropped; a recorder after
-- this statement queues a new one.
CREATE FUNCTION inbox_take_v2(p_shard integer, p_limit integer)
    RETURNS TABLE (id bigint, update_id bigint, payload jsonb)
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7243, p_shard);
    RETURN QUERY
        SELECT i.id, i.update_id, i.payload FROM inbox i
        WHERE i.shard = p_shard AND i.failed_at IS NULL
        ORDER BY i.id
        LIMIT p_limit;
    -- Only a running drain of the shard drops the one behind it; anyone else
    -- looking at an empty shard leaves the queue alone.
    IF NOT FOUND AND EXISTS (SELECT 1 FROM procrastinate_jobs d
                             WHERE d.lock = 'drain:' || p_shard AND d.status = 'doing') THEN
        DELETE FROM procrastinate_jobs j
        WHERE j.queueing_lock = 'drain:' || p_shard AND j.status = 'todo';
    END IF;
END;
$$;
