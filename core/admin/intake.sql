-- name: intake_topic_user
SELECT user_id FROM conversations WHERE admin_chat_id = $1 AND topic_id = $2;
