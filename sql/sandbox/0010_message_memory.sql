-- What the stand-in Telegram remembers ages from when it learnt it, not from
-- the message's own date. An incoming message is stored with the date its
-- update gives (a forward's, an import's, a test's fixed one), and the prune
-- (RETENTION_SANDBOX_DAYS) forgot such a message the first time it ran after
-- it was recorded: a broadcast still copying it then failed for everyone left
-- with MESSAGE_ID_INVALID. Telegram itself forgets nothing; the prune only
-- bounds the sandbox's tables. Existing rows count from this migration.
ALTER TABLE sandbox_messages ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();

-- Rows come in recording order: a block range index serves the prune.
CREATE INDEX sandbox_messages_recorded_idx ON sandbox_messages USING brin (recorded_at);
