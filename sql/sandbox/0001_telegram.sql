-- formerly: 0003_sandbox.sql
-- The fake Telegram behind sandbox mode and the tests (core/sandbox/telegram).
-- It lives in Postgres, not in a process, so the web process, every worker and
-- the test code see one and the same Telegram. Ids are the Bot API's: a user's
-- private chat has the user's id, a supergroup is -100...

CREATE TABLE sandbox_chats (
    id              bigint PRIMARY KEY,
    type            text NOT NULL CHECK (type IN ('private', 'supergroup')),
    title           text,
    first_name      text,
    last_name       text,
    username        text,
    is_forum        boolean NOT NULL DEFAULT false,
    -- Message ids grow per chat; a send takes the next ones under the row lock.
    next_message_id integer NOT NULL DEFAULT 1 CHECK (next_message_id > 0),
    -- The user blocked the bot: sends fail with USER_IS_BLOCKED.
    blocked         boolean NOT NULL DEFAULT false,
    -- The user deleted their account: sends fail with INPUT_USER_DEACTIVATED.
    deactivated     boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((type = 'private') = (id > 0))
);

CREATE TABLE sandbox_topics (
    chat_id    bigint NOT NULL REFERENCES sandbox_chats (id),
    -- The id of the service message that created the topic, as in Telegram.
    topic_id   integer NOT NULL,
    name       text NOT NULL,
    icon_color integer NOT NULL DEFAULT 7322096,
    closed     boolean NOT NULL DEFAULT false,
    deleted    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, topic_id)
);

CREATE TABLE sandbox_messages (
    chat_id             bigint NOT NULL REFERENCES sandbox_chats (id),
    message_id          integer NOT NULL,
    thread_id           integer,
    from_bot            boolean NOT NULL,
    sender_id           bigint,
    kind                text NOT NULL CHECK (kind IN (
                            'text', 'photo', 'document', 'video', 'voice', 'audio',
                            'animation', 'sticker', 'video_note', 'invoice', 'contact',
                            'location', 'poll', 'service', 'other')),
    -- The text, or the caption of a media message.
    text                text,
    entities            jsonb,
    -- Bot API JSON ({"inline_keyboard": [...]}), as the product wrote it.
    reply_markup        jsonb,
    reply_to_message_id integer,
    media_group_id      text,
    -- Bot API JSON of what is not text: the media object, the invoice, the
    -- service action, where a forward came from.
    extra               jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    edited_at           timestamptz,
    PRIMARY KEY (chat_id, message_id)
);

CREATE INDEX sandbox_messages_thread_idx ON sandbox_messages (chat_id, thread_id, message_id);

-- Errors to inject: the next `remaining` matching calls fail with `error`
-- (a Telegram error id such as FLOOD_WAIT, USER_IS_BLOCKED, TOPIC_DELETED,
-- INTERNAL; `value` is its number, e.g. the seconds of a flood wait).
-- NULL chat_id or method matches any.
CREATE TABLE sandbox_faults (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id    bigint,
    method     text,
    error      text NOT NULL CHECK (error ~ '^[A-Z][A-Z0-9_]*$'),
    value      integer,
    remaining  integer NOT NULL DEFAULT 1 CHECK (remaining >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sandbox_faults_pending_idx ON sandbox_faults (id) WHERE remaining > 0;

-- Answers to callback and pre-checkout queries; Telegram takes one per query.
CREATE TABLE sandbox_query_answers (
    kind       text NOT NULL CHECK (kind IN ('callback_query', 'pre_checkout_query')),
    query_id   text NOT NULL,
    ok         boolean NOT NULL,
    text       text,
    show_alert boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, query_id)
);
