-- Chats Telegram gave a new id. A basic group upgraded to a supergroup (which
-- Telegram does when an admin turns on Topics) keeps its members and history
-- under a new -100... id, and every send to the old id fails from then on.
-- core/chat_migrations.py records the move and points what used the old id
-- at the new one. Chains are stored flattened: new_chat_id is always the
-- chat's latest id.
CREATE TABLE chat_migrations (
    old_chat_id bigint PRIMARY KEY,
    new_chat_id bigint NOT NULL CHECK (new_chat_id <> old_chat_id),
    migrated_at timestamptz NOT NULL DEFAULT now()
);
