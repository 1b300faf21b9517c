-- The sandbox console (webhooks/console): people who write as Telegram
-- numbers them, the bot's command lists, files people attach, and a
-- notification for every change the console shows live.

-- A person's Telegram language, sent as from.language_code with what they write.
ALTER TABLE sandbox_chats ADD COLUMN language_code text;

-- Update ids of what the sandbox itself builds (the console, paid invoices):
-- increasing as Telegram's are, and far above any id a script picks by hand.
CREATE SEQUENCE sandbox_update_ids START WITH 1099511627776;

-- Ids of the users the console creates, clear of the bot's (7000000001) and the
-- owner's default (1000001).
CREATE SEQUENCE sandbox_user_ids START WITH 5100000001;

-- Which update brought each message id people used: a redelivery of that update
-- is welcome, another message under the same id is refused (409), as Telegram
-- never sends two messages with one id.
CREATE TABLE sandbox_message_claims (
    chat_id    bigint NOT NULL,
    message_id integer NOT NULL,
    update_id  bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, message_id)
);

-- The command lists the bot registered (setMyCommands), per scope and language
-- ('' = every language without a list of its own), as Telegram keeps them.
CREATE TABLE sandbox_bot_commands (
    scope         jsonb NOT NULL,
    language_code text NOT NULL,
    commands      jsonb NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, language_code)
);

-- Photos and documents people attached in the console, so the page can show them.
CREATE TABLE sandbox_files (
    file_unique_id text PRIMARY KEY,
    mime_type      text NOT NULL,
    file_name      text,
    content        bytea NOT NULL CHECK (octet_length(content) <= 10485760),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Claim message_id in chat_id for update_id, the update that delivers it;
-- returns the update that owns the id now: update_id itself, another update,
-- or NULL when another message has it (the bot's, or someone else's). A
-- message the stand-in Telegram holds already (a service message it posted)
-- is the same message when its sender, kind and text are the update's: the
-- update delivers it. The chat's row lock orders this after any send in
-- progress, and every statement of a function sees what committed before it,
-- so a message the bot just took the id for is seen.
CREATE FUNCTION sandbox_claim_message(
    p_chat bigint, p_message integer, p_update bigint, p_sender bigint, p_kind text, p_text text
) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
    held sandbox_messages%ROWTYPE;
BEGIN
    PERFORM 1 FROM sandbox_chats WHERE id = p_chat FOR UPDATE;
    SELECT update_id INTO owner FROM sandbox_message_claims
    WHERE chat_id = p_chat AND message_id = p_message;
    IF FOUND THEN
        RETURN owner;
    END IF;
    SELECT * INTO held FROM sandbox_messages WHERE chat_id = p_chat AND message_id = p_message;
    IF FOUND AND (held.from_bot OR held.sender_id IS DISTINCT FROM p_sender OR held.kind <> p_kind
                  OR held.text IS DISTINCT FROM p_text) THEN
        RETURN NULL;
    END IF;
    INSERT INTO sandbox_message_claims (chat_id, message_id, update_id)
    VALUES (p_chat, p_message, p_update)
    ON CONFLICT (chat_id, message_id) DO NOTHING;
    IF NOT FOUND THEN
        -- Claimed between our look and our insert (the chat row did not exist to lock).
        SELECT update_id INTO owner FROM sandbox_message_claims
        WHERE chat_id = p_chat AND message_id = p_message;
        RETURN owner;
    END IF;
    -- The bot's next message takes an id after this one, as Telegram numbers a chat.
    UPDATE sandbox_chats SET next_message_id = greatest(next_message_id, p_message + 1) WHERE id = p_chat;
    RETURN p_update;
END;
$$;

-- The console listens on this channel; payloads name what changed, the
-- console reads it (a NOTIFY carries at most 8000 bytes).
CREATE FUNCTION sandbox_console_message_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    m sandbox_messages%ROWTYPE;
BEGIN
    m := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    PERFORM pg_notify('sandbox_console', json_build_object(
        'kind', 'message', 'op', lower(TG_OP), 'chat_id', m.chat_id, 'message_id', m.message_id,
        'thread_id', m.thread_id)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER sandbox_console_message
    AFTER INSERT OR UPDATE OR DELETE ON sandbox_messages
    FOR EACH ROW EXECUTE FUNCTION sandbox_console_message_changed();

CREATE FUNCTION sandbox_console_chat_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sandbox_console', json_build_object(
        'kind', TG_ARGV[0], 'chat_id', NEW.chat_id)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER sandbox_console_topic
    AFTER INSERT OR UPDATE ON sandbox_topics
    FOR EACH ROW EXECUTE FUNCTION sandbox_console_chat_changed('topic');

-- sandbox_chats changes on every send (its next message id): only what the
-- chat list shows is worth a notification.
CREATE FUNCTION sandbox_console_chat_row_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sandbox_console', json_build_object('kind', 'chat', 'chat_id', NEW.id)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER sandbox_console_chat_new
    AFTER INSERT ON sandbox_chats
    FOR EACH ROW EXECUTE FUNCTION sandbox_console_chat_row_changed();

CREATE TRIGGER sandbox_console_chat_shown
    AFTER UPDATE ON sandbox_chats
    FOR EACH ROW
    WHEN ((OLD.title, OLD.first_name, OLD.last_name, OLD.username, OLD.is_forum, OLD.blocked,
           OLD.deactivated, OLD.migrated_to, OLD.language_code)
          IS DISTINCT FROM
          (NEW.title, NEW.first_name, NEW.last_name, NEW.username, NEW.is_forum, NEW.blocked,
           NEW.deactivated, NEW.migrated_to, NEW.language_code))
    EXECUTE FUNCTION sandbox_console_chat_row_changed();

CREATE FUNCTION sandbox_console_answered() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sandbox_console', json_build_object(
        'kind', 'answer', 'query_kind', NEW.kind, 'query_id', NEW.query_id)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER sandbox_console_answer
    AFTER INSERT ON sandbox_query_answers
    FOR EACH ROW EXECUTE FUNCTION sandbox_console_answered();
