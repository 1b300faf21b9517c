-- The paid relay: every message between a user and the operators, and where it went.

ALTER TABLE users
    ADD COLUMN start_payload text,
    ADD COLUMN referred_by bigint;

CREATE TABLE messages (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users (id),
    conversation_id  bigint REFERENCES conversations (id),
    -- in: user to operators; out: operator to user; note: operator-only.
    direction        text NOT NULL CHECK (direction IN ('in', 'out', 'note')),
    status           text NOT NULL CHECK (status IN ('held', 'queued', 'relayed', 'failed', 'refused')),
    update_id        bigint,
    -- The message in the user's private chat (sent by the user, or our copy to them).
    user_message_id  integer,
    admin_chat_id    bigint,
    -- The message in the admin group (our copy in the topic, or the operator's original).
    admin_message_id integer,
    media_group_id   text,
    kind             text NOT NULL,
    text             text,
    credits_charged  integer NOT NULL DEFAULT 0 CHECK (credits_charged >= 0),
    operator_id      bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    relayed_at       timestamptz,
    edited_at        timestamptz
);

CREATE UNIQUE INDEX messages_in_unique_idx ON messages (user_id, user_message_id) WHERE direction = 'in';
CREATE UNIQUE INDEX messages_admin_unique_idx ON messages (admin_chat_id, admin_message_id)
    WHERE admin_message_id IS NOT NULL;
CREATE INDEX messages_held_idx ON messages (user_id, id) WHERE status = 'held';
CREATE INDEX messages_user_idx ON messages (user_id, id DESC);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id DESC);
CREATE INDEX messages_created_at_idx ON messages (created_at);
CREATE INDEX messages_text_search_idx ON messages USING gin (to_tsvector('simple', coalesce(text, '')));

CREATE UNIQUE INDEX conversations_one_per_user_idx ON conversations (user_id, admin_chat_id);
CREATE INDEX conversations_waiting_idx ON conversations (last_user_message_at)
    WHERE status = 'waiting_operator';

INSERT INTO bot_settings (key, value) VALUES
    ('low_balance_buttons', 'true')
ON CONFLICT DO NOTHING;
