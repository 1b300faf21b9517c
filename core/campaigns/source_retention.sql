-- name: source_retention_albums
-- Album items are looked up when an operator answers an album with /broadcast;
-- a campaign keeps the ids it copies, so old items serve nothing.
DELETE FROM campaign_album_items WHERE created_at < now() - make_interval(secs => $1);

-- name: source_retention_list
-- The oldest uploaded id list past its age that no unfinished campaign reads (a
-- draft, scheduled or paused one may still select from it); its users go with it,
-- in the same statement (the foreign key is checked at its end).
WITH old AS (
    SELECT l.id FROM campaign_id_lists l
    WHERE l.created_at < now() - make_interval(secs => $1)
      AND NOT EXISTS (SELECT 1 FROM campaigns c
                      WHERE c.status NOT IN ('done', 'cancelled') AND c.filter ->> 'list' = l.id::text)
    ORDER BY l.id
    LIMIT 1
), users_gone AS (
    DELETE FROM campaign_id_list_users u USING old WHERE u.list_id = old.id
)
DELETE FROM campaign_id_lists l USING old WHERE l.id = old.id
RETURNING l.id;
