-- The random ids the fake Telegram has seen sent with a message (core/sandbox/telegram):
-- Telegram answers RANDOM_ID_DUPLICATE to a send that repeats one, instead of sending
-- it twice. Recorded in the transaction that stores the message.
CREATE TABLE sandbox_random_ids (
    random_id bigint PRIMARY KEY,
    chat_id   bigint NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
