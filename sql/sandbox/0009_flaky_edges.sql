-- Flaky edges of the stand-ins (issue 18): a share of the fake Telegram's calls
-- fails for a while, and the fake Stripe answers 500 or drops requests for a
-- while. Set at run time (TelegramModel.make_flaky, FakeStripe.set_outage);
-- only the sandbox has these tables.

-- While `until` is ahead, each matching call fails with `error` at chance
-- `share` (a Telegram error id: INTERNAL, FLOOD_WAIT with `value` seconds,
-- USER_IS_BLOCKED, TOPIC_ID_INVALID, PEER_ID_INVALID; or TIMEOUT: the request
-- is lost after `delay_ms`, nothing done). `hits` counts the calls it failed.
CREATE TABLE sandbox_flaky_calls (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id    bigint,
    method     text,
    error      text NOT NULL CHECK (error ~ '^[A-Z][A-Z0-9_]*$'),
    value      integer,
    share      double precision NOT NULL CHECK (share > 0 AND share <= 1),
    delay_ms   integer NOT NULL DEFAULT 0 CHECK (delay_ms BETWEEN 0 AND 60000),
    until      timestamptz NOT NULL,
    hits       integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sandbox_flaky_calls_until_idx ON sandbox_flaky_calls (until);

-- The fake Stripe's API is down until `outage_until`: 'error' answers 500
-- (Stripe's api_error), 'timeout' holds each request `outage_hold_ms` and then
-- drops the connection unanswered. `outage_hits` counts the requests refused.
ALTER TABLE fake_stripe_settings
    ADD COLUMN outage_until   timestamptz,
    ADD COLUMN outage_mode    text NOT NULL DEFAULT 'error' CHECK (outage_mode IN ('error', 'timeout')),
    ADD COLUMN outage_hold_ms integer NOT NULL DEFAULT 0 CHECK (outage_hold_ms BETWEEN 0 AND 60000),
    ADD COLUMN outage_hits    integer NOT NULL DEFAULT 0;
