-- Abuse guards of the relay (core.relay.guard): a user's message rate, counted in
-- a fixed window, and whether they were told of a refusal already, so a flood
-- is answered with one notice rather than one per message. One row per user who
-- wrote; nothing else reads it.
CREATE TABLE user_guard (
    user_id            bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    window_start       timestamptz NOT NULL,
    window_count       integer NOT NULL CHECK (window_count >= 0),
    -- Told "too fast" in the current window.
    rate_notified      boolean NOT NULL DEFAULT false,
    -- Told "too many messages waiting" since a message was last held.
    held_full_notified boolean NOT NULL DEFAULT false
);
