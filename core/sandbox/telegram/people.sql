-- name: people_lock_usernames
-- Held until commit: two people asking for one username are taken in turn.
SELECT pg_advisory_xact_lock(hashtext('sandbox_usernames'));

-- name: people_username_taken
SELECT EXISTS (SELECT 1 FROM sandbox_chats WHERE lower(username) = lower($1) AND type = 'private');

-- name: people_insert_user
-- Nothing when a script has used the id already: the caller takes the next one.
INSERT INTO sandbox_chats (id, type, first_name, last_name, username, language_code)
VALUES (nextval('sandbox_user_ids'), 'private', $1, $2, $3, $4)
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: people_language
SELECT language_code FROM sandbox_chats WHERE id = $1;

-- name: people_next_update_id
SELECT nextval('sandbox_update_ids');

-- name: people_insert_claim
INSERT INTO sandbox_message_claims (chat_id, message_id, update_id) VALUES ($1, $2, $3);

-- name: people_claim
SELECT sandbox_claim_message($1, $2, $3, $4, $5, $6);

-- name: people_author
SELECT from_bot, sender_id FROM sandbox_messages WHERE chat_id = $1 AND message_id = $2;

-- name: people_store_file
INSERT INTO sandbox_files (file_unique_id, mime_type, file_name, content) VALUES ($1, $2, $3, $4)
ON CONFLICT (file_unique_id) DO NOTHING;

-- name: people_file
SELECT mime_type, file_name, content FROM sandbox_files WHERE file_unique_id = $1;
