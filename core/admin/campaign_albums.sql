-- name: campaign_albums_record
-- An album item as it arrives (a redelivered update changes nothing).
INSERT INTO campaign_album_items (chat_id, message_id, media_group_id, kind)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: campaign_albums_items
-- The album's items in their order (Telegram numbers them in the order sent), at
-- most $3: one more than an album may hold tells that it is over the limit.
SELECT message_id, kind FROM campaign_album_items
WHERE chat_id = $1 AND media_group_id = $2
ORDER BY message_id
LIMIT $3;
