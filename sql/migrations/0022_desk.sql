-- The operator desk (core/desk): conversations as tickets with assignees,
-- priority, response times and an SLA; the topic's status in its title and
-- its live customer card; quick replies; analytics with charts and exports.
-- And what the delivery needs for the desk's writes into the admin group:
-- rows that supersede older pending ones (coalesced), and rows that use only
-- the budget a customer's message would not need.

-- A row recorded with a coalesce key supersedes the pending rows with the same
-- key: only the latest state of a topic's title or a card is sent.
ALTER TABLE outbox ADD COLUMN coalesce_key text;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'superseded'));
CREATE INDEX outbox_coalesce_idx ON outbox (coalesce_key)
    WHERE status = 'pending' AND coalesce_key IS NOT NULL;

-- reserve_send_slots with a reserve per call: a call with p_keeps[i] > 0 is
-- granted only at once and only if its chat's bucket keeps that many tokens
-- after it (background rows: the group's bucket must be full). A refused call
-- of that kind takes nothing from the calls after it, so a batch's customer
-- messages are never pushed back by a background row that could not go.
DROP FUNCTION reserve_send_slots(text[], double precision[], double precision[], integer[], double precision);

CREATE FUNCTION reserve_send_slots(
    p_keys text[], p_rates double precision[], p_bursts double precision[], p_counts integer[],
    p_horizon double precision, p_keeps double precision[]
)
    RETURNS double precision[]
    LANGUAGE plpgsql AS $$
DECLARE
    now_ts timestamptz := clock_timestamp();
    n integer := coalesce(array_length(p_counts, 1), 0);
    bal jsonb := '{}';       -- tokens after the reservations made
    queued jsonb := '{}';    -- tokens after the refused calls too
    blocked jsonb := '{}';
    refused_chats text[] := '{}';
    result double precision[] := '{}';
    b record;
    i integer;
    j integer;
    k text;
    chat text;
    wait double precision;
    available double precision;
    need double precision;
    keep double precision;
BEGIN
    INSERT INTO send_budgets AS s (key, rate, burst, tokens, updated_at)
    SELECT DISTINCT ON (x.bk) x.bk, x.br, x.bb, x.bb, now_ts
    FROM unnest(p_keys, p_rates, p_bursts) AS x(bk, br, bb)
    ORDER BY x.bk
    ON CONFLICT (key) DO UPDATE SET rate = EXCLUDED.rate, burst = EXCLUDED.burst
        WHERE s.rate <> EXCLUDED.rate OR s.burst <> EXCLUDED.burst;

    FOR b IN SELECT * FROM send_budgets WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE LOOP
        bal := bal || jsonb_build_object(
            b.key, least(b.burst, b.tokens + b.rate * extract(epoch FROM now_ts - b.updated_at)));
        IF b.blocked_until IS NOT NULL AND b.blocked_until > now_ts THEN
            blocked := blocked || jsonb_build_object(b.key, extract(epoch FROM b.blocked_until - now_ts));
        END IF;
    END LOOP;
    queued := bal;

    FOR i IN 1..n LOOP
        chat := p_keys[2 * i];
        keep := coalesce(p_keeps[i], 0);
        wait := 0;
        FOR j IN (2 * i - 1)..(2 * i) LOOP
            k := p_keys[j];
            IF blocked ? k THEN
                wait := greatest(wait, (blocked ->> k)::double precision);
            END IF;
            available := (queued ->> k)::double precision;
            need := least(p_counts[i], p_bursts[j]);
            IF j = 2 * i AND keep > 0 THEN
                -- Only spare budget: what is left after it must still be the reserve.
                need := p_counts[i] + keep;
            END IF;
            IF available < need THEN
                wait := greatest(wait, (need - available) / p_rates[j]);
            END IF;
        END LOOP;
        IF keep > 0 AND (wait > 0 OR chat = ANY (refused_chats)) THEN
            -- Not now: nothing reserved, nothing queued ahead of the calls after it.
            result := result || (-greatest(wait, 0.001));
            CONTINUE;
        END IF;
        FOR j IN (2 * i - 1)..(2 * i) LOOP
            k := p_keys[j];
            queued := jsonb_set(queued, ARRAY[k], to_jsonb((queued ->> k)::double precision - p_counts[i]));
        END LOOP;
        IF chat = ANY (refused_chats) OR wait > p_horizon THEN
            refused_chats := refused_chats || chat;
            result := result || (-greatest(wait, 0.001));
        ELSE
            FOR j IN (2 * i - 1)..(2 * i) LOOP
                k := p_keys[j];
                bal := jsonb_set(bal, ARRAY[k], to_jsonb((bal ->> k)::double precision - p_counts[i]));
            END LOOP;
            result := result || wait;
        END IF;
    END LOOP;

    UPDATE send_budgets AS s
    SET tokens = (bal ->> s.key)::double precision, updated_at = now_ts
    WHERE s.key = ANY (p_keys);
    RETURN result;
END;
$$;

-- Conversations as tickets. The relay keeps a conversation per user and
-- admin group; the desk adds who handles it, whether it goes first, since
-- when the user waits (their oldest message no operator answered), the SLA
-- alert of that wait, the live card's message and the title last given to
-- the topic.
ALTER TABLE conversations
    ADD COLUMN assignee_id      bigint,
    ADD COLUMN high_priority    boolean NOT NULL DEFAULT false,
    ADD COLUMN waiting_since    timestamptz,
    ADD COLUMN sla_alerted_at   timestamptz,
    ADD COLUMN card_message_id  integer,
    ADD COLUMN topic_title_sent text,
    -- Something the topic's title or the live card shows changed: the desk's
    -- sweep sends the latest state (coalesced, on spare budget) and clears it.
    ADD COLUMN status_dirty     boolean NOT NULL DEFAULT false,
    ADD COLUMN card_dirty       boolean NOT NULL DEFAULT false;

CREATE INDEX conversations_status_dirty_idx ON conversations (id) WHERE status_dirty;
CREATE INDEX conversations_card_dirty_idx ON conversations (id) WHERE card_dirty;
-- The SLA check reads the conversations waiting longest and not alerted yet.
CREATE INDEX conversations_sla_idx ON conversations (waiting_since)
    WHERE waiting_since IS NOT NULL AND sla_alerted_at IS NULL;

-- The list sorts by wait (high priority first) and filters on these.
CREATE INDEX conversations_waiting_since_idx ON conversations (high_priority DESC, waiting_since)
    WHERE waiting_since IS NOT NULL;
CREATE INDEX conversations_assignee_idx ON conversations (assignee_id, waiting_since)
    WHERE assignee_id IS NOT NULL;
CREATE INDEX conversations_closed_at_idx ON conversations (closed_at) WHERE closed_at IS NOT NULL;

-- A ticket: from a user's message to an idle (new or closed) conversation until
-- operators close it. First response and resolution times are read from here.
CREATE TABLE desk_tickets (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id   bigint NOT NULL REFERENCES conversations (id),
    user_id           bigint NOT NULL REFERENCES users (id),
    opened_at         timestamptz NOT NULL DEFAULT now(),
    first_response_at timestamptz,
    first_response_by bigint,
    closed_at         timestamptz,
    closed_by         bigint
);

-- One open ticket per conversation.
CREATE UNIQUE INDEX desk_tickets_open_idx ON desk_tickets (conversation_id) WHERE closed_at IS NULL;
CREATE INDEX desk_tickets_opened_idx ON desk_tickets (opened_at);
CREATE INDEX desk_tickets_conversation_idx ON desk_tickets (conversation_id, id DESC);

-- Quick replies: a short name operators type (!refund), a category, a text
-- with its entities, optionally a photo or document (Telegram's file id).
CREATE TABLE quick_replies (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_]{1,32}$'),
    category    text NOT NULL DEFAULT 'general' CHECK (category ~ '^[a-z0-9_]{1,24}$'),
    text        text NOT NULL DEFAULT '',
    entities    jsonb NOT NULL DEFAULT '[]'::jsonb,
    media_kind  text CHECK (media_kind IN ('photo', 'document')),
    media_file_id text,
    created_by  bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  bigint,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((media_kind IS NULL) = (media_file_id IS NULL)),
    CHECK (text <> '' OR media_kind IS NOT NULL)
);

CREATE INDEX quick_replies_category_idx ON quick_replies (category, name);

-- How often each operator sent each reply (kept when the reply is deleted: the
-- row goes with it).
CREATE TABLE quick_reply_usage (
    reply_id     bigint NOT NULL REFERENCES quick_replies (id) ON DELETE CASCADE,
    operator_id  bigint NOT NULL,
    uses         integer NOT NULL DEFAULT 0,
    last_used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reply_id, operator_id)
);

-- A chart or export the admin worker made, kept until sent (in parts of up to
-- 512 KiB, so an export of a million rows is written and sent in constant
-- memory). Pruned a day after they were made.
CREATE TABLE desk_files (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('photo', 'document')),
    file_name  text NOT NULL,
    size       bigint NOT NULL DEFAULT 0,
    rows       bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE desk_file_parts (
    file_id bigint NOT NULL REFERENCES desk_files (id) ON DELETE CASCADE,
    seq     integer NOT NULL,
    data    bytea NOT NULL,
    PRIMARY KEY (file_id, seq)
);

CREATE INDEX desk_files_created_idx ON desk_files (created_at);

-- Users who wrote to the operators, per past (complete) UTC day: counted once,
-- the first time a chart asks, so a 90-day chart reads 90 rows, not millions of
-- messages. Today is counted live.
CREATE TABLE desk_daily (
    day          date PRIMARY KEY,
    active_users integer NOT NULL,
    rolled_at    timestamptz NOT NULL DEFAULT now()
);

-- First response p50/p90 (minutes) of the tickets opened each day, kept once
-- the day is a week old (core.desk.analytics.RESPONSE_LIVE_DAYS).
CREATE TABLE desk_daily_response (
    day       date PRIMARY KEY,
    p50       float8,
    p90       float8,
    rolled_at timestamptz NOT NULL DEFAULT now()
);

-- Notes (// in a topic) listed on the card, newest first.
CREATE INDEX messages_notes_idx ON messages (user_id, id DESC) WHERE direction = 'note';

-- Replies thread both ways: the message of the same chat a message answered
-- (a user's reply: their chat's id; an operator's: the topic's).
ALTER TABLE messages ADD COLUMN reply_to_message_id integer;

-- Tickets and the wait follow the relay's own bookkeeping of a conversation:
-- its first unread message opens a ticket and starts the wait, an operator's
-- reply ends the wait (and answers the ticket the first time), closing the
-- conversation closes its ticket. A trigger, so the relay stays as it is and
-- no path that writes a conversation can forget it.
CREATE FUNCTION desk_follow_conversation() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- Once per wait, not per message: a ticket stays open across answered waits.
    IF NEW.unread_count > OLD.unread_count AND OLD.waiting_since IS NULL THEN
        NEW.waiting_since := now();
        INSERT INTO desk_tickets (conversation_id, user_id) VALUES (NEW.id, NEW.user_id)
        ON CONFLICT (conversation_id) WHERE closed_at IS NULL DO NOTHING;
    END IF;
    IF NEW.last_operator_message_at IS DISTINCT FROM OLD.last_operator_message_at THEN
        NEW.waiting_since := NULL;
        NEW.sla_alerted_at := NULL;
        UPDATE desk_tickets SET first_response_at = coalesce(first_response_at, now())
        WHERE conversation_id = NEW.id AND closed_at IS NULL;
    END IF;
    IF NEW.status = 'closed' AND OLD.status <> 'closed' THEN
        NEW.waiting_since := NULL;
        UPDATE desk_tickets SET closed_at = now() WHERE conversation_id = NEW.id AND closed_at IS NULL;
    END IF;
    IF (NEW.waiting_since IS NULL) <> (OLD.waiting_since IS NULL) OR NEW.status <> OLD.status
       OR NEW.topic_id IS DISTINCT FROM OLD.topic_id THEN
        NEW.status_dirty := NEW.topic_id IS NOT NULL;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER desk_follow_conversation BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION desk_follow_conversation();

-- Who answered a ticket first: the operator of the first reply after it opened.
CREATE FUNCTION desk_follow_reply() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE desk_tickets SET first_response_by = NEW.operator_id
    WHERE conversation_id = NEW.conversation_id AND closed_at IS NULL AND first_response_by IS NULL;
    RETURN NULL;
END;
$$;

CREATE TRIGGER desk_follow_reply AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.direction = 'out' AND NEW.status IN ('queued', 'relayed'))
    EXECUTE FUNCTION desk_follow_reply();

-- The card posted when the topic was created is edited when something material
-- changes: the tier, the pass, a ban, a payment (what the user spent).
CREATE FUNCTION desk_follow_user() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations SET card_dirty = true
    WHERE user_id = NEW.id AND card_message_id IS NOT NULL AND NOT card_dirty;
    RETURN NULL;
END;
$$;

CREATE TRIGGER desk_follow_user AFTER UPDATE ON users
    FOR EACH ROW WHEN (NEW.tier IS DISTINCT FROM OLD.tier
                       OR NEW.pass_expires_at IS DISTINCT FROM OLD.pass_expires_at
                       OR NEW.is_banned IS DISTINCT FROM OLD.is_banned
                       OR NEW.spent_card_minor IS DISTINCT FROM OLD.spent_card_minor
                       OR NEW.spent_stars IS DISTINCT FROM OLD.spent_stars)
    EXECUTE FUNCTION desk_follow_user();
