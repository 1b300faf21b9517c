-- The fake Telegram models basic groups too, and their upgrade: a migrated
-- group refuses sends and names the supergroup it became.
--
-- Safe to run twice, and it may have to be: a database migrated before the
-- sandbox left the production migrations got this with 0013_chat_migrations.sql,
-- a name the production migrations still use, so no record tells the two apart.
ALTER TABLE sandbox_chats DROP CONSTRAINT sandbox_chats_type_check;
ALTER TABLE sandbox_chats
    ADD CONSTRAINT sandbox_chats_type_check CHECK (type IN ('private', 'group', 'supergroup')),
    ADD COLUMN IF NOT EXISTS migrated_to bigint;
