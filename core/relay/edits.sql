-- name: edits_message_in_by_user_message
SELECT id, status, kind, admin_chat_id, admin_message_id, conversation_id FROM messages
WHERE user_id = $1 AND user_message_id = $2 AND direction = 'in';

-- name: edits_message_out_by_admin_message
SELECT m.id, m.status, m.kind, m.user_message_id, u.telegram_id FROM messages m
JOIN users u ON u.id = m.user_id
WHERE m.admin_chat_id = $1 AND m.admin_message_id = $2 AND m.direction = 'out';
