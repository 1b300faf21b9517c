-- formerly: 0007_sandbox_limits.sql
-- Telegram's sending limits in the fake Telegram (core/sandbox/telegram/limits.py).
-- Kept in Postgres like the rest of the fake, so every process sending through
-- it is limited together, as one bot is by Telegram.
--
-- A sliding window "at most N in W seconds" admits message n when message
-- n - N went out W seconds ago: messages are numbered per window, and the
-- rows below say when each numbered message went, so a check is one index
-- lookup however large N is. A call creating k messages is one row covering
-- k numbers. A number without a row (pruned, or given back by a send that
-- failed) counts as long gone. Rows older than the longest window decide
-- nothing and may be deleted (sandbox_prune_*).

-- Per chat, changed under the row lock every send already holds on its chat:
-- `sends` numbers the bot's messages the limits let through (a supergroup's
-- window looks them up), `bucket_full_at` is when the chat's token bucket is
-- full again (NULL: full).
ALTER TABLE sandbox_chats
    ADD COLUMN sends          bigint NOT NULL DEFAULT 0,
    ADD COLUMN bucket_full_at timestamptz;

CREATE TABLE sandbox_chat_sends (
    chat_id  bigint NOT NULL,
    chat_seq bigint NOT NULL,  -- the call's last message number in the chat
    messages integer NOT NULL CHECK (messages > 0),
    paid     boolean NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (chat_id, chat_seq)
);

-- Rows arrive in time order: BRIN finds the old ones to prune for almost
-- nothing per insert.
CREATE INDEX sandbox_chat_sends_at_idx ON sandbox_chat_sends USING brin (at);

-- The two overall allowances: ~30 messages/s, and paid broadcasts
-- (allow_paid_floodskip) up to 1000/s. The row lock orders a lane's sends.
CREATE TABLE sandbox_send_lanes (
    lane  text PRIMARY KEY CHECK (lane IN ('normal', 'paid')),
    sends bigint NOT NULL DEFAULT 0
);

INSERT INTO sandbox_send_lanes (lane) VALUES ('normal'), ('paid');

CREATE TABLE sandbox_lane_sends (
    lane     text NOT NULL,
    lane_seq bigint NOT NULL,  -- the call's last message number in the lane
    messages integer NOT NULL CHECK (messages > 0),
    at       timestamptz NOT NULL,
    PRIMARY KEY (lane, lane_seq)
);

CREATE INDEX sandbox_lane_sends_at_idx ON sandbox_lane_sends USING brin (at);

-- Calls refused with FLOOD_WAIT by the limits, for tests and the sandbox to see.
CREATE TABLE sandbox_flood_waits (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id  bigint NOT NULL,
    messages integer NOT NULL,
    paid     boolean NOT NULL,
    seconds  integer NOT NULL CHECK (seconds > 0),
    at       timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX sandbox_flood_waits_at_idx ON sandbox_flood_waits USING brin (at);

-- Seconds until `p_count` more messages may go to the chat (<= 0: now): its
-- token bucket (p_chat_burst at once, then one per p_chat_interval seconds),
-- and a supergroup's window. A call larger than the burst or the window
-- needs a full bucket or an empty window, rather than never going through.
CREATE FUNCTION sandbox_chat_wait(
    p_chat_id bigint,
    p_count integer,
    p_now timestamptz,
    p_chat_interval double precision,
    p_chat_burst integer,
    p_group_limit integer,
    p_group_window double precision
) RETURNS double precision
    LANGUAGE plpgsql AS $$
DECLARE
    v_chat record;
    v_wait double precision;
    v_need bigint;
    v_at timestamptz;
    v_first bigint;
BEGIN
    SELECT c.type, c.sends, c.bucket_full_at INTO v_chat FROM sandbox_chats c WHERE c.id = p_chat_id;
    IF NOT FOUND THEN
        RETURN 0;  -- the send itself is refused (PEER_ID_INVALID)
    END IF;
    v_wait := extract(epoch FROM greatest(v_chat.bucket_full_at, p_now) - p_now)
        - (p_chat_burst - least(p_count, p_chat_burst)) * p_chat_interval;
    IF v_chat.type = 'supergroup' THEN
        v_need := v_chat.sends + least(p_count, p_group_limit) - p_group_limit;
        IF v_need > 0 THEN
            SELECT s.at, s.chat_seq - s.messages + 1 INTO v_at, v_first FROM sandbox_chat_sends s
            WHERE s.chat_id = p_chat_id AND s.chat_seq >= v_need ORDER BY s.chat_seq LIMIT 1;
            IF FOUND AND v_first <= v_need THEN
                v_wait := greatest(v_wait, extract(epoch FROM v_at - p_now) + p_group_window);
            END IF;
        END IF;
    END IF;
    RETURN v_wait;
END;
$$;

-- First step of a send, in a statement of its own: a place in the lane, or a
-- refusal (recorded). The lane's row lock is held only while this runs, never
-- across a round trip to the client, and the fake's bookkeeping is not worth
-- a synchronous WAL flush. The chat's limits are looked at first, without
-- their lock, so a send its chat will refuse takes no place in the lane.
-- Returns flood_wait 0 and the ticket (lane_seq) to give back if the send
-- fails, or the whole seconds to wait.
CREATE FUNCTION sandbox_take_lane(
    p_chat_id bigint,
    p_count integer,
    p_paid boolean,
    p_lane_limit integer,
    p_lane_window double precision,
    p_chat_interval double precision,
    p_chat_burst integer,
    p_group_limit integer,
    p_group_window double precision,
    OUT flood_wait integer,
    OUT ticket bigint
) LANGUAGE plpgsql AS $$
DECLARE
    v_lane text := CASE WHEN p_paid THEN 'paid' ELSE 'normal' END;
    v_sends bigint;
    v_now timestamptz;
    v_wait double precision;
    v_need bigint;
    v_at timestamptz;
    v_first bigint;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    v_wait := sandbox_chat_wait(p_chat_id, p_count, clock_timestamp(), p_chat_interval,
                                p_chat_burst, p_group_limit, p_group_window);
    IF v_wait <= 0.000001 THEN
        SELECT l.sends INTO STRICT v_sends FROM sandbox_send_lanes l WHERE l.lane = v_lane FOR UPDATE;
        v_now := clock_timestamp();
        v_need := v_sends + least(p_count, p_lane_limit) - p_lane_limit;
        IF v_need > 0 THEN
            SELECT s.at, s.lane_seq - s.messages + 1 INTO v_at, v_first FROM sandbox_lane_sends s
            WHERE s.lane = v_lane AND s.lane_seq >= v_need ORDER BY s.lane_seq LIMIT 1;
            IF FOUND AND v_first <= v_need THEN
                v_wait := extract(epoch FROM v_at - v_now) + p_lane_window;
            END IF;
        END IF;
    END IF;
    -- Timestamps have microseconds: a wait below one is a send exactly on time.
    IF v_wait > 0.000001 THEN
        flood_wait := greatest(1, ceil(v_wait));
        INSERT INTO sandbox_flood_waits (chat_id, messages, paid, seconds)
        VALUES (p_chat_id, p_count, p_paid, flood_wait);
        RETURN;
    END IF;
    UPDATE sandbox_send_lanes SET sends = sends + p_count WHERE lane = v_lane;
    INSERT INTO sandbox_lane_sends (lane, lane_seq, messages, at)
    VALUES (v_lane, v_sends + p_count, p_count, v_now);
    flood_wait := 0;
    ticket := v_sends + p_count;
END;
$$;

-- Last step of a send, in its transaction, which holds the chat's row lock:
-- the chat's limits, now exactly. Returns 0 when the messages are counted,
-- else the seconds to wait (the caller rolls back and gives the ticket back).
CREATE FUNCTION sandbox_take_chat_send(
    p_chat_id bigint,
    p_count integer,
    p_paid boolean,
    p_chat_interval double precision,
    p_chat_burst integer,
    p_group_limit integer,
    p_group_window double precision
) RETURNS double precision
    LANGUAGE plpgsql AS $$
DECLARE
    v_now timestamptz := clock_timestamp();
    v_wait double precision;
    v_sends bigint;
BEGIN
    v_wait := sandbox_chat_wait(p_chat_id, p_count, v_now, p_chat_interval, p_chat_burst,
                                p_group_limit, p_group_window);
    IF v_wait > 0.000001 THEN
        RETURN v_wait;
    END IF;
    UPDATE sandbox_chats
    SET sends = sends + p_count,
        bucket_full_at = greatest(bucket_full_at, v_now) + make_interval(secs => p_count * p_chat_interval)
    WHERE id = p_chat_id
    RETURNING sends INTO STRICT v_sends;
    INSERT INTO sandbox_chat_sends (chat_id, chat_seq, messages, paid, at)
    VALUES (p_chat_id, v_sends, p_count, p_paid, v_now);
    RETURN 0;
END;
$$;
