-- The control center's Search and Dashboard: searches kept for their buttons,
-- name prefixes read safely, and what the dashboard needs to answer in
-- milliseconds at a million users and ten million messages (bench/admin.py
-- times every query).

-- A search's buttons (kind, page) name its row: a term of up to 200
-- characters does not fit in Telegram's 64 bytes of callback data. Its
-- messages, once counted, are kept with it: turning a page then reads the
-- page, not every match again.
CREATE TABLE admin_searches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id     bigint NOT NULL,
    term            text NOT NULL CHECK (char_length(term) BETWEEN 1 AND 200),
    -- core.admin.search_messages.kept: how many, and the ids when they are few.
    messages        jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX admin_searches_created_at_idx ON admin_searches (created_at);

-- "mar sil" as the prefix query 'mar':* & 'sil':*. What the operator typed is
-- read by plainto_tsquery, which cannot fail on any input; only its own
-- output (lexemes it quoted itself) gets the prefix mark, so nobody's input
-- is ever parsed as tsquery syntax. Words of one or two letters match whole
-- words only: "ma" as a prefix would gather the posting lists of every name
-- starting with it. Inlined by the planner, so a search is planned for its
-- actual query.
CREATE FUNCTION admin_prefix_tsquery(typed text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsquery('simple', regexp_replace(plainto_tsquery('simple', typed)::text,
                                               '(''[^'']{3,}'')(?= &|$)', '\1:*', 'g'));

-- How many messages the planner expects a search's words to match, from its
-- statistics: a common word is then paged by walking back from the newest
-- message instead of reading its hundred thousand entries in the text index
-- (core.admin.search_messages). 0 when a word is not among the statistics'
-- most common ones: such a word is rarer than any they list, and the
-- planner's guess for it (half the rarest share listed) says nothing. The
-- words are a parameter of the statement, never part of its text. Volatile:
-- Postgres runs EXPLAIN only in such functions.
CREATE FUNCTION admin_messages_estimate(typed text) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    IF NOT coalesce((
        SELECT bool_and(t.lexeme = ANY (s.most_common_elems::text::text[]))
        FROM pg_stats s, unnest(to_tsvector('simple', typed)) AS t
        WHERE s.schemaname = current_schema() AND s.tablename = 'messages_text_search_idx'
    ), false) THEN
        RETURN 0;
    END IF;
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM messages '
            'WHERE to_tsvector(''simple'', coalesce(text, '''')) @@ websearch_to_tsquery(''simple'', $1)'
        INTO plan USING typed;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
END;
$$;

-- The Users list sorted by when users were last seen, most recent first and
-- the never seen last: an index in that order (the ascending one could only
-- be read as "never seen first"). It replaces that one, which served only
-- ranges, as this one does: every message updates users.last_seen_at, and
-- each index of users is paid for on every such update.
DROP INDEX users_last_seen_at_idx;
CREATE INDEX users_last_seen_idx ON users (last_seen_at DESC NULLS LAST, id DESC);

-- The Users list of a tier, newest first: (tier, id) reads a page in order,
-- where the index on tier alone had the planner gather every paying user to
-- sort them.
DROP INDEX users_tier_idx;
CREATE INDEX users_tier_idx ON users (tier, id) WHERE tier <> 'free';

-- Messages relayed today and in 7 days: a range of this index, not a scan of
-- every message ever relayed.
CREATE INDEX messages_relayed_in_idx ON messages (relayed_at) WHERE direction = 'in' AND status = 'relayed';

-- Money in and out as it happens: a payment that succeeds adds its amount, a
-- refund takes back what it returned, in the payment's currency (minor
-- units; 'xtr' is Stars). Written by a trigger on transactions, as
-- users.spent_* is (0016), for any payment with or without a user: the
-- dashboard's revenue of a day is what was paid that day less what was
-- refunded that day, and reading it never sums a month of payments.
CREATE TABLE admin_revenue_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    transaction_id bigint NOT NULL REFERENCES transactions (id),
    currency       text NOT NULL,
    delta          bigint NOT NULL CHECK (delta <> 0)
);

CREATE INDEX admin_revenue_events_at_idx ON admin_revenue_events (at);

CREATE FUNCTION admin_revenue_follow_transactions() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    paid constant text[] := ARRAY['succeeded', 'refunded', 'partially_refunded', 'disputed'];
    before_net bigint := 0;
    after_net bigint := 0;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = ANY (paid) THEN
        before_net := OLD.amount - OLD.amount_refunded;
    END IF;
    IF NEW.status = ANY (paid) THEN
        after_net := NEW.amount - NEW.amount_refunded;
    END IF;
    IF after_net <> before_net THEN
        INSERT INTO admin_revenue_events (transaction_id, currency, delta)
        VALUES (NEW.id, lower(NEW.currency), after_net - before_net);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER transactions_follow_admin_revenue
    AFTER INSERT OR UPDATE OF status, amount, amount_refunded ON transactions
    FOR EACH ROW EXECUTE FUNCTION admin_revenue_follow_transactions();

-- Payments so far, once: each at the time it began, net of its refunds.
INSERT INTO admin_revenue_events (at, transaction_id, currency, delta)
SELECT created_at, id, lower(currency), amount - amount_refunded
FROM transactions
WHERE status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed') AND amount <> amount_refunded;

-- Hours that are over, counted once and kept: users who joined, who paid for
-- the first time and messages relayed to the operators (with a running
-- total, so "all time" or "since midnight" is one subtraction), and revenue
-- per currency. None of them changes once its hour is over: users are never
-- deleted, and created_at, first_paid_at, relayed_at and a revenue event's
-- time are written once, as now() of a transaction that began before the hour
-- ended. The dashboard adds the kept hours to a live count of the last one or
-- two (a few thousand rows) instead of counting a million users on every
-- screen, and nothing is added to signing up or relaying.
CREATE TABLE admin_hourly_counts (
    metric  text NOT NULL CHECK (metric IN ('users_joined', 'users_first_paid', 'messages_relayed')),
    hour    timestamptz NOT NULL,
    value   bigint NOT NULL CHECK (value >= 0),
    running bigint NOT NULL,
    PRIMARY KEY (metric, hour)
);

CREATE TABLE admin_hourly_revenue (
    hour     timestamptz NOT NULL,
    -- '' marks an hour closed without any payment.
    currency text NOT NULL,
    net      bigint NOT NULL,
    PRIMARY KEY (hour, currency)
);

-- Count and keep every hour that ended at least ten minutes ago (a job's
-- transaction lasts seconds) and is not kept yet: one index range per metric
-- from the last kept hour, an hour or so of rows except the first time. The
-- last closed hour is always kept, at zero when nothing happened in it, so
-- the next call resumes there. One caller at a time.
CREATE FUNCTION admin_close_hours() RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    closed_until constant timestamptz := date_trunc('hour', now() - interval '10 minutes');
    metric_name text;
    resume timestamptz;
    base bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('admin_close_hours'));
    FOREACH metric_name IN ARRAY ARRAY['users_joined', 'users_first_paid', 'messages_relayed'] LOOP
        resume := NULL;
        base := 0;
        SELECT c.hour + interval '1 hour', c.running INTO resume, base
        FROM admin_hourly_counts c WHERE c.metric = metric_name ORDER BY c.hour DESC LIMIT 1;
        resume := coalesce(resume, '-infinity');
        CONTINUE WHEN resume >= closed_until;
        INSERT INTO admin_hourly_counts (metric, hour, value, running)
        SELECT metric_name, h.hour, h.value, coalesce(base, 0) + sum(h.value) OVER (ORDER BY h.hour)
        FROM (
            SELECT e.hour, sum(e.value) AS value FROM (
                SELECT date_trunc('hour', created_at) AS hour, count(*) AS value FROM users
                WHERE metric_name = 'users_joined' AND created_at >= resume AND created_at < closed_until GROUP BY 1
                UNION ALL
                SELECT date_trunc('hour', first_paid_at), count(*) FROM users
                WHERE metric_name = 'users_first_paid' AND first_paid_at >= resume AND first_paid_at < closed_until
                GROUP BY 1
                UNION ALL
                SELECT date_trunc('hour', relayed_at), count(*) FROM messages
                WHERE metric_name = 'messages_relayed' AND direction = 'in' AND status = 'relayed'
                  AND relayed_at >= resume AND relayed_at < closed_until GROUP BY 1
                UNION ALL
                SELECT closed_until - interval '1 hour', 0
            ) AS e GROUP BY e.hour
        ) AS h;
    END LOOP;
    SELECT max(r.hour) + interval '1 hour' INTO resume FROM admin_hourly_revenue r;
    resume := coalesce(resume, '-infinity');
    IF resume < closed_until THEN
        INSERT INTO admin_hourly_revenue (hour, currency, net)
        SELECT date_trunc('hour', e.at), e.currency, sum(e.delta) FROM admin_revenue_events e
        WHERE e.at >= resume AND e.at < closed_until GROUP BY 1, 2
        UNION ALL
        SELECT closed_until - interval '1 hour', '', 0;
    END IF;
END;
$$;

SELECT admin_close_hours();

-- Figures no index can count quickly, counted at most every few minutes: users
-- active in the last 24 h and 7 days (every user's row changes when they are
-- seen, so an index-only scan of last_seen_at still reads most of the rows).
CREATE TABLE admin_figures (
    name       text PRIMARY KEY,
    value      bigint NOT NULL,
    counted_at timestamptz NOT NULL
);
